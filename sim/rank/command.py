"""``run_sim.py rank``: which single change adds most cross-institution meetings.

Exit status: 0 when ranked, 1 when some runs failed (they are recorded; the same command
retries them), 2 for a mistake in the arguments or a candidate (nothing is written
then), 130 when interrupted (finished runs are kept; the same command resumes).
"""

from __future__ import annotations

import argparse
import itertools
import shlex
import sys
import time
from pathlib import Path
from typing import Any

from sim.argtypes import positive_number, whole_number
from sim.errors import CrosspathsInputError
from sim.i18n import Lang, add_lang_argument
from sim.limits import MAX_DAYS, MAX_SEED, MAX_SEEDS, MAX_WORKERS

EXIT_RUNS_FAILED = 1
EXIT_INTERRUPTED = 130
DEFAULT_ROUNDS = "3,6"


def add_parser(sub: Any) -> None:
    """Register ``rank`` on the subparsers of ``run_sim.py``."""
    from sim.rank.candidates import FRONTAGE_LEVEL, GENERATORS, LINK_MAX_M, LINK_RATIO

    parser = sub.add_parser(
        "rank",
        help="rank candidate changes by the cross-institution meetings they add (docs/rank.md)",
        description="Generate or read candidate changes to a layout, race them over common "
        "seeds, and rank the best K at full scale.",
    )
    parser.add_argument("layout", help="layout (or variant) file to improve")
    parser.add_argument(
        "--candidates",
        nargs="+",
        required=True,
        metavar="KIND|FILE",
        help=f"generators ({', '.join(GENERATORS)}) and/or candidate YAML files",
    )
    parser.add_argument(
        "--max-candidates",
        type=whole_number(1),
        metavar="N",
        help="keep the N best by pre-score (a designer's candidates always stay)",
    )
    parser.add_argument(
        "--top",
        type=whole_number(1),
        default=10,
        metavar="K",
        help="size of the final list, run with --final-seeds (default 10)",
    )
    parser.add_argument(
        "--rounds",
        default=DEFAULT_ROUNDS,
        metavar="N1,N2,...",
        help=f"seeds per candidate after each race round (default {DEFAULT_ROUNDS})",
    )
    parser.add_argument(
        "--final-seeds",
        type=whole_number(2, MAX_SEEDS),
        default=10,
        help="seeds of the final top K (default 10)",
    )
    parser.add_argument(
        "--alpha",
        type=_probability,
        default=0.05,
        help="chance the race may drop one of the true best K (default 0.05)",
    )
    parser.add_argument(
        "--halving",
        action="store_true",
        help="also keep at most half after each round (faster, no guarantee)",
    )
    parser.add_argument(
        "--scale",
        type=positive_number,
        default=1.0,
        help="population scale of the final top K (default 1)",
    )
    parser.add_argument(
        "--race-scale",
        type=positive_number,
        help="population scale of the race rounds (default: --scale)",
    )
    parser.add_argument(
        "--seed-base",
        type=whole_number(0, MAX_SEED),
        default=0,
        help="first seed (default 0), as in compare",
    )
    parser.add_argument(
        "--days", type=whole_number(1, MAX_DAYS), default=1, help="weekdays per run (default 1)"
    )
    parser.add_argument(
        "--bundle",
        type=whole_number(1),
        default=0,
        metavar="K",
        help="also find the best combination of K of the top candidates (greedy)",
    )
    parser.add_argument(
        "--link-max-m",
        type=positive_number,
        default=LINK_MAX_M,
        help=f"links: longest new path, metres (default {LINK_MAX_M:g})",
    )
    parser.add_argument(
        "--link-ratio",
        type=positive_number,
        default=LINK_RATIO,
        help=f"links: least walk / straight-line ratio (default {LINK_RATIO:g})",
    )
    parser.add_argument(
        "--frontage-level",
        type=_probability,
        default=FRONTAGE_LEVEL,
        help=f"frontage: level to raise segments to (default {FRONTAGE_LEVEL:g})",
    )
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "--workers",
        type=whole_number(1, MAX_WORKERS),
        help="local worker processes (default: the machine's cores)",
    )
    where.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="run on this dask.distributed scheduler, e.g. tcp://host:8786",
    )
    parser.add_argument("--out", type=Path, help="output folder (default results/rank/<layout>/)")
    add_lang_argument(parser)
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    parser.set_defaults(handler=run)


def _probability(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not 0.0 < value < 1.0:
        raise argparse.ArgumentTypeError(f"expected a number between 0 and 1, got {text}")
    return value


def parse_rounds(text: str) -> tuple[int, ...]:
    """``"3,6"`` → ``(3, 6)``: increasing whole numbers >= 2.

    Raises
    ------
    CrosspathsInputError
        Naming ``--rounds``.
    """
    try:
        rounds = tuple(int(p) for p in text.split(","))
    except ValueError:
        rounds = ()
    increasing = all(b > a for a, b in itertools.pairwise(rounds))
    if not rounds or rounds[0] < 2 or rounds[-1] > MAX_SEEDS or not increasing:
        raise CrosspathsInputError(
            f"expected increasing whole numbers >= 2 separated by commas, got {text!r}",
            path="--rounds",
        )
    return rounds


def collect(args: argparse.Namespace) -> tuple[Any, list[Any], int]:
    """Load the base and every candidate, validated; nothing is written.

    Returns
    -------
    base, candidates, dropped
    """
    from sim.rank.base import load_base
    from sim.rank.candidates import GENERATORS, GeneratorOptions, generate, select
    from sim.rank.designed import read_candidate_file

    base = load_base(args.layout)
    options = GeneratorOptions(args.link_max_m, args.link_ratio, args.frontage_level)
    found: list[Any] = []
    for source in dict.fromkeys(args.candidates):
        if source in GENERATORS:
            made = generate(base, source, options)
            if not made:
                raise CrosspathsInputError(
                    f"generator '{source}' finds no candidate in {args.layout} with these "
                    "settings (see docs/rank.md for its rules)",
                    path="--candidates",
                )
            found.extend(made)
        elif Path(source).is_file():
            found.extend(read_candidate_file(source, base))
        else:
            raise CrosspathsInputError(
                f"'{source}' is neither a generator ({', '.join(GENERATORS)}) nor a candidate file",
                path="--candidates",
            )
    ids: dict[str, str] = {}
    for c in found:
        if c.id in ids:
            raise CrosspathsInputError(
                f"two candidates are called '{c.id}' ({ids[c.id]} and {c.source}); rename one",
                path="--candidates",
            )
        ids[c.id] = c.source
    kept, dropped = select(found, args.max_candidates)
    if args.bundle > min(len(kept), args.top):
        raise CrosspathsInputError(
            f"expected at most {min(len(kept), args.top)} (the top {args.top} of "
            f"{len(kept)} candidates), got {args.bundle}",
            path="--bundle",
        )
    return base, kept, dropped


def command_line(args: argparse.Namespace) -> str:
    """The command as typed, rebuilt from the parsed arguments (options left at defaults
    are left out)."""
    defaults = {"max_candidates": None, "top": 10, "rounds": DEFAULT_ROUNDS, "final_seeds": 10,
                "alpha": 0.05, "halving": False, "scale": 1.0, "race_scale": None,
                "seed_base": 0, "days": 1, "bundle": 0, "workers": None, "scheduler": None,
                "out": None, "lang": "en"}  # fmt: skip
    parts = ["python", "run_sim.py", "rank", args.layout, "--candidates", *args.candidates]
    for key, default in defaults.items():
        value = getattr(args, key, default)
        if value == default:
            continue
        flag = "--" + key.replace("_", "-")
        parts += [flag] if value is True else [flag, str(value)]
    return " ".join(shlex.quote(p) for p in parts)


def run(args: argparse.Namespace) -> int:
    """Handle ``run_sim.py rank``; return the exit status."""
    from sim.outputs.folders import claim
    from sim.rank.figures import write_figures
    from sim.rank.outputs import write_geojson, write_tables, write_variants
    from sim.rank.ranking import Settings, rank
    from sim.rank.report import write_report
    from sim.rank.runs import KIND, RankRuns, RunsFailedError, open_folder
    from sim.runs.backends import open_backend

    t0 = time.perf_counter()
    rounds = parse_rounds(args.rounds)
    if rounds[-1] > args.final_seeds and (args.race_scale or args.scale) == args.scale:
        raise CrosspathsInputError(
            f"the race would give candidates more seeds ({rounds[-1]}) than the final "
            f"({args.final_seeds}); lower --rounds or raise --final-seeds",
            path="--rounds",
        )
    base, candidates, dropped = collect(args)
    settings = Settings(
        keep=args.top,
        rounds=rounds,
        final_seeds=args.final_seeds,
        alpha=args.alpha,
        halving=args.halving,
        race_scale=args.race_scale or args.scale,
        scale=args.scale,
        bundle=args.bundle,
    )
    out_dir = args.out or Path("results") / "rank" / base.layout.name
    claim(out_dir, KIND)
    say = (lambda line: None) if args.quiet else (lambda line: print(line, file=sys.stderr))
    with open_backend(args.workers, args.scheduler) as backend:
        store = open_folder(out_dir, base, args.days)
        note = f", {dropped} dropped by pre-score" if dropped else ""
        say(f"rank {base.path}: {len(candidates)} candidates{note}, on {backend.description}")
        runs = RankRuns(base, store, backend, args.days, args.seed_base, args.quiet)
        try:
            ranking = rank(candidates, runs, settings, say)
        except KeyboardInterrupt:
            print(
                f"interrupted: {runs.ran} runs finished now are kept in {out_dir}; "
                "run the same command to resume",
                file=sys.stderr,
            )
            return EXIT_INTERRUPTED
        except RunsFailedError as err:
            print(f"error: {err}", file=sys.stderr)
            return EXIT_RUNS_FAILED
    ranking.dropped = dropped
    command = command_line(args)
    paths = write_tables(ranking, out_dir)
    paths.append(write_geojson(ranking, out_dir / "candidates.geojson"))
    lang = Lang(args.lang)
    figures = write_figures(base, ranking, out_dir, lang)
    paths += figures
    paths += write_variants(ranking, runs)
    pngs = [p.name for p in figures if p.suffix == ".png"]
    paths.append(
        write_report(base, ranking, out_dir, command, pngs, args.seed_base, args.days, lang)
    )
    top = ranking.top()
    for e in top[:3]:
        from sim.rank.report import effect_text

        print(f"{e.rank}. {e.candidate.id}: {effect_text(e.difference)}")
    minutes = (time.perf_counter() - t0) / 60.0
    print(
        f"{base.layout.name}: {len(candidates)} candidates ranked, top {len(top)} at "
        f"{settings.final_seeds} seeds; {runs.ran} runs now, {runs.reused} reused; "
        f"{minutes:.1f} min -> {out_dir}"
    )
    return 0
