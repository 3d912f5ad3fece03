"""Which pairs of walk or stay rows to measure: the compiled candidate search.

A contact rule looks at pairs of rows of the same group (edge, node or place) whose
times overlap. Rows are sorted by ``key`` (group, then start time); the *partners* of
row ``i`` are the rows after it whose key is below ``end_key[i]``. On a busy day there
are tens of millions of such pairs (hundreds of millions at 100,000 people), growing
with the square of density, and only a few per cent are wanted by the meeting draw's
screen (:class:`sim.engine.encounters.PairScreen`): those whose uniform of the day is
below a small bound or in the encounter sample's window, and ties.

The pair uniform is built so that those pairs can be found without visiting the rest
(:func:`sim.rng.pair_uniform`): the whole part of 19 times it is the sum of the two
people's day classes, so every pair whose uniform lies in a window within one
nineteenth has a known class sum ``s``, and a row of class ``c`` need only visit the
partners of class ``s - c``. Within each group the rows are kept in blocks by class
(:func:`class_blocks`) and :func:`class_pairs` visits only the blocks the screen's
windows reach: 1 of 19 at the model's defaults. Ties, which are wanted whatever their
uniform, are found from each tied pair's own rows (:func:`tie_pairs`).

Both return exactly the pairs the numpy path of :mod:`sim.engine.encounters` keeps
(all partners, screened); each pair's rows come in the same relative order (by ``i``,
then ``j``), which is what the per-pair sums of the meeting draw depend on. Tests
compare the two.
"""

from __future__ import annotations

import numpy as np

from sim.compiled import jit
from sim.engine.kernels import _day_class, _pair_class, _pair_hash


@jit
def class_blocks(
    group: np.ndarray, agent: np.ndarray, person_class: np.ndarray, n_classes: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Rows of each group in blocks by their person's class, each block in row order.

    ``group`` is non-decreasing (rows sorted by group, then start) and holds place
    numbers (small, not negative); ``person_class`` is each person's day class. Returns
    ``perm`` (row numbers, group by group and class by class), ``where`` (each row's
    place in ``perm``), ``block`` (block ``b`` of group ``g`` is
    ``perm[block[g * n_classes + b] : block[g * n_classes + b + 1]]``, empty for a
    group without rows) and ``cls`` (each row's class). A counting sort, with 32-bit
    and 8-bit columns: at 100,000 people a day has 3 million walk rows.
    """
    n = group.shape[0]
    cls = np.empty(n, np.int8)
    for r in range(n):
        cls[r] = person_class[agent[r]]
    n_groups = np.int64(group[n - 1]) + 1 if n else 0
    block = np.zeros(n_groups * n_classes + 1, np.int64)
    for r in range(n):
        block[np.int64(group[r]) * n_classes + cls[r] + 1] += 1
    for b in range(block.shape[0] - 1):
        block[b + 1] += block[b]
    fill = block[:-1].copy()
    perm = np.empty(n, np.int32)
    where = np.empty(n, np.int32)
    for r in range(n):
        b = np.int64(group[r]) * n_classes + cls[r]
        perm[fill[b]] = r
        where[r] = fill[b]
        fill[b] += 1
    return perm, where, block, cls


@jit
def class_pairs(
    row: int, key: np.ndarray, group: np.ndarray, end: np.ndarray, span: float,
    agent: np.ndarray, keys: np.ndarray,
    cls: np.ndarray, perm: np.ndarray, where: np.ndarray, block: np.ndarray,
    cursor: np.ndarray, n_classes: int, sums: np.ndarray,
    bounds: np.ndarray, out_i: np.ndarray, out_j: np.ndarray,
) -> tuple[int, int]:
    """Partner pairs ``(i, j)`` of two different people whose pair uniform falls in the
    screen's windows: for class sum ``s``, a hash below ``bounds[s, 0]`` or within
    ``[bounds[s, 1], bounds[s, 2])`` (:attr:`sim.engine.encounters.PairScreen.hash_bounds`).

    ``key``, ``agent`` and ``keys`` (each row's person's day key) are given in block
    order (indexed like ``perm``, so that a block is read front to back), ``group``,
    ``end`` and ``cls`` (each row's person's class) in row order: a row's partners are
    the later rows whose ``key`` is below its end key ``group * span + end``, computed
    here as :func:`sim.engine.encounters._sort_keys` computes it (a column less to hold
    at high density); ``perm``, ``where`` (each row's place in ``perm``) and ``block``
    come from :func:`class_blocks`
    (``n_classes`` classes); ``cursor`` (a copy of ``block[:-1]`` at the first call,
    then left to this function) is where each block's rows after the current one
    start; ``sums`` are the class sums the windows reach.

    Restartable: starts at ``row``, fills the output buffers and returns ``(next_row,
    n)``, the first row not finished and how many pairs were written. A row whose
    partner blocks might not fit in what is left of the buffers is not begun: it is
    returned as ``next_row``, so the caller can empty the buffers and call again (with
    larger ones if not even one row fitted).
    """
    n = end.shape[0]
    cap = out_i.shape[0]
    k = 0
    while row < n:
        own = where[row]
        a, ka, stop_key = agent[own], keys[own], np.float64(group[row]) * span + end[row]
        base = np.int64(group[row]) * n_classes
        c = np.int64(cls[row])
        # Blocks keep row order, and rows come in order: once this row is taken, the
        # rows of each block after it start at the block's cursor (idempotent, so a
        # restart at this row finds the same cursors).
        cursor[base + c] = own + 1
        room = 0
        for s in sums:
            d = s - c
            b = base + (d + n_classes if d < 0 else d)
            room += block[b + 1] - cursor[b]
        if k + room > cap:
            return row, k
        for s in sums:
            d = s - c  # the partners' class
            b = base + (d + n_classes if d < 0 else d)
            below, sample_lo, sample_hi = bounds[s, 0], bounds[s, 1], bounds[s, 2]
            x, stop = cursor[b], block[b + 1]
            # Branch-free: about half the partners visited are kept, at random.
            while x < stop and key[x] < stop_key:
                h = _pair_hash(ka, keys[x])
                kept = (h < below) | ((h >= sample_lo) & (h < sample_hi))
                out_i[k], out_j[k] = row, perm[x]
                k += kept & (agent[x] != a)
                x += 1
        row += 1
    return row, k


@jit
def rows_by_agent(agent: np.ndarray, n_agents: int) -> tuple[np.ndarray, np.ndarray]:
    """Each person's rows in row order: ``rows[start[a] : start[a + 1]]`` (counting sort)."""
    start = np.zeros(n_agents + 1, np.int64)
    for r in range(agent.shape[0]):
        start[agent[r] + 1] += 1
    for a in range(n_agents):
        start[a + 1] += start[a]
    fill = start[:-1].copy()
    rows = np.empty(agent.shape[0], np.int64)
    for r in range(agent.shape[0]):
        rows[fill[agent[r]]] = r
        fill[agent[r]] += 1
    return start, rows


@jit
def tie_pairs(
    key: np.ndarray, end_key: np.ndarray, day_keys: np.ndarray, n_classes: int,
    bounds: np.ndarray, ties: np.ndarray, n_agents: int, start: np.ndarray,
    rows: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Partner pairs ``(i, j)`` of tied people (``ties``: sorted keys ``a * n_agents +
    b``) whose pair uniform is outside the screen's windows (those inside are
    :func:`class_pairs`'; ``bounds`` as there), sorted by ``(i, j)``.

    ``day_keys`` per person (``n_classes`` day classes); ``start`` and ``rows`` from
    :func:`rows_by_agent`. Each person's keys are first copied next to each other, so
    that a tie reads two short runs instead of rows all over the table; then every row
    of one person is matched against the other's rows after it (a pointer that only
    moves forward, then while the key is below the row's end key), both ways round.
    """
    classes = np.uint64(n_classes)
    own_key = np.empty(rows.shape[0])
    own_end = np.empty(rows.shape[0])
    for p in range(rows.shape[0]):
        own_key[p], own_end[p] = key[rows[p]], end_key[rows[p]]
    cap = 1024
    out_i = np.empty(cap, np.int64)
    out_j = np.empty(cap, np.int64)
    k = 0
    for t in range(ties.shape[0]):
        a = ties[t] // n_agents
        b = ties[t] - a * n_agents
        s = _pair_class(_day_class(day_keys[a], classes), _day_class(day_keys[b], classes),
                        classes)
        h = _pair_hash(day_keys[a], day_keys[b])
        if h < bounds[s, 0] or (h >= bounds[s, 1] and h < bounds[s, 2]):
            continue
        for side in range(2):
            x, y = (a, b) if side == 0 else (b, a)
            q, q_end = start[y], start[y + 1]
            for p in range(start[x], start[x + 1]):
                i = rows[p]
                while q < q_end and rows[q] <= i:
                    q += 1
                r = q
                while r < q_end and own_key[r] < own_end[p]:
                    if k == cap:
                        cap *= 2
                        out_i = np.concatenate((out_i, np.empty(cap - k, np.int64)))
                        out_j = np.concatenate((out_j, np.empty(cap - k, np.int64)))
                    out_i[k], out_j[k] = i, rows[r]
                    k += 1
                    r += 1
    order = np.argsort(out_i[:k] * key.shape[0] + out_j[:k])
    return out_i[:k][order], out_j[:k][order]


@jit
def order_ticks(packed: np.ndarray, row_bits: int, start: np.ndarray) -> np.ndarray:
    """Row order from ``packed`` (``(group, tick) << row_bits | row``, sorted), with each
    run of rows in the same group and tick put in order of ``start``, then row (an
    insertion sort: such runs are short and rare). See
    :func:`sim.engine.encounters.group_time_order`."""
    n = packed.shape[0]
    mask = (np.int64(1) << row_bits) - 1
    order = packed & mask
    lo = 0
    while lo < n:
        hi = lo + 1
        while hi < n and (packed[hi] >> row_bits) == (packed[lo] >> row_bits):
            hi += 1
        for k in range(lo + 1, hi):  # rows come in row order: stable by start
            row = order[k]
            p = k
            while p > lo and start[order[p - 1]] > start[row]:
                order[p] = order[p - 1]
                p -= 1
            order[p] = row
        lo = hi
    return order

