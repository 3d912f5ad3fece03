"""Route choice: perceived costs and precomputed routes between every pair of sites.

People differ in how they weigh car traffic, footpaths, parks and shop fronts. That
variation is carried by a small number of *route profiles*: each profile scales the
penalties and preferences by its own taste factors and adds per-edge noise (the
perception of a particular person). Every agent is assigned one profile, and all routes
of all profiles between all *sites* (buildings, public spaces, gateways) are computed once,
at set-up; no path is ever searched during the simulation.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import networkx as nx
import numpy as np

from sim.compiled import AVAILABLE
from sim.layout.schema import Layout
from sim.network import shortest
from sim.network.graph import StreetGraph
from sim.params import ModelParams
from sim.rng import hash_uniform, stable_key

_TASTE_SD = 0.5
"""Log-sd of each profile's taste factors (assumption: tastes vary about ±50 %)."""


@dataclass(frozen=True)
class Sites:
    """Everything a trip can start or end at, with the graph nodes it is entered by.

    Sites are ordered buildings, then public spaces, then gateways.
    """

    ids: list[str]
    kinds: list[str]
    anchors: list[np.ndarray]
    n_buildings: int
    n_spaces: int

    @property
    def n(self) -> int:
        return len(self.ids)

    def building_site(self, b: int) -> int:
        return b

    def space_site(self, s: int) -> int:
        return self.n_buildings + s

    def gateway_site(self, g: int) -> int:
        return self.n_buildings + self.n_spaces + g


def build_sites(layout: Layout, graph: StreetGraph) -> Sites:
    """Collect the sites of a layout and their anchor nodes."""
    idx = graph.node_index()
    ids, kinds, anchors = [], [], []
    for b in layout.buildings.values():
        ids.append(b.id)
        kinds.append("building")
        anchors.append(np.array([idx[n] for n in b.entrances], dtype=np.int32))
    for s in layout.spaces.values():
        ids.append(s.id)
        kinds.append("space")
        anchors.append(np.array([idx[s.node]], dtype=np.int32))
    for g in layout.gateways.values():
        ids.append(g.id)
        kinds.append("gateway")
        anchors.append(np.array([idx[g.node]], dtype=np.int32))
    return Sites(ids, kinds, anchors, len(layout.buildings), len(layout.spaces))


def perceived_costs(graph: StreetGraph, params: ModelParams, seed: int) -> np.ndarray:
    """Perceived cost of every edge for every route profile, shape (profiles, edges).

    Profile 0 is the average person (no taste variation, no noise); the others draw taste
    factors and per-edge noise from hashes of the seed and the edge ids, so an edge keeps
    its perceived cost when other edges of the layout change.
    """
    k_count = params.route_profiles
    profiles = np.arange(k_count)[:, None]
    edge_keys = np.array([stable_key(e) for e in graph.edge_ids], dtype=np.uint64)[None, :]

    def lognormal(stream_key: int, *keys: np.ndarray, sd: float) -> np.ndarray:
        # Box-Muller from two hashed uniforms: a standard normal per key combination.
        u1 = hash_uniform(seed, stream_key, 0, *keys)
        u2 = hash_uniform(seed, stream_key, 1, *keys)
        z = np.sqrt(-2.0 * np.log1p(-u1)) * np.cos(2.0 * np.pi * u2)
        return np.exp(sd * z - 0.5 * sd * sd)

    taste = lognormal(1, profiles, np.arange(3)[None, :], sd=_TASTE_SD)
    taste[0] = 1.0
    traffic_pen = np.array([0.0, params.traffic_penalty_low, params.traffic_penalty_high])
    traffic_mult = 1.0 + traffic_pen[graph.traffic][None, :] * taste[:, 0:1]
    kind_factor = np.array([1.0, params.footpath_factor, params.park_path_factor, 1.0])
    # A taste scales the factor's log (factor ** taste): neutral stays 1, a strong taste
    # pulls further from 1, and the multiplier stays positive (Dijkstra needs that).
    kind_mult = kind_factor[graph.kind][None, :] ** taste[:, 1:2]
    frontage_mult = 1.0 - np.clip(
        params.frontage_preference * taste[:, 2:3] * graph.frontage[None, :], 0.0, 0.9
    )
    noise = lognormal(2, profiles, edge_keys, sd=params.route_noise_sd)
    noise[0] = 1.0
    crossing = np.where(graph.kind == 3, params.crossing_extra_m, 0.0)[None, :]
    return graph.length[None, :] * traffic_mult * kind_mult * frontage_mult * noise + crossing


@dataclass(frozen=True)
class RouteTable:
    """Routes of every profile between every ordered pair of sites, as flat arrays.

    ``route_id(k, o, d) = (k * n_sites + o) * n_sites + d``. Route ``r`` walks edges
    ``edges[start[r]:start[r+1]]``, in direction ``forward`` (True: from ``edge_u`` to
    ``edge_v``), leaving ``cum[start[r] + i]`` metres behind at the start of its i-th edge.
    """

    n_sites: int
    n_profiles: int
    start: np.ndarray
    edges: np.ndarray
    forward: np.ndarray
    cum: np.ndarray
    length: np.ndarray
    first_node: np.ndarray

    def route_id(self, k: np.ndarray | int, o: np.ndarray | int, d: np.ndarray | int) -> np.ndarray:
        return (np.asarray(k, np.int64) * self.n_sites + o) * self.n_sites + d

    def site_distance(self) -> np.ndarray:
        """Walking distance (m) between sites along the average person's routes."""
        return self.length[: self.n_sites * self.n_sites].reshape(self.n_sites, self.n_sites)


def build_routes(
    graph: StreetGraph, sites: Sites, costs: np.ndarray, compiled: bool | None = None
) -> RouteTable:
    """Least-perceived-cost routes for every profile and ordered site pair.

    Between two sites with several entrances, the pair of entrances with the least
    perceived cost is used. A site to itself is an empty route.

    ``compiled`` chooses the compiled search of :mod:`sim.network.shortest` (``None``:
    when numba is installed) or networkx; both give the same routes.
    """
    if AVAILABLE if compiled is None else compiled:
        edges, forward, start, first = _compiled_routes(graph, sites, costs)
    else:
        edges, forward, start, first = _networkx_routes(graph, sites, costs)
    edge_len = graph.length[edges]
    csum = np.concatenate([[0.0], np.cumsum(edge_len)])
    cum = csum[:-1] - np.repeat(csum[start[:-1]], np.diff(start))
    lengths = csum[start[1:]] - csum[start[:-1]]
    return RouteTable(
        n_sites=sites.n,
        n_profiles=costs.shape[0],
        start=start,
        edges=edges,
        forward=forward,
        cum=cum,
        length=lengths,
        first_node=first,
    )


def _compiled_routes(
    graph: StreetGraph, sites: Sites, costs: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Routes' edges, directions, starts and first nodes, by the compiled search."""
    n_pairs = sites.n * sites.n
    indptr, neighbour, slot, edge_slot, n_slots = shortest.adjacency(
        graph.edge_u, graph.edge_v, graph.n_nodes
    )
    anchor_node = np.concatenate(sites.anchors).astype(np.int64)
    anchor_ptr = np.concatenate([[0], np.cumsum([len(a) for a in sites.anchors])])
    sources = np.unique(anchor_node)
    source_of = np.full(graph.n_nodes, -1, np.int64)
    source_of[sources] = np.arange(sources.shape[0])
    src = np.empty(costs.shape[0] * n_pairs, np.int64)
    dst, count = np.empty_like(src), np.empty_like(src)
    trees = []
    for k in range(costs.shape[0]):
        best = shortest.cheapest_in_slot(edge_slot, n_slots, costs[k])
        dist, pred, via = shortest.shortest_trees(indptr, neighbour, costs[k][best[slot]], sources)
        part = slice(k * n_pairs, (k + 1) * n_pairs)
        shortest.route_counts(
            anchor_ptr, anchor_node, source_of, dist, pred, src[part], dst[part], count[part]
        )
        trees.append((best, pred, via))
    start = np.concatenate([[0], np.cumsum(count)]).astype(np.int64)
    edges = np.empty(int(start[-1]), np.int32)
    forward = np.empty(edges.shape[0], bool)
    for k, (best, pred, via) in enumerate(trees):
        part = slice(k * n_pairs, (k + 1) * n_pairs)
        shortest.route_edges(
            start[k * n_pairs : (k + 1) * n_pairs + 1], src[part], dst[part], source_of,
            pred, via, slot, best, graph.edge_u, edges, forward,
        )
    return edges, forward, start, src.astype(np.int32)


def _networkx_routes(
    graph: StreetGraph, sites: Sites, costs: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Routes' edges, directions, starts and first nodes, searched with networkx."""
    n_sites, n_profiles = sites.n, costs.shape[0]
    anchor_nodes = sorted({int(n) for a in sites.anchors for n in a})
    starts = [0]
    flat_edges: list[int] = []
    flat_fwd: list[bool] = []
    first = np.full(n_profiles * n_sites * n_sites, -1, np.int32)
    for k in range(n_profiles):
        g, best_edge = _profile_graph(graph, costs[k])
        preds, dists = {}, {}
        for src in anchor_nodes:
            preds[src], dists[src] = nx.dijkstra_predecessor_and_distance(g, src)
        for o in range(n_sites):
            for d in range(n_sites):
                r = (k * n_sites + o) * n_sites + d
                if o != d:
                    src, dst = _best_pair(sites.anchors[o], sites.anchors[d], dists)
                    nodes = _walk_back(preds[src], src, dst)
                    for a, b in itertools.pairwise(nodes):
                        e = best_edge[(a, b) if a < b else (b, a)]
                        flat_edges.append(e)
                        flat_fwd.append(bool(graph.edge_u[e] == a))
                    first[r] = src
                starts.append(len(flat_edges))
    edges = np.array(flat_edges, dtype=np.int32)
    start = np.array(starts, dtype=np.int64)
    return edges, np.array(flat_fwd, dtype=bool), start, first


def _profile_graph(
    graph: StreetGraph, cost: np.ndarray
) -> tuple[nx.Graph, dict[tuple[int, int], int]]:
    """Simple graph weighted by one profile's costs; parallel edges keep the cheapest."""
    best: dict[tuple[int, int], int] = {}
    for e in range(graph.n_edges):
        u, v = int(graph.edge_u[e]), int(graph.edge_v[e])
        key = (u, v) if u < v else (v, u)
        if key not in best or cost[e] < cost[best[key]]:
            best[key] = e
    g = nx.Graph()
    g.add_nodes_from(range(graph.n_nodes))
    g.add_weighted_edges_from((u, v, float(cost[e])) for (u, v), e in best.items())
    return g, best


def _best_pair(
    origins: np.ndarray, dests: np.ndarray, dists: dict[int, dict[int, float]]
) -> tuple[int, int]:
    best, pair = np.inf, (int(origins[0]), int(dests[0]))
    for o in origins:
        row = dists[int(o)]
        for d in dests:
            c = row.get(int(d), np.inf)
            if c < best:
                best, pair = c, (int(o), int(d))
    return pair


def _walk_back(pred: dict[int, list[int]], src: int, dst: int) -> list[int]:
    nodes = [dst]
    while nodes[-1] != src:
        nodes.append(pred[nodes[-1]][0])
    nodes.reverse()
    return nodes
