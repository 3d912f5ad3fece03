"""``results.gpkg``: a run's or a comparison's results as GIS layers (WGS84).

A run writes ``segments`` (every edge with its ``from``/``to`` node ids, meetings and
visits), ``places`` (venues, public spaces, junctions with meetings), ``visits`` (stays at
every venue and public space) and ``meeting_origins`` (lines from people's home building
to the place where they met). A comparison writes, per variant, ``segments``, ``places``
and ``visits`` with the change per day and its 95 % interval, a ``changes`` layer of what
the variant changed in the layout, and a ``scenarios`` table of the headline figures.

Written only when the ``gis`` extra is installed (:func:`write_run_gpkg` and
:func:`write_compare_gpkg` do nothing otherwise), from inside the results folder's
atomic write.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from sim import gis

if TYPE_CHECKING:
    import geopandas as gpd

    from sim.compare.changes import HeadlineComparison, ItemChange, VariantChanges
    from sim.compare.runner import ComparisonRuns
    from sim.engine.results import RunResult
    from sim.layout.schema import Layout
    from sim.metrics import PlaceCounts

FILE_NAME = "results.gpkg"


def write_run_gpkg(
    result: RunResult, folder: Path, counts: dict[str, PlaceCounts] | None = None
) -> Path | None:
    """Write ``results.gpkg`` of one run into ``folder``; ``None`` without the extra."""
    if not gis.available():
        return None
    from sim.gis.export import write_gpkg

    layers = run_layers(result, counts)
    path = folder / FILE_NAME
    write_gpkg(layers, path)
    return path


def write_compare_gpkg(
    runs: ComparisonRuns,
    comparisons: list[HeadlineComparison],
    changes: list[VariantChanges],
    folder: Path,
) -> Path | None:
    """Write ``results.gpkg`` of a comparison into ``folder``; ``None`` without the extra."""
    if not gis.available():
        return None
    from sim.gis.export import write_gpkg

    path = folder / FILE_NAME
    write_gpkg(compare_layers(runs, comparisons, changes), path)
    return path


# --- one run -------------------------------------------------------------------------------


def run_layers(
    result: RunResult, counts: dict[str, PlaceCounts] | None = None
) -> dict[str, gpd.GeoDataFrame]:
    """``segments``, ``places`` and ``visits`` of a run as GeoDataFrames.

    Parameters
    ----------
    result
        The run.
    counts
        From :func:`sim.metrics.place_counts`, if already computed.

    Returns
    -------
    dict
        Layer name → GeoDataFrame in EPSG:4326.
    """
    import geopandas as gpd

    from sim.outputs.geojson import place_collection, segment_collection

    layout = result.layout
    segments = segment_collection(result, counts)
    for feature in segments["features"]:
        edge = layout.edges[feature["id"]]
        props = feature["properties"]
        feature["properties"] = {"id": props.pop("id"), "from": edge.source, "to": edge.target,
                                 **props}
    places = place_collection(result, counts)
    segment_frame = gpd.GeoDataFrame.from_features(segments["features"], crs=4326)
    layers = {
        "segments": segment_frame,
        "places": gpd.GeoDataFrame.from_features(places["features"], crs=4326),
    }
    if result.visits is not None:
        visits = result.visits
        per_day = float(result.days) or 1.0
        segment_frame["visits"] = visits.visits["edge"].astype(int)
        segment_frame["visits_per_day"] = np.round(visits.visits["edge"] / per_day, 3)
        layers["visits"] = _visits(result)
    layers["meeting_origins"] = _meeting_origins(result)
    return layers


def place_point(layout: Layout, kind: str, place_id: str) -> Any:
    """Where a place is drawn: an edge's middle, a node, a venue's building, a space's node."""
    from shapely.geometry import Point

    from sim.gis.layers import building_anchor

    if kind == "edge":
        e = layout.edges[place_id]
        a, b = layout.nodes[e.source], layout.nodes[e.target]
        return Point((a.lon + b.lon) / 2, (a.lat + b.lat) / 2)
    if kind == "venue":
        return building_anchor(layout, layout.buildings[layout.venues[place_id].building])
    node = layout.nodes[place_id if kind == "node" else layout.spaces[place_id].node]
    return Point(node.lon, node.lat)


def _visits(result: RunResult) -> gpd.GeoDataFrame:
    """Stays at every venue and public space: all, optional ones, per day, peak present."""
    import geopandas as gpd

    from sim.metrics import place_ids, place_label

    layout, visits = result.layout, result.visits
    assert visits is not None
    days = float(result.days) or 1.0
    rows, geoms = [], []
    for kind in ("venue", "space"):
        for i, pid in enumerate(place_ids(layout, kind)):
            rows.append(
                {
                    "place_kind": kind,
                    "id": pid,
                    "name": place_label(layout, kind, pid),
                    "visits": int(visits.visits[kind][i]),
                    "optional_visits": int(visits.optional[kind][i]),
                    "visits_per_day": round(float(visits.visits[kind][i]) / days, 3),
                    "peak_present": int(visits.peak[kind][i]),
                }
            )
            geoms.append(place_point(layout, kind, pid))
    return gpd.GeoDataFrame(rows, geometry=geoms, crs=4326)


def _meeting_origins(result: RunResult) -> gpd.GeoDataFrame:
    """Lines from home buildings to meeting places: how many meetings their people had there.

    Each meeting counts once for each of its two people, at their own home building; the
    engine records meetings, not every visit, so a place where people went but met
    nobody has no line.
    """
    import geopandas as gpd
    from shapely.geometry import LineString

    from sim.engine.results import PLACE_KINDS
    from sim.gis.layers import building_anchor
    from sim.metrics import place_ids, place_label, rnd

    layout, m = result.layout, result.meetings
    building_ids = list(layout.buildings)
    homes = np.asarray(result.agents.building, dtype=np.int64)
    kinds = np.asarray(m.place_kind, dtype=np.int64)
    places = np.asarray(m.place, dtype=np.int64)
    size = max(1, max((len(place_ids(layout, k)) for k in PLACE_KINDS), default=1))
    rows: list[dict[str, Any]] = []
    geoms = []
    if len(m):
        home = np.concatenate([homes[np.asarray(m.a)], homes[np.asarray(m.b)]])
        key = (home * len(PLACE_KINDS) + np.tile(kinds, 2)) * size + np.tile(places, 2)
        keys, n = np.unique(key, return_counts=True)
        for k, count in zip(keys.tolist(), n.tolist(), strict=True):
            b, rest = divmod(k, len(PLACE_KINDS) * size)
            kind_code, place = divmod(rest, size)
            kind = PLACE_KINDS[kind_code]
            pid = place_ids(layout, kind)[place]
            building = layout.buildings[building_ids[b]]
            start = building_anchor(layout, building)
            end = place_point(layout, kind, pid)
            rows.append(
                {
                    "building": building.id,
                    "place_kind": kind,
                    "place_id": pid,
                    "place_name": place_label(layout, kind, pid),
                    "meetings": int(count),
                    "meetings_per_day": rnd(count / result.days) if result.days else 0.0,
                }
            )
            geoms.append(LineString([start, end]))
    columns = ["building", "place_kind", "place_id", "place_name", "meetings",
               "meetings_per_day"]
    data = {c: [r[c] for r in rows] for c in columns}
    return gpd.GeoDataFrame(data, geometry=geoms, crs=4326)


# --- a comparison ----------------------------------------------------------------------------


def compare_layers(
    runs: ComparisonRuns,
    comparisons: list[HeadlineComparison],
    changes: list[VariantChanges],
) -> dict[str, Any]:
    """``scenarios`` (table), ``segments``, ``places`` and ``changes`` of a comparison."""
    import pandas as pd
    from shapely.geometry import LineString

    segments: list[dict[str, Any]] = []
    places: list[dict[str, Any]] = []
    for vc in changes:
        variant = vc.scenario.layout
        reference = runs.scenarios[0].layout
        for ch in vc.places:
            layout = variant if ch.in_variant else reference
            row = _change_attributes(vc.scenario.label, ch)
            if ch.kind == "edge":
                e = layout.edges[ch.id]
                a, b = layout.nodes[e.source], layout.nodes[e.target]
                row["from"], row["to"] = e.source, e.target
                row["geometry"] = LineString([(a.lon, a.lat), (b.lon, b.lat)])
                segments.append(row)
            else:
                row["geometry"] = place_point(layout, ch.kind, ch.id)
                places.append(row)
    visits: list[dict[str, Any]] = []
    for vc in changes:
        variant, reference = vc.scenario.layout, runs.scenarios[0].layout
        for ch in vc.visits:
            if ch.kind not in ("venue", "space"):
                continue  # street segments: see the segments layer's meetings
            layout = variant if ch.in_variant else reference
            visits.append(
                {
                    **_change_attributes(vc.scenario.label, ch),
                    "geometry": place_point(layout, ch.kind, ch.id),
                }
            )
    scenarios = pd.DataFrame(
        [
            {
                "scenario": c.scenario.label,
                "file": c.scenario.path,
                "figure": c.figure,
                "mean": c.estimate.mean,
                "low": c.estimate.low,
                "high": c.estimate.high,
                "seeds": c.estimate.n,
                "difference": c.difference.mean if c.difference else None,
                "difference_low": c.difference.low if c.difference else None,
                "difference_high": c.difference.high if c.difference else None,
                "relative": c.difference.relative if c.difference else None,
                "relative_low": c.difference.relative_low if c.difference else None,
                "relative_high": c.difference.relative_high if c.difference else None,
            }
            for c in comparisons
        ]
    )
    layers: dict[str, Any] = {"scenarios": scenarios}
    if len(runs.scenarios) > 1:
        # A single scenario has no variant to map.
        layers.update(segments=_frame(segments), places=_frame(places))
        if visits:
            layers["visits"] = _frame(visits)
        layers["changes"] = _frame(layout_changes(runs))
    return layers


def _frame(rows: list[dict[str, Any]]) -> Any:
    import geopandas as gpd

    if not rows:
        return gpd.GeoDataFrame({"scenario": []}, geometry=[], crs=4326)
    geoms = [r.pop("geometry") for r in rows]
    return gpd.GeoDataFrame(rows, geometry=geoms, crs=4326)


def layout_changes(runs: ComparisonRuns) -> list[dict[str, Any]]:
    """What each variant added, removed or modified, as features with geometry.

    Items are drawn where they are in the variant (removed ones where they were in the
    reference): nodes as points, edges as lines, buildings as footprints or points,
    venues in their building, spaces and gateways at their node.
    """
    from sim.layout.diff import diff_raw
    from sim.layout.load import load_raw

    ref_sc = runs.scenarios[0]
    ref_raw, _ = load_raw(ref_sc.path)
    rows: list[dict[str, Any]] = []
    for sc in runs.scenarios[1:]:
        raw, _ = load_raw(sc.path)
        diff = diff_raw(ref_raw, raw)
        for section in diff.sections:
            for change, ids, layout in (
                ("added", list(section.added), sc.layout),
                ("removed", list(section.removed), ref_sc.layout),
                ("modified", list(section.modified), sc.layout),
            ):
                for ident in ids:
                    detail = ""
                    if change == "modified":
                        detail = "; ".join(
                            c.key for c in section.modified[ident]
                        )
                    rows.append(
                        {
                            "scenario": sc.label,
                            "change": change,
                            "section": section.section,
                            "id": ident,
                            "changed_keys": detail,
                            "geometry": _item_geometry(layout, section.section, ident),
                        }
                    )
    return rows


def _item_geometry(layout: Layout, section: str, ident: str) -> Any:
    from shapely.geometry import LineString, Point

    from sim.gis.layers import building_anchor, footprint_geometry

    if section == "nodes":
        n = layout.nodes[ident]
        return Point(n.lon, n.lat)
    if section == "edges":
        e = layout.edges[ident]
        a, b = layout.nodes[e.source], layout.nodes[e.target]
        return LineString([(a.lon, a.lat), (b.lon, b.lat)])
    if section == "buildings":
        building = layout.buildings[ident]
        return footprint_geometry(building) or building_anchor(layout, building)
    if section == "venues":
        return building_anchor(layout, layout.buildings[layout.venues[ident].building])
    if section in ("public_spaces", "gateways"):
        items: Any = layout.spaces if section == "public_spaces" else layout.gateways
        n = layout.nodes[items[ident].node]
        return Point(n.lon, n.lat)
    return None  # institutions have no place on the map


def _change_attributes(scenario: str, ch: ItemChange) -> dict[str, Any]:
    """The attributes of one changed place or segment, as GIS layers name them."""
    return {
        "scenario": scenario,
        "kind": ch.kind,
        "id": ch.id,
        "name": ch.name,
        "reference_per_day": ch.reference,
        "variant_per_day": ch.variant,
        "change_per_day": ch.change,
        "change_low": ch.low,
        "change_high": ch.high,
        "distinguishable": not ch.indistinguishable,
        "in_reference": ch.in_reference,
        "in_variant": ch.in_variant,
    }
