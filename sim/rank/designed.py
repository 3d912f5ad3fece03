"""A designer's own candidates: a YAML file listing small named variants.

The file is a list; each item is a variant in the usual format (``docs/layout-format.md``,
*Variants*) without ``extends`` — it extends the layout being ranked — and with a
``name`` that becomes the candidate's id::

    - name: west_crossing
      description: "A zebra crossing of Nørre Allé at the west gate"
      add:
        edges:
          west_crossing: {from: na_gate, to: panum_w, kind: crossing}
    - name: panum_cafe
      add:
        venues:
          panum_kiosk: {building: panum, kind: cafe, capacity: 30,
                        hours: "08:00-16:00", access: public}

An item may say ``extends:``; it must then name the layout being ranked. Every item is
merged into the base and validated before anything runs; a mistake is reported as one
line with the file, line and key path.
"""

from __future__ import annotations

import os
from typing import Any

from sim.errors import LayoutError
from sim.i18n import EN, Phrase, Word
from sim.layout.checks import Checker, describe
from sim.layout.reader import LineIndex, read_yaml
from sim.rank.base import Base, apply_changes
from sim.rank.candidates import Candidate, change_geometry


def read_candidate_file(path: str, base: Base) -> list[Candidate]:
    """Read, check and validate every candidate of a candidate file.

    Raises
    ------
    LayoutError
        For the first problem: not a list, an empty list, an item that is not a valid
        variant of the base, two items with one name.
    """
    data, lines = read_yaml(path)
    ck = Checker(lines, path)
    if not isinstance(data, list):
        ck.fail((), f"expected a list of candidate variants (- name: ...), got {describe(data)}")
    if not data:
        ck.fail((), "expected at least one candidate, got an empty list")
    out: list[Candidate] = []
    seen: dict[str, int] = {}
    for i, item in enumerate(data):
        ck.mapping(item, (i,), "a variant (a mapping with name: and add:/modify:/remove:)")
        if "name" not in item:
            ck.fail((i,), "missing required key 'name' (the candidate's id)")
        name = ck.ident(item["name"], (i, "name"))
        if name in seen:
            ck.fail((i, "name"), f"candidate '{name}' is listed twice (first at item {seen[name]})")
        seen[name] = i
        if "extends" in item:
            _check_extends(item["extends"], path, base, ck, i)
        changes = {k: v for k, v in item.items() if k != "extends"}
        item_lines = _item_lines(lines, i)
        try:
            layout = apply_changes(base, changes, item_lines, path)
        except LayoutError as err:
            raise LayoutError(
                f"candidate '{name}': {err.message}",
                file=err.file,
                line=err.line,
                path=err.path,
            ) from None
        body = {k: v for k, v in changes.items() if k not in ("name", "description")}
        phrase = None if item.get("description") else _summary(body)
        text = item.get("description") or EN.phrase(phrase or ("rank.sum_none", {}))
        line = lines.line_of((i,))
        out.append(
            Candidate(
                id=name,
                kind="file",
                description=str(text),
                changes=body,
                geometry=change_geometry(base, layout, body),
                prescore=None,
                source=f"{path}:{line}" if line else path,
                phrase=phrase,
            )
        )
    return out


def _check_extends(raw: Any, path: str, base: Base, ck: Checker, i: int) -> None:
    """An item's ``extends`` must name the layout being ranked."""
    target = os.path.join(os.path.dirname(path), raw) if isinstance(raw, str) else None
    if target is None or os.path.realpath(target) != os.path.realpath(base.path):
        ck.fail(
            (i, "extends"),
            f"a candidate extends the layout being ranked ({base.path}); "
            "leave extends out or name that file",
        )


def _item_lines(lines: LineIndex, i: int) -> LineIndex:
    """The line index of item ``i``, with key paths relative to the item."""
    entries = {p[1:]: loc for p, loc in lines.items() if p and p[0] == i}
    return LineIndex(entries)


def _summary(body: dict[str, Any]) -> Phrase:
    """``adds 2 edges, modifies 1 venue`` for a candidate without a description."""
    verbs = {"add": "rank.sum_add", "modify": "rank.sum_modify", "remove": "rank.sum_remove"}
    parts: list[Phrase] = []
    for block, verb in verbs.items():
        for section, items in (body.get(block) or {}).items():
            n = len(items) if isinstance(items, (dict, list)) else 1
            parts.append((verb, {"n": n, "what": Word(f"section.{section}")}))
    for key in ("model", "agents"):
        if key in body:
            parts.append((f"rank.sum_{key}", {}))
    return ("rank.summary", {"parts": parts}) if parts else ("rank.sum_none", {})
