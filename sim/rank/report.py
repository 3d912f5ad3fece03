"""``report.md``: the ranking in plain language, for a designer or a planning report."""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

from sim.compare.stats import Difference
from sim.i18n import EN
from sim.outputs.figure import seed_text
from sim.outputs.labels import figure_phrase, fmt, fmt_pct, fmt_pct_range, fmt_signed
from sim.rank.base import Base
from sim.rank.ranking import CUT, ELIMINATED, Ranking
from sim.rank.runs import FIGURE
from sim.runs.store import write_atomic


def verdict(d: Difference) -> str:
    """``more meetings`` / ``fewer meetings`` / ``cannot tell from noise``."""
    if d.identical:
        return "no change at all"
    if d.indistinguishable:
        return "cannot tell from noise"
    return "more meetings" if d.mean > 0 else "fewer meetings"


def effect_text(d: Difference) -> str:
    """``+0.8 % (95 % interval +0.3 to +1.3 %)``, or per person-day where % is undefined."""
    if d.relative is not None and d.relative_low is not None and d.relative_high is not None:
        ci = fmt_pct_range(d.relative_low, d.relative_high)
        return f"{fmt_pct(d.relative)} (95 % interval {ci})"
    ci = f"{fmt_signed(d.low)} to {fmt_signed(d.high)}"
    return f"{fmt_signed(d.mean)} per person-day (95 % interval {ci})"


def render(
    base: Base,
    ranking: Ranking,
    command: str,
    figures: list[str],
    seed_base: int = 0,
    days: int = 1,
) -> str:
    """The report's Markdown."""
    s = ranking.settings
    top = ranking.top()
    kinds = Counter(e.candidate.kind for e in ranking.entries)
    eliminated = sum(e.status == ELIMINATED for e in ranking.entries)
    cut = sum(e.status == CUT for e in ranking.entries)
    dropped = (
        f"; {ranking.dropped} more were dropped before any run by their pre-score "
        "(`--max-candidates`)"
        if ranking.dropped
        else ""
    )
    seeds = seed_text(EN, list(range(seed_base, seed_base + s.final_seeds)))
    lines = [
        f"# Which single change adds most {figure_phrase(FIGURE)}: {base.layout.name}",
        "",
        f"Base layout `{base.path}`. {len(ranking.entries)} candidate changes were ranked "
        f"({', '.join(f'{n} {k}' for k, n in kinds.items())})"
        + dropped
        + ". Each candidate is the base plus that one change; its effect is the change in "
        f"{figure_phrase(FIGURE)} against the base, measured on the same seeds "
        f"(common random numbers). The base has {fmt(ranking.base_mean)} per person-day "
        f"({s.final_seeds} seeds, population × {s.scale:g}).",
        "",
        f"Made with `{command}`.",
        "",
        f"## The top {len(top)}",
        "",
        "| rank | change | effect | verdict |",
        "|---:|---|---|---|",
    ]
    for e in top:
        lines.append(
            f"| {e.rank} | **{e.candidate.id}**: {e.candidate.description} | "
            f"{effect_text(e.difference)} | {verdict(e.difference)} |"
        )
    if top:
        best = top[0]
        real = [e for e in top if not e.difference.indistinguishable and e.difference.mean > 0]
        lines += ["", f"The best single change found is **{best.candidate.id}** — "
                  f"{best.candidate.description}: {effect_text(best.difference)}, "
                  f"{verdict(best.difference)}."]  # fmt: skip
        if not real:
            lines.append(
                f"None of the top {len(top)} adds meetings that {s.final_seeds} seeds can tell "
                "apart from noise: these changes are small for the district as a whole. "
                "More seeds (`--final-seeds`) narrow the intervals roughly as 1/√n."
            )
        elif len(real) < len(top):
            lines.append(
                f"{len(real)} of the top {len(top)} add meetings clearly (interval above 0); "
                "the others cannot be told apart from noise with these seeds."
            )
    lines += ["", *[f"![{alt}]({f})" for f, alt in zip(figures, _alts(figures), strict=True)]]
    lines += [
        "",
        "## How sure we are",
        "",
        f"- Every effect of the top {len(top)} is measured with {s.final_seeds} seeds "
        f"({seeds}, {days} day{'s' if days != 1 else ''} each) at population × "
        f"{s.scale:g}; each interval is a 95 % interval of that one candidate's effect. "
        f"Intervals are not simultaneous: among {len(top)} candidates, one may miss its "
        "true value by chance.",
        "- Candidates whose intervals overlap may in truth be in the other order; read the "
        "ranks as groups, not as a strict order.",
        f"- The race: {len(ranking.entries)} candidates, rounds of "
        f"{', '.join(str(n) for n in s.rounds)} seeds at population × {s.race_scale:g}. "
        f"{eliminated} were eliminated (clearly worse than {s.keep} others: the chance "
        f"that one of the true best {s.keep} was eliminated is at most {s.alpha:g}, see "
        "docs/rank.md)"
        + ("; successive halving was on, which drops that guarantee" if s.halving else "")
        + f"; {cut} survived the race but had smaller mean effects than the top {len(top)} "
        "(their numbers in `ranking.csv` come from fewer seeds).",
        "- The model judges a change only through the mechanisms it has (routes, frontage, "
        "venues, meeting probabilities that are assumptions; see docs/MODEL.md). A change "
        "is only as real as its drawing: a generated path may cross land that is not free.",
    ]
    if ranking.bundle:
        lines += [
            "",
            f"## The best combination of {len(ranking.bundle)} (greedy)",
            "",
            "Each step adds the candidate that, run together with those already chosen, "
            "gives the largest effect: interactions count (two links can compete for the "
            "same walkers).",
            "",
            "| step | added | whole bundle's effect | verdict |",
            "|---:|---|---|---|",
        ]
        for step in ranking.bundle:
            lines.append(
                f"| {step.step} | {step.added.id} | {effect_text(step.difference)} | "
                f"{verdict(step.difference)} |"
            )
        members = ranking.bundle[-1].bundle.members
        parts = sum(e.difference.mean for e in top if e.candidate.id in members)
        whole = ranking.bundle[-1].difference.mean
        lines += [
            "",
            f"The members' single effects add up to {fmt_signed(parts)} per person-day; the "
            f"bundle gives {fmt_signed(whole)}.",
        ]
    folder = os.fspath(Path("variants"))
    if top:
        lines += [
            "",
            "## Taking a candidate further",
            "",
            f"Each top candidate is a variant in `{folder}/` that `check`, `show` and "
            "`compare` accept. The same seeds reproduce the number above, e.g.",
            "",
            "```",
            f"python run_sim.py compare {base.path} "
            f"<this folder>/{folder}/{top[0].candidate.id}.yaml --seeds {s.final_seeds}"
            + (f" --scale {s.scale:g}" if s.scale != 1.0 else "")
            + (f" --seed-base {seed_base}" if seed_base else "")
            + (f" --days {days}" if days != 1 else ""),
            "```",
        ]
    return "\n".join(lines) + "\n"


def _alts(figures: list[str]) -> list[str]:
    effects, where = "Top candidates: effect with 95 % interval", "Map of the top candidates"
    return [effects if "effects" in f else where for f in figures]


def write_report(
    base: Base,
    ranking: Ranking,
    folder: Path,
    command: str,
    figures: list[str],
    seed_base: int = 0,
    days: int = 1,
) -> Path:
    """Write ``report.md`` into ``folder``."""
    path = folder / "report.md"
    write_atomic(path, render(base, ranking, command, figures, seed_base, days))
    return path
