"""Write GIS layers as one GeoPackage and as a folder of GeoJSON files.

Both are written next to their final place and renamed into it when complete, so an
interrupted export leaves no half-written file. GeoPackage stores the CRS (EPSG:4326) with
each layer; the GeoJSON files are WGS84 longitude/latitude (RFC 7946) with full
coordinate precision, so an exported layout reads back exactly.
"""

from __future__ import annotations

import os
import shutil
import warnings
from collections.abc import Mapping
from pathlib import Path

import pandas as pd
import pyogrio

from sim.errors import CrosspathsInputError


def geojson_folder(gpkg: Path) -> Path:
    """The GeoJSON folder written beside a GeoPackage: ``plan.gpkg`` → ``plan_geojson/``."""
    return gpkg.with_name(gpkg.stem + "_geojson")


def check_targets(paths: list[Path], force: bool) -> None:
    """Refuse to replace existing files unless ``force``; one-line error naming the first."""
    for path in paths:
        if path.exists() and not force:
            raise CrosspathsInputError(
                f"{path} exists; choose another --out or pass --force to replace it"
            )
        if not path.parent.is_dir():
            raise CrosspathsInputError(f"folder {path.parent} does not exist", path="--out")


def write_gpkg(layers: Mapping[str, pd.DataFrame], path: Path) -> None:
    """Write every layer into one GeoPackage at ``path`` (replaced atomically)."""
    tmp = path.with_name(f".{path.name}.partial")
    tmp.unlink(missing_ok=True)
    try:
        for name, frame in layers.items():
            _write(frame, tmp, driver="GPKG", layer=name)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_geojson_folder(layers: Mapping[str, pd.DataFrame], folder: Path) -> None:
    """Write ``<layer>.geojson`` per layer into ``folder`` (replaced as a whole)."""
    tmp = folder.with_name(f".{folder.name}.partial")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        for name, frame in layers.items():
            _write(frame, tmp / f"{name}.geojson", driver="GeoJSON")
        if folder.exists():
            shutil.rmtree(folder)
        os.replace(tmp, folder)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _write(frame: pd.DataFrame, path: Path, **options: str) -> None:
    """One layer; a DataFrame without geometry becomes an attribute table."""
    with warnings.catch_warnings():
        # GDAL notes that a mixed-geometry layer (footprints and points) is written as
        # "Unknown" geometry type; that is intended.
        warnings.simplefilter("ignore", RuntimeWarning)
        pyogrio.write_dataframe(frame, path, **options)
