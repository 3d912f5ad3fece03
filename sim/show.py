"""``run_sim.py show VARIANT.yaml``: print what a variant changes against its base.

The variant and its base are both validated first, so what is printed is a difference
between two usable layouts. The base is the variant's immediate base: the file its
``extends`` names (or the files, merged in order), not the first layout of a chain.
"""

from __future__ import annotations

import argparse
from typing import Any

from sim.errors import LayoutError
from sim.layout.checks import ID_PATTERN
from sim.layout.diff import UNSET, KeyChange, LayoutDiff, SectionDiff, diff_raw
from sim.layout.load import ResolvedLayout, resolve_layout
from sim.layout.schema import Layout
from sim.layout.validate import validate_layout

_TEXT_WIDTH = 60
"""Longer text values are shortened so that each change stays on one line."""


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register the ``show`` subcommand on the CLI's subparsers.

    Parameters
    ----------
    sub
        The object returned by ``ArgumentParser.add_subparsers``.
    """
    p = sub.add_parser("show", help="print what a variant layout changes against its base")
    p.add_argument("layout", help="variant layout YAML file (one with 'extends:')")
    p.add_argument(
        "--against",
        metavar="LAYOUT",
        help="compare with this layout or variant instead of the variant's base",
    )
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Handler of ``show``: validate the variant and its base, print the difference.

    Parameters
    ----------
    args
        Parsed arguments: ``args.layout`` the variant file, ``args.against`` an optional
        layout to compare with instead of the base.

    Returns
    -------
    int
        0 (problems with the files are raised as :class:`~sim.errors.LayoutError`).
    """
    resolved = resolve_layout(args.layout)
    variant = validate_layout(resolved.data, resolved.lines, resolved.file)
    base_data, base_layout, source = _base(resolved, args.against)
    print(f"{variant.name} ({resolved.file})")
    print(f"against {base_layout.name} ({source})")
    print("\n".join(render(diff_raw(base_data, resolved.data))))
    return 0


def _base(resolved: ResolvedLayout, against: str | None) -> tuple[Any, Layout, str]:
    """Raw data, validated layout and description of what ``resolved`` is compared with.

    The base of a variant extending one file is that file. A variant extending a list of
    files is compared with what the list builds on (the first file's base), since
    against the list merged it would show only its own few lines.
    """
    if against is not None:
        other = resolve_layout(against)
        return other.data, validate_layout(other.data, other.lines, other.file), other.file
    if resolved.base_lines is None:
        raise LayoutError(
            "not a variant: it has no 'extends:', so there is no base to compare with "
            "(use --against LAYOUT)",
            file=resolved.file,
        )
    if len(resolved.bases) == 1:
        base_data, base_lines, source = resolved.base_data, resolved.base_lines, resolved.bases[0]
    else:
        first = resolve_layout(resolved.bases[0])
        if first.base_lines is None:
            base_data, base_lines, source = first.data, first.lines, first.file
        else:
            base_data, base_lines, source = first.base_data, first.base_lines, first.bases[0]
        source += f", which its extends list of {len(resolved.bases)} files builds on"
    return base_data, validate_layout(base_data, base_lines, resolved.file), source


def render(diff: LayoutDiff) -> list[str]:
    """The lines ``show`` prints for a difference.

    Parameters
    ----------
    diff
        From :func:`~sim.layout.diff.diff_raw`.

    Returns
    -------
    list of str
        Settings changes, then per changed section a count line and one line per item
        (``+`` added, ``-`` removed, ``~`` modified with ``key old → new``), then the
        population per agent type.
    """
    lines: list[str] = []
    if diff.settings:
        lines.append("settings:")
        lines.extend(f"  ~ {_change(c)}" for c in diff.settings)
    for section in diff.sections:
        if section:
            lines.extend(_section(section))
    if not diff.settings and not any(diff.sections):
        lines.append("no changes")
    lines.extend(_population(diff.population))
    return lines


def _section(diff: SectionDiff) -> list[str]:
    counts = [
        f"{len(items)} {verb}"
        for items, verb in (
            (diff.added, "added"),
            (diff.removed, "removed"),
            (diff.modified, "modified"),
        )
        if items
    ]
    lines = [f"{diff.section}: {', '.join(counts)}"]
    lines.extend(f"  + {ident}: {_item(item)}" for ident, item in diff.added.items())
    lines.extend(f"  - {ident}" for ident in diff.removed)
    lines.extend(
        f"  ~ {ident}: {'; '.join(_change(c) for c in changes)}"
        for ident, changes in diff.modified.items()
    )
    return lines


def _population(population: dict[str, tuple[int, int]]) -> list[str]:
    before = sum(old for old, _ in population.values())
    after = sum(new for _, new in population.values())
    lines = [f"people: {before} → {after} ({_delta(after - before)})"]
    lines.extend(
        f"  {agent_type}: {old} → {new} ({_delta(new - old)})"
        for agent_type, (old, new) in population.items()
        if old or new
    )
    return lines


def _delta(n: int) -> str:
    return f"{n:+d}" if n else "no change"


def _change(change: KeyChange) -> str:
    return f"{change.key} {_value(change.old)} → {_value(change.new)}"


def _item(item: Any) -> str:
    """An added item on one line: its keys and values, nested mappings flattened."""
    if not isinstance(item, dict):
        return _value(item)
    parts: list[str] = []
    for key, value in item.items():
        if isinstance(value, dict) and value:
            parts.extend(f"{key}.{k} {_value(v)}" for k, v in value.items())
        else:
            parts.append(f"{key} {_value(value)}")
    return ", ".join(parts)


def _value(value: Any) -> str:
    """A value as the file would write it; ids and kinds unquoted, long text shortened."""
    if value is UNSET:
        return "(not set)"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        # Shortest round-trip form: coordinates keep all their digits.
        return str(value)
    if isinstance(value, list) and value and isinstance(value[0], list):
        # A footprint: hundreds of coordinates say less than their count.
        rings = value if isinstance(value[0][0], list) else [value]
        points = sum(len(r) for r in rings if isinstance(r, list))
        return f"(outline: {len(rings)} ring{'s' if len(rings) > 1 else ''}, {points} points)"
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_value(v)}" for k, v in value.items()) + "}"
    text = " ".join(str(value).split())
    if ID_PATTERN.fullmatch(text):
        return text
    if len(text) > _TEXT_WIDTH:
        text = text[: _TEXT_WIDTH - 3] + "..."
    return repr(text)
