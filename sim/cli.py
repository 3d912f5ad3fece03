"""The command line: parse arguments, call the library, report errors in one line.

Subcommands: ``run`` (simulate a layout and write results), ``check`` (validate a layout)
and ``bench`` (print speed and memory figures); commands of other packages register
their own parser. Each subparser sets a ``handler(args) -> exit status``. Any problem
with user input (a :class:`CrosspathsInputError`) prints one line on stderr and exits
with status 2; argparse handles unknown options.
"""

from __future__ import annotations

import argparse
import ctypes
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn, cast

from sim import show as show_command
from sim.argtypes import positive_number, whole_number
from sim.compare import command as compare_command
from sim.errors import CrosspathsInputError
from sim.gis import command as gis_command
from sim.i18n import Lang, add_lang_argument
from sim.limits import MAX_DAYS, MAX_SEED
from sim.live import command as live_command
from sim.rank import command as rank_command
from sim.sweep import command as sweep_command
from sim.ties import NETWORK_CHOICES
from sim.validate import command as validate_command

EXIT_INPUT_ERROR = 2


class OneLineParser(argparse.ArgumentParser):
    """An argument parser whose mistakes are one line on stderr and exit status 2.

    argparse prints the whole usage before its message; a user who typed one wrong
    argument needs only the message (``--help`` still prints the usage). Sub-parsers
    made by ``add_subparsers`` inherit this class.
    """

    def error(self, message: str) -> NoReturn:
        """Print ``error: PROG: MESSAGE`` on one line and exit with status 2."""
        text = " ".join(message.split())
        self.exit(EXIT_INPUT_ERROR, f"error: {self.prog}: {text} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``run_sim.py``."""
    parser = OneLineParser(
        prog="run_sim.py",
        description="Crosspaths: chance meetings between institutions in a district layout.",
    )
    # Typed as plain ArgumentParser sub-parsers, which is what the packages' add_parser
    # functions take; they are OneLineParsers at run time.
    sub = cast(
        "argparse._SubParsersAction[argparse.ArgumentParser]",
        parser.add_subparsers(dest="command", required=True, metavar="COMMAND"),
    )

    run = sub.add_parser("run", help="simulate a layout and write tables and figures")
    run.add_argument("layout", help="layout YAML file")
    run.add_argument(
        "--seed", type=whole_number(0, MAX_SEED), default=0, help="random seed (default 0)"
    )
    run.add_argument(
        "--days", type=whole_number(1, MAX_DAYS), default=1, help="weekdays (default 1)"
    )
    run.add_argument("--scale", type=positive_number, default=1.0, help="multiply every population")
    run.add_argument("--out", type=Path, help="output folder (default results/<scenario>/)")
    add_lang_argument(run)
    run.add_argument("--quiet", action="store_true", help="no progress bar")
    run.add_argument(
        "--network", choices=NETWORK_CHOICES, default="all",
        help="pairs written to ties.graphml/ties.csv: all (default), cross-institution, none",
    )  # fmt: skip
    run.add_argument(
        "--no-figures", action="store_true",
        help="numbers only: tables, summary, GeoJSON and ties, no figures and no report",
    )  # fmt: skip
    run.set_defaults(handler=_run)

    check = sub.add_parser("check", help="validate a layout without running it")
    check.add_argument("layout", help="layout YAML file")
    check.set_defaults(handler=_check)

    bench = sub.add_parser("bench", help="print set-up time, simulation time and memory")
    bench.add_argument("layout", nargs="?", default="scenarios/baseline.yaml")
    bench.add_argument(
        "--scales",
        default="1,2.5",
        help="comma-separated population scales to time (default 1,2.5)",
    )
    bench.add_argument("--seed", type=whole_number(0, MAX_SEED), default=0)
    bench.add_argument(
        "--repeat",
        type=whole_number(1, 20),
        default=1,
        help="measure each scale this many times, each in a fresh process, and print the "
        "range (timings on a shared machine vary by 10-20 %%)",
    )
    bench.add_argument(
        "--reference-layout",
        default="tests/fixtures/tiny.yaml",
        help="small layout on which the fast engine is timed against the reference",
    )
    bench.set_defaults(handler=_bench)
    # Commands that live in their own packages add their parsers here, e.g.
    # ``compare_command.add_parser(sub)``; each sets ``handler`` via set_defaults.
    sweep_command.add_parser(sub)
    compare_command.add_parser(sub)
    show_command.add_parser(sub)
    gis_command.add_parser(sub)
    rank_command.add_parser(sub)
    live_command.add_parser(sub)
    validate_command.add_parser(sub)
    return parser


def prefer_small_pages() -> None:
    """Ask numpy not to request transparent huge pages for its large arrays, in this
    process and the processes it starts, unless ``NUMPY_MADVISE_HUGEPAGE`` is set.

    Where the kernel compacts memory to find a huge page whenever one is requested
    (transparent huge pages in ``madvise`` mode, as on the development machine), the
    first touch of every new large array waits for it, and a day at 100,000 people
    allocates about a gigabyte of fresh arrays. Measured (docs/performance.md): a first
    day at 100,000 people 8.0 → 7.1 s (means of four interleaved pairs), the baseline
    and a worker's later runs unchanged.
    """
    if "NUMPY_MADVISE_HUGEPAGE" in os.environ:
        return
    os.environ["NUMPY_MADVISE_HUGEPAGE"] = "0"  # read by numpy as each process starts
    import numpy as np

    multiarray = getattr(getattr(np, "_core", None), "multiarray", None)
    setter = getattr(multiarray, "_set_madvise_hugepage", None)
    if setter is not None:  # numpy's own switch, for this process (already started)
        setter(False)


MALLOC_SETTINGS = {
    "MALLOC_MMAP_THRESHOLD_": 32 * 2**20,
    "MALLOC_TRIM_THRESHOLD_": 2**30,
    "MALLOC_TOP_PAD_": 64 * 2**20,
}
"""glibc allocator settings of :func:`reuse_freed_memory`, as its environment names them."""
_MALLOPT_PARAM = {"MALLOC_MMAP_THRESHOLD_": -3, "MALLOC_TRIM_THRESHOLD_": -1,
                  "MALLOC_TOP_PAD_": -2}
"""glibc's ``mallopt`` numbers of the same settings (M_MMAP_THRESHOLD, M_TRIM_THRESHOLD,
M_TOP_PAD)."""


def reuse_freed_memory() -> bool:
    """Ask glibc's allocator to keep freed memory for the next arrays, in this process
    and the processes it starts, unless any ``MALLOC_`` variable is set; returns
    whether this process took the settings (``False`` off glibc).

    A run allocates and frees hundreds of megabytes of arrays of 1-30 MB. By default
    glibc returns each to the system when freed, so every run of a worker touches fresh
    pages again (in the vision comparison 15 s of system time). Arrays up to 32 MB now
    come from a heap kept up to 1 GB above its use. Measured (docs/performance.md): the
    comparison 85-89 s against 94-103 s in four interleaved pairs; the peak at 100,000
    people unchanged (938-942 MiB).
    """
    if any(name.startswith("MALLOC_") for name in os.environ):
        return False
    os.environ.update({k: str(v) for k, v in MALLOC_SETTINGS.items()})  # read at start
    try:
        mallopt = ctypes.CDLL(None).mallopt  # this process has started already
    except (OSError, AttributeError, TypeError):  # no C library by that name, or no mallopt
        return False
    return all(mallopt(_MALLOPT_PARAM[k], v) == 1 for k, v in MALLOC_SETTINGS.items())


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the process exit status."""
    prefer_small_pages()
    reuse_freed_memory()
    args = build_parser().parse_args(argv)
    try:
        return int(args.handler(args))
    except CrosspathsInputError as err:
        print(f"error: {err.one_line()}", file=sys.stderr)
        return EXIT_INPUT_ERROR
    except KeyboardInterrupt:
        print("interrupted; no results written", file=sys.stderr)
        return 130


def _check(args: argparse.Namespace) -> int:
    from sim.layout import load_layout

    layout = load_layout(args.layout)
    people = layout.total_population()
    census = ", ".join(f"{n} {t}" for t, n in people.items() if n)
    print(
        f"ok: {args.layout}: {len(layout.nodes)} nodes, {len(layout.edges)} edges, "
        f"{len(layout.buildings)} buildings, {len(layout.venues)} venues, "
        f"{len(layout.spaces)} public spaces, {len(layout.gateways)} gateways; "
        f"{sum(people.values())} people ({census})"
    )
    return 0


def _run(args: argparse.Namespace) -> int:
    from sim.layout import load_layout
    from sim.outputs.folders import claim
    from sim.outputs.writer import write_results
    from sim.progress import progress_bar
    from sim.runner import simulate

    t0 = time.perf_counter()
    layout = load_layout(args.layout)
    if args.scale != 1.0:
        layout = layout.scaled(args.scale)
    out_dir = args.out or Path("results") / layout.name
    claim(out_dir, "run")
    with progress_bar(args.days + 2, layout.name, quiet=args.quiet) as advance:
        result = simulate(layout, seed=args.seed, days=args.days, on_progress=advance)
        summary = write_results(
            result, out_dir, layout.name, time.perf_counter() - t0, Lang(args.lang),
            network=args.network, figures=not args.no_figures,
        )
        advance("outputs written")
    print(
        f"{layout.name}: {summary['agents']['total']} people, {args.days} day(s), seed "
        f"{args.seed}: {summary['meetings_per_person_day']:.3f} meetings and "
        f"{summary['cross_institution_meetings_per_person_day']:.3f} cross-institution "
        f"meetings per person-day -> {out_dir}"
    )
    return 0


def _bench(args: argparse.Namespace) -> int:
    from sim.bench import run_benchmark

    try:
        scales = [float(s) for s in args.scales.split(",")]
    except ValueError:
        raise CrosspathsInputError(
            f"expected comma-separated numbers, got {args.scales!r}", path="--scales"
        ) from None
    run_benchmark(args.layout, scales, args.seed, args.reference_layout, args.repeat)
    return 0
