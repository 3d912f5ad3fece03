"""Coordinate sanity: a node far from the district (typically lat and lon swapped, the x, y
order GIS users type) is refused with one line naming the node, before any edge of
thousands of kilometres is built."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.cli import main

TINY = Path(__file__).parent / "fixtures" / "tiny.yaml"
N11 = "  n11: {lat: 55.700899, lon: 12.561596}\n"


def _tiny_with(tmp_path: Path, old: str, new: str) -> Path:
    text = TINY.read_text(encoding="utf-8")
    assert text.count(old) == 1
    path = tmp_path / "layout.yaml"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


def _line(path: Path, fragment: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if fragment in line)


@pytest.mark.parametrize("command", ["check", "show", "run"])
def test_swapped_node_is_refused_naming_the_node(
    tmp_path: Path, command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _tiny_with(tmp_path, N11, "  n11: {lat: 12.561596, lon: 55.700899}\n")
    out = tmp_path / "out"
    args = [command, str(path)] + (["--out", str(out), "--quiet"] if command == "run" else [])
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert f"{path}:{_line(path, 'n11:')}: nodes.n11: node 'n11'" in err
    assert "6,058 km from the median position of the nodes" in err
    assert "lat and lon swapped?" in err
    assert not out.exists()


def test_far_node_measured_from_the_origin_when_given(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # 0.3 degrees of latitude north is about 33 km: not swapped, just far off.
    path = _tiny_with(tmp_path, N11, "  n11: {lat: 56.000899, lon: 12.561596}\n")
    text = path.read_text(encoding="utf-8").replace(
        "nodes:\n", "origin: {lat: 55.70, lon: 12.56}\nnodes:\n", 1
    )
    path.write_text(text, encoding="utf-8")
    assert main(["check", str(path)]) == 2
    err = capsys.readouterr().err
    assert "node 'n11' at lat 56.0009, lon 12.5616 lies 33 km from the layout's origin" in err


def test_latitude_beyond_90_suggests_swapping(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _tiny_with(tmp_path, N11, "  n11: {lat: 155.7, lon: 12.561596}\n")
    assert main(["check", str(path)]) == 2
    err = capsys.readouterr().err
    expected = "expected a number between -90 and 90, got 155.7; lat and lon swapped?"
    assert f"nodes.n11.lat: {expected}" in err


def test_nodes_within_the_district_pass(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(TINY)]) == 0
    assert capsys.readouterr().out.startswith("ok:")
