"""The comparison's tables: headline figures as CSV and Markdown, changes and runs as CSV.

CSV cells hold plain numbers (six significant digits, empty where undefined) for
spreadsheets; the Markdown table is formatted for reading and pasting into a report.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sim.batch import HEADLINE_FIGURES
from sim.compare.canvas import title
from sim.compare.changes import HeadlineComparison, ItemChange, VariantChanges, pair_changes
from sim.compare.runner import ComparisonRuns
from sim.i18n import EN, Lang
from sim.metrics import Row, rnd
from sim.outputs.tables import write_csv

CSV_DIGITS = 6
"""Significant digits in CSV cells: well beyond the seed-to-seed noise."""

RUN_COLUMNS: tuple[str, ...] = ("agents", "meetings", *HEADLINE_FIGURES)
COUNT_COLUMNS = frozenset({"agents", "meetings", "distinct_cross_institution_ties"})
"""Columns that count things: written as whole numbers, never rounded."""
"""Per-run figures written to ``runs.csv`` (timings are left out: they vary run to run)."""


def _num(value: float | None) -> float | None:
    """A CSV number, or ``None`` (an empty cell) where undefined."""
    return None if value is None else rnd(value, CSV_DIGITS)


def _cell(column: str, value: float) -> float | int | None:
    """A ``runs.csv`` cell: counts as whole numbers, rates to :data:`CSV_DIGITS`."""
    return round(value) if column in COUNT_COLUMNS else _num(value)


def headline_rows(comparisons: list[HeadlineComparison]) -> list[Row]:
    """Rows of ``comparison.csv``: one per headline figure and scenario.

    Columns: ``figure``, ``scenario``, ``file``, ``seeds``, ``mean``, ``ci_low``,
    ``ci_high`` and, empty for the reference, ``difference``, ``difference_ci_low``,
    ``difference_ci_high``, ``relative_change``, ``relative_change_ci_low``,
    ``relative_change_ci_high`` (fractions: 0.042 is +4.2 %) and ``indistinguishable``
    (the interval of the difference contains 0).
    """
    rows = []
    for c in comparisons:
        d = c.difference
        rows.append(
            {
                "figure": c.figure,
                "scenario": c.scenario.label,
                "file": c.scenario.path,
                "seeds": c.estimate.n,
                "mean": _num(c.estimate.mean),
                "ci_low": _num(c.estimate.low),
                "ci_high": _num(c.estimate.high),
                "difference": _num(d.mean) if d else None,
                "difference_ci_low": _num(d.low) if d else None,
                "difference_ci_high": _num(d.high) if d else None,
                "relative_change": _num(d.relative) if d else None,
                "relative_change_ci_low": _num(d.relative_low) if d else None,
                "relative_change_ci_high": _num(d.relative_high) if d else None,
                "indistinguishable": d.indistinguishable if d else None,
            }
        )
    return rows


def _verdict(c: HeadlineComparison, lang: Lang) -> str:
    """Last column of the Markdown table."""
    d = c.difference
    if d is None:
        return lang.t("tab.reference")
    if d.identical:
        return lang.t("cmp.identical")
    return lang.t("cmp.noise") if d.indistinguishable else lang.t("tab.yes")


def _relative_cell(c: HeadlineComparison, lang: Lang) -> str:
    """Relative change with its interval, or why there is none."""
    d = c.difference
    if d is None:
        return ""
    if d.relative is None:
        return lang.t("tab.no_ratio")
    if d.relative_low is None or d.relative_high is None:
        return f"{lang.pct(d.relative)} ({lang.t('tab.unbounded')})"
    return f"{lang.pct(d.relative)} ({lang.pct_range(d.relative_low, d.relative_high)})"


def headline_markdown(comparisons: list[HeadlineComparison], lang: Lang = EN) -> str:
    """The headline table as GitHub-flavoured Markdown, grouped by figure.

    With a single scenario there is nothing to differ from: figure, mean and interval.
    Scenarios are named by their titles; numbers have three significant figures.
    """
    reference = title(comparisons[0].scenario).replace("|", "\\|")
    if all(c.scenario.index == 0 for c in comparisons):
        lines = [f"| {lang.t('tab.figure')} | {lang.t('tab.mean_of', name=reference)} |",
                 "|---|---|"]  # fmt: skip
        lines += [
            f"| {lang.figure_label(c.figure)} | {lang.num(c.estimate.mean)} "
            f"({lang.range(c.estimate.low, c.estimate.high)}) |"
            for c in comparisons
        ]
        return "\n".join(lines) + "\n"
    lines = [
        f"| {lang.t('tab.figure')} | {lang.t('tab.scenario')} | {lang.t('tab.mean')} "
        f"| {lang.t('tab.difference', name=reference)} | {lang.t('tab.relative')} "
        f"| {lang.t('tab.real')} |",
        "|---|---|---|---|---|---|",
    ]
    for c in comparisons:
        e, d = c.estimate, c.difference
        mean = f"{lang.num(e.mean)} ({lang.range(e.low, e.high)})"
        diff = f"{lang.signed(d.mean)} ({lang.range(d.low, d.high, signed=True)})" if d else ""
        first = c.scenario.index == 0
        figure = lang.figure_label(c.figure) if first else ""
        label = title(c.scenario).replace("|", "\\|")
        lines.append(
            f"| {figure} | {label} | {mean} | {diff} | {_relative_cell(c, lang)} "
            f"| {_verdict(c, lang)} |"
        )
    return "\n".join(lines) + "\n"


def change_rows(changes: list[VariantChanges], kind: str) -> list[Row]:
    """Rows of one change table (``place``, ``type_pair`` or ``institution_pair``).

    Columns: ``variant``, ``kind``, ``id``, ``name``, ``reference_per_day``,
    ``variant_per_day``, ``change_per_day``, ``ci_low``, ``ci_high``,
    ``indistinguishable``, ``in_reference`` and ``in_variant``.
    """
    rows: list[Row] = []
    for vc in changes:
        items: list[ItemChange]
        if kind == "place":
            items = vc.places
        elif kind == "type_pair":
            items = pair_changes(vc.type_pairs, kind)
        else:
            items = pair_changes(vc.institution_pairs, kind)
        rows.extend(_change_row(vc.scenario.label, ch) for ch in items)
    return rows


def _change_row(variant: str, ch: ItemChange) -> dict[str, Any]:
    """One row of a change table."""
    return {
        "variant": variant,
        "kind": ch.kind,
        "id": ch.id,
        "name": ch.name,
        "reference_per_day": _num(ch.reference),
        "variant_per_day": _num(ch.variant),
        "change_per_day": _num(ch.change),
        "ci_low": _num(ch.low),
        "ci_high": _num(ch.high),
        "indistinguishable": ch.indistinguishable,
        "in_reference": ch.in_reference,
        "in_variant": ch.in_variant,
    }


def visit_rows(changes: list[VariantChanges]) -> list[Row]:
    """Rows of ``visit_changes.csv``: stays per day at every place, and their change.

    Columns: ``measure`` (``visits`` or ``optional_visits``), then as
    :func:`change_rows` (``variant``, ``kind``, ``id``, ``name``, ``reference_per_day``,
    ``variant_per_day``, ``change_per_day``, ``ci_low``, ``ci_high``,
    ``indistinguishable``, ``in_reference``, ``in_variant``). A place only the variant
    has (``in_reference`` false) shows what it *draws*; the changes at the others show
    what it *takes* from them.
    """
    rows: list[Row] = []
    for vc in changes:
        for measure, items in (("visits", vc.visits), ("optional_visits", vc.optional_visits)):
            rows.extend({"measure": measure, **_change_row(vc.scenario.label, ch)} for ch in items)
    return rows


def run_rows(runs: ComparisonRuns) -> list[Row]:
    """Rows of ``runs.csv``: every run's figures, by scenario then seed."""
    return [
        {
            "scenario": sc.label,
            "file": sc.path,
            "seed": seed,
            **{k: _cell(k, runs.outcome(sc.index, seed).figures[k]) for k in RUN_COLUMNS},
        }
        for sc in runs.scenarios
        for seed in runs.seeds
    ]


def write_tables(
    runs: ComparisonRuns,
    comparisons: list[HeadlineComparison],
    changes: list[VariantChanges],
    out_dir: Path,
    lang: Lang = EN,
) -> list[Path]:
    """Write ``comparison.csv``, ``comparison.md``, ``place_changes.csv``,
    ``type_pair_changes.csv``, ``institution_pair_changes.csv``, ``visit_changes.csv``
    and ``runs.csv`` (the change tables only when there is a variant).

    Parameters
    ----------
    runs
        The comparison's runs.
    comparisons
        From :func:`sim.compare.changes.headline_comparisons`.
    changes
        From :func:`sim.compare.changes.variant_changes`.
    out_dir
        Existing folder to write into.

    Returns
    -------
    list[Path]
        The files written.
    """
    md = out_dir / "comparison.md"
    md.write_text(headline_markdown(comparisons, lang), encoding="utf-8")
    # A single scenario has no changes: no empty change tables.
    kinds = ("place", "type_pair", "institution_pair") if changes else ()
    visits = visit_rows(changes)
    return [
        write_csv(headline_rows(comparisons), out_dir / "comparison.csv"),
        md,
        *(write_csv(change_rows(changes, kind), out_dir / f"{kind}_changes.csv") for kind in kinds),
        *([write_csv(visits, out_dir / "visit_changes.csv")] if visits else []),
        write_csv(run_rows(runs), out_dir / "runs.csv"),
    ]
