"""Difference map: where a variant gains or loses meetings against the reference.

Streets of every scenario are drawn (so a street one scenario removes still shows, as
a dashed line) in metres about the reference's origin, coloured by the mean change in
meetings per day on the segment. Venues and public spaces are circles coloured and
sized by their change. Nodes are placed by their lat/lon, not by each layout's own local
metres, because two layouts need not share an origin.
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import matplotlib as mpl
import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.colors import Normalize
from matplotlib.lines import Line2D

from sim.compare import canvas
from sim.compare.changes import Change, VariantChanges
from sim.compare.runner import ComparisonRuns
from sim.geometry import to_local_xy
from sim.layout import Layout
from sim.outputs.labels import fmt_signed

LABELLED_PLACES = 5
"""How many venues and spaces with the largest distinguishable change get a name."""
LABELLED_STREETS = 3
"""How many street segments get a name: counted apart from places, whose changes are
usually far larger and would otherwise leave every street unnamed."""


def _lookup_order(runs: ComparisonRuns, variant: int) -> list[Layout]:
    """Layouts to take geometry from: the variant first, then the reference, then the rest."""
    order = [variant, 0, *(sc.index for sc in runs.scenarios if sc.index not in (0, variant))]
    return [runs.scenarios[i].layout for i in order]


def _xy(layout: Layout, node: str, origin: tuple[float, float]) -> tuple[float, float]:
    """Metres east and north of ``origin`` of ``node`` in ``layout``."""
    n = layout.nodes[node]
    x, y = to_local_xy(n.lat, n.lon, *origin)
    return float(x), float(y)


def _segments(runs: ComparisonRuns, variant: int) -> tuple[list[str], np.ndarray]:
    """Ids and ``(n, 2, 2)`` end points of the union of every scenario's edges."""
    origin = runs.scenarios[0].layout.origin
    ends: dict[str, tuple[tuple[float, float], tuple[float, float]]] = {}
    for layout in _lookup_order(runs, variant):
        for eid, e in layout.edges.items():
            if eid not in ends:
                ends[eid] = (_xy(layout, e.source, origin), _xy(layout, e.target, origin))
    ids = list(ends)
    return ids, np.array([ends[e] for e in ids], dtype=float).reshape(-1, 2, 2)


def _place_xy(runs: ComparisonRuns, variant: int, ch: Change) -> tuple[float, float] | None:
    """Where a venue (its building's first entrance) or a public space is drawn."""
    origin = runs.scenarios[0].layout.origin
    for layout in _lookup_order(runs, variant):
        if ch.kind == "space" and ch.id in layout.spaces:
            return _xy(layout, layout.spaces[ch.id].node, origin)
        if ch.kind == "venue" and ch.id in layout.venues:
            building = layout.buildings.get(layout.venues[ch.id].building)
            return _xy(layout, building.entrances[0], origin) if building else None
    return None


def _draw_streets(ax: Any, runs: ComparisonRuns, vc: VariantChanges) -> Any:
    """The network, changed segments coloured on top; returns the colour map.

    Streets the variant dropped are dashed, streets it added get a thin dark line, and
    streets only other scenarios have are dotted, so the reader sees every layout's
    network without mistaking one for another.
    """
    ids, segs = _segments(runs, vc.scenario.index)
    by_id = {ch.id: ch for ch in vc.places if ch.kind == "edge"}
    change = np.array([by_id[e].change if e in by_id else 0.0 for e in ids])
    noise = np.array([by_id[e].indistinguishable if e in by_id else True for e in ids])
    in_ref = np.array([e in runs.scenarios[0].layout.edges for e in ids], dtype=bool)
    in_var = np.array([e in vc.scenario.layout.edges for e in ids], dtype=bool)
    styles = [
        (in_var & in_ref, {"colors": "0.82", "linewidths": 0.9}),
        (in_var & ~in_ref, {"colors": "0.15", "linewidths": 0.9}),
        (in_ref & ~in_var, {"colors": "0.35", "linewidths": 1.0, "linestyles": (0, (3, 2))}),
        (~in_ref & ~in_var, {"colors": "0.7", "linewidths": 0.8, "linestyles": (0, (1, 2))}),
    ]
    for mask, style in styles:
        if mask.any():
            ax.add_collection(LineCollection(segs[mask], zorder=1, **style))
    vmax = float(np.max(np.abs(change))) if np.any(change) else 1.0
    norm = Normalize(-vmax, vmax)
    cmap = mpl.colormaps[canvas.DIVERGING]
    order = np.argsort(np.abs(change))
    used = order[change[order] != 0]
    if used.size:
        # Changes within the noise are drawn faint, so the eye goes to the real ones.
        alpha = np.where(noise[used], 0.35, 1.0)
        colours = cmap(norm(change[used]))
        colours[:, 3] = alpha
        widths = 1.2 + 4.5 * np.abs(change[used]) / vmax
        ax.add_collection(LineCollection(segs[used], colors=colours, linewidths=widths,
                                         capstyle="round", zorder=2))  # fmt: skip
    return mpl.cm.ScalarMappable(norm=norm, cmap=cmap)


def _draw_places(
    ax: Any, runs: ComparisonRuns, vc: VariantChanges
) -> tuple[Any, list[tuple[Change, tuple[float, float]]]]:
    """Venues and spaces as circles; returns the colour map and the drawn places."""
    drawn = []
    for ch in vc.places:
        if ch.kind in ("venue", "space") and ch.change != 0:
            xy = _place_xy(runs, vc.scenario.index, ch)
            if xy is not None:
                drawn.append((ch, xy))
    peak = max([abs(ch.change) for ch, _ in drawn] + [1e-9])
    norm = Normalize(-peak, peak)
    cmap = mpl.colormaps[canvas.DIVERGING]
    # Largest first, so small circles at the same entrance stay visible on top.
    for ch, (x, y) in sorted(drawn, key=lambda item: -abs(item[0].change)):
        ax.scatter(
            [x],
            [y],
            s=30.0 + 420.0 * abs(ch.change) / peak,
            c=[cmap(norm(ch.change))],
            marker="o" if ch.kind == "venue" else "s",
            zorder=3,
            edgecolors="0.6" if ch.indistinguishable else "black",
            linewidths=0.6 if ch.indistinguishable else 1.3,
        )
    return mpl.cm.ScalarMappable(norm=norm, cmap=cmap), drawn


def _street_marks(
    runs: ComparisonRuns, vc: VariantChanges
) -> list[tuple[Change, tuple[float, float]]]:
    """Changed street segments with the midpoint where a label goes."""
    ids, segs = _segments(runs, vc.scenario.index)
    mid = {e: (float(x), float(y)) for e, (x, y) in zip(ids, segs.mean(axis=1), strict=True)}
    return [(ch, mid[ch.id]) for ch in vc.places if ch.kind == "edge" and ch.change != 0]


def _number_marks(
    ax: Any, marks: list[tuple[Change, tuple[float, float]]], count: int, first: int
) -> list[Any]:
    """Number the ``count`` largest real changes among ``marks`` on the map.

    Numbers rather than names: a dozen names around a campus overlap, numbers rarely
    do, and the legend spells them out. Returns the legend entries, numbered from
    ``first``.
    """
    real = [item for item in marks if not item[0].indistinguishable]
    entries = []
    ranked = sorted(real, key=lambda item: -abs(item[0].change))[:count]
    for k, (ch, xy) in enumerate(ranked, start=first):
        badge = {"boxstyle": "circle,pad=0.15", "fc": "white", "ec": "0.3", "lw": 0.6}
        ax.annotate(str(k), xy, xytext=(6, 6), textcoords="offset points", fontsize=8,
                    fontweight="bold", zorder=5, bbox=badge)  # fmt: skip
        name = ch.name or (f"segment {ch.id}" if ch.kind == "edge" else ch.id)
        label = f"{textwrap.fill(name, 28)}: {fmt_signed(ch.change)}/day"
        entries.append(Line2D([], [], ls="", marker=f"${k}$", ms=7, color="black", label=label))
    return entries


def _legend(ax: Any, runs: ComparisonRuns, vc: VariantChanges, numbered: list[Any]) -> None:
    """Explain markers, outlines and street lines present; then the numbered places."""
    handles = [
        Line2D([], [], ls="", marker="o", ms=9, mfc="white", mec="black", label="venue"),
        Line2D([], [], ls="", marker="s", ms=9, mfc="white", mec="black", label="public space"),
        Line2D(
            [],
            [],
            ls="",
            marker="o",
            ms=9,
            mfc="white",
            mec="0.6",
            label="grey outline / faint street:\nnot distinguishable from noise",
        ),
    ]
    ids, _ = _segments(runs, vc.scenario.index)
    ref, var = runs.scenarios[0].layout.edges, vc.scenario.layout.edges
    if any(e in var and e not in ref for e in ids):
        handles.append(Line2D([], [], color="0.15", lw=0.9, label=f"new in {vc.scenario.label}"))
    if any(e in ref and e not in var for e in ids):
        handles.append(Line2D([], [], color="0.35", ls=(0, (3, 2)),
                              label=f"not in {vc.scenario.label}"))  # fmt: skip
    if any(e not in ref and e not in var for e in ids):
        handles.append(Line2D([], [], color="0.7", ls=(0, (1, 2)),
                              label="only in other scenarios"))  # fmt: skip
    if numbered:
        handles.append(Line2D([], [], ls="", label="\nLargest real changes, per day:"))
        handles.extend(numbered)
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.02, 1.0), frameon=False,
              labelspacing=1.1, fontsize=9)  # fmt: skip


def plot_difference_map(
    runs: ComparisonRuns, vc: VariantChanges, out_dir: Path, stem: str
) -> list[Path]:
    """Map of the mean change in meetings per day per street segment and place.

    Parameters
    ----------
    runs
        The comparison's runs.
    vc
        The variant's changes against the reference.
    out_dir
        Existing folder to write into.
    stem
        File name without extension.

    Returns
    -------
    list[Path]
        The files written (PNG, SVG, PDF).
    """
    _, segs = _segments(runs, vc.scenario.index)
    pts = segs.reshape(-1, 2)
    span = np.ptp(pts, axis=0) if len(pts) else np.ones(2)
    aspect = float(span[1] / span[0]) if span[0] > 0 else 1.0
    reference = runs.scenarios[0]
    with canvas.style():
        size = (11.0, float(np.clip(6.5 * aspect + 3.0, 5.5, 12.0)))
        fig = canvas.new_figure(size, canvas.source_line(runs), "compressed")
        ax = fig.add_subplot()
        streets = _draw_streets(ax, runs, vc)
        places, drawn = _draw_places(ax, runs, vc)
        numbered = _number_marks(ax, drawn, LABELLED_PLACES, 1)
        numbered += _number_marks(ax, _street_marks(runs, vc), LABELLED_STREETS, len(numbered) + 1)
        ax.autoscale_view()
        ax.margins(0.05)
        ax.set_aspect("equal", adjustable="box")
        ax.set_xlabel("x (m east of the reference's origin)")
        ax.set_ylabel("y (m north)")
        ax.set_title(
            f"Where meetings were gained (blue) or lost (red)\n"
            f"{vc.scenario.label} vs {reference.label}, mean over seeds"
        )
        _legend(ax, runs, vc, numbered)
        fig.colorbar(
            streets,
            ax=ax,
            location="bottom",
            shrink=0.6,
            aspect=35,
            pad=0.03,
            label="street segment: change in meetings per day",
        )
        fig.colorbar(
            places,
            ax=ax,
            location="right",
            shrink=0.45,
            pad=0.02,
            label="venue or space: change in meetings per day",
        )
        return canvas.save(fig, out_dir, stem)
