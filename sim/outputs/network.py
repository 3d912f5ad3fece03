"""The meeting network as files: ``ties.graphml`` (networkx, Gephi) and ``ties.csv``.

Both are written straight from the tie arrays, without building a networkx graph: a
term-long run has millions of edges, and ``networkx.write_graphml`` would spend minutes
and gigabytes on what is a few string joins. The GraphML is plain GraphML 1.0 (one
``<key>`` per attribute with its ``attr.type``), so ``networkx.read_graphml`` and Gephi
read the attributes with their types.

Nodes are the people who met anyone, identified by their index in the run (the same
number as ``person_a``/``person_b`` in ``ties.csv``). Days are numbered from 1.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

import numpy as np

from sim.engine.results import PLACE_KINDS, RunResult
from sim.metrics import place_ids, place_label
from sim.params import AGENT_TYPES
from sim.ties import TieTable

NODE_KEYS: tuple[tuple[str, str], ...] = (
    ("type", "string"),
    ("institution", "string"),
    ("building", "string"),
)
"""GraphML node attributes and their types."""

EDGE_KEYS: tuple[tuple[str, str], ...] = (
    ("meetings", "int"),
    ("days_met", "int"),
    ("first_day", "int"),
    ("last_day", "int"),
    ("cross_institution", "boolean"),
    ("first_place_kind", "string"),
    ("first_place", "string"),
)
"""GraphML edge attributes and their types (also columns of ``ties.csv``)."""

CSV_COLUMNS: tuple[str, ...] = (
    "person_a",
    "person_b",
    "type_a",
    "type_b",
    "institution_a",
    "institution_b",
    *(name for name, _ in EDGE_KEYS),
    "first_place_name",
)
"""Columns of ``ties.csv``."""

PlaceStrings = tuple[list[list[str]], list[list[str]]]
"""Ids and names of every place, indexed ``[kind code][place index]``."""

_BATCH = 100_000
"""Edges formatted per write: bounds the memory of the strings in flight."""


def _place_strings(result: RunResult) -> PlaceStrings:
    """Ids and names of every place, indexed ``[kind code][place index]``."""
    layout = result.layout
    ids = [place_ids(layout, kind) for kind in PLACE_KINDS]
    names = [
        [place_label(layout, kind, pid) for pid in kind_ids]
        for kind, kind_ids in zip(PLACE_KINDS, ids, strict=True)
    ]
    return ids, names


def _edge_columns(
    result: RunResult, ties: TieTable, lo: int, hi: int, places: PlaceStrings
) -> dict[str, list]:
    """The values of edges ``lo:hi`` as plain Python lists, keyed by column."""
    ids, names = places
    kinds = ties.first_kind[lo:hi].tolist()
    where = ties.first_place[lo:hi].tolist()
    inst_ids = list(result.layout.institutions)
    inst = np.asarray(result.agents.institution)
    types = np.asarray(result.agents.type_code)
    a, b = ties.a[lo:hi], ties.b[lo:hi]
    return {
        "person_a": a.tolist(),
        "person_b": b.tolist(),
        "type_a": [AGENT_TYPES[t] for t in types[a].tolist()],
        "type_b": [AGENT_TYPES[t] for t in types[b].tolist()],
        "institution_a": [inst_ids[i] for i in inst[a].tolist()],
        "institution_b": [inst_ids[i] for i in inst[b].tolist()],
        "meetings": ties.meetings[lo:hi].tolist(),
        "days_met": ties.days_met[lo:hi].tolist(),
        "first_day": (ties.first_day[lo:hi].astype(np.int64) + 1).tolist(),
        "last_day": (ties.last_day[lo:hi].astype(np.int64) + 1).tolist(),
        "cross_institution": ["true" if c else "false" for c in ties.cross[lo:hi].tolist()],
        "first_place_kind": [PLACE_KINDS[k] for k in kinds],
        "first_place": [ids[k][p] for k, p in zip(kinds, where, strict=True)],
        "first_place_name": [names[k][p] for k, p in zip(kinds, where, strict=True)],
    }


def _batches(n: int) -> Iterator[tuple[int, int]]:
    """``(lo, hi)`` slices of at most :data:`_BATCH` rows covering ``range(n)``."""
    for lo in range(0, n, _BATCH):
        yield lo, min(n, lo + _BATCH)


def _xml_text(values: Iterable[str]) -> dict[str, str]:
    """Each distinct string escaped for element text."""
    return {v: escape(v) for v in set(values)}


def write_graphml(result: RunResult, ties: TieTable, path: Path) -> Path:
    """Write the meeting network as GraphML.

    Parameters
    ----------
    result
        The run.
    ties
        Its ties (:func:`sim.ties.tie_table`).
    path
        File to write.

    Returns
    -------
    Path
        ``path``.
    """
    layout = result.layout
    inst_ids = list(layout.institutions)
    bld_ids = list(layout.buildings)
    people = np.unique(np.concatenate([ties.a, ties.b])).astype(np.int64)
    types = np.asarray(result.agents.type_code)[people].tolist()
    insts = np.asarray(result.agents.institution)[people].tolist()
    blds = np.asarray(result.agents.building)[people].tolist()
    places = _place_strings(result)
    esc_inst = [escape(i) for i in inst_ids]
    esc_bld = [escape(b) for b in bld_ids]
    keys = [
        f'<key id="n{k}" for="node" attr.name="{name}" attr.type="{kind}"/>'
        for k, (name, kind) in enumerate(NODE_KEYS)
    ] + [
        f'<key id="e{k}" for="edge" attr.name="{name}" attr.type="{kind}"/>'
        for k, (name, kind) in enumerate(EDGE_KEYS)
    ]
    with path.open("w", encoding="utf-8", newline="\n") as f:
        f.write('<?xml version="1.0" encoding="UTF-8"?>\n')
        f.write(
            '<graphml xmlns="http://graphml.graphdrawing.org/xmlns" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
            'xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns '
            'http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">\n'
        )
        f.write("\n".join(keys) + "\n")
        f.write(f"<graph id={quoteattr(layout.name)} edgedefault=\"undirected\">\n")
        f.writelines(
            f'<node id="{p}"><data key="n0">{AGENT_TYPES[t]}</data>'
            f'<data key="n1">{esc_inst[i]}</data><data key="n2">{esc_bld[b]}</data></node>\n'
            for p, t, i, b in zip(people.tolist(), types, insts, blds, strict=True)
        )
        for lo, hi in _batches(len(ties)):
            c = _edge_columns(result, ties, lo, hi, places)
            place = _xml_text(c["first_place"])
            f.writelines(
                f'<edge source="{a}" target="{b}"><data key="e0">{m}</data>'
                f'<data key="e1">{dm}</data><data key="e2">{fd}</data>'
                f'<data key="e3">{ld}</data><data key="e4">{x}</data>'
                f'<data key="e5">{k}</data><data key="e6">{place[p]}</data></edge>\n'
                for a, b, m, dm, fd, ld, x, k, p in zip(
                    c["person_a"], c["person_b"], c["meetings"], c["days_met"],
                    c["first_day"], c["last_day"], c["cross_institution"],
                    c["first_place_kind"], c["first_place"],
                    strict=True,
                )
            )
        f.write("</graph>\n</graphml>\n")
    return path


def _csv_cell(value: str) -> str:
    """A CSV cell, quoted where it holds a comma, quote or line break."""
    if any(ch in value for ch in ',"\n\r'):
        return '"' + value.replace('"', '""') + '"'
    return value


def write_ties_csv(result: RunResult, ties: TieTable, path: Path) -> Path:
    """Write the edges of the meeting network as a table (:data:`CSV_COLUMNS`).

    Parameters
    ----------
    result
        The run.
    ties
        Its ties (:func:`sim.ties.tie_table`).
    path
        File to write.

    Returns
    -------
    Path
        ``path``.
    """
    places = _place_strings(result)
    with path.open("w", encoding="utf-8", newline="\n") as f:
        f.write(",".join(CSV_COLUMNS) + "\n")
        for lo, hi in _batches(len(ties)):
            c = _edge_columns(result, ties, lo, hi, places)
            # Quote each distinct string once, not once per row.
            for col in ("institution_a", "institution_b", "first_place", "first_place_name"):
                cells = {v: _csv_cell(v) for v in set(c[col])}
                c[col] = [cells[v] for v in c[col]]
            f.writelines(
                ",".join(map(str, row)) + "\n"
                for row in zip(*(c[col] for col in CSV_COLUMNS), strict=True)
            )
    return path
