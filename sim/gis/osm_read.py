"""Read an OpenStreetMap file into plain Python data, offline.

``.osm`` and ``.osm.gz`` (OSM XML) are parsed with the standard library; ``.osm.pbf``
needs pyosmium (the ``osmium`` package of the ``gis`` extra). Only what the importer
uses is kept: node coordinates, tags of tagged nodes, ways with their node ids and tags.
"""

from __future__ import annotations

import gzip
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from sim.errors import CrosspathsInputError


@dataclass
class OsmData:
    """Nodes, tagged nodes and ways of an OSM file.

    Attributes
    ----------
    coords
        Node id → ``(lat, lon)``.
    node_tags
        Node id → tags, for nodes that have tags.
    ways
        Way id → ``(node ids, tags)``.
    """

    coords: dict[int, tuple[float, float]] = field(default_factory=dict)
    node_tags: dict[int, dict[str, str]] = field(default_factory=dict)
    ways: dict[int, tuple[list[int], dict[str, str]]] = field(default_factory=dict)


def read_osm(path: Path) -> OsmData:
    """Read ``path`` (``.osm``, ``.osm.gz`` or ``.osm.pbf``).

    Raises
    ------
    CrosspathsInputError
        If the file is missing, of another type, or not readable as OSM data.
    """
    if not path.is_file():
        raise CrosspathsInputError(f"{path} does not exist", path="OSM_FILE")
    name = path.name.lower()
    if name.endswith(".pbf"):
        return _read_pbf(path)
    if name.endswith((".osm", ".osm.gz", ".xml", ".xml.gz")):
        opener: Any = gzip.open if name.endswith(".gz") else open
        try:
            with opener(path, "rb") as f:
                return _read_xml(f)
        except (ET.ParseError, OSError, EOFError) as err:
            raise CrosspathsInputError(
                f"{path} is not readable as OSM XML: {err}", path="OSM_FILE"
            ) from None
    raise CrosspathsInputError(
        f"expected a .osm, .osm.gz or .osm.pbf file, got {path.name!r}", path="OSM_FILE"
    )


def _read_xml(f: IO[bytes]) -> OsmData:
    data = OsmData()
    for _, elem in ET.iterparse(f, events=("end",)):
        if elem.tag == "node":
            nid = int(elem.get("id", "0"))
            data.coords[nid] = (float(elem.get("lat", "nan")), float(elem.get("lon", "nan")))
            tags = _tags(elem)
            if tags:
                data.node_tags[nid] = tags
            elem.clear()
        elif elem.tag == "way":
            refs = [int(nd.get("ref", "0")) for nd in elem.iter("nd")]
            data.ways[int(elem.get("id", "0"))] = (refs, _tags(elem))
            elem.clear()
        elif elem.tag == "relation":
            elem.clear()
    return data


def _tags(elem: ET.Element) -> dict[str, str]:
    return {t.get("k", ""): t.get("v", "") for t in elem.iter("tag")}


def _read_pbf(path: Path) -> OsmData:
    try:
        import osmium
    except ImportError:
        raise CrosspathsInputError(
            "reading .pbf files needs pyosmium; install it with: pip install -e '.[gis]' "
            "(or convert the file to .osm)",
            path="OSM_FILE",
        ) from None
    data = OsmData()

    class Handler(osmium.SimpleHandler):
        def node(self, n: Any) -> None:
            data.coords[n.id] = (n.location.lat, n.location.lon)
            if len(n.tags):
                data.node_tags[n.id] = {t.k: t.v for t in n.tags}

        def way(self, w: Any) -> None:
            data.ways[w.id] = ([nd.ref for nd in w.nodes], {t.k: t.v for t in w.tags})

    try:
        Handler().apply_file(str(path))
    except RuntimeError as err:
        raise CrosspathsInputError(
            f"{path} is not readable as OSM PBF: {err}", path="OSM_FILE"
        ) from None
    return data
