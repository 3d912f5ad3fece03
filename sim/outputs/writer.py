"""The results folder of one run, written all-or-nothing.

Everything goes into a hidden sibling folder first and is renamed into place only when
complete (:mod:`sim.outputs.folders`), so a reader never sees a half-written folder and
a failed run leaves the previous results untouched.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sim.engine.results import RunResult
from sim.gis.results import write_run_gpkg
from sim.i18n import EN, Lang
from sim.metrics import PlaceCounts, Row, all_tables, place_counts, summarize
from sim.outputs import geojson, plots, runreport, tables, tie_outputs, visits
from sim.outputs.folders import atomic_folder
from sim.ties import tie_table


def write_figures(
    result: RunResult,
    out_dir: Path,
    scenario: str | None = None,
    tables: dict[str, list[Row]] | None = None,
    counts: dict[str, PlaceCounts] | None = None,
    lang: Lang = EN,
) -> list[Path]:
    """Write all four report figures (PNG and SVG) into ``out_dir``.

    Parameters
    ----------
    result
        The run.
    out_dir
        Existing folder to write into.
    scenario
        Name for titles and footers; default: the layout's title (or name).
    tables
        Output of :func:`sim.metrics.all_tables`, if already computed.
    counts
        Output of :func:`sim.metrics.place_counts`, if already computed.
    lang
        Language of every label.

    Returns
    -------
    list[Path]
        The files written.
    """
    tables = tables or {}
    # Looked up on the module at call time, so a test can swap one figure for a failure.
    return [
        *plots.plot_meeting_density(result, out_dir, scenario, counts, lang),
        *plots.plot_type_pairs(
            result, out_dir, scenario, tables.get("meetings_by_type_pair"), lang
        ),
        *plots.plot_institution_matrix(result, out_dir, scenario, None, lang),
        *plots.plot_meetings_by_hour(
            result, out_dir, scenario, tables.get("meetings_by_hour"), lang
        ),
    ]


def _write_all(
    result: RunResult,
    folder: Path,
    scenario: str,
    runtime_s: float,
    lang: Lang = EN,
    network: str = "all",
    figures: bool = True,
) -> dict[str, Any]:
    """Write every output into the existing, empty ``folder``; return the summary."""
    ties = tie_table(result)
    summary = summarize(result, scenario, runtime_s, ties)
    counts = place_counts(result)
    table_rows = all_tables(result, counts)
    with (folder / "summary.json").open("w", encoding="utf-8") as f:
        json.dump(summary, f, indent=2, ensure_ascii=False, allow_nan=False)
        f.write("\n")
    tables.write_tables(result, folder, table_rows)
    geojson.write_geojson(result, folder, counts)
    write_run_gpkg(result, folder, counts)  # only with the gis extra
    visits.write_visits(result, folder)
    title = result.layout.title or scenario
    if figures:
        write_figures(result, folder, title, table_rows, counts, lang)
    tie_outputs.write_tie_outputs(result, folder, scenario, ties, counts, network, lang,
                                  figures)  # fmt: skip
    if figures:
        runreport.write_report(result, summary, table_rows, counts, folder, lang, title)
    return summary


def write_results(
    result: RunResult,
    out_dir: Path,
    scenario: str,
    runtime_s: float,
    lang: Lang = EN,
    network: str = "all",
    figures: bool = True,
) -> dict[str, Any]:
    """Write a run's summary, tables, GeoJSON and figures to ``out_dir``, atomically.

    Files written: ``summary.json``, ``meetings_by_type_pair.csv``,
    ``meetings_by_institution_pair.csv``, ``meetings_by_hour.csv``,
    ``meetings_by_place.csv``, ``meetings_by_segment.geojson``,
    ``meetings_by_place.geojson``, ``visits_by_place.csv``, ``visits_by_place.geojson``
    and ``map_meeting_density``, ``meetings_by_type_pair``,
    ``institution_matrix``, ``meetings_by_hour`` as ``.png`` and ``.svg``; and the
    tie outputs of :func:`sim.outputs.tie_outputs.write_tie_outputs` (``ties.graphml``,
    ``ties.csv``, formation, bridging and place tables and figures).

    Parameters
    ----------
    result
        The run.
    out_dir
        The results folder; created with its parents if missing, replaced if present.
    scenario
        Scenario name, written into the summary and the figure footers.
    runtime_s
        Wall-clock seconds of the whole run.
    lang
        Language of figures and report.
    network
        Which ties ``ties.graphml`` and ``ties.csv`` hold: ``all``, ``cross`` or ``none``.
    figures
        ``False``: no figures and no ``report.md``/``report.pdf`` (``run --no-figures``):
        the numbers only, for scripted batches.

    Returns
    -------
    dict
        The summary (the content of ``summary.json``).

    Raises
    ------
    Exception
        Whatever failed while writing; then no temporary folder is left behind and an
        existing ``out_dir`` is unchanged.
    """
    with atomic_folder(out_dir, "run") as tmp:
        return _write_all(result, tmp, scenario, runtime_s, lang, network, figures)
