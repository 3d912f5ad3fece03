"""Compiled inner loops of the contact search (numba), one per contact rule.

The numpy path in :mod:`sim.engine.encounters` materialises every candidate pair (all
pairs of walkers on the same segment at overlapping times: tens of millions a day) as
index arrays, then filters them in several passes. These loops visit each candidate
pair once, in the same order, apply the same tests with the same floating-point
operations, and write out only the pairs that pass, so they return exactly what the
numpy path returns at a fraction of the time and memory. Tests compare the two.

numba is optional: without it :data:`AVAILABLE` is False and the numpy path runs.
Compilation is lazy (first call, a few seconds) and cached on disk next to this file.

Every scan has the same contract. Rows are sorted by ``key`` (group, then start time);
the partners of row ``i`` are the rows after it whose key is below ``end_key[i]``. A
scan starts at ``row``, fills the output buffers, and returns ``(next_row, n)``: the
first row it has not finished and how many outputs it wrote. When the buffers fill up
part-way through a row, that row's outputs are dropped and it is returned as
``next_row``, so the caller can empty the buffers and call again from there (with
larger buffers if not even one row fitted).
"""

from __future__ import annotations

import numpy as np

from sim.compiled import AVAILABLE as AVAILABLE  # re-exported: the engine asks here
from sim.compiled import inline, jit
from sim.params import PLACE_EDGE, PLACE_NODE, PLACE_SPACE, PLACE_VENUE

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)


@jit
def _is_tie(a: np.int64, b: np.int64, ties: np.ndarray, n_agents: np.int64) -> bool:
    """Whether ``(a, b)`` met on an earlier day (``ties`` sorted pair keys)."""
    lo, hi = min(a, b), max(a, b)
    pair = lo * n_agents + hi
    pos = np.searchsorted(ties, pair)
    return pos < ties.shape[0] and ties[pos] == pair


@inline
def _pair_bits(key_a: np.uint64, key_b: np.uint64) -> np.uint64:
    """:func:`sim.rng.pair_bits` of ``key_a + key_b``: the pair's 53 bits (splitmix64)."""
    x = key_a + key_b + _GOLDEN
    x = (x ^ (x >> np.uint64(30))) * _MIX1
    x = (x ^ (x >> np.uint64(27))) * _MIX2
    return (x ^ (x >> np.uint64(31))) >> np.uint64(11)


@inline
def _pair_uniform(key_a: np.uint64, key_b: np.uint64) -> float:
    """:func:`sim.rng.pair_uniform`: the pair's bits as a uniform in [0, 1)."""
    return np.float64(_pair_bits(key_a, key_b)) * (1.0 / 9007199254740992.0)


@inline
def _met_before(
    a: np.int64, b: np.int64, has_tie: np.ndarray, ties: np.ndarray, n_agents: np.int64
) -> bool:
    """Whether ``a`` and ``b`` met on an earlier day, looked up only where both have
    ties (``has_tie`` per person; empty when nobody has)."""
    return bool(has_tie.shape[0]) and has_tie[a] and has_tie[b] and _is_tie(a, b, ties, n_agents)


@inline
def _row_end(row: int, key: np.ndarray, end_key: np.ndarray) -> int:
    """One past the last partner of ``row``: the rows after it with a key below its
    end key."""
    n = key.shape[0]
    end = end_key[row]
    j = row + 1
    while j < n and key[j] < end:
        j += 1
    return j


@inline
def _flag_row(
    row: int, key: np.ndarray, end_key: np.ndarray, agent: np.ndarray, keys: np.ndarray,
    tie_bits: np.ndarray, screen: np.ndarray, flag: np.ndarray,
) -> tuple[np.ndarray, int]:
    """Flag the partners of ``row`` (the rows after it up to :func:`_row_end`; partner
    ``c`` is row ``row + 1 + c``) that may be wanted: bit 0 when the pair bits keep the
    pair, bit 1 when it may be a tie. Returns the flags (``flag``, or a larger buffer
    when the row has more partners than it holds) and the number of partners.

    This is the test of :meth:`sim.engine.encounters.PairScreen.wanted` split in two, so
    that the loop over tens of millions of candidate pairs has no branch and no
    dependency from one pair to the next (the compiler vectorises it): the pair bits
    (kept below ``screen[0]`` or within ``[screen[1], screen[2])``), or a possible tie,
    read from the row's 64-bit tie summary (the bit of the partner's id modulo 64; see
    :meth:`~sim.engine.encounters.PairScreen.row_tie_bits`). A pair flagged only as a
    possible tie is looked up by :func:`_wanted`.
    """
    stop = _row_end(row, key, end_key)
    if stop - row > flag.shape[0]:
        flag = np.empty(2 * (stop - row), np.uint8)
    below, sample_lo, sample_hi = screen[0], screen[1], screen[2]
    ka = keys[row]
    row_bits = tie_bits[row]
    for c in range(stop - row - 1):
        j = row + 1 + c
        bits = _pair_bits(ka, keys[j])
        by_bits = np.uint8((bits < below) | ((bits >= sample_lo) & (bits < sample_hi)))
        maybe_tie = np.uint8((row_bits >> (np.uint64(agent[j]) & np.uint64(63))) & np.uint64(1))
        flag[c] = by_bits | (maybe_tie << np.uint8(1))
    return flag, stop - row - 1


@inline
def _wanted(f: np.uint8, a: np.int64, b: np.int64, ties: np.ndarray, n_agents: np.int64) -> bool:
    """Whether a pair flagged ``f`` (not 0) by :func:`_flag_row`, people ``a`` and
    ``b``, is wanted: two different people, kept by the pair bits or a tie."""
    return a != b and ((f & 1) != 0 or _is_tie(a, b, ties, n_agents))


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
def edge_scan(
    row: int, key: np.ndarray, end_key: np.ndarray, agent: np.ndarray, vel: np.ndarray,
    x0: np.ndarray, t_in: np.ndarray, t_out: np.ndarray, keys: np.ndarray,
    screen: np.ndarray, tie_bits: np.ndarray, ties: np.ndarray, n_agents: int,
    radius: float, out_i: np.ndarray, out_j: np.ndarray, out_t: np.ndarray,
    out_dur: np.ndarray,
) -> tuple[int, int]:
    """Same-edge contacts (see :func:`sim.engine.encounters.edge_contacts`)."""
    n = key.shape[0]
    cap = out_i.shape[0]
    flag = np.empty(256, np.uint8)
    k = 0
    while row < n:
        k_row = k
        flag, m = _flag_row(row, key, end_key, agent, keys, tie_bits, screen, flag)
        a = agent[row]
        for c in range(m):
            if flag[c] == 0:  # most partners: nothing more to read
                continue
            j = row + 1 + c
            if not _wanted(flag[c], a, agent[j], ties, n_agents):
                continue
            lo = t_in[j]
            hi = min(t_out[row], t_out[j])
            slope = vel[row] - vel[j]
            d_lo = x0[row] - x0[j] + slope * lo
            d_hi = d_lo + slope * (hi - lo)
            if d_lo * d_hi <= 0 or min(abs(d_lo), abs(d_hi)) <= radius:
                enter, dur = _reach_1d(d_lo, slope, lo, hi, radius)
                if dur > 0:
                    if k == cap:
                        return row, k_row
                    out_i[k], out_j[k], out_t[k], out_dur[k] = row, j, enter, dur
                    k += 1
        row += 1
    return row, k


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
def node_scan(
    row: int, key: np.ndarray, end_key: np.ndarray, agent: np.ndarray,
    t_lo: np.ndarray, t_hi: np.ndarray, t_node: np.ndarray, e_in: np.ndarray,
    e_out: np.ndarray, sv_in: np.ndarray, sv_out: np.ndarray, edge_dir: np.ndarray,
    keys: np.ndarray, screen: np.ndarray, tie_bits: np.ndarray, ties: np.ndarray,
    n_agents: int,
    radius: float, out_i: np.ndarray, out_j: np.ndarray, out_t: np.ndarray,
    out_dur: np.ndarray,
) -> tuple[int, int]:
    """Corner contacts (see :func:`sim.engine.encounters.node_contacts`)."""
    n = key.shape[0]
    cap = out_i.shape[0]
    flag = np.empty(256, np.uint8)
    k = 0
    while row < n:
        k_row = k
        i = row
        flag, m = _flag_row(row, key, end_key, agent, keys, tie_bits, screen, flag)
        a = agent[i]
        for c in range(m):
            if flag[c] == 0:  # most partners: nothing more to read
                continue
            j = row + 1 + c
            if _wanted(flag[c], a, agent[j], ties, n_agents):
                total = 0.0
                first = np.inf
                # Piece 0 of a passage is before the node (on e_in), piece 1 after it.
                for p in range(2):
                    e_p = e_in[i] if p == 0 else e_out[i]
                    lo_p = t_lo[i] if p == 0 else t_node[i]
                    hi_p = t_node[i] if p == 0 else t_hi[i]
                    sv_p = sv_in[i] if p == 0 else sv_out[i]
                    for q in range(2):
                        e_q = e_in[j] if q == 0 else e_out[j]
                        lo_q = t_lo[j] if q == 0 else t_node[j]
                        hi_q = t_node[j] if q == 0 else t_hi[j]
                        lo = max(lo_p, lo_q)
                        hi = min(hi_p, hi_q)
                        if not (hi > lo and e_p != e_q and e_p >= 0 and e_q >= 0):
                            continue
                        sv_q = sv_in[j] if q == 0 else sv_out[j]
                        # Velocities as the walk tables' numpy path computes them.
                        vpx, vpy = edge_dir[e_p, 0] * sv_p, edge_dir[e_p, 1] * sv_p
                        vqx, vqy = edge_dir[e_q, 0] * sv_q, edge_dir[e_q, 1] * sv_q
                        rpx = vpx * (lo - t_node[i]) - vqx * (lo - t_node[j])
                        rpy = vpy * (lo - t_node[i]) - vqy * (lo - t_node[j])
                        enter, dur = _reach_2d(vpx - vqx, vpy - vqy, rpx, rpy, lo, hi, radius)
                        total += dur
                        if dur > 0:
                            first = min(first, enter)
                if total > 0:
                    if k == cap:
                        return row, k_row
                    out_i[k], out_j[k], out_t[k], out_dur[k] = i, j, first, total
                    k += 1
        row += 1
    return row, k


@jit
def pair_scan(
    row: int, key: np.ndarray, end_key: np.ndarray, agent: np.ndarray, keys: np.ndarray,
    screen: np.ndarray, tie_bits: np.ndarray, ties: np.ndarray, n_agents: int,
    out_i: np.ndarray, out_j: np.ndarray,
) -> tuple[int, int]:
    """Wanted pairs of overlapping stays (see :func:`sim.engine.encounters.stay_contacts`)."""
    n = key.shape[0]
    cap = out_i.shape[0]
    flag = np.empty(256, np.uint8)
    k = 0
    while row < n:
        k_row = k
        flag, m = _flag_row(row, key, end_key, agent, keys, tie_bits, screen, flag)
        a = agent[row]
        for c in range(m):
            if flag[c] == 0:  # most partners: nothing more to read
                continue
            j = row + 1 + c
            if _wanted(flag[c], a, agent[j], ties, n_agents):
                if k == cap:
                    return row, k_row
                out_i[k], out_j[k] = row, j
                k += 1
        row += 1
    return row, k


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
def _pairwise_sum(values: np.ndarray, lo: int, n: int) -> float:
    """Sum of ``values[lo:lo+n]`` in the order numpy's add-reduction uses (pairwise in
    blocks of eight), so that sums match ``np.add.reduceat`` bit for bit."""
    if n < 8:
        res = 0.0
        for k in range(lo, lo + n):
            res += values[k]
        return res
    if n <= 128:
        r = np.empty(8)
        for q in range(8):
            r[q] = values[lo + q]
        k = 8
        while k < n - (n % 8):
            for q in range(8):
                r[q] += values[lo + k + q]
            k += 8
        res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
        while k < n:
            res += values[lo + k]
            k += 1
        return res
    half = n // 2
    half -= half % 8
    return _pairwise_sum(values, lo, half) + _pairwise_sum(values, lo + half, n - half)


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
        out_sum[g] = first if e - r == 1 else first + _pairwise_sum(h, r - lo + 1, e - r - 1)
        g += 1
        r = e
    return g


@jit
def contact_rows(
    a: np.ndarray, b: np.ndarray, kind: np.ndarray, place: np.ndarray, dur: np.ndarray,
    crowd: np.ndarray, stay: np.ndarray, day_keys: np.ndarray, bounds: np.ndarray,
    has_tie: np.ndarray, ties: np.ndarray, n_agents: int, institution: np.ndarray,
    building: np.ndarray, fam: np.ndarray, rate: tuple[np.ndarray, ...],
    reach: tuple[np.ndarray, ...], capacity: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The meeting draw's work on a chunk of contacts in one pass (see
    :meth:`sim.engine.meetings.MeetingDraw.add`, whose numpy path this repeats with the
    same floating-point operations in the same order).

    ``bounds``: the largest meeting chance, then the encounter sample's window ``[lo,
    hi)`` of pair uniforms; ``fam``: the familiarity factors of the same institution,
    the same building and a tie; ``rate``: the meeting rate of every edge, node, venue
    and space; ``reach``: the edges' crowd share and lingering share, the venues' and
    the spaces' share within reach (:class:`sim.engine.meetings.SettingRates`).

    Returns the rows that can meet (those whose uniform is below the cap, or ties) and
    their hazards, and the rows in the encounter sample and their weights.
    """
    edge_rate, node_rate, venue_rate, space_rate = rate
    edge_reach, linger_reach, venue_reach, space_reach = reach
    n = a.shape[0]
    keep = np.empty(n, np.int64)
    hazard = np.empty(n)
    sample = np.empty(n, np.int64)
    weight = np.empty(n)
    n_keep = 0
    n_sample = 0
    for r in range(n):
        i, j = a[r], b[r]
        u = _pair_uniform(day_keys[i], day_keys[j])
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
        keep[n_keep] = r
        hazard[n_keep] = r_rate * f * attention * (dur[r] * time_share / 60.0)
        n_keep += 1
    return keep[:n_keep], hazard[:n_keep], sample[:n_sample], weight[:n_sample]


@jit
def meeting_rows(
    key: np.ndarray, chance: np.ndarray, day_keys: np.ndarray, n_agents: int, cap: float,
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
        u = _pair_uniform(day_keys[i], day_keys[j])
        c = chance[r]
        if u < min(c, cap) or (u < c and _met_before(i, j, has_tie, ties, n_agents)):
            met[m] = r
            m += 1
    return met[:m]
