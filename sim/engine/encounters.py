"""Contacts: two people within greeting distance of each other, computed exactly.

Three rules, all continuous in time (there is no time step to tune). Each contact
carries how long the two are within reach (its *exposure*, for the accumulation of
:mod:`sim.engine.meetings`) and how many other people are at the place when it begins
(its *crowd*, for the attention rule):

* **Same edge.** Two walkers on the same street segment at overlapping times, whose
  positions along it come within the greet radius ``r`` — crossing head-on, overtaking
  or walking the same stretch together. Positions are linear in time, so the interval
  within reach is found exactly.
* **Same node, different edges.** Two walkers near the same junction or doorway on
  different segments (one turning into the street the other leaves, two approaching a
  corner from two sides). Near the node each walker moves in a straight line along the
  segment's chord, so the time during which the two are within ``r`` in the plane is
  the solution of a quadratic, exactly. Pieces where both are on the *same* segment
  are left to the same-edge rule, so nothing is counted twice.
* **Same place.** Two people whose stays at the same venue, public space or street
  segment (lingering) overlap;
  how much of that time they are within reach depends on the room's area and is
  applied by the meeting rules (:func:`sim.engine.meetings.room_reach_share`).

Contacts are produced in chunks (generators) so that busy segments never hold all
candidate pairs in memory; :mod:`sim.engine.meetings` consumes them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

from sim.engine import candidates, kernels
from sim.engine.results import PLACE_EDGE, PLACE_NODE
from sim.engine.trips import Passages, Traversals
from sim.population.schedules import DayPlan
from sim.rng import PAIR_CLASSES, day_class, hash_bound, pair_uniform

_SPAN = 1.0e6
"""Seconds per group in the combined sort key; larger than any time of day."""
_CHUNK_PAIRS = 500_000
"""Candidate pairs handled at once; bounds peak memory on busy segments (at 100,000
people the chunks' buffers and the contacts made from them were 50 MB of the peak at
2,000,000; the time per day did not change measurably)."""
NODE_REACH_FACTOR = 1.0
"""How far along each street from a junction the corner rule looks, in greet radii.

Two walkers on rays from a node at angle theta are within ``r`` only if both are
within ``r / sin(theta)`` of it; looking one radius out makes the corner rule exact at
right-angle and obtuse corners. At sharper junctions (a Y) a pair within reach while
one of them is farther than ``r`` from the node is missed; looking farther would cost
time in proportion (every pair of walkers near a node is examined).
"""

_FIELDS = ("a", "b", "t", "place_kind", "place", "dur", "crowd", "stay")



def is_tie(a: np.ndarray, b: np.ndarray, ties: np.ndarray, n_agents: int) -> np.ndarray:
    """Whether each pair ``(a, b)``, ``a < b``, is in the sorted tie keys ``a * n + b``."""
    if not ties.shape[0]:
        return np.zeros(a.shape[0], bool)
    key = a.astype(np.int64) * n_agents + b
    pos = np.minimum(np.searchsorted(ties, key), ties.shape[0] - 1)
    return ties[pos] == key


@dataclass(frozen=True)
class PairScreen:
    """Which candidate pairs are worth measuring (see :class:`sim.engine.meetings.MeetingDraw`).

    A pair is kept when its uniform of the day (:func:`sim.rng.pair_uniform` of the two
    people's day keys) is below ``below`` or within ``[sample_lo, sample_hi)``, or when
    the two have met before (a tie). Both contact paths (numpy and compiled) apply
    exactly this test.

    Attributes
    ----------
    day_keys
        Each person's key of the day (uint64); ``None`` keeps every pair.
    below, sample_lo, sample_hi
        Bounds on the pair uniform.
    has_tie
        Per person, whether they have any tie (bool; empty when there are none).
    ties
        Sorted pair keys ``a * n_agents + b``, ``a < b``, of pairs that met before.
    n_agents
        People in the population.
    classes
        Day classes of the pair uniform (``model.pair_classes``, :func:`sim.rng.pair_uniform`).
    """

    day_keys: np.ndarray | None
    below: float
    sample_lo: float = 0.0
    sample_hi: float = 0.0
    has_tie: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    ties: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    n_agents: int = 0
    classes: int = PAIR_CLASSES

    def row_keys(self, agent: np.ndarray) -> np.ndarray:
        """The day key of each row's person (zeros when every pair is kept)."""
        if self.day_keys is None:
            return np.zeros(agent.shape[0], np.uint64)
        return self.day_keys[agent]

    @cached_property
    def hash_bounds(self) -> np.ndarray:
        """The windows as bounds on the pair hash, per class sum (:func:`sim.rng.hash_bound`):
        row ``s`` holds the hashes below which a pair of class sum ``s`` is below
        ``below``, ``sample_lo`` and ``sample_hi`` (uint64, shape (classes, 3)), for the
        compiled search, which knows each pair's class sum and need not divide."""
        sums = np.arange(self.classes)
        windows = (self.below, self.sample_lo, self.sample_hi)
        return np.stack([hash_bound(sums, u, self.classes) for u in windows], axis=1)

    def person_keys(self, n_people: int) -> np.ndarray:
        """Each person's day key (zeros when every pair is kept; ``n_people`` of them)."""
        return np.zeros(n_people, np.uint64) if self.day_keys is None else self.day_keys

    def class_sums(self) -> np.ndarray:
        """The class sums whose pairs can fall in the windows."""
        b = self.hash_bounds
        return np.flatnonzero((b[:, 0] > 0) | (b[:, 2] > b[:, 1]))

    def wanted(
        self, key_i: np.ndarray, key_j: np.ndarray, ai: np.ndarray, aj: np.ndarray
    ) -> np.ndarray:
        """Boolean mask of the candidate pairs (row keys and people) to keep."""
        u = pair_uniform(key_i, key_j, self.classes)
        keep = (u < self.below) | ((u >= self.sample_lo) & (u < self.sample_hi))
        if self.has_tie.shape[0]:
            maybe = np.flatnonzero(~keep & self.has_tie[ai] & self.has_tie[aj])
            if maybe.shape[0]:
                lo, hi = np.minimum(ai[maybe], aj[maybe]), np.maximum(ai[maybe], aj[maybe])
                keep[maybe] = is_tie(lo, hi, self.ties, self.n_agents)
        return keep


ALL_PAIRS = PairScreen(day_keys=None, below=1.0)
"""The screen that keeps every pair (for tests and tools that want all contacts)."""


def use_compiled(compiled: bool | None) -> bool:
    """Whether to run the compiled loops: ``None`` means whenever numba is installed."""
    if compiled is None:
        return kernels.AVAILABLE
    if compiled and not kernels.AVAILABLE:
        raise RuntimeError("the compiled contact loops need numba, which is not installed")
    return compiled


@dataclass
class Contacts:
    """A chunk of contacts.

    Pair ``(a, b)``, ``a < b``, within reach at ``place`` from ``t``; ``dur`` seconds
    within reach (for stays: seconds present together), ``crowd`` other people present
    at the place when the contact began; ``stay`` marks contacts between people staying
    at the place (a venue, a space, or lingering on a street segment), not walking.
    """

    a: np.ndarray
    b: np.ndarray
    t: np.ndarray
    place_kind: np.ndarray
    place: np.ndarray
    dur: np.ndarray
    crowd: np.ndarray
    stay: np.ndarray

    def __len__(self) -> int:
        return int(self.a.shape[0])

    def take(self, rows: np.ndarray) -> Contacts:
        """The contacts at ``rows`` (an index or boolean array)."""
        return Contacts(*(getattr(self, n)[rows] for n in _FIELDS))

    @classmethod
    def concat(cls, parts: Iterable[Contacts]) -> Contacts:
        """Row-wise concatenation; no parts gives an empty table of the right dtypes."""
        empty = cls(
            np.zeros(0, np.int32), np.zeros(0, np.int32), np.zeros(0), np.zeros(0, np.int8),
            np.zeros(0, np.int32), np.zeros(0), np.zeros(0), np.zeros(0, bool),
        )
        parts = [empty, *parts]
        return cls(*(np.concatenate([getattr(p, n) for p in parts]) for n in _FIELDS))


def sorted_pairs(
    group: np.ndarray, start: np.ndarray, end: np.ndarray
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Overlapping intervals of the same group, for arrays already sorted by (group, start).

    Yields index arrays ``(i, j)``, ``i < j``, in chunks, with
    ``start[i] <= start[j] < end[i]``: the partners of ``i`` are the rows after it up to
    the first one starting after ``end[i]``. Partners lie close together in memory,
    which keeps the gathers that follow cache-friendly.
    """
    key = group.astype(np.float64) * _SPAN + start
    hi = np.searchsorted(key, group * _SPAN + end, side="left")
    n_partners = np.maximum(hi - np.arange(group.shape[0]) - 1, 0)
    cum = np.cumsum(n_partners)
    lo_row = 0
    while lo_row < group.shape[0]:
        done = cum[lo_row - 1] if lo_row else 0
        hi_row = int(np.searchsorted(cum, done + _CHUNK_PAIRS, side="right"))
        hi_row = max(hi_row, lo_row + 1)
        counts = n_partners[lo_row:hi_row]
        rows = np.repeat(np.arange(lo_row, hi_row), counts)
        offset = np.arange(rows.shape[0]) - np.repeat(np.cumsum(counts) - counts, counts)
        if rows.shape[0]:
            yield rows, rows + 1 + offset
        lo_row = hi_row


_TICKS = 256.0
"""Start times are first sorted in ticks of 1/256 s (see :func:`group_time_order`)."""


def group_time_order(group: np.ndarray, start: np.ndarray) -> np.ndarray:
    """Order of rows by (group, start), rows of equal group and start in row order.

    Group, start in ticks of 1/256 s and row number are packed into one integer and
    sorted by value, which numpy does about five times faster than an indirect sort of
    the combined float key; rows in the same tick are then put in exact order of their
    start (:func:`sim.engine.candidates.order_ticks`). Where the numbers do not fit in 63
    bits, or without numba, the combined key :func:`sorted_pairs` searches is sorted
    indirectly (the same order up to rows of equal group and start).
    """
    n = group.shape[0]
    g = group.astype(np.int64)
    if n and kernels.AVAILABLE and g.min() >= 0 and start.min() >= 0:
        row_bits = max(int(n - 1).bit_length(), 1)
        tick = (start * _TICKS).astype(np.int64)  # floor: the starts are not negative
        tick_bits = max(int(tick.max()).bit_length(), 1)
        group_bits = max(int(g.max()).bit_length(), 1)
        if row_bits + tick_bits + group_bits <= 63:
            packed = ((g << tick_bits | tick) << row_bits) | np.arange(n, dtype=np.int64)
            packed.sort()
            return candidates.order_ticks(packed, row_bits, start)
    return np.argsort(group.astype(np.float64) * _SPAN + start)


def overlapping_pairs(
    group: np.ndarray, start: np.ndarray, end: np.ndarray
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """As :func:`sorted_pairs`, for unsorted arrays; indices refer to the given order."""
    order = group_time_order(group, start)
    for i, j in sorted_pairs(group[order], start[order], end[order]):
        yield order[i], order[j]


def present_at_start(
    group: np.ndarray, start: np.ndarray, end: np.ndarray, compiled: bool | None = None
) -> np.ndarray:
    """For rows sorted by (group, start): how many rows of the group are under way at each
    row's start (itself included). ``compiled`` as in :func:`edge_contacts`."""
    g = group.astype(np.float64) * _SPAN
    key_start = g + start
    key_end = np.sort(g + end)
    if use_compiled(compiled):
        return kernels.present_counts(g, key_start, key_end)
    first = np.searchsorted(key_start, g, side="left")
    started = np.searchsorted(key_start, key_start, side="right") - first
    ended = np.searchsorted(key_end, key_start, side="right") - np.searchsorted(
        key_end, g, side="left"
    )
    return (started - ended).astype(np.float64)


def _crowd(group: np.ndarray, start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """For rows sorted by (group, start): the other people under way at the place when
    each row starts, besides the two of a contact. Whole numbers, so single precision
    holds them exactly, in half the memory of a column kept through the scan."""
    return np.maximum(present_at_start(group, start, end) - 2.0, 0.0).astype(np.float32)


def _ordered(
    agent: np.ndarray, keys: np.ndarray, i: np.ndarray, j: np.ndarray, screen: PairScreen
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Which rows pair two different people who are wanted, and their ids ``(low, high)``."""
    ai, aj = agent[i], agent[j]
    sel = screen.wanted(keys[i], keys[j], ai, aj) & (ai != aj)
    ai, aj = ai[sel], aj[sel]
    return sel, np.minimum(ai, aj), np.maximum(ai, aj)


def _sort_keys(
    group: np.ndarray, start: np.ndarray, end: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """For rows sorted by (group, start): the combined sort key and the key each row's
    partners must stay below, exactly as :func:`sorted_pairs` computes them."""
    return _start_key(group, start), group * _SPAN + end


def _start_key(group: np.ndarray, start: np.ndarray) -> np.ndarray:
    """The combined sort key of :func:`_sort_keys`."""
    return group.astype(np.float64) * _SPAN + start


def _scan(
    kernel: Callable[..., tuple[int, int]], n_rows: int, args: tuple[Any, ...],
    size: int = _CHUNK_PAIRS // 2,
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Run a restartable compiled scan (:func:`sim.engine.candidates.class_pairs`) over
    all rows in chunks.

    Yields ``(i, j)``, the row pairs the scan kept, as views of buffers that the next
    chunk overwrites (fresh memory is dear to touch: tens of megabytes a chunk); a
    caller that keeps a chunk copies it. ``size`` is the first buffer length.
    """
    row = 0
    out = (np.empty(size, np.int64), np.empty(size, np.int64))
    while row < n_rows:
        row_next, k = kernel(row, *args, *out)
        if row_next == row and k == 0:
            size *= 2  # not even one row's pairs fitted
            out = (np.empty(size, np.int64), np.empty(size, np.int64))
            continue
        row = row_next
        if k:
            yield out[0][:k], out[1][:k]


def _candidate_pairs(
    group: np.ndarray, start: np.ndarray, end: np.ndarray, agent: np.ndarray,
    screen: PairScreen,
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """The wanted partner pairs ``(i, j)`` of rows sorted by (group, start), by the
    compiled search of :mod:`sim.engine.candidates`: the pairs whose bits fall in the
    screen's windows, in chunks (valid until the next is asked for, see :func:`_scan`),
    then the ties outside them."""
    if group.shape[0] and group[0] < 0:  # blocks are indexed by group (sorted)
        raise ValueError("contact groups are place numbers and cannot be negative")
    day_keys = screen.person_keys(int(agent.max()) + 1 if agent.shape[0] else 0)
    k = screen.classes
    person_class = day_class(day_keys, k).astype(np.int8)
    perm, where, block, cls = candidates.class_blocks(group, agent, person_class, k)
    agent_p = agent[perm]
    # Only the permuted sort key is held through the scan, and no end key (computed
    # per row in the scan): at 100,000 people each column is 30 MB of the peak.
    key_p = _start_key(group[perm], start[perm])
    args = (key_p, group, end, _SPAN, agent_p, day_keys[agent_p], cls, perm, where, block,
            block[:-1].copy(), k, screen.class_sums(), screen.hash_bounds)
    yield from _scan(candidates.class_pairs, group.shape[0], args)
    del args, key_p, agent_p
    if screen.ties.shape[0] and screen.day_keys is not None:
        key, end_key = _sort_keys(group, start, end)
        first, rows = candidates.rows_by_agent(agent, screen.n_agents)
        i, j = candidates.tie_pairs(key, end_key, screen.day_keys, k, screen.hash_bounds,
                                    screen.ties, screen.n_agents, first, rows)
        if i.shape[0]:
            yield i, j


def _sorted_columns(
    table: Traversals | Passages, order: np.ndarray, names: tuple[str, ...], consume: bool
) -> list[np.ndarray]:
    """The columns ``names`` of ``table`` in ``order``; with ``consume``, each original
    column is emptied as soon as its sorted copy is made, so that at most one extra
    column is held (peak memory at high density: the walk tables are the largest
    arrays of a day)."""
    out = []
    for name in names:
        column = getattr(table, name)
        # take(axis=0), should a column have more than one dimension: numpy's fancy
        # indexing of an (n, 2) array by rows was ~7x slower.
        out.append(np.take(column, order, axis=0))
        if consume:
            setattr(table, name, np.empty((0, *column.shape[1:]), column.dtype))  # no view
        del column
    return out


def _low_high(agent: np.ndarray, i: np.ndarray, j: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    ai, aj = agent[i], agent[j]
    return np.minimum(ai, aj), np.maximum(ai, aj)


def edge_contacts(
    trav: Traversals, length: np.ndarray, radius: float, wanted: PairScreen = ALL_PAIRS,
    compiled: bool | None = None, consume: bool = False,
) -> Iterator[Contacts]:
    """Walkers on the same edge who come within ``radius`` of each other.

    ``compiled`` chooses the loops of :mod:`sim.engine.kernels` (``None``: when numba is
    installed) or the numpy path; both give the same contacts. ``consume`` empties
    ``trav``'s columns once sorted copies are made (for a caller that is done with it).
    """
    order = group_time_order(trav.edge, trav.t_in)
    edge, agent, t_in, t_out, forward, speed = _sorted_columns(
        trav, order, ("edge", "agent", "t_in", "t_out", "forward", "speed"), consume
    )
    del trav, order  # only the sorted copies are needed from here (peak memory)
    vel = np.where(forward, speed, -speed)
    del speed
    # Position along the edge extrapolated back to time 0: x(t) = x0 + vel * t.
    x0 = np.where(forward, 0.0, length[edge]) - vel * t_in
    del forward
    crowd = _crowd(edge, t_in, t_out)
    if use_compiled(compiled):
        for i, j in _candidate_pairs(edge, t_in, t_out, agent, wanted):
            t0, dur = kernels.edge_reach(i, j, vel, x0, t_in, t_out, float(radius))
            hit = np.flatnonzero(dur > 0)
            i, j = i[hit], j[hit]
            a, b = _low_high(agent, i, j)
            yield Contacts(a, b, t0[hit], np.full(i.shape[0], PLACE_EDGE, np.int8), edge[j],
                           dur[hit], crowd[j], np.zeros(i.shape[0], bool))
        return
    keys = wanted.row_keys(agent)
    for i, j in sorted_pairs(edge, t_in, t_out):
        lo = t_in[j]
        hi = np.minimum(t_out[i], t_out[j])
        # Separation along the edge is linear in time over the common interval.
        slope = vel[i] - vel[j]
        d_lo = x0[i] - x0[j] + slope * lo
        d_hi = d_lo + slope * (hi - lo)
        close = np.flatnonzero(
            (d_lo * d_hi <= 0) | (np.minimum(np.abs(d_lo), np.abs(d_hi)) <= radius)
        )
        sel, a, b = _ordered(agent, keys, i[close], j[close], wanted)
        keep = close[sel]
        t0, dur = _reach_1d(d_lo[keep], slope[keep], lo[keep], hi[keep], radius)
        ok = dur > 0
        keep = keep[ok]
        yield Contacts(a[ok], b[ok], t0[ok], np.full(keep.shape[0], PLACE_EDGE, np.int8),
                       edge[j[keep]], dur[ok], crowd[j[keep]], np.zeros(keep.shape[0], bool))


def _reach_1d(
    d_lo: np.ndarray, slope: np.ndarray, lo: np.ndarray, hi: np.ndarray, radius: float
) -> tuple[np.ndarray, np.ndarray]:
    """Start and length of the time in ``[lo, hi]`` when ``|d_lo + slope (t - lo)| <= r``."""
    moving = np.abs(slope) > 1e-9
    s = np.where(moving, slope, 1.0)
    t1 = np.where(moving, lo + (-radius - d_lo) / s, -np.inf)
    t2 = np.where(moving, lo + (radius - d_lo) / s, np.inf)
    enter = np.maximum(lo, np.minimum(t1, t2))
    leave = np.minimum(hi, np.maximum(t1, t2))
    still_in = moving | (np.abs(d_lo) <= radius)
    dur = np.where(still_in, np.maximum(leave - enter, 0.0), 0.0)
    return enter, dur


def _reach_2d(
    rel_v: np.ndarray, rel_p: np.ndarray, lo: np.ndarray, hi: np.ndarray, radius: float
) -> tuple[np.ndarray, np.ndarray]:
    """Start and length of the time in ``[lo, hi]`` when ``|rel_p + rel_v (t - lo)| <= r``.

    ``rel_v`` and ``rel_p`` are (n, 2): relative velocity and relative position at ``lo``.
    """
    qa = (rel_v * rel_v).sum(axis=1)
    qb = (rel_v * rel_p).sum(axis=1)
    qc = (rel_p * rel_p).sum(axis=1) - radius * radius
    moving = qa > 1e-12
    disc = qb * qb - qa * qc
    root = np.sqrt(np.maximum(disc, 0.0))
    a = np.where(moving, qa, 1.0)
    s1 = np.where(moving, (-qb - root) / a, np.where(qc <= 0, -np.inf, np.inf))
    s2 = np.where(moving, (-qb + root) / a, np.where(qc <= 0, np.inf, -np.inf))
    ok = np.where(moving, disc >= 0, qc <= 0) & (hi > lo)
    enter = lo + np.maximum(s1, 0.0)
    leave = np.minimum(hi, lo + s2)
    dur = np.where(ok, np.maximum(leave - enter, 0.0), 0.0)
    return enter, dur


def node_contacts(
    pas: Passages, radius: float, wanted: PairScreen = ALL_PAIRS,
    compiled: bool | None = None, consume: bool = False,
) -> Iterator[Contacts]:
    """Walkers on different segments through the same node who come within ``radius``.

    Each passage has a piece before the node (on ``e_in``) and one after (on ``e_out``);
    of the four combinations of two passages' pieces, those on different edges are
    checked exactly in the plane (see :class:`sim.engine.trips.Passages`). ``compiled``
    and ``consume`` as in :func:`edge_contacts`.
    """
    order = group_time_order(pas.node, pas.t_lo)
    node, agent, t_lo, t_hi, t_node, e_in, e_out, sv_in, sv_out = _sorted_columns(
        pas, order,
        ("node", "agent", "t_lo", "t_hi", "t_node", "e_in", "e_out", "sv_in", "sv_out"),
        consume,
    )
    edge_dir = pas.edge_dir
    del pas, order  # only the sorted copies are needed from here (peak memory)
    crowd = _crowd(node, t_lo, t_hi)
    if use_compiled(compiled):
        for i, j in _candidate_pairs(node, t_lo, t_hi, agent, wanted):
            first, total = kernels.node_reach(i, j, t_lo, t_hi, t_node, e_in, e_out, sv_in,
                                              sv_out, edge_dir, float(radius))
            ok = np.flatnonzero(total > 0)
            i, j = i[ok], j[ok]
            a, b = _low_high(agent, i, j)
            yield Contacts(a, b, first[ok], np.full(i.shape[0], PLACE_NODE, np.int8), node[j],
                           total[ok], crowd[j], np.zeros(i.shape[0], bool))
        return
    keys = wanted.row_keys(agent)
    for i, j in sorted_pairs(node, t_lo, t_hi):
        sel, a, b = _ordered(agent, keys, i, j, wanted)
        i, j = i[sel], j[sel]
        # Piece 0 of a passage is before the node (on e_in), piece 1 after it (on e_out);
        # position = node + vel (t - t_node) on both.
        side = []
        for k in (i, j):
            tn = t_node[k]
            side.append((
                (e_in[k], edge_dir[e_in[k]] * sv_in[k][:, None], t_lo[k], tn),
                (e_out[k], edge_dir[e_out[k]] * sv_out[k][:, None], tn, t_hi[k]),
                tn,
            ))
        (p_i, q_i, tn_i), (p_j, q_j, tn_j) = side
        total = np.zeros(i.shape[0])
        first = np.full(i.shape[0], np.inf)
        for e_p, vel_p, lo_p, hi_p in (p_i, q_i):
            for e_q, vel_q, lo_q, hi_q in (p_j, q_j):
                lo = np.maximum(lo_p, lo_q)
                hi = np.minimum(hi_p, hi_q)
                live = np.flatnonzero((hi > lo) & (e_p != e_q) & (e_p >= 0) & (e_q >= 0))
                if not live.shape[0]:
                    continue
                lo_l = lo[live]
                vp, vq = vel_p[live], vel_q[live]
                rel_p = vp * (lo_l - tn_i[live])[:, None] - vq * (lo_l - tn_j[live])[:, None]
                enter, dur = _reach_2d(vp - vq, rel_p, lo_l, hi[live], radius)
                total[live] += dur
                first[live] = np.where(dur > 0, np.minimum(first[live], enter), first[live])
        ok = np.flatnonzero(total > 0)
        yield Contacts(a[ok], b[ok], first[ok], np.full(ok.shape[0], PLACE_NODE, np.int8),
                       node[j[ok]], total[ok], crowd[j[ok]], np.zeros(ok.shape[0], bool))


def stay_contacts(
    plan: DayPlan, n_places_per_kind: int, wanted: PairScreen = ALL_PAIRS,
    compiled: bool | None = None,
) -> Iterator[Contacts]:
    """People whose stays at the same venue, public space or segment overlap.

    ``compiled`` as in :func:`edge_contacts`.
    """
    group = plan.stay_kind.astype(np.int64) * n_places_per_kind + plan.stay_place
    order = group_time_order(group, plan.stay_start)
    group = group[order]
    agent, start, end = plan.stay_agent[order], plan.stay_start[order], plan.stay_end[order]
    kind, where = plan.stay_kind[order], plan.stay_place[order]
    crowd = _crowd(group, start, end)
    if use_compiled(compiled):
        pairs: Iterable[tuple[np.ndarray, ...]] = (
            (i, j, *_low_high(agent, i, j))
            for i, j in _candidate_pairs(group, start, end, agent, wanted)
        )
    else:
        keys = wanted.row_keys(agent)
        pairs = (
            (i[sel], j[sel], a, b)
            for i, j in sorted_pairs(group, start, end)
            for sel, a, b in [_ordered(agent, keys, i, j, wanted)]
        )
    for i, j, a, b in pairs:
        yield Contacts(a, b, start[j], kind[j], where[j],
                       np.minimum(end[i], end[j]) - start[j], crowd[j],
                       np.ones(i.shape[0], bool))
