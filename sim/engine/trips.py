"""Trips to edge traversals and node passages, by array arithmetic.

Every trip of a day plan follows a precomputed route at the walker's own constant speed,
so when it enters and leaves each edge, and when it passes each node, follows from the
route's cumulative lengths. No per-agent Python runs here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.engine import kernels
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
    """One row per node passed: who, which node, when, on which edges in and out.

    Near the node the walker is at ``xy[node] + vel * (t - t_node)``, on edge ``e_in``
    before ``t_node`` and on ``e_out`` after it; ``-1`` where the walk begins or ends
    there (the person is indoors). The velocity on an edge is ``edge_dir[e] * sv``, with
    ``sv_in`` and ``sv_out`` the signed speeds (m/s; positive from ``edge_u`` to
    ``edge_v``, 0 where there is no edge): two numbers per row instead of two vectors.
    ``[t_lo, t_hi]`` is the window during which the walker is within ``near`` metres of
    the node along the street (shorter where a segment is shorter than ``near``).
    ``edge_dir`` is not a row column but the table of every edge's unit vector
    (:func:`edge_directions`).
    """

    agent: np.ndarray
    node: np.ndarray
    t_node: np.ndarray
    t_lo: np.ndarray
    t_hi: np.ndarray
    e_in: np.ndarray
    e_out: np.ndarray
    sv_in: np.ndarray
    sv_out: np.ndarray
    edge_dir: np.ndarray

    def __len__(self) -> int:
        return int(self.agent.shape[0])


def edge_directions(graph: StreetGraph) -> np.ndarray:
    """Unit vector of every edge from ``edge_u`` to ``edge_v`` along its chord, (n_edges, 2)."""
    d = graph.xy[graph.edge_v] - graph.xy[graph.edge_u]
    norm = np.hypot(d[:, 0], d[:, 1])
    return d / np.where(norm > 0, norm, 1.0)[:, None]


def expand_trips(
    plan: DayPlan, routes: RouteTable, graph: StreetGraph, speed: np.ndarray, near: float,
    compiled: bool | None = None,
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
        Distance along the street from a node within which a walker counts as near it, m.
    compiled
        Use the loop of :mod:`sim.engine.kernels` (``None``: when numba is installed)
        rather than the numpy path; both give the same arrays.
    """
    if compiled is None:
        compiled = kernels.AVAILABLE
    if compiled:
        return _expand_compiled(plan, routes, graph, speed, near)
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
    length = graph.length[edge]
    t_out = t_in + length / v
    trav = Traversals(agent=agent, edge=edge, t_in=t_in, t_out=t_out, forward=fwd, speed=v)

    # Passages: the node each trip starts from, then the exit node of every edge walked.
    walked = counts > 0
    n = trip.shape[0]
    last_edge = np.zeros(n, dtype=bool)
    last_edge[np.cumsum(counts[walked]) - 1] = True
    first_edge = np.zeros(n, dtype=bool)
    first_edge[first_row[walked]] = True
    sv = np.where(fwd, v, -v)
    # The edge after each row within its trip (none after the trip's last edge).
    has_next = np.flatnonzero(~last_edge)
    e_next = np.full(n, -1, np.int32)
    e_next[has_next] = edge[has_next + 1]
    sv_next = np.zeros(n)
    sv_next[has_next] = sv[has_next + 1]
    len_next = np.zeros(n)
    len_next[has_next] = length[has_next + 1]
    starts = np.flatnonzero(first_edge)
    exit_node = np.where(fwd, graph.edge_v[edge], graph.edge_u[edge])
    entry_node = np.where(fwd, graph.edge_u[edge], graph.edge_v[edge])
    pas = Passages(
        agent=np.concatenate([agent[starts], agent]).astype(np.int32),
        node=np.concatenate([entry_node[starts], exit_node]).astype(np.int32),
        t_node=np.concatenate([t_in[starts], t_out]),
        t_lo=np.concatenate([t_in[starts], t_out - np.minimum(near, length) / v]),
        t_hi=np.concatenate(
            [t_in[starts] + np.minimum(near, length[starts]) / v[starts],
             t_out + np.minimum(near, len_next) / v]
        ),
        e_in=np.concatenate([np.full(starts.shape[0], -1), edge]).astype(np.int32),
        e_out=np.concatenate([edge[starts], e_next]).astype(np.int32),
        sv_in=np.concatenate([np.zeros(starts.shape[0]), sv]),
        sv_out=np.concatenate([sv[starts], sv_next]),
        edge_dir=edge_directions(graph),
    )
    return trav, pas


def _expand_compiled(
    plan: DayPlan, routes: RouteTable, graph: StreetGraph, speed: np.ndarray, near: float
) -> tuple[Traversals, Passages]:
    """:func:`expand_trips` through :func:`sim.engine.kernels.lay_trips`."""
    r = plan.trip_route
    counts = routes.start[r + 1] - routes.start[r]
    n, n_start = int(counts.sum()), int(np.count_nonzero(counts))
    trav = Traversals(
        agent=np.empty(n, plan.trip_agent.dtype), edge=np.empty(n, routes.edges.dtype),
        t_in=np.empty(n), t_out=np.empty(n), forward=np.empty(n, bool), speed=np.empty(n),
    )
    m = n + n_start
    pas = Passages(
        agent=np.empty(m, np.int32), node=np.empty(m, np.int32), t_node=np.empty(m),
        t_lo=np.empty(m), t_hi=np.empty(m), e_in=np.empty(m, np.int32),
        e_out=np.empty(m, np.int32), sv_in=np.empty(m), sv_out=np.empty(m),
        edge_dir=edge_directions(graph),
    )
    kernels.lay_trips(
        r, plan.trip_depart, plan.trip_agent, routes.start, routes.edges, routes.forward,
        routes.cum, speed, graph.length, graph.edge_u, graph.edge_v, float(near),
        (trav.agent, trav.edge, trav.t_in, trav.t_out, trav.forward, trav.speed),
        (pas.agent, pas.node, pas.t_node, pas.t_lo, pas.t_hi, pas.e_in, pas.e_out,
         pas.sv_in, pas.sv_out),
    )
    return trav, pas
