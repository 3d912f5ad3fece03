"""``export-layout``, ``import-layout`` and ``import-osm``: the GIS commands.

This module imports nothing of the ``gis`` extra at import time, so the CLI works without
it; each handler checks for the extra first and says in one line how to install it.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from sim.argtypes import positive_number
from sim.errors import CrosspathsInputError
from sim.gis import require


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register the GIS commands on the CLI's subparsers (``sub`` from ``add_subparsers``)."""
    export = sub.add_parser(
        "export-layout",
        help="write a layout as GIS layers (GeoPackage and GeoJSON folder)",
        description="Write a layout's nodes, edges, buildings, venues, public spaces and "
        "gateways as layers of one GeoPackage, and as a folder of GeoJSON files beside it "
        "(FILE_geojson/), in WGS84 (EPSG:4326).",
    )
    export.add_argument("layout", help="layout or variant YAML file")
    export.add_argument("--out", type=Path, required=True, help="GeoPackage to write (.gpkg)")
    export.add_argument("--force", action="store_true", help="replace existing outputs")
    export.set_defaults(handler=_export)

    imp = sub.add_parser(
        "import-layout",
        help="turn edited GIS layers into a variant of the base layout",
        description="Compare edited layers (a GeoPackage or a folder of GeoJSON files "
        "written by export-layout) with the base layout and write a variant file listing "
        "what was added, removed and modified.",
    )
    imp.add_argument("layers", type=Path, help="edited .gpkg, or a folder of .geojson files")
    imp.add_argument("--base", required=True, help="the layout the layers were exported from")
    imp.add_argument("--out", type=Path, required=True, help="variant YAML file to write")
    imp.add_argument("--name", help="scenario name of the variant (default: the file's stem)")
    imp.add_argument(
        "--snap",
        type=positive_number,
        help="metres within which a drawn line's end joins an existing node; ends further "
        "away create new nodes (default: ends must lie on a node)",
    )
    imp.add_argument("--force", action="store_true", help="replace an existing variant file")
    imp.set_defaults(handler=_import_layout)

    osm = sub.add_parser(
        "import-osm",
        help="build a runnable layout skeleton from an OpenStreetMap file",
        description="Read an OpenStreetMap file (.osm, .osm.gz or .osm.pbf) offline and "
        "write a layout: walkable streets and paths, buildings with footprints and "
        "estimated populations, venues, public spaces and gateways. See docs/import.md.",
    )
    osm.add_argument("osm_file", type=Path, help="FILE.osm, FILE.osm.gz or FILE.osm.pbf")
    osm.add_argument("--out", type=Path, required=True, help="layout YAML file to write")
    osm.add_argument(
        "--bbox",
        help="south,west,north,east in degrees: keep only what lies inside",
    )
    osm.add_argument("--name", help="scenario name (default: the output file's stem)")
    osm.add_argument(
        "--estimates",
        type=Path,
        help="YAML file overriding the population and venue estimates (docs/import.md)",
    )
    osm.add_argument("--force", action="store_true", help="replace an existing layout file")
    osm.set_defaults(handler=_import_osm)


def _export(args: argparse.Namespace) -> int:
    require("export-layout")
    from sim.gis.export import check_targets, geojson_folder, write_geojson_folder, write_gpkg
    from sim.gis.layers import layout_layers
    from sim.layout import load_layout

    out: Path = args.out
    if out.suffix.lower() != ".gpkg":
        raise CrosspathsInputError(f"expected a .gpkg file, got {str(out)!r}", path="--out")
    folder = geojson_folder(out)
    check_targets([out, folder], args.force)
    layout = load_layout(args.layout)
    layers = layout_layers(layout)
    write_gpkg(layers, out)
    write_geojson_folder(layers, folder)
    counts = ", ".join(f"{len(frame)} {name}" for name, frame in layers.items())
    print(f"{args.layout} -> {out} and {folder}/ (WGS84, EPSG:4326): {counts}")
    return 0


def _import_layout(args: argparse.Namespace) -> int:
    require("import-layout")
    from sim.gis.edits import import_edits

    summary = import_edits(
        args.layers, args.base, args.out, name=args.name, snap_m=args.snap, force=args.force
    )
    print(summary)
    return 0


def _import_osm(args: argparse.Namespace) -> int:
    require("import-osm")
    from sim.gis.osm import import_osm

    summary = import_osm(
        args.osm_file,
        args.out,
        bbox=args.bbox,
        name=args.name,
        estimates=args.estimates,
        force=args.force,
    )
    print(summary)
    return 0
