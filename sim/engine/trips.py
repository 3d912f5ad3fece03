"""Trips to edge traversals and node passages, by array arithmetic.

Every trip of a day plan follows a precomputed route at the walker's own constant speed,
so when it enters and leaves each edge, and when it passes each node, follows from the
route's cumulative lengths. No per-agent Python runs here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.network.graph import StreetGraph
from sim.network.routing import RouteTable
from sim.population.schedules import DayPlan


@dataclass
class Traversals:
    """One row per edge walked: who, which edge, when in and out, which way, how fast."""

    agent: np.ndarray
    edge: np.ndarray
    t_in: np.ndarray
    t_out: np.ndarray
    forward: np.ndarray
    speed: np.ndarray

    def __len__(self) -> int:
        return int(self.agent.shape[0])


@dataclass
class Passages:
    """One row per node passed: the time window [t_lo, t_hi] a walker is near it.

    ``near`` is how far from the node counts as near, in metres. A trip's first node is
    near only as the walk begins and its last only as it ends: before and after, the
    person is indoors.
    """

    agent: np.ndarray
    node: np.ndarray
    t_lo: np.ndarray
    t_hi: np.ndarray

    def __len__(self) -> int:
        return int(self.agent.shape[0])


def expand_trips(
    plan: DayPlan, routes: RouteTable, graph: StreetGraph, speed: np.ndarray, near: float
) -> tuple[Traversals, Passages]:
    """Lay every trip of ``plan`` onto the graph.

    Parameters
    ----------
    plan
        The day's trips.
    routes
        Route table the trips refer to.
    graph
        The street graph (edge ends and lengths).
    speed
        Walking speed per agent, m/s.
    near
        Distance from a node within which a walker counts as at it, m.
    """
    r = plan.trip_route
    counts = routes.start[r + 1] - routes.start[r]
    trip = np.repeat(np.arange(r.shape[0]), counts)
    first_row = np.cumsum(counts) - counts
    flat = routes.start[r][trip] + (np.arange(trip.shape[0]) - first_row[trip])
    agent = plan.trip_agent[trip]
    v = speed[agent]
    edge = routes.edges[flat]
    fwd = routes.forward[flat]
    t_in = plan.trip_depart[trip] + routes.cum[flat] / v
    t_out = t_in + graph.length[edge] / v
    trav = Traversals(agent=agent, edge=edge, t_in=t_in, t_out=t_out, forward=fwd, speed=v)

    walked = counts > 0
    start_agent = plan.trip_agent[walked]
    start_t = plan.trip_depart[walked]
    exit_node = np.where(fwd, graph.edge_v[edge], graph.edge_u[edge])
    last_edge = np.zeros(trip.shape[0], dtype=bool)
    last_edge[np.cumsum(counts[walked]) - 1] = True
    pas = Passages(
        agent=np.concatenate([start_agent, agent]),
        node=np.concatenate([routes.first_node[r[walked]], exit_node]).astype(np.int32),
        t_lo=np.concatenate([start_t, t_out - near / v]),
        t_hi=np.concatenate(
            [start_t + near / speed[start_agent], np.where(last_edge, t_out, t_out + near / v)]
        ),
    )
    return trav, pas
