"""Build a runnable layout skeleton of any district from an OpenStreetMap file.

What is taken from OSM, and how (``docs/import.md`` has the full tables):

- **streets and paths**: ways with a walkable ``highway`` tag, split at junctions; ``kind``
  and ``traffic`` from the highway class; only the largest connected network is kept, so
  every place can be reached;
- **buildings** with a use that brings people (university, hospital, office): footprint
  from the way, population estimated as footprint area × levels ÷ m² per person of the
  use, split over agent types (defaults in :data:`DEFAULT_ESTIMATES`, overridable in a
  small YAML file); institution from the ``operator`` or ``name`` tag, else one per
  building; entrance at the nearest network node;
- **cafés and restaurants** as venues in the building they stand in;
- **parks and squares** as public spaces;
- **public-transport stops** (metro, train, bus) as gateways with equal shares.

Every estimate is marked as such in a comment of the written file. The file carries the
attribution "© OpenStreetMap contributors".
"""

from __future__ import annotations

import itertools
import math
import os
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from shapely import STRtree
from shapely.geometry import Point, Polygon

from sim.errors import CrosspathsInputError, LayoutError
from sim.geometry import to_local_xy
from sim.gis.osm_read import OsmData, read_osm
from sim.layout import load_layout
from sim.layout.footprint import ENTRANCE_MAX_M

ATTRIBUTION = "© OpenStreetMap contributors"

STREET_TRAFFIC: dict[str, str] = {
    "trunk": "high",
    "trunk_link": "high",
    "primary": "high",
    "primary_link": "high",
    "secondary": "high",
    "secondary_link": "high",
    "tertiary": "low",
    "tertiary_link": "low",
    "unclassified": "low",
    "residential": "low",
    "living_street": "low",
    "service": "low",
}
"""Highway classes drawn as ``street``, with their motor traffic."""

PATHS: frozenset[str] = frozenset(
    {"pedestrian", "footway", "path", "steps", "cycleway", "track", "corridor", "bridleway"}
)
"""Highway classes drawn as ``footpath`` (``park_path`` inside a park, ``crossing`` when
tagged ``footway=crossing``)."""

VENUE_AMENITIES: dict[str, str] = {
    "cafe": "cafe",
    "restaurant": "cafe",
    "fast_food": "cafe",
    "bar": "cafe",
    "pub": "cafe",
    "ice_cream": "cafe",
    "canteen": "canteen",
    "food_court": "canteen",
}
"""``amenity`` values imported as venues, and the venue kind each becomes."""

DEFAULT_ESTIMATES: dict[str, Any] = {
    # Levels when a building has neither building:levels nor height (assumption).
    "default_levels": 3,
    "metres_per_level": 3.5,
    # Gross floor area per person present on a weekday, by use; shares by agent type.
    # Assumptions, to be replaced by the district's own figures (docs/import.md).
    "uses": {
        "university": {
            "m2_per_person": 20,
            "people": {"student": 0.7, "researcher": 0.3},
            "sector": "university",
        },
        "hospital": {"m2_per_person": 60, "people": {"clinician": 1.0}, "sector": "hospital"},
        "office": {"m2_per_person": 25, "people": {"startup": 1.0}, "sector": "company"},
    },
    # Venue capacity and hours where OSM has no usable opening_hours (assumption).
    "venues": {
        "cafe": {"capacity": 40, "hours": "08:00-18:00"},
        "canteen": {"capacity": 150, "hours": "11:00-14:00"},
    },
    "min_space_area_m2": 500,
}
"""Estimates used by the importer; a ``--estimates`` YAML file overrides any key."""

_USE_OF_BUILDING: dict[str, str] = {
    "university": "university",
    "college": "university",
    "hospital": "hospital",
    "office": "office",
    "commercial": "office",
}
_USE_OF_AMENITY: dict[str, str] = {
    "university": "university",
    "college": "university",
    "research_institute": "university",
    "hospital": "hospital",
    "clinic": "hospital",
}
_YAML_WORDS = frozenset({"y", "n", "yes", "no", "on", "off", "true", "false", "null", "nan", "inf"})
_HOURS = re.compile(r"(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})")


@dataclass
class _Graph:
    """The walkable network: node id → (lat, lon), edge id → attributes."""

    nodes: dict[str, tuple[float, float]] = field(default_factory=dict)
    edges: dict[str, dict[str, Any]] = field(default_factory=dict)


def import_osm(
    osm_file: Path,
    out: Path,
    *,
    bbox: str | None = None,
    name: str | None = None,
    estimates: Path | None = None,
    force: bool = False,
) -> str:
    """Read an OSM file and write a layout skeleton.

    Parameters
    ----------
    osm_file
        ``.osm``, ``.osm.gz`` or ``.osm.pbf``.
    out
        Layout YAML to write; validated before it is put in place.
    bbox
        ``"south,west,north,east"``: keep only what lies inside.
    name
        Scenario name; default ``out``'s stem.
    estimates
        YAML file overriding keys of :data:`DEFAULT_ESTIMATES`.
    force
        Replace an existing ``out``.

    Returns
    -------
    str
        One-line summary of what was imported.

    Raises
    ------
    CrosspathsInputError
        Bad arguments, unreadable input, or nothing walkable in the area.
    """
    if out.exists() and not force:
        raise CrosspathsInputError(
            f"{out} exists; choose another --out or pass --force to replace it"
        )
    if out.suffix.lower() not in (".yaml", ".yml"):
        raise CrosspathsInputError(f"expected a .yaml file, got {str(out)!r}", path="--out")
    box = _bbox(bbox)
    est = _estimates(estimates)
    data = read_osm(osm_file)
    if box is not None:
        data.coords = {
            n: c
            for n, c in data.coords.items()
            if box[0] <= c[0] <= box[2] and box[1] <= c[1] <= box[3]
        }
    builder = _Builder(data, est)
    text = builder.render(name or _slug(out.stem) or "osm_import", osm_file)
    _write_checked(text, out)
    return f"{osm_file} -> {out}: {builder.summary()}"


def _bbox(raw: str | None) -> tuple[float, float, float, float] | None:
    if raw is None:
        return None
    try:
        s, w, n, e = (float(p) for p in raw.split(","))
    except ValueError:
        raise CrosspathsInputError(
            f"expected south,west,north,east in degrees, got {raw!r}", path="--bbox"
        ) from None
    if not (-90 <= s < n <= 90 and -180 <= w < e <= 180):
        raise CrosspathsInputError(
            f"expected south < north within ±90 and west < east within ±180, got {raw!r}",
            path="--bbox",
        )
    return s, w, n, e


def _estimates(path: Path | None) -> dict[str, Any]:
    est = yaml.safe_load(yaml.safe_dump(DEFAULT_ESTIMATES))
    if path is None:
        return est
    try:
        given = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as err:
        raise CrosspathsInputError(f"cannot read {path}: {err}", path="--estimates") from None
    if not isinstance(given, dict):
        raise CrosspathsInputError(f"{path}: expected a mapping of estimates", path="--estimates")
    _merge(est, given, str(path), "")
    return est


def _merge(target: dict[str, Any], given: dict[str, Any], file: str, prefix: str) -> None:
    for key, value in given.items():
        where = f"{prefix}{key}"
        if key not in target:
            raise CrosspathsInputError(
                f"unknown key {key!r} (expected one of: {', '.join(map(str, target))})",
                file=file,
                path=where,
            )
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            _merge(target[key], value, file, where + ".")
        else:
            target[key] = value


def _slug(text: str) -> str:
    return re.sub(r"[^\w.\-]+", "_", text.strip().lower()).strip("_")


class _Builder:
    """Turns OSM data into the sections of a layout."""

    def __init__(self, data: OsmData, est: dict[str, Any]) -> None:
        self.data = data
        self.est = est
        self.notes: Counter[str] = Counter()
        self.graph = self._network()
        if not self.graph.edges:
            raise CrosspathsInputError(
                "no walkable streets or paths in the file (or inside --bbox)", path="OSM_FILE"
            )
        lats = [c[0] for c in self.graph.nodes.values()]
        lons = [c[1] for c in self.graph.nodes.values()]
        self.origin = ((min(lats) + max(lats)) / 2, (min(lons) + max(lons)) / 2)
        self.node_ids = list(self.graph.nodes)
        self.node_tree = STRtree([Point(self._xy(*self.graph.nodes[n])) for n in self.node_ids])
        self.parks = self._areas(("park",))
        self.institutions: dict[str, dict[str, str]] = {}
        self.buildings: dict[str, dict[str, Any]] = {}
        self.spaces: dict[str, dict[str, Any]] = {}
        self.gateways: dict[str, dict[str, Any]] = {}
        self._mark_park_paths()
        self._buildings()
        self._venues()
        self._spaces()
        self._gateways()
        if not self.buildings:
            raise CrosspathsInputError(
                "no building that brings people (university, hospital, office) or holds a "
                "café near the streets; a layout needs at least one: widen --bbox, or tag one",
                path="OSM_FILE",
            )

    # --- geometry helpers ----------------------------------------------------------------

    def _xy(self, lat: float, lon: float) -> tuple[float, float]:
        x, y = to_local_xy(lat, lon, *self.origin)
        return float(x), float(y)

    def _ring(self, refs: list[int]) -> list[tuple[float, float]] | None:
        """A closed way's (lat, lon) ring, or None if open or missing nodes."""
        if len(refs) < 4 or refs[0] != refs[-1] or any(r not in self.data.coords for r in refs):
            return None
        return [self.data.coords[r] for r in refs]

    def _polygon(self, ring: list[tuple[float, float]]) -> Polygon:
        return Polygon([self._xy(lat, lon) for lat, lon in ring])

    def _nearest_node(self, geom: Any) -> tuple[str, float]:
        index = int(self.node_tree.nearest(geom))
        nid = self.node_ids[index]
        return nid, float(geom.distance(self.node_tree.geometries[index]))

    # --- the network ---------------------------------------------------------------------

    def _walkable(self, tags: dict[str, str]) -> str | None:
        """The edge kind of a way, or None if people do not walk on it."""
        highway = tags.get("highway", "")
        foot = tags.get("foot", "")
        if foot == "no" or tags.get("area") == "yes":
            return None
        if tags.get("access") in ("private", "no") and foot not in ("yes", "designated"):
            return None
        if tags.get("footway") == "crossing" or (
            highway in PATHS and tags.get("crossing") not in (None, "", "no")
        ):
            return "crossing"
        if highway in PATHS:
            return "footpath"
        if highway in STREET_TRAFFIC:
            return "street"
        return None

    def _network(self) -> _Graph:
        ways = []
        use: Counter[int] = Counter()
        for wid, (refs, tags) in self.data.ways.items():
            kind = self._walkable(tags)
            if kind is None:
                continue
            # Split at nodes outside the file or --bbox: each inside run is its own piece.
            run: list[int] = []
            for ref in [*refs, None]:
                if ref is not None and ref in self.data.coords:
                    run.append(ref)
                    continue
                if len(run) >= 2:
                    ways.append((wid, run, tags, kind))
                    use.update(set(run))
                    use.update([run[0], run[-1]])  # ends are always junctions
                run = []
        junction = {n for n, k in use.items() if k >= 2}
        graph = _Graph()
        pieces: Counter[int] = Counter()
        for wid, refs, tags, kind in ways:
            if refs[0] == refs[-1]:
                junction.add(refs[len(refs) // 2])  # a closed way is cut in two
            piece = [refs[0]]
            for ref in refs[1:]:
                piece.append(ref)
                if ref in junction:
                    pieces[wid] += 1
                    self._edge(graph, f"w{wid}_{pieces[wid]}", piece, tags, kind)
                    piece = [ref]
        return _largest_component(graph)

    def _edge(
        self, graph: _Graph, eid: str, refs: list[int], tags: dict[str, str], kind: str
    ) -> None:
        a, b = refs[0], refs[-1]
        if a == b:
            return
        pts = [self.data.coords[r] for r in refs]
        length = sum(_haversine(p, q) for p, q in itertools.pairwise(pts))
        if length < 0.5:
            self.notes["edges shorter than 0.5 m dropped"] += 1
            return
        for ref in (a, b):
            graph.nodes[f"n{ref}"] = self.data.coords[ref]
        item: dict[str, Any] = {"from": f"n{a}", "to": f"n{b}", "kind": kind}
        highway = tags.get("highway", "")
        item["traffic"] = STREET_TRAFFIC.get(highway, "low") if kind == "street" else "none"
        if tags.get("name"):
            item["name"] = tags["name"]
        if len(refs) > 2:
            item["length"] = round(length, 1)
        item["_mid"] = pts[len(pts) // 2]
        graph.edges[eid] = item

    def _mark_park_paths(self) -> None:
        if not self.parks:
            return
        tree = STRtree([p for _, p, _ in self.parks])
        for edge in self.graph.edges.values():
            if edge["kind"] != "footpath":
                continue
            mid = Point(self._xy(*edge["_mid"]))
            if len(tree.query(mid, predicate="within")):
                edge["kind"] = "park_path"

    # --- areas, buildings, venues ---------------------------------------------------------

    def _areas(self, kinds: Iterable[str]) -> list[tuple[int, Polygon, dict[str, str]]]:
        wanted = set(kinds)
        out = []
        for wid, (refs, tags) in self.data.ways.items():
            kind = _space_kind(tags)
            if kind not in wanted:
                continue
            ring = self._ring(refs)
            if ring is not None:
                poly = self._polygon(ring)
                if poly.is_valid and poly.area > 0:
                    out.append((wid, poly, tags))
        return out

    def _use(self, tags: dict[str, str]) -> str | None:
        return (
            _USE_OF_AMENITY.get(tags.get("amenity", ""))
            or _USE_OF_BUILDING.get(tags.get("building", ""))
            or ("office" if tags.get("office") else None)
        )

    def _levels(self, tags: dict[str, str]) -> tuple[float, str]:
        for key in ("building:levels", "levels"):
            try:
                levels = float(tags.get(key, "").replace(",", "."))
            except ValueError:
                continue
            if levels > 0:
                return levels, f"{levels:g} levels (OSM)"
        try:
            height = float(tags.get("height", "").replace("m", "").strip())
        except ValueError:
            height = 0.0
        if height > 0:
            levels = max(1.0, round(height / float(self.est["metres_per_level"])))
            return levels, f"{levels:g} levels (from height {height:g} m)"
        levels = float(self.est["default_levels"])
        return levels, f"{levels:g} levels (default)"

    def _buildings(self) -> None:
        self.all_buildings: list[tuple[int, Polygon, list[tuple[float, float]], dict[str, str]]]
        self.all_buildings = []
        for wid, (refs, tags) in self.data.ways.items():
            if tags.get("building", "no") == "no":
                continue
            ring = self._ring(refs)
            if ring is None:
                continue
            poly = self._polygon(ring)
            if not poly.is_valid or poly.area < 1:
                self.notes["invalid building outlines skipped"] += 1
                continue
            self.all_buildings.append((wid, poly, ring, tags))
            use = self._use(tags)
            if use is not None and use in self.est["uses"]:
                self._add_building(wid, poly, ring, tags, use)
        self.building_tree = (
            STRtree([b[1] for b in self.all_buildings]) if self.all_buildings else None
        )

    def _add_building(
        self,
        wid: int,
        poly: Polygon,
        ring: list[tuple[float, float]],
        tags: dict[str, str],
        use: str | None,
    ) -> str | None:
        bid = f"b{wid}"
        if bid in self.buildings:
            return bid
        entrance, distance = self._nearest_node(poly)
        if distance > ENTRANCE_MAX_M * 0.9:
            self.notes["buildings too far from the network skipped"] += 1
            return None
        label = tags.get("name") or _address(tags) or f"Building {wid}"
        item: dict[str, Any] = {"name": label, "entrances": [entrance], "footprint": ring}
        if use is None:
            item["institution"] = self._institution("osm_places", "Cafés and restaurants", "other")
            item["_note"] = "hosts venues only; nobody based here (assumption)"
        else:
            spec = self.est["uses"][use]
            owner = tags.get("operator") or tags.get("name")
            if owner:
                iid = self._institution(_slug(owner), owner, spec.get("sector", "other"))
            else:
                iid = self._institution(bid, label, spec.get("sector", "other"))
            levels, how = self._levels(tags)
            total = poly.area * levels / float(spec["m2_per_person"])
            population = _split(total, spec["people"])
            item["institution"] = iid
            item["population"] = population
            item["_note"] = (
                f"estimated: {poly.area:,.0f} m² × {how} ÷ {spec['m2_per_person']} m² per "
                f"person ({use})"
            )
        self.buildings[bid] = item
        return bid

    def _institution(self, iid: str, name: str, sector: str) -> str:
        if not re.match(r"[a-z]", iid) or iid in _YAML_WORDS:
            # YAML would read `86` or `no` as a number or boolean, not an id.
            iid = f"inst_{iid}"
        if iid not in self.institutions:
            self.institutions[iid] = {"name": name, "sector": sector}
        return iid

    def _venues(self) -> None:
        places: list[tuple[str, tuple[float, float], dict[str, str]]] = []
        for nid, tags in self.data.node_tags.items():
            if tags.get("amenity") in VENUE_AMENITIES and nid in self.data.coords:
                places.append((f"n{nid}", self.data.coords[nid], tags))
        for wid, (refs, tags) in self.data.ways.items():
            ring = self._ring(refs)
            if tags.get("amenity") in VENUE_AMENITIES and ring is not None:
                lat = sum(p[0] for p in ring[:-1]) / (len(ring) - 1)
                lon = sum(p[1] for p in ring[:-1]) / (len(ring) - 1)
                places.append((f"w{wid}", (lat, lon), tags))
        for osm_id, (lat, lon), tags in places:
            kind = VENUE_AMENITIES[tags["amenity"]]
            bid = self._host(Point(self._xy(lat, lon)), osm_id)
            if bid is None:
                self.notes["venues outside any building or network skipped"] += 1
                continue
            spec = self.est["venues"][kind]
            hours, hours_src = _opening_hours(tags.get("opening_hours", ""), spec["hours"])
            venue = {
                "kind": kind,
                "capacity": int(spec["capacity"]),
                "hours": hours,
                "access": "public",
                "name": tags.get("name", tags["amenity"].replace("_", " ")),
                "_note": f"capacity estimated; hours {hours_src}",
            }
            host = self.buildings[bid]
            host.setdefault("venues", {})[f"{tags['amenity']}_{osm_id}"] = venue
            if "population" not in host and host["name"].startswith(("Building ", "Venue ")):
                # A building known only for its café is best called by the café's name.
                host["name"] = venue["name"]

    def _host(self, point: Point, osm_id: str) -> str | None:
        """The building a venue is in: an imported one, another OSM one, or a new one."""
        if self.building_tree is not None:
            for index in self.building_tree.query(point, predicate="within"):
                wid, poly, ring, tags = self.all_buildings[int(index)]
                bid = f"b{wid}"
                if bid in self.buildings:
                    return bid
                return self._add_building(wid, poly, ring, tags, None)
        entrance, distance = self._nearest_node(point)
        if distance > ENTRANCE_MAX_M * 0.9:
            return None
        bid = f"venue_{osm_id}"
        self.buildings[bid] = {
            "name": f"Venue {osm_id}",
            "entrances": [entrance],
            "institution": self._institution("osm_places", "Cafés and restaurants", "other"),
            "_note": "no building outline in OSM; a point at the venue's nearest node",
        }
        return bid

    # --- spaces and gateways --------------------------------------------------------------

    def _spaces(self) -> None:
        for wid, poly, tags in self._areas(("park", "plaza")):
            if poly.area < float(self.est["min_space_area_m2"]):
                continue
            node, distance = self._nearest_node(poly)
            if distance > ENTRANCE_MAX_M:
                continue
            kind = _space_kind(tags)
            self.spaces[f"s{wid}"] = {
                "name": tags.get("name", f"{kind} {wid}"),
                "kind": kind,
                "node": node,
                "area": round(poly.area),
            }

    def _gateways(self) -> None:
        stops: list[tuple[str, str, tuple[float, float]]] = []
        for nid, tags in self.data.node_tags.items():
            kind = _gateway_kind(tags)
            if kind is not None and nid in self.data.coords:
                stops.append((kind, tags.get("name", ""), self.data.coords[nid]))
        merged: dict[tuple[str, str], list[tuple[float, float]]] = {}
        for kind, label, coord in stops:
            # Both platforms of a stop, or several entrances of a station, make one gateway.
            key = (kind, label or f"{coord[0]:.4f},{coord[1]:.4f}")
            merged.setdefault(key, []).append(coord)
        for (kind, label), coords in merged.items():
            lat = sum(c[0] for c in coords) / len(coords)
            lon = sum(c[1] for c in coords) / len(coords)
            node, distance = self._nearest_node(Point(self._xy(lat, lon)))
            if distance > ENTRANCE_MAX_M:
                continue
            gid = f"{kind}_{_slug(label)}"[:60]
            while gid in self.gateways:
                gid += "_"
            self.gateways[gid] = {"name": label, "kind": kind, "node": node}
        if not self.gateways:
            # A layout needs a gateway; the busiest junction stands in until one is drawn.
            degree: Counter[str] = Counter()
            for e in self.graph.edges.values():
                degree.update([e["from"], e["to"]])
            node = degree.most_common(1)[0][0]
            self.gateways["placeholder"] = {
                "name": "Placeholder gateway",
                "kind": "bike",
                "node": node,
            }
            self.notes["no public-transport stop found: a placeholder gateway"] += 1
        shares = _equal_shares(len(self.gateways))
        for gateway, share in zip(self.gateways.values(), shares, strict=True):
            gateway["share"] = share

    # --- output ----------------------------------------------------------------------------

    def summary(self) -> str:
        people = sum(sum(b.get("population", {}).values()) for b in self.buildings.values())
        venues = sum(len(b.get("venues", {})) for b in self.buildings.values())
        parts = [
            f"{len(self.graph.nodes)} nodes",
            f"{len(self.graph.edges)} edges",
            f"{len(self.buildings)} buildings ({people:,} people, estimated)",
            f"{venues} venues",
            f"{len(self.spaces)} public spaces",
            f"{len(self.gateways)} gateways",
        ]
        notes = "; ".join(f"{n} {what}" for what, n in self.notes.items())
        return ", ".join(parts) + (f" ({notes})" if notes else "")

    def render(self, name: str, source: Path) -> str:
        q = _quote
        out = [
            f"# Layout skeleton imported from {source.name} by `run_sim.py import-osm`.\n",
            "# Map data © OpenStreetMap contributors (ODbL). Populations, venue capacities and\n",
            "# hours, gateway shares and frontage are ESTIMATES or defaults, marked as such;\n",
            "# see docs/import.md for what to fill in by hand.\n",
            f"name: {q(name)}\n",
            f"description: {q(f'Imported from OpenStreetMap ({source.name})')}\n",
            f"attribution: {q(ATTRIBUTION)}\n",
            f"origin: {{lat: {self.origin[0]:.6f}, lon: {self.origin[1]:.6f}}}\n",
            "\ninstitutions:\n",
        ]
        for iid, inst in self.institutions.items():
            out.append(f"  {iid}: {{name: {q(inst['name'])}, sector: {inst['sector']}}}\n")
        out.append("\nnodes:\n")
        for nid, (lat, lon) in self.graph.nodes.items():
            out.append(f"  {nid}: {{lat: {lat:.7f}, lon: {lon:.7f}}}\n")
        out.append("\n# kind and traffic from the highway tag; frontage not in OSM (default 0).\n")
        out.append("edges:\n")
        for eid, e in self.graph.edges.items():
            parts = [
                f"{k}: {q(v) if k == 'name' else v}" for k, v in e.items() if not k.startswith("_")
            ]
            out.append(f"  {eid}: {{{', '.join(parts)}}}\n")
        out.append("\nbuildings:\n")
        for bid, b in self.buildings.items():
            out.append(f"  {bid}:  # {b['_note']}\n")
            out.append(f"    name: {q(b['name'])}\n")
            out.append(f"    institution: {b['institution']}\n")
            out.append(f"    entrances: [{', '.join(b['entrances'])}]\n")
            if b.get("population"):
                pop = ", ".join(f"{t}: {n}" for t, n in b["population"].items())
                out.append(f"    population: {{{pop}}}  # estimated\n")
            if b.get("footprint"):
                pts = ", ".join(f"[{lat:.7f}, {lon:.7f}]" for lat, lon in b["footprint"])
                out.append(f"    footprint: [{pts}]\n")
            if b.get("venues"):
                out.append("    venues:\n")
                for vid, v in b["venues"].items():
                    parts = [
                        f"{k}: {q(v[k]) if k in ('hours', 'name') else v[k]}"
                        for k in ("kind", "capacity", "hours", "access", "name")
                    ]
                    out.append(f"      {vid}: {{{', '.join(parts)}}}  # {v['_note']}\n")
        out.append("\npublic_spaces:\n" if self.spaces else "\npublic_spaces: {}\n")
        for sid, s in self.spaces.items():
            out.append(
                f"  {sid}: {{name: {q(s['name'])}, kind: {s['kind']}, node: {s['node']}, "
                f"area: {s['area']}}}\n"
            )
        out.append("\n# Shares are equal (estimate): replace them with counts of arrivals.\n")
        out.append("gateways:\n")
        for gid, g in self.gateways.items():
            out.append(
                f"  {gid}: {{name: {q(g['name'] or gid)}, kind: {g['kind']}, "
                f"node: {g['node']}, share: {g['share']}}}\n"
            )
        return "".join(out)


def _largest_component(graph: _Graph) -> _Graph:
    neighbours: dict[str, set[str]] = {}
    for e in graph.edges.values():
        neighbours.setdefault(e["from"], set()).add(e["to"])
        neighbours.setdefault(e["to"], set()).add(e["from"])
    best: set[str] = set()
    seen: set[str] = set()
    for start in neighbours:
        if start in seen:
            continue
        comp = {start}
        todo = [start]
        while todo:
            for other in neighbours[todo.pop()]:
                if other not in comp:
                    comp.add(other)
                    todo.append(other)
        seen |= comp
        if len(comp) > len(best):
            best = comp
    return _Graph(
        nodes={n: c for n, c in graph.nodes.items() if n in best},
        edges={k: e for k, e in graph.edges.items() if e["from"] in best},
    )


def _haversine(p: tuple[float, float], q: tuple[float, float]) -> float:
    lat1, lat2 = math.radians(p[0]), math.radians(q[0])
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin(math.radians(q[1] - p[1]) / 2) ** 2
    )
    return 2 * 6_371_008.8 * math.asin(min(1.0, math.sqrt(h)))


def _space_kind(tags: dict[str, str]) -> str | None:
    if tags.get("leisure") in ("park", "garden") and tags.get("access") not in ("private", "no"):
        return "park"
    if tags.get("place") == "square" or (
        tags.get("highway") == "pedestrian" and tags.get("area") == "yes"
    ):
        return "plaza"
    return None


def _gateway_kind(tags: dict[str, str]) -> str | None:
    railway = tags.get("railway", "")
    if railway == "subway_entrance" or (
        railway in ("station", "stop")
        and (tags.get("station") == "subway" or tags.get("subway") == "yes")
    ):
        return "metro"
    if railway in ("station", "halt"):
        return "train"
    if tags.get("highway") == "bus_stop" or (
        tags.get("public_transport") == "platform" and tags.get("bus") == "yes"
    ):
        return "bus"
    return None


def _address(tags: dict[str, str]) -> str:
    street, number = tags.get("addr:street", ""), tags.get("addr:housenumber", "")
    return f"{street} {number}".strip()


def _split(total: float, shares: dict[str, float]) -> dict[str, int]:
    """``total`` people over agent types by ``shares``, rounded, at least 1 in all."""
    weight = sum(shares.values())
    return {t: max(1, round(total * s / weight)) for t, s in shares.items() if s > 0}


def _equal_shares(n: int) -> list[float]:
    share = round(1.0 / n, 4)
    shares = [share] * n
    shares[-1] = round(1.0 - share * (n - 1), 4)
    return shares


def _opening_hours(raw: str, default: str) -> tuple[str, str]:
    """The first ``HH:MM-HH:MM`` of an opening_hours tag if it fits in one day."""
    found = _HOURS.search(raw)
    if found:
        a, b, c, d = (int(g) for g in found.groups())
        if (a, b) < (c, d) <= (24, 0) and b < 60 and d < 60:
            return f"{a:02d}:{b:02d}-{c:02d}:{d:02d}", "from opening_hours"
    return default, "estimated"


def _quote(text: str) -> str:
    """A YAML double-quoted string (JSON escapes are valid YAML)."""
    import json

    return json.dumps(str(text), ensure_ascii=False)


def _write_checked(text: str, out: Path) -> None:
    """Validate the layout text before putting it at ``out``."""
    tmp = out.with_name(f".{out.stem}.partial{out.suffix}")
    tmp.write_text(text, encoding="utf-8")
    try:
        load_layout(tmp)
    except LayoutError as err:
        # A bug or an unusual file: say where, keep nothing.
        raise CrosspathsInputError(
            f"the imported layout does not validate ({err.path}: {err.message}); "
            "please report this with the OSM file"
        ) from None
    else:
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
