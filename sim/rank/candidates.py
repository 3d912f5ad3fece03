"""Candidate changes to rank: generated ones (links, frontage, cafés) and a designer's file.

Each generator turns the base layout into a list of :class:`Candidate` objects, each a
small variant body with a geometry (for the map and QGIS) and a *pre-score*: a cheap
number, computed without any simulation, that orders candidates when
``--max-candidates`` keeps only the most promising. The rules, defaults and pre-scores
are documented in ``docs/rank.md``.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import numpy as np

from sim.geometry import to_local_xy
from sim.i18n import EN, Lang, Phrase, Word
from sim.layout.schema import Layout
from sim.rank.base import Base, check_generated
from sim.rank.flows import Flows, estimate_flows

GENERATORS: tuple[str, ...] = ("links", "frontage", "cafes")
"""Built-in candidate generators."""

LINK_MAX_M = 150.0
"""Longest new footpath ``links`` proposes, metres (straight line)."""
LINK_MIN_M = 10.0
"""Shortest: two nodes closer than this are one place drawn twice."""
LINK_RATIO = 2.0
"""A pair qualifies when today's walk is at least this many times the straight line."""
LINK_CLEARANCE_M = 5.0
"""A new path passing closer than this to another node would really run through it."""
LINK_SEPARATION_M = 40.0
"""Two links whose ends both lie within this of each other are near-duplicates."""
FRONTAGE_LEVEL = 0.3
"""Active frontage ``frontage`` raises a segment to (share of its length)."""
FRONTAGE_KINDS: tuple[str, ...] = ("street", "footpath")
"""Edge kinds that can have ground floors along them (not park paths or crossings)."""
CAFE: dict[str, Any] = {
    "kind": "cafe",
    "capacity": 40,
    "hours": "08:00-17:00",
    "access": "public",
}
"""The café ``cafes`` adds: a small public café, open office hours (assumption)."""


@dataclass(frozen=True)
class Candidate:
    """One change to rank.

    Attributes
    ----------
    id
        Unique, usable as a file name and layout id (``link_a__b``, ``cafe_panum``, ...).
    kind
        ``links``, ``frontage``, ``cafes``, ``file`` or ``bundle``.
    description
        One line for tables and the report.
    changes
        The variant body (``add``/``modify``/``remove``/``model``/``agents``), without
        ``extends`` and ``name``.
    geometry
        GeoJSON geometry in lon/lat, or ``None`` for a change with no place (settings).
    prescore
        The generator's pre-score (higher first), ``None`` for a designer's candidate.
    source
        Where it came from: the generator, or ``file:line``.
    phrase
        The description as a :data:`~sim.i18n.Phrase`, to write it in any language
        (``description`` is its English); ``None`` for a designer's own words.
    """

    id: str
    kind: str
    description: str
    changes: dict[str, Any]
    geometry: dict[str, Any] | None
    prescore: float | None = None
    source: str = ""
    members: tuple[str, ...] = field(default=())
    phrase: Phrase | None = None

    def text(self, lang: Lang = EN) -> str:
        """The description in ``lang`` (a designer's own words as written)."""
        return lang.phrase(self.phrase) if self.phrase else self.description

    def anchor(self) -> tuple[float, float] | None:
        """``(lon, lat)`` where the map's callout points: the middle of its geometry."""
        points = list(_coords(self.geometry))
        if not points:
            return None
        arr = np.array(points, dtype=float)
        lo, hi = arr.min(axis=0), arr.max(axis=0)
        return float((lo[0] + hi[0]) / 2), float((lo[1] + hi[1]) / 2)


def _coords(geometry: dict[str, Any] | None) -> Iterable[Sequence[float]]:
    """Every ``[lon, lat]`` of a GeoJSON geometry."""
    if not geometry:
        return
    if geometry["type"] == "GeometryCollection":
        for g in geometry["geometries"]:
            yield from _coords(g)
        return
    stack: list[Any] = [geometry["coordinates"]]
    while stack:
        item = stack.pop()
        if item and isinstance(item[0], (int, float)):
            yield item
        else:
            stack.extend(item)


# --- names ------------------------------------------------------------------------------


def node_label(base: Base, node: str) -> str:
    """What a person would call a node: the building, space or gateway there, or its streets."""
    layout = base.layout
    for b in layout.buildings.values():
        if node in b.entrances:
            return b.name
    for s in layout.spaces.values():
        if s.node == node:
            return s.name
    for gw in layout.gateways.values():
        if gw.node == node:
            return gw.name
    names = list(
        dict.fromkeys(
            e.name for e in layout.edges.values() if node in (e.source, e.target) and e.name
        )
    )
    return " / ".join(names[:2]) if names else node


# --- geometry ---------------------------------------------------------------------------


def _lonlat(base: Base, node: str) -> list[float]:
    n = base.layout.nodes[node]
    return [round(n.lon, 7), round(n.lat, 7)]


def _segments_cross(p1: np.ndarray, p2: np.ndarray, q1: np.ndarray, q2: np.ndarray) -> bool:
    """Whether segments p1-p2 and q1-q2 cross at a point inside both (not at an end)."""
    d1, d2 = p2 - p1, q2 - q1
    denom = d1[0] * d2[1] - d1[1] * d2[0]
    if abs(denom) < 1e-12:
        return False  # parallel: sharing a line is not a crossing of a ring or street
    r = q1 - p1
    t = (r[0] * d2[1] - r[1] * d2[0]) / denom
    u = (r[0] * d1[1] - r[1] * d1[0]) / denom
    eps = 1e-9
    return eps < t < 1 - eps and eps < u < 1 - eps


def _inside(point: np.ndarray, ring: np.ndarray) -> bool:
    """Even-odd test of a point in a closed ring (local metres)."""
    x, y = point
    inside = False
    for (x1, y1), (x2, y2) in itertools.pairwise(ring):
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
    return inside


def footprint_rings(base: Base) -> list[np.ndarray]:
    """Every building footprint ring in local metres; empty where the layout has none.

    Footprints are optional (``footprint`` on a building: one ring of ``[lat, lon]``
    points or a list of rings); layouts without them are ranked without the check.
    """
    lat0, lon0 = base.layout.origin
    rings: list[np.ndarray] = []
    buildings = base.data.get("buildings") if isinstance(base.data, dict) else None
    for raw in (buildings or {}).values():
        fp = raw.get("footprint") if isinstance(raw, dict) else None
        if not fp:
            continue
        parts = fp if isinstance(fp[0][0], list | tuple) else [fp]
        for part in parts:
            pts = np.asarray(part, dtype=float)
            x, y = to_local_xy(pts[:, 0], pts[:, 1], lat0, lon0)
            rings.append(np.column_stack([x, y]))
    return rings


def crosses_footprint(p: np.ndarray, q: np.ndarray, rings: Sequence[np.ndarray]) -> bool:
    """Whether the straight path p-q crosses or runs inside a building footprint."""
    for ring in rings:
        if _inside((p + q) / 2, ring):
            return True
        for a, b in itertools.pairwise(ring):
            if _segments_cross(p, q, a, b):
                return True
    return False


# --- links ------------------------------------------------------------------------------


def _link_geometry_ok(
    base: Base, u: str, v: str, rings: Sequence[np.ndarray], xy: dict[str, np.ndarray]
) -> tuple[bool, bool]:
    """(acceptable, crosses a street): clearance from other nodes, footprints, streets."""
    p, q = xy[u], xy[v]
    d = q - p
    length2 = float(d @ d)
    for nid, pt in xy.items():
        if nid in (u, v):
            continue
        t = float((pt - p) @ d) / length2
        if 0.0 < t < 1.0 and float(np.linalg.norm(p + t * d - pt)) < LINK_CLEARANCE_M:
            return False, False
    if crosses_footprint(p, q, rings):
        return False, False
    street = False
    for e in base.layout.edges.values():
        if e.kind == "street" and _segments_cross(p, q, xy[e.source], xy[e.target]):
            street = True
            break
    return True, street


def links(
    base: Base,
    flows: Flows,
    max_m: float = LINK_MAX_M,
    ratio: float = LINK_RATIO,
) -> list[Candidate]:
    """New footpaths between nodes close as the crow flies but far apart on foot.

    A pair of nodes qualifies when they lie between :data:`LINK_MIN_M` and ``max_m``
    apart in a straight line, no edge joins them, today's shortest walk between them
    is at least ``ratio`` times the straight line, the straight path passes no other
    node closer than :data:`LINK_CLEARANCE_M` and crosses no building footprint. A path
    that crosses a street is a ``crossing``, otherwise a ``footpath``. Pre-score:
    metres of walk saved × √(people passing one end × people passing the other). Of
    near-duplicates (both ends within :data:`LINK_SEPARATION_M`) the higher-scoring
    one is kept.
    """
    g = base.walk_graph()
    rings = footprint_rings(base)
    xy = {nid: base.xy(nid) for nid in base.layout.nodes}
    ids = list(base.layout.nodes)
    cutoff = ratio * max_m
    found: list[tuple[float, str, str, float, float, bool]] = []
    for i, u in enumerate(ids):
        walk = nx.single_source_dijkstra_path_length(g, u, cutoff=cutoff, weight="length")
        for v in ids[i + 1 :]:
            d = float(np.linalg.norm(xy[v] - xy[u]))
            if not LINK_MIN_M <= d <= max_m or g.has_edge(u, v):
                continue
            route = walk.get(v, math.inf)
            if route < ratio * d:
                continue
            ok, street = _link_geometry_ok(base, u, v, rings, xy)
            if not ok:
                continue
            saved = min(route, cutoff) - d
            score = saved * math.sqrt(flows.node[u] * flows.node[v])
            found.append((score, u, v, d, route, street))
    found.sort(key=lambda f: (-f[0], f[1], f[2]))
    kept: list[tuple[float, str, str, float, float, bool]] = []
    for f in found:
        if not any(_near_duplicate(xy, f[1], f[2], k[1], k[2]) for k in kept):
            kept.append(f)
    out = []
    for score, u, v, d, route, street in kept:
        kind = "crossing" if street else "footpath"
        edge_id = f"rank_link_{u}__{v}"
        far = not math.isfinite(route)
        phrase: Phrase = ("rank.link_far" if far else "rank.link", {
            "kind": Word(f"street.{kind}"), "length": round(d), "walk": round(cutoff if far
            else route), "a": node_label(base, u), "b": node_label(base, v)})  # fmt: skip
        changes = {
            "add": {"edges": {edge_id: {"from": u, "to": v, "kind": kind, "name": "New path"}}}
        }
        geometry = {"type": "LineString", "coordinates": [_lonlat(base, u), _lonlat(base, v)]}
        out.append(Candidate(f"link_{u}__{v}", "links", EN.phrase(phrase), changes, geometry,
                             score, "links", phrase=phrase))  # fmt: skip
    return out


def _near_duplicate(xy: dict[str, np.ndarray], a: str, b: str, c: str, d: str) -> bool:
    """Whether link a-b has both ends within :data:`LINK_SEPARATION_M` of link c-d's."""

    def near(p: str, q: str) -> bool:
        return float(np.linalg.norm(xy[p] - xy[q])) <= LINK_SEPARATION_M

    return (near(a, c) and near(b, d)) or (near(a, d) and near(b, c))


# --- frontage ---------------------------------------------------------------------------


def frontage(base: Base, flows: Flows, level: float = FRONTAGE_LEVEL) -> list[Candidate]:
    """Raise active frontage to ``level`` on each street or footpath segment below it.

    Pre-score: people passing × metres of new active frontage
    (``(level - today) × length``).
    """
    out = []
    for e in base.layout.edges.values():
        if e.kind not in FRONTAGE_KINDS or e.frontage >= level:
            continue
        score = flows.edge.get(e.id, 0.0) * (level - e.frontage) * e.length
        name = e.name or f"{node_label(base, e.source)} – {node_label(base, e.target)}"
        phrase = ("rank.frontage", {"old": float(e.frontage), "new": float(level), "street": name,
                                    "id": e.id, "length": round(e.length)})  # fmt: skip
        changes = {"modify": {"edges": {e.id: {"frontage": level}}}}
        geometry = {
            "type": "LineString",
            "coordinates": [_lonlat(base, e.source), _lonlat(base, e.target)],
        }
        out.append(Candidate(f"frontage_{e.id}", "frontage", EN.phrase(phrase), changes,
                             geometry, score, "frontage", phrase=phrase))  # fmt: skip
    return out


# --- cafés ------------------------------------------------------------------------------


def cafes(base: Base, flows: Flows) -> list[Candidate]:
    """One public café (:data:`CAFE`) in each building that has no café.

    Pre-score: people passing the building's entrances plus its own people, the
    potential guests.
    """
    layout = base.layout
    out = []
    for b in layout.buildings.values():
        if any(layout.venues[v].kind == "cafe" for v in b.venues):
            continue
        passing = sum(flows.node.get(n, 0.0) for n in b.entrances)
        score = passing + sum(b.population.values())
        venue_id = f"rank_cafe_{b.id}"
        changes = {"add": {"venues": {venue_id: {"building": b.id, **CAFE, "name": "New café"}}}}
        geometry = {"type": "Point", "coordinates": _lonlat(base, b.entrances[0])}
        phrase = ("rank.cafe", {"seats": CAFE["capacity"], "hours": CAFE["hours"],
                                "building": b.name})  # fmt: skip
        out.append(Candidate(f"cafe_{b.id}", "cafes", EN.phrase(phrase), changes, geometry,
                             score, "cafes", phrase=phrase))  # fmt: skip
    return out


# --- all --------------------------------------------------------------------------------


@dataclass(frozen=True)
class GeneratorOptions:
    """Settings of the built-in generators (command-line options)."""

    link_max_m: float = LINK_MAX_M
    link_ratio: float = LINK_RATIO
    frontage_level: float = FRONTAGE_LEVEL


def generate(base: Base, kind: str, options: GeneratorOptions) -> list[Candidate]:
    """Run one built-in generator and validate what it made."""
    flows = estimate_flows(base)
    if kind == "links":
        made = links(base, flows, options.link_max_m, options.link_ratio)
    elif kind == "frontage":
        made = frontage(base, flows, options.frontage_level)
    else:
        made = cafes(base, flows)
    for c in made:
        check_generated(base, {"name": c.id, **c.changes}, c.id)
    return made


def select(candidates: Sequence[Candidate], limit: int | None) -> tuple[list[Candidate], int]:
    """Keep at most ``limit`` candidates: all of a designer's, then the best pre-scores.

    Returns
    -------
    kept, dropped
        The candidates kept, in input order, and how many were dropped.
    """
    if limit is None or len(candidates) <= limit:
        return list(candidates), 0
    designed = [c for c in candidates if c.prescore is None]
    generated = sorted(
        (c for c in candidates if c.prescore is not None),
        key=lambda c: -(c.prescore or 0.0),
    )
    chosen = {c.id for c in designed} | {c.id for c in generated[: max(limit - len(designed), 0)]}
    kept = [c for c in candidates if c.id in chosen]
    return kept, len(candidates) - len(kept)


def change_geometry(base: Base, merged: Layout, changes: dict[str, Any]) -> dict[str, Any] | None:
    """Where a variant body acts, as GeoJSON: its edges as lines, other items as points.

    Added and modified items are placed in the merged layout, removed ones in the base.
    Buildings and venues sit at their building's first entrance; spaces, gateways and
    added nodes at their node. Settings (``model``, ``agents``) have no place.
    """
    lines: list[list[list[float]]] = []
    places: list[tuple[Layout, str, str]] = []
    edge_nodes: set[str] = set()
    for block in ("add", "modify", "remove"):
        layout = base.layout if block == "remove" else merged
        for section, items in (changes.get(block) or {}).items():
            ids = [items] if isinstance(items, str) else list(items or [])
            for ident in map(str, ids):
                if section == "edges" and ident in layout.edges:
                    e = layout.edges[ident]
                    lines.append([_node_lonlat(layout, e.source), _node_lonlat(layout, e.target)])
                    edge_nodes |= {e.source, e.target}
                    continue
                node = _item_node(layout, section, ident)
                if node is not None:
                    places.append((layout, section, node))
    # A node added for a new path is shown by the path.
    points = [
        _node_lonlat(layout, node)
        for layout, section, node in places
        if not (section == "nodes" and node in edge_nodes)
    ]
    geoms: list[dict[str, Any]] = []
    if lines:
        geoms.append({"type": "MultiLineString", "coordinates": lines})
    if points:
        geoms.append({"type": "MultiPoint", "coordinates": points})
    if not geoms:
        return None
    return geoms[0] if len(geoms) == 1 else {"type": "GeometryCollection", "geometries": geoms}


def _node_lonlat(layout: Layout, node: str) -> list[float]:
    n = layout.nodes[node]
    return [round(n.lon, 7), round(n.lat, 7)]


def _item_node(layout: Layout, section: str, ident: str) -> str | None:
    """The node an item is drawn at, if it has one in ``layout``."""
    if section == "nodes" and ident in layout.nodes:
        return ident
    if section == "buildings" and ident in layout.buildings:
        return layout.buildings[ident].entrances[0]
    if section == "venues" and ident in layout.venues:
        b = layout.buildings.get(layout.venues[ident].building)
        return b.entrances[0] if b else None
    if section == "public_spaces" and ident in layout.spaces:
        return layout.spaces[ident].node
    if section == "gateways" and ident in layout.gateways:
        return layout.gateways[ident].node
    return None
