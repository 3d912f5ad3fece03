"""The ranking's figures: effects of the top K with intervals, and a map of where they are.

Both use the shared figure helpers (:mod:`sim.outputs.figure`: style, a source line
naming base, seeds and scale, PNG + SVG + PDF) and the map the one map style
(:mod:`sim.outputs.basemap`), so they sit beside ``compare``'s figures in a report.
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.lines import Line2D

import sim
from sim.geometry import to_local_xy
from sim.i18n import EN, Lang
from sim.outputs import basemap, figure
from sim.rank.base import Base
from sim.rank.candidates import Candidate, _coords
from sim.rank.ranking import Entry, Ranking
from sim.rank.runs import FIGURE

MAP_TOP = 10
"""Candidates drawn and numbered on the map."""
KIND_COLOURS: dict[str, str] = {
    "links": "#332288", "frontage": "#cc6677", "cafes": "#117733", "file": "#aa4499",
    "bundle": "#882255",
}  # fmt: skip


_OFFSETS: tuple[tuple[float, float], ...] = (
    (12, 12), (-12, -12), (12, -12), (-12, 12), (0, 16), (16, 0), (0, -16), (-16, 0),
)  # fmt: skip
"""Offsets of the numbered badges from the candidates they name, points: badge ``k``
tries offset ``k - 1`` first, so that neighbours point in different directions."""
BADGE_GAP_PT = 17.0
"""Least distance between two badges' centres, points (a badge is about 14 pt across)."""


def badge_offsets(anchors_pt: np.ndarray) -> list[tuple[float, float]]:
    """Where each numbered badge goes, as an offset in points from its anchor.

    ``anchors_pt``: the anchors on the page (n, 2), in points, in badge order. Each
    badge takes the first of its offsets (:data:`_OFFSETS`, starting at its own, then
    the same directions twice as far) that keeps it :data:`BADGE_GAP_PT` from the
    badges placed before it, else the one farthest from them. Candidates whose
    anchors lie close together (two links from one junction) then keep their
    numbers apart.
    """
    rings = [*_OFFSETS, *((2 * dx, 2 * dy) for dx, dy in _OFFSETS)]
    placed: list[np.ndarray] = []
    out: list[tuple[float, float]] = []
    for k, anchor in enumerate(np.asarray(anchors_pt, float)):
        own = k % len(_OFFSETS)
        order = [*range(own, len(_OFFSETS)), *range(own), *range(len(_OFFSETS), len(rings))]
        best, best_gap = rings[own], -1.0
        for i in order:
            centre = anchor + np.array(rings[i])
            gap = min((float(np.hypot(*(centre - q))) for q in placed), default=np.inf)
            if gap >= BADGE_GAP_PT:
                best = rings[i]
                break
            if gap > best_gap:
                best, best_gap = rings[i], gap
        placed.append(anchor + np.array(best))
        out.append(best)
    return out


def source_line(base: Base, ranking: Ranking, lang: Lang = EN) -> str:
    """Provenance: base file, seeds, scale, version, data credits."""
    s = ranking.settings
    parts = [
        lang.t("rank.src", version=sim.__version__),
        lang.t("rank.src_base", path=base.path),
        lang.t("rank.src_top", k=s.keep, n=s.final_seeds),
    ]
    if s.scale != 1.0:
        parts.append(lang.t("rank.src_scale", scale=lang.tick(s.scale)))
    if base.layout.attribution:
        parts.append(base.layout.attribution)
    return "  ·  ".join(parts)


def _short(e: Entry, lang: Lang, width: int = 46) -> str:
    return textwrap.shorten(e.candidate.text(lang), width=width, placeholder=" …")


def plot_effects(base: Base, ranking: Ranking, out_dir: Path, lang: Lang = EN) -> list[Path]:
    """Horizontal bars: each top-K candidate's effect in % with its 95 % interval."""
    top = ranking.top()
    if not top:
        return []
    pct = np.array([100 * (e.difference.relative or 0.0) for e in top])
    lo = np.array([100 * (e.difference.relative_low or 0.0) for e in top])
    hi = np.array([100 * (e.difference.relative_high or 0.0) for e in top])
    y = np.arange(len(top))[::-1]
    with figure.style():
        fig = figure.new_figure((9.0, 1.4 + 0.45 * len(top)), source_line(base, ranking, lang))
        ax = fig.add_subplot()
        colours = [KIND_COLOURS.get(e.candidate.kind, "0.4") for e in top]
        ax.barh(y, pct, color=colours, height=0.6)
        ax.errorbar(pct, y, xerr=[pct - lo, hi - pct], fmt="none", ecolor="black", capsize=3,
                    lw=1)  # fmt: skip
        ax.axvline(0, color="0.3", lw=0.8)
        ax.set_yticks(y, [f"{e.rank}. {_short(e, lang)}" for e in top], fontsize=9)
        ax.xaxis.set_major_formatter(lambda v, _: lang.tick(v, signed=True))
        what = lang.figure_phrase(FIGURE)
        ax.set_xlabel(textwrap.fill(lang.t("rank.effects_axis", what=what), 55))
        ax.set_title(lang.t("rank.effects_title", n=len(top)))
        kinds = dict.fromkeys(e.candidate.kind for e in top)
        if len(kinds) > 1:
            ax.legend(
                handles=[Line2D([], [], lw=6, color=KIND_COLOURS.get(k, "0.4"),
                                label=lang.term("rank.kind", k)) for k in kinds],
                loc="lower right", frameon=False,
            )  # fmt: skip
        return figure.save(fig, out_dir, "rank_effects")


def _xy(base: Base, lonlat: Any) -> tuple[float, float]:
    lat0, lon0 = base.layout.origin
    x, y = to_local_xy(lonlat[1], lonlat[0], lat0, lon0)
    return float(x), float(y)


def _draw_candidate(ax: Any, base: Base, c: Candidate, colour: str) -> None:
    """Lines of a candidate's geometry thick, its points as dots."""
    geoms = (
        c.geometry["geometries"]
        if c.geometry and c.geometry["type"] == "GeometryCollection"
        else [c.geometry]
        if c.geometry
        else []
    )
    for g in geoms:
        if g["type"] in ("LineString", "MultiLineString"):
            lines = [g["coordinates"]] if g["type"] == "LineString" else g["coordinates"]
            segs = [[_xy(base, p) for p in line] for line in lines]
            ax.add_collection(LineCollection(segs, colors=colour, linewidths=3.0, zorder=3))
        else:
            pts = np.array([_xy(base, p) for p in _coords(g)])
            ax.scatter(pts[:, 0], pts[:, 1], s=60, color=colour, edgecolor="white", zorder=4)


def plot_map(base: Base, ranking: Ranking, out_dir: Path, lang: Lang = EN) -> list[Path]:
    """The district in the one map style with the top candidates drawn and numbered."""
    top = [e for e in ranking.top()[:MAP_TOP] if e.candidate.geometry]
    layout = base.layout
    origin = layout.origin
    st = basemap.streets([layout], origin)
    pts = np.concatenate([st.segs.reshape(-1, 2),
                          *[r for b in layout.buildings.values()
                            for r in basemap.footprint_rings(b, origin)]])  # fmt: skip
    with figure.style():
        # "compressed": constrained layout leaves an equal-aspect map's title above the
        # figure's top edge when no colour bar sits below the map.
        fig = figure.new_figure(basemap.map_size(pts), source_line(base, ranking, lang),
                                layout="compressed")
        m = basemap.map_axes(fig)
        ax = m.map
        basemap.draw_spaces(ax, [layout], origin)
        inst = basemap.draw_buildings(ax, [layout], origin, lang)
        kinds = basemap.draw_streets(ax, st, lang)
        handles: list[Any] = [Line2D([], [], ls="", label=lang.t("rank.map_legend"))]
        badges: list[tuple[Entry, str, tuple[float, float]]] = []
        for e in top:
            colour = KIND_COLOURS.get(e.candidate.kind, "0.3")
            _draw_candidate(ax, base, e.candidate, colour)
            anchor = e.candidate.anchor()
            if anchor is None:
                continue
            badges.append((e, colour, _xy(base, anchor)))
            d = e.difference
            pct = lang.pct(d.relative) if d.relative is not None else lang.t("n/a")
            label = f"{textwrap.fill(_short(e, lang, 60), 34)}: {pct}"
            handles.append(Line2D([], [], ls="", marker=f"${e.rank}$", ms=8, color=colour,
                                  label=label))  # fmt: skip
        extent = basemap.fit_extent(ax, pts)
        basemap.frame(ax)
        basemap.north_arrow(ax, lang)
        basemap.scale_bar(ax, lang)
        basemap.locator(m.inset, layout, lang, extent)
        # One line: a wrapped second line overruns the top of a map figure (equal aspect).
        title = lang.t("rank.map_title", n=len(top))
        ax.set_title(figure.wrap(title, 10.0, 14.0), loc="left")
        basemap.side_legend(m.side, [*handles, *inst, *kinds])
        figure.freeze_layout(fig)
        basemap.settle_inset(m)
        # Placed once the map's scale is fixed, so that badges can keep apart on the page.
        xy = np.array([b[2] for b in badges], float).reshape(-1, 2)
        on_page = ax.transData.transform(xy) * 72.0 / fig.dpi
        for (e, colour, at), (dx, dy) in zip(badges, badge_offsets(on_page), strict=True):
            badge = {"boxstyle": "circle,pad=0.2", "fc": "white", "ec": colour, "lw": 1.2}
            ax.annotate(str(e.rank), at, xytext=(dx, dy), textcoords="offset points",
                        fontsize=9, fontweight="bold", zorder=6, bbox=badge, ha="center",
                        va="center",
                        arrowprops={"arrowstyle": "-", "color": colour, "lw": 0.8})  # fmt: skip
        basemap.label_streets(ax, st)
        return figure.save(fig, out_dir, "rank_map")


def write_figures(base: Base, ranking: Ranking, out_dir: Path, lang: Lang = EN) -> list[Path]:
    """Both figures, in ``lang``."""
    return [*plot_effects(base, ranking, out_dir, lang), *plot_map(base, ranking, out_dir, lang)]
