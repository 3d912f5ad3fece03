"""The street graph as arrays: the form the routing and the engine need.

Only geometry and attributes live here; how inviting a street is for a meeting is a
meeting rule (:mod:`sim.engine.meetings`).

Node and edge indices follow the layout's file order, so ``edge_ids[i]`` is
``list(layout.edges)[i]`` everywhere in the program.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.layout.schema import Layout
from sim.params import EDGE_KINDS, TRAFFIC_LEVELS


@dataclass(frozen=True)
class StreetGraph:
    """Street and path network of a layout, indexed by integers.

    Attributes
    ----------
    node_ids, edge_ids
        Ids in layout order.
    xy
        (n_nodes, 2) local metres.
    edge_u, edge_v
        int32 end nodes of each edge.
    length
        float64 metres.
    kind, traffic
        int8 codes into :data:`EDGE_KINDS` and :data:`TRAFFIC_LEVELS`.
    frontage
        float64, 0-1.
    """

    node_ids: list[str]
    edge_ids: list[str]
    xy: np.ndarray
    edge_u: np.ndarray
    edge_v: np.ndarray
    length: np.ndarray
    kind: np.ndarray
    traffic: np.ndarray
    frontage: np.ndarray

    @property
    def n_nodes(self) -> int:
        return len(self.node_ids)

    @property
    def n_edges(self) -> int:
        return len(self.edge_ids)

    def node_index(self) -> dict[str, int]:
        """Map node id to index."""
        return {nid: i for i, nid in enumerate(self.node_ids)}


def build_street_graph(layout: Layout) -> StreetGraph:
    """Arrays of the layout's nodes and edges."""
    node_ids = list(layout.nodes)
    index = {nid: i for i, nid in enumerate(node_ids)}
    edges = list(layout.edges.values())
    return StreetGraph(
        node_ids=node_ids,
        edge_ids=[e.id for e in edges],
        xy=np.array([[n.x, n.y] for n in layout.nodes.values()], dtype=float).reshape(-1, 2),
        edge_u=np.array([index[e.source] for e in edges], dtype=np.int32),
        edge_v=np.array([index[e.target] for e in edges], dtype=np.int32),
        length=np.array([e.length for e in edges], dtype=float),
        kind=np.array([EDGE_KINDS.index(e.kind) for e in edges], dtype=np.int8),
        traffic=np.array([TRAFFIC_LEVELS.index(e.traffic) for e in edges], dtype=np.int8),
        frontage=np.array([e.frontage for e in edges], dtype=float),
    )

