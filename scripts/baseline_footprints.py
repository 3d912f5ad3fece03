"""Footprints of the baseline's buildings, for ``scripts/build_baseline.py``.

Each building's outline comes from one of three sources, recorded per building in
:data:`FOOTPRINTS` and listed in ``docs/baseline.md``:

- ``osm``: the outlines of the named OpenStreetMap ways in the extract
  ``../shared/data/osm/district_other_ways.geojson.gz`` (© OpenStreetMap contributors,
  ODbL), touching parts merged, simplified to 0.5 m;
- ``osm_site``: an OSM site outline (``amenity=university``) less the other buildings
  drawn on it, inset by a margin: the building itself is not in the extract, so this is
  an approximation of where it stands;
- ``approx``: a rectangle placed between the building's entrances, with an assumed size
  and orientation: the extract does not cover the west of the district (its ``SOURCE.md``).

Needs shapely (the ``gis`` extra) and the extract, which is read here only, never by the
simulator.
"""

from __future__ import annotations

import gzip
import json
import math
from pathlib import Path
from typing import Any

from shapely import MultiPolygon, Polygon, affinity, set_precision
from shapely.geometry import shape
from shapely.ops import unary_union

OSM_WAYS_FILE = "district_other_ways.geojson.gz"

# bid -> (source, spec, note). For 'approx': (centre lat, centre lon, length m, width m,
# angle ° anticlockwise from east of the length axis).
FOOTPRINTS: dict[str, tuple[str, Any, str]] = {
    "hco": ("approx", (55.70040, 12.55985, 150, 80, 90),
            "rectangle spanning its four entrances, size assumed"),
    "nbb_east": ("approx", (55.69945, 12.55650, 130, 70, -35),
                 "rectangle between its entrances along Jagtvej, size assumed"),
    "nbb_west": ("approx", (55.70006, 12.55399, 80, 45, -35),
                 "rectangle behind its Jagtvej entrance, size assumed"),
    "biocenter": ("approx", (55.70130, 12.55815, 130, 60, 70),
                  "rectangle between its entrances along Ole Maaløes Vej, size assumed"),
    "diku": ("osm", [26751449], "way 26751449 'Datalogisk Institut'"),
    "akb": ("approx", (55.70232, 12.56008, 50, 35, 0),
            "rectangle west of its entrance, size assumed"),
    "zoo_museum": ("approx", (55.70245, 12.55906, 60, 40, 0),
                   "rectangle centred on the Wikipedia coordinate, size assumed"),
    "idraet": ("osm", [36774099], "way 36774099 'Institut for Idræt'"),
    "nbi_blegdamsvej": (
        "osm",
        [26164462, 218455488, 218455484, 218455487, 26164409, 218455485, 26164563,
         218460958, 218458942, 218458941, 26164431],
        "the lettered NBI buildings A, B, C, E, F, H, K, M, Q, T, U/V-Z",
    ),
    "kub_nord": ("osm", [88535944], "way 88535944 'KUB Nord'"),
    "panum": ("osm_site", (26262402, [301747864], 15),
              "OSM site 'Panuminstituttet' (way 26262402) less Maersk Tower, inset 15 m"),
    "maersk_tower": ("osm", [301747864], "way 301747864 'Mærsk Tårnet'"),
    "pharmacy": ("osm", [389968923, 25657549],
                 "ways 389968923, 25657549 (building=university): the east part only; "
                 "the rest lies outside the extract"),
    "rh_centre": ("osm", [4250592, 25657585],
                  "ways 4250592 'Rigshospitalet', 25657585 'Rigshospitalets Auditorie 1 og 2'"),
    "rh_north": ("osm", [634210378, 1089941044], "ways 634210378, 1089941044 (hospital)"),
    "rh_west": ("osm", [389968922, 36777976], "ways 389968922 'Patienthotellet', 36777976"),
    "rh_teilum": ("osm", [25657593, 89479450], "ways 25657593, 89479450 'Teilumbygningen'"),
    "cobis": ("approx", (55.69885, 12.55896, 80, 45, 20),
              "rectangle between its entrances, about a 14,000 m² house on 5 floors"),
    "bii": ("approx", (55.69885, 12.55896, 35, 25, 20),
            "inside the COBIS rectangle (BII is in COBIS), size assumed"),
    "tagensvej22": ("approx", (55.69775, 12.55895, 70, 30, 90),
                    "rectangle behind its entrances, size assumed"),
    "kp_norrebro": ("approx", (55.70541, 12.55586, 80, 50, -35),
                    "rectangle behind its entrance, size assumed"),
    "hq_south": ("approx", (55.70280, 12.55592, 50, 30, -35),
                 "rectangle behind its entrance, size assumed"),
    "hq_north": ("approx", (55.70674, 12.55366, 50, 30, -35),
                 "rectangle behind its entrance, size assumed"),
    "de_gamles_by": ("osm", [136066908, 136066984, 136066921, 136067064],
                     "ways 136066908, 136066984, 136066921, 136067064: the complex's east "
                     "end only; the rest lies outside the extract"),
}

_LAT0 = 55.6995
_KX = 111_320.0 * math.cos(math.radians(_LAT0))  # metres per degree of longitude
_KY = 110_540.0  # metres per degree of latitude


def _to_m(geom: Any) -> Any:
    return affinity.scale(geom, xfact=_KX, yfact=_KY, origin=(0, 0))


def _to_deg(geom: Any) -> Any:
    return affinity.scale(geom, xfact=1 / _KX, yfact=1 / _KY, origin=(0, 0))


def _osm_ways(osm_dir: Path) -> dict[int, Any]:
    with gzip.open(osm_dir / OSM_WAYS_FILE) as f:
        return {
            feat["properties"]["osm_id"]: shape(feat["geometry"])
            for feat in json.load(f)["features"]
        }


def _rectangle(lat: float, lon: float, length: float, width: float, angle: float) -> Any:
    box = Polygon(
        [(-length / 2, -width / 2), (length / 2, -width / 2), (length / 2, width / 2),
         (-length / 2, width / 2)]
    )
    box = affinity.rotate(box, angle, origin=(0, 0))
    return affinity.translate(_to_deg(box), xoff=lon, yoff=lat)


def _rings(geom: Any) -> list[list[tuple[float, float]]]:
    """Outer rings as [lat, lon] lists, 6 decimals (~0.1 m), closed."""
    parts = list(geom.geoms) if isinstance(geom, MultiPolygon) else [geom]
    out = []
    for part in sorted(parts, key=lambda p: -p.area):
        ring = [(round(y, 6), round(x, 6)) for x, y in part.exterior.coords]
        out.append(ring)
    return out


def build_footprints(osm_dir: Path) -> dict[str, list[list[tuple[float, float]]]]:
    """Building id → outer rings, ``[lat, lon]`` points, from the specs above."""
    ways = _osm_ways(osm_dir)
    out: dict[str, list[list[tuple[float, float]]]] = {}
    for bid, (source, spec, _) in FOOTPRINTS.items():
        if source == "osm":
            geom = _to_m(unary_union([ways[w] for w in spec]))
        elif source == "osm_site":
            site, minus, inset = spec
            geom = _to_m(ways[site]).difference(
                unary_union([_to_m(ways[w]).buffer(inset) for w in minus])
            ).buffer(-inset)
        else:
            geom = _to_m(_rectangle(*spec))
        geom = set_precision(geom.simplify(0.5), 0.0)
        out[bid] = _rings(_to_deg(geom))
    return out


def source_table() -> list[tuple[str, str, str]]:
    """(building id, source, note) for ``docs/baseline.md``."""
    return [(bid, source, note) for bid, (source, _, note) in FOOTPRINTS.items()]
