"""A layout as GIS layers: one GeoDataFrame per section, WGS84 (EPSG:4326).

Field names are the layout file's keys where they can be (``from``, ``to``, ``kind``,
``traffic``, ``frontage``), so a designer who knows one knows the other. Fields that are
derived and ignored when edits are read back end in their unit (``length_m``,
``people``). See ``docs/gis.md`` for the table of layers and fields.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import geopandas as gpd
from shapely.geometry import LineString, MultiPolygon, Point, Polygon

from sim.layout.schema import Building, Layout
from sim.params import AGENT_TYPES

CRS = "EPSG:4326"
"""Every layer is WGS84 longitude/latitude."""

LAYERS: tuple[str, ...] = ("nodes", "edges", "buildings", "venues", "public_spaces", "gateways")
"""Layer names, in the order they are written (the layout file's section names)."""

LIST_SEPARATOR = ", "
"""How a list of ids (a building's institutions or entrances) is written in one field."""

READ_ONLY: dict[str, tuple[str, ...]] = {
    "edges": ("length_m",),
    "buildings": ("people",),
}
"""Derived fields, written for information and ignored on import."""


def hours_text(open_s: float, close_s: float) -> str:
    """Opening hours as the layout file writes them, ``"HH:MM-HH:MM"``."""

    def clock(s: float) -> str:
        minutes = round(s / 60)
        return f"{minutes // 60:02d}:{minutes % 60:02d}"

    return f"{clock(open_s)}-{clock(close_s)}"


def footprint_geometry(building: Building) -> MultiPolygon | None:
    """The building's footprint as a MultiPolygon in lon/lat, ``None`` without one."""
    if not building.footprint:
        return None
    return MultiPolygon([Polygon([(lon, lat) for lat, lon in ring]) for ring in building.footprint])


def building_point(layout: Layout, building: Building) -> Point:
    """Where a building is drawn without a footprint: the mean of its entrances."""
    nodes = [layout.nodes[n] for n in building.entrances]
    return Point(sum(n.lon for n in nodes) / len(nodes), sum(n.lat for n in nodes) / len(nodes))


def building_anchor(layout: Layout, building: Building) -> Point:
    """A point inside the footprint if there is one, else the mean of the entrances."""
    shape = footprint_geometry(building)
    if shape is None:
        return building_point(layout, building)
    return shape.geoms[0].representative_point()


def _frame(rows: list[dict[str, Any]], columns: list[str]) -> gpd.GeoDataFrame:
    """A GeoDataFrame with these columns (even when empty) and a WGS84 geometry."""
    data = {c: [r[c] for r in rows] for c in columns}
    return gpd.GeoDataFrame(data, geometry=[r["geometry"] for r in rows], crs=CRS)


def _node_point(layout: Layout) -> Callable[[str], Point]:
    return lambda nid: Point(layout.nodes[nid].lon, layout.nodes[nid].lat)


def layout_layers(layout: Layout) -> dict[str, gpd.GeoDataFrame]:
    """Every section of a layout as a layer.

    Parameters
    ----------
    layout
        A validated layout.

    Returns
    -------
    dict
        Layer name → GeoDataFrame, in :data:`LAYERS` order: ``nodes`` (points: ``id``),
        ``edges`` (lines: ``id``, ``from``, ``to``, ``kind``, ``traffic``, ``frontage``,
        ``name``, ``length_m``), ``buildings`` (footprint polygons, or points at the
        entrances: ``id``, ``name``, ``institution``, ``entrances``, one column per
        agent type, ``people``), ``venues`` (points in their building: ``id``,
        ``building``, ``kind``, ``capacity``, ``hours``, ``access``, ``area_m2``,
        ``rooms``, ``name``), ``public_spaces`` and ``gateways`` (points at their node).
    """
    at = _node_point(layout)
    nodes = [{"id": n.id, "geometry": at(n.id)} for n in layout.nodes.values()]
    edges = [
        {
            "id": e.id,
            "from": e.source,
            "to": e.target,
            "kind": e.kind,
            "traffic": e.traffic,
            "frontage": float(e.frontage),
            "name": e.name,
            "length_m": round(float(e.length), 2),
            "geometry": LineString([at(e.source), at(e.target)]),
        }
        for e in layout.edges.values()
    ]
    buildings = [
        {
            "id": b.id,
            "name": b.name,
            "institution": LIST_SEPARATOR.join(b.institutions),
            "entrances": LIST_SEPARATOR.join(b.entrances),
            **{t: int(b.population.get(t, 0)) for t in AGENT_TYPES},
            "people": int(sum(b.population.values())),
            "geometry": footprint_geometry(b) or building_point(layout, b),
        }
        for b in layout.buildings.values()
    ]
    venues = [
        {
            "id": v.id,
            "building": v.building,
            "kind": v.kind,
            "capacity": int(v.capacity),
            "hours": hours_text(v.open_s, v.close_s),
            "access": v.access,
            "area_m2": float(v.area_m2),
            "rooms": int(v.rooms),
            "name": v.name,
            "geometry": building_anchor(layout, layout.buildings[v.building]),
        }
        for v in layout.venues.values()
    ]
    spaces = [
        {
            "id": s.id,
            "name": s.name,
            "kind": s.kind,
            "node": s.node,
            "area_m2": float(s.area_m2),
            "geometry": at(s.node),
        }
        for s in layout.spaces.values()
    ]
    gateways = [
        {
            "id": g.id,
            "name": g.name,
            "kind": g.kind,
            "node": g.node,
            "share": float(g.share),
            "geometry": at(g.node),
        }
        for g in layout.gateways.values()
    ]
    columns = {
        "nodes": ["id"],
        "edges": ["id", "from", "to", "kind", "traffic", "frontage", "name", "length_m"],
        "buildings": ["id", "name", "institution", "entrances", *AGENT_TYPES, "people"],
        "venues": [
            "id",
            "building",
            "kind",
            "capacity",
            "hours",
            "access",
            "area_m2",
            "rooms",
            "name",
        ],
        "public_spaces": ["id", "name", "kind", "node", "area_m2"],
        "gateways": ["id", "name", "kind", "node", "share"],
    }
    rows = {
        "nodes": nodes,
        "edges": edges,
        "buildings": buildings,
        "venues": venues,
        "public_spaces": spaces,
        "gateways": gateways,
    }
    return {name: _frame(rows[name], columns[name]) for name in LAYERS}
