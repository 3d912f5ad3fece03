"""Building footprints: valid ones load (local metres and lat/lon), bad ones are rejected
with one line naming file, line and key, and variants can add, change and delete them.

Layouts are the tiny fixture with a footprint added to building ``lab`` (entrance ``n00``
at 55.700 N, 12.560 E; the grid's blocks are about 100 m wide).
"""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

from sim.cli import main
from sim.errors import LayoutError
from sim.layout import load_layout
from sim.layout.footprint import distance_to_ring, ring_area, self_intersection

TINY = Path(__file__).parent / "fixtures" / "tiny.yaml"
LAB_ENTRANCES = "    entrances: [n00]\n"

# A 45 m x 38 m block just north-east of n00, written open-ended then closed.
SQUARE = (
    "[[55.70010, 12.56010], [55.70010, 12.56070], [55.70044, 12.56070], "
    "[55.70044, 12.56010], [55.70010, 12.56010]]"
)
BOW_TIE = (
    "[[55.70010, 12.56010], [55.70044, 12.56070], [55.70044, 12.56010], "
    "[55.70010, 12.56070], [55.70010, 12.56010]]"
)
OPEN = "[[55.70010, 12.56010], [55.70010, 12.56070], [55.70044, 12.56070], [55.70044, 12.56010]]"
FAR = (
    "[[55.71010, 12.56010], [55.71010, 12.56070], [55.71044, 12.56070], "
    "[55.71044, 12.56010], [55.71010, 12.56010]]"
)
SWAPPED = (
    "[[12.56010, 55.70010], [12.56070, 55.70010], [12.56070, 55.70044], "
    "[12.56010, 55.70044], [12.56010, 55.70010]]"
)


def _tiny_with(tmp_path: Path, footprint: str) -> Path:
    """The tiny fixture with ``footprint: <footprint>`` on building ``lab``."""
    text = TINY.read_text(encoding="utf-8")
    assert text.count(LAB_ENTRANCES) == 1
    text = text.replace(LAB_ENTRANCES, LAB_ENTRANCES + f"    footprint: {footprint}\n")
    path = tmp_path / "tiny.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _footprint_line(path: Path) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if "footprint:" in line)


def test_footprint_loads_in_lat_lon_and_local_metres(tmp_path: Path) -> None:
    layout = load_layout(_tiny_with(tmp_path, SQUARE))
    lab = layout.buildings["lab"]
    assert len(lab.footprint) == 1
    ring = lab.footprint[0]
    assert ring[0] == ring[-1] == (55.70010, 12.56010)
    assert len(ring) == 5
    ring_xy = lab.footprint_xy[0]
    # 0.0006° of longitude at 55.7° N is about 37.6 m; 0.00034° of latitude about 37.8 m.
    assert abs(ring_area(ring_xy)) == pytest.approx(37.6 * 37.8, rel=0.02)
    # Buildings without the key have no footprint.
    assert layout.buildings["clinic"].footprint == ()


def test_several_rings_for_a_building_of_several_parts(tmp_path: Path) -> None:
    second = SQUARE.replace("55.70010", "55.70060").replace("55.70044", "55.70080")
    layout = load_layout(_tiny_with(tmp_path, f"[{SQUARE}, {second}]"))
    assert len(layout.buildings["lab"].footprint) == 2
    assert len(layout.buildings["lab"].footprint_xy) == 2


@pytest.mark.parametrize(
    ("footprint", "message"),
    [
        (OPEN, "footprint ring is not closed: its last point must repeat the first"),
        (BOW_TIE, "footprint ring crosses itself"),
        (FAR, "footprint lies 1,123 m from entrance 'n00' (at most 100 m allowed)"),
        (SWAPPED, "lat and lon swapped?"),
        ("[[55.7, 12.56], [55.7, 12.561], [55.7, 12.56]]", "at least 4 points"),
        ("[[55.7, 12.56], [55.7, 12.561], [55.7, 12.562], [55.7, 12.56]]", "encloses no area"),
        ("[[55.7, 12.56, 3], [55.7, 12.561]]", "expected a point [lat, lon]"),
        ("yes", "expected a list of [lat, lon] points"),
    ],
)
def test_bad_footprint_is_one_line_with_file_line_and_key(
    tmp_path: Path, footprint: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _tiny_with(tmp_path, footprint)
    with pytest.raises(LayoutError) as info:
        load_layout(path)
    err = info.value
    assert message in err.message
    assert err.file == str(path)
    assert err.line == _footprint_line(path)
    assert err.path is not None and err.path.startswith("buildings.lab.footprint")
    # Through the command line: one line on stderr, exit status 2.
    assert main(["check", str(path)]) == 2
    stderr = capsys.readouterr().err
    assert stderr.count("\n") == 1
    assert f"{path}:{err.line}: buildings.lab.footprint" in stderr


def test_self_intersection_and_distance_helpers() -> None:
    square = ((0.0, 0.0), (10.0, 0.0), (10.0, 10.0), (0.0, 10.0), (0.0, 0.0))
    assert self_intersection(square) is None
    bow_tie = ((0.0, 0.0), (10.0, 10.0), (10.0, 0.0), (0.0, 10.0), (0.0, 0.0))
    assert self_intersection(bow_tie) == (0, 2)
    spike = ((0.0, 0.0), (10.0, 0.0), (5.0, 0.0), (5.0, 5.0), (0.0, 0.0))
    assert self_intersection(spike) is not None
    assert distance_to_ring((5.0, 5.0), square) == 0.0
    assert distance_to_ring((13.0, 14.0), square) == pytest.approx(5.0)


def test_variant_adds_modifies_and_deletes_footprints(tmp_path: Path) -> None:
    shutil.copy(_tiny_with(tmp_path, SQUARE), tmp_path / "base.yaml")
    moved = SQUARE.replace("12.56070", "12.56090")
    variant = tmp_path / "variant.yaml"
    variant.write_text(
        textwrap.dedent(
            f"""\
            extends: base.yaml
            name: reshaped
            modify:
              buildings:
                lab: {{footprint: {moved}}}
                clinic:
                  footprint:
                    - [[55.70170, 12.56300], [55.70170, 12.56330], [55.70190, 12.56330],
                       [55.70190, 12.56300], [55.70170, 12.56300]]
            """
        ),
        encoding="utf-8",
    )
    layout = load_layout(variant)
    assert max(lon for _, lon in layout.buildings["lab"].footprint[0]) == 12.56090
    assert len(layout.buildings["clinic"].footprint[0]) == 5

    deleted = tmp_path / "deleted.yaml"
    deleted.write_text(
        "extends: base.yaml\nname: no_outline\nmodify:\n  buildings:\n    lab: {footprint: ~}\n",
        encoding="utf-8",
    )
    assert load_layout(deleted).buildings["lab"].footprint == ()

    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "extends: base.yaml\nname: bad\nmodify:\n  buildings:\n"
        f"    lab: {{footprint: {BOW_TIE}}}\n",
        encoding="utf-8",
    )
    with pytest.raises(LayoutError) as info:
        load_layout(bad)
    assert info.value.file == str(bad) and info.value.line == 5
    assert "crosses itself" in info.value.message


def test_show_summarises_a_changed_footprint(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copy(_tiny_with(tmp_path, SQUARE), tmp_path / "base.yaml")
    moved = SQUARE.replace("12.56070", "12.56090")
    variant = tmp_path / "variant.yaml"
    variant.write_text(
        "extends: base.yaml\nname: moved\nmodify:\n  buildings:\n"
        f"    lab: {{footprint: {moved}}}\n",
        encoding="utf-8",
    )
    assert main(["show", str(variant)]) == 0
    out = capsys.readouterr().out
    assert "footprint" in out
    assert "55.7001" not in out  # points are summarised, not printed


def test_every_baseline_building_has_a_footprint_near_its_entrances() -> None:
    layout = load_layout(Path(__file__).parent.parent / "scenarios" / "baseline.yaml")
    for building in layout.buildings.values():
        assert building.footprint, building.id
        for nid in building.entrances:
            node = layout.nodes[nid]
            d = min(distance_to_ring((node.x, node.y), r) for r in building.footprint_xy)
            assert d <= 100, (building.id, nid, d)
