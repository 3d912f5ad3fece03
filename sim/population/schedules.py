"""Day plans: when each person arrives, where they go during the day, when they leave.

A plan is built per (building, agent type) group, vectorised over its members, from
random streams named by seed, (day,) building and type: each person's habits, fixed
across days, mixed with the day's own draws (see :func:`_draws`). Each member draws a fixed block of
random numbers whose columns have fixed meanings, so the same person gets the same
times and the same uniforms for destination choice in any layout that keeps their
building (common random numbers).

A day: arrival through a gateway; up to eight activities, each a round trip from the
home building (lunch; coffee breaks; the type's errands: lectures, seminars, shared labs,
moves between hospital buildings); departure through the same gateway. Activities that
collide are pushed later; those that no longer fit before departure, or fall outside a
venue's opening hours, are dropped (the person stays at their desk).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.engine.results import PLACE_SPACE, PLACE_VENUE
from sim.layout.schema import Layout
from sim.network.routing import RouteTable, Sites
from sim.params import AGENT_TYPES, VENUE_KINDS, AgentTypeParams
from sim.population.destinations import (
    COFFEE_KINDS,
    LUNCH_KINDS,
    Destinations,
    building_candidates,
    choose,
    space_candidates,
    venue_candidates,
)
from sim.population.population import Group, Population
from sim.rng import stream

H = 3600.0
N_SLOTS = 8  # lunch, 3 coffee breaks, 4 errands
MAX_COFFEE, MAX_ERRANDS = 3, 4
_LUNCH_BINS_MIN = np.array([5, 10, 20, 30, 40, 50, 60, 90], float)
_LUNCH_BIN_P = np.array([0.07, 0.08, 0.41, 0.04, 0.10, 0.27, 0.03])
"""Lunch-break length, OfficeTeam (2018), bins of minutes; the >60 bin taken as 60-90."""
_SCHEDULED_KINDS = (VENUE_KINDS.index("lecture_hall"), VENUE_KINDS.index("meeting_room"))
_GAP_S = 300.0
"""Minimum time at the desk between activities (assumption)."""

# Fixed columns of each person's uniforms (common random numbers depend on this layout).
_U_LUNCH_OUT, _U_LUNCH_BIN, _U_LUNCH_IN_BIN, _U_OUTDOOR, _U_LUNCH_DEST = 0, 1, 2, 3, 4
_U_GATEWAY, _U_N_COFFEE, _U_N_ERRANDS = 5, 6, 7
_U_COFFEE_T, _U_COFFEE_DEST, _U_COFFEE_DUR = 8, 11, 14
_U_ERRAND_T, _U_ERRAND_DEST = 17, 21
_U_ZONE = 25  # one per slot
_N_UNIFORMS = 25 + N_SLOTS


@dataclass
class DayPlan:
    """Walks and stays of every person on one day.

    Trips: agent ``trip_agent`` leaves at ``trip_depart`` (s since midnight) along route
    ``trip_route`` of the :class:`RouteTable`. Stays: agent ``stay_agent`` is in place
    ``(stay_kind, stay_place)`` (venue or space codes of :mod:`sim.engine.results`) from
    ``stay_start`` to ``stay_end``, in greeting zone ``stay_zone`` of it (for lecture
    halls and meeting rooms, only the first minutes while the session gathers, see
    ``model.session_mingle_min``).
    """

    trip_agent: np.ndarray
    trip_route: np.ndarray
    trip_depart: np.ndarray
    stay_agent: np.ndarray
    stay_kind: np.ndarray
    stay_place: np.ndarray
    stay_zone: np.ndarray
    stay_start: np.ndarray
    stay_end: np.ndarray


@dataclass
class _Slots:
    """Planned activities of a group, (n, N_SLOTS) arrays."""

    want: np.ndarray  # desired arrival at the destination, s
    dur: np.ndarray
    site: np.ndarray
    stay_kind: np.ndarray
    stay_place: np.ndarray

    @classmethod
    def empty(cls, n: int) -> _Slots:
        return cls(
            want=np.full((n, N_SLOTS), np.inf),
            dur=np.zeros((n, N_SLOTS)),
            site=np.full((n, N_SLOTS), -1, np.int64),
            stay_kind=np.full((n, N_SLOTS), -1, np.int8),
            stay_place=np.full((n, N_SLOTS), -1, np.int64),
        )


def plan_day(
    layout: Layout,
    pop: Population,
    sites: Sites,
    routes: RouteTable,
    dest: Destinations,
    seed: int,
    day: int,
) -> DayPlan:
    """Draw everybody's plan for ``day`` (0-based)."""
    out: dict[str, list[np.ndarray]] = {f: [] for f in DayPlan.__dataclass_fields__}
    building_ids = list(layout.buildings)
    for g in pop.groups:
        t = AGENT_TYPES[g.type_code]
        tp = layout.params.agent(t)
        z, u = _draws(seed, day, building_ids[g.building], t, g.size, tp.routine)
        _plan_group(layout, pop, g, tp, sites, routes, dest, z, u, out)
    return DayPlan(
        **{
            k: np.concatenate(v) if v else np.zeros(0, _DTYPES[k])
            for k, v in out.items()
        }
    )


_DTYPES = {
    "trip_agent": np.int32,
    "trip_route": np.int64,
    "trip_depart": np.float64,
    "stay_agent": np.int32,
    "stay_kind": np.int8,
    "stay_place": np.int32,
    "stay_zone": np.int64,
    "stay_start": np.float64,
    "stay_end": np.float64,
}


def _draws(
    seed: int, day: int, building: str, agent_type: str, n: int, routine: float
) -> tuple[np.ndarray, np.ndarray]:
    """The day's normal and uniform draws of a group, mixed with each person's habits.

    Each person has fixed habitual draws (same every day). Each uniform is the habitual
    one with probability ``routine`` and a fresh one otherwise; the normals (arrival,
    hours, lunch time) are correlated across days with correlation ``routine``. So
    people keep to their usual café, gateway and times most days, and pairs who met
    yesterday tend to cross paths again.
    """
    habit = stream(seed, "habits", building, agent_type)
    z_habit = habit.standard_normal((n, 3))
    u_habit = habit.random((n, _N_UNIFORMS))
    today = stream(seed, "day", day, building, agent_type)
    z_day = today.standard_normal((n, 3))
    u_day = today.random((n, _N_UNIFORMS))
    keep_habit = today.random((n, _N_UNIFORMS)) < routine
    z = np.sqrt(routine) * z_habit + np.sqrt(1.0 - routine) * z_day
    return z, np.where(keep_habit, u_habit, u_day)


def _plan_group(
    layout: Layout,
    pop: Population,
    g: Group,
    tp: AgentTypeParams,
    sites: Sites,
    routes: RouteTable,
    dest: Destinations,
    z: np.ndarray,
    u: np.ndarray,
    out: dict[str, list[np.ndarray]],
) -> None:
    n = g.size
    agents = np.arange(g.start, g.stop, dtype=np.int32)
    home = sites.building_site(g.building)
    k = pop.profile[g.start : g.stop]
    speed = pop.speed[g.start : g.stop]

    arrive = np.clip(tp.arrival_mean_h * H + tp.arrival_sd_min * 60 * z[:, 0], 5 * H, 13 * H)
    work = np.clip(tp.workday_mean_h * H + tp.workday_sd_h * H * z[:, 1], 1 * H, 14 * H)
    leave = np.minimum(arrive + work, 23.5 * H)

    gw_site = _gateway_sites(layout, sites, dest, home, u[:, _U_GATEWAY])
    r_in = routes.route_id(k, gw_site, home)
    r_out = routes.route_id(k, home, gw_site)
    _emit_trips(out, agents, r_in, arrive - routes.length[r_in] / speed)
    _emit_trips(out, agents, r_out, leave)

    slots = _Slots.empty(n)
    inst = pop.institution[g.start : g.stop]
    for i in np.unique(inst):
        rows = np.flatnonzero(inst == i)
        _plan_lunch(tp, dest, home, int(i), z[rows], u[rows], slots, rows)
        _plan_coffee(tp, dest, home, int(i), arrive[rows], leave[rows], u[rows], slots, rows)
        _plan_errands(
            tp, dest, g.building, home, int(i), arrive[rows], leave[rows], u[rows], slots, rows
        )
    _resolve_timeline(
        slots, routes, dest, agents, home, k, speed, arrive, leave, u[:, _U_ZONE:], out
    )


def _gateway_sites(
    layout: Layout, sites: Sites, dest: Destinations, home: int, u: np.ndarray
) -> np.ndarray:
    decay = layout.params.model.gateway_decay_m
    g_sites = np.array([sites.gateway_site(j) for j in range(len(layout.gateways))])
    share = np.array([gw.share for gw in layout.gateways.values()])
    w = share * np.exp(-dest.site_distance[g_sites, home] / decay)
    pick = choose(np.broadcast_to(w, (u.shape[0], w.shape[0])), u)
    return g_sites[np.maximum(pick, 0)]


def _open_weights(
    dest: Destinations, venues: np.ndarray, w: np.ndarray, t: np.ndarray, dur: np.ndarray
) -> np.ndarray:
    """(n, candidates) weights, zero where the venue is closed for [t, t + dur]."""
    is_open = (dest.venue_open[venues][None, :] <= t[:, None]) & (
        t[:, None] + dur[:, None] <= dest.venue_close[venues][None, :]
    )
    return w[None, :] * is_open


def _set_venue_slot(
    slots: _Slots, rows: np.ndarray, col: int, dest: Destinations, venue: np.ndarray,
    want: np.ndarray, dur: np.ndarray, active: np.ndarray,
) -> None:
    ok = active & (venue >= 0)
    r = rows[ok]
    slots.want[r, col] = want[ok]
    slots.dur[r, col] = dur[ok]
    slots.site[r, col] = dest.venue_site[venue[ok]]
    slots.stay_kind[r, col] = PLACE_VENUE
    slots.stay_place[r, col] = venue[ok]


def _plan_lunch(
    tp: AgentTypeParams, dest: Destinations, home: int, inst: int,
    z: np.ndarray, u: np.ndarray, slots: _Slots, rows: np.ndarray,
) -> None:
    t = tp.lunch_mean_h * H + tp.lunch_sd_min * 60 * z[:, 2]
    b = np.minimum(np.searchsorted(np.cumsum(_LUNCH_BIN_P), u[:, _U_LUNCH_BIN]), 6)
    lo, hi = _LUNCH_BINS_MIN[b], _LUNCH_BINS_MIN[b + 1]
    dur = (lo + (hi - lo) * u[:, _U_LUNCH_IN_BIN]) * 60
    goes_out = u[:, _U_LUNCH_OUT] < tp.lunch_out_prob
    outdoor = goes_out & (u[:, _U_OUTDOOR] < tp.lunch_outdoor_share)
    venues, w = venue_candidates(dest, home, inst, LUNCH_KINDS, "any")
    pick = choose(_open_weights(dest, venues, w, t, dur), u[:, _U_LUNCH_DEST])
    venue = np.where(pick >= 0, venues[np.maximum(pick, 0)] if len(venues) else -1, -1)
    _set_venue_slot(slots, rows, 0, dest, venue, t, dur, goes_out & ~outdoor)
    spaces, sw = space_candidates(dest, home)
    if len(spaces) == 0:
        return
    s_pick = choose(np.broadcast_to(sw, (len(rows), len(sw))), u[:, _U_LUNCH_DEST])
    r = rows[outdoor]
    slots.want[r, 0] = t[outdoor]
    slots.dur[r, 0] = dur[outdoor]
    slots.site[r, 0] = dest.space_site[s_pick[outdoor]]
    slots.stay_kind[r, 0] = PLACE_SPACE
    slots.stay_place[r, 0] = s_pick[outdoor]


def _poisson_count(u: np.ndarray, rate: float, cap: int) -> np.ndarray:
    """Poisson(rate) counts capped at ``cap``, by inverse CDF of one uniform."""
    ks = np.arange(cap)
    log_fact = np.cumsum(np.log(np.maximum(ks, 1)))
    cdf = np.cumsum(np.exp(-rate + ks * np.log(max(rate, 1e-300)) - log_fact))
    return np.searchsorted(cdf, u, side="right")


def _plan_coffee(
    tp: AgentTypeParams, dest: Destinations, home: int, inst: int,
    arrive: np.ndarray, leave: np.ndarray, u: np.ndarray, slots: _Slots, rows: np.ndarray,
) -> None:
    count = _poisson_count(u[:, _U_N_COFFEE], tp.coffee_rate, MAX_COFFEE)
    venues, w = venue_candidates(dest, home, inst, COFFEE_KINDS, "any")
    span = np.maximum(leave - arrive - H, 0)
    for j in range(MAX_COFFEE):
        t = arrive + 0.5 * H + u[:, _U_COFFEE_T + j] * span
        dur = tp.coffee_duration_min * 60 * (0.5 + u[:, _U_COFFEE_DUR + j])
        pick = choose(_open_weights(dest, venues, w, t, dur), u[:, _U_COFFEE_DEST + j])
        venue = np.where(pick >= 0, venues[np.maximum(pick, 0)] if len(venues) else -1, -1)
        _set_venue_slot(slots, rows, 1 + j, dest, venue, t, dur, count > j)


def _plan_errands(
    tp: AgentTypeParams, dest: Destinations, building: int, home: int, inst: int,
    arrive: np.ndarray, leave: np.ndarray, u: np.ndarray, slots: _Slots, rows: np.ndarray,
) -> None:
    count = _poisson_count(u[:, _U_N_ERRANDS], tp.errand_rate, MAX_ERRANDS)
    dur = np.full(len(rows), tp.errand_duration_min * 60)
    span = np.maximum(leave - arrive - H - dur, 0)
    if tp.errand_scope == "own_buildings":
        cands, w = building_candidates(dest, building, inst)
    else:
        cands, w = venue_candidates(dest, home, inst, tp.errand_kinds, tp.errand_scope)
    for j in range(MAX_ERRANDS):
        col = 1 + MAX_COFFEE + j
        t = arrive + 0.5 * H + u[:, _U_ERRAND_T + j] * span
        active = count > j
        if tp.errand_scope == "own_buildings":
            pick = choose(np.broadcast_to(w, (len(rows), len(w))), u[:, _U_ERRAND_DEST + j])
            ok = active & (pick >= 0)
            r = rows[ok]
            slots.want[r, col] = t[ok]
            slots.dur[r, col] = dur[ok]
            slots.site[r, col] = cands[pick[ok]]  # building index == building site
            continue
        pick = choose(_open_weights(dest, cands, w, t, dur), u[:, _U_ERRAND_DEST + j])
        venue = np.where(pick >= 0, cands[np.maximum(pick, 0)] if len(cands) else -1, -1)
        # Lectures and seminars begin at a quarter past the hour (the academic quarter).
        scheduled = (venue >= 0) & np.isin(dest.venue_kind[np.maximum(venue, 0)], _SCHEDULED_KINDS)
        t = np.where(scheduled, np.round((t - 900) / H) * H + 900, t)
        _set_venue_slot(slots, rows, col, dest, venue, t, dur, active)


def _resolve_timeline(
    slots: _Slots, routes: RouteTable, dest: Destinations, agents: np.ndarray, home: int,
    k: np.ndarray, speed: np.ndarray, arrive: np.ndarray, leave: np.ndarray,
    u_zone: np.ndarray, out: dict[str, list[np.ndarray]],
) -> None:
    """Walk each person's activities in time order, pushing or dropping collisions."""
    order = np.argsort(slots.want, axis=1, kind="stable")
    take = np.take_along_axis
    want, dur = take(slots.want, order, 1), take(slots.dur, order, 1)
    site, skind = take(slots.site, order, 1), take(slots.stay_kind, order, 1)
    splace = take(slots.stay_place, order, 1)
    free_at = arrive.copy()
    for j in range(N_SLOTS):
        active = np.isfinite(want[:, j])
        s = np.where(active, site[:, j], home)
        r_go = routes.route_id(k, home, s)
        r_back = routes.route_id(k, s, home)
        go_s = routes.length[r_go] / speed
        depart = np.maximum(want[:, j] - go_s, free_at)
        there = depart + go_s
        done = there + dur[:, j]
        back = done + routes.length[r_back] / speed
        venue = skind[:, j] == PLACE_VENUE
        v = np.maximum(splace[:, j], 0)
        in_hours = ~venue | (
            (dest.venue_open[v] <= there) & (done <= dest.venue_close[v]) if len(dest.venue_open)
            else False
        )
        ok = active & in_hours & (back <= leave)
        free_at = np.where(ok, back + _GAP_S, free_at)
        walks = ok & (s != home)
        _emit_trips(out, agents[walks], r_go[walks], depart[walks])
        _emit_trips(out, agents[walks], r_back[walks], done[walks])
        stays = ok & (skind[:, j] >= 0)
        mingle = np.where(venue, dest.venue_mingle_s[v], np.inf) if len(dest.venue_open) else np.inf
        out["stay_agent"].append(agents[stays])
        out["stay_kind"].append(skind[stays, j].astype(np.int8))
        out["stay_place"].append(splace[stays, j].astype(np.int32))
        zones = np.ones(len(agents), np.int64)
        zones[venue] = dest.venue_zones[v[venue]]
        space = skind[:, j] == PLACE_SPACE
        zones[space] = dest.space_zones[splace[space, j]]
        out["stay_zone"].append((u_zone[:, j] * zones).astype(np.int64)[stays])
        out["stay_start"].append(there[stays])
        out["stay_end"].append(np.minimum(done, there + mingle)[stays])


def _emit_trips(
    out: dict[str, list[np.ndarray]], agents: np.ndarray, route: np.ndarray, depart: np.ndarray
) -> None:
    out["trip_agent"].append(agents.astype(np.int32))
    out["trip_route"].append(np.asarray(route, np.int64))
    out["trip_depart"].append(np.asarray(depart, np.float64))
