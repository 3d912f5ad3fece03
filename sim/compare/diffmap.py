"""Difference map: where a variant gains or loses meetings against the reference.

Drawn in the one map style (:mod:`sim.outputs.basemap`): footprints by institution,
streets by kind, north arrow, scale bar, locator. On top, the streets of every scenario
(a street one scenario removes still shows, dashed), coloured by the mean change in
meetings per day on the segment, and venues and public spaces as circles and squares
coloured and sized by their change. Every difference map of one comparison shares one
symmetric colour scale (:class:`DiffScale`), so equal colours mean equal changes across
maps. Nodes are placed by their lat/lon, because two layouts need not share an origin.
"""

from __future__ import annotations

import itertools
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib as mpl
import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.colors import Normalize
from matplotlib.lines import Line2D

from sim.compare import canvas
from sim.compare.changes import ItemChange, VariantChanges
from sim.compare.runner import ComparisonRuns
from sim.i18n import EN, Lang
from sim.layout import Layout
from sim.outputs import basemap, figure

LABELLED_PLACES = 5
"""How many venues and spaces with the largest distinguishable change get a name."""
LABELLED_STREETS = 3
"""How many street segments get a name: counted apart from places, whose changes are
usually far larger and would otherwise leave every street unnamed."""


@dataclass(frozen=True)
class DiffScale:
    """The symmetric colour scales shared by every difference map of one comparison.

    Attributes
    ----------
    streets, places
        The largest absolute change per day of any street segment, and of any venue or
        space, over all variants: colours run from ``-x`` to ``+x``.
    """

    streets: float
    places: float


def shared_scale(changes: Sequence[VariantChanges]) -> DiffScale:
    """The :class:`DiffScale` of all variants of a comparison."""
    street = [abs(ch.change) for vc in changes for ch in vc.places if ch.kind == "edge"]
    place = [abs(ch.change) for vc in changes for ch in vc.places
             if ch.kind in ("venue", "space")]  # fmt: skip
    return DiffScale(max([*street, 0.0]) or 1.0, max([*place, 0.0]) or 1.0)


def _lookup_order(runs: ComparisonRuns, variant: int) -> list[Layout]:
    """Layouts to take geometry from: the variant first, then the reference, then the rest."""
    order = [variant, 0, *(sc.index for sc in runs.scenarios if sc.index not in (0, variant))]
    return [runs.scenarios[i].layout for i in order]


def _place_xy(runs: ComparisonRuns, variant: int, ch: ItemChange) -> tuple[float, float] | None:
    """Where a venue (its building) or a public space is drawn."""
    origin = runs.scenarios[0].layout.origin
    for layout in _lookup_order(runs, variant):
        if ch.kind == "space" and ch.id in layout.spaces:
            return basemap.node_xy(layout, layout.spaces[ch.id].node, origin)
        if ch.kind == "venue" and ch.id in layout.venues:
            building = layout.buildings.get(layout.venues[ch.id].building)
            return basemap.building_anchor(layout, building, origin) if building else None
    return None


def _draw_streets(
    ax: Any, runs: ComparisonRuns, vc: VariantChanges, st: basemap.Streets, vmax: float,
    lang: Lang,
) -> tuple[Any, list[Any], list[Any]]:
    """The network by kind, changed segments coloured on top.

    Streets in both scenarios are drawn by kind; streets the variant added get a dark
    line, streets it dropped are dashed and streets only other scenarios have are
    dotted, so the reader sees every layout's network without mistaking one for
    another. Returns the colour map, the street-kind and the network-change handles.
    """
    by_id = {ch.id: ch for ch in vc.places if ch.kind == "edge"}
    change = np.array([by_id[e].change if e in by_id else 0.0 for e in st.ids])
    noise = np.array([by_id[e].indistinguishable if e in by_id else True for e in st.ids])
    in_ref = np.array([e in runs.scenarios[0].layout.edges for e in st.ids], dtype=bool)
    in_var = np.array([e in vc.scenario.layout.edges for e in st.ids], dtype=bool)
    kinds = basemap.draw_streets(ax, st, lang, in_var & in_ref)
    name = canvas.title(vc.scenario)
    styles = [
        (in_var & ~in_ref, {"colors": "0.1", "linewidths": 1.3},
         Line2D([], [], color="0.1", lw=1.3, label=lang.t("cmp.new_in", name=name))),
        (in_ref & ~in_var, {"colors": "0.3", "linewidths": 1.2, "linestyles": (0, (3, 2))},
         Line2D([], [], color="0.3", ls=(0, (3, 2)), label=lang.t("cmp.not_in", name=name))),
        (~in_ref & ~in_var, {"colors": "0.6", "linewidths": 0.9, "linestyles": (0, (1, 2))},
         Line2D([], [], color="0.6", ls=(0, (1, 2)), label=lang.t("cmp.other_only"))),
    ]  # fmt: skip
    network: list[Any] = []
    for mask, style, handle in styles:
        if mask.any():
            ax.add_collection(LineCollection(st.segs[mask], zorder=1.5, **style))
            network.append(handle)
    norm = Normalize(-vmax, vmax)
    cmap = mpl.colormaps[canvas.DIVERGING]
    order = np.argsort(np.abs(change))
    used = order[change[order] != 0]
    if used.size:
        # Changes within the noise are drawn faint, so the eye goes to the real ones.
        colours = cmap(norm(change[used]))
        colours[:, 3] = np.where(noise[used], 0.35, 1.0)
        widths = 1.2 + 4.5 * np.minimum(np.abs(change[used]) / vmax, 1.0)
        ax.add_collection(LineCollection(st.segs[used], colors=colours, linewidths=widths,
                                         capstyle="round", zorder=2))  # fmt: skip
    return mpl.cm.ScalarMappable(norm=norm, cmap=cmap), kinds, network


def _draw_places(
    ax: Any, runs: ComparisonRuns, vc: VariantChanges, vmax: float
) -> tuple[Any, list[tuple[ItemChange, tuple[float, float]]]]:
    """Venues and spaces as circles and squares; returns the colour map and what was drawn."""
    drawn = []
    for ch in vc.places:
        if ch.kind in ("venue", "space") and ch.change != 0:
            xy = _place_xy(runs, vc.scenario.index, ch)
            if xy is not None:
                drawn.append((ch, xy))
    norm = Normalize(-vmax, vmax)
    cmap = mpl.colormaps[canvas.DIVERGING]
    # Largest first, so small circles at the same building stay visible on top; one
    # scatter per run of the same marker keeps that order with a few artists instead of
    # one per place (each artist costs a draw per file written).
    ordered = sorted(drawn, key=lambda item: -abs(item[0].change))
    for _, run in itertools.groupby(ordered, key=lambda item: item[0].kind == "venue"):
        items = list(run)
        faint = [ch.indistinguishable for ch, _ in items]
        ax.scatter([x for _, (x, _) in items], [y for _, (_, y) in items],
                   s=[30.0 + 420.0 * min(abs(ch.change) / vmax, 1.0) for ch, _ in items],
                   c=[cmap(norm(ch.change)) for ch, _ in items],
                   marker="o" if items[0][0].kind == "venue" else "s", zorder=3,
                   edgecolors=["0.6" if f else "black" for f in faint],
                   linewidths=[0.6 if f else 1.3 for f in faint])  # fmt: skip
    return mpl.cm.ScalarMappable(norm=norm, cmap=cmap), drawn


def _street_marks(
    runs: ComparisonRuns, vc: VariantChanges, st: basemap.Streets
) -> list[tuple[ItemChange, tuple[float, float]]]:
    """Changed street segments with the midpoint where a label points."""
    mid = {e: (float(x), float(y)) for e, (x, y) in zip(st.ids, st.segs.mean(axis=1),
                                                          strict=True)}  # fmt: skip
    return [(ch, mid[ch.id]) for ch in vc.places if ch.kind == "edge" and ch.change != 0
            and ch.id in mid]  # fmt: skip


def _labels(
    marks: list[tuple[ItemChange, tuple[float, float]]], count: int, lang: Lang
) -> list[tuple[float, float, str]]:
    """Name and change of the ``count`` largest real changes among ``marks``."""
    real = [item for item in marks if not item[0].indistinguishable]
    ranked = sorted(real, key=lambda item: -abs(item[0].change))[:count]
    out = []
    for ch, (x, y) in ranked:
        name = ch.name or (lang.t("cmp.segment", id=ch.id) if ch.kind == "edge" else ch.id)
        value = lang.t("cmp.per_day", value=lang.tick(ch.change, signed=True, digits=3))
        out.append((x, y, f"{textwrap.fill(name, 22)}\n{value}"))
    return out


def _map_points(layouts: Sequence[Layout], st: basemap.Streets) -> np.ndarray:
    pts = [st.segs.reshape(-1, 2)]
    origin = layouts[-1].origin if not layouts else layouts[0].origin
    for layout in layouts:
        for b in layout.buildings.values():
            pts += basemap.footprint_rings(b, origin)
    return np.concatenate(pts)


def plot_difference_map(
    runs: ComparisonRuns,
    vc: VariantChanges,
    out_dir: Path,
    stem: str,
    scale: DiffScale | None = None,
    lang: Lang = EN,
    formats: Sequence[str] = figure.FORMATS,
    width: float = 12.0,
    page: bool = False,
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
    scale
        The colour scales shared by all maps of the comparison; default: this
        variant's own (:func:`shared_scale` of ``[vc]``).
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
    scale = scale or shared_scale([vc])
    reference = runs.scenarios[0]
    origin = reference.layout.origin
    layouts = _lookup_order(runs, vc.scenario.index)
    st = basemap.streets(layouts, origin)
    pts = _map_points([reference.layout, *layouts], st)
    with figure.style(page):
        size = basemap.map_size(pts, width)
        footer = "" if page else canvas.source_line(runs, lang)
        # "compressed": the page map's height is fitted to its content (fit_page), and an
        # equal-aspect map left in a taller cell would push its title off the figure.
        fig = figure.new_figure((size[0], size[1] + 0.9), footer,
                                "compressed" if page else "constrained")
        m = basemap.map_axes(fig, page)
        ax = m.map
        basemap.draw_spaces(ax, layouts, origin)
        inst = basemap.draw_buildings(ax, layouts, origin, lang)
        streets, kinds, network = _draw_streets(ax, runs, vc, st, scale.streets, lang)
        places, drawn = _draw_places(ax, runs, vc, scale.places)
        extent = basemap.fit_extent(ax, pts)
        basemap.frame(ax)
        basemap.north_arrow(ax, lang)
        basemap.scale_bar(ax, lang)
        basemap.locator(m.inset, reference.layout, lang, extent)
        heading = lang.t("cmp.diff_title", variant=canvas.title(vc.scenario),
                         reference=canvas.title(reference))  # fmt: skip
        heading += f"\n{lang.t('cmp.diff_sub', n=len(runs.seeds))}"
        basemap.map_title(m, heading)
        same = lang.t("cmp.same_scale")
        for mappable, key in ((streets, "cmp.street_change"), (places, "cmp.place_change")):
            bar = fig.colorbar(mappable, ax=ax, location="bottom", shrink=0.6, aspect=40,
                               pad=0.015, label=f"{lang.t(key)}\n({same})")  # fmt: skip
            bar.formatter = mpl.ticker.FuncFormatter(lambda v, _: lang.tick(v, signed=True))
        changes = [
            Line2D([], [], ls="", label=lang.t("map.changes")),
            Line2D([], [], ls="", marker="o", ms=8, mfc="white", mec="black",
                   label=lang.t("cmp.venue")),
            Line2D([], [], ls="", marker="s", ms=8, mfc="white", mec="black",
                   label=lang.t("cmp.space")),
            Line2D([], [], ls="", marker="o", ms=8, mfc="white", mec="0.6",
                   label=textwrap.fill(lang.t("cmp.faint"), 34)),
            *network,
        ]  # fmt: skip
        basemap.side_legend(m.side, [*changes, *inst, *kinds], page=page)
        basemap.fit_page(m, bars=2)
        figure.freeze_layout(fig)
        moved = basemap.settle_inset(m)
        avoid = [*basemap.label_streets(ax, st), *moved]
        items = _labels(drawn, LABELLED_PLACES, lang)
        items += _labels(_street_marks(runs, vc, st), LABELLED_STREETS, lang)
        basemap.label_places(ax, items, avoid, size=7.0 if page else 8.0)
        return figure.save(fig, out_dir, stem, formats)
