"""``run_sim.py compare``: run scenarios over the same seeds and write the comparison.

Every scenario file is validated before the first run, so a typo in the fifth file
fails in a second rather than after an hour. The results folder is written next to its
final place and renamed into it only when complete (as a run's folder is, see
:mod:`sim.outputs.writer`).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from sim.argtypes import positive_number, whole_number
from sim.i18n import EN, Lang, add_lang_argument
from sim.limits import MAX_DAYS, MAX_SEED, MAX_SEEDS, MAX_WORKERS

if TYPE_CHECKING:
    from sim.compare.changes import HeadlineComparison, VariantChanges
    from sim.compare.runner import ComparisonRuns

DEFAULT_OUT = Path("results") / "compare"
EXIT_RUNS_FAILED = 1
EXIT_INTERRUPTED = 130
SUMMARY_FIGURES = ("meetings_per_person_day", "cross_institution_meetings_per_person_day")
"""Figures on the summary lines printed to stdout."""


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    """Register ``compare`` on the CLI's subparsers (``sub`` from ``add_subparsers``).

    Parameters
    ----------
    sub
        The ``argparse`` subparsers action of ``run_sim.py``.

    Returns
    -------
    argparse.ArgumentParser
        The ``compare`` parser; its ``handler`` is :func:`run`.
    """
    parser = sub.add_parser(
        "compare",
        help="run scenarios over the same seeds and compare them",
        description="Run every scenario over the same seeds (common random numbers) and "
        "write a table, figures and report.md comparing each with the first.",
    )
    parser.add_argument(
        "scenarios",
        nargs="+",
        metavar="SCENARIO",
        help="layout or variant files; the first is the reference "
        "(a single file: its figures with 95 %% intervals)",
    )
    parser.add_argument(
        "--seeds",
        type=whole_number(2, MAX_SEEDS),
        default=5,
        help="seeds per scenario, at least 2 (default 5)",
    )
    parser.add_argument(
        "--seed-base",
        type=whole_number(0, MAX_SEED),
        default=0,
        help="first seed; runs use SEED_BASE .. SEED_BASE+SEEDS-1 (default 0)",
    )
    parser.add_argument(
        "--days", type=whole_number(1, MAX_DAYS), default=1, help="weekdays per run (default 1)"
    )
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "--workers",
        type=whole_number(1, MAX_WORKERS),
        default=1,
        help="local processes running in parallel (default 1)",
    )
    where.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="run on this dask.distributed scheduler instead, e.g. tcp://host:8786",
    )
    parser.add_argument(
        "--scale", type=positive_number, default=1.0, help="multiply every population (default 1)"
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT,
        help=f"output folder: new, empty or an earlier comparison's (default {DEFAULT_OUT}/); "
        "an interrupted comparison resumes there",
    )
    parser.add_argument(
        "--components",
        action="store_true",
        help="also run each part of each variant alone: components.csv, sum and interaction",
    )
    add_lang_argument(parser)
    parser.add_argument(
        "--no-figures",
        action="store_true",
        help="numbers only: tables and GIS layers, no figures and no report",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.set_defaults(handler=run)
    return parser


def write_comparison(
    runs: ComparisonRuns,
    out_dir: Path,
    extra: Callable[[Path], None] | None = None,
    lang: Lang = EN,
    figures: bool = True,
    workers: int = 1,
) -> tuple[list[HeadlineComparison], list[VariantChanges]]:
    """Write tables, figures and ``report.md`` of ``runs`` into ``out_dir``, atomically.

    Parameters
    ----------
    runs
        From :func:`sim.compare.runner.run_scenarios`.
    out_dir
        The results folder; created with its parents if missing, replaced if present.
    extra
        Writes more files into the folder (after ``report.md``), e.g. the components.
    lang
        Language of figures, tables and report.
    figures
        ``False``: no figures and no ``report.md``/``report.pdf`` (``--no-figures``).
    workers
        Local processes drawing the figures side by side (the same files).

    Returns
    -------
    tuple[list[HeadlineComparison], list[VariantChanges]]
        The numbers written, for the caller to print.

    Raises
    ------
    Exception
        Whatever failed while writing; then no temporary folder is left behind and an
        existing ``out_dir`` is unchanged.
    """
    from sim.compare.changes import headline_comparisons, variant_changes
    from sim.compare.figures import write_figures
    from sim.compare.report import write_report
    from sim.compare.tables import write_tables
    from sim.gis.results import write_compare_gpkg
    from sim.outputs.folders import atomic_folder
    from sim.runs.store import RUNS

    comparisons = headline_comparisons(runs)
    changes = variant_changes(runs)
    with atomic_folder(out_dir, "compare") as tmp:
        write_tables(runs, comparisons, changes, tmp, lang)
        gpkg = partial(write_compare_gpkg, runs, comparisons, changes, tmp)  # with the gis extra
        if figures:
            # The report draws its own map and reads no figure file: it is one more job
            # for the pool, and the GeoPackage is written here while the pool draws.
            report = ("report", write_report, (runs, comparisons, changes, tmp, lang))
            write_figures(runs, comparisons, changes, tmp, lang, workers, (report,), gpkg)
        else:
            gpkg()
        if extra is not None:
            extra(tmp)
        # The run records move with the results, so the next identical comparison
        # is served from them.
        for kept in (RUNS, "compare.json"):
            if (Path(out_dir) / kept).exists():
                (Path(out_dir) / kept).rename(tmp / kept)
    return comparisons, changes


def _summary_line(comparisons: list[HeadlineComparison], index: int) -> str:
    """``"cross-institution meetings per person-day +4.2 % (95 % CI +1.1 to +7.3 %); …"``."""
    from sim.outputs.labels import figure_phrase, fmt_pct, fmt_pct_range, fmt_signed

    parts = []
    for c in comparisons:
        if c.scenario.index != index or c.figure not in SUMMARY_FIGURES:
            continue
        d = c.difference
        what = figure_phrase(c.figure)
        if d is None:
            continue
        if d.identical:
            parts.append(f"{what} identical")
        elif d.relative is None or d.relative_low is None or d.relative_high is None:
            ci = f"{fmt_signed(d.low)} to {fmt_signed(d.high)}"
            parts.append(f"{what} {fmt_signed(d.mean)} (95 % CI {ci})")
        else:
            noise = ", noise" if d.indistinguishable else ""
            ci = fmt_pct_range(d.relative_low, d.relative_high)
            parts.append(f"{what} {fmt_pct(d.relative)} (95 % CI {ci}{noise})")
    return "; ".join(parts)


def _estimate_line(comparisons: list[HeadlineComparison]) -> str:
    """``"meetings per person-day 3.11 (95 % CI 3.09 to 3.13); …"`` for one scenario."""
    from sim.outputs.labels import figure_phrase, fmt

    return "; ".join(
        f"{figure_phrase(c.figure)} {fmt(c.estimate.mean)} "
        f"(95 % CI {fmt(c.estimate.low)} to {fmt(c.estimate.high)})"
        for c in comparisons
        if c.figure in SUMMARY_FIGURES
    )


def run(args: argparse.Namespace) -> int:
    """Handler of ``run_sim.py compare``; returns the exit status."""
    from sim.compare import components
    from sim.compare.runner import RunsFailedError, load_scenarios, run_scenarios
    from sim.outputs.folders import claim
    from sim.progress import progress_bar
    from sim.runs.backends import open_backend

    scenarios = load_scenarios(args.scenarios)
    parts = components.plan(scenarios) if args.components else []
    claim(args.out, "compare")
    seeds = range(args.seed_base, args.seed_base + args.seeds)
    total = (len(scenarios) + len(parts)) * len(seeds) + 1
    try:
        with (
            open_backend(args.workers, args.scheduler) as backend,
            progress_bar(total, "compare", quiet=args.quiet) as advance,
        ):
            runs = run_scenarios(
                scenarios,
                seeds,
                days=args.days,
                scale=args.scale,
                backend=backend,
                store_dir=args.out,
                on_done=lambda s: advance(f"{scenarios[s.key[0]].label} seed {s.key[1]}"),
            )
            extra, effects = None, []
            if parts:
                effects = components.run_parts(parts, runs, backend, lambda s: advance("part"))
                extra = components.writer(effects, len(seeds), Lang(args.lang))
            comparisons, _ = write_comparison(
                runs, args.out, extra, Lang(args.lang), not args.no_figures,
                1 if args.scheduler else args.workers,
            )
            advance("written")
    except RunsFailedError as err:
        print(f"error: {err}; run the same command to retry them", file=sys.stderr)
        return EXIT_RUNS_FAILED
    except KeyboardInterrupt:
        print(
            f"interrupted: finished runs are kept in {args.out}; run the same command to resume",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
    reference = scenarios[0].label
    if len(scenarios) == 1:
        print(f"{reference}: {_estimate_line(comparisons)}")
    for sc in scenarios[1:]:
        print(f"{sc.label} vs {reference}: {_summary_line(comparisons, sc.index)}")
    for line in components.summary(effects):
        print(line)
    plural = "s" if len(scenarios) != 1 else ""
    print(f"{len(scenarios)} scenario{plural} x {len(seeds)} seeds -> {args.out}")
    return 0
