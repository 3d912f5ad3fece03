"""Time-step convergence: the per-agent reference at several ``dt`` against the fast engine.

The reference (:mod:`sim.engine.reference`) checks positions every ``dt`` seconds, so
it can only miss contacts the fast engine (exact in time) finds: its contact pairs
should be a subset of the fast engine's, and the share it misses should fall as ``dt``
falls. Both run the same layout, seed, day plans and keyed draws.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np

from sim.engine.encounters import (
    NODE_REACH_FACTOR,
    Contacts,
    edge_contacts,
    node_contacts,
    stay_contacts,
)
from sim.engine.model import CrosspathsModel
from sim.engine.reference import ReferenceModel
from sim.engine.trips import expand_trips
from sim.i18n import Phrase
from sim.layout.schema import Layout
from sim.validate.patterns import reasons

REFERENCE_LAYOUT = "tests/fixtures/tiny.yaml"
"""The small layout the reference runs on (it is slow)."""
REFERENCE_SCALE = 0.3
BUSY_RATES: dict[str, float] = {
    f"model.{name}": value
    for name, value in {
        "p_street_high": 0.02, "p_street_low": 0.03, "p_footpath": 0.04, "p_park_path": 0.05,
        "p_crossing": 0.03, "p_cafe": 0.05, "p_canteen": 0.04, "p_lecture_hall": 0.03,
        "p_shared_lab": 0.1, "p_plaza": 0.05,
    }.items()
}  # fmt: skip
"""Rates ~20x the defaults, so that a run of 60 people has meetings enough to compare."""


class _PairRecorder(ReferenceModel):
    """The reference, keeping the set of pairs in contact on its last day."""

    pairs: set[tuple[int, int]]

    def _draw(self, hazard: dict[tuple[int, int], float], reach: dict[tuple[int, int], float]
              ) -> None:  # fmt: skip
        self.pairs = set(hazard)
        super()._draw(hazard, reach)


def fast_contact_pairs(model: CrosspathsModel) -> set[tuple[int, int]]:
    """Every pair the fast engine found in contact on its last day (no sampling)."""
    plan = model.last_plan
    if plan is None:
        raise ValueError("the model has not simulated a day yet")
    radius = model.layout.params.model.greet_radius_m
    trav, pas = expand_trips(
        plan, model.routes, model.graph, model.population.speed,
        near=radius * NODE_REACH_FACTOR,
    )  # fmt: skip
    n_places = max(len(model.layout.venues), len(model.layout.spaces), len(model.layout.edges), 1)
    det = Contacts.concat([
        *edge_contacts(trav, model.graph.length, radius),
        *node_contacts(pas, radius),
        *stay_contacts(plan, n_places),
    ])  # fmt: skip
    a, b = np.minimum(det.a, det.b), np.maximum(det.a, det.b)
    return set(zip(a.tolist(), b.tolist(), strict=True))


def compare_one(layout: Layout, seed: int, dt: float) -> dict[str, float]:
    """One seed: the reference at ``dt`` and the fast engine, one day each.

    Returns
    -------
    dict
        ``ref_pairs``, ``fast_pairs`` (pairs in contact), ``ref_not_fast`` (reference
        pairs the fast engine did not find: should be 0), ``missed_share`` (share of
        the fast engine's pairs the reference missed), ``ref_meetings``,
        ``fast_meetings``.
    """
    ref = _PairRecorder(layout, seed=seed, dt=dt)
    ref.step()
    fast = CrosspathsModel(layout, seed=seed)
    fast.step()
    fp = fast_contact_pairs(fast)
    rp = ref.pairs
    return {
        "ref_pairs": float(len(rp)),
        "fast_pairs": float(len(fp)),
        "ref_not_fast": float(len(rp - fp)),
        "missed_share": float(len(fp - rp) / max(len(fp), 1)),
        "ref_meetings": float(ref.meetings_per_day[-1]),
        "fast_meetings": float(len(fast.last_meetings)),
    }


def summarize_timestep(rows: dict[float, list[dict[str, float]]]) -> dict[str, Any]:
    """Per ``dt``: mean missed share, exceptions to the subset rule, and meetings
    reference − fast paired by seed with a 95 % interval; verdict.
    """
    from sim.compare.stats import mean_ci, paired_difference

    out: dict[str, Any] = {"by_dt": []}
    for dt in sorted(rows, reverse=True):
        rs = rows[dt]
        miss = [r["missed_share"] for r in rs]
        entry: dict[str, Any] = {
            "dt_s": dt, "seeds": len(rs),
            "exceptions": int(sum(r["ref_not_fast"] for r in rs)),
            "missed_share": float(np.mean(miss)),
            "ref_meetings": float(np.mean([r["ref_meetings"] for r in rs])),
            "fast_meetings": float(np.mean([r["fast_meetings"] for r in rs])),
        }  # fmt: skip
        if len(rs) >= 2:
            ci = mean_ci(miss)
            entry["missed_share_ci"] = [ci.low, ci.high]
            diff = paired_difference([r["fast_meetings"] for r in rs],
                                     [r["ref_meetings"] for r in rs])  # fmt: skip
            entry["meetings_diff"] = {"mean": diff.mean, "ci_low": diff.low,
                                      "ci_high": diff.high}  # fmt: skip
        out["by_dt"].append(entry)
    shares = [e["missed_share"] for e in out["by_dt"]]
    subset = all(e["exceptions"] == 0 for e in out["by_dt"])
    falling = all(b <= a + 1e-12 for a, b in itertools.pairwise(shares))
    out["subset"] = subset
    out["falling"] = falling
    if not out["by_dt"]:
        out.update(verdict="not testable", **reasons(("val.why.no_reference", {})))
    elif subset and falling:
        out.update(verdict="met", **reasons(("val.why.subset_falling", {})))
    else:
        parts: list[Phrase] = []
        if not subset:
            parts.append(("val.why.not_subset", {}))
        if not falling:
            parts.append(("val.why.not_falling", {}))
        out.update(verdict="not met", **reasons(*parts))
    return out
