"""Measure sweep throughput (runs per minute) and the parent's memory, per worker count.

Runs the same sweep once per worker count into fresh temporary folders (figures off:
they are drawn once at the end and are not part of throughput) and prints, per count:
runs, wall-clock seconds, runs per minute, speed-up over the first count, the parent
process's resident memory after the first tenth and after all runs (flat memory means
no per-run data piles up in the parent), and whether the tables match the first count's.

Usage::

    python benchmarks/sweep_throughput.py [SWEEP] [--workers 1 2 4 ...] [--dask]

``--dask`` also runs the largest worker count on a ``dask.distributed`` LocalCluster.
"""

from __future__ import annotations

import argparse
import csv
import os
import tempfile
import time
from pathlib import Path

from sim.runs.backends import Backend, DaskScheduler, LocalPool
from sim.sweep.runner import prepare, run_sweep

VARYING = ("runtime_s",)
"""Columns allowed to differ between worker counts."""


def _rss_mb() -> float:
    """Resident memory of this process now, in MB (Linux; 0 elsewhere)."""
    try:
        with open(f"/proc/{os.getpid()}/statm", encoding="ascii") as f:
            pages = int(f.read().split()[1])
    except OSError:
        return 0.0
    return pages * os.sysconf("SC_PAGE_SIZE") / 1e6


def _table(folder: Path) -> list[dict[str, str]]:
    with (folder / "runs.csv").open(encoding="utf-8") as f:
        return [{k: v for k, v in row.items() if k not in VARYING} for row in csv.DictReader(f)]


def _measure(sweep: Path, backend: Backend, out: Path) -> tuple[int, float, float, float]:
    spec, runs = prepare(sweep)
    rss: list[float] = []
    t0 = time.perf_counter()
    report = run_sweep(spec, runs, out, backend, quiet=True, figures=False,
                       on_record=lambda _: rss.append(_rss_mb()))  # fmt: skip
    wall = time.perf_counter() - t0
    if report.failed:
        raise SystemExit(f"{report.failed} runs failed: {report.first_error}")
    early = rss[max(0, len(rss) // 10 - 1)] if rss else 0.0
    return report.total, wall, early, rss[-1] if rss else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sweep", nargs="?", default="scenarios/sweeps/quick.yaml", type=Path)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--dask", action="store_true", help="also time a Dask LocalCluster")
    args = parser.parse_args()

    print(f"{args.sweep}  ({os.cpu_count()} cores here)")
    print(f"{'backend':>22} {'runs':>5} {'wall s':>8} {'runs/min':>9} {'speed-up':>9} "
          f"{'parent MB 10%':>14} {'parent MB end':>14} {'same table':>11}")  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        first: tuple[float, list[dict[str, str]]] | None = None
        jobs: list[tuple[str, int, bool]] = [(f"local x{w}", w, False) for w in args.workers]
        if args.dask:
            jobs.append((f"dask LocalCluster x{max(args.workers)}", max(args.workers), True))
        for i, (label, workers, dask) in enumerate(jobs):
            out = Path(tmp) / f"run{i}"
            if dask:
                from distributed import LocalCluster

                cluster = LocalCluster(n_workers=workers, threads_per_worker=1,
                                       processes=True, dashboard_address=None)  # fmt: skip
                with cluster, DaskScheduler(cluster.scheduler_address) as backend:
                    n, wall, early, end = _measure(args.sweep, backend, out)
            else:
                with LocalPool(workers) as backend:
                    n, wall, early, end = _measure(args.sweep, backend, out)
            rate = n / wall * 60.0
            table = _table(out)
            if first is None:
                first = (rate, table)
            print(f"{label:>22} {n:>5} {wall:>8.1f} {rate:>9.1f} {rate / first[0]:>9.2f} "
                  f"{early:>14.0f} {end:>14.0f} {table == first[1]!s:>11}")  # fmt: skip


if __name__ == "__main__":
    main()
