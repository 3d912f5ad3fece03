"""Domain errors.

Every problem with user input is raised as a :class:`CrosspathsInputError` (a
``ValueError``) that knows the file, line and key path it concerns, so the CLI can
print it as one line and exit with status 2.
"""

from __future__ import annotations


class CrosspathsInputError(ValueError):
    """Bad user input: a layout, sweep file or argument that cannot be used.

    Parameters
    ----------
    message
        What is wrong and what was expected, e.g. ``"expected a number >= 0, got -5"``.
    file
        Path of the file the problem is in, if any.
    line
        1-based line number in ``file``, if known.
    path
        Key path inside the file, e.g. ``"buildings.panum.population.student"``.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        path: str | None = None,
    ) -> None:
        self.message = message
        self.file = file
        self.line = line
        self.path = path
        super().__init__(self.one_line())

    def one_line(self) -> str:
        """Format as ``file:line: key.path: message`` (parts that are unknown are left out)."""
        where = ""
        if self.file:
            where = self.file + (f":{self.line}" if self.line else "")
        parts = [p for p in (where, self.path) if p]
        return ": ".join([*parts, self.message])


class LayoutError(CrosspathsInputError):
    """A layout file is missing, unreadable or does not describe a usable district."""


class ParameterError(CrosspathsInputError):
    """A model or agent parameter (from a layout, sweep or the CLI) is not acceptable."""
