"""Where people may go: candidate venues, spaces and buildings, and their appeal.

A destination's appeal is its size times a decay with walking distance
(``exp(-d / venue_decay_m)``): people prefer big, near places, the way contact
frequency falls with distance in Allen (1977). Who may enter a venue follows its
``access`` (members-only venues admit the people of the building's institutions).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.compiled import AVAILABLE, inline, jit, pairwise_sum
from sim.layout.schema import Layout
from sim.network.routing import RouteTable, Sites
from sim.params import VENUE_KINDS
from sim.population.optional import (
    OptionalPlaces,
    PlaceQuality,
    build_optional_places,
    place_quality,
)
from sim.rng import key_unit, splitmix64, stable_key

LUNCH_KINDS = ("canteen", "cafe")
COFFEE_KINDS = ("cafe",)
SESSION_KINDS = ("lecture_hall", "meeting_room")
"""Venues used for sessions: people mingle only as a session gathers, not during it."""


@dataclass(frozen=True)
class Destinations:
    """Arrays describing every venue, space and building as a destination."""

    venue_site: np.ndarray
    venue_kind: np.ndarray
    venue_capacity: np.ndarray
    venue_open: np.ndarray
    venue_close: np.ndarray
    venue_public: np.ndarray
    venue_mingle_s: np.ndarray
    venue_wait_s: np.ndarray
    venue_members: tuple[frozenset[int], ...]
    space_site: np.ndarray
    space_area: np.ndarray
    building_members: tuple[frozenset[int], ...]
    building_population: np.ndarray
    site_distance: np.ndarray
    venue_decay_m: float
    venue_key: np.ndarray
    quality: PlaceQuality
    optional: OptionalPlaces


def build_destinations(layout: Layout, sites: Sites, routes: RouteTable) -> Destinations:
    """Collect destination attributes from a layout and its site distances."""
    inst_index = {iid: i for i, iid in enumerate(layout.institutions)}
    b_index = {bid: i for i, bid in enumerate(layout.buildings)}
    b_members = tuple(
        frozenset(inst_index[i] for i in b.institutions) for b in layout.buildings.values()
    )
    venues = list(layout.venues.values())
    mingle_s = layout.params.model.session_mingle_min * 60.0
    wait_s = layout.params.model.seat_wait_min * 60.0
    quality = place_quality(layout)
    return Destinations(
        venue_site=np.array([sites.building_site(b_index[v.building]) for v in venues], np.int32),
        venue_kind=np.array([VENUE_KINDS.index(v.kind) for v in venues], np.int8),
        venue_capacity=np.array([v.capacity for v in venues], float),
        venue_open=np.array([v.open_s for v in venues], float),
        venue_close=np.array([v.close_s for v in venues], float),
        venue_public=np.array([v.access == "public" for v in venues], bool),
        venue_mingle_s=np.array(
            [mingle_s if v.kind in SESSION_KINDS else np.inf for v in venues], float
        ),
        # Nobody queues for a seat in a session: it starts at a set time.
        venue_wait_s=np.array(
            [0.0 if v.kind in SESSION_KINDS else wait_s for v in venues], float
        ),
        venue_members=tuple(b_members[b_index[v.building]] for v in venues),
        space_site=np.array([sites.space_site(i) for i in range(len(layout.spaces))], np.int32),
        space_area=np.array([s.area_m2 for s in layout.spaces.values()], float),
        building_members=b_members,
        building_population=np.array(
            [sum(b.population.values()) for b in layout.buildings.values()], float
        ),
        site_distance=routes.site_distance(),
        venue_decay_m=layout.params.model.venue_decay_m,
        venue_key=np.array([stable_key(f"venue:{vid}") for vid in layout.venues], np.uint64),
        quality=quality,
        optional=build_optional_places(layout, sites, quality),
    )


def venue_candidates(
    dest: Destinations, home_site: int, institution: int, kinds: tuple[str, ...], scope: str
) -> tuple[np.ndarray, np.ndarray]:
    """Venues of ``kinds`` a person may use, and their appeal.

    Parameters
    ----------
    dest
        Destination arrays.
    home_site
        The person's building site.
    institution
        The person's institution index.
    kinds
        Acceptable venue kinds.
    scope
        ``"own_institution"``: only venues in buildings of the person's institution;
        ``"any"``: every venue they may enter.

    Returns
    -------
    (venue indices, appeal weights)
    """
    kind_codes = [VENUE_KINDS.index(k) for k in kinds]
    ok = np.isin(dest.venue_kind, kind_codes)
    member = np.array([institution in m for m in dest.venue_members], dtype=bool)
    ok &= dest.venue_public | member
    if scope == "own_institution":
        ok &= member
    idx = np.flatnonzero(ok)
    d = dest.site_distance[home_site, dest.venue_site[idx]]
    return idx, dest.venue_capacity[idx] * np.exp(-d / dest.venue_decay_m)


def space_candidates(dest: Destinations, home_site: int) -> tuple[np.ndarray, np.ndarray]:
    """Public spaces and their appeal (area times distance decay)."""
    idx = np.arange(dest.space_site.shape[0])
    d = dest.site_distance[home_site, dest.space_site]
    return idx, np.sqrt(dest.space_area) * np.exp(-d / dest.venue_decay_m)


def building_candidates(
    dest: Destinations, home_building: int, institution: int
) -> tuple[np.ndarray, np.ndarray]:
    """Other buildings of the person's institution, weighted by population and distance."""
    idx = np.array(
        [
            b
            for b, m in enumerate(dest.building_members)
            if institution in m and b != home_building
        ],
        dtype=np.int64,
    )
    d = dest.site_distance[home_building, idx]
    return idx, dest.building_population[idx] * np.exp(-d / dest.venue_decay_m)


def choose(weights: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Pick a column per row with probability proportional to ``weights``; -1 if all zero.

    Inverse-CDF sampling from one uniform per row keeps choices stable across layouts
    that add or remove an unpopular option (common random numbers).
    """
    if weights.shape[1] == 0:
        return np.full(weights.shape[0], -1, np.int64)
    cum = np.cumsum(weights, axis=1)
    total = cum[:, -1]
    pick = (cum < (u * total)[:, None]).sum(axis=1)
    return np.where(total > 0, np.minimum(pick, weights.shape[1] - 1), -1)


def choose_fixed(weights: np.ndarray, u: np.ndarray) -> np.ndarray:
    """:func:`choose` when every row has the same ``weights`` (one row), without a
    row of sums per person: the same cumulative sums, searched."""
    if weights.shape[0] == 0:
        return np.full(u.shape[0], -1, np.int64)
    cum = np.cumsum(weights)
    pick = np.searchsorted(cum, u * cum[-1], side="left")  # entries below, cum sorted
    return np.where(cum[-1] > 0, np.minimum(pick, weights.shape[0] - 1), -1)


def open_weights(
    dest: Destinations, venues: np.ndarray, w: np.ndarray, t: np.ndarray, dur: np.ndarray
) -> np.ndarray:
    """(n, candidates) weights, zero where the venue is closed for [t, t + dur]."""
    is_open = (dest.venue_open[venues][None, :] <= t[:, None]) & (
        t[:, None] + dur[:, None] <= dest.venue_close[venues][None, :]
    )
    return w[None, :] * is_open


def choose_open(
    dest: Destinations, venues: np.ndarray, w: np.ndarray, t: np.ndarray, dur: np.ndarray,
    u: np.ndarray,
) -> np.ndarray:
    """``choose(open_weights(dest, venues, w, t, dur), u)``: per row, a venue open for
    its ``[t, t + dur]``, with probability proportional to ``w``. Compiled when numba is
    there (the same sums in the same order, no (n, candidates) tables), else numpy."""
    if not AVAILABLE or venues.shape[0] == 0:
        return choose(open_weights(dest, venues, w, t, dur), u)
    return _choose_open(np.ascontiguousarray(w, np.float64), dest.venue_open[venues],
                        dest.venue_close[venues], t, dur, u)


@jit
def _choose_open(
    w: np.ndarray, open_s: np.ndarray, close_s: np.ndarray, t: np.ndarray, dur: np.ndarray,
    u: np.ndarray,
) -> np.ndarray:
    """:func:`choose_open`'s loop: numpy's cumulative sum, then the entries below the
    target counted (sorted sums, so the first one not below it)."""
    n, m = t.shape[0], w.shape[0]
    out = np.empty(n, np.int64)
    for r in range(n):
        end = t[r] + dur[r]
        total = 0.0
        for c in range(m):
            total += w[c] * (1.0 if open_s[c] <= t[r] and end <= close_s[c] else 0.0)
        if not total > 0:
            out[r] = -1
            continue
        target = u[r] * total
        cum = 0.0
        pick = 0
        for c in range(m):
            cum += w[c] * (1.0 if open_s[c] <= t[r] and end <= close_s[c] else 0.0)
            if not cum < target:
                break
            pick += 1
        out[r] = min(pick, m - 1)
    return out


@inline
def gumbel_score(log_appeal: float, key: np.uint64, place_key: np.uint64) -> float:
    """``log appeal + Gumbel noise`` for the compiled choices, the noise from the keyed
    hash of ``key`` and ``place_key``: the numpy steps' ``log(w) - log(-log(u))``."""
    u = key_unit(splitmix64(key ^ place_key))
    return log_appeal - np.log(-np.log(max(u, 1e-300)))


def choose_optional(
    w: np.ndarray, log_w: np.ndarray, place_venue: np.ndarray, open_s: np.ndarray,
    close_s: np.ndarray, place_key: np.ndarray, t: np.ndarray, dur: np.ndarray,
    go_u: np.ndarray, choice_key: np.ndarray, reluctance: float,
) -> np.ndarray:
    """Who takes an optional stay at ``[t, t + dur]``, and where: the place per row, -1
    for those who stay in (the rule of ``schedules._plan_optional``, compiled).

    ``w``: each place's appeal to these people, ``log_w`` its log; ``place_venue``: the
    venue of each place or -1, with ``open_s`` and ``close_s`` the hours of every venue;
    ``place_key``: each place's key for the choice's Gumbel noise, mixed with the row's
    ``choice_key``. The same sums, hashes and logs as the numpy steps, so the same picks.
    """
    return _choose_optional(w, log_w, place_venue, open_s, close_s,
                            place_key.astype(np.uint64), t, dur, go_u,
                            choice_key.astype(np.uint64), float(reluctance))  # fmt: skip


@jit
def _choose_optional(
    w: np.ndarray, log_w: np.ndarray, place_venue: np.ndarray, open_s: np.ndarray,
    close_s: np.ndarray, place_key: np.ndarray, t: np.ndarray, dur: np.ndarray,
    go_u: np.ndarray, choice_key: np.ndarray, reluctance: float,
) -> np.ndarray:
    """:func:`choose_optional`'s loop: per row the open places' appeal summed in numpy's
    order, the outside option, then the greatest ``log appeal + Gumbel noise`` (the first
    of equals, as ``argmax``); a closed place's noise is never drawn (its score is
    ``-inf``)."""
    n, m = t.shape[0], w.shape[0]
    has_venues = open_s.shape[0] > 0
    out = np.full(n, -1, np.int64)
    w_open = np.empty(m)
    for r in range(n):
        end = t[r] + dur[r]
        for c in range(m):
            v = place_venue[c]
            is_open = v < 0 or not has_venues or (open_s[v] <= t[r] and end <= close_s[v])
            w_open[c] = w[c] * (1.0 if is_open else 0.0)
        total = pairwise_sum(w_open, 0, m)
        if not (dur[r] > 0 and go_u[r] * (total + reluctance) < total):
            continue
        best = -np.inf
        pick = 0
        for c in range(m):
            if w_open[c] == 0.0:
                continue  # -inf: never above the first open place's score
            score = gumbel_score(log_w[c], choice_key[r], place_key[c])
            if score > best:
                best = score
                pick = c
        out[r] = pick
    return out
