"""Building footprints: checking the optional ``footprint`` key of a building.

A footprint is one closed ring of ``[lat, lon]`` points (WGS84), or a list of such rings
for a building of several parts. The checks are those of ``docs/layout-format.md``: every
ring closed (its last point repeats its first), at least three distinct corners, enclosing
an area, not crossing itself, and every entrance of the building within
:data:`ENTRANCE_MAX_M` of the footprint. Geometry is done in the layout's local metres.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from sim.geometry import to_local_xy
from sim.layout.checks import Checker, describe
from sim.layout.reader import KeyPath
from sim.layout.schema import Node

Point = tuple[float, float]
Ring = tuple[Point, ...]

ENTRANCE_MAX_M = 100.0
"""How far an entrance may lie from its building's footprint, metres.

Entrances are graph nodes, often on the street in front of a building or at the gate of
a forecourt, so they need not touch the outline; an entrance further away than this is
almost always a footprint drawn at the wrong place (or with lat and lon swapped).
"""

SWAPPED_HINT_M = 20_000.0
"""A footprint this far from its entrances most likely has lat and lon swapped."""


def check_footprint(
    raw: Any,
    path: KeyPath,
    entrances: Sequence[str],
    nodes: Mapping[str, Node],
    origin: Point,
    ck: Checker,
) -> tuple[tuple[Ring, ...], tuple[Ring, ...]]:
    """Check a building's ``footprint`` value.

    Parameters
    ----------
    raw
        The value in the file: one ring (a list of ``[lat, lon]`` points) or a list of rings.
    path
        Key path of the ``footprint`` key.
    entrances
        The building's entrance node ids (already checked).
    nodes
        All nodes, with local coordinates.
    origin
        ``(lat, lon)`` of the layout's local metre grid.
    ck
        Checker that reports problems with file and line.

    Returns
    -------
    rings, rings_xy
        The rings as ``(lat, lon)`` points and in local metres ``(x, y)``, each closed.

    Raises
    ------
    LayoutError
        At the first problem found.
    """
    if not isinstance(raw, list) or not raw:
        ck.fail(path, f"expected a list of [lat, lon] points (a closed ring), got {describe(raw)}")
    several = isinstance(raw[0], list) and bool(raw[0]) and isinstance(raw[0][0], list)
    raw_rings = raw if several else [raw]
    rings: list[Ring] = []
    rings_xy: list[Ring] = []
    for i, raw_ring in enumerate(raw_rings):
        ring_path = (*path, i) if several else path
        ring = _ring(raw_ring, ring_path, ck)
        lats, lons = np.array([p[0] for p in ring]), np.array([p[1] for p in ring])
        xs, ys = to_local_xy(lats, lons, origin[0], origin[1])
        ring_xy = tuple((float(x), float(y)) for x, y in zip(xs, ys, strict=True))
        _check_shape(ring_xy, ring_path, ck)
        rings.append(ring)
        rings_xy.append(ring_xy)
    for nid in entrances:
        node = nodes[nid]
        d = min(distance_to_ring((node.x, node.y), r) for r in rings_xy)
        if d > ENTRANCE_MAX_M:
            hint = "; lat and lon swapped?" if d > SWAPPED_HINT_M else ""
            ck.fail(
                path,
                f"footprint lies {d:,.0f} m from entrance '{nid}' (at most "
                f"{ENTRANCE_MAX_M:g} m allowed){hint}",
            )
    return tuple(rings), tuple(rings_xy)


def _ring(raw: Any, path: KeyPath, ck: Checker) -> Ring:
    """One ring: a list of at least four ``[lat, lon]`` points, the last repeating the first."""
    if not isinstance(raw, list):
        ck.fail(path, f"expected a list of [lat, lon] points, got {describe(raw)}")
    points: list[Point] = []
    for j, item in enumerate(raw):
        p_path = (*path, j)
        if not isinstance(item, list) or len(item) != 2:
            ck.fail(p_path, f"expected a point [lat, lon], got {describe(item)}")
        lat = ck.number(item[0], p_path, lo=-90, hi=90)
        lon = ck.number(item[1], p_path, lo=-180, hi=180)
        points.append((lat, lon))
    if len(points) < 4:
        ck.fail(
            path,
            f"expected a closed ring of at least 4 points (3 corners and the first repeated), "
            f"got {len(points)}",
        )
    if points[0] != points[-1]:
        first = f"[{points[0][0]:g}, {points[0][1]:g}]"
        ck.fail(
            (*path, len(points) - 1),
            f"footprint ring is not closed: its last point must repeat the first, {first}",
        )
    return tuple(points)


def _check_shape(ring: Ring, path: KeyPath, ck: Checker) -> None:
    """Three distinct corners, no edge crossing another, and a non-zero area."""
    if len(set(ring)) < 3:
        ck.fail(path, "footprint ring needs at least 3 distinct corners")
    if _flat(ring):
        ck.fail(path, "footprint ring encloses no area (its corners lie on one line)")
    crossing = self_intersection(ring)
    if crossing is not None:
        i, j = crossing
        ck.fail(
            path,
            f"footprint ring crosses itself: the edge from point {i} to {i + 1} meets the "
            f"edge from point {j} to {j + 1}",
        )


def _flat(ring: Ring, tolerance_m: float = 0.5) -> bool:
    """Whether every corner lies within ``tolerance_m`` of one straight line."""
    a = ring[0]
    b = max(ring, key=lambda p: math.hypot(p[0] - a[0], p[1] - a[1]))
    return all(_line_distance(p, a, b) <= tolerance_m for p in ring)


def _line_distance(p: Point, a: Point, b: Point) -> float:
    """Distance from ``p`` to the infinite line through ``a`` and ``b`` (``a != b``)."""
    return abs(_cross(a, b, p)) / math.hypot(b[0] - a[0], b[1] - a[1])


def ring_area(ring: Ring) -> float:
    """Signed area (shoelace) of a closed ring in local metres, m²."""
    return 0.5 * sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in itertools.pairwise(ring))


def self_intersection(ring: Ring) -> tuple[int, int] | None:
    """The first pair of edges ``(i, j)`` that touch or cross, other than neighbours.

    Edge ``i`` runs from point ``i`` to point ``i + 1`` of the closed ring. Quadratic in the
    number of points, which is fine for building outlines (tens to a few hundred points).
    """
    n = len(ring) - 1
    for i in range(n):
        a, b = ring[i], ring[i + 1]
        for j in range(i + 1, n):
            if j == i + 1 or (i == 0 and j == n - 1):
                # Neighbouring edges share a point; they only count if they fold back.
                if _folds_back(a, b, ring[j], ring[j + 1]):
                    return i, j
                continue
            if _segments_meet(a, b, ring[j], ring[j + 1]):
                return i, j
    return None


def _cross(o: Point, a: Point, b: Point) -> float:
    return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])


def _on_segment(p: Point, a: Point, b: Point) -> bool:
    return min(a[0], b[0]) <= p[0] <= max(a[0], b[0]) and min(a[1], b[1]) <= p[1] <= max(a[1], b[1])


def _segments_meet(a: Point, b: Point, c: Point, d: Point) -> bool:
    """Whether segments ab and cd share a point (crossing, touching or overlapping)."""
    d1, d2 = _cross(c, d, a), _cross(c, d, b)
    d3, d4 = _cross(a, b, c), _cross(a, b, d)
    if ((d1 > 0 > d2) or (d1 < 0 < d2)) and ((d3 > 0 > d4) or (d3 < 0 < d4)):
        return True
    return (
        (d1 == 0 and _on_segment(a, c, d))
        or (d2 == 0 and _on_segment(b, c, d))
        or (d3 == 0 and _on_segment(c, a, b))
        or (d4 == 0 and _on_segment(d, a, b))
    )


def _folds_back(a: Point, b: Point, c: Point, d: Point) -> bool:
    """Whether two edges sharing an end run back along each other (a zero-width spike)."""
    shared = b if b in (c, d) else a
    p = a if shared == b else b
    q = d if shared == c else c
    if _cross(shared, p, q) != 0:
        return False
    # Collinear: they overlap when both run in the same direction from the shared point.
    return (p[0] - shared[0]) * (q[0] - shared[0]) + (p[1] - shared[1]) * (q[1] - shared[1]) > 0


def distance_to_ring(p: Point, ring: Ring) -> float:
    """Distance from a point to a closed ring's area in local metres (0 inside)."""
    if _inside(p, ring):
        return 0.0
    return min(_segment_distance(p, a, b) for a, b in itertools.pairwise(ring))


def _inside(p: Point, ring: Ring) -> bool:
    """Even-odd rule point-in-polygon test."""
    x, y = p
    inside = False
    for (x0, y0), (x1, y1) in itertools.pairwise(ring):
        if (y0 > y) != (y1 > y) and x < x0 + (y - y0) * (x1 - x0) / (y1 - y0):
            inside = not inside
    return inside


def _segment_distance(p: Point, a: Point, b: Point) -> float:
    dx, dy = b[0] - a[0], b[1] - a[1]
    length2 = dx * dx + dy * dy
    t = 0.0 if length2 == 0 else ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / length2
    t = max(0.0, min(1.0, t))
    return math.hypot(p[0] - a[0] - t * dx, p[1] - a[1] - t * dy)
