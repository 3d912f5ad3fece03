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


def overlapping_pairs(
    group: np.ndarray, start: np.ndarray, end: np.ndarray
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Pairs of intervals in the same group that overlap in time, in chunks.

    Yields index arrays ``(i, j)`` into the *original* arrays, with
    ``start[i] <= start[j] < end[i]``. Sorting by (group, start) means the partners of
    ``i`` are the rows after it up to the first one starting after ``end[i]``.
    """
    order = np.lexsort((start, group))
    key = group[order].astype(np.float64) * _SPAN + start[order]
    hi = np.searchsorted(key, group[order] * _SPAN + end[order], side="left")
    n_partners = np.maximum(hi - np.arange(order.shape[0]) - 1, 0)
    cum = np.cumsum(n_partners)
    lo_row = 0
    while lo_row < order.shape[0]:
        done = cum[lo_row - 1] if lo_row else 0
        hi_row = int(np.searchsorted(cum, done + _CHUNK_PAIRS, side="right"))
        hi_row = max(hi_row, lo_row + 1)
        counts = n_partners[lo_row:hi_row]
        rows = np.repeat(np.arange(lo_row, hi_row), counts)
        offset = np.arange(rows.shape[0]) - np.repeat(np.cumsum(counts) - counts, counts)
        if rows.shape[0]:
            yield order[rows], order[rows + 1 + offset]
        lo_row = hi_row


def _ordered(
    agent: np.ndarray, i: np.ndarray, j: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Agent ids of pairs as (low, high), and a mask dropping self-pairs."""
    ai, aj = agent[i], agent[j]
    return np.minimum(ai, aj), np.maximum(ai, aj), ai != aj


def edge_contacts(trav: Traversals, length: np.ndarray, radius: float) -> Iterator[Contacts]:
    """Walkers on the same edge who come within ``radius`` of each other."""
    pos0 = np.where(trav.forward, 0.0, length[trav.edge])
    vel = np.where(trav.forward, trav.speed, -trav.speed)
    for i, j in overlapping_pairs(trav.edge, trav.t_in, trav.t_out):
        lo = trav.t_in[j]
        hi = np.minimum(trav.t_out[i], trav.t_out[j])
        # Separation along the edge is linear in time over the common interval.
        d_lo = (pos0[i] + vel[i] * (lo - trav.t_in[i])) - (pos0[j] + vel[j] * (lo - trav.t_in[j]))
        slope = vel[i] - vel[j]
        d_hi = d_lo + slope * (hi - lo)
        close = (d_lo * d_hi <= 0) | (np.minimum(np.abs(d_lo), np.abs(d_hi)) <= radius)
        a, b, distinct = _ordered(trav.agent, i, j)
        keep = close & distinct
        gap = np.abs(d_lo[keep])
        t0 = np.where(
            gap <= radius, lo[keep],
            lo[keep] + (gap - radius) / np.maximum(np.abs(slope[keep]), 1e-9),
        )
        yield Contacts(a[keep], b[keep], t0, np.full(t0.shape[0], PLACE_EDGE, np.int8),
                       trav.edge[j[keep]])


def node_contacts(pas: Passages) -> Iterator[Contacts]:
    """Walkers near the same node at the same time (see :class:`Passages`)."""
    for i, j in overlapping_pairs(pas.node, pas.t_lo, pas.t_hi):
        a, b, keep = _ordered(pas.agent, i, j)
        yield Contacts(a[keep], b[keep], pas.t_lo[j[keep]],
                       np.full(int(keep.sum()), PLACE_NODE, np.int8), pas.node[j[keep]])


def stay_contacts(plan: DayPlan, n_places_per_kind: int) -> Iterator[Contacts]:
    """People whose stays in the same zone of a venue or public space overlap."""
    place = plan.stay_kind.astype(np.int64) * n_places_per_kind + plan.stay_place
    group = place * (int(plan.stay_zone.max(initial=0)) + 1) + plan.stay_zone
    for i, j in overlapping_pairs(group, plan.stay_start, plan.stay_end):
        a, b, keep = _ordered(plan.stay_agent, i, j)
        yield Contacts(a[keep], b[keep], plan.stay_start[j[keep]], plan.stay_kind[j[keep]],
                       plan.stay_place[j[keep]])
