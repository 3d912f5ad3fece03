"""What one layout changes against another, item by item and key by key.

Works on raw layout data (as :func:`~sim.layout.load.load_raw` returns it, after the
data has passed validation), so changes are reported in the file's own terms: the keys
an urban designer writes (``from``, ``hours``, ``area``), not the validated model's.
Venues are compared as one district-wide section, with the building they are in as a
key, so a venue added to an existing building shows up as one added venue.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sim.layout.overlay import SECTIONS
from sim.params import AGENT_TYPES

SETTINGS: tuple[str, ...] = (
    "name", "title", "description", "attribution", "origin", "model", "agents",
)  # fmt: skip
"""Top-level keys that are not id-keyed sections."""


class Unset(enum.Enum):
    """Marks a key one side of a change does not have (distinct from a YAML ``null``)."""

    UNSET = "unset"


UNSET = Unset.UNSET


@dataclass(frozen=True)
class KeyChange:
    """One value that differs: ``key`` is a dotted path inside the item (or layout)."""

    key: str
    old: Any
    new: Any


@dataclass(frozen=True)
class SectionDiff:
    """Items of one section that were added, removed or modified.

    Attributes
    ----------
    section
        ``nodes``, ``edges``, ..., or ``venues`` (all buildings' venues).
    added, removed
        Id → raw item, in file order. Buildings are given without their venues.
    modified
        Id → the keys that changed, for items present on both sides.
    """

    section: str
    added: dict[str, Any]
    removed: dict[str, Any]
    modified: dict[str, tuple[KeyChange, ...]]

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.modified)


@dataclass(frozen=True)
class LayoutDiff:
    """Everything that differs between two layouts.

    Attributes
    ----------
    settings
        Changes to the top-level settings (``name``, ``model.greet_radius_m``, ...).
    sections
        One entry per section, in :data:`~sim.layout.overlay.SECTIONS` order, empty ones
        included.
    population
        Agent type → (people before, people after), every type listed.
    """

    settings: tuple[KeyChange, ...]
    sections: tuple[SectionDiff, ...]
    population: dict[str, tuple[int, int]]

    def section(self, name: str) -> SectionDiff:
        """The diff of one section by name."""
        return next(s for s in self.sections if s.section == name)


def diff_raw(old: Mapping[Any, Any], new: Mapping[Any, Any]) -> LayoutDiff:
    """Compare two raw layouts.

    Parameters
    ----------
    old, new
        Raw layout data that validates (e.g. a variant's base and the variant, merged).

    Returns
    -------
    LayoutDiff
        Added, removed and modified items per section, changed settings and the
        population per agent type on each side.
    """
    settings = _changes(
        {k: old[k] for k in SETTINGS if k in old},
        {k: new[k] for k in SETTINGS if k in new},
    )
    sections = tuple(_diff_section(s, _items(old, s), _items(new, s)) for s in SECTIONS)
    before, after = _population(old), _population(new)
    population = {t: (before.get(t, 0), after.get(t, 0)) for t in AGENT_TYPES}
    return LayoutDiff(settings=tuple(settings), sections=sections, population=population)


def _items(data: Mapping[Any, Any], section: str) -> dict[str, Any]:
    """Id → item of one section; venues gathered from all buildings."""
    buildings = data.get("buildings") or {}
    if section == "venues":
        return {
            vid: {"building": bid, **venue}
            for bid, building in buildings.items()
            for vid, venue in (building.get("venues") or {}).items()
        }
    if section == "buildings":
        # Venues are compared in their own section.
        return {bid: {k: v for k, v in b.items() if k != "venues"} for bid, b in buildings.items()}
    return dict(data.get(section) or {})


def _diff_section(section: str, old: dict[str, Any], new: dict[str, Any]) -> SectionDiff:
    modified = {}
    for ident in new.keys() & old.keys():
        changes = _changes(old[ident], new[ident])
        if changes:
            modified[ident] = tuple(changes)
    return SectionDiff(
        section=section,
        added={k: v for k, v in new.items() if k not in old},
        removed={k: v for k, v in old.items() if k not in new},
        # In the new file's order, which is the order the designer reads it in.
        modified={k: modified[k] for k in new if k in modified},
    )


def _changes(old: Any, new: Any) -> list[KeyChange]:
    """Leaf values that differ, mappings compared key by key (lists as wholes)."""
    flat_old, flat_new = _flatten(old, ""), _flatten(new, "")
    keys = list(flat_old) + [k for k in flat_new if k not in flat_old]
    return [
        KeyChange(key, flat_old.get(key, UNSET), flat_new.get(key, UNSET))
        for key in keys
        if not _same(flat_old.get(key, UNSET), flat_new.get(key, UNSET))
    ]


def _flatten(value: Any, prefix: str) -> dict[str, Any]:
    """Dotted key → leaf value; an empty or non-mapping value is its own leaf."""
    if not isinstance(value, dict) or not value:
        return {prefix: value}
    out: dict[str, Any] = {}
    for key, sub in value.items():
        out.update(_flatten(sub, f"{prefix}.{key}" if prefix else str(key)))
    return out


def _same(a: Any, b: Any) -> bool:
    # 1 and 1.0 are the same value to the simulator, but True is not 1.
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    return a == b


def _population(data: Mapping[Any, Any]) -> dict[str, int]:
    """People per agent type, summed over the buildings."""
    totals: dict[str, int] = {}
    for building in (data.get("buildings") or {}).values():
        for agent_type, people in (building.get("population") or {}).items():
            totals[agent_type] = totals.get(agent_type, 0) + people
    return totals
