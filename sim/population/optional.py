"""Places on offer for optional activities, and how good each one is.

Gehl (*Life Between Buildings*, 1987) separates necessary activities (commuting,
lectures, errands: they happen whatever the place is like) from optional ones (a
coffee out, sitting in a square or a park, lingering on a lively street, a detour along
a pleasant route), which happen only when the place invites them. Every place that can
host an optional stay gets a *quality* in units of "one good café": venues by kind and
size, public spaces by seating, greenery and size, street segments by active frontage,
seating and greenery, damped by car traffic (Gehl & Gemzøe 1996: stationary activities
in Copenhagen grew with the car-free area). A segment or space also gains a share of
the best neighbouring segment's quality (``optional_spillover``): a car-free street
makes the corners and squares next to it quieter too.

How people choose among these places, and whether they go at all, is in
:mod:`sim.population.schedules`.
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import numpy as np

from sim.layout.schema import Layout
from sim.network.routing import Sites
from sim.params import PLACE_EDGE, PLACE_SPACE, PLACE_VENUE, QUALITY_LEVELS, ModelParams
from sim.rng import stable_key

_LEVEL = np.array([0.0, 0.5, 1.0])
"""Share of the full seating or greenery bonus for ``none``, ``some``, ``good``."""
_REF_CAPACITY, _REF_LENGTH_M, _REF_AREA_M2 = 50.0, 100.0, 2500.0
"""Sizes at which a venue, a segment and a space have their kind's quality."""
MIN_QUALITY = 0.1
"""Places below this quality are left off the offer (they would draw almost no one)."""


@dataclass(frozen=True)
class PlaceQuality:
    """Optional-stay quality of every venue, space and edge, layout order (0 = none)."""

    venue: np.ndarray
    space: np.ndarray
    edge: np.ndarray


@dataclass(frozen=True)
class OptionalPlaces:
    """The places on offer for optional stays, one row per place.

    Attributes
    ----------
    kind, place
        Place code (:data:`sim.params.PLACE_KINDS`) and index within its kind.
    site
        The site walked to: the venue's building, the space, or for a segment the
        nearest building, space or gateway.
    extra_m
        Walk from that site to the place (segments only; 0 otherwise).
    quality
        See :func:`place_quality`.
    key
        Stable 64-bit key of ``kind:id``: the place's own random key, unchanged when
        other places are added or removed (common random numbers).
    venue
        Venue index, -1 for spaces and segments.
    """

    kind: np.ndarray
    place: np.ndarray
    site: np.ndarray
    extra_m: np.ndarray
    quality: np.ndarray
    key: np.ndarray
    venue: np.ndarray

    def __len__(self) -> int:
        return int(self.kind.shape[0])


def _levels(words: list[str]) -> np.ndarray:
    return _LEVEL[[QUALITY_LEVELS.index(w) for w in words]]


def place_quality(layout: Layout) -> PlaceQuality:
    """Quality of every place for optional stays, in "one good café" units.

    * café: ``optional_q_cafe``, canteen: ``optional_q_canteen``, other venues 0; times
      √(capacity / 50);
    * space: ``optional_q_space`` + seating + greenery bonus, times (area / 2500 m²)^¼;
    * segment: ``optional_q_frontage`` × frontage + seating + greenery bonus, times a
      car-traffic factor (1 / ``optional_traffic_low`` / ``optional_traffic_high``),
      times √(length / 100 m);
    * seating and greenery: ``optional_q_seating`` / ``optional_q_greenery`` for
      ``good``, half for ``some``.

    Segments and spaces then gain ``optional_spillover`` × the best quality of the
    segments sharing a node with them (for a segment, times its own traffic factor).
    """
    mp = layout.params.model
    venues, spaces = list(layout.venues.values()), list(layout.spaces.values())
    by_kind = {"cafe": mp.optional_q_cafe, "canteen": mp.optional_q_canteen}
    q_venue = np.array(
        [by_kind.get(v.kind, 0.0) * np.sqrt(v.capacity / _REF_CAPACITY) for v in venues], float
    )
    q_space = (
        mp.optional_q_space
        + mp.optional_q_seating * _levels([s.seating for s in spaces])
        + mp.optional_q_greenery * _levels([s.greenery for s in spaces])
    ) * np.array([s.area_m2 / _REF_AREA_M2 for s in spaces], float) ** 0.25
    q_edge, damp = _edge_quality(layout, mp)
    spill_edge, spill_space = _spillover(layout, q_edge)
    return PlaceQuality(
        venue=q_venue,
        space=q_space + mp.optional_spillover * spill_space,
        # A busy road next to a quiet street stays busy: its own traffic damps the gain.
        edge=q_edge + mp.optional_spillover * spill_edge * damp,
    )


def _edge_quality(layout: Layout, mp: ModelParams) -> tuple[np.ndarray, np.ndarray]:
    """Own quality of every segment, and its car-traffic factor."""
    edges = list(layout.edges.values())
    if not edges:
        return np.zeros(0), np.zeros(0)
    traffic = {"none": 1.0, "low": mp.optional_traffic_low, "high": mp.optional_traffic_high}
    base = (
        mp.optional_q_frontage * np.array([e.frontage for e in edges], float)
        + mp.optional_q_seating * _levels([e.seating for e in edges])
        + mp.optional_q_greenery * _levels([e.greenery for e in edges])
    )
    damp = np.array([traffic[e.traffic] for e in edges], float)
    size = np.sqrt(np.array([e.length for e in edges], float) / _REF_LENGTH_M)
    return base * damp * size, damp


def _spillover(layout: Layout, q_edge: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Best quality of the *other* segments at each segment's ends, and at each space's node."""
    best_at: dict[str, list[tuple[float, int]]] = {}
    for i, e in enumerate(layout.edges.values()):
        for n in (e.source, e.target):
            best_at.setdefault(n, []).append((float(q_edge[i]), i))

    def best(node: str, other_than: int = -1) -> float:
        return max((q for q, i in best_at.get(node, []) if i != other_than), default=0.0)

    edge = np.array(
        [max(best(e.source, i), best(e.target, i)) for i, e in enumerate(layout.edges.values())],
        float,
    )
    space = np.array([best(s.node) for s in layout.spaces.values()], float)
    return edge, space


def _nearest_sites(layout: Layout, sites: Sites) -> tuple[np.ndarray, np.ndarray]:
    """For every edge, the site nearest to its nearer end, and the walk to its middle."""
    g = nx.Graph()
    node_ids = list(layout.nodes)
    g.add_nodes_from(range(len(node_ids)))
    index = {nid: i for i, nid in enumerate(node_ids)}
    for e in layout.edges.values():
        u, v = index[e.source], index[e.target]
        if not g.has_edge(u, v) or g[u][v]["w"] > e.length:
            g.add_edge(u, v, w=e.length)
    site_of_node: dict[int, int] = {}
    for s in range(sites.n):
        for a in sites.anchors[s]:
            site_of_node.setdefault(int(a), s)
    dist, paths = nx.multi_source_dijkstra(g, set(site_of_node), weight="w")
    site = np.zeros(len(layout.edges), np.int32)
    extra = np.zeros(len(layout.edges))
    for i, e in enumerate(layout.edges.values()):
        ends = [index[e.source], index[e.target]]
        near = min(ends, key=lambda n: dist.get(n, np.inf))
        site[i] = site_of_node[paths[near][0]]
        extra[i] = dist[near] + e.length / 2
    return site, extra


def build_optional_places(layout: Layout, sites: Sites, quality: PlaceQuality) -> OptionalPlaces:
    """The places with quality of at least :data:`MIN_QUALITY`, venues, spaces, segments."""
    b_index = {bid: i for i, bid in enumerate(layout.buildings)}
    rows: dict[str, list[np.ndarray]] = {
        k: [] for k in ("kind", "place", "site", "extra_m", "quality", "key", "venue")
    }

    def add(code: int, name: str, ids: list[str], q: np.ndarray, site: np.ndarray,
            extra: np.ndarray) -> None:
        keep = np.flatnonzero(q >= MIN_QUALITY)
        rows["kind"].append(np.full(keep.shape[0], code, np.int8))
        rows["place"].append(keep.astype(np.int32))
        rows["site"].append(site[keep].astype(np.int32))
        rows["extra_m"].append(extra[keep].astype(float))
        rows["quality"].append(q[keep])
        rows["key"].append(
            np.array([stable_key(f"{name}:{ids[i]}") for i in keep], np.uint64)
        )
        rows["venue"].append(keep.astype(np.int32) if code == PLACE_VENUE
                             else np.full(keep.shape[0], -1, np.int32))

    venues = list(layout.venues.values())
    add(PLACE_VENUE, "venue", list(layout.venues), quality.venue,
        np.array([sites.building_site(b_index[v.building]) for v in venues], np.int32),
        np.zeros(len(venues)))
    add(PLACE_SPACE, "space", list(layout.spaces), quality.space,
        np.array([sites.space_site(i) for i in range(len(layout.spaces))], np.int32),
        np.zeros(len(layout.spaces)))
    if len(layout.edges):
        e_site, e_extra = _nearest_sites(layout, sites)
        add(PLACE_EDGE, "edge", list(layout.edges), quality.edge, e_site, e_extra)
    return OptionalPlaces(**{
        k: np.concatenate(v) if v else np.zeros(0) for k, v in rows.items()
    })  # fmt: skip
