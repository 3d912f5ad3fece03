"""Visits per place: ``visits_by_place.csv`` and ``visits_by_place.geojson``.

One row per venue and public space, and per street segment where anyone lingered:
how many stays it had per day, how many of them optional (Gehl's optional activities,
drawn by the place's quality), the most people there at once, and its capacity.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sim.engine.results import RunResult
from sim.layout.schema import Layout
from sim.metrics import Row, place_ids, place_label, rnd
from sim.outputs.tables import write_csv
from sim.population.visits import VISIT_KINDS

VISIT_COLUMNS: tuple[str, ...] = (
    "place_kind", "id", "name", "visits_per_day", "optional_visits_per_day",
    "peak_occupancy", "capacity",
)  # fmt: skip
"""Columns of ``visits_by_place.csv``; ``capacity`` is empty for spaces and segments."""


def _per_day(count: int, days: int) -> float:
    return rnd(count / days) if days else 0.0


def visit_rows(result: RunResult) -> list[Row]:
    """Rows of ``visits_by_place.csv``: venues, spaces, then segments with any stay.

    Parameters
    ----------
    result
        The run.

    Returns
    -------
    list[Row]
        Rows with :data:`VISIT_COLUMNS`, in layout order within each kind. Segments
        nobody lingered on are left out (most segments are only walked along).
    """
    layout, v = result.layout, result.visits
    if v is None:
        return []
    days = max(int(v.days), 1)
    rows: list[Row] = []
    for kind in ("venue", "space", "edge"):
        ids = place_ids(layout, kind)
        for i, pid in enumerate(ids):
            visits = int(v.visits[kind][i])
            if kind == "edge" and visits == 0:
                continue
            rows.append(
                {
                    "place_kind": kind,
                    "id": pid,
                    "name": place_label(layout, kind, pid),
                    "visits_per_day": _per_day(visits, days),
                    "optional_visits_per_day": _per_day(int(v.optional[kind][i]), days),
                    "peak_occupancy": int(v.peak[kind][i]),
                    "capacity": layout.venues[pid].capacity if kind == "venue" else None,
                }
            )
    return rows


def _lonlat(layout: Layout, node_id: str) -> list[float]:
    node = layout.nodes[node_id]
    return [round(float(node.lon), 7), round(float(node.lat), 7)]


def _geometry(layout: Layout, kind: str, pid: str) -> dict[str, Any] | None:
    """A segment as a line; a space at its node; a venue at its building's first entrance."""
    if kind == "edge":
        e = layout.edges[pid]
        return {"type": "LineString",
                "coordinates": [_lonlat(layout, e.source), _lonlat(layout, e.target)]}
    if kind == "space":
        return {"type": "Point", "coordinates": _lonlat(layout, layout.spaces[pid].node)}
    building = layout.buildings.get(layout.venues[pid].building)
    if not building or not building.entrances:
        return None
    return {"type": "Point", "coordinates": _lonlat(layout, building.entrances[0])}


def visit_collection(result: RunResult, rows: list[Row] | None = None) -> dict[str, Any]:
    """The rows of :func:`visit_rows` as an RFC 7946 FeatureCollection (WGS84)."""
    rows = rows if rows is not None else visit_rows(result)
    layout = result.layout
    features = []
    for row in rows:
        geometry = _geometry(layout, str(row["place_kind"]), str(row["id"]))
        if geometry is None:
            continue
        features.append({
            "type": "Feature",
            "id": f"{row['place_kind']}:{row['id']}",
            "geometry": geometry,
            "properties": dict(row),
        })  # fmt: skip
    collection: dict[str, Any] = {"type": "FeatureCollection", "name": "visits_by_place"}
    if layout.attribution:
        collection["attribution"] = layout.attribution
    collection["features"] = features
    return collection


def write_visits(result: RunResult, out_dir: Path) -> list[Path]:
    """Write ``visits_by_place.csv`` and ``visits_by_place.geojson`` into ``out_dir``."""
    rows = visit_rows(result)
    csv_path = write_csv(rows, out_dir / "visits_by_place.csv", list(VISIT_COLUMNS))
    geo_path = out_dir / "visits_by_place.geojson"
    with geo_path.open("w", encoding="utf-8") as f:
        json.dump(visit_collection(result, rows), f, ensure_ascii=False, allow_nan=False)
    return [csv_path, geo_path]


__all__ = ["VISIT_COLUMNS", "VISIT_KINDS", "visit_collection", "visit_rows", "write_visits"]
