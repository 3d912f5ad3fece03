"""One simulated day as the data a browser needs to replay it.

The page animates the day in the browser, not on the server: it gets, once per day,
the district's geometry, the trips of a sample of walkers (each a route of graph nodes
with its cumulative lengths, a departure time and a walking speed) and every meeting
(time, place, cross-institution or not), and places each dot at the clock time itself.
So playing, pausing and dragging the time slider cost the server nothing, and the
animation is as smooth as the browser can draw.

Arrays travel as base64 of little-endian bytes (float32, int32, uint8), about a third
of the size of JSON lists of numbers.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.engine.model import CrosspathsModel
from sim.engine.results import PLACE_EDGE, PLACE_NODE, PLACE_SPACE, PLACE_VENUE, MeetingTable
from sim.engine.trips import expand_trips
from sim.layout.schema import Building, Layout
from sim.network.graph import StreetGraph
from sim.network.routing import RouteTable
from sim.params import AGENT_TYPES, EDGE_KINDS
from sim.population.schedules import DayPlan
from sim.rng import stream

DEFAULT_SAMPLE = 4000
"""Walkers drawn as dots at most; a browser draws a few thousand moving dots smoothly,
and more would only blur into the streets at this map scale."""

BIN_S = 900.0
"""Width of the time-of-day chart's bars, s (15 minutes)."""

TYPE_COLOURS: dict[str, str] = {
    "researcher": "#0077bb",
    "student": "#33bbee",
    "startup": "#009988",
    "clinician": "#cc3311",
}
"""Dot colour per agent type (Paul Tol's 'vibrant' scheme, safe for colour-blind readers)."""

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")


def b64(values: np.ndarray, dtype: str) -> str:
    """``values`` as base64 of little-endian ``dtype`` bytes."""
    return base64.b64encode(np.ascontiguousarray(values, dtype=np.dtype(dtype).newbyteorder("<"))
                            .tobytes()).decode("ascii")  # fmt: skip


def weekday(day: int) -> str:
    """Name of 1-based ``day`` of a run that starts on a Monday."""
    return WEEKDAYS[(day - 1) % 5] if day >= 1 else "set-up"


@dataclass(frozen=True)
class Day:
    """What one simulated day left behind, enough to replay it.

    Attributes
    ----------
    layout, graph, routes
        The district and its precomputed routes.
    plan
        The day's trips and stays.
    meetings
        The day's meetings.
    speed, type_code
        Walking speed (m/s) and agent-type code of every person.
    seed, day
        The run's seed and the 1-based day.
    """

    layout: Layout
    graph: StreetGraph
    routes: RouteTable
    plan: DayPlan
    meetings: MeetingTable
    speed: np.ndarray
    type_code: np.ndarray
    seed: int
    day: int


def last_day(model: CrosspathsModel) -> Day:
    """The model's last simulated day."""
    if model.last_plan is None:
        raise RuntimeError("no day simulated yet")
    return Day(
        layout=model.layout,
        graph=model.graph,
        routes=model.routes,
        plan=model.last_plan,
        meetings=model.last_meetings,
        speed=model.population.speed,
        type_code=model.population.type_code,
        seed=model.seed,
        day=model.steps,
    )


def building_xy(b: Building, graph: StreetGraph, index: dict[str, int]) -> tuple[float, float]:
    """Where a building is drawn: its footprint's centre, else its entrances' centre."""
    if b.footprint_xy:
        ring = np.asarray(b.footprint_xy[0], float)
        return float(ring[:, 0].mean()), float(ring[:, 1].mean())
    xy = graph.xy[[index[e] for e in b.entrances]]
    return float(xy[:, 0].mean()), float(xy[:, 1].mean())


def base_map(layout: Layout, graph: StreetGraph) -> dict[str, Any]:
    """Streets, footprints, buildings, public spaces and gateways in local metres."""
    index = graph.node_index()
    rings = [np.asarray(r, float).ravel().round(1).tolist()
             for b in layout.buildings.values() for r in b.footprint_xy]  # fmt: skip
    buildings = []
    for b in layout.buildings.values():
        x, y = building_xy(b, graph, index)
        buildings.append({"name": b.name, "x": round(x, 1), "y": round(y, 1)})
    def at(node: str) -> dict[str, float]:
        x, y = graph.xy[index[node]]
        return {"x": round(float(x), 1), "y": round(float(y), 1)}

    spaces = [{"name": s.name or s.id, **at(s.node)} for s in layout.spaces.values()]
    gateways = [{"name": g.name or g.id, "kind": g.kind, **at(g.node)}
                for g in layout.gateways.values()]  # fmt: skip
    ring_xy = [np.reshape(r, (-1, 2)) for r in rings]
    allxy = np.concatenate([graph.xy, *ring_xy])
    lo, hi = allxy.min(axis=0), allxy.max(axis=0)
    # The view opens on where people work and linger; far gateways are a scroll away.
    core = np.concatenate([
        np.array([[b["x"], b["y"]] for b in buildings] + [[s["x"], s["y"]] for s in spaces],
                 float).reshape(-1, 2),
        *ring_xy,
    ])  # fmt: skip
    c_lo, c_hi = (core.min(axis=0), core.max(axis=0)) if core.shape[0] else (lo, hi)
    return {
        "bounds": [float(lo[0]), float(lo[1]), float(hi[0]), float(hi[1])],
        "core_bounds": [float(c_lo[0]), float(c_lo[1]), float(c_hi[0]), float(c_hi[1])],
        "nodes": b64(graph.xy.ravel(), "f4"),
        "edges": b64(np.column_stack([graph.edge_u, graph.edge_v]).ravel(), "i4"),
        "edge_kind": b64(graph.kind, "u1"),
        "edge_kinds": list(EDGE_KINDS),
        "footprints": rings,
        "buildings": buildings,
        "spaces": spaces,
        "gateways": gateways,
    }


def sample_people(n_people: int, n_max: int, seed: int) -> np.ndarray:
    """Indices of at most ``n_max`` people, drawn at random (the same for a seed)."""
    if n_people <= n_max:
        return np.arange(n_people)
    rng = stream(seed, "live-view-sample")
    return np.sort(rng.choice(n_people, size=n_max, replace=False))


def walkers(day: Day, shown: np.ndarray) -> dict[str, Any]:
    """Trips of the people ``shown``, with the routes they walk as node sequences."""
    plan, routes, graph = day.plan, day.routes, day.graph
    keep = np.isin(plan.trip_agent, shown)
    r = plan.trip_route[keep]
    walked = routes.start[r + 1] > routes.start[r]
    agent = plan.trip_agent[keep][walked]
    r = r[walked]
    used, local = np.unique(r, return_inverse=True)
    counts = routes.start[used + 1] - routes.start[used]
    nodes, cum = [], []
    for rid in used:
        lo, hi = routes.start[rid], routes.start[rid + 1]
        e, fwd = routes.edges[lo:hi], routes.forward[lo:hi]
        exits = np.where(fwd, graph.edge_v[e], graph.edge_u[e])
        nodes.append(np.concatenate([[routes.first_node[rid]], exits]))
        cum.append(np.concatenate([routes.cum[lo:hi], [routes.cum[hi - 1] + graph.length[e[-1]]]]))
    route_start = np.concatenate([[0], np.cumsum(counts + 1)])
    order = np.argsort(plan.trip_depart[keep][walked], kind="stable")
    return {
        "n_trips": int(order.shape[0]),
        "depart": b64(plan.trip_depart[keep][walked][order], "f4"),
        "speed": b64(day.speed[agent][order], "f4"),
        "route": b64(local[order], "i4"),
        "type": b64(day.type_code[agent][order], "u1"),
        "route_start": b64(route_start, "i4"),
        "route_nodes": b64(np.concatenate(nodes) if nodes else np.zeros(0), "i4"),
        "route_cum": b64(np.concatenate(cum) if cum else np.zeros(0), "f4"),
    }


def _venue_xy(layout: Layout, graph: StreetGraph) -> np.ndarray:
    """Where each venue is drawn: its building's position."""
    index = graph.node_index()
    at = {bid: building_xy(b, graph, index) for bid, b in layout.buildings.items()}
    return np.array([at[v.building] for v in layout.venues.values()], float).reshape(-1, 2)


def meeting_xy(day: Day) -> np.ndarray:
    """Where each meeting happened, ``(n, 2)`` local metres.

    On a street segment: where the first of the two was on it at the meeting's time
    (their traversal of that segment, re-laid from the day's plan); at a junction or
    entrance: the node; in a venue: its building; in a public space: its node.
    """
    m, graph, layout = day.meetings, day.graph, day.layout
    xy = np.zeros((len(m), 2))
    kind = np.asarray(m.place_kind)
    place = np.asarray(m.place, np.int64)
    sel = kind == PLACE_NODE
    xy[sel] = graph.xy[place[sel]]
    sel = kind == PLACE_VENUE
    if sel.any():
        xy[sel] = _venue_xy(layout, graph)[place[sel]]
    sel = kind == PLACE_SPACE
    if sel.any():
        nodes = graph.node_index()
        space_node = np.array([nodes[s.node] for s in layout.spaces.values()], np.int64)
        xy[sel] = graph.xy[space_node[place[sel]]]
    sel = np.flatnonzero(kind == PLACE_EDGE)
    if sel.shape[0]:
        xy[sel] = _edge_positions(day, m.a[sel], place[sel], m.t[sel])
    return xy


def _edge_positions(day: Day, agent: np.ndarray, edge: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Position of ``agent`` on ``edge`` at time ``t`` (each a meeting on a street)."""
    plan, graph = day.plan, day.graph
    keep = np.isin(plan.trip_agent, np.unique(agent))
    sub = DayPlan(
        trip_agent=plan.trip_agent[keep], trip_route=plan.trip_route[keep],
        trip_depart=plan.trip_depart[keep], stay_agent=plan.stay_agent[:0],
        stay_kind=plan.stay_kind[:0], stay_place=plan.stay_place[:0],
        stay_start=plan.stay_start[:0], stay_end=plan.stay_end[:0],
    )  # fmt: skip
    trav, _ = expand_trips(sub, day.routes, graph, day.speed, near=0.0)
    # One sorted key per traversal: (agent, edge) then entry time, exact to the
    # millisecond in float64; the meeting's traversal is the last one entered by t.
    span = 200_000.0
    key = (trav.agent.astype(np.int64) * graph.n_edges + trav.edge) * span + trav.t_in
    order = np.argsort(key, kind="stable")
    want = (agent.astype(np.int64) * graph.n_edges + edge) * span + t
    row = order[np.clip(np.searchsorted(key[order], want, side="right") - 1, 0, None)]
    found = (trav.agent[row] == agent) & (trav.edge[row] == edge)
    frac = (t - trav.t_in[row]) / np.maximum(trav.t_out[row] - trav.t_in[row], 1e-9)
    frac = np.where(found, np.clip(frac, 0.0, 1.0), 0.5)
    frac = np.where(trav.forward[row] | ~found, frac, 1.0 - frac)
    u, v = graph.xy[graph.edge_u[edge]], graph.xy[graph.edge_v[edge]]
    return u + (v - u) * frac[:, None]


def meeting_data(day: Day) -> dict[str, Any]:
    """Every meeting of the day in time order, and the time-of-day histogram."""
    m = day.meetings
    order = np.argsort(m.t, kind="stable")
    xy = meeting_xy(day)[order]
    cross = np.asarray(m.cross, bool)[order]
    t = np.asarray(m.t, float)[order]
    n_bins = int(86400 / BIN_S)
    bins = np.clip((t // BIN_S).astype(int), 0, n_bins - 1)
    return {
        "n": len(m),
        "n_cross": int(cross.sum()),
        "t": b64(t, "f4"),
        "xy": b64(xy.ravel(), "f4"),
        "cross": b64(cross, "u1"),
        "bin_s": BIN_S,
        "hist_all": np.bincount(bins, minlength=n_bins).tolist(),
        "hist_cross": np.bincount(bins[cross], minlength=n_bins).tolist(),
    }


def day_window(plan: DayPlan) -> tuple[float, float]:
    """The part of the day when nearly everybody's walking happens, whole hours, s.

    From the hour before the first 0.5 % of departures to the hour after the last
    0.5 %, so a few early or late walkers do not stretch the slider over the night.
    """
    if plan.trip_depart.shape[0] == 0:
        return 7 * 3600.0, 19 * 3600.0
    lo, hi = np.quantile(plan.trip_depart, [0.005, 0.995])
    return float(np.floor(lo / 3600) * 3600), float(min(np.ceil(hi / 3600) * 3600, 86400.0))


def replay_data(day: Day, sample: int = DEFAULT_SAMPLE) -> dict[str, Any]:
    """Everything the page's map needs to replay ``day``.

    Parameters
    ----------
    day
        The simulated day.
    sample
        Largest number of people drawn as dots; the rest walk unseen, but every
        meeting, the heat layer and the counters count everyone.
    """
    n_people = int(day.type_code.shape[0])
    shown = sample_people(n_people, sample, day.seed)
    start, end = day_window(day.plan)
    return {
        "map": base_map(day.layout, day.graph),
        "walkers": walkers(day, shown),
        "meetings": meeting_data(day),
        "types": [{"name": t, "colour": TYPE_COLOURS[t]} for t in AGENT_TYPES],
        "people": n_people,
        "shown": int(shown.shape[0]),
        "window": [start, end],
        "day": day.day,
        "weekday": weekday(day.day),
    }
