"""The optional ``components:`` key of a variant: its changes grouped into named parts.

::

    components:
      links: [edges.new_link_a, edges.new_link_b, nodes.link_a_mid]
      cafes: [venues.west_cafe, venues.east_cafe]
      settings: [model]

Each entry names an item the same file adds, modifies or removes, as ``section.id``
(``venues.west_cafe``), or ``model`` / ``agents`` for the file's settings. Every change
of the file belongs to exactly one component, so the parts add up to the whole move.
``compare --components`` runs each part alone; the key changes nothing else.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sim.layout.checks import Checker, closest, describe

SETTINGS: tuple[str, ...] = ("model", "agents")
"""Top-level settings a component may name as a whole."""
_BLOCKS: tuple[str, ...] = ("remove", "modify", "add")


def changed_items(variant: Mapping[Any, Any]) -> list[str]:
    """Every change of a variant file as ``section.id`` (and ``model`` / ``agents``), in order.

    Parameters
    ----------
    variant
        The variant file's raw data (change blocks already checked).
    """
    out: list[str] = []
    for block in _BLOCKS:
        sections = variant.get(block)
        if not isinstance(sections, dict):
            continue
        for section, items in sections.items():
            ids = items if isinstance(items, (list, dict)) else [items]
            for ident in ids:
                ref = f"{section}.{ident}"
                if ref not in out:
                    out.append(ref)
    out.extend(key for key in SETTINGS if key in variant)
    return out


def check_components(variant: Mapping[Any, Any], ck: Checker) -> dict[str, list[str]]:
    """Check a variant's ``components:`` key; return component name → items.

    Returns an empty mapping when the file has no such key.

    Raises
    ------
    LayoutError
        Naming the line of the first problem: not a mapping of lists, an item the file
        does not change, an item in two components, a change in no component.
    """
    raw = variant.get("components")
    if raw is None:
        return {}
    what = "a mapping of component name → list of changed items (section.id)"
    comps = ck.mapping(raw, ("components",), what)
    if not comps:
        ck.fail(("components",), f"expected {what}, got an empty mapping")
    changed = changed_items(variant)
    owner: dict[str, str] = {}
    out: dict[str, list[str]] = {}
    for name, refs in comps.items():
        path = ("components", name)
        ck.ident(name, path)
        items = refs if isinstance(refs, list) else [refs]
        if not items:
            ck.fail(path, "expected at least one changed item, got an empty list")
        out[str(name)] = []
        for j, ref in enumerate(items):
            where = (*path, j) if isinstance(refs, list) else path
            if not isinstance(ref, str):
                ck.fail(where, f"expected a changed item such as 'edges.x', got {describe(ref)}")
            if ref not in changed:
                guess = closest(ref, changed)
                hint = f"; did you mean '{guess}'?" if guess else ""
                ck.fail(where, f"'{ref}' is not added, modified or removed by this file{hint}")
            if ref in owner:
                ck.fail(where, f"'{ref}' is already in component '{owner[ref]}'")
            owner[ref] = str(name)
            out[str(name)].append(ref)
    missing = [ref for ref in changed if ref not in owner]
    if missing:
        ck.fail(
            ("components",),
            f"every change belongs to one component; not in any: {', '.join(missing)}",
        )
    return out
