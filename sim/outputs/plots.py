"""Report figures, each written as PNG (200 dpi) and SVG.

Only the object-oriented API is used (``Figure`` objects, never ``pyplot``), so no
backend is chosen and no figure outlives its function; font sizes are set through
``rc_context`` for the duration of one figure only.
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import matplotlib as mpl
import numpy as np
from matplotlib import patheffects
from matplotlib.cm import ScalarMappable
from matplotlib.collections import LineCollection
from matplotlib.colors import ListedColormap, Normalize
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

import sim
from sim.engine.results import RunResult
from sim.metrics import PlaceCounts, Row, hour_table, institution_matrix, place_counts
from sim.metrics import type_pair_table as make_type_pair_table

DPI = 200
FORMATS: tuple[str, ...] = ("png", "svg")
ALL_COLOUR = "#4477aa"
CROSS_COLOUR = "#ee7733"
SPACE_COLOUR = "#228833"
MAX_COLUMN_LABEL = 22
"""Institution names up to this length label the matrix columns; longer ones get numbers."""
BUILDING_LABELS = 6
"""How many of the most populous buildings get a label on the map."""


def report_style() -> dict[str, Any]:
    """rc settings for report figures (a fresh dict, so nobody can mutate a shared one)."""
    return {
        "font.size": 11,
        "axes.titlesize": 14,
        "axes.labelsize": 12,
        "xtick.labelsize": 10,
        "ytick.labelsize": 10,
        "legend.fontsize": 10,
        "axes.spines.top": False,
        "axes.spines.right": False,
        # Text stays text in the SVG: smaller files, editable labels in the report.
        "svg.fonttype": "none",
        "svg.hashsalt": "crosspaths",
    }


def _footer(result: RunResult, scenario: str | None) -> str:
    """Provenance line printed under every figure."""
    parts = [
        f"Scenario: {scenario or result.layout.name}",
        f"seed {result.seed}",
        f"{result.days} simulated day{'s' if result.days != 1 else ''}",
        f"Crosspaths {sim.__version__}",
    ]
    if result.layout.attribution:
        parts.append(result.layout.attribution)
    return "  ·  ".join(parts)


def new_figure(size: tuple[float, float], layout: str = "constrained") -> Figure:
    """A figure laid out by ``layout`` with room reserved at the bottom for the footer.

    ``"compressed"`` suits axes with a fixed aspect ratio (maps, heatmaps).
    """
    fig = Figure(figsize=size, layout=layout)
    fig.get_layout_engine().set(rect=(0.0, 0.035, 1.0, 0.965))
    return fig


def _save(
    fig: Figure, result: RunResult, scenario: str | None, out_dir: Path, stem: str
) -> list[Path]:
    """Add the footer, write ``stem`` in every format and release the figure."""
    fig.text(0.01, 0.008, _footer(result, scenario), fontsize=8, color="0.35", ha="left")
    paths = []
    for fmt in FORMATS:
        path = out_dir / f"{stem}.{fmt}"
        # No date in the SVG, so re-running a seed reproduces the file byte for byte.
        fig.savefig(path, dpi=DPI, metadata={"Date": None} if fmt == "svg" else None)
        # The first save solved the constrained layout; freezing it spares the next
        # format a second solve, which costs about as much as drawing.
        fig.set_layout_engine("none")
        paths.append(path)
    fig.clear()
    return paths


def _per_day(values: np.ndarray, days: int) -> np.ndarray:
    """Counts per simulated day (zeros for a run without days)."""
    return np.asarray(values, dtype=float) / days if days else np.zeros(np.shape(values))


def _node_xy(result: RunResult, node_ids: list[str]) -> np.ndarray:
    """``(n, 2)`` local metre coordinates of nodes."""
    nodes = result.layout.nodes
    return np.array([[nodes[n].x, nodes[n].y] for n in node_ids], dtype=float).reshape(-1, 2)


def _draw_streets(ax: Any, result: RunResult, counts: PlaceCounts) -> ScalarMappable:
    """Street graph: grey base, coloured and widened by meetings per 100 m per day."""
    edges = list(result.layout.edges.values())
    ends = [
        _node_xy(result, [e.source for e in edges]),
        _node_xy(result, [e.target for e in edges]),
    ]
    segs = np.stack(ends, axis=1)
    lengths = np.array([max(e.length, 1e-9) for e in edges])
    density = _per_day(counts.meetings, result.days) * 100.0 / lengths
    ax.add_collection(LineCollection(segs, colors="0.8", linewidths=0.8, zorder=1))
    vmax = float(density.max()) if density.size and density.max() > 0 else 1.0
    # Drop the palest end of the map so low values still stand out from white paper.
    cmap = ListedColormap(mpl.colormaps["YlOrRd"](np.linspace(0.25, 1.0, 256)))
    norm = Normalize(0.0, vmax)
    order = np.argsort(density)
    used = order[density[order] > 0]
    widths = 1.0 + 4.0 * density[used] / vmax
    ax.add_collection(LineCollection(segs[used], colors=cmap(norm(density[used])),
                                     linewidths=widths, capstyle="round", zorder=2))  # fmt: skip
    return ScalarMappable(norm=norm, cmap=cmap)


def _nice(value: float) -> float:
    """The largest 1, 2 or 5 × 10^k not above ``value`` (a round legend entry)."""
    if value <= 0:
        return 0.0
    power = 10.0 ** np.floor(np.log10(value))
    return next(m * power for m in (5.0, 2.0, 1.0) if m * power <= value * (1 + 1e-9))


def _draw_places(ax: Any, result: RunResult, counts: dict[str, PlaceCounts]) -> list[Any]:
    """Venues and public spaces as circles whose area grows with meetings per day.

    Returns the legend handles: one per kind of place and two reference sizes.
    """
    layout = result.layout
    venue_nodes = [
        layout.buildings[v.building].entrances[0] if v.building in layout.buildings else None
        for v in layout.venues.values()
    ]
    space_nodes = [s.node for s in layout.spaces.values()]
    groups = [
        ("venues", venue_nodes, counts["venue"].meetings, ALL_COLOUR),
        ("public spaces", space_nodes, counts["space"].meetings, SPACE_COLOUR),
    ]
    peak = max([float(_per_day(g[2], result.days).max(initial=0.0)) for g in groups] + [1e-9])

    def size(per_day: float | np.ndarray) -> np.ndarray:
        return 12.0 + 500.0 * np.asarray(per_day) / peak

    handles: list[Any] = []
    for label, node_ids, meetings, colour in groups:
        keep = [i for i, n in enumerate(node_ids) if n is not None]
        if not keep:
            continue
        xy = _node_xy(result, [node_ids[i] for i in keep])
        per_day = _per_day(meetings[keep], result.days)
        # Big circles first so small ones at the same entrance stay visible on top.
        order = np.argsort(-per_day)
        ax.scatter(xy[order, 0], xy[order, 1], s=size(per_day[order]), c=colour, alpha=0.6,
                   edgecolors="white", linewidths=0.8, zorder=3)  # fmt: skip
        handles.append(Line2D([], [], ls="", marker="o", ms=10, mfc=colour, mec="white",
                              alpha=0.6, label=label))  # fmt: skip
    for ref in sorted({_nice(peak / 5), _nice(peak)} - {0.0}):
        handles.append(Line2D([], [], ls="", marker="o", ms=float(np.sqrt(size(ref))),
                              mfc="none", mec="0.3", label=f"{ref:,g} meetings/day"))  # fmt: skip
    return handles


def _label_buildings(ax: Any, result: RunResult) -> None:
    """Name the most populous buildings at the centre of their entrances."""
    by_size = sorted(result.layout.buildings.values(), key=lambda b: -sum(b.population.values()))
    buildings = by_size[:BUILDING_LABELS]
    halo = [patheffects.withStroke(linewidth=3, foreground="white")]
    for b in buildings:
        x, y = _node_xy(result, list(b.entrances)).mean(axis=0)
        ax.annotate(textwrap.fill(b.name, 22), (x, y), xytext=(6, 6), textcoords="offset points",
                    fontsize=9, zorder=5, path_effects=halo)  # fmt: skip


def plot_meeting_density(
    result: RunResult,
    out_dir: Path,
    scenario: str | None = None,
    counts: dict[str, PlaceCounts] | None = None,
) -> list[Path]:
    """Map of the district with meetings per 100 m per day on every street segment.

    Parameters
    ----------
    result
        The run.
    out_dir
        Existing folder to write ``map_meeting_density.png``/``.svg`` into.
    scenario
        Name for the footer; default: the layout's name.
    counts
        Output of :func:`sim.metrics.place_counts`, if already computed.

    Returns
    -------
    list[Path]
        The files written.
    """
    counts = counts if counts is not None else place_counts(result)
    xy = _node_xy(result, list(result.layout.nodes))
    span = np.ptp(xy, axis=0) if len(xy) else np.ones(2)
    aspect = float(span[1] / span[0]) if span[0] > 0 else 1.0
    with mpl.rc_context(report_style()):
        fig = new_figure((9.0, float(np.clip(6.0 * aspect + 2.0, 4.5, 11.0))), "compressed")
        ax = fig.add_subplot()
        mappable = _draw_streets(ax, result, counts["edge"])
        handles = _draw_places(ax, result, counts)
        _label_buildings(ax, result)
        ax.autoscale_view()
        ax.margins(0.05)
        ax.set_aspect("equal", adjustable="box")
        ax.set_xlabel("x (m east of origin)")
        ax.set_ylabel("y (m north of origin)")
        ax.set_title("Where chance meetings happen")
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.03, 1.0), frameon=False,
                  title="Meetings in places", labelspacing=1.3, borderpad=0.6)  # fmt: skip
        fig.colorbar(mappable, ax=ax, location="bottom", shrink=0.7, aspect=35, pad=0.02,
                     label="meetings per 100 m of street per day")  # fmt: skip
        return _save(fig, result, scenario, out_dir, "map_meeting_density")


def plot_type_pairs(
    result: RunResult,
    out_dir: Path,
    scenario: str | None = None,
    rows: list[Row] | None = None,
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
    labels = [f"{r['type_a']} – {r['type_b']}" for r in rows]
    total = _per_day(np.array([r["meetings"] for r in rows]), result.days)
    cross = _per_day(np.array([r["cross_institution_meetings"] for r in rows]), result.days)
    with mpl.rc_context(report_style()):
        fig = new_figure((8.0, 1.4 + 0.4 * len(rows)))
        ax = fig.add_subplot()
        y = np.arange(len(rows))
        ax.barh(y, cross, color=CROSS_COLOUR, label="across institutions")
        ax.barh(y, total - cross, left=cross, color=ALL_COLOUR, label="within one institution")
        for yi, value in zip(y, total, strict=True):
            ax.text(value, yi, f" {value:.3g}", va="center", fontsize=9)
        ax.set_yticks(y, labels)
        ax.set_xlabel("meetings per day")
        ax.set_title("Meetings by pair of agent types")
        ax.margins(x=0.12)
        ax.legend(loc="lower right", frameon=False)
        return _save(fig, result, scenario, out_dir, "meetings_by_type_pair")


def _cell_text(value: float) -> str:
    """Short number for a heatmap cell."""
    return f"{value:.0f}" if value >= 100 or value == 0 else f"{value:.3g}"


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
    with mpl.rc_context(report_style()):
        fig = new_figure((side + 1.5, side), "compressed")
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
                ax.text(j + 0.5, i + 0.5, _cell_text(per_day[i, j]), ha="center", va="center",
                        fontsize=10, color=colour, in_layout=False)  # fmt: skip
        tick_size = 10 if n <= 12 else 8
        ticks = np.arange(n) + 0.5
        numbered = x_labels[0] != y_labels[0] if n else False
        ax.set_xticks(ticks, x_labels, rotation=0 if numbered else 40,
                      ha="center" if numbered else "right", fontsize=tick_size)  # fmt: skip
        ax.set_yticks(ticks, y_labels, fontsize=tick_size)
        if numbered:
            ax.set_xlabel("institution (numbered as on the left)")
        ax.spines[:].set_visible(False)
        ax.set_title("Meetings per day between institutions\n(diagonal: within one institution)")
        fig.colorbar(image, ax=ax, shrink=0.7, label="meetings per day")
        return _save(fig, result, scenario, out_dir, "institution_matrix")


def plot_meetings_by_hour(
    result: RunResult,
    out_dir: Path,
    scenario: str | None = None,
    rows: list[Row] | None = None,
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
    with mpl.rc_context(report_style()):
        fig = new_figure((8.0, 4.5))
        ax = fig.add_subplot()
        ax.bar(hours - 0.2, total, width=0.4, color=ALL_COLOUR, label="all meetings")
        ax.bar(hours + 0.2, cross, width=0.4, color=CROSS_COLOUR, label="across institutions")
        ax.set_xticks(range(0, 24, 2), [f"{h:02d}:00" for h in range(0, 24, 2)])
        ax.set_xlim(-0.6, 23.6)
        ax.set_xlabel("hour of day (meeting start)")
        ax.set_ylabel("meetings per day")
        ax.set_title("Meetings by hour of day")
        ax.grid(axis="y", color="0.9")
        ax.set_axisbelow(True)
        ax.legend(frameon=False)
        return _save(fig, result, scenario, out_dir, "meetings_by_hour")
