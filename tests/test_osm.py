"""OpenStreetMap import: a small hand-written .osm file becomes a layout that checks and
runs, with kinds, traffic, estimated populations, venues, spaces and gateways as the
tags say; and bad input is one line, exit 2."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import pytest

from sim.cli import main
from sim.layout import load_layout

SMALL = Path(__file__).parent / "fixtures" / "small.osm"


@pytest.fixture
def imported(tmp_path: Path) -> Path:
    out = tmp_path / "small.yaml"
    assert main(["import-osm", str(SMALL), "--out", str(out)]) == 0
    return out


def test_import_gives_a_layout_that_checks(imported: Path) -> None:
    layout = load_layout(imported)
    assert layout.attribution == "© OpenStreetMap contributors"
    assert len(layout.nodes) == 6  # junctions and ends only; the path's bend is not a node
    edges = layout.edges
    assert (edges["w100_1"].kind, edges["w100_1"].traffic) == ("street", "high")
    assert (edges["w101_1"].kind, edges["w101_1"].traffic) == ("street", "low")
    assert edges["w102_1"].kind == "park_path"  # a footway through Little Park
    assert edges["w103_1"].kind == "footpath"
    # The bent path keeps its drawn length (two legs), longer than the straight line.
    assert edges["w102_1"].length == pytest.approx(94.6)
    assert layout.nodes["n4"].x == pytest.approx(0.0, abs=0.01)  # origin: the box's centre
    hall = layout.buildings["b300"]
    # 2,230 m² x 4 levels / 20 m² per person, 70 % students.
    assert hall.population["student"] + hall.population["researcher"] == 446
    assert hall.footprint and hall.institutions == ("test_university",)
    office = layout.buildings["b400"]
    assert office.population["startup"] == 234  # 3 levels by default, 25 m² per person
    cafe = layout.venues["cafe_n50"]
    assert (cafe.building, cafe.kind, cafe.open_s, cafe.close_s) == (
        "b400",
        "cafe",
        8 * 3600,
        16 * 3600,
    )
    assert "b600" not in layout.buildings  # a house brings nobody to the district
    assert [s.kind for s in layout.spaces.values()] == ["park"]
    assert sorted(g.kind for g in layout.gateways.values()) == ["bus", "metro"]
    assert sum(g.share for g in layout.gateways.values()) == pytest.approx(1.0)
    text = imported.read_text(encoding="utf-8")
    assert "# estimated: 2,230 m² × 4 levels (OSM) ÷ 20 m² per person (university)" in text


def test_imported_layout_runs(imported: Path, tmp_path: Path) -> None:
    out = tmp_path / "run"
    # The numbers only: figures of a run are drawn and checked in test_figures/test_cli.
    assert main(["run", str(imported), "--out", str(out), "--quiet", "--no-figures"]) == 0
    assert (out / "summary.json").exists()


def test_gzipped_file_and_bbox(tmp_path: Path) -> None:
    gz = tmp_path / "small.osm.gz"
    with gzip.open(gz, "wb") as f:
        f.write(SMALL.read_bytes())
    out = tmp_path / "south.yaml"
    # Only the southern street, its stops and Science Hall lie inside the box.
    assert (
        main(
            ["import-osm", str(gz), "--out", str(out), "--bbox", "55.6995,12.5595,55.7007,12.5635"]
        )
        == 0
    )
    layout = load_layout(out)
    # Cut off from Side Road, n2 is no junction any more: Main Street is one edge.
    assert list(layout.edges) == ["w100_1"]
    assert (layout.edges["w100_1"].source, layout.edges["w100_1"].target) == ("n1", "n3")
    assert list(layout.buildings) == ["b300"]


def test_estimates_file_overrides_defaults(tmp_path: Path) -> None:
    est = tmp_path / "estimates.yaml"
    est.write_text("uses:\n  office: {m2_per_person: 50}\ndefault_levels: 2\n", encoding="utf-8")
    out = tmp_path / "x.yaml"
    assert main(["import-osm", str(SMALL), "--out", str(out), "--estimates", str(est)]) == 0
    assert load_layout(out).buildings["b400"].population["startup"] == 78  # 1,951 x 2 / 50


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--bbox", "1,2,3"], "--bbox: expected south,west,north,east in degrees"),
        (["--bbox", "55.8,12.5,55.7,12.6"], "--bbox: expected south < north"),
    ],
)
def test_bad_arguments_are_one_line(
    tmp_path: Path, args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "x.yaml"
    assert main(["import-osm", str(SMALL), "--out", str(out), *args]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err
    assert not out.exists()


def test_unreadable_or_empty_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = tmp_path / "broken.osm"
    broken.write_text("<osm><node id='1'", encoding="utf-8")
    assert main(["import-osm", str(broken), "--out", str(tmp_path / "a.yaml")]) == 2
    assert "not readable as OSM XML" in capsys.readouterr().err
    empty = tmp_path / "empty.osm"
    shutil.copy(SMALL, empty)
    assert (
        main(["import-osm", str(empty), "--out", str(tmp_path / "b.yaml"), "--bbox", "10,10,11,11"])
        == 2
    )
    assert "no walkable streets or paths" in capsys.readouterr().err


def test_pbf_file_gives_the_same_layout(imported: Path, tmp_path: Path) -> None:
    import osmium

    pbf = tmp_path / "small.osm.pbf"
    writer = osmium.SimpleWriter(str(pbf))

    class Copy(osmium.SimpleHandler):  # type: ignore[misc]
        def node(self, n: object) -> None:
            writer.add_node(n)

        def way(self, w: object) -> None:
            writer.add_way(w)

    Copy().apply_file(str(SMALL))
    writer.close()
    out = tmp_path / "from_pbf.yaml"
    assert main(["import-osm", str(pbf), "--out", str(out), "--name", "small"]) == 0
    body = [line for line in out.read_text(encoding="utf-8").splitlines()
            if not line.startswith(("# Layout", "description"))]
    expected = [line for line in imported.read_text(encoding="utf-8").splitlines()
                if not line.startswith(("# Layout", "description"))]
    assert body == expected
