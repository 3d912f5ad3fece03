"""Check the model against the patterns of ``docs/MODEL.md`` ("Validation targets").

Prints, for one layout and a few seeds:

1. **Distance decay** (Allen 1977): meetings per pair of people per day by walking
   distance between their home buildings.
2. **Path overlap** (Kabo et al. 2014): among pairs of buildings at similar distance,
   the rank correlation between the length of walking route the two buildings' people
   share on a day and the rate at which they meet; and the factor by which the meeting
   rate of a pair of people grows per 30.5 m (100 ft) of expected shared route at equal
   distance between their buildings (Kabo et al.: about ×1.20), from a Poisson
   regression with a fixed effect per distance band, with a 95 % interval.
3. **Shared spaces**: where cross-institution meetings happen (streets and junctions,
   public venues, public spaces, members-only venues).

Usage: ``python benchmarks/validation_targets.py [LAYOUT] [--seeds N] [--days D]``. The
full report with intervals and verdicts is ``python run_sim.py validate``
(docs/validation.md); this script shares its functions (:mod:`sim.validate.patterns`).
"""

from __future__ import annotations

import argparse
import itertools

import numpy as np

from sim.engine.model import CrosspathsModel
from sim.engine.results import PLACE_EDGE, PLACE_NODE, PLACE_SPACE, PLACE_VENUE
from sim.engine.trips import expand_trips
from sim.layout import load_layout
from sim.validate.patterns import (
    KABO_STEP_M,
    building_pairs,
    expected_overlap_m,
    path_overlap_factor,
    person_route_share,
)

DISTANCE_BINS_M = (0, 1, 150, 300, 500, 800, 1200, 5000)


def _meetings_by_building_pair(model: CrosspathsModel) -> np.ndarray:
    n_b = len(model.layout.buildings)
    m = model.result().meetings
    ba = model.population.building[m.a].astype(np.int64)
    bb = model.population.building[m.b].astype(np.int64)
    counts = np.bincount(np.minimum(ba, bb) * n_b + np.maximum(ba, bb), minlength=n_b * n_b)
    upper = counts.reshape(n_b, n_b).astype(float)
    return upper + np.triu(upper, 1).T


def _route_use(model: CrosspathsModel) -> np.ndarray:
    """Metres walked per edge per day by each building's people, (buildings, edges)."""
    plan = model.last_plan
    assert plan is not None
    trav, _ = expand_trips(plan, model.routes, model.graph, model.population.speed, near=0.0)
    n_b, n_e = len(model.layout.buildings), model.graph.n_edges
    b = model.population.building[trav.agent].astype(np.int64)
    use = np.bincount(b * n_e + trav.edge, minlength=n_b * n_e).reshape(n_b, n_e)
    return use * model.graph.length[None, :]


def _spearman(x: np.ndarray, y: np.ndarray) -> float:
    rx, ry = np.argsort(np.argsort(x)), np.argsort(np.argsort(y))
    return float(np.corrcoef(rx, ry)[0, 1]) if len(x) > 2 else float("nan")


def main() -> None:
    """Run the layout for the seeds and print the three checks."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("layout", nargs="?", default="scenarios/baseline.yaml")
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--days", type=int, default=1)
    args = ap.parse_args()
    layout = load_layout(args.layout)
    meetings = None
    overlap = None
    expected = None
    where = np.zeros((2, 4))  # rows: cross meetings in public / members-only; cols: kind
    for seed in range(args.seeds):
        model = CrosspathsModel(layout, seed=seed)
        for _ in range(args.days):
            model.step()
        mb = _meetings_by_building_pair(model)
        meetings = mb if meetings is None else meetings + mb
        use = _route_use(model)
        shared = np.minimum(use[:, None, :], use[None, :, :]).sum(axis=2)
        size = np.bincount(model.population.building, minlength=use.shape[0])
        per_pair = shared / np.maximum(np.outer(size, size), 1)
        overlap = per_pair if overlap is None else overlap + per_pair
        exp_m = expected_overlap_m(person_route_share(model), model.graph.length)
        expected = exp_m if expected is None else expected + exp_m
        m = model.result().meetings
        public_venue = np.array([v.access == "public" for v in layout.venues.values()])
        for kind in (PLACE_EDGE, PLACE_NODE, PLACE_SPACE, PLACE_VENUE):
            sel = m.cross & (m.place_kind == kind)
            if kind == PLACE_VENUE:
                pub = public_venue[m.place[sel]]
                where[0, kind] += pub.sum()
                where[1, kind] += (~pub).sum()
            else:
                where[0, kind] += sel.sum()
    pairs, dist = building_pairs(model)
    person_days = args.seeds * args.days
    rate = meetings / np.maximum(pairs * person_days, 1)

    print(f"{args.layout}: {args.seeds} seed(s) x {args.days} day(s)")
    print("\n1. Meetings per pair of people per day, by walking distance between home buildings")
    iu = np.triu_indices_from(dist)
    d, r, w = dist[iu], rate[iu], pairs[iu]
    for lo, hi in itertools.pairwise(DISTANCE_BINS_M):
        sel = (d >= lo) & (d < hi) & (w > 0)
        if sel.any():
            label = "same building" if hi == 1 else f"{lo}-{hi} m"
            print(f"   {label:>14}: {np.average(r[sel], weights=w[sel]):.2e} "
                  f"({sel.sum()} building pairs)")

    print("\n2. Shared route length vs meeting rate, building pairs at similar distance")
    off = iu[0] != iu[1]
    for lo, hi in ((1, 300), (300, 600), (600, 1000), (1000, 5000)):
        sel = off & (dist[iu] >= lo) & (dist[iu] < hi)
        if sel.sum() > 5:
            rho = _spearman(overlap[iu][sel], rate[iu][sel])
            print(f"   {lo}-{hi} m: Spearman rho = {rho:+.2f} over {sel.sum()} building pairs")

    assert expected is not None and meetings is not None
    factor, lo, hi = path_overlap_factor(
        meetings, pairs, dist, expected / args.seeds, person_days
    )
    print(f"   meeting rate x{factor:.3f} per {KABO_STEP_M} m of expected shared route "
          f"(95 % CI {lo:.3f}-{hi:.3f}; Kabo et al. 2014: x1.20, acceptable 1.10-1.35)")

    total = where.sum()
    print("\n3. Where cross-institution meetings happen")
    for label, value in (
        ("streets and paths", where[0, PLACE_EDGE]),
        ("junctions and doorways", where[0, PLACE_NODE]),
        ("public spaces", where[0, PLACE_SPACE]),
        ("public venues", where[0, PLACE_VENUE]),
        ("members-only venues", where[1, PLACE_VENUE]),
    ):
        print(f"   {label:>24}: {value / max(total, 1):6.1%}")


if __name__ == "__main__":
    main()
