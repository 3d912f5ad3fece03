"""Venue capacity: no venue ever holds more people at once than its ``capacity``.

The day's plans are drawn first; then, at every venue whose planned occupancy would
exceed its capacity, arrivals are admitted in time order while there is room. At a
café, canteen, lab or showroom (not a session, which starts at a set time) someone who
finds every seat taken waits in the queue for the next free one if it frees within
``model.seat_wait_min`` and still leaves them at least :data:`MIN_SHARE` of their stay; they
leave when they planned to, so the wait comes out of the stay. Someone who would wait
longer goes on at once to their next choice — another open venue they may enter for
the same activity (for lunch, a canteen or a café; otherwise the same kind), drawn with
the usual appeal (capacity × distance decay from their building) — or, if none is left
that still fits before they were due back, walks back to their desk. They keep their
time budget: the stay at the next choice ends so that they are back when they would
have been. Admission is then run again with the people sent on (who may take a place
someone later had), up to ``MAX_ATTEMPTS`` rounds; whoever is still turned away in the
last round goes back to their desk, so the rule holds at every venue.

Next choices use keyed hashes of person, slot, attempt and venue (``sim.rng``), never
the order of draws.
"""

from __future__ import annotations

from dataclasses import fields, replace
from typing import TYPE_CHECKING

import numpy as np

from sim.compiled import AVAILABLE, jit
from sim.network.routing import RouteTable
from sim.network.shortest import heap_pop, heap_push
from sim.params import PLACE_VENUE, VENUE_KINDS
from sim.population.destinations import LUNCH_KINDS, Destinations, gumbel_score
from sim.population.population import Population
from sim.rng import hash_key, key_uniform, mix_key, stable_key

if TYPE_CHECKING:
    from sim.population.schedules import DayPlan

MAX_ATTEMPTS = 2
"""Venues a person tries for one activity (the first choice and one more) before giving up."""
MIN_SHARE = 0.5
"""A wait or a next choice must still allow at least this share of the planned stay."""
_LUNCH_SLOT = 0  # the slot of lunch in a day plan (sim.population.schedules)
_LUNCH_CODES = np.array([VENUE_KINDS.index(k) for k in LUNCH_KINDS])
_TAG = stable_key("capacity-next-choice")


def peak_occupancy(
    place: np.ndarray, start: np.ndarray, until: np.ndarray, n_places: int
) -> np.ndarray:
    """Most people present at once at each place (stays ``[start, until)``)."""
    peak = np.zeros(n_places, np.int64)
    if place.shape[0] == 0:
        return peak
    # Every event in time order; at equal times departures go before arrivals, so one
    # count per place, raised at arrivals, gives each place's peak (back-to-back stays
    # do not overlap).
    t = np.concatenate([until, start])
    order = np.argsort(t)
    group = np.concatenate([place, place]).astype(np.int64)
    return _running_peak(t[order], group[order], order >= place.shape[0], peak)


@jit
def _running_peak(
    t: np.ndarray, group: np.ndarray, arrival: np.ndarray, peak: np.ndarray
) -> np.ndarray:
    """Fill ``peak`` with the largest count per group over the events (sorted by ``t``),
    taking the departures of each run of equal times before its arrivals."""
    now = np.zeros(peak.shape[0], np.int64)
    n = t.shape[0]
    lo = 0
    while lo < n:
        hi = lo + 1
        while hi < n and t[hi] == t[lo]:
            hi += 1
        for k in range(lo, hi):
            if not arrival[k]:
                now[group[k]] -= 1
        for k in range(lo, hi):
            if arrival[k]:
                g = group[k]
                now[g] += 1
                peak[g] = max(peak[g], now[g])
        lo = hi
    return peak


@jit
def _admit(start: np.ndarray, until: np.ndarray, capacity: int, wait_s: float) -> np.ndarray:
    """When each arrival gets a seat at one venue, first come first served; NaN if never.

    Arrays are sorted by ``start``. An arrival who finds the venue full takes the first
    seat to free up (the queue is served in order of arrival) if that is within
    ``wait_s`` and leaves at least :data:`MIN_SHARE` of the stay. Compiled when numba is
    installed (a loop over every arrival at a full venue).
    """
    at = np.full(start.shape[0], np.nan)
    # When each taken seat frees up: a min-heap of times (no tie-breaking or payload
    # needed: equal times are interchangeable).
    free = np.empty(max(capacity, 1))
    zero = np.zeros(free.shape[0], np.int64)
    taken = 0
    for i in range(start.shape[0]):
        t, end = start[i], until[i]
        while taken and free[0] <= t:
            _, _, taken = heap_pop(free, zero, zero, taken)
        if taken < capacity:
            taken = heap_push(free, zero, zero, taken, end, 0, 0)
            at[i] = t
        elif free[0] <= t + wait_s and end - free[0] >= MIN_SHARE * (end - t):
            # Every seat is taken until at least free[0]; earlier arrivals already took
            # the seats that freed before it, so this is the queue's next seat.
            at[i], _, taken = heap_pop(free, zero, zero, taken)
            taken = heap_push(free, zero, zero, taken, end, 0, 0)
    return at


def _admission(
    venue: np.ndarray, start: np.ndarray, until: np.ndarray, capacity: np.ndarray,
    wait_s: np.ndarray, only: np.ndarray | None = None, peak: np.ndarray | None = None,
) -> np.ndarray:
    """When each stay is admitted (``start`` where there is room, NaN if turned away).

    Only venues whose peak would exceed capacity are queued. ``wait_s``: per venue, the
    longest wait for a seat (:func:`_admit`); ``only``: the venues to look at (a bool
    mask); elsewhere everyone is admitted on arrival. ``peak``: the venues' peaks of
    these stays, where the caller has them already (for all venues, with ``only``
    ``None``).
    """
    at = start.astype(float, copy=True)
    look = np.ones(capacity.shape[0], bool) if only is None else only
    if peak is None:
        sel = look[venue]
        peak = peak_occupancy(venue[sel], start[sel], until[sel], capacity.shape[0])
    over = np.flatnonzero((peak > capacity) & look)
    if not over.shape[0]:
        return at
    # The stays at full venues by venue, then by arrival, ties in row order (as a
    # stable sort of each venue's stays): one sort instead of a scan of all stays per
    # full venue (a hundred of them at 100,000 people).
    queued = np.flatnonzero(np.isin(venue, over))
    queued = queued[np.lexsort((start[queued], venue[queued]))]
    edges = [*np.searchsorted(venue[queued], over).tolist(), queued.shape[0]]
    for k, v in enumerate(over.tolist()):
        rows = queued[edges[k] : edges[k + 1]]
        at[rows] = _admit(start[rows], until[rows], int(capacity[v]), float(wait_s[v]))
    return at


def _members(dest: Destinations, n_institutions: int) -> np.ndarray:
    """(institutions, venues): who may enter which venue."""
    m = np.zeros((n_institutions, dest.venue_capacity.shape[0]), bool)
    for v, inst in enumerate(dest.venue_members):
        m[list(inst), v] = True
    return m | dest.venue_public[None, :]


def _next_choices(
    rows: np.ndarray, here: np.ndarray, t: np.ndarray, tried: np.ndarray, attempt: np.ndarray,
    plan: DayPlan, pop: Population, routes: RouteTable, dest: Destinations, seed: int, day: int,
    compiled: bool | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Next venue, arrival and end for the stays ``rows`` turned away at site ``here`` at ``t``.

    Candidates: venues for the same activity (for lunch any canteen or café, otherwise
    the first choice's kind), not yet tried, that the person may enter, open for the
    whole stay, where at least :data:`MIN_SHARE` of the planned stay fits before the
    person is due back. Chosen by appeal with keyed Gumbel noise. ``compiled``: the
    loop of :func:`_choose_next` (``None``: when numba is installed; tens of thousands
    of people are turned away at 100,000 people) or the numpy steps below; both give
    the same choices.
    """
    a = plan.stay_agent[rows]
    k = pop.profile[a].astype(np.int64)
    speed = pop.speed[a]
    home = pop.building[a].astype(np.int64)
    first = tried[:, 0]
    dur = plan.stay_until[rows] - plan.stay_start[rows]
    due = plan.stay_until[rows] + routes.length[
        routes.route_id(k, dest.venue_site[first], home)] / speed
    access = _members(dest, int(pop.institution.max(initial=0)) + 1)
    out_v = np.full(rows.shape[0], -1, np.int64)
    out_t = np.zeros(rows.shape[0])
    out_end = np.zeros(rows.shape[0])
    base = hash_key(seed, _TAG, day, pop.uid[a], plan.stay_slot[rows].astype(np.int64), attempt)
    # Activity groups: one per venue kind, and lunch (-1), which any lunch venue serves.
    lunch = (plan.stay_slot[rows] == _LUNCH_SLOT) & np.isin(dest.venue_kind[first], _LUNCH_CODES)
    group = np.where(lunch, -1, dest.venue_kind[first].astype(np.int64))
    if AVAILABLE if compiled is None else compiled:
        # The appeal and its log per home building and venue, in numpy (the same
        # elementwise operations as below), so the loop takes no exp of its own.
        homes = np.arange(int(home.max(initial=0)) + 1)
        with np.errstate(divide="ignore"):
            log_appeal = np.log(dest.venue_capacity[None, :] * np.exp(
                -dest.site_distance[homes[:, None], dest.venue_site[None, :].astype(np.int64)]
                / dest.venue_decay_m))  # fmt: skip
        is_lunch = np.isin(dest.venue_kind, _LUNCH_CODES)
        _choose_next(group, k, speed, home, here, t, dur, due, tried,
                     pop.institution[a].astype(np.int64), base, access, log_appeal,
                     dest.venue_kind.astype(np.int64), is_lunch,
                     dest.venue_site.astype(np.int64), dest.venue_open, dest.venue_close,
                     dest.venue_key.astype(np.uint64), routes.length, int(routes.n_sites),
                     out_v, out_t, out_end)  # fmt: skip
        return out_v, out_t, out_end
    for g in np.unique(group):
        sel = np.flatnonzero(group == g)
        cand = np.flatnonzero(
            np.isin(dest.venue_kind, _LUNCH_CODES) if g < 0 else dest.venue_kind == g
        )
        site = dest.venue_site[cand].astype(np.int64)
        walk = routes.length[routes.route_id(k[sel, None], here[sel, None], site[None, :])]
        arrive = t[sel, None] + walk / speed[sel, None]
        back = routes.length[routes.route_id(k[sel, None], site[None, :], home[sel, None])]
        end = np.minimum(arrive + dur[sel, None], due[sel, None] - back / speed[sel, None])
        ok = (
            access[pop.institution[a[sel]][:, None], cand[None, :]]
            & ~(cand[None, :, None] == tried[sel][:, None, :]).any(axis=2)
            & (end - arrive >= MIN_SHARE * dur[sel, None])
            & (dest.venue_open[cand][None, :] <= arrive)
            & (end <= dest.venue_close[cand][None, :])
        )
        appeal = dest.venue_capacity[cand][None, :] * np.exp(
            -dest.site_distance[home[sel][:, None], site[None, :]] / dest.venue_decay_m
        )
        u = key_uniform(mix_key(base[sel][:, None], dest.venue_key[cand][None, :]))
        with np.errstate(divide="ignore"):
            score = np.where(
                ok, np.log(appeal) - np.log(-np.log(np.maximum(u, 1e-300))), -np.inf
            )
        pick = np.argmax(score, axis=1) if cand.shape[0] else np.zeros(sel.shape[0], np.int64)
        found = np.isfinite(score[np.arange(sel.shape[0]), pick]) if cand.shape[0] else pick > 0
        r = sel[found]
        out_v[r] = cand[pick[found]]
        out_t[r] = arrive[found, pick[found]]
        out_end[r] = end[found, pick[found]]
    return out_v, out_t, out_end


@jit
def _choose_next(
    group: np.ndarray, k: np.ndarray, speed: np.ndarray, home: np.ndarray, here: np.ndarray,
    t: np.ndarray, dur: np.ndarray, due: np.ndarray, tried: np.ndarray, inst: np.ndarray,
    base: np.ndarray, access: np.ndarray, log_appeal: np.ndarray, kind: np.ndarray,
    is_lunch: np.ndarray, site: np.ndarray, open_s: np.ndarray, close_s: np.ndarray,
    venue_key: np.ndarray, route_length: np.ndarray, n_sites: int, out_v: np.ndarray,
    out_t: np.ndarray, out_end: np.ndarray,
) -> None:
    """:func:`_next_choices`' choice as one loop over people and venues (venues in index
    order, the first of equal scores kept, as ``argmax``); fills ``out_*`` where a
    venue is found."""
    for r in range(group.shape[0]):
        best = -np.inf
        pick = -1
        arrive_at = 0.0
        end_at = 0.0
        for v in range(kind.shape[0]):
            if not (is_lunch[v] if group[r] < 0 else kind[v] == group[r]):
                continue
            walk = route_length[(k[r] * n_sites + here[r]) * n_sites + site[v]]
            arrive = t[r] + walk / speed[r]
            back = route_length[(k[r] * n_sites + site[v]) * n_sites + home[r]]
            end = min(arrive + dur[r], due[r] - back / speed[r])
            ok = access[inst[r], v] and end - arrive >= MIN_SHARE * dur[r]
            ok = ok and open_s[v] <= arrive and end <= close_s[v]
            for j in range(tried.shape[1]):
                ok = ok and tried[r, j] != v
            if not ok:
                continue
            score = gumbel_score(log_appeal[home[r], v], base[r], venue_key[v])
            if score > best:
                best, pick, arrive_at, end_at = score, v, arrive, end
        if pick >= 0 and np.isfinite(best):
            out_v[r], out_t[r], out_end[r] = pick, arrive_at, end_at


def enforce_capacity(
    plan: DayPlan, pop: Population, routes: RouteTable, dest: Destinations, seed: int, day: int
) -> DayPlan:
    """The plan with every venue's occupancy at or below its capacity (see module doc)."""
    vs = np.flatnonzero(plan.stay_kind == PLACE_VENUE)
    cap = dest.venue_capacity.astype(np.int64)
    if cap.shape[0] == 0 or vs.shape[0] == 0:
        return plan
    venue = plan.stay_place[vs].astype(np.int64)
    start, until = plan.stay_start[vs].copy(), plan.stay_until[vs].copy()
    peak = peak_occupancy(venue, start, until, cap.shape[0])
    if not (peak > cap).any():
        return plan
    n = vs.shape[0]
    tried = np.full((n, MAX_ATTEMPTS), -1, np.int64)
    tried[:, 0] = venue
    arrivals = np.full((n, MAX_ATTEMPTS), np.nan)
    arrivals[:, 0] = start
    n_tried = np.ones(n, np.int64)
    alive = np.ones(n, bool)
    admit_at = start.copy()
    # After the first round only venues that received people sent on can change.
    only: np.ndarray | None = None
    for attempt in range(1, MAX_ATTEMPTS + 1):
        live = np.flatnonzero(alive)
        # The first round's stays are all of them, whose peaks are known.
        at = _admission(venue[live], start[live], until[live], cap, dest.venue_wait_s, only,
                        peak if only is None else None)  # fmt: skip
        looked = np.ones(live.shape[0], bool) if only is None else only[venue[live]]
        admit_at[live[looked]] = at[looked]
        turned = live[np.isnan(at)]
        if turned.shape[0] == 0:
            break
        if attempt == MAX_ATTEMPTS:
            alive[turned] = False
            break
        here = dest.venue_site[venue[turned]].astype(np.int64)
        nxt, t_next, end_next = _next_choices(
            vs[turned], here, start[turned], tried[turned],
            np.full(turned.shape[0], attempt), plan, pop, routes, dest, seed, day,
        )
        found = nxt >= 0
        alive[turned[~found]] = False
        # Those without a next choice stay where they were turned away (for the walk home).
        go = turned[found]
        col = n_tried[go]
        tried[go, col] = nxt[found]
        arrivals[go, col] = t_next[found]
        n_tried[go] += 1
        venue[go], start[go], until[go] = nxt[found], t_next[found], end_next[found]
        only = np.zeros(cap.shape[0], bool)
        only[nxt[found]] = True
    changed = np.flatnonzero((n_tried > 1) | ~alive | (alive & (admit_at > start)))
    return _apply(plan, vs, changed, alive, tried, arrivals, n_tried, venue, admit_at, until,
                  pop, routes, dest, seed, day)


def _apply(
    plan: DayPlan, vs: np.ndarray, changed: np.ndarray, alive: np.ndarray, tried: np.ndarray,
    arrivals: np.ndarray, n_tried: np.ndarray, venue: np.ndarray, start: np.ndarray,
    until: np.ndarray, pop: Population, routes: RouteTable, dest: Destinations, seed: int,
    day: int,
) -> DayPlan:
    """The plan with the walks on and the stays at the next choices, or the stays dropped.

    A person turned away walks on from each full venue as they reach it, and home from
    the last one: when their stay there ends, or at once if they found no room anywhere.
    The first of these walks takes the place of the planned walk home.
    """
    trip_depart = plan.trip_depart.copy()
    trip_route = plan.trip_route.copy()
    s = vs[changed]
    a = plan.stay_agent[s]
    k = pop.profile[a].astype(np.int64)
    home = pop.building[a].astype(np.int64)
    m = n_tried[changed]
    ok = alive[changed]
    bt = plan.stay_back_trip[s]
    site = dest.venue_site.astype(np.int64)
    legs_o, legs_d, legs_t, legs_first, legs_row = [], [], [], [], []
    rows = np.arange(changed.shape[0])
    for j in range(MAX_ATTEMPTS):
        onward = m > j + 1
        last = m == j + 1
        o = site[np.maximum(tried[changed, j], 0)]
        then = tried[changed, min(j + 1, MAX_ATTEMPTS - 1)]
        d = np.where(onward, site[np.maximum(then, 0)], home)
        t = np.where(onward | ~ok, arrivals[changed, j], until[changed])
        use = onward | last
        legs_o.append(o[use])
        legs_d.append(d[use])
        legs_t.append(t[use])
        legs_first.append(np.full(int(use.sum()), j == 0))
        legs_row.append(rows[use])
    lo, ld, lt = np.concatenate(legs_o), np.concatenate(legs_d), np.concatenate(legs_t)
    lfirst, lrow = np.concatenate(legs_first), np.concatenate(legs_row)
    route = routes.route_id(k[lrow], lo, ld)
    replaces = lfirst & (bt[lrow] >= 0)
    trip_route[bt[lrow[replaces]]] = route[replaces]
    trip_depart[bt[lrow[replaces]]] = lt[replaces]
    new = ~replaces & (lo != ld)
    cols = {f.name: getattr(plan, f.name).copy() for f in fields(plan)
            if f.name.startswith("stay_")}
    cols["stay_back_trip"][s] = -1
    kept = changed[ok]
    sk = vs[kept]
    v = venue[kept]
    cols["stay_place"][sk] = v
    cols["stay_start"][sk] = start[kept]
    cols["stay_until"][sk] = until[kept]
    cols["stay_end"][sk] = np.minimum(until[kept], start[kept] + dest.venue_mingle_s[v])
    keep = np.ones(plan.stay_agent.shape[0], bool)
    keep[s[~ok]] = False
    return replace(
        plan,
        trip_agent=np.concatenate([plan.trip_agent, a[lrow[new]].astype(np.int32)]),
        trip_route=np.concatenate([trip_route, route[new].astype(np.int64)]),
        trip_depart=np.concatenate([trip_depart, lt[new]]),
        **{name: col[keep] for name, col in cols.items()},
    )
