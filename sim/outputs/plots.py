"""A run's report figures: the map of where meetings happen, and three charts.

Figures are made with the shared helpers of :mod:`sim.outputs.figure` (style, footer,
saving) and maps with :mod:`sim.outputs.basemap` (the one map style). Every text is
looked up in the run's language (:mod:`sim.i18n`).
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib as mpl
import numpy as np
from matplotlib.cm import ScalarMappable
from matplotlib.collections import LineCollection
from matplotlib.colors import ListedColormap, Normalize
from matplotlib.lines import Line2D

from sim.engine.results import RunResult
from sim.i18n import EN, Lang
from sim.metrics import PlaceCounts, Row, hour_table, institution_matrix, place_counts
from sim.metrics import type_pair_table as make_type_pair_table
from sim.outputs import basemap, figure

RUN_FORMATS: tuple[str, ...] = ("png", "svg")
"""Formats of a run's figures (a comparison adds PDF)."""
ALL_COLOUR = "#4477aa"
CROSS_COLOUR = "#ee7733"
SPACE_COLOUR = "#228833"
MAX_COLUMN_LABEL = 22
"""Institution names up to this length label the matrix columns; longer ones get numbers."""
BUILDING_LABELS = 8
"""How many of the most populous buildings get a label on the map."""


def _title(result: RunResult, scenario: str | None) -> str:
    return scenario or result.layout.display_name


def footer(result: RunResult, scenario: str | None, lang: Lang) -> str:
    """Provenance line printed under every figure of a run."""
    return figure.provenance(
        lang,
        what=lang.t("footer.scenario", name=_title(result, scenario)),
        scale=result.layout.scale,
        seeds=[result.seed],
        days=result.days,
        extra=[result.layout.attribution],
    )


def _per_day(values: np.ndarray, days: int) -> np.ndarray:
    """Counts per simulated day (zeros for a run without days)."""
    return np.asarray(values, dtype=float) / days if days else np.zeros(np.shape(values))


def _nice(value: float) -> float:
    """The largest 1, 2 or 5 × 10^k not above ``value`` (a round legend entry)."""
    if value <= 0:
        return 0.0
    power = 10.0 ** np.floor(np.log10(value))
    return next(m * power for m in (5.0, 2.0, 1.0) if m * power <= value * (1 + 1e-9))


def _draw_density(ax: Any, st: basemap.Streets, result: RunResult, counts: PlaceCounts) -> Any:
    """Segments with meetings, coloured and widened by meetings per 100 m per day."""
    lengths = np.array([max(e.length, 1e-9) for e in result.layout.edges.values()])
    density = _per_day(counts.meetings, result.days) * 100.0 / lengths
    vmax = float(density.max()) if density.size and density.max() > 0 else 1.0
    # Drop the palest end of the map so low values still stand out from the base map.
    cmap = ListedColormap(mpl.colormaps["YlOrRd"](np.linspace(0.25, 1.0, 256)))
    norm = Normalize(0.0, vmax)
    order = np.argsort(density)
    used = order[density[order] > 0]
    widths = 1.0 + 4.0 * density[used] / vmax
    ax.add_collection(LineCollection(st.segs[used], colors=cmap(norm(density[used])),
                                     linewidths=widths, capstyle="round", zorder=2))  # fmt: skip
    return ScalarMappable(norm=norm, cmap=cmap)


def _draw_places(
    ax: Any, result: RunResult, counts: dict[str, PlaceCounts], lang: Lang
) -> list[Any]:
    """Venues and public spaces as circles whose area grows with meetings per day.

    Venues sit at their building's footprint (or entrances). Returns the legend
    handles: one per kind of place and two reference sizes.
    """
    layout = result.layout
    origin = layout.origin
    venue_xy = [
        basemap.building_anchor(layout, layout.buildings[v.building], origin)
        if v.building in layout.buildings
        else None
        for v in layout.venues.values()
    ]
    space_xy: list[tuple[float, float] | None] = [
        basemap.node_xy(layout, s.node, origin) for s in layout.spaces.values()
    ]
    groups: list[tuple[str, list[tuple[float, float] | None], np.ndarray, str]] = [
        (lang.t("run.venues"), venue_xy, counts["venue"].meetings, ALL_COLOUR),
        (lang.t("run.spaces"), space_xy, counts["space"].meetings, SPACE_COLOUR),
    ]
    peak = max([float(_per_day(g[2], result.days).max(initial=0.0)) for g in groups] + [1e-9])

    def size(per_day: float | np.ndarray) -> np.ndarray:
        return 12.0 + 500.0 * np.asarray(per_day) / peak

    handles: list[Any] = [Line2D([], [], ls="", label=lang.t("map.places"))]
    for label, points, meetings, colour in groups:
        keep = [i for i, p in enumerate(points) if p is not None]
        if not keep:
            continue
        xy = np.array([points[i] for i in keep], dtype=float)
        per_day = _per_day(meetings[keep], result.days)
        # Big circles first so small ones at the same building stay visible on top.
        order = np.argsort(-per_day)
        ax.scatter(xy[order, 0], xy[order, 1], s=size(per_day[order]), c=colour, alpha=0.6,
                   edgecolors="white", linewidths=0.8, zorder=3)  # fmt: skip
        handles.append(Line2D([], [], ls="", marker="o", ms=8, mfc=colour, mec="white",
                              alpha=0.6, label=label))  # fmt: skip
    for ref in sorted({_nice(peak / 5), _nice(peak)} - {0.0}):
        handles.append(Line2D([], [], ls="", marker="o", ms=float(np.sqrt(size(ref))),
                              mfc="none", mec="0.3",
                              label=lang.t("run.meetings_per_day_n",
                                           n=lang.tick(ref))))  # fmt: skip
    return handles


def _building_labels(result: RunResult) -> list[tuple[float, float, str]]:
    """The most populous buildings' names at their footprints."""
    layout = result.layout
    by_size = sorted(layout.buildings.values(), key=lambda b: -sum(b.population.values()))
    return [
        (*basemap.building_anchor(layout, b, layout.origin), textwrap.fill(b.name, 24))
        for b in by_size[:BUILDING_LABELS]
    ]


def _map_points(layouts: Sequence[Any], st: basemap.Streets) -> np.ndarray:
    """Every point the map must show: street ends and footprint corners."""
    pts = [st.segs.reshape(-1, 2)]
    origin = layouts[0].origin
    for layout in layouts:
        for b in layout.buildings.values():
            pts += basemap.footprint_rings(b, origin)
    return np.concatenate(pts) if pts else np.zeros((1, 2))


def plot_meeting_density(
    result: RunResult,
    out_dir: Path,
    scenario: str | None = None,
    counts: dict[str, PlaceCounts] | None = None,
    lang: Lang = EN,
    formats: Sequence[str] = RUN_FORMATS,
    width: float = 12.0,
    page: bool = False,
) -> list[Path]:
    """Map of the district with meetings per 100 m per day on every street segment.

    Parameters
    ----------
    result
        The run.
    out_dir
        Existing folder to write ``map_meeting_density`` into.
    scenario
        Name for title and footer; default: the layout's title (or name).
    counts
        Output of :func:`sim.metrics.place_counts`, if already computed.
    lang
        Language of every label.
    formats
        File formats to write.
    width
        Figure width in inches.
    page
        Drawn for a page of ``report.pdf`` (``width`` its text width): page text sizes,
        the locator on the map and no footer, since the page's own footer gives the
        same provenance (:func:`sim.outputs.basemap.map_axes`).

    Returns
    -------
    list[Path]
        The files written.
    """
    counts = counts if counts is not None else place_counts(result)
    layout = result.layout
    st = basemap.streets([layout], layout.origin)
    pts = _map_points([layout], st)
    with figure.style(page):
        # "compressed" for a page map: its height is fitted to its content (fit_page),
        # and an equal-aspect map left in a taller cell would push its title off the top.
        fig = figure.new_figure(basemap.map_size(pts, width),
                                "" if page else footer(result, scenario, lang),
                                "compressed" if page else "constrained")  # fmt: skip
        m = basemap.map_axes(fig, page)
        ax = m.map
        basemap.draw_spaces(ax, [layout], layout.origin)
        inst = basemap.draw_buildings(ax, [layout], layout.origin, lang)
        kinds = basemap.draw_streets(ax, st, lang)
        mappable = _draw_density(ax, st, result, counts["edge"])
        places = _draw_places(ax, result, counts, lang)
        extent = basemap.fit_extent(ax, pts)
        basemap.frame(ax)
        basemap.north_arrow(ax, lang)
        basemap.scale_bar(ax, lang)
        basemap.locator(m.inset, layout, lang, extent)
        title = lang.t("run.map_title", name=_title(result, scenario))
        basemap.map_title(m, title)
        bar = fig.colorbar(mappable, ax=ax, location="bottom", shrink=0.6, aspect=35, pad=0.02,
                           label=lang.t("run.street_density"))  # fmt: skip
        bar.formatter = mpl.ticker.FuncFormatter(lambda v, _: lang.tick(v))
        basemap.side_legend(m.side, [*places, *inst, *kinds], page=page)
        basemap.fit_page(m, bars=1)
        figure.freeze_layout(fig)
        moved = basemap.settle_inset(m)
        avoid = [*basemap.label_streets(ax, st), *moved]
        basemap.label_places(ax, _building_labels(result), avoid, size=7.5 if page else 8.5)
        return figure.save(fig, out_dir, "map_meeting_density", formats)


def plot_type_pairs(
    result: RunResult,
    out_dir: Path,
    scenario: str | None = None,
    rows: list[Row] | None = None,
    lang: Lang = EN,
    formats: Sequence[str] = RUN_FORMATS,
) -> list[Path]:
    """Horizontal bars of meetings per day by pair of agent types, cross part in colour.

    Parameters
    ----------
    result
        The run.
    out_dir
        Existing folder to write ``meetings_by_type_pair.png``/``.svg`` into.
    scenario
        Name for the footer; default: the layout's name.
    rows
        Output of :func:`sim.metrics.type_pair_table`, if already computed.

    Returns
    -------
    list[Path]
        The files written.
    """
    rows = rows if rows is not None else make_type_pair_table(result)
    rows = sorted(rows, key=lambda r: r["meetings"])
    labels = [
        f"{lang.term('agent', r['type_a'])} – {lang.term('agent', r['type_b'])}" for r in rows
    ]
    total = _per_day(np.array([r["meetings"] for r in rows]), result.days)
    cross = _per_day(np.array([r["cross_institution_meetings"] for r in rows]), result.days)
    with figure.style():
        fig = figure.new_figure((8.0, 1.6 + 0.4 * len(rows)), footer(result, scenario, lang))
        ax = fig.add_subplot()
        y = np.arange(len(rows))
        ax.barh(y, cross, color=CROSS_COLOUR, label=lang.t("run.across"))
        ax.barh(y, total - cross, left=cross, color=ALL_COLOUR, label=lang.t("run.within"))
        for yi, value in zip(y, total, strict=True):
            ax.text(value, float(yi), f" {lang.tick(value, digits=3)}", va="center", fontsize=9)
        ax.set_yticks(y, labels)
        ax.set_xlabel(lang.t("run.meetings_per_day"))
        title = lang.t("run.type_pairs_title", name=_title(result, scenario))
        ax.set_title(figure.wrap(title, 7.6, 14.0), loc="left")
        ax.margins(x=0.12)
        ax.xaxis.set_major_formatter(lambda v, _: lang.tick(v))
        ax.legend(loc="lower right", frameon=False)
        return figure.save(fig, out_dir, "meetings_by_type_pair", formats)


def _cell_text(value: float, lang: Lang) -> str:
    """Short number for a heatmap cell: three significant figures, no trailing zeros."""
    return lang.tick(value, digits=3)


def institution_labels(names: list[str]) -> tuple[list[str], list[str]]:
    """Row and column labels of the institution matrix.

    Short names label both axes. Long ones ("University of Copenhagen, Faculty of ...")
    would be unreadable slanted under the columns, and often share their first words,
    so then rows get numbered, wrapped names and columns just the numbers.
    """
    if max((len(n) for n in names), default=0) <= MAX_COLUMN_LABEL:
        return names, names
    # The number last, so right-aligned row labels line their numbers up by the axis.
    rows = [textwrap.fill(f"{name} ({k})", 30) for k, name in enumerate(names, start=1)]
    return rows, [str(k) for k in range(1, len(names) + 1)]


def plot_institution_matrix(
    result: RunResult,
    out_dir: Path,
    scenario: str | None = None,
    matrix: np.ndarray | None = None,
    lang: Lang = EN,
    formats: Sequence[str] = RUN_FORMATS,
) -> list[Path]:
    """Heatmap of meetings per day between institutions (diagonal: within one).

    Parameters
    ----------
    result
        The run.
    out_dir
        Existing folder to write ``institution_matrix.png``/``.svg`` into.
    scenario
        Name for the footer; default: the layout's name.
    matrix
        Output of :func:`sim.metrics.institution_matrix`, if already computed.

    Returns
    -------
    list[Path]
        The files written.
    """
    matrix = matrix if matrix is not None else institution_matrix(result)
    per_day = _per_day(matrix, result.days)
    n = per_day.shape[0]
    y_labels, x_labels = institution_labels([i.name for i in result.layout.institutions.values()])
    side = float(np.clip(2.5 + 0.5 * n, 5.5, 12.0))
    with figure.style():
        fig = figure.new_figure((side + 1.5, side + 0.6), footer(result, scenario, lang),
                                "compressed")  # fmt: skip
        ax = fig.add_subplot()
        vmax = float(per_day.max()) if per_day.size and per_day.max() > 0 else 1.0
        # Cells as vector quads rather than an image: crisp in the SVG, no resampling.
        image = ax.pcolormesh(per_day, cmap="Blues", vmin=0.0, vmax=vmax)
        ax.set_aspect("equal")
        ax.invert_yaxis()
        if n <= 12:
            for i, j in np.ndindex(per_day.shape):
                # in_layout=False: cells lie inside the axes, and measuring every one of
                # them for the layout would only slow it down.
                colour = "white" if per_day[i, j] > 0.55 * vmax else "black"
                ax.text(j + 0.5, i + 0.5, _cell_text(float(per_day[i, j]), lang), ha="center",
                        va="center", fontsize=10, color=colour, in_layout=False)  # fmt: skip
        tick_size = 10 if n <= 12 else 8
        ticks = np.arange(n) + 0.5
        numbered = x_labels[0] != y_labels[0] if n else False
        ax.set_xticks(ticks, x_labels, rotation=0 if numbered else 40,
                      ha="center" if numbered else "right", fontsize=tick_size)  # fmt: skip
        ax.set_yticks(ticks, y_labels, fontsize=tick_size)
        if numbered:
            ax.set_xlabel(lang.t("run.numbered"))
        ax.spines[:].set_visible(False)
        title = lang.t("run.matrix_title", name=_title(result, scenario))
        ax.set_title(figure.wrap(title, side + 1.0, 14.0))
        bar = fig.colorbar(image, ax=ax, shrink=0.7, label=lang.t("run.meetings_per_day"))
        bar.formatter = mpl.ticker.FuncFormatter(lambda v, _: lang.tick(v))
        return figure.save(fig, out_dir, "institution_matrix", formats)


def plot_meetings_by_hour(
    result: RunResult,
    out_dir: Path,
    scenario: str | None = None,
    rows: list[Row] | None = None,
    lang: Lang = EN,
    formats: Sequence[str] = RUN_FORMATS,
) -> list[Path]:
    """Bars of meetings per day by hour of day, all meetings next to cross-institution.

    Parameters
    ----------
    result
        The run.
    out_dir
        Existing folder to write ``meetings_by_hour.png``/``.svg`` into.
    scenario
        Name for the footer; default: the layout's name.
    rows
        Output of :func:`sim.metrics.hour_table`, if already computed.

    Returns
    -------
    list[Path]
        The files written.
    """
    rows = rows if rows is not None else hour_table(result)
    hours = np.array([r["hour"] for r in rows])
    total = _per_day(np.array([r["meetings"] for r in rows]), result.days)
    cross = _per_day(np.array([r["cross_institution_meetings"] for r in rows]), result.days)
    with figure.style():
        fig = figure.new_figure((8.0, 4.8), footer(result, scenario, lang))
        ax = fig.add_subplot()
        ax.bar(hours - 0.2, total, width=0.4, color=ALL_COLOUR, label=lang.t("run.all_meetings"))
        ax.bar(hours + 0.2, cross, width=0.4, color=CROSS_COLOUR, label=lang.t("run.across"))
        ax.set_xticks(range(0, 24, 2), [f"{h:02d}:00" for h in range(0, 24, 2)])
        ax.set_xlim(-0.6, 23.6)
        ax.set_xlabel(lang.t("run.hour_axis"))
        ax.set_ylabel(lang.t("run.meetings_per_day"))
        ax.yaxis.set_major_formatter(lambda v, _: lang.tick(v))
        title = lang.t("run.hour_title", name=_title(result, scenario))
        ax.set_title(figure.wrap(title, 7.6, 14.0), loc="left")  # fmt: skip
        ax.grid(axis="y", color="0.9")
        ax.set_axisbelow(True)
        ax.legend(frameon=False)
        return figure.save(fig, out_dir, "meetings_by_hour", formats)
