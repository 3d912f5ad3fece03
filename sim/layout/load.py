"""Load a layout file: read the YAML with line numbers, merge the files it extends,
apply overrides, validate.

A variant file names the layouts it builds on with ``extends:`` (a path relative to the
variant, or a list of them); :func:`resolve_layout` follows the chain, refuses cycles, and
merges each file's changes with :func:`~sim.layout.overlay.apply_variant`.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sim.errors import LayoutError
from sim.layout.checks import Checker, describe
from sim.layout.overlay import apply_variant, is_variant
from sim.layout.reader import KeyPath, LineIndex, file_digest, read_yaml
from sim.layout.schema import Layout
from sim.layout.validate import validate_layout

_CREATABLE = ("model", "agents")
"""Sections in which an override may add keys the file does not have."""


@dataclass(frozen=True)
class ResolvedLayout:
    """A layout file with everything it extends merged in, before validation.

    Attributes
    ----------
    file
        The file that was asked for.
    data, lines
        The merged raw data, and where each of its key paths was written (any file of
        the chain).
    bases
        The files its ``extends`` names, in order; empty for a full layout.
    base_data, base_lines
        The merged layout those files make up, which this file's changes were applied
        to; ``None`` for a full layout.
    files
        Every file merged, in the order applied, ending with ``file``.
    """

    file: str
    data: Any
    lines: LineIndex
    bases: tuple[str, ...] = ()
    base_data: Any = None
    base_lines: LineIndex | None = None
    files: tuple[str, ...] = ()


def load_raw(path: str | os.PathLike[str]) -> tuple[Any, LineIndex]:
    """Read a layout file into plain data and its line index, before validation.

    A variant (a file with ``extends:``) comes back merged with the layouts it extends;
    the index then points each key path at the file and line that wrote it.

    Parameters
    ----------
    path
        A layout or variant YAML file.

    Returns
    -------
    data, lines
        The (merged) raw data and its line index.

    Raises
    ------
    LayoutError
        If a file is missing or not valid YAML, ``extends`` is malformed or cyclic, or a
        variant's changes cannot be applied.
    """
    resolved = resolve_layout(path)
    return resolved.data, resolved.lines


def resolve_layout(path: str | os.PathLike[str]) -> ResolvedLayout:
    """Read a layout file and merge the chain of files it extends.

    Parameters
    ----------
    path
        A layout or variant YAML file.

    Returns
    -------
    ResolvedLayout
        The merged data, and for a variant also the base it was applied to.

    Raises
    ------
    LayoutError
        As for :func:`load_raw`.
    """
    return _resolve(os.fspath(path), ())


def _resolve(file: str, stack: tuple[str, ...]) -> ResolvedLayout:
    """Resolve ``file``; ``stack`` holds the files extending it, outermost first."""
    data, lines = read_yaml(file)
    if not is_variant(data):
        return ResolvedLayout(file=file, data=data, lines=lines, files=(file,))
    ck = Checker(lines, file)
    parents = _parents(data["extends"], file, ck)
    stack = (*stack, file)
    first, first_path = parents[0]
    _check_no_cycle(first, first_path, stack, ck)
    base = _resolve(first, stack)
    base_data, base_lines = base.data, base.lines
    files = list(base.files)
    # Later parents contribute only their own changes: each must build on files that are
    # already merged, or its changes would be applied to a district it was not written for.
    for parent, parent_path in parents[1:]:
        _check_no_cycle(parent, parent_path, stack, ck)
        merged = {os.path.realpath(f): f for f in files}
        if os.path.realpath(parent) in merged:
            ck.fail(
                parent_path, f"'{parent}' is already part of the base (listed or extended above)"
            )
        own, own_lines = read_yaml(parent)
        if not is_variant(own):
            ck.fail(
                parent_path,
                f"'{parent}' is a full layout; only the first file in extends may be one",
            )
        for grand, _ in _parents(own["extends"], parent, Checker(own_lines, parent)):
            if os.path.realpath(grand) not in merged:
                ck.fail(
                    parent_path,
                    f"'{parent}' extends '{grand}', which is not merged before it; "
                    "list that file earlier in extends",
                )
        base_data, base_lines = apply_variant(base_data, base_lines, own, own_lines, parent)
        files.append(parent)
    merged_data, merged_lines = apply_variant(base_data, base_lines, data, lines, file)
    return ResolvedLayout(
        file=file,
        data=merged_data,
        lines=merged_lines,
        bases=tuple(p for p, _ in parents),
        base_data=base_data,
        base_lines=base_lines,
        files=(*files, file),
    )


def _parents(raw: Any, file: str, ck: Checker) -> list[tuple[str, KeyPath]]:
    """The files an ``extends`` value names, relative to ``file``, with their key paths."""
    values = raw if isinstance(raw, list) else [raw]
    if isinstance(raw, list) and not raw:
        ck.fail(("extends",), "expected a file name or a list of them, got an empty list")
    out: list[tuple[str, KeyPath]] = []
    for i, value in enumerate(values):
        path: KeyPath = ("extends", i) if isinstance(raw, list) else ("extends",)
        if not isinstance(value, str) or not value.strip():
            ck.fail(path, f"expected the path of a layout file, got {describe(value)}")
        parent = os.path.normpath(os.path.join(os.path.dirname(file), value))
        if not os.path.isfile(parent):
            ck.fail(path, f"base file not found: '{value}' (looked for {parent})")
        if any(os.path.realpath(parent) == os.path.realpath(p) for p, _ in out):
            ck.fail(path, f"'{value}' is listed twice")
        out.append((parent, path))
    return out


def _check_no_cycle(parent: str, path: KeyPath, stack: tuple[str, ...], ck: Checker) -> None:
    """Fail if ``parent`` is already being resolved: the files extend each other.

    ``stack`` holds the files being resolved, outermost first, as they were named.
    """
    real = os.path.realpath(parent)
    reals = [os.path.realpath(f) for f in stack]
    if real in reals:
        loop = [*stack[reals.index(real) :], parent]
        ck.fail(path, "cycle: " + " → ".join(loop))


def apply_path_overrides(data: Any, overrides: Mapping[str, Any], file: str) -> Any:
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
                        f"cannot set '{dotted}': the layout has no '{'.'.join(keys[: depth + 1])}'",
                        file=file,
                    )
                node[key] = {}
            node = node[key]
        if not isinstance(node, dict) or (keys[0] not in _CREATABLE and keys[-1] not in node):
            raise LayoutError(f"cannot set '{dotted}': the layout has no such key", file=file)
        node[keys[-1]] = value
    return data


def load_layout(path: str | os.PathLike[str], overrides: Mapping[str, Any] | None = None) -> Layout:
    """Read and validate the layout file at ``path``.

    Parameters
    ----------
    path
        A layout YAML file, or a variant extending one (format:
        ``docs/layout-format.md``).
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
    key = (file, repr(sorted((overrides or {}).items())))
    known = _LOADED.get(key)
    if known is not None and all(file_digest(f) == d for f, d in known[0]):
        # A deep copy, as from a fresh load: nobody can change another caller's layout.
        return copy.deepcopy(known[1])
    resolved = resolve_layout(file)
    data = resolved.data
    if overrides:
        data = apply_path_overrides(data, overrides, file)
    layout = validate_layout(data, resolved.lines, file)
    _LOADED[key] = (tuple((f, file_digest(f)) for f in resolved.files), layout)
    while len(_LOADED) > _LOADED_KEPT:
        del _LOADED[next(iter(_LOADED))]
    return copy.deepcopy(layout)


_LOADED: dict[tuple[str, str], tuple[tuple[tuple[str, bytes], ...], Layout]] = {}
"""Layouts already loaded in this process, by file name and overrides, with the digest
of every file they were merged from: a worker of a comparison or sweep loads the same
few layouts for every run (0.12 s each: merging variants and validating; a copy takes
0.01 s), and a file edited since is loaded again."""
_LOADED_KEPT = 32
