"""Compiled inner loops of the engine (numba): contact geometry, the meeting draw, trips.

The numpy path in :mod:`sim.engine.encounters` materialises every candidate pair as index
arrays and filters them in several passes. The compiled path finds the wanted pairs with
:mod:`sim.engine.candidates` and measures them here, one pair at a time, with the same
tests and the same floating-point operations, so both return exactly the same contacts.
The meeting draw's passes (:func:`contact_rows`, :func:`meeting_rows`), laying trips on
the graph and the per-pair sums repeat their numpy code in the same way. Tests compare
each with the code it replaces.

numba is optional: without it :data:`AVAILABLE` is False and the numpy path runs.
Compilation is lazy (first call, a few seconds) and cached on disk next to this file.
"""

from __future__ import annotations

import numpy as np

from sim.compiled import AVAILABLE as AVAILABLE  # re-exported: the engine asks here
from sim.compiled import inline, jit, pairwise_sum
from sim.params import PLACE_EDGE, PLACE_NODE, PLACE_SPACE, PLACE_VENUE
from sim.rng import splitmix64


@jit
def _is_tie(a: np.int64, b: np.int64, ties: np.ndarray, n_agents: np.int64) -> bool:
    """Whether ``(a, b)`` met on an earlier day (``ties`` sorted pair keys)."""
    lo, hi = min(a, b), max(a, b)
    pair = lo * n_agents + hi
    pos = np.searchsorted(ties, pair)
    return pos < ties.shape[0] and ties[pos] == pair


@inline
def _day_class(key: np.uint64, classes: np.uint64) -> np.uint64:
    """:func:`sim.rng.day_class`."""
    return ((key >> np.uint64(32)) * classes) >> np.uint64(32)


@inline
def _pair_class(class_a: np.uint64, class_b: np.uint64, classes: np.uint64) -> np.uint64:
    """:func:`sim.rng.pair_class` from the two day classes (a subtraction, not a division)."""
    s = class_a + class_b
    return s - classes if s >= classes else s


@inline
def _pair_hash(key_a: np.uint64, key_b: np.uint64) -> np.uint64:
    """:func:`sim.rng.pair_hash`: 48 bits of splitmix64 of the sum of the keys."""
    return splitmix64(key_a + key_b) >> np.uint64(16)


@inline
def _pair_uniform(
    key_a: np.uint64, key_b: np.uint64, class_a: np.uint64, class_b: np.uint64,
    classes: np.uint64,
) -> float:
    """:func:`sim.rng.pair_uniform` from the two day keys and day classes, with the same
    floating-point operations."""
    frac = np.float64(_pair_hash(key_a, key_b)) * (1.0 / 281474976710656.0)
    return (np.float64(_pair_class(class_a, class_b, classes)) + frac) / np.float64(classes)


@inline
def _met_before(
    a: np.int64, b: np.int64, has_tie: np.ndarray, ties: np.ndarray, n_agents: np.int64
) -> bool:
    """Whether ``a`` and ``b`` met on an earlier day, looked up only where both have
    ties (``has_tie`` per person; empty when nobody has)."""
    return bool(has_tie.shape[0]) and has_tie[a] and has_tie[b] and _is_tie(a, b, ties, n_agents)


@jit
def _reach_1d(
    d_lo: float, slope: float, lo: float, hi: float, radius: float
) -> tuple[float, float]:
    """Scalar twin of :func:`sim.engine.encounters._reach_1d`."""
    if abs(slope) > 1e-9:
        t1 = lo + (-radius - d_lo) / slope
        t2 = lo + (radius - d_lo) / slope
        enter = max(lo, min(t1, t2))
        leave = min(hi, max(t1, t2))
        return enter, max(leave - enter, 0.0)
    if abs(d_lo) <= radius:
        return lo, max(hi - lo, 0.0)
    return lo, 0.0


@jit
def edge_reach(
    i: np.ndarray, j: np.ndarray, vel: np.ndarray, x0: np.ndarray, t_in: np.ndarray,
    t_out: np.ndarray, radius: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Same-edge contacts of the candidate row pairs ``(i, j)``, ``i`` starting first:
    when each comes within reach and for how long (0 when never; see
    :func:`sim.engine.encounters.edge_contacts`)."""
    n = i.shape[0]
    out_t = np.empty(n)
    out_dur = np.zeros(n)
    for r in range(n):
        p, q = i[r], j[r]
        lo = t_in[q]
        hi = min(t_out[p], t_out[q])
        slope = vel[p] - vel[q]
        d_lo = x0[p] - x0[q] + slope * lo
        d_hi = d_lo + slope * (hi - lo)
        out_t[r] = lo
        if d_lo * d_hi <= 0 or min(abs(d_lo), abs(d_hi)) <= radius:
            out_t[r], out_dur[r] = _reach_1d(d_lo, slope, lo, hi, radius)
    return out_t, out_dur


@jit
def _reach_2d(
    rvx: float, rvy: float, rpx: float, rpy: float, lo: float, hi: float, radius: float
) -> tuple[float, float]:
    """Scalar twin of :func:`sim.engine.encounters._reach_2d`."""
    qa = rvx * rvx + rvy * rvy
    qb = rvx * rpx + rvy * rpy
    qc = (rpx * rpx + rpy * rpy) - radius * radius
    disc = qb * qb - qa * qc
    root = np.sqrt(max(disc, 0.0))
    if qa > 1e-12:
        s1 = (-qb - root) / qa
        s2 = (-qb + root) / qa
        ok = disc >= 0
    else:
        s1 = -np.inf if qc <= 0 else np.inf
        s2 = np.inf if qc <= 0 else -np.inf
        ok = qc <= 0
    enter = lo + max(s1, 0.0)
    leave = min(hi, lo + s2)
    if ok and hi > lo:
        return enter, max(leave - enter, 0.0)
    return enter, 0.0


@jit
def node_reach(
    i: np.ndarray, j: np.ndarray, t_lo: np.ndarray, t_hi: np.ndarray, t_node: np.ndarray,
    e_in: np.ndarray, e_out: np.ndarray, sv_in: np.ndarray, sv_out: np.ndarray,
    edge_dir: np.ndarray, radius: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Corner contacts of the candidate row pairs ``(i, j)``: when each first comes
    within reach and for how long in all (0 when never; see
    :func:`sim.engine.encounters.node_contacts`)."""
    n = i.shape[0]
    out_t = np.empty(n)
    out_dur = np.empty(n)
    for r in range(n):
        a, b = i[r], j[r]
        total = 0.0
        first = np.inf
        # Piece 0 of a passage is before the node (on e_in), piece 1 after it.
        for p in range(2):
            e_p = e_in[a] if p == 0 else e_out[a]
            lo_p = t_lo[a] if p == 0 else t_node[a]
            hi_p = t_node[a] if p == 0 else t_hi[a]
            sv_p = sv_in[a] if p == 0 else sv_out[a]
            for q in range(2):
                e_q = e_in[b] if q == 0 else e_out[b]
                lo_q = t_lo[b] if q == 0 else t_node[b]
                hi_q = t_node[b] if q == 0 else t_hi[b]
                lo = max(lo_p, lo_q)
                hi = min(hi_p, hi_q)
                if not (hi > lo and e_p != e_q and e_p >= 0 and e_q >= 0):
                    continue
                sv_q = sv_in[b] if q == 0 else sv_out[b]
                # Velocities as the walk tables' numpy path computes them.
                vpx, vpy = edge_dir[e_p, 0] * sv_p, edge_dir[e_p, 1] * sv_p
                vqx, vqy = edge_dir[e_q, 0] * sv_q, edge_dir[e_q, 1] * sv_q
                rpx = vpx * (lo - t_node[a]) - vqx * (lo - t_node[b])
                rpy = vpy * (lo - t_node[a]) - vqy * (lo - t_node[b])
                enter, dur = _reach_2d(vpx - vqx, vpy - vqy, rpx, rpy, lo, hi, radius)
                total += dur
                if dur > 0:
                    first = min(first, enter)
        out_t[r], out_dur[r] = first, total
    return out_t, out_dur


@jit
def present_counts(
    group_key: np.ndarray, key_start: np.ndarray, key_end: np.ndarray
) -> np.ndarray:
    """Rows under way at each row's start (see
    :func:`sim.engine.encounters.present_at_start`), by one merge of the sorted keys
    instead of four binary searches per row; all three inputs are non-decreasing."""
    n = key_start.shape[0]
    out = np.empty(n)
    started = first = ended = first_end = 0
    for r in range(n):
        while started < n and key_start[started] <= key_start[r]:
            started += 1
        while first < n and key_start[first] < group_key[r]:
            first += 1
        while ended < n and key_end[ended] <= key_start[r]:
            ended += 1
        while first_end < n and key_end[first_end] < group_key[r]:
            first_end += 1
        out[r] = (started - first) - (ended - first_end)
    return out


@jit
def lay_trips(
    route: np.ndarray, depart: np.ndarray, trip_agent: np.ndarray, start: np.ndarray,
    edges: np.ndarray, forward: np.ndarray, cum: np.ndarray, speed: np.ndarray,
    length: np.ndarray, edge_u: np.ndarray, edge_v: np.ndarray, near: float,
    trav: tuple[np.ndarray, ...], pas: tuple[np.ndarray, ...],
) -> None:
    """Fill the traversal and passage columns of :func:`sim.engine.trips.expand_trips`.

    ``trav`` is (agent, edge, t_in, t_out, forward, speed), one row per edge walked;
    ``pas`` is (agent, node, t_node, t_lo, t_hi, e_in, e_out, sv_in, sv_out): first
    one row per trip that walks (its start), then one per edge walked (its exit node).
    Same arithmetic as the numpy path, row by row.
    """
    t_agent, t_edge, t_in, t_out, t_fwd, t_speed = trav
    p_agent, p_node, p_t, p_lo, p_hi, p_ein, p_eout, p_svin, p_svout = pas
    n_start = 0
    for t in range(route.shape[0]):
        if start[route[t] + 1] > start[route[t]]:
            n_start += 1
    k = 0
    s = 0
    for t in range(route.shape[0]):
        lo_r, hi_r = start[route[t]], start[route[t] + 1]
        if hi_r == lo_r:
            continue
        a = trip_agent[t]
        v = speed[a]
        for f in range(lo_r, hi_r):
            e = edges[f]
            fw = forward[f]
            ti = depart[t] + cum[f] / v
            to = ti + length[e] / v
            sv = v if fw else -v
            t_agent[k], t_edge[k], t_in[k], t_out[k], t_fwd[k], t_speed[k] = a, e, ti, to, fw, v
            if f == lo_r:  # the node the trip starts from
                p_agent[s], p_node[s] = a, edge_u[e] if fw else edge_v[e]
                p_t[s], p_lo[s], p_hi[s] = ti, ti, ti + min(near, length[e]) / v
                p_ein[s], p_eout[s] = -1, e
                p_svin[s], p_svout[s] = 0.0, sv
                s += 1
            p = n_start + k
            p_agent[p], p_node[p] = a, edge_v[e] if fw else edge_u[e]
            p_t[p], p_lo[p] = to, to - min(near, length[e]) / v
            p_ein[p], p_svin[p] = e, sv
            if f + 1 < hi_r:
                e2 = edges[f + 1]
                p_hi[p] = to + min(near, length[e2]) / v
                p_eout[p], p_svout[p] = e2, v if forward[f + 1] else -v
            else:
                p_hi[p] = to + min(near, 0.0) / v
                p_eout[p], p_svout[p] = -1, 0.0
            k += 1


@jit
def count_groups(packed: np.ndarray, bits: int) -> int:
    """Runs of equal keys in ``packed`` (``key << bits | row``, sorted)."""
    g = 0
    for i in range(packed.shape[0]):
        if i == 0 or (packed[i] >> bits) != (packed[i - 1] >> bits):
            g += 1
    return g


@jit
def pair_groups(
    packed: np.ndarray, bits: int, hazard: np.ndarray, best: np.ndarray,
    out_key: np.ndarray, out_sum: np.ndarray, out_top: np.ndarray, out_first: np.ndarray,
) -> int:
    """One row per pair (see :meth:`sim.engine.pairsums.PairSums.merged`).

    ``packed`` holds ``key << bits | row``, sorted. Per run of equal keys: the key, the
    hazards summed in row order (as ``np.add.reduceat`` sums them), the largest ``best``
    and the row of its first occurrence. Returns the number of runs.
    """
    mask = (np.int64(1) << bits) - 1
    n = packed.shape[0]
    h = np.empty(1 << 16)
    b = np.empty(1 << 16)
    g = 0
    lo = 0
    while lo < n:
        # A block of whole runs, its values gathered first in a loop whose reads do not
        # wait on each other (the rows are scattered: reading them one run at a time
        # stalls on each); blocks keep the copies small at any density.
        hi = min(lo + h.shape[0], n)
        while hi < n and (packed[hi] >> bits) == (packed[hi - 1] >> bits):
            hi += 1
        if hi - lo > h.shape[0]:
            h, b = np.empty(hi - lo), np.empty(hi - lo)
        for k in range(lo, hi):
            i = packed[k] & mask
            h[k - lo] = hazard[i]
            b[k - lo] = best[i]
        g = _pair_runs(packed, bits, lo, hi, h, b, out_key, out_sum, out_top, out_first, g)
        lo = hi
    return g


@inline
def _pair_runs(
    packed: np.ndarray, bits: int, lo: int, hi: int, h: np.ndarray, b: np.ndarray,
    out_key: np.ndarray, out_sum: np.ndarray, out_top: np.ndarray, out_first: np.ndarray,
    g: int,
) -> int:
    """:func:`pair_groups` over the whole runs in ``packed[lo:hi]``, whose hazards and
    bests are ``h`` and ``b`` from 0; returns the next output row."""
    mask = (np.int64(1) << bits) - 1
    r = lo
    while r < hi:
        key = packed[r] >> bits
        top, at = b[r - lo], r
        e = r + 1
        while e < hi and (packed[e] >> bits) == key:
            if b[e - lo] > top:
                top, at = b[e - lo], e
            e += 1
        out_key[g], out_top[g], out_first[g] = key, top, packed[at] & mask
        first = h[r - lo]
        out_sum[g] = first if e - r == 1 else first + pairwise_sum(h, r - lo + 1, e - r - 1)
        g += 1
        r = e
    return g


@jit
def contact_rows(
    a: np.ndarray, b: np.ndarray, t: np.ndarray, kind: np.ndarray, place: np.ndarray,
    dur: np.ndarray, crowd: np.ndarray, stay: np.ndarray, day_keys: np.ndarray,
    day_cls: np.ndarray, classes: np.uint64, bounds: np.ndarray,
    has_tie: np.ndarray, ties: np.ndarray, n_agents: int, institution: np.ndarray,
    building: np.ndarray, fam: np.ndarray, rate: tuple[np.ndarray, ...],
    reach: tuple[np.ndarray, ...], capacity: float,
) -> tuple[tuple[np.ndarray, ...], np.ndarray, np.ndarray]:
    """The meeting draw's work on a chunk of contacts in one pass (see
    :meth:`sim.engine.meetings.MeetingDraw.add`, whose numpy path this repeats with the
    same floating-point operations in the same order).

    ``bounds``: the largest meeting chance, then the encounter sample's window ``[lo,
    hi)`` of pair uniforms; ``fam``: the familiarity factors of the same institution,
    the same building and a tie; ``rate``: the meeting rate of every edge, node, venue
    and space; ``reach``: the edges' crowd share and lingering share, the venues' and
    the spaces' share within reach (:class:`sim.engine.meetings.SettingRates`).

    Returns the rows that can meet (those whose uniform is below the cap, or ties) as
    the columns the draw keeps (pair key ``a * n_agents + b``, hazard, time, place
    kind, place), and the rows in the encounter sample and their weights.
    """
    edge_rate, node_rate, venue_rate, space_rate = rate
    edge_reach, linger_reach, venue_reach, space_reach = reach
    n = a.shape[0]
    out_key = np.empty(n, np.int64)
    hazard = np.empty(n)
    out_t = np.empty(n)
    out_kind = np.empty(n, np.int8)
    out_place = np.empty(n, np.int32)
    sample = np.empty(n, np.int64)
    weight = np.empty(n)
    n_keep = 0
    n_sample = 0
    for r in range(n):
        i, j = a[r], b[r]
        u = _pair_uniform(day_keys[i], day_keys[j], day_cls[i], day_cls[j], classes)
        k, p = kind[r], place[r]
        time_share, crowd_share, r_rate = 1.0, 1.0, 0.0
        if k == PLACE_EDGE:
            r_rate = edge_rate[p]
            if stay[r]:
                time_share = crowd_share = linger_reach[p]
            else:
                crowd_share = edge_reach[p]
        elif k == PLACE_NODE:
            r_rate = node_rate[p]
        elif k == PLACE_VENUE:
            r_rate = venue_rate[p]
            time_share = crowd_share = venue_reach[p]
        elif k == PLACE_SPACE:
            r_rate = space_rate[p]
            time_share = crowd_share = space_reach[p]
        else:
            time_share = crowd_share = 0.0
        if u >= bounds[1] and u < bounds[2]:
            sample[n_sample] = r
            weight[n_sample] = crowd_share if stay[r] else 1.0
            n_sample += 1
        tie = _met_before(i, j, has_tie, ties, n_agents)
        if not (u < bounds[0] or tie):
            continue
        f = 1.0
        if institution[i] == institution[j]:
            f = fam[0]
        if building[i] == building[j]:
            f = max(f, fam[1])
        if tie:
            f = max(f, fam[2])
        attention = 1.0 / (1.0 + crowd[r] * crowd_share / capacity)
        out_key[n_keep] = np.int64(i) * n_agents + j
        hazard[n_keep] = r_rate * f * attention * (dur[r] * time_share / 60.0)
        out_t[n_keep], out_kind[n_keep], out_place[n_keep] = t[r], k, p
        n_keep += 1
    kept = (out_key[:n_keep], hazard[:n_keep], out_t[:n_keep], out_kind[:n_keep],
            out_place[:n_keep])
    return kept, sample[:n_sample].copy(), weight[:n_sample].copy()


@jit
def meeting_rows(
    key: np.ndarray, chance: np.ndarray, day_keys: np.ndarray, day_cls: np.ndarray,
    classes: np.uint64, n_agents: int, cap: float,
    has_tie: np.ndarray, ties: np.ndarray,
) -> np.ndarray:
    """Rows of the day's pairs (``key = a * n_agents + b``) that meet: the pair's
    uniform below its chance, capped at ``cap`` unless the two met before (see
    :meth:`sim.engine.meetings.MeetingDraw.finish`, whose numpy path this repeats)."""
    met = np.empty(key.shape[0], np.int64)
    m = 0
    for r in range(key.shape[0]):
        i = key[r] // n_agents
        j = key[r] - i * n_agents
        u = _pair_uniform(day_keys[i], day_keys[j], day_cls[i], day_cls[j], classes)
        c = chance[r]
        if u < min(c, cap) or (u < c and _met_before(i, j, has_tie, ties, n_agents)):
            met[m] = r
            m += 1
    return met[:m]


SPREAD = np.uint64(0x9E3779B97F4A7C15)
"""Multiplier that spreads pair keys over the top bits (Fibonacci hashing)."""


@inline
def _bucket(key: np.int64, shift: np.uint64) -> np.int64:
    """The bucket of a pair key among ``2 ** (64 - shift)``."""
    return np.int64((np.uint64(key) * SPREAD) >> shift)


@jit
def add_to_buckets(key: np.ndarray, hazard: np.ndarray, shift: np.uint64, sums: np.ndarray) -> None:
    """Add each row's hazard to its pair's bucket of ``sums`` (a count-min sketch with one
    row: every pair's summed hazard is at most its bucket's sum, as hazards are never
    negative)."""
    for r in range(key.shape[0]):
        sums[_bucket(key[r], shift)] += hazard[r]


@jit
def may_meet(
    key: np.ndarray, chance: np.ndarray, shift: np.uint64, day_keys: np.ndarray,
    day_cls: np.ndarray, classes: np.uint64, n_agents: int,
) -> np.ndarray:
    """The rows whose pair's uniform is below its bucket's ``chance``, in order."""
    n = key.shape[0]
    keep = np.empty(n, np.int64)
    k = 0
    bound = np.empty(min(n, 4096))
    inverse = 1.0 / n_agents
    for lo in range(0, n, bound.shape[0]):
        hi = min(lo + bound.shape[0], n)
        # The buckets are read at random: first all of a block's, in a loop whose
        # reads do not wait on each other (one at a time, each stalled ~150 ns).
        for r in range(lo, hi):
            bound[r - lo] = chance[_bucket(key[r], shift)]
        for r in range(lo, hi):
            i, j = _split_key(key[r], n_agents, inverse)
            u = _pair_uniform(day_keys[i], day_keys[j], day_cls[i], day_cls[j], classes)
            if u < bound[r - lo]:
                keep[k] = r
                k += 1
    return keep[:k].copy()


@inline
def _split_key(key: np.int64, n_agents: np.int64, inverse: float) -> tuple[np.int64, np.int64]:
    """``divmod(key, n_agents)``, from a multiplication by ``inverse = 1 / n_agents``
    set right (a 64-bit division takes some 40 cycles, a third of a row's screening)."""
    i = np.int64(np.float64(key) * inverse)
    j = key - i * n_agents
    while j < 0:
        i -= 1
        j += n_agents
    while j >= n_agents:
        i += 1
        j -= n_agents
    return i, j
