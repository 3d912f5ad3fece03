"""Read edited GIS layers back and write the differences from the base as a variant.

The edited layers (a GeoPackage or a folder of GeoJSON files, as ``export-layout``
wrote them) are compared with the base layout's own layers, feature by feature and field
by field, matched on ``id``:

- a feature whose id the base lacks (or with no id) is added; a line drawn in the
  ``edges`` layer becomes an edge whose ends join the nearest node within ``snap_m``
  metres, or a new node where there is none (without ``snap_m`` an end must lie on a node);
- a base feature missing from its layer is removed (a layer missing as a whole is left
  unchanged);
- a changed field, a moved node or a redrawn footprint is modified.

The variant is validated with its base before it is written; every problem is one line
naming the layer, the feature and the field. See ``docs/gis.md``.
"""

from __future__ import annotations

import itertools
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

import geopandas as gpd
import numpy as np
import pyogrio
import shapely
import yaml
from shapely.geometry import LineString, MultiPolygon, Point, Polygon
from shapely.geometry.base import BaseGeometry

from sim.errors import CrosspathsInputError, LayoutError
from sim.geometry import EARTH_RADIUS_M, to_local_xy
from sim.gis.layers import LAYERS, READ_ONLY, layout_layers
from sim.layout import Layout, load_layout
from sim.layout.checks import ID_PATTERN
from sim.layout.footprint import ENTRANCE_MAX_M
from sim.params import (
    AGENT_TYPES,
    EDGE_KINDS,
    GATEWAY_KINDS,
    SPACE_KINDS,
    TRAFFIC_LEVELS,
    VENUE_ACCESS,
    VENUE_KINDS,
)

ON_NODE_M = 0.5
"""Without ``--snap``, a drawn line's end must lie this close to a node (GIS snapping)."""

MOVED_M = 0.05
"""A node or footprint corner moved by less than this is unchanged (rounding in files)."""

CHOICES: dict[str, dict[str, tuple[str, ...]]] = {
    "edges": {"kind": EDGE_KINDS, "traffic": TRAFFIC_LEVELS},
    "venues": {"kind": VENUE_KINDS, "access": VENUE_ACCESS},
    "public_spaces": {"kind": SPACE_KINDS},
    "gateways": {"kind": GATEWAY_KINDS},
}
"""Fields whose values must come from a fixed list, checked before anything is written."""

REQUIRED_NEW: dict[str, tuple[str, ...]] = {
    "nodes": (),
    "edges": ("kind",),
    "buildings": ("institution",),
    "venues": ("kind", "capacity", "hours", "access"),
    "public_spaces": ("kind", "area_m2"),
    "gateways": ("kind", "share"),
}
"""Fields a new feature must fill in (others have defaults or are derived)."""

KEY_OF: dict[str, dict[str, str]] = {
    "venues": {"area_m2": "area"},
    "public_spaces": {"area_m2": "area"},
}
"""Layer field → layout key, where the two differ."""

INTEGER_FIELDS = {"capacity", "rooms", *AGENT_TYPES}
NUMBER_FIELDS = {"frontage", "area_m2", "share"}
LIST_FIELDS = {"institution", "entrances"}


@dataclass
class Feature:
    """One row of a layer: its label for messages, its fields and its geometry."""

    label: str
    values: dict[str, Any]
    geometry: BaseGeometry | None


@dataclass
class _Variant:
    """The change blocks being built, section → id → item or keys."""

    add: dict[str, dict[str, Any]] = field(default_factory=dict)
    modify: dict[str, dict[str, Any]] = field(default_factory=dict)
    remove: dict[str, list[str]] = field(default_factory=dict)

    def counts(self) -> str:
        parts = []
        for section in LAYERS:
            n_add = len(self.add.get(section, {}))
            n_mod = len(self.modify.get(section, {}))
            n_rem = len(self.remove.get(section, []))
            if n_add or n_mod or n_rem:
                parts.append(f"{section} +{n_add} ~{n_mod} -{n_rem}")
        return "; ".join(parts) if parts else "no changes"


class _Fail:
    """Raises one-line errors naming the layers file, layer, feature and field."""

    def __init__(self, source: Path) -> None:
        self.source = str(source)

    def __call__(self, layer: str, label: str, fld: str, message: str) -> NoReturn:
        raise CrosspathsInputError(
            message, file=self.source, path=f"layer {layer}, feature {label}, field {fld}"
        )


def read_layers(source: Path) -> dict[str, list[Feature]]:
    """The features of every known layer in a GeoPackage or a folder of GeoJSON files.

    Parameters
    ----------
    source
        A ``.gpkg`` file, or a folder holding ``<layer>.geojson`` files.

    Returns
    -------
    dict
        Layer name → features, for the layers present (in :data:`LAYERS` order).

    Raises
    ------
    CrosspathsInputError
        If ``source`` is missing or unreadable, or is not in WGS84.
    """
    if not source.exists():
        raise CrosspathsInputError(f"{source} does not exist", path="LAYERS")
    present: dict[str, tuple[Path, str | None]]
    if source.is_dir():
        files = {name: source / f"{name}.geojson" for name in LAYERS}
        present = {
            name: (path, None) for name, path in files.items() if path.exists()
        }
    else:
        try:
            names = {str(row[0]) for row in pyogrio.list_layers(source)}
        except Exception as err:  # GDAL raises its own error types
            raise CrosspathsInputError(
                f"cannot read {source} as a GeoPackage: {err}", path="LAYERS"
            ) from None
        present = {name: (source, name) for name in LAYERS if name in names}
    if not present:
        raise CrosspathsInputError(
            f"{source} holds none of the layers {', '.join(LAYERS)}", path="LAYERS"
        )
    out: dict[str, list[Feature]] = {}
    for name, (path, layer) in present.items():
        frame = gpd.read_file(path, layer=layer, engine="pyogrio")
        if frame.crs is not None and frame.crs.to_epsg() != 4326:
            frame = frame.to_crs(4326)
        out[name] = [_feature(i, row) for i, (_, row) in enumerate(frame.iterrows())]
    return out


def _feature(i: int, row: Any) -> Feature:
    values = {k: _plain(v) for k, v in row.items() if k != "geometry"}
    ident = values.get("id")
    label = f"'{ident}'" if ident not in (None, "") else f"#{i + 1} (no id)"
    geom = row["geometry"]
    return Feature(label=label, values=values, geometry=None if geom is None else geom)


def _plain(value: Any) -> Any:
    """A pandas/numpy cell as a plain Python value; missing values as ``None``."""
    if value is None:
        return None
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, str) and not value.strip():
        return None
    return value


def import_edits(
    layers: Path,
    base: str,
    out: Path,
    *,
    name: str | None = None,
    snap_m: float | None = None,
    force: bool = False,
) -> str:
    """Compare edited layers with their base layout and write the variant file.

    Parameters
    ----------
    layers
        Edited GeoPackage or GeoJSON folder.
    base
        The layout file the layers were exported from.
    out
        Variant YAML file to write.
    name
        Scenario name of the variant; default ``out``'s stem.
    snap_m
        Snapping distance for the ends of drawn lines, metres; ``None``: ends must lie on
        a node (within :data:`ON_NODE_M`).
    force
        Replace an existing ``out``.

    Returns
    -------
    str
        A one-line summary of what the variant changes.

    Raises
    ------
    CrosspathsInputError
        For any problem, naming the layer, feature and field; nothing is written then.
    """
    if out.exists() and not force:
        raise CrosspathsInputError(
            f"{out} exists; choose another --out or pass --force to replace it"
        )
    if out.suffix.lower() not in (".yaml", ".yml"):
        raise CrosspathsInputError(f"expected a .yaml file, got {str(out)!r}", path="--out")
    layout = load_layout(base)
    edited = read_layers(layers)
    variant = _Differ(layout, edited, _Fail(layers), snap_m).run()
    scenario = name or out.stem
    extends = os.path.relpath(Path(base).resolve(), out.resolve().parent)
    text = _render(variant, extends, scenario, out)
    _write_checked(text, out)
    return f"{layers} -> {out} (extends {base}): {variant.counts()}"


class _Differ:
    """One comparison of edited layers with a base layout."""

    def __init__(
        self,
        layout: Layout,
        edited: dict[str, list[Feature]],
        fail: _Fail,
        snap_m: float | None,
    ) -> None:
        self.layout = layout
        self.edited = edited
        self.fail = fail
        self.snap_m = snap_m
        self.base = {
            name: {str(r["id"]): r for r in frame.drop(columns="geometry").to_dict("records")}
            for name, frame in layout_layers(layout).items()
        }
        self.base_geom = {
            name: dict(zip(frame["id"], frame.geometry, strict=True))
            for name, frame in layout_layers(layout).items()
        }
        self.v = _Variant()
        # Node id → local (x, y) for snapping: base nodes, moved or added ones on top.
        self.points: dict[str, tuple[float, float]] = {
            n.id: (n.x, n.y) for n in layout.nodes.values()
        }
        self.new_ids: set[str] = set()

    # --- the whole comparison ---------------------------------------------------------

    def run(self) -> _Variant:
        for layer, features in self.edited.items():
            self._check_ids(layer, features)
            self._check_choices(layer, features)
        for layer in LAYERS:
            if layer in self.edited:
                getattr(self, f"_{layer}")(self.edited[layer])
        return self.v

    def _check_ids(self, layer: str, features: list[Feature]) -> None:
        seen: dict[str, int] = {}
        for row, f in enumerate(features, start=1):
            ident = f.values.get("id")
            if ident is None:
                continue
            if not isinstance(ident, str) or not ID_PATTERN.fullmatch(ident):
                self.fail(
                    layer,
                    f.label,
                    "id",
                    f"expected an id (letters, digits, '_', '-', '.'), got {ident!r}",
                )
            if ident in seen:
                self.fail(
                    layer,
                    f.label,
                    "id",
                    f"duplicate id: features #{seen[ident]} and #{row} of the layer both have it",
                )
            seen[ident] = row

    def _check_choices(self, layer: str, features: list[Feature]) -> None:
        for f in features:
            for fld, options in CHOICES.get(layer, {}).items():
                value = f.values.get(fld)
                if value is not None and value not in options:
                    self.fail(
                        layer,
                        f.label,
                        fld,
                        f"unknown {fld} {value!r} (expected one of: {', '.join(options)})",
                    )

    def _split(self, layer: str, features: list[Feature]) -> tuple[list[Feature], list[Feature]]:
        """Features matching a base id, and new ones; base ids missing are removed."""
        base = self.base[layer]
        old = [f for f in features if f.values.get("id") in base]
        new = [f for f in features if f.values.get("id") not in base]
        kept = {f.values["id"] for f in old}
        gone = [ident for ident in base if ident not in kept]
        if gone:
            self.v.remove[layer] = gone
        return old, new

    # --- per layer ---------------------------------------------------------------------

    def _nodes(self, features: list[Feature]) -> None:
        old, new = self._split("nodes", features)
        for f in old:
            point = self._point("nodes", f)
            before = self.base_geom["nodes"][f.values["id"]]
            if _distance_m(before, point) > MOVED_M:
                self._modify("nodes", f.values["id"], {"lat": point.y, "lon": point.x})
                self.points[f.values["id"]] = self._xy(point)
        for f in new:
            point = self._point("nodes", f)
            ident = f.values.get("id") or self._fresh("node")
            self.v.add.setdefault("nodes", {})[ident] = {"lat": point.y, "lon": point.x}
            self.points[ident] = self._xy(point)
            self.new_ids.add(ident)

    def _edges(self, features: list[Feature]) -> None:
        old, new = self._split("edges", features)
        for f in old:
            self._modify_fields("edges", f)
        for f in new:
            self._require("edges", f)
            ident = f.values.get("id") or self._fresh("edge")
            item: dict[str, Any] = {}
            line = f.geometry
            for end, fld, index in (("start", "from", 0), ("end", "to", -1)):
                given = f.values.get(fld)
                if given is not None:
                    if given not in self.points:
                        self.fail("edges", f.label, fld, f"unknown node {given!r}")
                    item[fld] = given
                    continue
                if not isinstance(line, LineString):
                    self.fail(
                        "edges",
                        f.label,
                        "geometry",
                        f"expected a line, or node ids in 'from' and 'to'; got {_kind(line)}",
                    )
                item[fld] = self._snap(f, Point(line.coords[index]), ident, end)
            if item["from"] == item["to"]:
                self.fail("edges", f.label, "to", f"both ends join node {item['to']!r}")
            for fld in ("kind", "traffic", "frontage", "name"):
                if f.values.get(fld) is not None:
                    item[fld] = _number(f.values[fld]) if fld == "frontage" else f.values[fld]
            if isinstance(line, LineString) and len(line.coords) > 2:
                # A drawn curve is longer than the straight line between its ends.
                item["length"] = round(_line_length_m(line), 1)
            self.v.add.setdefault("edges", {})[ident] = item

    def _buildings(self, features: list[Feature]) -> None:
        old, new = self._split("buildings", features)
        for f in old:
            changes = self._changed_fields("buildings", f)
            bid = f.values["id"]
            item: dict[str, Any] = {}
            for fld, value in changes.items():
                if fld in AGENT_TYPES:
                    item.setdefault("population", {})[fld] = value
                else:
                    item[fld] = value
            footprint = _footprint(f.geometry)
            base_fp = _footprint(self.base_geom["buildings"][bid])
            if footprint is not None and not _same_rings(footprint, base_fp):
                item["footprint"] = footprint
            if item:
                self._modify("buildings", bid, item)
        for f in new:
            self._require("buildings", f)
            ident = f.values.get("id") or self._fresh("building")
            item = {"institution": self._list("buildings", f, "institution")}
            if f.values.get("name") is not None:
                item["name"] = f.values["name"]
            if f.values.get("entrances") is not None:
                item["entrances"] = self._list("buildings", f, "entrances")
            else:
                item["entrances"] = [self._nearest("buildings", f, "entrances")]
            population = {
                t: self._integer("buildings", f, t) for t in AGENT_TYPES if f.values.get(t)
            }
            if population:
                item["population"] = population
            footprint = _footprint(f.geometry)
            if footprint is not None:
                item["footprint"] = footprint
            self.v.add.setdefault("buildings", {})[ident] = item

    def _venues(self, features: list[Feature]) -> None:
        old, new = self._split("venues", features)
        for f in old:
            if f.values.get("building") != self.base["venues"][f.values["id"]]["building"]:
                self.fail(
                    "venues",
                    f.label,
                    "building",
                    "a venue cannot be moved to another building; delete it and draw a new one",
                )
            self._modify_fields("venues", f)
        for f in new:
            self._require("venues", f)
            ident = f.values.get("id") or self._fresh("venue")
            building = f.values.get("building") or self._building_at(f)
            item: dict[str, Any] = {"building": building}
            item.update(self._fields("venues", f))
            self.v.add.setdefault("venues", {})[ident] = item

    def _public_spaces(self, features: list[Feature]) -> None:
        self._point_items("public_spaces", features, "space")

    def _gateways(self, features: list[Feature]) -> None:
        self._point_items("gateways", features, "gateway")

    def _point_items(self, layer: str, features: list[Feature], what: str) -> None:
        old, new = self._split(layer, features)
        for f in old:
            self._modify_fields(layer, f)
        for f in new:
            self._require(layer, f)
            ident = f.values.get("id") or self._fresh(what)
            item = self._fields(layer, f)
            if "node" not in item:
                item["node"] = self._nearest(layer, f, "node")
            self.v.add.setdefault(layer, {})[ident] = item

    # --- fields --------------------------------------------------------------------------

    def _fields(self, layer: str, f: Feature) -> dict[str, Any]:
        """A new feature's filled-in fields as layout keys, read-only ones left out."""
        out: dict[str, Any] = {}
        for fld, value in f.values.items():
            if fld in ("id", "building") or fld in READ_ONLY.get(layer, ()) or value is None:
                continue
            if fld not in self._columns(layer):
                continue
            out[KEY_OF.get(layer, {}).get(fld, fld)] = self._value(layer, f, fld)
        return out

    def _changed_fields(self, layer: str, f: Feature) -> dict[str, Any]:
        """Fields of a base feature whose value differs from the base, as layout keys."""
        before = self.base[layer][f.values["id"]]
        out: dict[str, Any] = {}
        for fld in self._columns(layer):
            if fld in ("id",) or fld in READ_ONLY.get(layer, ()) or fld not in f.values:
                continue
            value = f.values[fld]
            if value is None and fld in (*REQUIRED_NEW.get(layer, ()), "from", "to", "node"):
                self.fail(layer, f.label, fld, "missing value (the base has one)")
            new = self._value(layer, f, fld) if value is not None else None
            if not _same(before[fld], new, fld):
                out[KEY_OF.get(layer, {}).get(fld, fld)] = new
        return out

    def _modify_fields(self, layer: str, f: Feature) -> None:
        changes = self._changed_fields(layer, f)
        if changes:
            self._modify(layer, f.values["id"], changes)

    def _columns(self, layer: str) -> list[str]:
        first = next(iter(self.base[layer].values()), None)
        if first is not None:
            return list(first)
        return list(layout_layers(self.layout)[layer].columns.drop("geometry"))

    def _value(self, layer: str, f: Feature, fld: str) -> Any:
        if fld in INTEGER_FIELDS:
            return self._integer(layer, f, fld)
        if fld in NUMBER_FIELDS:
            value = f.values[fld]
            try:
                return _number(value)
            except (TypeError, ValueError):
                self.fail(layer, f.label, fld, f"expected a number, got {value!r}")
        if fld in LIST_FIELDS:
            return self._list(layer, f, fld)
        return f.values[fld]

    def _integer(self, layer: str, f: Feature, fld: str) -> int:
        value = f.values.get(fld)
        if value is None:
            return 0
        try:
            number = float(value)
        except (TypeError, ValueError):
            self.fail(layer, f.label, fld, f"expected a whole number, got {value!r}")
        if number != int(number):
            self.fail(layer, f.label, fld, f"expected a whole number, got {value!r}")
        return int(number)

    def _list(self, layer: str, f: Feature, fld: str) -> Any:
        ids = [p.strip() for p in str(f.values[fld]).split(",") if p.strip()]
        if not ids:
            self.fail(layer, f.label, fld, "expected one id or a comma-separated list of ids")
        return ids[0] if len(ids) == 1 and fld == "institution" else ids

    def _require(self, layer: str, f: Feature) -> None:
        for fld in REQUIRED_NEW[layer]:
            if f.values.get(fld) is None:
                options = CHOICES.get(layer, {}).get(fld)
                hint = f" (one of: {', '.join(options)})" if options else ""
                self.fail(layer, f.label, fld, f"a new feature needs a value{hint}")

    def _modify(self, layer: str, ident: str, keys: dict[str, Any]) -> None:
        self.v.modify.setdefault(layer, {}).setdefault(ident, {}).update(keys)

    # --- geometry ------------------------------------------------------------------------

    def _xy(self, point: Point) -> tuple[float, float]:
        lat0, lon0 = self.layout.origin
        x, y = to_local_xy(point.y, point.x, lat0, lon0)
        return float(x), float(y)

    def _point(self, layer: str, f: Feature) -> Point:
        if not isinstance(f.geometry, Point):
            self.fail(layer, f.label, "geometry", f"expected a point, got {_kind(f.geometry)}")
        return f.geometry

    def _closest(self, point: Point) -> tuple[str | None, float]:
        x, y = self._xy(point)
        best, dist = None, math.inf
        for nid, (nx, ny) in self.points.items():
            d = math.hypot(nx - x, ny - y)
            if d < dist:
                best, dist = nid, d
        return best, dist

    def _snap(self, f: Feature, point: Point, edge_id: str, end: str) -> str:
        """The node an end of a drawn line joins; a new node if none is near enough."""
        nid, d = self._closest(point)
        limit = self.snap_m if self.snap_m is not None else ON_NODE_M
        if nid is not None and d <= limit:
            return nid
        if self.snap_m is None:
            self.fail(
                "edges",
                f.label,
                "geometry",
                f"the line's {end} lies {d:,.1f} m from the nearest node '{nid}'; draw it "
                "onto a node (snapping on) or pass --snap METRES to join or create nodes",
            )
        ident = f"{edge_id}_{end}"
        self.v.add.setdefault("nodes", {})[ident] = {"lat": point.y, "lon": point.x}
        self.points[ident] = self._xy(point)
        return ident

    def _nearest(self, layer: str, f: Feature, fld: str) -> str:
        """The node a new point lies on (within the snap limit), or nearest a new footprint.

        A footprint takes the node nearest its outline, if within the 100 m that
        validation allows between a building and its entrances.
        """
        geom = f.geometry
        if geom is None:
            self.fail(layer, f.label, fld, "no value and no geometry to find a node from")
        if isinstance(geom, Point):
            nid, d = self._closest(geom)
            limit = max(self.snap_m or 0.0, ON_NODE_M)
        else:
            lat0, lon0 = self.layout.origin

            def local(coords: np.ndarray) -> np.ndarray:
                x, y = to_local_xy(coords[:, 1], coords[:, 0], lat0, lon0)
                return np.column_stack([x, y])

            outline = shapely.transform(geom, local)
            nid, d = min(
                ((n, outline.distance(Point(xy))) for n, xy in self.points.items()),
                key=lambda item: item[1],
                default=(None, math.inf),
            )
            limit = ENTRANCE_MAX_M
        if nid is None or d > limit:
            self.fail(
                layer,
                f.label,
                fld,
                f"no value, and the nearest node is {d:,.1f} m away (at most {limit:g} m); "
                "name the node",
            )
        return nid

    def _building_at(self, f: Feature) -> str:
        geom = f.geometry
        for bid, shape in self.base_geom["buildings"].items():
            if geom is not None and isinstance(shape, MultiPolygon) and shape.contains(geom):
                return str(bid)
        self.fail("venues", f.label, "building", "no value, and the point is in no footprint")

    def _fresh(self, what: str) -> str:
        taken = (
            set(self.points)
            | {ident for section in self.v.add.values() for ident in section}
            | {ident for rows in self.base.values() for ident in rows}
        )
        n = 1
        while f"new_{what}_{n}" in taken:
            n += 1
        return f"new_{what}_{n}"


def _kind(geom: BaseGeometry | None) -> str:
    return "no geometry" if geom is None else f"a {geom.geom_type}"


def _number(value: Any) -> float:
    if isinstance(value, bool):
        raise TypeError("boolean")
    return float(value)


def _same(before: Any, after: Any, fld: str) -> bool:
    if before in (None, "") and after in (None, ""):
        return True
    if fld in LIST_FIELDS:
        before_ids = [p.strip() for p in str(before).split(",") if p.strip()]
        after_ids = after if isinstance(after, list) else [after]
        return before_ids == list(after_ids)
    if isinstance(before, float) or isinstance(after, float):
        try:
            return math.isclose(float(before), float(after), rel_tol=1e-9, abs_tol=1e-9)
        except (TypeError, ValueError):
            return False
    return bool(before == after)


def _distance_m(a: Point, b: Point) -> float:
    lat1, lat2 = math.radians(a.y), math.radians(b.y)
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin(math.radians(b.x - a.x) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def _line_length_m(line: LineString) -> float:
    coords = [Point(c) for c in line.coords]
    return sum(_distance_m(a, b) for a, b in itertools.pairwise(coords))


def _footprint(geom: BaseGeometry | None) -> list[list[list[float]]] | None:
    """Polygon geometry as footprint rings ``[[lat, lon], ...]``; ``None`` for others."""
    if isinstance(geom, Polygon):
        polygons = [geom]
    elif isinstance(geom, MultiPolygon):
        polygons = list(geom.geoms)
    else:
        return None
    return [[[float(y), float(x)] for x, y in p.exterior.coords] for p in polygons]


def _same_rings(a: list[list[list[float]]], b: list[list[list[float]]] | None) -> bool:
    if b is None or len(a) != len(b):
        return False
    for ra, rb in zip(a, b, strict=True):
        if len(ra) != len(rb):
            return False
        for pa, pb in zip(ra, rb, strict=True):
            if _distance_m(Point(pa[1], pa[0]), Point(pb[1], pb[0])) > MOVED_M:
                return False
    return True


def _render(variant: _Variant, extends: str, name: str, out: Path) -> str:
    """The variant as YAML: extends, name, then remove, modify and add blocks."""
    lines = [
        "# Written by `run_sim.py import-layout` from edited GIS layers; check with\n",
        f"#   python run_sim.py show {out}\n",
        yaml.safe_dump(
            {"extends": extends, "name": name},
            sort_keys=False,
            allow_unicode=True,
            default_flow_style=False,
        ),
    ]
    for verb, block in (
        ("remove", variant.remove),
        ("modify", variant.modify),
        ("add", variant.add),
    ):
        sections = {s: block[s] for s in LAYERS if block.get(s)}
        if sections:
            # Flow style for the innermost mappings and lists: one line per item.
            lines.append(
                yaml.safe_dump(
                    {verb: sections},
                    sort_keys=False,
                    allow_unicode=True,
                    default_flow_style=None,
                    width=100,
                )
            )
    return "".join(lines)


def _write_checked(text: str, out: Path) -> None:
    """Write the variant only if it validates with its base (written beside ``out``)."""
    tmp = out.with_name(f".{out.stem}.partial{out.suffix}")
    tmp.write_text(text, encoding="utf-8")
    try:
        load_layout(tmp)
    except LayoutError as err:
        where = f"{err.path}: " if err.path else ""
        raise CrosspathsInputError(
            f"the edited layers make an invalid layout: {where}{err.message}"
        ) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    else:
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
