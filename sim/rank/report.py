"""``report.md``: the ranking in plain language, for a designer or a planning report."""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

from sim.compare.stats import Difference
from sim.i18n import EN, Lang
from sim.outputs.figure import seed_text
from sim.rank.base import Base
from sim.rank.ranking import CUT, ELIMINATED, Ranking
from sim.rank.runs import FIGURE
from sim.runs.store import write_atomic


def verdict(d: Difference, lang: Lang = EN) -> str:
    """``more meetings`` / ``fewer meetings`` / ``cannot tell from noise``."""
    if d.identical:
        return lang.t("rank.v_none")
    if d.indistinguishable:
        return lang.t("rank.v_noise")
    return lang.t("rank.v_more" if d.mean > 0 else "rank.v_fewer")


def effect_text(d: Difference, lang: Lang = EN) -> str:
    """``+0.8 % (95 % interval +0.3 to +1.3 %)``, or per person-day where % is undefined."""
    if d.relative is not None and d.relative_low is not None and d.relative_high is not None:
        ci = lang.t("pct_to", low=lang.pct(d.relative_low).removesuffix(" %"),
                    high=lang.pct(d.relative_high))  # fmt: skip
        return lang.t("rank.effect_pct", pct=lang.pct(d.relative), ci=ci)
    return lang.t("rank.effect_abs", mean=lang.signed(d.mean), low=lang.signed(d.low),
                  high=lang.signed(d.high))  # fmt: skip


def render(
    base: Base,
    ranking: Ranking,
    command: str,
    figures: list[str],
    seed_base: int = 0,
    days: int = 1,
    lang: Lang = EN,
) -> str:
    """The report's Markdown, in ``lang``."""
    s = ranking.settings
    t = lang.t
    top = ranking.top()
    what = lang.figure_phrase(FIGURE)
    kinds = Counter(e.candidate.kind for e in ranking.entries)
    eliminated = sum(e.status == ELIMINATED for e in ranking.entries)
    cut = sum(e.status == CUT for e in ranking.entries)
    dropped = t("rank.dropped", n=ranking.dropped) if ranking.dropped else ""
    seeds = seed_text(lang, list(range(seed_base, seed_base + s.final_seeds)))
    scale = lang.tick(s.scale)
    intro = t("rank.intro", path=base.path, n=len(ranking.entries),
              kinds=", ".join(f"{n} {lang.term('rank.kind', k)}" for k, n in kinds.items()),
              dropped=dropped, what=what, base=lang.num(ranking.base_mean),
              seeds=s.final_seeds, scale=scale)  # fmt: skip
    lines = [
        f"# {t('rank.title', what=what, name=base.layout.name)}",
        "",
        intro,
        "",
        t("rank.made", command=command),
        "",
        f"## {t('rank.h_top', n=len(top))}",
        "",
        t("rank.table_header"),
        "|---:|---|---|---|",
    ]
    for e in top:
        lines.append(
            f"| {e.rank} | **{e.candidate.id}**: {e.candidate.text(lang)} | "
            f"{effect_text(e.difference, lang)} | {verdict(e.difference, lang)} |"
        )
    if top:
        best = top[0]
        real = [e for e in top if not e.difference.indistinguishable and e.difference.mean > 0]
        lines += ["", t("rank.best", id=best.candidate.id, desc=best.candidate.text(lang),
                        effect=effect_text(best.difference, lang),
                        verdict=verdict(best.difference, lang))]  # fmt: skip
        if not real:
            lines.append(t("rank.none_real", n=len(top), seeds=s.final_seeds))
        elif len(real) < len(top):
            lines.append(t("rank.some_real", k=len(real), n=len(top)))
    alts = [t("rank.alt_effects") if "effects" in f else t("rank.alt_map") for f in figures]
    lines += ["", *[f"![{alt}]({f})" for f, alt in zip(figures, alts, strict=True)]]
    race = t("rank.sure_race", n=len(ranking.entries),
             rounds=", ".join(str(n) for n in s.rounds), scale=lang.tick(s.race_scale),
             eliminated=eliminated, keep=s.keep, alpha=lang.tick(s.alpha),
             halving=t("rank.halving") if s.halving else "", cut=cut, top=len(top))  # fmt: skip
    sure = t("rank.sure_seeds", n=len(top), seeds_n=s.final_seeds, seeds=seeds,
             days=lang.plural(days, "weekday"), scale=scale)  # fmt: skip
    lines += [
        "",
        f"## {t('rank.h_sure')}",
        "",
        "- " + sure,
        "- " + t("rank.sure_overlap"),
        "- " + race,
        "- " + t("rank.sure_model"),
    ]
    if ranking.bundle:
        lines += [
            "",
            f"## {t('rank.h_bundle', n=len(ranking.bundle))}",
            "",
            t("rank.bundle_intro"),
            "",
            t("rank.bundle_header"),
            "|---:|---|---|---|",
        ]
        for step in ranking.bundle:
            lines.append(
                f"| {step.step} | {step.added.id} | {effect_text(step.difference, lang)} | "
                f"{verdict(step.difference, lang)} |"
            )
        members = ranking.bundle[-1].bundle.members
        parts = sum(e.difference.mean for e in top if e.candidate.id in members)
        whole = ranking.bundle[-1].difference.mean
        lines += ["", t("rank.bundle_sum", parts=lang.signed(parts), whole=lang.signed(whole))]
    folder = os.fspath(Path("variants"))
    if top:
        lines += [
            "",
            f"## {t('rank.h_further')}",
            "",
            t("rank.further", folder=folder),
            "",
            "```",
            f"python run_sim.py compare {base.path} "
            f"{t('rank.this_folder')}/{folder}/{top[0].candidate.id}.yaml "
            f"--seeds {s.final_seeds}"
            + (f" --scale {s.scale:g}" if s.scale != 1.0 else "")
            + (f" --seed-base {seed_base}" if seed_base else "")
            + (f" --days {days}" if days != 1 else "")
            + (f" --lang {lang.code}" if lang.code != "en" else ""),
            "```",
        ]
    return "\n".join(lines) + "\n"


def write_report(
    base: Base,
    ranking: Ranking,
    folder: Path,
    command: str,
    figures: list[str],
    seed_base: int = 0,
    days: int = 1,
    lang: Lang = EN,
) -> Path:
    """Write ``report.md`` into ``folder``, in ``lang``."""
    path = folder / "report.md"
    write_atomic(path, render(base, ranking, command, figures, seed_base, days, lang))
    return path
