"""``report.pdf`` and ``report.md``: the comparison for a client, then in full detail.

Both start with the same one-screen summary (:mod:`sim.compare.summary`): the question,
a ranked table, three findings and the assumptions. ``report.md`` then gives every
finding in detail. Every sentence is generated from the numbers, and every change is
stated with its 95 % interval; a change whose interval contains zero is called what it
is: not distinguishable from noise with the seeds that were run.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path

import sim
from sim.batch import HEADLINE_FIGURES
from sim.compare.canvas import source_line, title
from sim.compare.changes import Change, HeadlineComparison, VariantChanges, pair_changes
from sim.compare.diffmap import plot_difference_map, shared_scale
from sim.compare.figures import variant_stems
from sim.compare.runner import ComparisonRuns
from sim.compare.summary import build_summary
from sim.compare.tables import headline_markdown
from sim.i18n import EN, Lang
from sim.outputs.clientreport import summary_markdown, write_pdf
from sim.outputs.labels import figure_phrase, figure_unit, fmt, fmt_pct, fmt_pct_range, fmt_signed

REPORT_MAP_WIDTH = 7.6
"""Inches: the map in ``report.pdf`` is drawn at about the page's text width."""
TOP_CHANGES = 3
"""Places and institution pairs named per direction (gained, lost) in the findings."""

FINDING_ORDER: tuple[str, ...] = (
    "cross_institution_meetings_per_person_day",
    "meetings_per_person_day",
    "cross_institution_share",
    "distinct_cross_institution_ties",
    "repeat_cross_institution_ties",
    "encounters_per_person_day",
)
"""Cross-institution meetings first: they are what the district is designed for."""


def headline_finding(c: HeadlineComparison, reference: HeadlineComparison) -> str:
    """One sentence on one headline figure of one variant.

    Parameters
    ----------
    c
        The variant's comparison (with a difference).
    reference
        The reference's comparison of the same figure, for the before-and-after values.

    Returns
    -------
    str
        E.g. ``"+4.2 % cross-institution meetings per person-day (95 % CI +1.1 to +7.3 %):
        0.133 → 0.139."``, with ``"not distinguishable from noise with 3 seeds"`` where
        the interval of the difference contains 0.
    """
    d = c.difference
    if d is None:
        raise ValueError("the reference has no difference to describe")
    what = figure_phrase(c.figure)
    if d.identical:
        return f"{what.capitalize()}: identical to {title(reference.scenario)} in every seed."
    unit = figure_unit(c.figure)
    values = f"{fmt(reference.estimate.mean)} → {fmt(c.estimate.mean)}" + (
        f" {unit}" if unit else ""
    )
    if d.relative is not None and d.relative_low is not None and d.relative_high is not None:
        change = (
            f"{fmt_pct(d.relative)} {what} "
            f"(95 % CI {fmt_pct_range(d.relative_low, d.relative_high)})"
        )
    else:
        change = (
            f"{fmt_signed(d.mean)} {what} (95 % CI {fmt_signed(d.low)} to {fmt_signed(d.high)})"
        )
    if d.indistinguishable:
        return f"{change}: not distinguishable from noise with {d.n} seeds ({values})."
    return f"{change}: {values}."


def _place_name(ch: Change) -> str:
    """A place as readers know it, with the id where the name is missing or shared."""
    if ch.kind == "edge":
        return f"{ch.name} (segment {ch.id})" if ch.name else f"street segment {ch.id}"
    return ch.name or ch.id


def _ranked(items: Sequence[Change], sign: int) -> list[Change]:
    """The largest distinguishable changes in direction ``sign`` (+1 gained, -1 lost)."""
    real = [ch for ch in items if not ch.indistinguishable and sign * ch.change > 0]
    return sorted(real, key=lambda ch: -abs(ch.change))[:TOP_CHANGES]


def _change_list(items: list[Change], name: str) -> str:
    """``"A (+3.1/day, 95 % CI +1.0 to +5.2), B (...)"``."""
    return ", ".join(
        f"{_place_name(ch) if name == 'place' else ch.name} ({fmt_signed(ch.change)}/day, "
        f"95 % CI {fmt_signed(ch.low)} to {fmt_signed(ch.high)})"
        for ch in items
    )


def where_findings(vc: VariantChanges, n_seeds: int) -> list[str]:
    """Sentences on the places and institution pairs that gained or lost most."""
    lines = []
    places = [ch for ch in vc.places if ch.kind != "node"]
    gained, lost = _ranked(places, +1), _ranked(places, -1)
    if gained:
        lines.append(f"Most meetings gained at: {_change_list(gained, 'place')}.")
    if lost:
        lines.append(f"Most meetings lost at: {_change_list(lost, 'place')}.")
    if not gained and not lost:
        lines.append(
            f"No single street segment or place changed by more than the noise with "
            f"{n_seeds} seeds."
        )
    pairs = [
        ch
        for ch in pair_changes(vc.institution_pairs, "institution_pair")
        if ch.id.split("|")[0] != ch.id.split("|")[1]
    ]
    up, down = _ranked(pairs, +1), _ranked(pairs, -1)
    if up:
        lines.append(f"Institution pairs meeting more: {_change_list(up, 'pair')}.")
    if down:
        lines.append(f"Institution pairs meeting less: {_change_list(down, 'pair')}.")
    return lines


def _ci_text(x: tuple[float, float, float]) -> str:
    """``"+3.1/day (95 % CI +1.0 to +5.2)"``."""
    mean, low, high = x
    return f"{fmt_signed(mean)}/day (95 % CI {fmt_signed(low)} to {fmt_signed(high)})"


def visit_findings(vc: VariantChanges, n_seeds: int) -> list[str]:
    """Sentences on visits per place: does the variant draw people or move them?"""
    d = vc.draw
    if d is None:
        return []
    lines = [f"Optional stays at all places: {_ci_text(d.optional_total)}."]
    new = [ch for ch in vc.visits if not ch.in_reference]
    if new:
        names = ", ".join(
            f"{_place_name(ch)} {fmt(ch.variant)}/day" for ch in new if ch.variant > 0
        ) or "no visits"
        mean_new, mean_else = d.new_places[0], d.elsewhere[0]
        taken = max(0.0, -mean_else)
        share = f"{min(taken / mean_new, 1.0):.0%}" if mean_new > 0 else "n/a"
        lines.append(
            f"New places draw {_ci_text(d.new_places)} ({names}); visits at the other "
            f"places change by {_ci_text(d.elsewhere)}, so about {share} of what the new "
            f"places get is taken from elsewhere and the rest is new: all places together "
            f"{_ci_text(d.total)}."
        )
    else:
        lines.append(f"Visits at all places together: {_ci_text(d.total)}.")
    gained = _ranked([ch for ch in vc.visits if ch.in_reference], +1)
    lost = _ranked([ch for ch in vc.visits if ch.in_reference], -1)
    if gained:
        lines.append(f"Places visited more: {_change_list(gained, 'place')}.")
    if lost:
        lines.append(f"Places visited less: {_change_list(lost, 'place')}.")
    if not gained and not lost and not new:
        lines.append(
            f"No single place's visits changed by more than the noise with {n_seeds} seeds."
        )
    return lines


def _scenario_table(runs: ComparisonRuns) -> str:
    """Markdown list of the scenarios with their files and people."""
    lines = ["| # | Scenario | File | People per run | Description |", "|---|---|---|---|---|"]
    for sc in runs.scenarios:
        people = runs.figure(sc.index, "agents").mean()
        role = " (reference)" if sc.index == 0 else ""
        desc = sc.layout.description.replace("|", "\\|").replace("\n", " ")
        lines.append(
            f"| {sc.index + 1} | {title(sc)}{role} | `{sc.path}` | {people:,.0f} | {desc} |"
        )
    return "\n".join(lines)


def _seed_list(seeds: Sequence[int]) -> str:
    """``0–4`` for consecutive seeds, else ``0, 3, 7``."""
    seeds = list(seeds)
    if len(seeds) > 1 and seeds == list(range(seeds[0], seeds[-1] + 1)):
        return f"{seeds[0]}–{seeds[-1]}"
    return ", ".join(str(s) for s in seeds)


def _image(path: str, alt: str) -> str:
    """A Markdown image line."""
    return f"![{alt}]({path})"


def render_report(
    runs: ComparisonRuns,
    comparisons: list[HeadlineComparison],
    changes: list[VariantChanges],
) -> str:
    """The text of ``report.md`` (figures are referenced by their PNG file names)."""
    if not changes:
        return _single_report(runs, comparisons)
    ref = runs.scenarios[0]
    n = len(runs.seeds)
    stems = variant_stems(changes)
    scale = f", population × {runs.scale:g}" if runs.scale != 1.0 else ""
    days = f"{runs.days} weekday{'s' if runs.days != 1 else ''}"
    out = [
        f"# Layout comparison: {' vs '.join(title(sc) for sc in runs.scenarios)}",
        "",
        f"Each scenario was simulated with the same {n} seeds "
        f"({_seed_list(runs.seeds)}), {days} per run{scale}; "
        f"Crosspaths {sim.__version__}. Every difference is against **{title(ref)}**.",
        "",
        _scenario_table(runs),
        "",
        "## Findings",
        "",
    ]
    by_key = {(c.figure, c.scenario.index): c for c in comparisons}
    order = [f for f in FINDING_ORDER if f in HEADLINE_FIGURES]
    order += [f for f in HEADLINE_FIGURES if f not in order]
    for vc in changes:
        out += [f"**{title(vc.scenario)}** compared with {title(ref)}:", ""]
        for figure in order:
            c = by_key[(figure, vc.scenario.index)]
            out.append(f"- {headline_finding(c, by_key[(figure, 0)])}")
        out += [f"- {line}" for line in where_findings(vc, n)]
        out += [f"- {line}" for line in visit_findings(vc, n)]
        out.append("")
    out += [
        "## Headline figures",
        "",
        headline_markdown(comparisons),
        _image("headline_figures.png", "Headline figures by scenario with 95 % intervals"),
        "",
        "## Where meetings were gained or lost",
        "",
    ]
    for vc in changes:
        stem = stems[vc.scenario.index]
        out += [_image(f"difference_map_{stem}.png", f"Difference map, {title(vc.scenario)}"), ""]
    out += [
        "## Who meets whom",
        "",
        _image("change_by_type_pair.png", "Change in meetings by pair of agent types"),
        "",
    ]
    for vc in changes:
        stem = stems[vc.scenario.index]
        alt = f"Change in meetings between institutions, {title(vc.scenario)}"
        out += [_image(f"change_by_institution_pair_{stem}.png", alt), ""]
    out += [
        "## How to read this",
        "",
        "- **Common random numbers.** Every scenario ran with the same seeds, and a seed "
        "draws the same people, arrivals and day plans wherever the layouts allow (random "
        "streams are named by building, meeting draws keyed by person), so a difference "
        "within one seed reflects the layout rather than luck.",
        f"- **Intervals.** Means carry a 95 % t interval over the {n} seeds. Differences are "
        "paired by seed: the interval is that of the per-seed differences, usually far "
        "narrower than comparing two independent means.",
        "- **Relative change** is the ratio of the two means minus one; its interval is "
        "Fieller's interval for a ratio of paired means, which contains 0 % exactly when "
        "the interval of the difference contains 0. 'Interval unbounded' means the "
        "reference mean itself is too noisy to divide by.",
        f"- **Not distinguishable from noise** means the 95 % interval of the difference "
        f"contains zero: with {n} seeds the change cannot be told apart from run-to-run "
        "variation. It is not proof of no effect; more seeds narrow the interval.",
        "- Place and pair changes are mean meetings per simulated day; junction meetings "
        "and every number shown here are in the CSV files next to this report "
        "(`comparison.csv`, `place_changes.csv`, `type_pair_changes.csv`, "
        "`institution_pair_changes.csv`, `runs.csv`).",
        "- **Visits** are stays per day at venues, public spaces and street segments "
        "(where people lingered), necessary and optional together; `visit_changes.csv` "
        "has every place, with optional stays (Gehl's optional activities, drawn by a "
        "place's quality) separately. A new place's visits minus what the other places "
        "lost are the visits it *added*.",
        "",
        source_line(runs),
        "",
    ]
    return "\n".join(out)


def write_report(
    runs: ComparisonRuns,
    comparisons: list[HeadlineComparison],
    changes: list[VariantChanges],
    out_dir: Path,
    lang: Lang = EN,
) -> list[Path]:
    """Write ``report.pdf`` and ``report.md`` into ``out_dir``; the figures must be there.

    Returns
    -------
    list[Path]
        The two files.
    """
    summary = build_summary(runs, comparisons, changes, lang)
    focus = next((vc for vc in changes if vc.scenario.index == summary.focus), None)
    with tempfile.TemporaryDirectory() as tmp:
        if focus is not None:
            # Drawn again at the page's width, so its words print at their real size.
            summary.map_png = plot_difference_map(
                runs, focus, Path(tmp), "map", shared_scale(changes), lang, ("png",),
                width=REPORT_MAP_WIDTH,
            )[0]
        pdf = write_pdf(summary, out_dir / "report.pdf")
    # The detail keeps its own headings one level down, under the summary's title.
    lines = render_report(runs, comparisons, changes).splitlines()
    # Its own title gives way to the summary's; its sections go one level down.
    detail = "\n".join(
        "#" + line if line.startswith("#") else line
        for line in (lines[1:] if lines and lines[0].startswith("# ") else lines)
    )
    text = f"{summary_markdown(summary)}\n## {lang.t('report.details')}\n\n{detail}\n"
    path = out_dir / "report.md"
    path.write_text(text, encoding="utf-8")
    return [pdf, path]


def _single_report(runs: ComparisonRuns, comparisons: list[HeadlineComparison]) -> str:
    """``report.md`` for one scenario: its headline figures with 95 % intervals."""
    sc = runs.scenarios[0]
    n = len(runs.seeds)
    scale = f", population × {runs.scale:g}" if runs.scale != 1.0 else ""
    days = f"{runs.days} weekday{'s' if runs.days != 1 else ''}"
    return "\n".join([
        f"# Headline figures: {title(sc)}",
        "",
        f"`{sc.path}` simulated with {n} seeds "
        f"({_seed_list(runs.seeds)}), {days} per run{scale}; "
        f"Crosspaths {sim.__version__}. Means carry a 95 % t interval over the seeds; "
        "more seeds narrow it, roughly as 1/√n. Give a second scenario to compare layouts.",
        "",
        headline_markdown(comparisons),
        _image("headline_figures.png", "Headline figures with 95 % intervals"),
        "",
        "Every run's figures are in `runs.csv`; the table above is `comparison.csv`.",
        "",
        source_line(runs),
        "",
    ])  # fmt: skip
