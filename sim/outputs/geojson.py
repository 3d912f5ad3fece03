"""Meetings on the map: RFC 7946 GeoJSON for QGIS and web maps.

Coordinates are WGS84 ``[lon, lat]`` (RFC 7946 §3.1.1) rounded to 7 decimals (about
1 cm), and no ``crs`` member is written since RFC 7946 removed it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sim.engine.results import RunResult
from sim.layout.schema import Layout, PublicSpace, Venue
from sim.metrics import PlaceCounts, place_counts, place_ids, place_label, rnd

COORD_DECIMALS = 7


def _lonlat(layout: Layout, node_id: str) -> list[float]:
    """``[lon, lat]`` of a node, rounded."""
    node = layout.nodes[node_id]
    return [round(float(node.lon), COORD_DECIMALS), round(float(node.lat), COORD_DECIMALS)]


def _per_day(count: int, days: int) -> float:
    """Count per simulated day, 0 for a run without days."""
    return rnd(count / days) if days else 0.0


def _collection(layout: Layout, name: str, features: list[dict[str, Any]]) -> dict[str, Any]:
    """A FeatureCollection with the layout's name and attribution as foreign members."""
    collection: dict[str, Any] = {"type": "FeatureCollection", "name": name}
    if layout.attribution:
        collection["attribution"] = layout.attribution
    collection["features"] = features
    return collection


def segment_collection(
    result: RunResult, counts: dict[str, PlaceCounts] | None = None
) -> dict[str, Any]:
    """One LineString feature per edge with its meeting counts.

    Parameters
    ----------
    result
        The run.
    counts
        Output of :func:`sim.metrics.place_counts`, if already computed.

    Returns
    -------
    dict
        A GeoJSON FeatureCollection; properties ``id``, ``name``, ``kind``,
        ``traffic``, ``frontage``, ``length_m``, ``meetings``, ``cross_institution``,
        ``meetings_per_day`` and ``meetings_per_100m_day``.
    """
    counts = counts if counts is not None else place_counts(result)
    layout, days = result.layout, int(result.days)
    c = counts["edge"]
    features = []
    for i, edge in enumerate(layout.edges.values()):
        meetings = int(c.meetings[i])
        length = float(edge.length)
        per_100m = rnd(meetings * 100.0 / (days * length)) if days and length > 0 else 0.0
        features.append(
            {
                "type": "Feature",
                "id": edge.id,
                "geometry": {
                    "type": "LineString",
                    "coordinates": [_lonlat(layout, edge.source), _lonlat(layout, edge.target)],
                },
                "properties": {
                    "id": edge.id,
                    "name": edge.name,
                    "kind": edge.kind,
                    "traffic": edge.traffic,
                    "frontage": float(edge.frontage),
                    "length_m": rnd(length),
                    "meetings": meetings,
                    "cross_institution": int(c.cross[i]),
                    "meetings_per_day": _per_day(meetings, days),
                    "meetings_per_100m_day": per_100m,
                },
            }
        )
    return _collection(layout, "meetings_by_segment", features)


def _place_node(layout: Layout, kind: str, place_id: str) -> str | None:
    """The node a point place is drawn at (a venue at its building's first entrance)."""
    if kind == "node":
        return place_id
    if kind == "space":
        return layout.spaces[place_id].node
    building = layout.buildings.get(layout.venues[place_id].building)
    return building.entrances[0] if building and building.entrances else None


def place_collection(
    result: RunResult, counts: dict[str, PlaceCounts] | None = None
) -> dict[str, Any]:
    """Point features for every venue and public space, and nodes with >= 1 meeting.

    Parameters
    ----------
    result
        The run.
    counts
        Output of :func:`sim.metrics.place_counts`, if already computed.

    Returns
    -------
    dict
        A GeoJSON FeatureCollection; properties ``place_kind``, ``id``, ``name``,
        ``kind`` (venue or space kind; ``junction`` for nodes), ``meetings``,
        ``cross_institution`` and ``meetings_per_day``. Venues sit at their building's
        first entrance, so several venues of one building share a point.
    """
    counts = counts if counts is not None else place_counts(result)
    layout, days = result.layout, int(result.days)
    features = []
    for kind in ("venue", "space", "node"):
        c = counts[kind]
        for i, pid in enumerate(place_ids(layout, kind)):
            meetings = int(c.meetings[i])
            node = _place_node(layout, kind, pid)
            if node is None or (kind == "node" and meetings == 0):
                continue
            sub_kind: Mapping[str, Venue] | Mapping[str, PublicSpace] | None = None
            if kind == "venue":
                sub_kind = layout.venues
            elif kind == "space":
                sub_kind = layout.spaces
            features.append(
                {
                    "type": "Feature",
                    "id": f"{kind}:{pid}",
                    "geometry": {"type": "Point", "coordinates": _lonlat(layout, node)},
                    "properties": {
                        "place_kind": kind,
                        "id": pid,
                        "name": place_label(layout, kind, pid),
                        "kind": sub_kind[pid].kind if sub_kind is not None else "junction",
                        "meetings": meetings,
                        "cross_institution": int(c.cross[i]),
                        "meetings_per_day": _per_day(meetings, days),
                    },
                }
            )
    return _collection(layout, "meetings_by_place", features)


def write_geojson(
    result: RunResult, out_dir: Path, counts: dict[str, PlaceCounts] | None = None
) -> list[Path]:
    """Write ``meetings_by_segment.geojson`` and ``meetings_by_place.geojson``.

    Parameters
    ----------
    result
        The run.
    out_dir
        Existing folder to write into.
    counts
        Output of :func:`sim.metrics.place_counts`, if already computed.

    Returns
    -------
    list[Path]
        The files written.
    """
    counts = counts if counts is not None else place_counts(result)
    paths = []
    for name, collection in (
        ("meetings_by_segment", segment_collection(result, counts)),
        ("meetings_by_place", place_collection(result, counts)),
    ):
        path = out_dir / f"{name}.geojson"
        # UTF-8 rather than \u escapes keeps Danish street names readable in the file.
        with path.open("w", encoding="utf-8") as f:
            json.dump(collection, f, ensure_ascii=False, allow_nan=False)
        paths.append(path)
    return paths
