"""Apply one variant file's changes to the raw data of the layout it extends.

A variant (``docs/layout-format.md``, *Variants*) names its base with ``extends:`` and
lists only its changes: ids to ``remove:``, keys to ``modify:`` and items to ``add:``, per
section, plus its own ``name`` and any ``model:``/``agents:`` settings. This module
merges those changes into a copy of the base's raw data and line index; the validator then
checks the result once, so every rule of the format applies to the merged district, and
every error points at the file and line where the offending value was written.

Mistakes in the changes themselves (modifying an id the base lacks, adding one it
already has, an unknown section) are reported here, at the variant's own key path; so is
a reference to an item the variant removed, at the referring item.
"""

from __future__ import annotations

import copy
from collections.abc import Hashable, Iterable, Mapping
from typing import Any, NoReturn

from sim.errors import LayoutError
from sim.layout.checks import Checker, closest, describe, unknown_message
from sim.layout.components import check_components
from sim.layout.reader import KeyPath, LineIndex, Location, dotted

SECTIONS: tuple[str, ...] = (
    "institutions",
    "nodes",
    "edges",
    "buildings",
    "venues",
    "public_spaces",
    "gateways",
)
"""Sections a variant changes by id; ``venues`` holds the venues of every building."""

WHAT: dict[str, str] = {
    "institutions": "institution",
    "nodes": "node",
    "edges": "edge",
    "buildings": "building",
    "venues": "venue",
    "public_spaces": "public space",
    "gateways": "gateway",
}
"""What one item of each section is called in messages."""

VERBS: tuple[str, ...] = ("remove", "modify", "add")
"""The change blocks, in the order they are applied (so remove + add replaces an item)."""

VARIANT_KEYS: tuple[str, ...] = (
    "extends",
    "name",
    "title",
    "description",
    "attribution",
    "origin",
    "model",
    "agents",
    *VERBS,
    "components",
)
"""Top-level keys of a variant file (``components``: :mod:`sim.layout.components`)."""

_REMOVE_ORDER: tuple[str, ...] = ("venues", *(s for s in SECTIONS if s != "venues"))
"""Venues are removed before buildings, so removing a building and its venues is no error."""

_MERGED = ("model", "agents")
"""Settings merged key by key into the base's; the other top-level keys replace."""

_REFERENCES: dict[str, tuple[tuple[str, str], ...]] = {
    "edges": (("from", "nodes"), ("to", "nodes")),
    "buildings": (("institution", "institutions"), ("entrances", "nodes")),
    "public_spaces": (("node", "nodes"),),
    "gateways": (("node", "nodes"),),
}
"""Keys of items that hold ids of other sections' items: section → (key, target)."""


def is_variant(data: Any) -> bool:
    """Whether raw file data is a variant (a mapping with an ``extends`` key)."""
    return isinstance(data, dict) and "extends" in data


def apply_variant(
    base: Any, base_lines: LineIndex, variant: Mapping[Any, Any], lines: LineIndex, file: str
) -> tuple[dict[Any, Any], LineIndex]:
    """Merge a variant's changes into a copy of its base.

    Parameters
    ----------
    base
        Raw data of the base layout (itself possibly merged from several files).
    base_lines
        Where each key path of ``base`` was written.
    variant
        Raw data of the variant file; its ``extends`` key is ignored here.
    lines
        Line index of the variant file.
    file
        The variant file, named in errors.

    Returns
    -------
    data, lines
        The merged raw data and an index pointing every key path at the file and line
        that wrote its value. Neither input is changed.

    Raises
    ------
    LayoutError
        If the variant's changes cannot be applied: unknown key or section, an id to
        modify or remove that the base lacks, an id to add that it has, or a remaining
        reference to a removed item.
    """
    merge = _Merge(base, base_lines, lines, file)
    merge.run(variant)
    return merge.data, LineIndex(merge.entries)


class _Merge:
    """One variant applied to a copy of its base: the data, its index, what was removed."""

    def __init__(self, base: Any, base_lines: LineIndex, lines: LineIndex, file: str) -> None:
        self.ck = Checker(lines, file)
        if not isinstance(base, dict):
            self.ck.fail(("extends",), f"expected the base to be a layout, got {describe(base)}")
        self.data: dict[Any, Any] = copy.deepcopy(base)
        self.entries: dict[KeyPath, Location] = dict(base_lines.items())
        self.variant_entries = list(lines.items())
        self.file = file
        # (section, id) → where the variant removed it; checked for dangling references.
        self.removed: dict[tuple[str, str], KeyPath] = {}

    # --- the whole file ----------------------------------------------------------------

    def run(self, variant: Mapping[Any, Any]) -> None:
        """Apply the variant's settings and change blocks, then check references."""
        self._check_top(variant)
        root = self.ck.lines.locate(())
        if root is not None:
            # Errors about the layout as a whole concern the file the user asked for.
            self.entries[()] = root
        if "title" not in variant:
            # A title names one scenario: a variant without its own falls back to its name.
            self.data.pop("title", None)
        for key in ("name", "title", "description", "attribution", "origin"):
            if key in variant:
                self._set(self.data, key, variant[key], (key,), (key,))
        for key in _MERGED:
            if key in variant:
                self._merge_into(self.data, key, variant[key], (key,), (key,))
        blocks = {verb: self._block(variant.get(verb), verb) for verb in VERBS}
        check_components(variant, self.ck)
        for section in _REMOVE_ORDER:
            self._remove(section, blocks["remove"].get(section))
        for section in SECTIONS:
            self._modify(section, blocks["modify"].get(section))
        for section in SECTIONS:
            self._add(section, blocks["add"].get(section))
        self._check_dangling()

    def _check_top(self, variant: Mapping[Any, Any]) -> None:
        for key in variant:
            if key in SECTIONS:
                self.ck.fail(
                    (key,),
                    f"a variant lists its changes under add:, modify: or remove:, "
                    f"e.g. 'modify: {{{key}: ...}}', not a '{key}:' section",
                )
            if key not in VARIANT_KEYS:
                self.ck.fail((key,), unknown_message("key", key, VARIANT_KEYS))
        if "name" not in variant:
            self.ck.fail((), "missing required key 'name' (a variant gives its own scenario name)")

    def _block(self, raw: Any, verb: str) -> dict[str, Any]:
        """A change block: section → changes, sections checked."""
        block = self.ck.mapping(raw, (verb,), "a mapping of section → changes", null_ok=True)
        for section in block:
            if section not in SECTIONS:
                self.ck.fail((verb, section), unknown_message("section", section, SECTIONS))
        return block

    # --- remove --------------------------------------------------------------------------

    def _remove(self, section: str, raw: Any) -> None:
        if raw is None:
            return
        path: KeyPath = ("remove", section)
        ids = raw if isinstance(raw, list) else [raw]
        if isinstance(raw, list) and not raw:
            self.ck.fail(path, f"expected at least one {WHAT[section]} id, got an empty list")
        seen: set[str] = set()
        for i, value in enumerate(ids):
            item_path = (*path, i) if isinstance(raw, list) else path
            ident = self.ck.ident(value, item_path)
            if ident in seen:
                self.ck.fail(item_path, f"{WHAT[section]} '{ident}' is listed twice")
            seen.add(ident)
            where = self._where(section, ident)
            if where is None:
                self._missing(item_path, "remove", section, ident)
            del self._container(where)[ident]
            self._drop(where)
            self._touch(section, path)
            self.removed[(section, ident)] = item_path

    # --- modify --------------------------------------------------------------------------

    def _modify(self, section: str, raw: Any) -> None:
        path: KeyPath = ("modify", section)
        what = WHAT[section]
        for ident, change in self._items(raw, path, section).items():
            item_path = (*path, ident)
            where = self._where(section, ident)
            if where is None:
                self._missing(item_path, "modify", section, ident)
            if not isinstance(change, dict):
                hint = f"; to delete the {what}, list it under remove:" if change is None else ""
                self.ck.fail(
                    item_path,
                    f"expected a mapping of the keys to change, got {describe(change)}" + hint,
                )
            if section == "venues" and "building" in change:
                self.ck.fail(
                    (*item_path, "building"),
                    "a venue cannot be moved; remove it and add it to the other building",
                )
            if section == "buildings" and "venues" in change:
                self.ck.fail(
                    (*item_path, "venues"),
                    "change a building's venues under remove.venues, modify.venues or add.venues",
                )
            self._merge_into(self._container(where), ident, change, where, item_path)
            self._touch(section, path)

    def _merge_into(
        self, target: dict[Any, Any], key: Hashable, change: Any, dst: KeyPath, src: KeyPath
    ) -> None:
        """Merge ``change`` into ``target[key]``: mappings key by key, ``null`` deletes."""
        current = target.get(key)
        if isinstance(change, dict) and isinstance(current, dict):
            for sub, value in change.items():
                self._merge_into(current, sub, value, (*dst, sub), (*src, sub))
            return
        if change is None:
            # Deleting a key lets its default apply.
            target.pop(key, None)
            self._drop(dst)
            return
        self._set(target, key, change, dst, src)

    # --- add -----------------------------------------------------------------------------

    def _add(self, section: str, raw: Any) -> None:
        path: KeyPath = ("add", section)
        what = WHAT[section]
        for ident, item in self._items(raw, path, section).items():
            item_path = (*path, ident)
            where = self._where(section, ident)
            if where is not None:
                inside = f" (in building '{where[1]}')" if section == "venues" else ""
                self.ck.fail(
                    item_path,
                    f"cannot add: {what} '{ident}' already exists{inside}; "
                    "to change it, put it under modify:",
                )
            self.ck.mapping(item, item_path, f"a mapping describing the {what}")
            if section == "venues":
                self._add_venue(ident, item, item_path)
                continue
            if not isinstance(self.data.get(section), dict):
                self.data[section] = {}
            self._set(self.data[section], ident, item, (section, ident), item_path)
            self._touch(section, path)

    def _add_venue(self, ident: str, item: dict[Any, Any], item_path: KeyPath) -> None:
        """Add a venue to the building its ``building:`` key names."""
        if "building" not in item:
            self.ck.fail(item_path, "missing required key 'building' (the building it is in)")
        buildings = self.data.get("buildings")
        known = list(buildings) if isinstance(buildings, dict) else []
        bid = self.ck.ref(item["building"], (*item_path, "building"), known, "building")
        assert isinstance(buildings, dict)  # ck.ref refused the id otherwise
        building = buildings[bid]
        if not isinstance(building, dict):
            return  # the validator reports the broken building
        if not isinstance(building.get("venues"), dict):
            building["venues"] = {}
        venue = {k: v for k, v in item.items() if k != "building"}
        dst: KeyPath = ("buildings", bid, "venues", ident)
        self._set(building["venues"], ident, venue, dst, item_path)
        self._drop((*dst, "building"))

    # --- lookups -------------------------------------------------------------------------

    def _items(self, raw: Any, path: KeyPath, section: str) -> dict[str, Any]:
        """The id → value mapping of one section of a change block, ids checked."""
        items = self.ck.mapping(raw, path, f"a mapping of id → {WHAT[section]}", null_ok=True)
        for ident in items:
            self.ck.ident(ident, (*path, ident))
        return items

    def _where(self, section: str, ident: str) -> KeyPath | None:
        """Merged key path of an item, ``None`` if there is none with that id."""
        if section != "venues":
            items = self.data.get(section)
            return (section, ident) if isinstance(items, dict) and ident in items else None
        buildings = self.data.get("buildings")
        for bid, building in (buildings or {}).items() if isinstance(buildings, dict) else ():
            venues = building.get("venues") if isinstance(building, dict) else None
            if isinstance(venues, dict) and ident in venues:
                return ("buildings", bid, "venues", ident)
        return None

    def _container(self, path: KeyPath) -> dict[Any, Any]:
        """The mapping holding the item at ``path``."""
        node: Any = self.data
        for key in path[:-1]:
            node = node[key]
        return node

    def _missing(self, path: KeyPath, verb: str, section: str, ident: str) -> NoReturn:
        """Fail: the base has no such item (or this variant removed it)."""
        what = WHAT[section]
        if (section, ident) in self.removed:
            line = self.ck.lines.line_of(self.removed[(section, ident)])
            self.ck.fail(path, f"cannot {verb}: {what} '{ident}' is removed above (line {line})")
        known = self._ids(section)
        guess = closest(ident, known)
        hint = f"; did you mean '{guess}'?" if guess else ""
        if verb == "modify":
            hint += " (to add one, put it under add:)"
        self.ck.fail(path, f"cannot {verb}: the base has no {what} '{ident}'{hint}")

    def _ids(self, section: str) -> list[str]:
        if section != "venues":
            items = self.data.get(section)
            return [str(k) for k in items] if isinstance(items, dict) else []
        out: list[str] = []
        buildings = self.data.get("buildings")
        for building in buildings.values() if isinstance(buildings, dict) else ():
            venues = building.get("venues") if isinstance(building, dict) else None
            if isinstance(venues, dict):
                out.extend(str(k) for k in venues)
        return out

    # --- data and index ------------------------------------------------------------------

    def _set(
        self, target: dict[Any, Any], key: Hashable, value: Any, dst: KeyPath, src: KeyPath
    ) -> None:
        """Set ``target[key]`` to the variant's value at ``src``, re-indexing ``dst``."""
        target[key] = copy.deepcopy(value)
        self._drop(dst)
        self._graft(src, dst)

    def _drop(self, prefix: KeyPath) -> None:
        """Forget the locations of a value that was removed or replaced."""
        n = len(prefix)
        for path in [p for p in self.entries if p[:n] == prefix]:
            del self.entries[path]

    def _graft(self, src: KeyPath, dst: KeyPath) -> None:
        """Index the variant's entries under ``src`` at ``dst`` in the merged data."""
        n = len(src)
        for path, loc in self.variant_entries:
            if path[:n] == src:
                self.entries[(*dst, *path[n:])] = loc

    def _touch(self, section: str, block_path: KeyPath) -> None:
        """Point a changed section at the variant, where section-wide errors come from."""
        target = "buildings" if section == "venues" else section
        loc = self.ck.lines.locate(block_path)
        if loc is not None:
            self.entries[(target,)] = loc

    # --- references ----------------------------------------------------------------------

    def _check_dangling(self) -> None:
        """Fail at the first remaining reference to an item this variant removed."""
        for section, refs in _REFERENCES.items():
            items = self.data.get(section)
            for ident, item in items.items() if isinstance(items, dict) else ():
                if not isinstance(item, dict):
                    continue
                for key, target in refs:
                    for path, value in _ref_values(item.get(key), (section, ident, key)):
                        self._check_ref(path, value, target)

    def _check_ref(self, path: KeyPath, value: Any, target: str) -> None:
        if not isinstance(value, str) or (target, value) not in self.removed:
            return
        items = self.data.get(target)
        if isinstance(items, dict) and value in items:
            return  # removed and added again
        where = self.removed[(target, value)]
        line = self.ck.lines.line_of(where)
        ref = LineIndex(self.entries)
        raise LayoutError(
            f"refers to {WHAT[target]} '{value}', which {self.file}:{line} removes "
            f"({dotted(where)}); change or remove this {WHAT[str(path[0])]} too",
            file=ref.file_of(path) or self.file,
            line=ref.line_of(path),
            path=dotted(path),
        )


def _ref_values(value: Any, path: KeyPath) -> Iterable[tuple[KeyPath, Any]]:
    """The ids in a reference value (one id or a list of them), with their key paths."""
    if isinstance(value, list):
        return [((*path, i), v) for i, v in enumerate(value)]
    return [(path, value)]
