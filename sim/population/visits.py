"""Visits per place: how many stays each venue, public space and street segment got.

Counted from the day plans (after capacity), so they show where people *went*, not
where they met: a designer sees whether a new place draws people, and from where.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim.layout.schema import Layout
from sim.params import PLACE_EDGE, PLACE_SPACE, PLACE_VENUE
from sim.population.capacity import peak_occupancy
from sim.population.schedules import DayPlan

VISIT_KINDS: dict[str, int] = {"venue": PLACE_VENUE, "space": PLACE_SPACE, "edge": PLACE_EDGE}
"""Place kinds that can be visited (stays), with their place codes."""


def _zeros(layout: Layout) -> dict[str, np.ndarray]:
    sizes = {"venue": len(layout.venues), "space": len(layout.spaces), "edge": len(layout.edges)}
    return {kind: np.zeros(n, np.int64) for kind, n in sizes.items()}


@dataclass
class PlaceVisits:
    """Stays per place summed over the simulated days, by place kind.

    Attributes
    ----------
    visits, optional
        All stays, and optional stays only, per place in layout order.
    peak
        The most people present at once on any day.
    days
        Days counted.
    """

    visits: dict[str, np.ndarray] = field(default_factory=dict)
    optional: dict[str, np.ndarray] = field(default_factory=dict)
    peak: dict[str, np.ndarray] = field(default_factory=dict)
    days: int = 0

    @classmethod
    def empty(cls, layout: Layout) -> PlaceVisits:
        """No visits yet, arrays sized for ``layout``."""
        return cls(_zeros(layout), _zeros(layout), _zeros(layout), 0)

    def add(self, plan: DayPlan) -> None:
        """Count one day's stays."""
        for kind, code in VISIT_KINDS.items():
            n = self.visits[kind].shape[0]
            sel = plan.stay_kind == code
            place = plan.stay_place[sel].astype(np.int64)
            self.visits[kind] += np.bincount(place, minlength=n)[:n]
            opt = plan.stay_optional[sel]
            self.optional[kind] += np.bincount(place[opt], minlength=n)[:n]
            day_peak = peak_occupancy(place, plan.stay_start[sel], plan.stay_until[sel], n)
            self.peak[kind] = np.maximum(self.peak[kind], day_peak)
        self.days += 1

    def total_optional(self) -> int:
        """Optional stays at all places together."""
        return int(sum(int(v.sum()) for v in self.optional.values()))
