"""The one map style of every map (run, compare, rank): what a planning office expects.

Building footprints coloured by institution (buildings without a ``footprint`` get a
square at their entrances), streets drawn by kind with the names of the main streets
along them, public spaces as soft areas, a north arrow, a scale bar in metres, no axis
ticks, place labels moved apart with leader lines (adjustText), and a locator inset
that shows where the district lies in Copenhagen.

Coordinates are metres east and north of one origin, computed from each node's lat/lon,
so layouts with different origins (a reference and its variants) draw in one frame.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import adjustText
import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection, PatchCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Circle, FancyArrowPatch, Patch, Polygon, Rectangle
from matplotlib.text import Text
from mpl_toolkits.axes_grid1.anchored_artists import AnchoredSizeBar

from sim.geometry import to_local_xy
from sim.i18n import Lang
from sim.layout import Building, Layout
from sim.outputs import figure

INSTITUTION_COLOURS: tuple[str, ...] = (
    "#77aadd", "#ee8866", "#eedd88", "#ffaabb", "#99ddff", "#44bb99", "#bbcc33",
    "#aaaa00", "#dddddd",
)  # fmt: skip
"""Paul Tol's light scheme: pale enough to sit under data, told apart by colour-blind readers."""

STREET_STYLES: dict[str, dict[str, Any]] = {
    "main": {"colors": "0.74", "linewidths": 3.4, "capstyle": "round"},
    "street": {"colors": "0.80", "linewidths": 2.0, "capstyle": "round"},
    "footpath": {"colors": "0.62", "linewidths": 0.8, "linestyles": (0, (2.5, 1.5))},
    "park_path": {"colors": "#6a9f6a", "linewidths": 0.9, "linestyles": (0, (2.5, 1.5))},
    "crossing": {"colors": "0.35", "linewidths": 1.4, "linestyles": (0, (1, 1))},
}
"""Base style per kind of street; ``main`` is a ``street`` with high traffic."""

def _backing(alpha: float = 0.75) -> dict[str, Any]:
    """A soft white box behind a label: unlike a stroked halo (a path effect), it keeps
    the label as text in SVG and PDF, selectable and editable."""
    return {"boxstyle": "round,pad=0.12", "facecolor": "white", "edgecolor": "none",
            "alpha": alpha}  # fmt: skip

LOCATOR: tuple[tuple[str, float, float], ...] = (
    ("locator.city_hall", 55.6759, 12.5691),
    ("locator.norreport", 55.6834, 12.5716),
    ("locator.osterport", 55.6925, 12.5868),
    ("locator.norrebro", 55.7006, 12.5378),
    ("locator.central", 55.6727, 12.5647),
)
"""Landmarks of central Copenhagen for the locator inset (approximate, to about 50 m)."""
LAKES: tuple[tuple[float, float], ...] = (
    (55.6742, 12.5548), (55.6790, 12.5590), (55.6862, 12.5667), (55.6905, 12.5733),
    (55.6957, 12.5815),
)  # fmt: skip
"""The Lakes (Søerne), a chain south-west to north-east (approximate centre line)."""
LOCATOR_REACH_M = 8000.0
"""The locator is drawn only for a district within this distance of the landmarks."""


@dataclass(frozen=True)
class Streets:
    """Street segments of one or more layouts in one frame.

    Attributes
    ----------
    ids
        Edge ids, the union over the layouts (first layout's geometry wins).
    segs
        ``(n, 2, 2)`` end points in metres.
    kinds
        ``main``, ``street``, ``footpath``, ``park_path`` or ``crossing``.
    names
        Street names (``""`` where none).
    """

    ids: tuple[str, ...]
    segs: np.ndarray
    kinds: tuple[str, ...]
    names: tuple[str, ...]


def node_xy(layout: Layout, node: str, origin: tuple[float, float]) -> tuple[float, float]:
    """Metres east and north of ``origin`` of ``node`` in ``layout``."""
    n = layout.nodes[node]
    x, y = to_local_xy(n.lat, n.lon, *origin)
    return float(x), float(y)


def _kind(kind: str, traffic: str) -> str:
    return "main" if kind == "street" and traffic == "high" else kind


def streets(layouts: Sequence[Layout], origin: tuple[float, float]) -> Streets:
    """Every edge of ``layouts`` (union by id, the first layout's geometry wins)."""
    seen: dict[str, tuple[Any, str, str]] = {}
    for layout in layouts:
        for eid, e in layout.edges.items():
            if eid not in seen:
                ends = (node_xy(layout, e.source, origin), node_xy(layout, e.target, origin))
                seen[eid] = (ends, _kind(e.kind, e.traffic), e.name)
    ids = tuple(seen)
    segs = np.array([seen[e][0] for e in ids], dtype=float).reshape(-1, 2, 2)
    return Streets(ids, segs, tuple(seen[e][1] for e in ids), tuple(seen[e][2] for e in ids))


def footprint_rings(building: Building, origin: tuple[float, float]) -> list[np.ndarray]:
    """The outline rings of a building's ``footprint`` in metres about ``origin``.

    Projected from lat/lon rather than read from ``footprint_xy``, so a variant's
    building lines up with the reference's frame when the two origins differ. Empty
    for a building without a footprint.
    """
    rings = []
    for ring in getattr(building, "footprint", ()) or ():
        lat, lon = np.array(ring, dtype=float).reshape(-1, 2).T
        x, y = to_local_xy(lat, lon, *origin)
        rings.append(np.column_stack([x, y]))
    return rings


def institution_colours(layouts: Sequence[Layout]) -> dict[str, str]:
    """A colour per institution id, in order of first appearance over ``layouts``."""
    ids = dict.fromkeys(i for layout in layouts for i in layout.institutions)
    return {i: INSTITUTION_COLOURS[k % len(INSTITUTION_COLOURS)] for k, i in enumerate(ids)}


def building_anchor(
    layout: Layout, building: Building, origin: tuple[float, float]
) -> tuple[float, float]:
    """Where a building's label points: its footprint's centre, else its entrances' mean."""
    rings = footprint_rings(building, origin)
    if rings:
        # The centre of the largest ring: labels point at the main body of a building.
        ring = max(rings, key=lambda r: float(np.ptp(r[:, 0]) * np.ptp(r[:, 1])))
        x, y = ring[:-1].mean(axis=0) if len(ring) > 3 else ring.mean(axis=0)
        return float(x), float(y)
    pts = np.array([node_xy(layout, n, origin) for n in building.entrances])
    return float(pts[:, 0].mean()), float(pts[:, 1].mean())


def draw_buildings(
    ax: Axes, layouts: Sequence[Layout], origin: tuple[float, float], lang: Lang
) -> list[Any]:
    """Footprints (or entrance squares) coloured by institution; returns legend handles.

    Buildings are taken from every layout, the first layout's version winning, so a
    variant's new building shows on a comparison's map as well.
    """
    colours = institution_colours(layouts)
    names: dict[str, str] = {}
    drawn: set[str] = set()
    polys, poly_colours, squares, square_colours = [], [], [], []
    for layout in layouts:
        names.update({k: v.name for k, v in layout.institutions.items() if k not in names})
        for bid, b in layout.buildings.items():
            if bid in drawn:
                continue
            drawn.add(bid)
            colour = colours.get(b.institutions[0], "#dddddd") if b.institutions else "#dddddd"
            rings = footprint_rings(b, origin)
            if rings:
                polys += [Polygon(ring, closed=True) for ring in rings]
                poly_colours += [colour] * len(rings)
            else:
                squares.append(building_anchor(layout, b, origin))
                square_colours.append(colour)
    if polys:
        ax.add_collection(PatchCollection(polys, facecolors=poly_colours, edgecolors="0.45",
                                          linewidths=0.5, zorder=0.5))  # fmt: skip
    if squares:
        xy = np.array(squares)
        ax.scatter(xy[:, 0], xy[:, 1], s=70, marker="s", c=square_colours, edgecolors="0.45",
                   linewidths=0.5, zorder=0.6)  # fmt: skip
    used = {b.institutions[0] for layout in layouts for b in layout.buildings.values()
            if b.institutions}  # fmt: skip
    handles: list[Any] = [Line2D([], [], ls="", label=lang.t("map.buildings_by_institution"))]
    handles += [
        Patch(facecolor=colours[i], edgecolor="0.45", lw=0.5, label=textwrap.fill(names[i], 34))
        for i in colours
        if i in used
    ]
    return handles


def draw_spaces(ax: Axes, layouts: Sequence[Layout], origin: tuple[float, float]) -> None:
    """Public spaces as soft discs of their area: parks green, plazas sand."""
    seen: set[str] = set()
    for layout in layouts:
        for sid, s in layout.spaces.items():
            if sid in seen:
                continue
            seen.add(sid)
            x, y = node_xy(layout, s.node, origin)
            colour = "#e3f0dc" if s.kind == "park" else "#f3ecdc"
            radius = math.sqrt(max(s.area_m2, 1.0) / math.pi)
            ax.add_patch(Circle((x, y), radius, facecolor=colour, edgecolor="none", zorder=0.2))


def draw_streets(ax: Axes, st: Streets, lang: Lang, mask: np.ndarray | None = None) -> list[Any]:
    """The base network by kind (``mask`` limits it to some segments); legend handles."""
    kinds = np.array(st.kinds)
    keep = np.ones(len(kinds), dtype=bool) if mask is None else mask
    handles: list[Any] = [Line2D([], [], ls="", label=lang.t("map.streets"))]
    for kind, spec in STREET_STYLES.items():
        sel = keep & (kinds == kind)
        if not sel.any():
            continue
        z = 1.0 if kind in ("main", "street") else 1.1
        ax.add_collection(LineCollection(st.segs[sel], zorder=z, **spec))
        style = spec.get("linestyles", "-")
        handles.append(Line2D([], [], color=spec["colors"], lw=min(spec["linewidths"], 3.0),
                              ls=style, label=lang.t(f"street.{kind}")))  # fmt: skip
    return handles


def _chains(st: Streets, name: str) -> list[np.ndarray]:
    """Indices of the segments named ``name``, longest first."""
    sel = [i for i, n in enumerate(st.names) if n == name]
    lengths = np.array([np.hypot(*(st.segs[i, 1] - st.segs[i, 0])) for i in sel])
    return [np.array(sel)[np.argsort(-lengths)]]


def label_streets(ax: Axes, st: Streets, max_names: int = 8) -> list[Text]:
    """Names of the main streets, once each, along their longest segment.

    Returns the text objects, for the place labels to keep clear of.
    """
    main = [n for n, k in zip(st.names, st.kinds, strict=True) if n and k == "main"]
    # Longest streets first: they frame the district.
    totals: dict[str, float] = {}
    for i, (n, k) in enumerate(zip(st.names, st.kinds, strict=True)):
        if n and k == "main":
            totals[n] = totals.get(n, 0.0) + float(np.hypot(*(st.segs[i, 1] - st.segs[i, 0])))
    texts = []
    for name in sorted(dict.fromkeys(main), key=lambda n: -totals[n])[:max_names]:
        best = _chains(st, name)[0][0]
        (x0, y0), (x1, y1) = st.segs[best]
        angle = math.degrees(math.atan2(y1 - y0, x1 - x0))
        if angle > 90:
            angle -= 180
        elif angle < -90:
            angle += 180
        texts.append(ax.text((x0 + x1) / 2, (y0 + y1) / 2, name, rotation=angle,
                             rotation_mode="anchor", ha="center", va="center", fontsize=7.5,
                             style="italic", color="0.25", zorder=4, bbox=_backing(0.6),
                             transform_rotates_text=True))  # fmt: skip
    return texts


LABEL_ITERATIONS = 300
"""Steps of adjustText's label placement. Its pushes rarely settle to no overlap on a
busy map; they cycle. A fixed count (not a time limit) makes a map the same on any
machine, and the labels end where the overlap was least during those steps."""


@contextmanager
def _least_overlap(steps: int) -> Iterator[None]:
    """While active, adjustText ends its ``steps`` steps where its overlap (the error it
    measures before each step) was least, rather than wherever its last step left it.

    adjustText has no hook for this, so its module-level ``iterate`` is wrapped for the
    duration of one call: at the last step the best positions seen are returned.
    """
    real = adjustText.iterate
    best: dict[str, Any] = {"error": math.inf, "coords": None, "step": 0}

    def iterate(coords: np.ndarray, *args: Any, **kwargs: Any) -> tuple[np.ndarray, float]:
        new, error = real(coords, *args, **kwargs)
        best["step"] += 1
        if error < best["error"]:
            best["error"], best["coords"] = error, coords.copy()
        if best["step"] == steps and best["coords"] is not None:
            return best["coords"], error
        return new, error

    adjustText.iterate = iterate
    try:
        yield
    finally:
        adjustText.iterate = real


def label_places(
    ax: Axes,
    items: Sequence[tuple[float, float, str]],
    avoid: Sequence[Any] = (),
    size: float = 8.5,
) -> list[Text]:
    """Labels at ``(x, y, text)`` moved apart with leader lines, clear of ``avoid``.

    The figure's layout must be frozen first (:func:`sim.outputs.figure.freeze_layout`):
    overlaps are measured on the page.
    """
    if not items:
        return []
    texts = [
        ax.text(x, y, label, fontsize=size, zorder=6, bbox=_backing(), ha="center",
                va="center", linespacing=1.0)
        for x, y, label in items
    ]
    xs = np.array([i[0] for i in items])
    ys = np.array([i[1] for i in items])
    arrows = _adjust(ax, texts, xs, ys, avoid)
    panels = [a for a in avoid if isinstance(a, Axes)]
    for k in _clear_of_panels(ax, texts, panels):
        # Its leader line starts at the label's new place.
        t = texts[k]
        for arrow in [a for a in arrows if getattr(a, "patchA", None) is t]:
            arrow.remove()
        # The text as the line's start patch, as adjustText draws it: the line stops at
        # the label's box.
        ax.add_patch(FancyArrowPatch(posA=t.get_position(), posB=(xs[k], ys[k]),
                                     patchA=t,  # type: ignore[arg-type]
                                     transform=ax.transData, **_LEADER))  # fmt: skip
    for t in texts:
        t.set_zorder(6)
    return texts


_LEADER: dict[str, Any] = {"arrowstyle": "-", "color": "0.3", "lw": 0.7, "shrinkA": 1,
                           "shrinkB": 2}  # fmt: skip
"""A place label's leader line to its place."""


def _adjust(
    ax: Axes, texts: list[Text], xs: np.ndarray, ys: np.ndarray, avoid: Sequence[Any]
) -> list[Any]:
    """adjustText's placement of ``texts`` for the targets ``(xs, ys)``; returns the
    leader lines it drew."""
    with _least_overlap(LABEL_ITERATIONS):
        _, arrows = adjustText.adjust_text(
            texts, target_x=xs, target_y=ys, objects=list(avoid) or None, ax=ax,
            expand=(1.15, 1.35), force_text=(0.3, 0.5), force_static=(0.3, 0.5),
            force_explode=(0.4, 0.8), min_arrow_len=4, ensure_inside_axes=True,
            iter_lim=LABEL_ITERATIONS, arrowprops=dict(_LEADER))  # fmt: skip
    return list(arrows)


def _clear_of_panels(ax: Axes, texts: list[Text], panels: list[Axes]) -> list[int]:
    """Move each text that overlaps a panel drawn on the map the shortest way out of it,
    staying on the map; the indices of the texts moved.

    adjustText pushes labels away from a panel only as hard as their neighbours push
    back, and a label can end partly under the locator in the map's corner (as the
    baseline's "Maersk Tower" did on the run report's map)."""
    if not panels:
        return []
    renderer = ax.figure.canvas.get_renderer()  # type: ignore[attr-defined]
    frame = ax.get_window_extent(renderer)
    pad = 4.0  # display units (pixels)
    moved = []
    for k, t in enumerate(texts):
        box = t.get_window_extent(renderer)
        for panel in panels:
            p = panel.get_window_extent(renderer)
            if not box.overlaps(p):
                continue
            shifts = [(p.x1 - box.x0 + pad, 0.0), (p.x0 - box.x1 - pad, 0.0),
                      (0.0, p.y1 - box.y0 + pad), (0.0, p.y0 - box.y1 - pad)]  # fmt: skip
            inside = [(dx, dy) for dx, dy in shifts
                      if frame.x0 <= box.x0 + dx and box.x1 + dx <= frame.x1
                      and frame.y0 <= box.y0 + dy and box.y1 + dy <= frame.y1]  # fmt: skip
            if not inside:
                continue
            dx, dy = min(inside, key=lambda s: abs(s[0]) + abs(s[1]))
            x, y = ax.transData.transform(t.get_position())
            new_x, new_y = ax.transData.inverted().transform((x + dx, y + dy))
            t.set_position((float(new_x), float(new_y)))
            box = t.get_window_extent(renderer)
            if k not in moved:
                moved.append(k)
    return moved


def north_arrow(ax: Axes, lang: Lang) -> None:
    """A small north arrow in the upper-right corner (the frame is not rotated)."""
    ax.annotate("", xy=(0.965, 0.975), xytext=(0.965, 0.915), xycoords="axes fraction",
                arrowprops={"arrowstyle": "-|>,head_width=0.35,head_length=0.7",
                            "color": "0.15", "lw": 1.6}, zorder=7)  # fmt: skip
    ax.text(0.965, 0.905, lang.t("map.north"), transform=ax.transAxes, ha="center", va="top",
            fontsize=10, fontweight="bold", zorder=7)  # fmt: skip


def _nice_length(target: float) -> float:
    """The largest 1, 2 or 5 × 10^k not above ``target`` metres."""
    power = 10.0 ** math.floor(math.log10(max(target, 1e-9)))
    return next(m * power for m in (5.0, 2.0, 1.0) if m * power <= target * (1 + 1e-9))


def scale_bar(ax: Axes, lang: Lang) -> None:
    """A bar of a round length (about a quarter of the map's width), lower right, boxed."""
    x0, x1 = ax.get_xlim()
    length = _nice_length((x1 - x0) / 4.0)
    bar = AnchoredSizeBar(ax.transData, length, f"{lang.count(length)} m", "lower right",
                          pad=0.4, borderpad=0.6, sep=3, frameon=True, size_vertical=0,
                          fontproperties={"size": 8})  # fmt: skip
    bar.patch.set_facecolor("white")
    bar.patch.set_alpha(0.85)
    bar.patch.set_edgecolor("0.6")
    bar.set_zorder(7)
    ax.add_artist(bar)


def frame(ax: Axes) -> None:
    """A plain map frame: equal scale, no ticks (local metres mean nothing to a reader)."""
    ax.set_aspect("equal", adjustable="box")
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(True)
        spine.set_color("0.4")
        spine.set_linewidth(0.8)


def locator(ax: Axes, layout: Layout, lang: Lang, extent: np.ndarray) -> bool:
    """Draw the locator: the district's outline among central Copenhagen's landmarks.

    ``extent`` is ``[[xmin, ymin], [xmax, ymax]]`` of the main map in metres about
    ``layout.origin``. Returns ``False`` (and hides ``ax``) for a layout outside
    Copenhagen, where the landmarks mean nothing.
    """
    lat0, lon0 = layout.origin
    lx, ly = to_local_xy(np.array([p[1] for p in LOCATOR]), np.array([p[2] for p in LOCATOR]),
                         lat0, lon0)  # fmt: skip
    centre = extent.mean(axis=0)
    if float(np.min(np.hypot(lx - centre[0], ly - centre[1]))) > LOCATOR_REACH_M:
        ax.set_visible(False)
        return False
    kx, ky = to_local_xy(np.array([p[0] for p in LAKES]), np.array([p[1] for p in LAKES]),
                         lat0, lon0)  # fmt: skip
    ax.plot(kx, ky, color="#9cc3e4", lw=4.0, solid_capstyle="round", zorder=1)
    # Above the point, not below: below it, a small locator put the name on Nørreport's.
    ax.text(kx[2], ky[2], " " + lang.t("locator.lakes"), fontsize=6.5, color="#4a7fb0",
            ha="left", va="bottom", zorder=2)  # fmt: skip
    ax.scatter(lx, ly, s=10, color="0.25", zorder=3)
    for (key, _, _), x, y in zip(LOCATOR, lx, ly, strict=True):
        ax.text(x, y, " " + lang.t(key), fontsize=6.5, ha="left", va="center", zorder=3,
                color="0.2")  # fmt: skip
    (x0, y0), (x1, y1) = extent
    ax.add_patch(Rectangle((x0, y0), x1 - x0, y1 - y0, facecolor="#d6604d", alpha=0.35,
                           edgecolor="#b2182b", lw=1.2, zorder=4))  # fmt: skip
    ax.text((x0 + x1) / 2, y1, lang.t("locator.this_map"), ha="center", va="bottom",
            fontsize=7, color="#b2182b", fontweight="bold", zorder=4)  # fmt: skip
    xs = np.concatenate([lx, kx, [x0, x1]])
    ys = np.concatenate([ly, ky, [y0, y1]])
    pad = 500.0
    ax.set_xlim(xs.min() - pad, xs.max() + 4 * pad)
    ax.set_ylim(ys.min() - pad, ys.max() + pad)
    frame(ax)
    ax.set_title(lang.t("locator.title"), fontsize=8, loc="left")
    return True


@dataclass
class MapAxes:
    """The panels of a map figure: the map, the side column (legend) and the locator.

    ``page``: laid out for a page of ``report.pdf`` (:func:`map_axes`).
    """

    fig: Figure
    map: Axes
    side: Axes
    inset: Axes
    page: bool = False


PAGE_SIDE = 0.37
"""Share of a page map's width that its legend column takes."""


def map_axes(fig: Figure, page: bool = False) -> MapAxes:
    """Lay out a map figure: the map on the left, legend and locator on the right.

    ``page``: a map at the width of a page of ``report.pdf``. Its legend (at
    :func:`sim.outputs.figure.page_text` sizes) takes the whole height of the side
    column and the locator sits in the map's lower-left corner: a page-wide figure has
    no room for both beside the map, and a legend that reached below its panel would
    leave the layout no room for the map at all.
    """
    if page:
        grid = fig.add_gridspec(1, 2, width_ratios=(1.0 - PAGE_SIDE, PAGE_SIDE))
        ax = fig.add_subplot(grid[0, 0])
        side = fig.add_subplot(grid[0, 1])
        # Placed on the map once the layout is solved (settle_inset).
        inset = fig.add_axes((0.0, 0.0, 0.2, 0.2))
        inset.set_in_layout(False)
    else:
        grid = fig.add_gridspec(2, 2, width_ratios=(3.3, 1.35), height_ratios=(2.6, 1.0))
        ax = fig.add_subplot(grid[:, 0])
        side = fig.add_subplot(grid[0, 1])
        inset = fig.add_subplot(grid[1, 1])
    side.axis("off")
    return MapAxes(fig, ax, side, inset, page)


def settle_inset(m: MapAxes) -> list[Axes]:
    """Move the locator into the map's lower-left corner if the legend reaches down to it.

    Call after the layout is frozen: it compares the drawn legend with the inset. A
    page map's locator always goes there. Returns the inset if it now lies on the map
    (labels must keep clear of it).
    """
    legend = m.side.get_legend()
    if not m.inset.get_visible() or (legend is None and not m.page):
        return []
    if not m.page and legend is not None:
        renderer = m.fig.canvas.get_renderer()  # type: ignore[attr-defined]
        low = legend.get_window_extent(renderer).y0
        top = m.inset.get_tightbbox(renderer)
        if top is None or low > top.y1:
            return []
    box = m.map.get_position()
    w = 0.27 * box.width
    if m.page:
        # Its own data limits give the locator's shape (equal aspect).
        x0, x1 = m.inset.get_xlim()
        y0, y1 = m.inset.get_ylim()
        fig_w, fig_h = m.fig.get_size_inches()
        h = w * fig_w * (y1 - y0) / max(x1 - x0, 1e-9) / fig_h
    else:
        inset = m.inset.get_position()
        h = w * inset.height / max(inset.width, 1e-9)
    m.inset.set_position((box.x0 + 0.01 * box.width, box.y0 + 0.01 * box.height, w, h))
    m.inset.set_facecolor("white")
    m.inset.set_zorder(8)
    m.inset.set_title("", loc="left")
    return [m.inset]


def map_title(m: MapAxes, text: str) -> None:
    """The map's title, wrapped to the figure's width (at page size on a page map)."""
    width = float(m.fig.get_figwidth())
    if m.page:
        m.map.set_title(figure.wrap(text, width - 0.2, 11.0), loc="left")
    else:
        m.map.set_title(figure.wrap(text, 0.9 * width, 14.0), loc="left")


def fit_page(m: MapAxes, bars: int) -> None:
    """Make a page map's figure tall enough for its title, map, colour bars and legend.

    The map's height follows from its width and aspect ratio, with ``bars`` colour bars
    below it; the legend hangs from the map's top edge. Call once the title, colour bars
    and legend exist and before the layout is solved.
    """
    if not m.page:
        return
    fig = m.fig
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    width = float(fig.get_size_inches()[0])
    title = m.map.title.get_window_extent(renderer).height / fig.dpi + 0.25
    legend = m.side.get_legend()
    legend_h = legend.get_window_extent(renderer).height / fig.dpi if legend else 0.0
    x0, x1 = m.map.get_xlim()
    y0, y1 = m.map.get_ylim()
    map_h = (1.0 - PAGE_SIDE) * (width - 0.3) * (y1 - y0) / max(x1 - x0, 1e-9)
    # A colour bar with its ticks and a two-line label at page sizes.
    need = title + max(map_h + 0.75 * bars, legend_h) + 0.15
    fig.set_size_inches(width, need)


def fit_extent(ax: Axes, pts: np.ndarray, margin: float = 0.06) -> np.ndarray:
    """Limit the map to ``pts`` plus a margin; returns ``[[xmin, ymin], [xmax, ymax]]``."""
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    pad = margin * float(np.max(hi - lo) or 100.0)
    ax.set_xlim(lo[0] - pad, hi[0] + pad)
    ax.set_ylim(lo[1] - pad, hi[1] + pad)
    return np.array([lo - pad, hi + pad])


def map_size(pts: np.ndarray, width: float = 12.0) -> tuple[float, float]:
    """Figure size for a map of ``pts``: tall districts get taller figures."""
    span = np.ptp(pts, axis=0) if len(pts) else np.ones(2)
    aspect = float(span[1] / span[0]) if span[0] > 0 else 1.0
    return width, float(np.clip(0.72 * width * aspect * 0.8 + 2.2, 6.0, 12.5))


def side_legend(
    side: Axes, handles: list[Any], title: str | None = None, page: bool = False
) -> None:
    """The legend in the side panel; handles with no marker and no line are headings.

    ``page``: the smaller text and tighter rows of a map for a page of ``report.pdf``.
    """
    if page:
        # Labels wrapped for the narrow column of a page map.
        for h in handles:
            h.set_label(textwrap.fill(h.get_label().replace("\n", " "), 36))
    size, spacing = (7.0, 0.35) if page else (8.0, 0.7)
    for h in handles:
        # A row is as tall as its text: a marker taller than a row (the size key of a
        # map's circles) gets blank lines above and below its label, so that it does not
        # reach into the rows next to it.
        if isinstance(h, Line2D) and h.get_marker() not in ("None", "", None):
            extra = (h.get_markersize() - size * (1.0 + spacing)) / (2.0 * 1.2 * size)
            if extra > 0:
                pad = "\n" * math.ceil(extra)
                h.set_label(f"{pad}{h.get_label()}{pad}")
    leg = side.legend(handles=handles, loc="upper left", frameon=False,
                      fontsize=size, title=title, title_fontsize=9,
                      alignment="left", borderaxespad=0.0, handlelength=2.2,
                      labelspacing=spacing)  # fmt: skip
    for text, handle in zip(leg.get_texts(), handles, strict=True):
        if isinstance(handle, Line2D) and handle.get_linestyle() in ("None", "") and \
                handle.get_marker() in ("None", "", None):  # fmt: skip
            text.set_fontweight("bold")
