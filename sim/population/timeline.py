"""A group's day, resolved into trips and stays in one compiled pass.

:func:`sim.population.schedules.plan_day` plans up to ten activities per person, each a
round trip from the desk, and then walks each person's activities in time order:
an activity that collides with the previous one is pushed later, and one that no longer
fits before the person leaves, or falls outside its venue's hours, is dropped. The
numpy version of that walk (``schedules._resolve_timeline``) takes a step per slot over
the whole group; :func:`resolve` is the same walk as one loop per person and slot,
compiled when numba is installed. It writes the same trips and stays in the same order,
with the same bits: the same operations on the same float64 values.
"""

from __future__ import annotations

import numpy as np

from sim.compiled import jit


@jit
def _stable_order(want: np.ndarray) -> np.ndarray:
    """Per row, the columns in order of ``want``, equal values in column order (what
    ``np.argsort(want, axis=1, kind="stable")`` gives; rows are about ten long)."""
    n, m = want.shape
    order = np.empty((n, m), np.int64)
    for i in range(n):
        for j in range(m):
            c = j
            p = j - 1
            while p >= 0 and want[i, order[i, p]] > want[i, c]:
                order[i, p + 1] = order[i, p]
                p -= 1
            order[i, p + 1] = c
    return order


@jit
def resolve(
    want: np.ndarray,
    dur: np.ndarray,
    site: np.ndarray,
    stay_kind: np.ndarray,
    stay_place: np.ndarray,
    agents: np.ndarray,
    home: int,
    profile: np.ndarray,
    speed: np.ndarray,
    arrive: np.ndarray,
    leave: np.ndarray,
    route_length: np.ndarray,
    n_sites: int,
    venue_open: np.ndarray,
    venue_close: np.ndarray,
    venue_mingle: np.ndarray,
    place_venue: int,
    optional_slot: int,
    gap_s: float,
    first_trip: int,
) -> tuple[np.ndarray, ...]:
    """Walk each person's activities (rows of the ``(n, slots)`` arrays) in time order.

    Per slot of that order: every person's walk there, then every walk back, then the
    stays, people in row order (the numpy version's order). ``first_trip`` is the
    number of the day's trips before this group's, for the stays' ``back_trip``.

    Returns
    -------
    tuple of arrays
        Trips ``(agent, route, depart)`` and stays ``(agent, kind, place, start, end,
        until, optional, slot, back_trip)``.
    """
    n, m = want.shape
    order = _stable_order(want)
    has_venues = venue_open.shape[0] > 0
    trip_agent = np.empty(2 * n * m, np.int32)
    trip_route = np.empty(2 * n * m, np.int64)
    trip_depart = np.empty(2 * n * m)
    s_agent = np.empty(n * m, np.int32)
    s_kind = np.empty(n * m, np.int8)
    s_place = np.empty(n * m, np.int32)
    s_start = np.empty(n * m)
    s_end = np.empty(n * m)
    s_until = np.empty(n * m)
    s_optional = np.empty(n * m, np.bool_)
    s_slot = np.empty(n * m, np.int8)
    s_back = np.empty(n * m, np.int64)
    back_route = np.empty(n, np.int64)
    back_depart = np.empty(n)
    back_agent = np.empty(n, np.int32)
    walk_of = np.empty(n * m, np.int64)  # a stay's walk back among its slot's, or -1
    free_at = arrive.copy()
    n_trips = 0
    n_stays = 0
    for j in range(m):
        n_back = 0
        first_stay = n_stays
        for i in range(n):
            c = order[i, j]
            if not np.isfinite(want[i, c]):
                continue
            s = site[i, c]
            k = np.int64(profile[i])
            r_go = (k * n_sites + home) * n_sites + s
            r_back = (k * n_sites + s) * n_sites + home
            go_s = route_length[r_go] / speed[i]
            depart = max(want[i, c] - go_s, free_at[i])
            there = depart + go_s
            done = there + dur[i, c]
            back = done + route_length[r_back] / speed[i]
            venue = stay_kind[i, c] == place_venue
            v = stay_place[i, c] if venue else 0
            if venue:
                in_hours = has_venues and venue_open[v] <= there and done <= venue_close[v]
            else:
                in_hours = True
            if not (in_hours and back <= leave[i]):
                continue
            free_at[i] = back + gap_s
            walk = -1
            if s != home:
                trip_agent[n_trips] = agents[i]
                trip_route[n_trips] = r_go
                trip_depart[n_trips] = depart
                n_trips += 1
                back_agent[n_back] = agents[i]
                back_route[n_back] = r_back
                back_depart[n_back] = done
                walk = n_back
                n_back += 1
            if stay_kind[i, c] >= 0:
                mingle = venue_mingle[v] if venue and has_venues else np.inf
                s_agent[n_stays] = agents[i]
                s_kind[n_stays] = stay_kind[i, c]
                s_place[n_stays] = stay_place[i, c]
                s_start[n_stays] = there
                s_end[n_stays] = min(done, there + mingle)
                s_until[n_stays] = done
                s_optional[n_stays] = c >= optional_slot
                s_slot[n_stays] = c
                walk_of[n_stays] = walk
                n_stays += 1
        for q in range(first_stay, n_stays):
            s_back[q] = first_trip + n_trips + walk_of[q] if walk_of[q] >= 0 else -1
        for b in range(n_back):
            trip_agent[n_trips] = back_agent[b]
            trip_route[n_trips] = back_route[b]
            trip_depart[n_trips] = back_depart[b]
            n_trips += 1
    # Copies of the parts used, so that the buffers (sized for every slot of every
    # person) are freed now and reused by the next group, rather than held until the
    # day's plan is joined: held, they grew the heap by tens of megabytes a day, each
    # page faulted in afresh.
    return (
        trip_agent[:n_trips].copy(), trip_route[:n_trips].copy(),
        trip_depart[:n_trips].copy(), s_agent[:n_stays].copy(), s_kind[:n_stays].copy(),
        s_place[:n_stays].copy(), s_start[:n_stays].copy(), s_end[:n_stays].copy(),
        s_until[:n_stays].copy(), s_optional[:n_stays].copy(), s_slot[:n_stays].copy(),
        s_back[:n_stays].copy(),
    )
