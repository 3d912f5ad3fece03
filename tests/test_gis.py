"""GIS round trip: export-layout writes readable WGS84 layers; import-layout turns edits
into a variant (no edits: no changes; a drawn line: one edge, its ends snapped); every
problem is one line naming layer, feature and field."""

from __future__ import annotations

import shutil
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
import yaml
from shapely.geometry import LineString, Point

from sim.cli import main
from sim.geometry import to_lat_lon
from sim.layout import load_layout
from sim.layout.load import load_raw

TINY = Path(__file__).parent / "fixtures" / "tiny.yaml"
LAYERS = ["nodes", "edges", "buildings", "venues", "public_spaces", "gateways"]


@pytest.fixture
def exported(tmp_path: Path) -> Path:
    """The tiny layout (copied to tmp_path) exported to tmp_path/tiny.gpkg."""
    shutil.copy(TINY, tmp_path / "tiny.yaml")
    assert (
        main(["export-layout", str(tmp_path / "tiny.yaml"), "--out", str(tmp_path / "tiny.gpkg")])
        == 0
    )
    return tmp_path / "tiny.gpkg"


def _import(gpkg: Path, *extra: str) -> int:
    base = gpkg.parent / "tiny.yaml"
    return main(
        [
            "import-layout",
            str(gpkg),
            "--base",
            str(base),
            "--out",
            str(gpkg.parent / "variant.yaml"),
            *extra,
        ]
    )


def _edit(gpkg: Path, layer: str, frame: gpd.GeoDataFrame) -> None:
    frame.to_file(gpkg, layer=layer, driver="GPKG", engine="pyogrio")


def test_export_writes_every_layer_in_wgs84(exported: Path) -> None:
    listed = {str(name): str(kind) for name, kind in pyogrio.list_layers(exported)}
    assert list(listed) == LAYERS
    assert listed["edges"] == "LineString"
    layout = load_layout(TINY)
    edges = gpd.read_file(exported, layer="edges")
    assert edges.crs.to_epsg() == 4326
    assert list(edges.columns[:7]) == ["id", "from", "to", "kind", "traffic", "frontage", "name"]
    assert len(edges) == len(layout.edges)
    first = layout.edges["h00"]
    row = edges.set_index("id").loc["h00"]
    assert (row["from"], row["to"], row["kind"], row["traffic"]) == (
        first.source,
        first.target,
        first.kind,
        first.traffic,
    )
    # x, y = lon, lat.
    start = Point(row.geometry.coords[0])
    assert (start.y, start.x) == (layout.nodes["n00"].lat, layout.nodes["n00"].lon)
    buildings = gpd.read_file(exported, layer="buildings").set_index("id")
    assert buildings.loc["lab", "researcher"] == 30 and buildings.loc["lab", "student"] == 60
    for name in LAYERS:
        folder = exported.with_name("tiny_geojson")
        assert len(gpd.read_file(folder / f"{name}.geojson")) == len(
            gpd.read_file(exported, layer=name)
        )


def test_no_edits_give_a_variant_with_no_changes(
    exported: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _import(exported) == 0
    assert "no changes" in capsys.readouterr().out
    variant = exported.parent / "variant.yaml"
    data, _ = load_raw(variant)
    base, _ = load_raw(exported.parent / "tiny.yaml")
    assert {k: v for k, v in data.items() if k != "name"} == {
        k: v for k, v in base.items() if k != "name"
    }
    written = yaml.safe_load(variant.read_text(encoding="utf-8"))
    assert set(written) == {"extends", "name"}
    # The GeoJSON folder reads back without changes too.
    folder = exported.with_name("tiny_geojson")
    assert (
        main(
            [
                "import-layout",
                str(folder),
                "--base",
                str(exported.parent / "tiny.yaml"),
                "--out",
                str(exported.parent / "from_geojson.yaml"),
            ]
        )
        == 0
    )
    assert "no changes" in capsys.readouterr().out


def test_a_drawn_line_becomes_one_snapped_edge(
    exported: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    layout = load_layout(TINY)
    edges = gpd.read_file(exported, layer="edges")
    lat0, lon0 = layout.origin
    # A diagonal footpath from n00 to n11, each end drawn about 3 m off its node.
    a, b = layout.nodes["n00"], layout.nodes["n11"]
    start = to_lat_lon(a.x + 2.0, a.y + 2.0, lat0, lon0)
    end = to_lat_lon(b.x - 2.0, b.y + 2.0, lat0, lon0)
    line = LineString([(float(start[1]), float(start[0])), (float(end[1]), float(end[0]))])
    drawn = gpd.GeoDataFrame(
        [{"id": None, "kind": "footpath", "name": "Diagonal"}], geometry=[line], crs=4326
    )
    _edit(exported, "edges", gpd.pd.concat([edges, drawn], ignore_index=True))

    # Without --snap the ends must lie on a node: one line naming layer, feature, field.
    assert _import(exported) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "layer edges, feature #13 (no id), field geometry:" in err
    assert "2.8 m from the nearest node 'n00'" in err
    assert not (exported.parent / "variant.yaml").exists()

    assert _import(exported, "--snap", "5") == 0
    assert "edges +1 ~0 -0" in capsys.readouterr().out
    variant = load_layout(exported.parent / "variant.yaml")
    assert len(variant.edges) == len(layout.edges) + 1
    assert len(variant.nodes) == len(layout.nodes)
    new = variant.edges["new_edge_1"]
    assert (new.source, new.target, new.kind, new.name) == ("n00", "n11", "footpath", "Diagonal")

    # With a smaller snap the ends create new nodes instead.
    assert _import(exported, "--snap", "1", "--force") == 0
    variant = load_layout(exported.parent / "variant.yaml")
    assert len(variant.nodes) == len(layout.nodes) + 2
    assert variant.edges["new_edge_1"].source == "new_edge_1_start"


def test_moved_node_changed_field_and_deleted_edge(
    exported: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    nodes = gpd.read_file(exported, layer="nodes")
    moved = nodes["id"] == "n11"
    nodes.loc[moved, "geometry"] = nodes.loc[moved, "geometry"].translate(xoff=0.0001)
    _edit(exported, "nodes", nodes)
    edges = gpd.read_file(exported, layer="edges")
    edges.loc[edges["id"] == "h00", "traffic"] = "low"
    edges = edges[edges["id"] != "v12"]
    _edit(exported, "edges", edges)
    assert _import(exported) == 0
    assert "nodes +0 ~1 -0; edges +0 ~1 -1" in capsys.readouterr().out
    text = (exported.parent / "variant.yaml").read_text(encoding="utf-8")
    assert "h00: {traffic: low}" in text
    assert "edges: [v12]" in text
    variant = load_layout(exported.parent / "variant.yaml")
    assert variant.nodes["n11"].lon == pytest.approx(load_layout(TINY).nodes["n11"].lon + 0.0001)


@pytest.mark.parametrize(
    ("layer", "change", "message"),
    [
        ("edges", ("h00", "kind", "road"), "layer edges, feature 'h00', field kind: unknown kind"),
        ("edges", ("h01", "id", "h00"), "layer edges, feature 'h00', field id: duplicate id"),
        ("gateways", ("bus", "kind", "tram"), "layer gateways, feature 'bus', field kind"),
    ],
)
def test_problems_name_layer_feature_and_field(
    exported: Path,
    layer: str,
    change: tuple[str, str, str],
    message: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    frame = gpd.read_file(exported, layer=layer)
    ident, fld, value = change
    frame.loc[frame["id"] == ident, fld] = value
    _edit(exported, layer, frame)
    assert _import(exported) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err
    assert not (exported.parent / "variant.yaml").exists()


def test_without_the_extra_the_commands_say_how_to_install_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name == "geopandas" else real(name, *a),
    )
    out = tmp_path / "x.gpkg"
    assert main(["export-layout", str(TINY), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "export-layout needs the optional GIS packages (geopandas missing)" in err
    assert "pip install -e '.[gis]'" in err
    assert not out.exists()


def test_run_writes_results_gpkg(tmp_path: Path) -> None:
    out = tmp_path / "run"
    assert main(["run", str(TINY), "--seed", "2", "--out", str(out), "--quiet",
                 "--no-figures"]) == 0
    gpkg = out / "results.gpkg"
    assert [str(n) for n, _ in pyogrio.list_layers(gpkg)] == [
        "segments", "places", "visits", "meeting_origins"
    ]
    layout = load_layout(TINY)
    segments = gpd.read_file(gpkg, layer="segments").set_index("id")
    assert segments.crs.to_epsg() == 4326
    for eid, edge in layout.edges.items():
        assert (segments.loc[eid, "from"], segments.loc[eid, "to"]) == (edge.source, edge.target)
    places = gpd.read_file(gpkg, layer="places")
    origins = gpd.read_file(gpkg, layer="meeting_origins")
    meetings = int(segments["meetings"].sum() + places["meetings"].sum())
    assert meetings > 0
    # Every meeting counts once for each of its two people, at their home building.
    assert int(origins["meetings"].sum()) == 2 * meetings
    assert set(origins["building"]) <= set(layout.buildings)
    visits = gpd.read_file(gpkg, layer="visits").set_index("id")
    assert set(visits.index) == set(layout.venues) | set(layout.spaces)
    assert visits["visits"].sum() > 0
    assert (visits["optional_visits"] <= visits["visits"]).all()
    assert segments["visits"].sum() >= 0


def test_drawn_building_and_space_take_their_nodes(
    exported: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from shapely.geometry import Polygon

    layout = load_layout(TINY)
    n22 = layout.nodes["n22"]
    # A 30 m x 30 m block 10 m north-east of n22, and a plaza dropped onto n02.
    lat0, lon0 = layout.origin
    corners = [(n22.x + dx, n22.y + dy) for dx, dy in ((10, 10), (40, 10), (40, 40), (10, 40))]
    ring = [(float(lon), float(lat)) for lat, lon in
            (to_lat_lon(x, y, lat0, lon0) for x, y in corners)]
    buildings = gpd.read_file(exported, layer="buildings")
    drawn = gpd.GeoDataFrame(
        [{"id": "studio", "institution": "hub", "startup": 12}],
        geometry=[Polygon(ring)], crs=4326,
    )
    _edit(exported, "buildings", gpd.pd.concat([buildings, drawn], ignore_index=True))
    spaces = gpd.read_file(exported, layer="public_spaces")
    n02 = layout.nodes["n02"]
    plaza = gpd.GeoDataFrame([{"name": "New plaza", "kind": "plaza", "area_m2": 900.0}],
                             geometry=[Point(n02.lon, n02.lat)], crs=4326)
    _edit(exported, "public_spaces", gpd.pd.concat([spaces, plaza], ignore_index=True))
    assert _import(exported) == 0
    assert "buildings +1 ~0 -0; public_spaces +1 ~0 -0" in capsys.readouterr().out
    variant = load_layout(exported.parent / "variant.yaml")
    studio = variant.buildings["studio"]
    assert studio.entrances == ("n22",) and studio.population["startup"] == 12
    assert len(studio.footprint[0]) == 5
    assert variant.spaces["new_space_1"].node == "n02"


def test_run_without_the_extra_writes_no_gpkg(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sim.gis

    monkeypatch.setattr(sim.gis, "available", lambda: False)
    out = tmp_path / "run"
    assert main(["run", str(TINY), "--out", str(out), "--quiet", "--no-figures"]) == 0
    assert (out / "summary.json").exists() and not (out / "results.gpkg").exists()
