"""Small value checks shared by the layout validator and other YAML-file validators.

A :class:`Checker` knows the file and line index, so each check only needs the value and
its key path; on failure it raises one error naming file, line, dotted key path and what
was expected. Nothing here knows about layouts.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NoReturn

from sim.errors import CrosspathsInputError, LayoutError
from sim.layout.reader import KeyPath, LineIndex, dotted

ID_PATTERN = re.compile(r"[\w.\-]+")
"""Ids: letters (any script), digits, ``_``, ``-`` and ``.``."""

_HOURS = re.compile(r"([0-9]{1,2}):([0-9]{2}) *- *([0-9]{1,2}):([0-9]{2})")
_LIST_ALLOWED_UP_TO = 12
"""Unknown-key messages list the allowed keys only when there are few enough to read."""


def describe(value: Any) -> str:
    """Show a YAML value in a message, on one line and in YAML's spelling.

    Parameters
    ----------
    value
        Any value the reader can produce.

    Returns
    -------
    str
        E.g. ``-5``, ``'lots'`` (quoted, shortened, escaped), ``true``, ``a list``.
    """
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return f"{value}"
    if isinstance(value, str):
        short = value if len(value) <= 40 else value[:37] + "..."
        return repr(short)
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return f"a {type(value).__name__} ({value})"


def closest(word: object, options: Collection[str]) -> str | None:
    """The option a misspelt ``word`` most likely meant, if any is close enough.

    Parameters
    ----------
    word
        What the file said.
    options
        What it may say.

    Returns
    -------
    str or None
        The closest option, or ``None`` when none is similar.
    """
    matches = difflib.get_close_matches(str(word), list(options), n=1, cutoff=0.6)
    return matches[0] if matches else None


def fmt_number(x: float) -> str:
    """A bound or total as a person would write it (``0.5``, ``100000``)."""
    if abs(x) >= 1e15:
        return f"{x:e}"
    return f"{int(x):,}" if float(x).is_integer() and abs(x) >= 1e6 else f"{x:g}"


def range_phrase(
    lo: float | None, hi: float | None, *, lo_open: bool = False, hi_open: bool = False
) -> str:
    """Describe an interval for "expected a number ..." messages.

    Parameters
    ----------
    lo, hi
        Bounds; ``None`` means unbounded on that side.
    lo_open, hi_open
        Whether the bound itself is excluded.

    Returns
    -------
    str
        ``" between 0 and 1"``, ``" >= 0"``, ``" > 0"`` (leading space), or ``""``.
    """
    if lo is not None and hi is not None and not (lo_open or hi_open):
        return f" between {fmt_number(lo)} and {fmt_number(hi)}"
    parts = []
    if lo is not None:
        parts.append(f"{'>' if lo_open else '>='} {fmt_number(lo)}")
    if hi is not None:
        parts.append(f"{'<' if hi_open else '<='} {fmt_number(hi)}")
    return (" " + " and ".join(parts)) if parts else ""


def unknown_message(what: str, value: object, options: Sequence[str]) -> str:
    """Message for a value that is not among ``options``.

    Parameters
    ----------
    what
        What the value is, e.g. ``"key"``, ``"node"``, ``"venue kind"``.
    value
        The value the file gave.
    options
        The values allowed; listed in the message when there are only a few.

    Returns
    -------
    str
        E.g. ``unknown key 'capactiy'; did you mean 'capacity'? (expected one of: ...)``.
    """
    shown = repr(value) if isinstance(value, str) else describe(value)
    message = f"unknown {what} {shown}"
    guess = closest(value, options)
    if guess is not None:
        message += f"; did you mean '{guess}'?"
    if not options:
        return message + " (none are defined)"
    if len(options) <= _LIST_ALLOWED_UP_TO:
        message += f" (expected one of: {', '.join(options)})"
    return message


@dataclass(frozen=True)
class Checker:
    """Checks raw values, raising errors that point into the file they came from.

    Parameters
    ----------
    lines
        Line index of the data being checked.
    file
        File name used when the index does not know the path.
    error
        Error class to raise; a sweep validator passes ``ParameterError``.
    """

    lines: LineIndex
    file: str
    error: type[CrosspathsInputError] = LayoutError

    def fail(self, path: KeyPath, message: str) -> NoReturn:
        """Raise the error for ``path``.

        Parameters
        ----------
        path
            Key path the problem is at; its line (or its nearest parent's) is reported.
        message
            What is wrong and what was expected.

        Raises
        ------
        CrosspathsInputError
            Always, of class :attr:`error`.
        """
        # The CLI prints errors as one line, whatever a user-supplied key contained.
        one_line = " ".join(message.split())
        raise self.error(
            one_line,
            file=self.lines.file_of(path) or self.file,
            line=self.lines.line_of(path),
            path=dotted(path) or None,
        )

    def mapping(
        self, value: Any, path: KeyPath, what: str, *, null_ok: bool = False
    ) -> dict[Any, Any]:
        """``value`` as a mapping; ``None`` counts as empty when ``null_ok``."""
        if value is None and null_ok:
            return {}
        if not isinstance(value, dict):
            self.fail(path, f"expected {what}, got {describe(value)}")
        return value

    def keys(
        self,
        mapping: Mapping[Any, Any],
        path: KeyPath,
        *,
        required: Sequence[str] = (),
        optional: Sequence[str] = (),
    ) -> None:
        """Fail on the first unknown key (in file order), then on a missing required one.

        Parameters
        ----------
        mapping
            The mapping whose keys are checked.
        path
            Its key path; an unknown key is reported at its own line, a missing one at the
            mapping's.
        required, optional
            The keys allowed, in the order the message lists them.
        """
        allowed = [*required, *optional]
        for key in mapping:
            if key not in allowed:
                self.fail((*path, key), unknown_message("key", key, allowed))
        for key in required:
            if key not in mapping:
                self.fail(path, f"missing required key '{key}'")

    def text(self, value: Any, path: KeyPath, *, empty_ok: bool = True) -> str:
        """``value`` as a string (numbers are not silently turned into text)."""
        if not isinstance(value, str):
            hint = " (put it in quotes)" if isinstance(value, (int, float)) else ""
            self.fail(path, f"expected text, got {describe(value)}{hint}")
        if not empty_ok and not value.strip():
            self.fail(path, "expected non-empty text")
        return value

    def number(
        self,
        value: Any,
        path: KeyPath,
        *,
        lo: float | None = None,
        hi: float | None = None,
        lo_open: bool = False,
    ) -> float:
        """``value`` as a finite float within the bounds.

        Parameters
        ----------
        value
            The raw value; ints are accepted, booleans and text are not.
        path
            Its key path.
        lo, hi
            Inclusive bounds, ``None`` for none.
        lo_open
            Exclude ``lo`` itself ("> 0" rather than ">= 0").

        Returns
        -------
        float
            The checked value.
        """
        wanted = "a number" + range_phrase(lo, hi, lo_open=lo_open)
        is_number = isinstance(value, (int, float)) and not isinstance(value, bool)
        if not is_number or not math.isfinite(value):
            self.fail(path, f"expected {wanted}, got {describe(value)}{_numeric_hint(value)}")
        if _outside(value, lo, hi, lo_open=lo_open):
            self.fail(path, f"expected {wanted}, got {describe(value)}")
        return float(value)

    def integer(
        self,
        value: Any,
        path: KeyPath,
        *,
        lo: int | None = None,
        hi: int | None = None,
        lo_open: bool = False,
    ) -> int:
        """``value`` as an int within the bounds; ``60.0`` is refused, not truncated.

        Parameters
        ----------
        value
            The raw value.
        path
            Its key path.
        lo, hi
            Inclusive bounds, ``None`` for none.
        lo_open
            Exclude ``lo`` itself ("> 0" rather than ">= 0").

        Returns
        -------
        int
            The checked value.
        """
        wanted = "an integer" + range_phrase(lo, hi, lo_open=lo_open)
        if not isinstance(value, int) or isinstance(value, bool):
            self.fail(path, f"expected {wanted}, got {describe(value)}")
        if _outside(value, lo, hi, lo_open=lo_open):
            self.fail(path, f"expected {wanted}, got {describe(value)}")
        return value

    def choice(self, value: Any, path: KeyPath, options: Sequence[str], what: str) -> str:
        """``value`` if it is one of ``options``; ``what`` names it in the message."""
        if not isinstance(value, str) or value not in options:
            self.fail(path, unknown_message(what, value, options))
        return value

    def ident(self, value: Any, path: KeyPath) -> str:
        """``value`` as an id: text of letters, digits, ``_``, ``-`` and ``.``."""
        if isinstance(value, (bool, int, float)):
            # YAML reads `12`, `1.5` or `no` as a number or boolean, not as the id the user meant.
            self.fail(path, f"expected an id, got {describe(value)}; put the id in quotes")
        if not isinstance(value, str) or not ID_PATTERN.fullmatch(value):
            self.fail(
                path,
                f"expected an id (letters, digits, '_', '-', '.'), got {describe(value)}",
            )
        return value

    def ref(self, value: Any, path: KeyPath, known: Collection[str], what: str) -> str:
        """``value`` as the id of an existing item; ``what`` names the item kind."""
        ident = self.ident(value, path)
        if ident not in known:
            self.fail(path, unknown_message(what, ident, list(known)))
        return ident

    def refs(self, value: Any, path: KeyPath, known: Collection[str], what: str) -> tuple[str, ...]:
        """One id or a non-empty list of distinct ids of existing items.

        Parameters
        ----------
        value
            A single id, or a list of ids.
        path
            Its key path; list items are reported at their own line.
        known
            The ids that exist.
        what
            What the ids name, e.g. ``"node"``.

        Returns
        -------
        tuple of str
            The ids in file order.
        """
        if not isinstance(value, list):
            return (self.ref(value, path, known, what),)
        if not value:
            self.fail(path, f"expected at least one {what}, got an empty list")
        out: list[str] = []
        for i, item in enumerate(value):
            ident = self.ref(item, (*path, i), known, what)
            if ident in out:
                self.fail((*path, i), f"{what} '{ident}' is listed twice")
            out.append(ident)
        return tuple(out)

    def choices(
        self, value: Any, path: KeyPath, options: Sequence[str], what: str
    ) -> tuple[str, ...]:
        """A list (possibly empty) of distinct values from ``options``."""
        if not isinstance(value, list):
            self.fail(path, f"expected a list of {what}s, got {describe(value)}")
        out: list[str] = []
        for i, item in enumerate(value):
            picked = self.choice(item, (*path, i), options, what)
            if picked in out:
                self.fail((*path, i), f"{what} '{picked}' is listed twice")
            out.append(picked)
        return tuple(out)

    def hours(self, value: Any, path: KeyPath) -> tuple[float, float]:
        """Opening hours ``"HH:MM-HH:MM"`` as seconds since midnight (open, close)."""
        if not isinstance(value, str):
            self.fail(
                path, f'expected hours as text "HH:MM-HH:MM" in quotes, got {describe(value)}'
            )
        found = _HOURS.fullmatch(value.strip())
        if found is None:
            self.fail(path, f'expected hours as "HH:MM-HH:MM", got {describe(value)}')
        start = self._clock(found.group(1), found.group(2), path, value)
        end = self._clock(found.group(3), found.group(4), path, value)
        if start >= end:
            self.fail(
                path,
                f"expected opening before closing, got {describe(value)} "
                "(venues cannot stay open past midnight)",
            )
        return float(start), float(end)

    def _clock(self, hh: str, mm: str, path: KeyPath, value: str) -> int:
        hour, minute = int(hh), int(mm)
        if minute > 59 or hour > 24 or (hour == 24 and minute > 0):
            self.fail(path, f"expected times between 00:00 and 24:00, got {describe(value)}")
        return hour * 3600 + minute * 60


def _outside(value: float, lo: float | None, hi: float | None, *, lo_open: bool) -> bool:
    """Whether ``value`` lies outside ``[lo, hi]`` (``(lo, hi]`` when ``lo_open``)."""
    below = lo is not None and (value < lo or (lo_open and value == lo))
    return below or (hi is not None and value > hi)


def _numeric_hint(value: Any) -> str:
    """Explain text that looks like a number (YAML 1.1 reads ``1e3`` as text)."""
    if not isinstance(value, str):
        return ""
    try:
        float(value)
    except ValueError:
        return ""
    if "e" in value.lower():
        return " (YAML reads this as text; write exponents with a decimal point: 1.0e3)"
    return " (this is text; write the number without quotes)"
