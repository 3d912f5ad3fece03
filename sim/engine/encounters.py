"""Contacts: two people within greeting distance of each other, computed exactly.

Three rules, all continuous in time (there is no time step to tune):

* **Same edge.** Two walkers on the same street segment at overlapping times, whose
  positions along it come within the greet radius ``r`` — crossing head-on, overtaking
  or walking the same stretch together. Positions are linear in time, so the closest
  approach over the common interval is found exactly.
* **Same node.** Two walkers both within ``r/2`` of the same junction or doorway at the
  same time (hence within ``r`` of each other), which catches people turning corners
  towards each other on different segments.
* **Same place.** Two people whose stays at the same venue or public space overlap.

Contacts are produced in chunks (generators) so that busy segments never hold all
candidate pairs in memory; :mod:`sim.engine.meetings` consumes them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np

from sim.engine.results import PLACE_EDGE, PLACE_NODE
from sim.engine.trips import Passages, Traversals
from sim.population.schedules import DayPlan

_SPAN = 1.0e6
"""Seconds per group in the combined sort key; larger than any time of day."""
_CHUNK_PAIRS = 2_000_000
"""Candidate pairs handled at once; bounds peak memory on busy segments."""


@dataclass
class Contacts:
    """A chunk of contacts: pair ``(a, b)``, ``a < b``, within reach at ``place`` from ``t``."""

    a: np.ndarray
    b: np.ndarray
    t: np.ndarray
    place_kind: np.ndarray
    place: np.ndarray

    def __len__(self) -> int:
        return int(self.a.shape[0])

    @classmethod
    def concat(cls, parts: Iterable[Contacts]) -> Contacts:
        """Row-wise concatenation; no parts gives an empty table of the right dtypes."""
        empty = cls(
            np.zeros(0, np.int32), np.zeros(0, np.int32), np.zeros(0), np.zeros(0, np.int8),
            np.zeros(0, np.int32),
        )
        parts = [empty, *parts]
        names = ("a", "b", "t", "place_kind", "place")
        return cls(*(np.concatenate([getattr(p, n) for p in parts]) for n in names))


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


def overlapping_pairs(
    group: np.ndarray, start: np.ndarray, end: np.ndarray
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """As :func:`sorted_pairs`, for unsorted arrays; indices refer to the given order."""
    order = np.lexsort((start, group))
    for i, j in sorted_pairs(group[order], start[order], end[order]):
        yield order[i], order[j]


def _ordered(
    agent: np.ndarray, i: np.ndarray, j: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Agent ids of pairs as (low, high), and a mask dropping self-pairs."""
    ai, aj = agent[i], agent[j]
    return np.minimum(ai, aj), np.maximum(ai, aj), ai != aj


def edge_contacts(trav: Traversals, length: np.ndarray, radius: float) -> Iterator[Contacts]:
    """Walkers on the same edge who come within ``radius`` of each other."""
    order = np.lexsort((trav.t_in, trav.edge))
    edge, agent = trav.edge[order], trav.agent[order]
    t_in, t_out = trav.t_in[order], trav.t_out[order]
    vel = np.where(trav.forward, trav.speed, -trav.speed)[order]
    # Position along the edge extrapolated back to time 0: x(t) = x0 + vel * t.
    x0 = np.where(trav.forward[order], 0.0, length[edge]) - vel * t_in
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
        a, b, distinct = _ordered(agent, i[close], j[close])
        keep = close[distinct]
        gap = np.abs(d_lo[keep])
        t0 = np.where(
            gap <= radius, lo[keep],
            lo[keep] + (gap - radius) / np.maximum(np.abs(slope[keep]), 1e-9),
        )
        yield Contacts(a[distinct], b[distinct], t0,
                       np.full(t0.shape[0], PLACE_EDGE, np.int8), edge[j[keep]])


def node_contacts(pas: Passages) -> Iterator[Contacts]:
    """Walkers near the same node at the same time (see :class:`Passages`)."""
    order = np.lexsort((pas.t_lo, pas.node))
    node, agent, t_lo = pas.node[order], pas.agent[order], pas.t_lo[order]
    for i, j in sorted_pairs(node, t_lo, pas.t_hi[order]):
        a, b, keep = _ordered(agent, i, j)
        yield Contacts(a[keep], b[keep], t_lo[j[keep]],
                       np.full(int(keep.sum()), PLACE_NODE, np.int8), node[j[keep]])


def stay_contacts(plan: DayPlan, n_places_per_kind: int) -> Iterator[Contacts]:
    """People whose stays in the same zone of a venue or public space overlap."""
    place = plan.stay_kind.astype(np.int64) * n_places_per_kind + plan.stay_place
    group = place * (int(plan.stay_zone.max(initial=0)) + 1) + plan.stay_zone
    order = np.lexsort((plan.stay_start, group))
    agent, start = plan.stay_agent[order], plan.stay_start[order]
    kind, where = plan.stay_kind[order], plan.stay_place[order]
    for i, j in sorted_pairs(group[order], start, plan.stay_end[order]):
        a, b, keep = _ordered(agent, i, j)
        yield Contacts(a[keep], b[keep], start[j[keep]], kind[j[keep]], where[j[keep]])
