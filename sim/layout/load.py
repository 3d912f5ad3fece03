"""Load a layout file: read the YAML with line numbers, then validate it."""

from __future__ import annotations

import os

from sim.layout.reader import read_yaml
from sim.layout.schema import Layout
from sim.layout.validate import validate_layout


def load_layout(path: str | os.PathLike[str]) -> Layout:
    """Read and validate the layout file at ``path``.

    Parameters
    ----------
    path
        A layout YAML file (format: ``docs/layout-format.md``).

    Returns
    -------
    Layout
        The validated layout.

    Raises
    ------
    LayoutError
        If the file is missing, is not valid YAML, or breaks a rule of the format; the
        error names the file, line and key path.
    """
    file = os.fspath(path)
    data, lines = read_yaml(file)
    return validate_layout(data, lines, file)
