"""Day plans: when each person arrives, where they go during the day, when they leave.

A plan is built per (building, agent type) group, vectorised over its members, from
random streams named by seed, (day,) building and type: each person's habits, fixed
across days, mixed with the day's own draws (see :func:`_draws`). Each member draws a fixed block of
random numbers whose columns have fixed meanings, so the same person gets the same
times and the same uniforms for destination choice in any layout that keeps their
building (common random numbers).

A day: arrival through a gateway; up to ten activities, each a round trip from the
home building (lunch; coffee breaks; the type's errands: lectures, seminars, shared labs,
moves between hospital buildings; up to two optional stays, see :func:`_plan_optional`);
departure through the same gateway. Activities that collide are pushed later; those that
no longer fit before departure, or fall outside a venue's opening hours, are dropped (the
person stays at their desk). Last, venue capacities are enforced
(:mod:`sim.population.capacity`).

Optional stays draw their random numbers from streams of their own (``optional-…``) and
keyed hashes, so adding them left every other draw as it was.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim.compiled import AVAILABLE
from sim.layout.schema import Layout
from sim.network.routing import RouteTable, Sites
from sim.params import (
    AGENT_TYPES,
    PLACE_SPACE,
    PLACE_VENUE,
    VENUE_KINDS,
    AgentTypeParams,
)
from sim.population import timeline
from sim.population.capacity import enforce_capacity
from sim.population.destinations import (
    COFFEE_KINDS,
    LUNCH_KINDS,
    Destinations,
    building_candidates,
    choose_fixed,
    choose_open,
    choose_optional,
    space_candidates,
    venue_candidates,
)
from sim.population.population import Group, Population
from sim.rng import hash_key, key_uniform, mix_key, stable_key, stream

H = 3600.0
MAX_COFFEE, MAX_ERRANDS, MAX_OPTIONAL = 3, 4, 2
_N_MAIN_SLOTS = 1 + MAX_COFFEE + MAX_ERRANDS
N_SLOTS = _N_MAIN_SLOTS + MAX_OPTIONAL  # lunch, 3 coffee breaks, 4 errands, 2 optional
OPTIONAL_SLOT = _N_MAIN_SLOTS
"""First slot of the optional stays; slots from here on are optional."""
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
# Columns 25-32 and optional columns 6-7 once drew greeting zones in rooms; they are
# still drawn, unused, so that every other draw stays as it was.
_N_UNIFORMS = 25 + _N_MAIN_SLOTS
# Columns of the optional draws (a stream of their own), one per optional slot each.
_O_GO, _O_T, _O_DUR, _O_HABIT = 0, 2, 4, 8
_N_OPTIONAL_UNIFORMS = 10
_OPTIONAL_SHARE = (0.3, 0.4)
"""An optional stay lasts budget × U(0.3, 0.7); the two together never exceed the budget."""
_HABIT_DAY = 0xFFFFFFFF
"""Stands for "every day" in the key of a habitual choice."""
_CHOICE_TAG = stable_key("optional-choice")


@dataclass
class DayPlan:
    """Walks and stays of every person on one day.

    Trips: agent ``trip_agent`` leaves at ``trip_depart`` (s since midnight) along route
    ``trip_route`` of the :class:`RouteTable`. Stays: agent ``stay_agent`` is in place
    ``(stay_kind, stay_place)`` (place codes of :mod:`sim.params`) from
    ``stay_start`` to ``stay_end`` (for lecture halls and meeting rooms, only the first
    minutes while the session gathers, see ``model.session_mingle_min``). Stays of kind
    ``edge`` are lingering on a street segment (optional stays).

    Also, per stay: ``stay_until`` when the person leaves the place (``stay_end`` is
    when contacts there stop counting; it is earlier in sessions), ``stay_optional``
    whether it is an optional stay, ``stay_slot`` the activity slot it fills (0 lunch,
    1–3 coffee, 4–7 errands, 8–9 optional) and ``stay_back_trip`` the index of the trip
    home from it (-1 for a venue in the person's own building).
    """

    trip_agent: np.ndarray
    trip_route: np.ndarray
    trip_depart: np.ndarray
    stay_agent: np.ndarray
    stay_kind: np.ndarray
    stay_place: np.ndarray
    stay_start: np.ndarray
    stay_end: np.ndarray
    stay_until: np.ndarray = field(default_factory=lambda: np.zeros(0))
    stay_optional: np.ndarray = field(default_factory=lambda: np.zeros(0, np.bool_))
    stay_slot: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int8))
    stay_back_trip: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))

    def __post_init__(self) -> None:
        # Plans written by hand (tests, the engine's checks) may leave these out.
        n = self.stay_agent.shape[0]
        if self.stay_until.shape[0] != n:
            self.stay_until = np.asarray(self.stay_end, np.float64).copy()
        if self.stay_optional.shape[0] != n:
            self.stay_optional = np.zeros(n, np.bool_)
        if self.stay_slot.shape[0] != n:
            self.stay_slot = np.full(n, -1, np.int8)
        if self.stay_back_trip.shape[0] != n:
            self.stay_back_trip = np.full(n, -1, np.int64)


class _Collector:
    """The day's trips and stays as lists of array parts, counting trips as they come."""

    def __init__(self) -> None:
        self.parts: dict[str, list[np.ndarray]] = {f: [] for f in DayPlan.__dataclass_fields__}
        self.n_trips = 0

    def trips(self, agents: np.ndarray, route: np.ndarray, depart: np.ndarray) -> None:
        self.parts["trip_agent"].append(agents.astype(np.int32))
        self.parts["trip_route"].append(np.asarray(route, np.int64))
        self.parts["trip_depart"].append(np.asarray(depart, np.float64))
        self.n_trips += int(agents.shape[0])

    def plan(self) -> DayPlan:
        return DayPlan(
            **{
                k: np.concatenate(v) if v else np.zeros(0, _DTYPES[k])
                for k, v in self.parts.items()
            }
        )


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
    """Draw everybody's plan for ``day`` (0-based), venue capacities enforced."""
    out = _Collector()
    building_ids = list(layout.buildings)
    for g in pop.groups:
        t = AGENT_TYPES[g.type_code]
        tp = layout.params.agent(t)
        z, u = _draws(seed, day, building_ids[g.building], t, g.size, tp.routine)
        _, uo = _draws(
            seed, day, building_ids[g.building], t, g.size, tp.routine,
            n_uniforms=_N_OPTIONAL_UNIFORMS, purpose="optional-",
        )
        _plan_group(layout, pop, g, tp, sites, routes, dest, z, u, uo, seed, day, out)
    return enforce_capacity(out.plan(), pop, routes, dest, seed, day)


_DTYPES = {
    "trip_agent": np.int32,
    "trip_route": np.int64,
    "trip_depart": np.float64,
    "stay_agent": np.int32,
    "stay_kind": np.int8,
    "stay_place": np.int32,
    "stay_start": np.float64,
    "stay_end": np.float64,
    "stay_until": np.float64,
    "stay_optional": np.bool_,
    "stay_slot": np.int8,
    "stay_back_trip": np.int64,
}


def _draws(
    seed: int, day: int, building: str, agent_type: str, n: int, routine: float,
    n_uniforms: int = _N_UNIFORMS, purpose: str = "",
) -> tuple[np.ndarray, np.ndarray]:
    """The day's normal and uniform draws of a group, mixed with each person's habits.

    Each person has fixed habitual draws (same every day). Each uniform is the habitual
    one with probability ``routine`` and a fresh one otherwise; the normals (arrival,
    hours, lunch time) are correlated across days with correlation ``routine``. So
    people keep to their usual café, gateway and times most days, and pairs who met
    yesterday tend to cross paths again. ``purpose`` prefixes the stream names, so a
    new purpose gets streams of its own and leaves the others' draws unchanged.
    """
    habit = stream(seed, f"{purpose}habits", building, agent_type)
    z_habit = habit.standard_normal((n, 3))
    u_habit = habit.random((n, n_uniforms))
    today = stream(seed, f"{purpose}day", day, building, agent_type)
    z_day = today.standard_normal((n, 3))
    u_day = today.random((n, n_uniforms))
    keep_habit = today.random((n, n_uniforms)) < routine
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
    uo: np.ndarray,
    seed: int,
    day: int,
    out: _Collector,
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
    out.trips(agents, r_in, arrive - routes.length[r_in] / speed)
    out.trips(agents, r_out, leave)

    slots = _Slots.empty(n)
    inst = pop.institution[g.start : g.stop]
    lunch_t = tp.lunch_mean_h * H + tp.lunch_sd_min * 60 * z[:, 2]
    choice_key = _choice_keys(seed, day, pop.uid[g.start : g.stop], uo, tp.routine)
    for i in np.unique(inst):
        rows = np.flatnonzero(inst == i)
        _plan_lunch(tp, dest, home, int(i), z[rows], u[rows], slots, rows)
        _plan_coffee(tp, dest, home, int(i), arrive[rows], leave[rows], u[rows], slots, rows)
        _plan_errands(
            tp, dest, g.building, home, int(i), arrive[rows], leave[rows], u[rows], slots, rows
        )
        _plan_optional(
            layout, tp, dest, home, int(i), lunch_t[rows], arrive[rows], leave[rows],
            uo[rows], choice_key[rows], slots, rows,
        )
    _resolve_timeline(slots, routes, dest, agents, home, k, speed, arrive, leave, out)


def _gateway_sites(
    layout: Layout, sites: Sites, dest: Destinations, home: int, u: np.ndarray
) -> np.ndarray:
    decay = layout.params.model.gateway_decay_m
    g_sites = np.array([sites.gateway_site(j) for j in range(len(layout.gateways))])
    share = np.array([gw.share for gw in layout.gateways.values()])
    w = share * np.exp(-dest.site_distance[g_sites, home] / decay)
    pick = choose_fixed(w, u)
    return g_sites[np.maximum(pick, 0)]


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
    pick = choose_open(dest, venues, w, t, dur, u[:, _U_LUNCH_DEST])
    venue = np.where(pick >= 0, venues[np.maximum(pick, 0)] if len(venues) else -1, -1)
    _set_venue_slot(slots, rows, 0, dest, venue, t, dur, goes_out & ~outdoor)
    spaces, sw = space_candidates(dest, home)
    if len(spaces) == 0:
        return
    s_pick = choose_fixed(sw, u[:, _U_LUNCH_DEST])
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
        pick = choose_open(dest, venues, w, t, dur, u[:, _U_COFFEE_DEST + j])
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
            pick = choose_fixed(w, u[:, _U_ERRAND_DEST + j])
            ok = active & (pick >= 0)
            r = rows[ok]
            slots.want[r, col] = t[ok]
            slots.dur[r, col] = dur[ok]
            slots.site[r, col] = cands[pick[ok]]  # building index == building site
            continue
        pick = choose_open(dest, cands, w, t, dur, u[:, _U_ERRAND_DEST + j])
        venue = np.where(pick >= 0, cands[np.maximum(pick, 0)] if len(cands) else -1, -1)
        # Lectures and seminars begin at a quarter past the hour (the academic quarter).
        scheduled = (venue >= 0) & np.isin(dest.venue_kind[np.maximum(venue, 0)], _SCHEDULED_KINDS)
        t = np.where(scheduled, np.round((t - 900) / H) * H + 900, t)
        _set_venue_slot(slots, rows, col, dest, venue, t, dur, active)


def _choice_keys(
    seed: int, day: int, uid: np.ndarray, uo: np.ndarray, routine: float
) -> np.ndarray:
    """(n, MAX_OPTIONAL) hashes keying each person's choice among optional places.

    With probability ``routine`` the choice is the habitual one (the key has no day),
    so people keep to their usual spot most days.
    """
    slots = np.arange(MAX_OPTIONAL, dtype=np.uint64)[None, :]
    habitual = uo[:, _O_HABIT : _O_HABIT + MAX_OPTIONAL] < routine
    when = np.where(habitual, np.uint64(_HABIT_DAY), np.uint64(day))
    return hash_key(seed, _CHOICE_TAG, uid[:, None], slots, when)


def optional_weights(
    layout: Layout, dest: Destinations, home: int, institution: int
) -> np.ndarray:
    """Appeal of every place on offer (:class:`OptionalPlaces` rows) to one person.

    Quality × ``exp(−d / optional_decay_m)``, ``d`` the walk from home; 0 for venues
    the person may not enter.
    """
    op = dest.optional
    d = dest.site_distance[home, op.site] + op.extra_m
    w = op.quality * np.exp(-d / layout.params.model.optional_decay_m)
    is_venue = op.venue >= 0
    if is_venue.any():
        v = op.venue[is_venue]
        member = np.array([institution in dest.venue_members[j] for j in v], bool)
        w[is_venue] *= dest.venue_public[v] | member
    return w


def _plan_optional(
    layout: Layout, tp: AgentTypeParams, dest: Destinations, home: int, inst: int,
    lunch_t: np.ndarray, arrive: np.ndarray, leave: np.ndarray, uo: np.ndarray,
    choice_key: np.ndarray, slots: _Slots, rows: np.ndarray,
) -> None:
    """Up to two optional stays: after lunch, and at any time of the working day.

    Whether one happens depends on what is on offer: with ``S`` the summed appeal of
    the places open for it and ``S0 = optional_reluctance``, the person goes with
    probability ``S / (S + S0)`` (a logit choice with staying in as the outside
    option). A better or an extra place raises ``S`` and so *adds* stays; it also draws
    some from other places. Where to go: the place of greatest
    ``log appeal + Gumbel noise``, the noise a keyed hash of person, slot and place, so
    a new place changes the choice only of the people it wins (common random numbers).
    The stays' lengths come out of the person's ``optional_budget_min``.
    """
    op = dest.optional
    budget = tp.optional_budget_min * 60.0
    if len(op) == 0 or budget <= 0 or len(rows) == 0:
        return
    w = optional_weights(layout, dest, home, inst)
    s0 = layout.params.model.optional_reluctance
    lo, width = _OPTIONAL_SHARE
    used = np.zeros(len(rows))
    span = np.maximum(leave - arrive - H, 0)
    for j in range(MAX_OPTIONAL):
        if j == 0:
            # After lunch: a coffee, a bench in the sun (collides with lunch, so it is
            # pushed to after it when the person ate out).
            t = lunch_t + (20 + 60 * uo[:, _O_T]) * 60
        else:
            t = arrive + 0.5 * H + uo[:, _O_T + j] * span
        dur = np.minimum(budget * (lo + width * uo[:, _O_DUR + j]), budget - used)
        gi, pick = _optional_picks(dest, w, s0, t, dur, uo[:, _O_GO + j], choice_key[:, j])
        if not gi.shape[0]:
            continue
        r = rows[gi]
        col = OPTIONAL_SLOT + j
        slots.want[r, col] = t[gi]
        slots.dur[r, col] = dur[gi]
        slots.site[r, col] = op.site[pick]
        slots.stay_kind[r, col] = op.kind[pick]
        slots.stay_place[r, col] = op.place[pick]
        used[gi] += dur[gi]


def _optional_picks(
    dest: Destinations, w: np.ndarray, s0: float, t: np.ndarray, dur: np.ndarray,
    go_u: np.ndarray, choice_key: np.ndarray, compiled: bool | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """The rows that take an optional stay at ``[t, t + dur]`` and the place each picks
    (:func:`_plan_optional`'s rule). ``compiled``: the loop of
    :func:`sim.population.destinations.choose_optional` (``None``: when numba is
    installed) or the numpy steps below; both give the same picks."""
    op = dest.optional
    with np.errstate(divide="ignore"):
        log_w = np.log(w)
    if AVAILABLE if compiled is None else compiled:
        picked = choose_optional(w, log_w, op.venue, dest.venue_open, dest.venue_close,
                                 op.key, t, dur, go_u, choice_key, s0)  # fmt: skip
        gi = np.flatnonzero(picked >= 0)
        return gi, picked[gi]
    v = np.maximum(op.venue, 0)
    is_open = np.where(
        op.venue[None, :] >= 0,
        (dest.venue_open[v][None, :] <= t[:, None])
        & (t[:, None] + dur[:, None] <= dest.venue_close[v][None, :]),
        True,
    ) if len(dest.venue_open) else np.ones((t.shape[0], len(op)), bool)
    wj = w[None, :] * is_open
    total = wj.sum(axis=1)
    gi = np.flatnonzero((dur > 0) & (go_u * (total + s0) < total))
    noise = key_uniform(mix_key(choice_key[gi][:, None], op.key[None, :]))
    with np.errstate(divide="ignore"):
        score = np.log(wj[gi]) - np.log(-np.log(np.maximum(noise, 1e-300)))
    return gi, np.argmax(score, axis=1)


def _resolve_timeline(
    slots: _Slots, routes: RouteTable, dest: Destinations, agents: np.ndarray, home: int,
    k: np.ndarray, speed: np.ndarray, arrive: np.ndarray, leave: np.ndarray,
    out: _Collector, compiled: bool | None = None,
) -> None:
    """Walk each person's activities in time order, pushing or dropping collisions.

    ``compiled``: the loop of :func:`sim.population.timeline.resolve` (``None``: when
    numba is installed) or the numpy steps below; both give the same plan.
    """
    if AVAILABLE if compiled is None else compiled:
        columns = timeline.resolve(
            slots.want, slots.dur, slots.site, slots.stay_kind, slots.stay_place, agents,
            int(home), k, speed, arrive, leave, routes.length, int(routes.n_sites),
            dest.venue_open, dest.venue_close, dest.venue_mingle_s, int(PLACE_VENUE),
            int(OPTIONAL_SLOT), float(_GAP_S), int(out.n_trips),
        )  # fmt: skip
        out.trips(*columns[:3])
        for name, column in zip(_STAY_FIELDS, columns[3:], strict=True):
            out.parts[name].append(column)
        return
    order = np.argsort(slots.want, axis=1, kind="stable")
    take = np.take_along_axis
    want, dur = take(slots.want, order, 1), take(slots.dur, order, 1)
    site, skind = take(slots.site, order, 1), take(slots.stay_kind, order, 1)
    splace = take(slots.stay_place, order, 1)
    free_at = arrive.copy()
    parts = out.parts
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
        v = np.where(venue, splace[:, j], 0)
        in_hours = ~venue | (
            (dest.venue_open[v] <= there) & (done <= dest.venue_close[v]) if len(dest.venue_open)
            else False
        )
        ok = active & in_hours & (back <= leave)
        free_at = np.where(ok, back + _GAP_S, free_at)
        walks = ok & (s != home)
        n_walks = int(walks.sum())
        out.trips(agents[walks], r_go[walks], depart[walks])
        back_trip = np.full(len(agents), -1, np.int64)
        back_trip[walks] = out.n_trips + np.arange(n_walks)
        out.trips(agents[walks], r_back[walks], done[walks])
        stays = ok & (skind[:, j] >= 0)
        mingle = np.where(venue, dest.venue_mingle_s[v], np.inf) if len(dest.venue_open) else np.inf
        parts["stay_agent"].append(agents[stays])
        parts["stay_kind"].append(skind[stays, j].astype(np.int8))
        parts["stay_place"].append(splace[stays, j].astype(np.int32))
        parts["stay_start"].append(there[stays])
        parts["stay_end"].append(np.minimum(done, there + mingle)[stays])
        parts["stay_until"].append(done[stays])
        slot = order[:, j]
        parts["stay_optional"].append(slot[stays] >= OPTIONAL_SLOT)
        parts["stay_slot"].append(slot[stays].astype(np.int8))
        parts["stay_back_trip"].append(back_trip[stays])


_STAY_FIELDS = ("stay_agent", "stay_kind", "stay_place", "stay_start", "stay_end",
                "stay_until", "stay_optional", "stay_slot", "stay_back_trip")  # fmt: skip
