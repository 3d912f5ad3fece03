"""Turn raw layout data into the validated :class:`~sim.layout.schema.Layout`.

The input is what :func:`~sim.layout.reader.read_yaml` returns (plain data plus a line
index), possibly merged from several files. Validation stops at the first problem and
raises one :class:`~sim.errors.LayoutError` naming the file, line, dotted key path and
what was expected. The rules are those of ``docs/layout-format.md``.

Sections are checked in dependency order: parameters (venue areas default from them),
institutions, nodes, edges, buildings and their venues, public spaces, gateways, then the
district-wide rules (gateway shares, reachability).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Collection, Mapping
from typing import Any

from sim.geometry import EARTH_RADIUS_M, to_local_xy
from sim.layout.checks import Checker, describe, fmt_number, range_phrase
from sim.layout.footprint import check_footprint
from sim.layout.overrides import agent_overrides, apply_param_overrides, model_overrides
from sim.layout.reader import KeyPath, LineIndex
from sim.layout.schema import (
    Building,
    Edge,
    Gateway,
    Institution,
    Layout,
    Node,
    PublicSpace,
    Venue,
)
from sim.limits import MAX_PEOPLE, MAX_PEOPLE_PER_BUILDING
from sim.params import (
    AGENT_TYPES,
    EDGE_KINDS,
    GATEWAY_KINDS,
    QUALITY_LEVELS,
    SPACE_KINDS,
    TRAFFIC_LEVELS,
    VENUE_ACCESS,
    VENUE_KINDS,
    Params,
)

SECTORS: tuple[str, ...] = ("university", "hospital", "company", "public", "other")
"""Institution sectors, used to group plots."""

MAX_NODE_DISTANCE_M = 20_000.0
"""How far a node may lie from the layout's origin: a district fits well within 20 km."""

SHARE_TOLERANCE = 0.01
"""How far gateway shares may add up away from 1 (hand-rounded shares rarely sum exactly)."""

_TOP_REQUIRED = ("name", "institutions", "nodes", "edges", "buildings", "gateways")
_TOP_OPTIONAL = (
    "title", "description", "attribution", "origin", "public_spaces", "agents", "model",
)  # fmt: skip


def validate_layout(data: Any, lines: LineIndex, file: str) -> Layout:
    """Check raw layout data and build the :class:`Layout`.

    Parameters
    ----------
    data
        The parsed document (dicts, lists, scalars).
    lines
        Where each key path was written; errors point there.
    file
        The layout file, reported when ``lines`` does not know a path's file.

    Returns
    -------
    Layout
        The validated layout, items in file order, parameters with the file's overrides.

    Raises
    ------
    LayoutError
        At the first problem found.
    """
    ck = Checker(lines, file)
    top = ck.mapping(data, (), "a mapping of layout sections (name, nodes, edges, ...)")
    ck.keys(top, (), required=_TOP_REQUIRED, optional=_TOP_OPTIONAL)
    name = _scenario_name(top["name"], ck)
    description = ck.text(top.get("description", ""), ("description",))
    attribution = ck.text(top.get("attribution", ""), ("attribution",))
    title = ck.text(top.get("title", ""), ("title",))
    params = apply_param_overrides(
        Params(), model_overrides(top.get("model"), ck), agent_overrides(top.get("agents"), ck)
    )
    institutions = _institutions(top["institutions"], ck)
    origin, nodes = _nodes(top["nodes"], top.get("origin"), ck)
    edges = _edges(top["edges"], nodes, ck)
    buildings, venues = _buildings(top["buildings"], institutions, nodes, origin, params, ck)
    total = sum(sum(b.population.values()) for b in buildings.values())
    if total > MAX_PEOPLE:
        ck.fail(
            ("buildings",),
            f"expected at most {MAX_PEOPLE:,} people in the layout, got {total:,}",
        )
    spaces = _spaces(top.get("public_spaces"), nodes, ck)
    gateways = _gateways(top["gateways"], nodes, ck)
    _check_reachable(edges, buildings, spaces, gateways, ck)
    return Layout(
        name=name,
        source_file=file,
        origin=origin,
        institutions=institutions,
        nodes=nodes,
        edges=edges,
        buildings=buildings,
        venues=venues,
        spaces=spaces,
        gateways=gateways,
        params=params,
        description=description,
        attribution=attribution,
        title=title,
    )


def great_circle_m(a: Node, b: Node) -> float:
    """Great-circle (haversine) distance between two nodes, metres."""
    lat1, lat2 = math.radians(a.lat), math.radians(b.lat)
    dlat = lat2 - lat1
    dlon = math.radians(b.lon - a.lon)
    h = math.sin(dlat / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(dlon / 2) ** 2
    # min(): rounding can push h a hair above 1 for antipodal points.
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def _scenario_name(raw: Any, ck: Checker) -> str:
    """The scenario name; it becomes a folder under ``results/``."""
    name = ck.text(raw, ("name",), empty_ok=False)
    if "/" in name or "\\" in name or name.startswith("."):
        ck.fail(
            ("name",),
            f"expected a name usable as a folder name (no '/', '\\' or leading '.'), "
            f"got {describe(name)}",
        )
    return name


def _section(raw: Any, path: KeyPath, what: str, ck: Checker) -> dict[str, dict[Any, Any]]:
    """An id-keyed section: every key a valid id, every item a mapping (null = empty)."""
    section = ck.mapping(raw, path, f"a mapping of id → {what}", null_ok=True)
    return {
        ck.ident(key, (*path, key)): ck.mapping(
            item, (*path, key), f"a mapping describing the {what}"
        )
        for key, item in section.items()
    }


def _not_empty(items: Mapping[str, Any], path: KeyPath, what: str, ck: Checker) -> None:
    if not items:
        ck.fail(path, f"expected at least one {what}")


def _institutions(raw: Any, ck: Checker) -> dict[str, Institution]:
    out: dict[str, Institution] = {}
    for iid, item in _section(raw, ("institutions",), "institution", ck).items():
        path = ("institutions", iid)
        ck.keys(item, path, required=("name",), optional=("sector",))
        out[iid] = Institution(
            id=iid,
            name=ck.text(item["name"], (*path, "name"), empty_ok=False),
            sector=ck.choice(item.get("sector", "other"), (*path, "sector"), SECTORS, "sector"),
        )
    return out


def _lat_lon(raw: Any, path: KeyPath, ck: Checker) -> tuple[float, float]:
    item = ck.mapping(raw, path, "a mapping with lat and lon")
    ck.keys(item, path, required=("lat", "lon"))
    lat, lon = item["lat"], item["lon"]
    numbers = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (lat, lon))
    if numbers and abs(lat) > 90 and abs(lon) <= 90:
        wanted = "a number" + range_phrase(-90, 90)
        ck.fail((*path, "lat"), f"expected {wanted}, got {describe(lat)}; lat and lon swapped?")
    return (
        ck.number(item["lat"], (*path, "lat"), lo=-90, hi=90),
        ck.number(item["lon"], (*path, "lon"), lo=-180, hi=180),
    )


def _nodes(raw: Any, origin_raw: Any, ck: Checker) -> tuple[tuple[float, float], dict[str, Node]]:
    """The origin (given, or the mean of the nodes) and the nodes in local metres."""
    items = _section(raw, ("nodes",), "node", ck)
    _not_empty(items, ("nodes",), "node", ck)
    coords = {nid: _lat_lon(item, ("nodes", nid), ck) for nid, item in items.items()}
    if origin_raw is None:
        lat0 = sum(lat for lat, _ in coords.values()) / len(coords)
        lon0 = sum(lon for _, lon in coords.values()) / len(coords)
    else:
        lat0, lon0 = _lat_lon(origin_raw, ("origin",), ck)
    nodes: dict[str, Node] = {}
    for nid, (lat, lon) in coords.items():
        x, y = to_local_xy(lat, lon, lat0, lon0)
        nodes[nid] = Node(id=nid, lat=lat, lon=lon, x=float(x), y=float(y))
    _check_near(coords, origin_raw is not None, (lat0, lon0), ck)
    return (lat0, lon0), nodes


def _check_near(
    coords: Mapping[str, tuple[float, float]],
    has_origin: bool,
    origin: tuple[float, float],
    ck: Checker,
) -> None:
    """Every node within :data:`MAX_NODE_DISTANCE_M` of the origin (swapped lat/lon show up).

    Without an ``origin`` key the reference is the median node position: the mean would
    be dragged away by the very node that is wrong.
    """
    if has_origin:
        ref = origin
    else:
        ref = (
            statistics.median(lat for lat, _ in coords.values()),
            statistics.median(lon for _, lon in coords.values()),
        )
    ref_node = Node(id="", lat=ref[0], lon=ref[1], x=0.0, y=0.0)
    where = "the layout's origin" if has_origin else "the median position of the nodes"
    for nid, (lat, lon) in coords.items():
        d = great_circle_m(ref_node, Node(id=nid, lat=lat, lon=lon, x=0.0, y=0.0))
        if d > MAX_NODE_DISTANCE_M:
            ck.fail(
                ("nodes", nid),
                f"node '{nid}' at lat {lat:g}, lon {lon:g} lies {d / 1000:,.0f} km from {where} "
                f"({ref[0]:.4f}, {ref[1]:.4f}; at most {MAX_NODE_DISTANCE_M / 1000:g} km "
                "allowed); lat and lon swapped?",
            )


def _edges(raw: Any, nodes: Mapping[str, Node], ck: Checker) -> dict[str, Edge]:
    return {
        eid: _edge(eid, item, nodes, ck)
        for eid, item in _section(raw, ("edges",), "edge", ck).items()
    }


def _edge(eid: str, item: dict[Any, Any], nodes: Mapping[str, Node], ck: Checker) -> Edge:
    path = ("edges", eid)
    ck.keys(
        item,
        path,
        required=("from", "to", "kind"),
        optional=("traffic", "frontage", "name", "length", "seating", "greenery"),
    )
    source = ck.ref(item["from"], (*path, "from"), nodes, "node")
    target = ck.ref(item["to"], (*path, "to"), nodes, "node")
    if source == target:
        ck.fail((*path, "to"), f"expected a node other than 'from', got '{target}' at both ends")
    kind = ck.choice(item["kind"], (*path, "kind"), EDGE_KINDS, "edge kind")
    # Only streets carry motor traffic unless the file says otherwise.
    traffic = item.get("traffic", "low" if kind == "street" else "none")
    if "length" in item:
        length = ck.number(item["length"], (*path, "length"), lo=0, lo_open=True)
    else:
        length = great_circle_m(nodes[source], nodes[target])
        if length <= 0:
            ck.fail(
                path,
                f"nodes '{source}' and '{target}' are at the same place; "
                "give the edge a length > 0",
            )
    return Edge(
        id=eid,
        source=source,
        target=target,
        kind=kind,
        traffic=ck.choice(traffic, (*path, "traffic"), TRAFFIC_LEVELS, "traffic level"),
        frontage=ck.number(item.get("frontage", 0.0), (*path, "frontage"), lo=0, hi=1),
        length=length,
        name=ck.text(item.get("name", ""), (*path, "name")),
        seating=_quality(item, "seating", "none", path, ck),
        # A park path runs through greenery unless the file says otherwise.
        greenery=_quality(item, "greenery", "good" if kind == "park_path" else "none", path, ck),
    )


def _quality(item: Mapping[Any, Any], key: str, default: str, path: KeyPath, ck: Checker) -> str:
    """A seating or greenery word (``none``, ``some``, ``good``) of an edge or space."""
    return ck.choice(item.get(key, default), (*path, key), QUALITY_LEVELS, f"{key} level")


def _buildings(
    raw: Any,
    institutions: Collection[str],
    nodes: Mapping[str, Node],
    origin: tuple[float, float],
    params: Params,
    ck: Checker,
) -> tuple[dict[str, Building], dict[str, Venue]]:
    """Buildings, and all their venues in one mapping (venue ids are district-wide)."""
    items = _section(raw, ("buildings",), "building", ck)
    _not_empty(items, ("buildings",), "building", ck)
    buildings: dict[str, Building] = {}
    venues: dict[str, Venue] = {}
    for bid, item in items.items():
        path = ("buildings", bid)
        ck.keys(
            item,
            path,
            required=("institution", "entrances"),
            optional=("name", "population", "venues", "footprint"),
        )
        name = ck.text(item.get("name", bid), (*path, "name"), empty_ok=False)
        members = ck.refs(item["institution"], (*path, "institution"), institutions, "institution")
        entrances = ck.refs(item["entrances"], (*path, "entrances"), nodes, "node")
        population = _population(item.get("population"), (*path, "population"), ck)
        own = _venues(item.get("venues"), bid, params, venues, ck)
        venues.update(own)
        footprint, footprint_xy = (
            check_footprint(item["footprint"], (*path, "footprint"), entrances, nodes, origin, ck)
            if item.get("footprint") is not None
            else ((), ())
        )
        buildings[bid] = Building(
            id=bid,
            name=name,
            institutions=members,
            entrances=entrances,
            population=population,
            venues=tuple(own),
            footprint=footprint,
            footprint_xy=footprint_xy,
        )
    return buildings, venues


def _population(raw: Any, path: KeyPath, ck: Checker) -> dict[str, int]:
    """People per agent type, every type present (0 where the file has none)."""
    counts = ck.mapping(raw, path, "a mapping of agent type → people", null_ok=True)
    checked = {
        ck.choice(t, (*path, t), AGENT_TYPES, "agent type"): ck.integer(
            n, (*path, t), lo=0, hi=MAX_PEOPLE_PER_BUILDING
        )
        for t, n in counts.items()
    }
    return {t: checked.get(t, 0) for t in AGENT_TYPES}


def _venues(
    raw: Any, bid: str, params: Params, taken: Mapping[str, Venue], ck: Checker
) -> dict[str, Venue]:
    """One building's venues; ``taken`` holds the venues of earlier buildings."""
    path = ("buildings", bid, "venues")
    out: dict[str, Venue] = {}
    for vid, item in _section(raw, path, "venue", ck).items():
        if vid in taken:
            ck.fail(
                (*path, vid),
                f"venue id '{vid}' is already used in building '{taken[vid].building}' "
                "(venue ids must be unique across buildings)",
            )
        out[vid] = _venue(vid, bid, item, params, ck)
    return out


def _venue(vid: str, bid: str, item: dict[Any, Any], params: Params, ck: Checker) -> Venue:
    path = ("buildings", bid, "venues", vid)
    ck.keys(
        item,
        path,
        required=("kind", "capacity", "hours", "access"),
        optional=("area", "name", "rooms"),
    )
    kind = ck.choice(item["kind"], (*path, "kind"), VENUE_KINDS, "venue kind")
    rooms = ck.integer(item.get("rooms", 1), (*path, "rooms"), lo=0, lo_open=True)
    capacity = ck.integer(item["capacity"], (*path, "capacity"), lo=0, lo_open=True)
    open_s, close_s = ck.hours(item["hours"], (*path, "hours"))
    access = ck.choice(item["access"], (*path, "access"), VENUE_ACCESS, "access")
    if "area" in item:
        area = ck.number(item["area"], (*path, "area"), lo=0, lo_open=True)
    else:
        area = capacity * params.model.venue_m2_per_person
    return Venue(
        id=vid,
        building=bid,
        kind=kind,
        capacity=capacity,
        open_s=open_s,
        close_s=close_s,
        access=access,
        area_m2=area,
        name=ck.text(item.get("name", ""), (*path, "name")),
        rooms=rooms,
    )


def _spaces(raw: Any, nodes: Collection[str], ck: Checker) -> dict[str, PublicSpace]:
    out: dict[str, PublicSpace] = {}
    for sid, item in _section(raw, ("public_spaces",), "public space", ck).items():
        path = ("public_spaces", sid)
        ck.keys(
            item, path, required=("kind", "node", "area"), optional=("name", "seating", "greenery")
        )
        kind = ck.choice(item["kind"], (*path, "kind"), SPACE_KINDS, "public space kind")
        out[sid] = PublicSpace(
            id=sid,
            name=ck.text(item.get("name", sid), (*path, "name"), empty_ok=False),
            kind=kind,
            node=ck.ref(item["node"], (*path, "node"), nodes, "node"),
            area_m2=ck.number(item["area"], (*path, "area"), lo=0, lo_open=True),
            seating=_quality(item, "seating", "some", path, ck),
            greenery=_quality(item, "greenery", "good" if kind == "park" else "none", path, ck),
        )
    return out


def _gateways(raw: Any, nodes: Collection[str], ck: Checker) -> dict[str, Gateway]:
    items = _section(raw, ("gateways",), "gateway", ck)
    _not_empty(items, ("gateways",), "gateway", ck)
    out: dict[str, Gateway] = {}
    for gid, item in items.items():
        path = ("gateways", gid)
        ck.keys(item, path, required=("kind", "node", "share"), optional=("name",))
        out[gid] = Gateway(
            id=gid,
            name=ck.text(item.get("name", gid), (*path, "name"), empty_ok=False),
            kind=ck.choice(item["kind"], (*path, "kind"), GATEWAY_KINDS, "gateway kind"),
            node=ck.ref(item["node"], (*path, "node"), nodes, "node"),
            share=ck.number(item["share"], (*path, "share"), lo=0, hi=1),
        )
    total = sum(g.share for g in out.values())
    if abs(total - 1.0) > SHARE_TOLERANCE:
        ck.fail(
            ("gateways",),
            f"expected gateway shares adding up to 1 (± {fmt_number(SHARE_TOLERANCE)}), "
            f"got {total:.4g}",
        )
    return out


def _component(start: str, edges: Mapping[str, Edge]) -> set[str]:
    """Nodes connected to ``start`` over the undirected edges."""
    neighbours: dict[str, list[str]] = {}
    for e in edges.values():
        neighbours.setdefault(e.source, []).append(e.target)
        neighbours.setdefault(e.target, []).append(e.source)
    seen = {start}
    todo = [start]
    while todo:
        for other in neighbours.get(todo.pop(), ()):
            if other not in seen:
                seen.add(other)
                todo.append(other)
    return seen


def _check_reachable(
    edges: Mapping[str, Edge],
    buildings: Mapping[str, Building],
    spaces: Mapping[str, PublicSpace],
    gateways: Mapping[str, Gateway],
    ck: Checker,
) -> None:
    """Every gateway, entrance and space node lies in the first gateway's component.

    Being reachable from one gateway and all gateways being mutually reachable is the
    same as being reachable from every gateway, on an undirected graph.
    """
    first_id, first = next(iter(gateways.items()))
    reached = _component(first.node, edges)
    origin = f"gateway '{first_id}' (node '{first.node}')"
    for gid, gateway in gateways.items():
        if gateway.node not in reached:
            ck.fail(
                ("gateways", gid, "node"),
                f"gateway '{gid}' (node '{gateway.node}') cannot be reached from {origin}",
            )
    for bid, building in buildings.items():
        for i, node in enumerate(building.entrances):
            if node not in reached:
                ck.fail(
                    _item_path(("buildings", bid, "entrances"), i, ck),
                    f"entrance '{node}' of building '{bid}' cannot be reached from {origin}",
                )
    for sid, space in spaces.items():
        if space.node not in reached:
            ck.fail(
                ("public_spaces", sid, "node"),
                f"public space '{sid}' (node '{space.node}') cannot be reached from {origin}",
            )


def _item_path(path: KeyPath, index: int, ck: Checker) -> KeyPath:
    """``path[index]`` when the file wrote a list there, else ``path`` (a single id)."""
    return (*path, index) if (*path, index) in ck.lines else path
