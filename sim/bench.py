"""Benchmark: set-up time, simulation time and peak memory at several scales.

Each scale runs in a fresh Python process so that its peak resident memory is its own.
Also times the fast engine against the per-agent reference on a small layout.
Run as ``python run_sim.py bench [LAYOUT] [--scales 1,2.5]``.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time

from sim.engine import kernels
from sim.engine.model import CrosspathsModel
from sim.engine.reference import ReferenceModel
from sim.layout import load_layout

REFERENCE_DT_S = 2.0


def numba_version() -> str:
    """The installed numba's version (the compiled loops' compiler)."""
    from importlib.metadata import version

    return version("numba")


def warm_up(layout_path: str, seed: int) -> float:
    """Simulate a day of a small layout so that the compiled loops are loaded (or
    compiled, the first time on a machine) before anything is timed; seconds taken."""
    t0 = time.perf_counter()
    if kernels.AVAILABLE:
        CrosspathsModel(load_layout(layout_path), seed=seed).step()
    return time.perf_counter() - t0


def measure_one(
    layout_path: str, scale: float, seed: int, warm_layout: str
) -> dict[str, float]:
    """Set up and simulate two days in this process; return times and peak memory (of
    the first day).

    The compiled loops are loaded first (:func:`warm_up`), once per process, and not
    counted; ``sim_cpu_s`` is the CPU time of the day, which other load on the machine
    inflates less than the wall-clock ``sim_s``.
    """
    warm_s = warm_up(warm_layout, seed)
    t0 = time.perf_counter()
    layout = load_layout(layout_path).scaled(scale)
    load_s = time.perf_counter() - t0
    model = CrosspathsModel(layout, seed=seed)
    # What each further run of the same file costs in a comparison or sweep worker: the
    # parsed file is kept (sim.layout.reader), everything else is built again.
    t0 = time.perf_counter()
    CrosspathsModel(load_layout(layout_path).scaled(scale), seed=seed + 1)
    again_s = time.perf_counter() - t0
    c0 = time.process_time()
    model.step()
    sim_cpu_s = time.process_time() - c0
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    sim_s = model.sim_s
    # A second day of the same model: what each further day of a run costs (it has the
    # first day's ties, so more pairs can meet; its memory is no longer new to the
    # process, which on some machines is dear the first time).
    c0 = time.process_time()
    model.step()
    day2_cpu_s = time.process_time() - c0
    return {
        "scale": scale,
        "agents": len(model.population),
        "warm_up_s": warm_s,
        "load_s": load_s,
        "setup_s": model.setup_s,
        "again_s": again_s,
        "sim_s": sim_s,
        "sim_cpu_s": sim_cpu_s,
        "day2_cpu_s": day2_cpu_s,
        "encounters": int(model.daily_encounters[-1]),
        "meetings": len(model.daily_meetings[0]),
        "peak_mem_mb": peak_kib / 1024,
    }


def reference_ratio(layout_path: str, seed: int) -> dict[str, float]:
    """Seconds per simulated day of the fast and the reference engine on one layout."""
    layout = load_layout(layout_path)
    warm_up(layout_path, seed)
    fast = CrosspathsModel(layout, seed=seed)
    fast.step()
    ref = ReferenceModel(layout, seed=seed, dt=REFERENCE_DT_S)
    t0 = time.perf_counter()
    ref.step()
    ref_s = time.perf_counter() - t0
    return {
        "agents": len(fast.population),
        "fast_s": fast.sim_s,
        "reference_s": ref_s,
        "ratio": ref_s / fast.sim_s,
        "fast_meetings": len(fast.last_meetings),
        "reference_meetings": ref.meetings_per_day[-1],
    }


def run_benchmark(
    layout_path: str, scales: list[float], seed: int, reference_layout: str, repeat: int = 1
) -> None:
    """Print the benchmark table (one subprocess per scale and repetition), the range of
    each scale's times over the repetitions, and the reference ratio."""
    load_layout(layout_path)  # fail fast, in this process, on a bad layout
    print(f"benchmark: {layout_path}, seed {seed}, one weekday, one process per scale"
          + (f", {repeat} times each" if repeat > 1 else ""))
    loops = (f"compiled (numba {numba_version()})" if kernels.AVAILABLE
             else "numpy (numba is not installed)")
    print(f"contact loops: {loops}; loaded before timing, once per process (warm-up column)")
    print("load s: reading the layout file; setup s: building the model from it; again s: "
          "both for a second run of the file in the same process; sim s: the first day; "
          "day 2 cpu s: the day after it")
    print(f"{'scale':>6} {'agents':>8} {'warm-up s':>9} {'load s':>7} {'setup s':>8} "
          f"{'again s':>8} {'sim s':>8} {'sim cpu s':>9} {'day 2 cpu s':>11} {'peak MB':>8} "
          f"{'per 1k agents s':>16} {'meetings':>9}")
    rows: dict[float, list[dict[str, float]]] = {}
    for _ in range(repeat):
        for scale in scales:
            out = subprocess.run(
                [sys.executable, "-m", "sim.bench", layout_path, str(scale), str(seed),
                 reference_layout],
                check=True, capture_output=True, text=True,
            )
            r = json.loads(out.stdout)
            rows.setdefault(scale, []).append(r)
            print(
                f"{r['scale']:>6g} {r['agents']:>8d} {r['warm_up_s']:>9.2f} "
                f"{r['load_s']:>7.2f} {r['setup_s']:>8.2f} {r['again_s']:>8.2f} "
                f"{r['sim_s']:>8.2f} {r['sim_cpu_s']:>9.2f} {r['day2_cpu_s']:>11.2f} "
                f"{r['peak_mem_mb']:>8.0f} "
                f"{1000 * r['sim_s'] / max(r['agents'], 1):>16.3f} {r['meetings']:>9d}"
            )
    if repeat > 1:
        for scale, runs in rows.items():
            print(f"scale {scale:g} over {repeat} runs: " + "; ".join(
                f"{name} {min(r[key] for r in runs):.{digits}f}-"
                f"{max(r[key] for r in runs):.{digits}f}"
                for name, key, digits in (("setup s", "setup_s", 2), ("sim s", "sim_s", 2),
                                          ("sim cpu s", "sim_cpu_s", 2),
                                          ("day 2 cpu s", "day2_cpu_s", 2),
                                          ("peak MB", "peak_mem_mb", 0))
            ))
    if len(rows) > 1:
        lo, hi = rows[min(rows)], rows[max(rows)]
        # The fastest run of each scale: the one least slowed by anything else running.
        ratio = min(r["sim_cpu_s"] for r in hi) / min(r["sim_cpu_s"] for r in lo)
        print(
            f"cost from {lo[0]['agents']:,} to {hi[0]['agents']:,} people "
            f"({hi[0]['agents'] / lo[0]['agents']:.1f}x): {ratio:.1f}x the simulation's CPU "
            "time" + (" (fastest run of each)" if repeat > 1 else "")
        )
    ref = reference_ratio(reference_layout, seed)
    print(
        f"reference ({reference_layout}, {ref['agents']} agents, dt {REFERENCE_DT_S:g} s): "
        f"fast {ref['fast_s']:.3f} s/day, reference {ref['reference_s']:.1f} s/day, "
        f"ratio {ref['ratio']:.0f}x; meetings {ref['fast_meetings']} vs "
        f"{ref['reference_meetings']}"
    )


if __name__ == "__main__":
    print(json.dumps(measure_one(sys.argv[1], float(sys.argv[2]), int(sys.argv[3]),
                                 sys.argv[4])))
