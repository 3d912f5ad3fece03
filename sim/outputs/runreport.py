"""``report.pdf`` and ``report.md`` of a single run: the client summary of one layout.

One run has one seed, so its figures carry no interval; the summary says so and points
to ``compare`` for intervals. The content follows the comparison's report
(:mod:`sim.outputs.clientreport`): question, table, chart, three findings, assumptions,
and the map of where meetings happen.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.axes import Axes

from sim.engine.results import RunResult
from sim.i18n import Lang
from sim.metrics import PlaceCounts, Row
from sim.outputs import figure, plots
from sim.outputs.clientreport import TEXT_WIDTH, Summary, summary_markdown, write_pdf

REPORT_MAP_WIDTH = TEXT_WIDTH
"""Inches: the map in ``report.pdf`` is drawn at the page's text width."""
FIGURES: tuple[str, ...] = (
    "meetings_per_person_day",
    "cross_institution_meetings_per_person_day",
    "cross_institution_share",
    "distinct_cross_institution_ties",
    "repeat_cross_institution_ties",
    "encounters_per_person_day",
)


def _value(summary: dict[str, Any], name: str, lang: Lang) -> str:
    value = float(summary[name])
    if name.endswith("_share"):
        return lang.share(value)
    if name.endswith("_ties"):
        return lang.count(value)
    return lang.num(value)


def _busiest(places: list[Row], lang: Lang, n: int = 3) -> str:
    """The ``n`` venues and spaces with most meetings a day, with their counts."""
    rows = [r for r in places if r["place_kind"] in ("venue", "space") and r["meetings"]]
    rows.sort(key=lambda r: -float(r["meetings_per_day"]))
    return ", ".join(
        f"{r['name'] or r['id']} ({lang.tick(float(r['meetings_per_day']), digits=3)})"
        for r in rows[:n]
    )


def _hour_chart(hours: list[Row], lang: Lang) -> Any:
    def draw(ax: Axes) -> None:
        h = np.array([r["hour"] for r in hours])
        total = np.array([float(r["meetings_per_day"]) for r in hours])
        cross = np.array([float(r["cross_institution_meetings_per_day"]) for r in hours])
        ax.bar(h - 0.2, total, width=0.4, color=plots.ALL_COLOUR, label=lang.t("run.all_meetings"))
        ax.bar(h + 0.2, cross, width=0.4, color=plots.CROSS_COLOUR, label=lang.t("run.across"))
        ax.set_xticks(range(6, 22, 2), [lang.t("clock", h=x) for x in range(6, 22, 2)], fontsize=8)
        ax.set_xlim(5.4, 21.6)
        ax.set_ylabel(lang.t("run.meetings_per_day"), fontsize=9)
        ax.yaxis.set_major_formatter(lambda v, _: lang.tick(v))
        ax.tick_params(labelsize=8)
        ax.legend(frameon=False, fontsize=8)
        ax.grid(axis="y", color="0.9")
        ax.set_axisbelow(True)

    return draw


def build_summary(
    result: RunResult, summary: dict[str, Any], tables: dict[str, list[Row]], lang: Lang,
    scenario: str | None = None,
) -> Summary:  # fmt: skip
    """The client summary of one run (``summary``: the content of ``summary.json``)."""
    name = scenario or result.layout.display_name
    labels = {k: lang.t(f"sum.h_{k}") for k in
              ("question", "table", "findings", "assumptions", "map")}  # fmt: skip
    labels["table"] = lang.t("rr.h_table")
    labels["chart"] = lang.t("run.hour_title", name=name)
    labels["map"] = lang.t("rr.h_map")
    hours = tables["meetings_by_hour"]
    peak = max(hours, key=lambda r: float(r["meetings_per_day"]), default=None)
    findings = [
        lang.t("rr.f_rate", name=name, value=_value(summary, "meetings_per_person_day", lang),
               share=_value(summary, "cross_institution_share", lang)),
        lang.t("rr.f_places", places=_busiest(tables["meetings_by_place"], lang)),
        lang.t("rr.f_peak", hour=lang.t("clock", h=int(peak["hour"])),
               value=lang.tick(float(peak["meetings_per_day"]), digits=3)) if peak else "",
    ]  # fmt: skip
    return Summary(
        title=lang.t("sum.single_title", name=name),
        question=lang.t("rr.question", name=name),
        labels=labels,
        header=[lang.t("sum.c_figure"), lang.t("rr.c_value")],
        rows=[[lang.figure_label(f), _value(summary, f, lang)] for f in FIGURES],
        widths=[3.5, 2.0],
        findings=[f for f in findings if f],
        assumptions=[
            lang.t("rr.a_run", seed=result.seed, days=lang.plural(result.days, "weekday"),
                   scale=figure.scale_text(lang, result.layout.scale),
                   people=lang.count(summary["agents"]["total"])),
            lang.t("rr.a_one"),
            lang.t("sum.a_not"),
            lang.t("sum.a_calib"),
        ],
        footer=plots.footer(result, scenario, lang),
        chart=_hour_chart(hours, lang),
        map_caption=lang.t("rr.map_caption"),
    )


def write_report(
    result: RunResult,
    summary: dict[str, Any],
    tables: dict[str, list[Row]],
    counts: dict[str, PlaceCounts],
    out_dir: Path,
    lang: Lang,
    scenario: str | None = None,
) -> list[Path]:
    """Write ``report.pdf`` and ``report.md`` of a run into ``out_dir``."""
    content = build_summary(result, summary, tables, lang, scenario)
    with tempfile.TemporaryDirectory() as tmp:
        # Drawn again at the page's width, so its words print at their real size.
        content.map_png = plots.plot_meeting_density(
            result, Path(tmp), scenario, counts, lang, ("png",), width=REPORT_MAP_WIDTH,
            page=True,
        )[0]
        pdf = write_pdf(content, out_dir / "report.pdf")
    md = out_dir / "report.md"
    images = "\n".join(
        f"![{stem}]({stem}.png)"
        for stem in ("map_meeting_density", "meetings_by_hour", "meetings_by_type_pair",
                     "institution_matrix")
    )
    md.write_text(f"{summary_markdown(content)}\n{images}\n", encoding="utf-8")
    return [pdf, md]
