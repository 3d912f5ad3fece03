"""Encounters: two people within greeting distance of each other, computed exactly.

Three rules, all continuous in time (there is no time step to tune):

* **Same edge.** Two walkers on the same street segment at overlapping times, whose
  positions along it come within the greet radius ``r`` — crossing head-on, overtaking
  or walking the same stretch together. Positions are linear in time, so the closest
  approach over the common interval is found exactly.
* **Same node.** Two walkers both within ``r/2`` of the same junction or doorway at the
  same time (hence within ``r`` of each other), which catches people turning corners
  towards each other on different segments.
* **Same place.** Two people whose stays at the same venue or public space overlap.

Detections of the same pair less than ``merge_gap_s`` apart are one encounter (walking
together along five segments is one encounter, not five).
"""

from __future__ import annotations

from collections.abc import Iterator
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
class Detections:
    """Raw contacts: pair ``(a, b)`` with ``a < b`` in contact at ``place`` over [t, t_end]."""

    a: np.ndarray
    b: np.ndarray
    t: np.ndarray
    t_end: np.ndarray
    place_kind: np.ndarray
    place: np.ndarray

    def __len__(self) -> int:
        return int(self.a.shape[0])

    @classmethod
    def concat(cls, parts: list[Detections]) -> Detections:
        """Row-wise concatenation; no parts gives an empty table of the right dtypes."""
        empty = cls(
            np.zeros(0, np.int32), np.zeros(0, np.int32), np.zeros(0), np.zeros(0),
            np.zeros(0, np.int8), np.zeros(0, np.int32),
        )
        names = ("a", "b", "t", "t_end", "place_kind", "place")
        return cls(*(np.concatenate([getattr(p, n) for p in [empty, *parts]]) for n in names))


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


def edge_detections(trav: Traversals, length: np.ndarray, radius: float) -> Detections:
    """Walkers on the same edge who come within ``radius`` of each other."""
    parts = []
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
        speed = np.maximum(np.abs(slope[keep]), 1e-9)
        t0 = np.where(
            np.abs(d_lo[keep]) <= radius, lo[keep],
            lo[keep] + (np.abs(d_lo[keep]) - radius) / speed,
        )
        t1 = np.where(
            np.abs(d_hi[keep]) <= radius, hi[keep],
            hi[keep] - (np.abs(d_hi[keep]) - radius) / speed,
        )
        parts.append(
            Detections(a[keep], b[keep], t0, np.maximum(t1, t0),
                       np.full(int(keep.sum()), PLACE_EDGE, np.int8), trav.edge[j[keep]])
        )
    return Detections.concat(parts)


def node_detections(pas: Passages) -> Detections:
    """Walkers near the same node at the same time (see :class:`Passages`)."""
    parts = []
    for i, j in overlapping_pairs(pas.node, pas.t_lo, pas.t_hi):
        a, b, keep = _ordered(pas.agent, i, j)
        parts.append(
            Detections(a[keep], b[keep], pas.t_lo[j[keep]],
                       np.minimum(pas.t_hi[i], pas.t_hi[j])[keep],
                       np.full(int(keep.sum()), PLACE_NODE, np.int8), pas.node[j[keep]])
        )
    return Detections.concat(parts)


def stay_detections(plan: DayPlan, n_places_per_kind: int) -> Detections:
    """People whose stays at the same venue or public space overlap."""
    group = plan.stay_kind.astype(np.int64) * n_places_per_kind + plan.stay_place
    parts = []
    for i, j in overlapping_pairs(group, plan.stay_start, plan.stay_end):
        a, b, keep = _ordered(plan.stay_agent, i, j)
        parts.append(
            Detections(a[keep], b[keep], plan.stay_start[j[keep]],
                       np.minimum(plan.stay_end[i], plan.stay_end[j])[keep],
                       plan.stay_kind[j[keep]], plan.stay_place[j[keep]])
        )
    return Detections.concat(parts)


@dataclass
class Encounters:
    """Merged encounters: one row per pair and episode of contact.

    ``place_kind``/``place`` is the detection with the highest meeting probability in the
    episode (a pair who walk to a cafe together and sit down met in the cafe); ``p`` is
    that probability for strangers; ``ordinal`` counts the pair's earlier encounters
    that day (used to key its random draw).
    """

    a: np.ndarray
    b: np.ndarray
    t: np.ndarray
    place_kind: np.ndarray
    place: np.ndarray
    p: np.ndarray
    ordinal: np.ndarray

    def __len__(self) -> int:
        return int(self.a.shape[0])


def merge_detections(
    det: Detections, p: np.ndarray, n_agents: int, gap_s: float
) -> Encounters:
    """Join detections of the same pair closer than ``gap_s`` into encounters.

    Parameters
    ----------
    det
        All detections of a day.
    p
        Stranger meeting probability of each detection's setting.
    n_agents
        Number of agents (to form pair keys).
    gap_s
        Largest gap between contacts that still counts as the same encounter.
    """
    if len(det) == 0:
        z = np.zeros(0, np.int32)
        return Encounters(z, z, np.zeros(0), z.astype(np.int8), z, np.zeros(0), z.astype(np.int64))
    pair = det.a.astype(np.int64) * n_agents + det.b
    order = np.lexsort((det.t, pair))
    pair, t, t_end = pair[order], det.t[order], det.t_end[order]
    new = np.ones(pair.shape[0], dtype=bool)
    new[1:] = (pair[1:] != pair[:-1]) | (t[1:] > t_end[:-1] + gap_s)
    episode = np.cumsum(new) - 1
    # Within each episode, the row of highest probability speaks for it.
    best = np.lexsort((-p[order], episode))
    first_of_episode = np.flatnonzero(np.r_[True, episode[best][1:] != episode[best][:-1]])
    rep = order[best[first_of_episode]]
    starts = np.flatnonzero(new)
    pair_new = np.r_[True, pair[starts][1:] != pair[starts][:-1]]
    run_start = np.maximum.accumulate(np.where(pair_new, np.arange(starts.shape[0]), 0))
    return Encounters(
        a=det.a[order][starts].astype(np.int32),
        b=det.b[order][starts].astype(np.int32),
        t=t[starts],
        place_kind=det.place_kind[rep].astype(np.int8),
        place=det.place[rep].astype(np.int32),
        p=p[rep],
        ordinal=np.arange(starts.shape[0]) - run_start,
    )
