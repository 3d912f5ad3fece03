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
from sim.compare.changes import HeadlineComparison, ItemChange, VariantChanges, pair_changes
from sim.compare.diffmap import plot_difference_map, shared_scale
from sim.compare.figures import variant_stems
from sim.compare.runner import ComparisonRuns
from sim.compare.summary import build_summary
from sim.compare.tables import headline_markdown
from sim.i18n import EN, Lang
from sim.outputs import figure
from sim.outputs.clientreport import TEXT_WIDTH, summary_markdown, write_pdf

REPORT_MAP_WIDTH = TEXT_WIDTH
"""Inches: the map in ``report.pdf`` is drawn at the page's text width."""
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


def headline_finding(c: HeadlineComparison, reference: HeadlineComparison, lang: Lang = EN) -> str:
    """One sentence on one headline figure of one variant.

    Parameters
    ----------
    c
        The variant's comparison (with a difference).
    reference
        The reference's comparison of the same figure, for the before-and-after values.
    lang
        Language of the sentence.

    Returns
    -------
    str
        E.g. ``"+4.2 % cross-institution meetings per person-day (between +1.1 and
        +7.3 %): 0.133 → 0.139."``, with ``"not distinguishable from noise with 3
        seeds"`` where the interval of the difference contains 0.
    """
    d = c.difference
    if d is None:
        raise ValueError("the reference has no difference to describe")
    what = lang.figure_phrase(c.figure)
    if d.identical:
        return lang.t("rep.identical", what=what.capitalize(), ref=title(reference.scenario))
    unit = lang.figure_unit(c.figure)
    values = f"{lang.num(reference.estimate.mean)} → {lang.num(c.estimate.mean)}" + (
        f" {unit}" if unit else ""
    )
    if d.relative is not None and d.relative_low is not None and d.relative_high is not None:
        interval = lang.pct_range(d.relative_low, d.relative_high)
        change = f"{lang.pct(d.relative)} {what} ({interval})"
    else:
        change = f"{lang.signed(d.mean)} {what} ({lang.range(d.low, d.high, signed=True)})"
    if d.indistinguishable:
        return lang.t("rep.noise", change=change, n=d.n, values=values)
    return f"{change}: {values}."


def _place_name(ch: ItemChange, lang: Lang) -> str:
    """A place as readers know it, with the id where the name is missing or shared."""
    if ch.kind == "edge":
        segment = lang.t("cmp.segment", id=ch.id)
        return f"{ch.name} ({segment})" if ch.name else segment
    return ch.name or ch.id


def _ranked(items: Sequence[ItemChange], sign: int) -> list[ItemChange]:
    """The largest distinguishable changes in direction ``sign`` (+1 gained, -1 lost)."""
    real = [ch for ch in items if not ch.indistinguishable and sign * ch.change > 0]
    return sorted(real, key=lambda ch: -abs(ch.change))[:TOP_CHANGES]


def _change_list(items: list[ItemChange], name: str, lang: Lang) -> str:
    """``"A (+3.1/day, between +1.0 and +5.2)"``, ..."""
    return ", ".join(
        f"{_place_name(ch, lang) if name == 'place' else ch.name} "
        f"({lang.t('cmp.per_day', value=lang.tick(ch.change, signed=True, digits=3))}, "
        f"{lang.range(ch.low, ch.high, signed=True)})"
        for ch in items
    )


def where_findings(vc: VariantChanges, n_seeds: int, lang: Lang = EN) -> list[str]:
    """Sentences on the places and institution pairs that gained or lost most."""
    lines = []
    places = [ch for ch in vc.places if ch.kind != "node"]
    gained, lost = _ranked(places, +1), _ranked(places, -1)
    if gained:
        lines.append(lang.t("rep.gained_at", list=_change_list(gained, "place", lang)))
    if lost:
        lines.append(lang.t("rep.lost_at", list=_change_list(lost, "place", lang)))
    if not gained and not lost:
        lines.append(lang.t("rep.no_place", n=n_seeds))
    pairs = [
        ch
        for ch in pair_changes(vc.institution_pairs, "institution_pair")
        if ch.id.split("|")[0] != ch.id.split("|")[1]
    ]
    up, down = _ranked(pairs, +1), _ranked(pairs, -1)
    if up:
        lines.append(lang.t("rep.pairs_more", list=_change_list(up, "pair", lang)))
    if down:
        lines.append(lang.t("rep.pairs_less", list=_change_list(down, "pair", lang)))
    return lines


def _ci_text(x: tuple[float, float, float], lang: Lang = EN) -> str:
    """``"+3.1/day (95 % CI +1.0 to +5.2)"``."""
    mean, low, high = x
    return lang.t("vis.ci", mean=lang.signed(mean), low=lang.signed(low), high=lang.signed(high))


def visit_findings(vc: VariantChanges, n_seeds: int, lang: Lang = EN) -> list[str]:
    """Sentences on visits per place: does the variant draw people or move them?"""
    d = vc.draw
    if d is None:
        return []
    lines = [lang.t("vis.optional", value=_ci_text(d.optional_total, lang))]
    new = [ch for ch in vc.visits if not ch.in_reference]
    if new:
        names = ", ".join(
            f"{_place_name(ch, lang)} {lang.t('cmp.per_day', value=lang.num(ch.variant))}"
            for ch in new if ch.variant > 0
        ) or lang.t("vis.no_visits")  # fmt: skip
        mean_new, mean_else = d.new_places[0], d.elsewhere[0]
        taken = max(0.0, -mean_else)
        share = f"{round(100 * min(taken / mean_new, 1.0))} %" if mean_new > 0 else lang.t("n/a")
        lines.append(lang.t("vis.new", new=_ci_text(d.new_places, lang), names=names,
                            elsewhere=_ci_text(d.elsewhere, lang), share=share,
                            total=_ci_text(d.total, lang)))  # fmt: skip
    else:
        lines.append(lang.t("vis.total", value=_ci_text(d.total, lang)))
    gained = _ranked([ch for ch in vc.visits if ch.in_reference], +1)
    lost = _ranked([ch for ch in vc.visits if ch.in_reference], -1)
    if gained:
        lines.append(lang.t("vis.more", list=_change_list(gained, "place", lang)))
    if lost:
        lines.append(lang.t("vis.less", list=_change_list(lost, "place", lang)))
    if not gained and not lost and not new:
        lines.append(lang.t("vis.none", n=n_seeds))
    return lines


def _scenario_table(runs: ComparisonRuns, lang: Lang) -> str:
    """Markdown list of the scenarios with their files and people."""
    lines = [lang.t("rep.sc_header"), "|---|---|---|---|---|"]
    for sc in runs.scenarios:
        people = runs.figure(sc.index, "agents").mean()
        role = f" ({lang.t('tab.reference')})" if sc.index == 0 else ""
        desc = sc.layout.description.replace("|", "\\|").replace("\n", " ")
        name = title(sc).replace("|", "\\|")
        lines.append(
            f"| {sc.index + 1} | {name}{role} | `{sc.path}` | {lang.count(people)} | {desc} |"
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


def _runs_line(runs: ComparisonRuns, lang: Lang) -> str:
    """``5 seeds (0–4), 1 weekday per run, population scale 0.25; Crosspaths 0.1.0``."""
    return lang.t("rep.runs", n=len(runs.seeds), seeds=_seed_list(runs.seeds),
                  days=lang.plural(runs.days, "weekday"),
                  scale=figure.scale_text(lang, runs.scale), version=sim.__version__)  # fmt: skip


def render_report(
    runs: ComparisonRuns,
    comparisons: list[HeadlineComparison],
    changes: list[VariantChanges],
    lang: Lang = EN,
) -> str:
    """The detail of ``report.md`` (figures are referenced by their PNG file names)."""
    if not changes:
        return _single_report(runs, comparisons, lang)
    ref = runs.scenarios[0]
    n = len(runs.seeds)
    stems = variant_stems(changes)
    out = [
        f"# {lang.t('rep.title', names=' / '.join(title(sc) for sc in runs.scenarios))}",
        "",
        f"{_runs_line(runs, lang)} {lang.t('rep.against', ref=title(ref))}",
        "",
        _scenario_table(runs, lang),
        "",
        f"## {lang.t('sum.h_findings')}",
        "",
    ]
    by_key = {(c.figure, c.scenario.index): c for c in comparisons}
    order = [f for f in FINDING_ORDER if f in HEADLINE_FIGURES]
    order += [f for f in HEADLINE_FIGURES if f not in order]
    for vc in changes:
        out += [lang.t("rep.compared", name=title(vc.scenario), ref=title(ref)), ""]
        for fig_name in order:
            c = by_key[(fig_name, vc.scenario.index)]
            out.append(f"- {headline_finding(c, by_key[(fig_name, 0)], lang)}")
        out += [f"- {line}" for line in where_findings(vc, n, lang)]
        out += [f"- {line}" for line in visit_findings(vc, n, lang)]
        out.append("")
    out += [
        f"## {lang.t('rep.h_headline')}",
        "",
        headline_markdown(comparisons, lang),
        _image("headline_figures.png", lang.t("rep.h_headline")),
        "",
        f"## {lang.t('rep.h_where')}",
        "",
    ]
    for vc in changes:
        stem = stems[vc.scenario.index]
        alt = lang.t("rep.alt_map", name=title(vc.scenario))
        out += [_image(f"difference_map_{stem}.png", alt), ""]
    out += [
        f"## {lang.t('rep.h_who')}",
        "",
        _image("change_by_type_pair.png", lang.t("rep.alt_types")),
        "",
    ]
    for vc in changes:
        stem = stems[vc.scenario.index]
        alt = lang.t("rep.alt_inst", name=title(vc.scenario))
        out += [_image(f"change_by_institution_pair_{stem}.png", alt), ""]
    out += [
        f"## {lang.t('rep.h_read')}",
        "",
        *(f"- {lang.t(key, n=n)}" for key in
          ("rep.read_crn", "rep.read_ci", "rep.read_rel", "rep.read_noise", "rep.read_csv",
           "rep.read_visits")),
        "",
        source_line(runs, lang),
        "",
    ]  # fmt: skip
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
                width=REPORT_MAP_WIDTH, page=True,
            )[0]
        pdf = write_pdf(summary, out_dir / "report.pdf")
    lines = render_report(runs, comparisons, changes, lang).splitlines()
    # Its own title gives way to the summary's; its sections go one level down.
    detail = "\n".join(
        "#" + line if line.startswith("#") else line
        for line in (lines[1:] if lines and lines[0].startswith("# ") else lines)
    ).lstrip("\n")
    text = f"{summary_markdown(summary)}\n## {lang.t('report.details')}\n\n{detail}\n"
    path = out_dir / "report.md"
    path.write_text(text, encoding="utf-8")
    return [pdf, path]


def _single_report(
    runs: ComparisonRuns, comparisons: list[HeadlineComparison], lang: Lang = EN
) -> str:
    """Detail of ``report.md`` for one scenario: its headline figures with 95 % intervals."""
    sc = runs.scenarios[0]
    return "\n".join([
        f"# {lang.t('rep.h_headline')}: {title(sc)}",
        "",
        f"`{sc.path}`: {_runs_line(runs, lang)} {lang.t('rep.single_note')}",
        "",
        headline_markdown(comparisons, lang),
        _image("headline_figures.png", lang.t("rep.h_headline")),
        "",
        lang.t("rep.single_files"),
        "",
        source_line(runs, lang),
        "",
    ])  # fmt: skip
