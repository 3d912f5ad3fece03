"""``run_sim.py validate``: the command-line face of :mod:`sim.validate`.

Exit status: 0 when every run succeeded, 1 when some failed (recorded; the same command
retries them), 2 for a mistake in the arguments or the layout (nothing written), 130
when interrupted (finished runs are kept in ``<out>/runs``; the same command resumes).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import shlex
import shutil
import sys
from pathlib import Path
from typing import Any

from sim.argtypes import whole_number
from sim.i18n import Lang, add_lang_argument
from sim.limits import MAX_SEEDS, MAX_WORKERS

DEFAULT_OUT = Path("results") / "validation"
STORE_DIGEST = "crosspaths-validate-1"
"""Identity of the run store: run ids hash everything that decides a run, so records of
any earlier validation in the folder are reused."""


def add_parser(sub: Any) -> None:
    """Register ``validate`` on the subparsers of ``run_sim.py``."""
    parser = sub.add_parser(
        "validate",
        help="write the validation report: targets, measured values with CIs, verdicts",
        description="Validate the model against published patterns and hand-built cases "
        "(docs/validation.md); resumes where it stopped.",
    )
    parser.add_argument("layout", nargs="?", default="scenarios/baseline.yaml",
                        help="layout YAML file (default scenarios/baseline.yaml)")  # fmt: skip
    parser.add_argument("--seeds", type=whole_number(2, MAX_SEEDS),
                        help="seeds per setting (default 5; --quick 2)")  # fmt: skip
    parser.add_argument("--quick", action="store_true",
                        help="fewer seeds and points at small scale (≤ 10 min on 2 cores)")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--workers", type=whole_number(1, MAX_WORKERS),
                       help="local worker processes (default: the machine's cores)")
    where.add_argument("--scheduler", metavar="ADDRESS",
                       help="run on this dask.distributed scheduler instead")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT,
                        help="output folder (default results/validation/)")  # fmt: skip
    add_lang_argument(parser)
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Handle ``run_sim.py validate``; return the exit status."""
    from sim.layout import load_layout
    from sim.outputs.folders import atomic_folder, claim
    from sim.runs.backends import DaskScheduler, LocalPool
    from sim.runs.store import RunStore
    from sim.validate import build
    from sim.validate.figures import write_figures
    from sim.validate.report import render
    from sim.validate.runs import KIND, execute_all, make_tasks, validation_run

    load_layout(args.layout)  # one line and exit 2 on a bad layout, before anything is written
    claim(args.out, KIND)
    settings = build.default_settings(args.layout, args.seeds, args.quick)
    specs = build.plan(settings)
    tasks = {section: make_tasks(s) for section, s in specs.items()}
    backend: LocalPool | DaskScheduler = (
        DaskScheduler(args.scheduler, validation_run) if args.scheduler
        else LocalPool(args.workers or os.cpu_count() or 1, validation_run)
    )  # fmt: skip
    with backend:
        every = [t for ts in tasks.values() for t in ts]
        if not args.quiet:
            print(f"validate: {len(every)} runs on {backend.description}", file=sys.stderr)
        store = RunStore.open(args.out, KIND, {"layout": args.layout}, STORE_DIGEST)
        try:
            records = execute_all(every, store, backend, quiet=args.quiet)
        except KeyboardInterrupt:
            print(f"interrupted: finished runs are kept in {args.out}; run the same command "
                  "to resume", file=sys.stderr)  # fmt: skip
            return 130
    data = build.clean(build.assemble(settings, tasks, records))
    command = "python run_sim.py validate " + shlex.join(sys.argv[2:] if sys.argv[1:2] == [
        "validate"] else [args.layout])  # fmt: skip
    date = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    data["made"] = {"command": command, "date": date}
    with atomic_folder(args.out, KIND) as tmp:
        shutil.copytree(store.runs, tmp / "runs")
        manifest = args.out / f"{KIND}.json"
        if manifest.exists():
            shutil.copy2(manifest, tmp / manifest.name)
        lang = Lang(args.lang)
        figures = write_figures(data, tmp, lang)
        data["figures"] = [p.name for p in figures]
        (tmp / "validation.json").write_text(
            json.dumps(data, indent=1, ensure_ascii=False, allow_nan=False) + "\n",
            encoding="utf-8",
        )
        (tmp / "report.md").write_text(render(data, command, date, data["figures"], lang),
                                       encoding="utf-8")  # fmt: skip
    failed = data["runs"]["failed"]
    sections = ("allen", "kabo", "timestep", "geometry", "uniforms")
    verdicts = ", ".join(f"{k} {data[k]['verdict']}" for k in sections)
    print(f"validation: {verdicts}; {failed} failed run(s) -> {args.out / 'report.md'}")
    return 1 if failed else 0
