"""The client summary of a comparison: ranked table, three findings, assumptions.

Scenarios are ranked by the change in cross-institution meetings per person-day, the
figure the district is designed for; every effect is stated with its 95 % interval in
words. The same :class:`~sim.outputs.clientreport.Summary` becomes ``report.pdf`` and
the first screen of ``report.md``.
"""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes

from sim.compare import canvas
from sim.compare.changes import HeadlineComparison, ItemChange, VariantChanges
from sim.compare.runner import ComparisonRuns
from sim.i18n import Lang
from sim.outputs import figure
from sim.outputs.clientreport import CHART_LABEL_PT, Summary, chart_height, chart_labels

KEY_FIGURE = "cross_institution_meetings_per_person_day"
"""The figure scenarios are ranked by."""
SECOND_FIGURE = "meetings_per_person_day"
GAIN, LOSS, NOISE = "#2166ac", "#b2182b", "#999999"


def effect_words(c: HeadlineComparison, lang: Lang) -> str:
    """``+8.9 % (between +8.3 and +9.5 %)``; the absolute change where no ratio is defined."""
    d = c.difference
    if d is None:
        return lang.t("sum.reference")
    if d.identical:
        return lang.t("cmp.identical")
    if d.relative is not None and d.relative_low is not None and d.relative_high is not None:
        return f"{lang.pct(d.relative)} ({lang.pct_range(d.relative_low, d.relative_high)})"
    return f"{lang.signed(d.mean)} ({lang.range(d.low, d.high, signed=True)})"


def verdict(c: HeadlineComparison, lang: Lang) -> str:
    """Whether the change is real, in words a client reads."""
    d = c.difference
    if d is None:
        return ""
    if d.identical:
        return lang.t("sum.v_identical")
    if d.indistinguishable:
        return lang.t("sum.v_noise")
    return lang.t("sum.v_more") if d.mean > 0 else lang.t("sum.v_fewer")


def ranked(comparisons: list[HeadlineComparison]) -> list[HeadlineComparison]:
    """The variants' comparisons of :data:`KEY_FIGURE`, largest change first."""
    rows = [c for c in comparisons if c.figure == KEY_FIGURE and c.difference is not None]
    return sorted(rows, key=lambda c: -(c.difference.mean if c.difference else 0.0))


def _assumptions(runs: ComparisonRuns, lang: Lang) -> list[str]:
    return [
        lang.t("sum.a_runs", scale=figure.scale_text(lang, runs.scale),
               seeds=figure.seed_text(lang, runs.seeds), n=len(runs.seeds),
               days=lang.plural(runs.days, "weekday")),
        lang.t("sum.a_ci"),
        lang.t("sum.a_not"),
        lang.t("sum.a_calib"),
    ]


def _place(ch: ItemChange, lang: Lang) -> str:
    if ch.kind == "edge":
        return ch.name or lang.t("cmp.segment", id=ch.id)
    return ch.name or ch.id


def _where(vc: VariantChanges, lang: Lang, n_seeds: int) -> str:
    """Where the variant gains and loses most, among real changes."""
    real = [ch for ch in vc.places if ch.kind != "node" and not ch.indistinguishable]
    up = max((ch for ch in real if ch.change > 0), key=lambda ch: ch.change, default=None)
    down = min((ch for ch in real if ch.change < 0), key=lambda ch: ch.change, default=None)
    name = canvas.title(vc.scenario)
    parts = []
    if up is not None:
        parts.append(lang.t("sum.gain_at", place=_place(up, lang), value=lang.signed(up.change)))
    if down is not None:
        parts.append(lang.t("sum.loss_at", place=_place(down, lang),
                            value=lang.signed(down.change)))  # fmt: skip
    if not parts:
        return lang.t("sum.where_none", name=name, n=n_seeds)
    return lang.t("sum.where", name=name, parts=lang.t("sum.and").join(parts))


def _findings(
    runs: ComparisonRuns, order: list[HeadlineComparison], changes: list[VariantChanges],
    lang: Lang,
) -> tuple[list[str], HeadlineComparison]:  # fmt: skip
    """Three findings, and the variant whose map is the most relevant."""
    ref = canvas.title(runs.scenarios[0])
    n = len(runs.seeds)
    gains = [c for c in order if c.difference and not c.difference.indistinguishable
             and c.difference.mean > 0]  # fmt: skip
    losses = [c for c in order if c.difference and not c.difference.indistinguishable
              and c.difference.mean < 0]  # fmt: skip
    if gains:
        best = gains[0]
        first = lang.t("sum.best", name=canvas.title(best.scenario), ref=ref,
                       effect=effect_words(best, lang))  # fmt: skip
        if len(gains) > 1:
            first += " " + lang.t("sum.also_gain", n=len(gains) - 1)
    else:
        first = lang.t("sum.no_gain", ref=ref, n=n)
    if losses:
        worst = losses[-1]
        second = lang.t("sum.worst", name=canvas.title(worst.scenario), ref=ref,
                        effect=effect_words(worst, lang))  # fmt: skip
    else:
        second = lang.t("sum.no_loss", ref=ref, n=n)
    noise = [c for c in order if c.difference and c.difference.indistinguishable]
    if noise:
        second += " " + lang.t("sum.noise_list", names=", ".join(
            canvas.title(c.scenario) for c in noise), n=n)  # fmt: skip
    real = gains + losses
    focus = max(real, key=lambda c: abs(c.difference.mean if c.difference else 0.0),
                default=order[0])  # fmt: skip
    if gains:
        focus = gains[0]
    vc = next(v for v in changes if v.scenario.index == focus.scenario.index)
    return [first, second, _where(vc, lang, n)], focus


def _chart(order: list[HeadlineComparison], runs: ComparisonRuns, lang: Lang) -> object:
    """Draws the ranked changes with their intervals (a closure over the numbers)."""

    def draw(ax: Axes) -> None:
        names = [canvas.title(c.scenario) for c in order]
        y = np.arange(len(order))
        vals, lows, highs, colours = [], [], [], []
        for c in order:
            d = c.difference
            assert d is not None
            if d.relative is not None and d.relative_low is not None and \
                    d.relative_high is not None:  # fmt: skip
                v, lo, hi = 100 * d.relative, 100 * d.relative_low, 100 * d.relative_high
            else:
                v = lo = hi = 0.0
            vals.append(v)
            lows.append(v - lo)
            highs.append(hi - v)
            colours.append(NOISE if d.indistinguishable else GAIN if d.mean > 0 else LOSS)
        ax.barh(y, vals, color=colours, height=0.6, xerr=[lows, highs], capsize=3,
                error_kw={"elinewidth": 1.0, "ecolor": "0.2"})  # fmt: skip
        ax.axvline(0, color="0.3", lw=0.8)
        ax.set_yticks(y, chart_labels(names), fontsize=CHART_LABEL_PT)
        ax.invert_yaxis()
        axis = lang.t("sum.chart_axis", ref=canvas.title(runs.scenarios[0]))
        ax.set_xlabel(f"{axis}\n({lang.t('sum.chart_note')})", fontsize=9)
        ax.xaxis.set_major_formatter(lambda v, _: lang.tick(v, signed=True) + " %")
        ax.tick_params(labelsize=8.5)
        ax.grid(axis="x", color="0.9")
        ax.set_axisbelow(True)
        span = max([abs(v) + e for v, e in zip(vals, highs, strict=True)] + [0.5])
        ax.set_xlim(-1.15 * span, 1.15 * span)

    return draw


def build_summary(
    runs: ComparisonRuns,
    comparisons: list[HeadlineComparison],
    changes: list[VariantChanges],
    lang: Lang,
) -> Summary:
    """The client summary of a comparison; ``focus`` names the variant to map."""
    names = canvas.titles(runs)
    ref = names[0]
    labels = {k: lang.t(f"sum.h_{k}") for k in
              ("question", "table", "findings", "chart", "assumptions", "map")}  # fmt: skip
    footer = canvas.source_line(runs, lang)
    if not changes:
        return _single(runs, comparisons, lang, labels, footer)
    order = ranked(comparisons)
    by_key = {(c.figure, c.scenario.index): c for c in comparisons}
    header = [lang.t("sum.c_rank"), lang.t("sum.c_scenario"),
              lang.t("sum.c_key", ref=ref), lang.t("sum.c_all"),
              lang.t("sum.c_verdict")]  # fmt: skip
    rows = [
        [str(k), names[c.scenario.index], effect_words(c, lang),
         effect_words(by_key[(SECOND_FIGURE, c.scenario.index)], lang), verdict(c, lang)]
        for k, c in enumerate(order, start=1)
    ]  # fmt: skip
    findings, focus = _findings(runs, order, changes, lang)
    return Summary(
        title=lang.t("sum.title"),
        question=(lang.t("sum.question", ref=ref, n=len(changes)) if len(changes) > 1
                  else lang.t("sum.question_one", ref=ref, name=names[changes[0].scenario.index])),
        labels=labels,
        header=header,
        rows=rows,
        widths=[0.6, 2.1, 2.4, 2.4, 1.8],
        findings=findings,
        assumptions=_assumptions(runs, lang),
        footer=footer,
        chart=_chart(order, runs, lang),  # type: ignore[arg-type]
        chart_height=chart_height(chart_labels([canvas.title(c.scenario) for c in order])),
        map_caption=lang.t("sum.map_caption", name=names[focus.scenario.index], ref=ref),
        focus=focus.scenario.index,
    )


def _single(
    runs: ComparisonRuns, comparisons: list[HeadlineComparison], lang: Lang,
    labels: dict[str, str], footer: str,
) -> Summary:  # fmt: skip
    """A single scenario: its headline figures with intervals, nothing ranked."""
    name = canvas.titles(runs)[0]
    rows = [[lang.figure_label(c.figure),
             f"{lang.num(c.estimate.mean)} ({lang.range(c.estimate.low, c.estimate.high)})"]
            for c in comparisons]  # fmt: skip
    by = {c.figure: c for c in comparisons}
    findings = [
        lang.t("sum.single_key", name=name, value=lang.num(by[KEY_FIGURE].estimate.mean),
               ci=lang.range(by[KEY_FIGURE].estimate.low, by[KEY_FIGURE].estimate.high)),
        lang.t("sum.single_share", value=lang.share(by["cross_institution_share"].estimate.mean)),
        lang.t("sum.single_more", n=len(runs.seeds)),
    ]  # fmt: skip
    return Summary(
        title=lang.t("sum.single_title", name=name),
        question=lang.t("sum.single_question", name=name),
        labels={**labels, "table": lang.t("rr.h_table")},
        header=[lang.t("sum.c_figure"), lang.t("sum.c_mean")],
        rows=rows,
        widths=[3.0, 3.0],
        findings=findings,
        assumptions=_assumptions(runs, lang),
        footer=footer,
    )
