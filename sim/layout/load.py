"""Load a layout file: read the YAML with line numbers, apply overrides, validate."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from sim.errors import LayoutError
from sim.layout.reader import LineIndex, read_yaml
from sim.layout.schema import Layout
from sim.layout.validate import validate_layout

_CREATABLE = ("model", "agents")
"""Sections in which an override may add keys the file does not have."""


def load_raw(path: str | os.PathLike[str]) -> tuple[Any, LineIndex]:
    """Read a layout file into plain data and its line index, before validation."""
    return read_yaml(os.fspath(path))


def apply_overrides(data: Any, overrides: Mapping[str, Any], file: str) -> Any:
    """Set values in raw layout data by dotted key path, e.g. ``model.greet_radius_m``.

    Paths must exist in the file, except under ``model`` and ``agents``, where
    parameters the file leaves at their defaults may be set. Values are checked by the
    validator like any value written in the file.

    Raises
    ------
    LayoutError
        If a path names something the layout does not have.
    """
    for dotted, value in overrides.items():
        keys = dotted.split(".")
        node = data
        for depth, key in enumerate(keys[:-1]):
            if not isinstance(node, dict):
                raise LayoutError(f"cannot set '{dotted}': '{key}' is not a section", file=file)
            if key not in node:
                if keys[0] not in _CREATABLE:
                    raise LayoutError(
                        f"cannot set '{dotted}': the layout has no "
                        f"'{'.'.join(keys[: depth + 1])}'",
                        file=file,
                    )
                node[key] = {}
            node = node[key]
        if not isinstance(node, dict) or (keys[0] not in _CREATABLE and keys[-1] not in node):
            raise LayoutError(f"cannot set '{dotted}': the layout has no such key", file=file)
        node[keys[-1]] = value
    return data


def load_layout(
    path: str | os.PathLike[str], overrides: Mapping[str, Any] | None = None
) -> Layout:
    """Read and validate the layout file at ``path``.

    Parameters
    ----------
    path
        A layout YAML file (format: ``docs/layout-format.md``).
    overrides
        Optional values to set by dotted key path before validation (used by sweeps).

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
    data, lines = load_raw(file)
    if overrides:
        data = apply_overrides(data, overrides, file)
    return validate_layout(data, lines, file)
