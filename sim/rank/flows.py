"""A cheap estimate of how many people pass each node and edge: the pre-score's "passing".

No simulation: every person makes one round trip from the gateways to their building
(gateways weighted by their ``share``) and one to another building (weighted by that
building's people), each along the shortest walking route between first entrances.
The flows are only used to order candidates before any run (``--max-candidates``), so
this crude assignment need only put busy places before quiet ones.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import networkx as nx

from sim.rank.base import Base


@dataclass(frozen=True)
class Flows:
    """People a day passing each node and edge (estimate).

    Attributes
    ----------
    node, edge
        Passers per node id and per edge id.
    """

    node: dict[str, float]
    edge: dict[str, float]


def estimate_flows(base: Base) -> Flows:
    """Assign the day's trips to shortest walking routes and count passers.

    Parameters
    ----------
    base
        The layout being ranked.

    Returns
    -------
    Flows
    """
    layout = base.layout
    g = base.walk_graph()
    people = {b.id: float(sum(b.population.values())) for b in layout.buildings.values()}
    total = sum(people.values()) or 1.0
    homes = {b.id: b.entrances[0] for b in layout.buildings.values()}
    # origin node -> {destination node: trips}
    demand: dict[str, dict[str, float]] = {}
    for gw in layout.gateways.values():
        for bid, n in people.items():
            demand.setdefault(gw.node, {}).setdefault(homes[bid], 0.0)
            demand[gw.node][homes[bid]] += 2.0 * gw.share * n
    for a, na in people.items():
        for b, nb in people.items():
            if a != b:
                demand.setdefault(homes[a], {}).setdefault(homes[b], 0.0)
                demand[homes[a]][homes[b]] += na * nb / total
    node = dict.fromkeys(layout.nodes, 0.0)
    pair: dict[tuple[str, str], float] = {}
    for origin, targets in demand.items():
        paths = nx.single_source_dijkstra_path(g, origin, weight="length")
        for target, trips in targets.items():
            path = paths.get(target)
            if path is None:
                continue
            for n in path:
                node[n] += trips
            for u, v in itertools.pairwise(path):
                key = (u, v) if u <= v else (v, u)
                pair[key] = pair.get(key, 0.0) + trips
    edge: dict[str, float] = {}
    for e in layout.edges.values():
        key = (e.source, e.target) if e.source <= e.target else (e.target, e.source)
        # Trips use the shorter of parallel edges; the longer one is credited too,
        # since people on the street beside it pass its frontage as well.
        edge[e.id] = pair.get(key, 0.0)
    return Flows(node=node, edge=edge)
