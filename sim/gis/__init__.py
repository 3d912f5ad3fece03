"""GIS round trip and OpenStreetMap import (the optional ``gis`` extra).

- :mod:`sim.gis.layers`: a layout as GIS layers (nodes, edges, buildings, venues,
  public spaces, gateways), WGS84;
- :mod:`sim.gis.export`: write those layers as a GeoPackage and a folder of GeoJSON files;
- :mod:`sim.gis.edits`: read edited layers back and turn the differences from the base
  layout into a variant file;
- :mod:`sim.gis.results`: ``results.gpkg`` of a run or a comparison;
- :mod:`sim.gis.osm`: build a runnable layout skeleton from an OpenStreetMap file;
- :mod:`sim.gis.command`: the ``export-layout``, ``import-layout`` and ``import-osm``
  commands.

Only :mod:`sim.gis.command` and :func:`require` may be imported without the extra;
everything else needs geopandas, pyogrio and shapely (and osmium for ``.pbf`` files).
"""

from __future__ import annotations

import importlib.util

from sim.errors import CrosspathsInputError

GIS_PACKAGES: tuple[str, ...] = ("geopandas", "pyogrio", "shapely")
"""What the ``gis`` extra provides and the GIS commands need."""

INSTALL_HINT = "pip install -e '.[gis]'"


def available() -> bool:
    """Whether the ``gis`` extra is installed (checked without importing it)."""
    return all(importlib.util.find_spec(name) is not None for name in GIS_PACKAGES)


def require(what: str) -> None:
    """Fail with one line if the ``gis`` extra is missing.

    Parameters
    ----------
    what
        What needs it, e.g. ``"export-layout"``, named in the message.

    Raises
    ------
    CrosspathsInputError
        Naming the missing packages and the install command.
    """
    missing = [name for name in GIS_PACKAGES if importlib.util.find_spec(name) is None]
    if missing:
        raise CrosspathsInputError(
            f"{what} needs the optional GIS packages ({', '.join(missing)} missing); "
            f"install them with: {INSTALL_HINT}"
        )
