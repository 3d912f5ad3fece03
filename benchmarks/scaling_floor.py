"""How much of a day's cost at two densities does not depend on the pairs in contact.

``python run_sim.py bench`` prints the ratio of a day's CPU time at two scales (issue 15
asks for at most 3x from 40,000 to 100,000 people). This script splits that day into the
steps whose work grows with the number of people (day plans with their capacity rounds,
trips laid on the graph, and each contact rule's sorting, crowd counts and scan over its
rows) and the rest, whose work grows with the pairs in contact (measuring contacts,
drawing meetings). The first part is measured by running those steps alone, with a
screen that wants no pair (:class:`sim.engine.encounters.PairScreen` with empty windows),
so that no pair is visited, then the whole day.

Each scale and repetition runs in a fresh process, with the allocator settings of the
command line (:func:`sim.cli.reuse_freed_memory`), the scales interleaved; a day of
another seed runs first, so that no part pays for touching fresh memory (at 100,000
people that alone costs the first day about a second of system time). Prints, per scale,
the fastest CPU time of each part, then the ratios.

Usage::

    python benchmarks/scaling_floor.py [LAYOUT] [--scales 1 2.5] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time

import numpy as np

from sim.cli import reuse_freed_memory
from sim.engine.encounters import (
    NODE_REACH_FACTOR,
    PairScreen,
    edge_contacts,
    node_contacts,
    stay_contacts,
)
from sim.engine.model import CrosspathsModel
from sim.engine.trips import expand_trips
from sim.layout import load_layout
from sim.population.schedules import plan_day
from sim.rng import agent_day_keys

PARTS = ("plans", "trips", "edge rule", "corner rule", "stay rule")
"""The steps that do not depend on the pairs, in the order a day runs them."""


def measure(layout_path: str, scale: float, seed: int) -> dict[str, float]:
    """CPU seconds of each pair-free step of the first day, then of the whole day (a
    second model of the same layout and seed, so both days are the same), after a day of
    another seed, so that every part finds its memory already in the process (as in a
    comparison's or a sweep's worker after its first run)."""
    layout = load_layout(layout_path).scaled(scale)
    CrosspathsModel(layout, seed=seed + 1).step()
    m = CrosspathsModel(layout, seed=seed)
    times: dict[str, float] = {}
    t = time.process_time()

    def lap(name: str) -> None:
        nonlocal t
        now = time.process_time()
        times[name] = now - t
        t = now

    plan = plan_day(m.layout, m.population, m.sites, m.routes, m.destinations, m.seed, 0)
    lap("plans")
    radius = m.layout.params.model.greet_radius_m
    trav, pas = expand_trips(plan, m.routes, m.graph, m.population.speed,
                             near=radius * NODE_REACH_FACTOR)
    lap("trips")
    keys = agent_day_keys(m.seed, 0, m.population.uid)
    none = PairScreen(day_keys=keys, below=0.0, n_agents=len(m.population),
                      classes=m.layout.params.model.pair_classes)
    n_places = max(len(m.layout.venues), len(m.layout.spaces), len(m.layout.edges), 1)
    # Each walk table emptied once sorted, as a day does (peak memory at 100,000 people).
    for rule, chunks in (("edge rule", edge_contacts(trav, m.graph.length, radius, none,
                                                     consume=True)),
                         ("corner rule", node_contacts(pas, radius, none, consume=True)),
                         ("stay rule", stay_contacts(plan, n_places, none))):
        for _ in chunks:
            raise AssertionError("a screen that wants no pair gave contacts")
        lap(rule)
    del plan, trav, pas
    day = CrosspathsModel(layout, seed=seed)
    t = time.process_time()
    day.step()
    times["day"] = time.process_time() - t
    times["agents"] = float(len(m.population))
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("layout", nargs="?", default="scenarios/baseline.yaml")
    parser.add_argument("--scales", type=float, nargs="+", default=[1.0, 2.5])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    reuse_freed_memory()  # for the processes started below, as the command line does
    runs: dict[float, list[dict[str, float]]] = {s: [] for s in args.scales}
    for _ in range(args.repeat):
        for scale in args.scales:
            out = subprocess.run(
                [sys.executable, __file__, "--one", args.layout, str(scale), str(args.seed)],
                check=True, capture_output=True, text=True,
            )
            runs[scale].append(json.loads(out.stdout))
    names = (*PARTS, "pair-free", "pairs", "day")
    print(f"{args.layout}, seed {args.seed}, first day, fastest of {args.repeat} "
          "fresh processes per scale (CPU s)")
    print(f"{'scale':>6} {'agents':>8} " + " ".join(f"{n:>11}" for n in names))
    best: dict[float, dict[str, float]] = {}
    for scale, rs in runs.items():
        b = {k: min(r[k] for r in rs) for k in (*PARTS, "day")}
        b["pair-free"] = float(np.sum([b[k] for k in PARTS]))
        b["pairs"] = b["day"] - b["pair-free"]
        best[scale] = b
        print(f"{scale:>6g} {rs[0]['agents']:>8.0f} "
              + " ".join(f"{b[n]:>11.3f}" for n in names))
    lo, hi = best[min(best)], best[max(best)]
    print(f"ratio {max(best):g}/{min(best):g}: "
          + ", ".join(f"{n} {hi[n] / lo[n]:.1f}x" for n in names if lo[n] > 0))


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--one":
        print(json.dumps(measure(sys.argv[2], float(sys.argv[3]), int(sys.argv[4]))))
    else:
        main()
