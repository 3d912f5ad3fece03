"""``run_sim.py sweep``: the command-line face of :mod:`sim.sweep`.

Exit status: 0 when every run succeeded, 1 when some failed (they are recorded; running
the same command again retries them), 2 for a mistake in the sweep file or arguments,
130 when interrupted (finished runs are kept; the same command resumes).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from sim.argtypes import whole_number
from sim.i18n import Lang, add_lang_argument
from sim.limits import MAX_WORKERS

EXIT_RUNS_FAILED = 1
EXIT_INTERRUPTED = 130


def add_parser(sub: Any) -> None:
    """Register ``sweep`` on the subparsers of ``run_sim.py``.

    Parameters
    ----------
    sub
        What ``ArgumentParser.add_subparsers`` returned.
    """
    parser = sub.add_parser(
        "sweep",
        help="run a parameter sweep, locally or on a Dask cluster (docs/sweeps.md)",
        description="Run every point of a sweep file over its seeds; resumes where it stopped.",
    )
    parser.add_argument("sweep", help="sweep YAML file")
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "--workers",
        type=whole_number(1, MAX_WORKERS),
        help="local worker processes (default: the machine's cores)",
    )
    where.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="run on this dask.distributed scheduler instead, e.g. tcp://host:8786",
    )
    parser.add_argument("--out", type=Path, help="output folder (default results/sweeps/<name>/)")
    parser.add_argument(
        "--check", action="store_true", help="check the sweep file and print its size; run nothing"
    )
    add_lang_argument(parser)
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Handle ``run_sim.py sweep``; return the exit status."""
    from sim.runs.backends import open_backend
    from sim.sweep.runner import prepare, run_sweep

    spec, runs = prepare(args.sweep)
    out_dir = args.out or Path("results") / "sweeps" / spec.name
    n_points = len({r.point for r in runs})
    size = (
        f"{n_points} points × {len(spec.scenarios)} scenario(s) × {spec.seeds} seed(s) "
        f"= {len(runs)} runs of {spec.days} day(s)"
    )
    if args.check:
        print(f"ok: {args.sweep}: {size}")
        return 0
    with open_backend(args.workers, args.scheduler) as backend:
        if not args.quiet:
            print(f"{spec.name}: {size} on {backend.description}", file=sys.stderr)
        report = run_sweep(spec, runs, out_dir, backend, quiet=args.quiet, lang=Lang(args.lang))
    done = f"{report.ran} run now, {report.skipped} already done"
    if report.interrupted:
        print(
            f"interrupted: {done}, {report.total - report.skipped - report.ran} to go; "
            f"finished runs are kept in {report.out_dir}; run the same command to resume",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
    minutes = report.elapsed_s / 60.0
    print(
        f"{spec.name}: {report.total} runs ({done}), {report.failed} failed, "
        f"{minutes:.1f} min -> {report.out_dir}"
    )
    if report.failed:
        print(
            f"first failure: {report.first_error}; run the same command to retry failed runs",
            file=sys.stderr,
        )
        return EXIT_RUNS_FAILED
    return 0
