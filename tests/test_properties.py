"""Property-based tests: random valid layouts load; random mistakes are one-line refusals.

Hypothesis generates the inputs. Valid grid layouts of random size, kinds and
populations must always load and pass ``check``; random mutations of the tiny layout
(and random variant overlays of it) must end in exit status 0 or in exactly one line on
stderr with status 2 — never a traceback.
"""

from __future__ import annotations

import copy
import math
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.cli import main
from sim.layout import load_layout

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "tests" / "fixtures" / "tiny.yaml"
TINY_DATA: dict[str, Any] = yaml.safe_load(TINY.read_text())

SETTINGS = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

EDGE_KINDS = ["street", "footpath", "park_path", "crossing"]
TRAFFIC = ["high", "low", "none"]


@st.composite
def grid_layouts(draw: st.DrawFn) -> dict[str, Any]:
    """A valid layout: an ``rows × cols`` grid of streets with buildings at corners."""
    rows = draw(st.integers(2, 4))
    cols = draw(st.integers(2, 4))
    spacing = draw(st.floats(20.0, 300.0))
    dlat = spacing / 111_320.0
    dlon = spacing / (111_320.0 * math.cos(math.radians(55.7)))
    nodes = {
        f"n{r}{c}": {"lat": round(55.7 + r * dlat, 7), "lon": round(12.56 + c * dlon, 7)}
        for r in range(rows)
        for c in range(cols)
    }
    edges: dict[str, Any] = {}
    for r in range(rows):
        for c in range(cols):
            for dr, dc, tag in ((0, 1, "h"), (1, 0, "v")):
                if r + dr < rows and c + dc < cols:
                    edges[f"{tag}{r}{c}"] = {
                        "from": f"n{r}{c}",
                        "to": f"n{r + dr}{c + dc}",
                        "kind": draw(st.sampled_from(EDGE_KINDS)),
                        "traffic": draw(st.sampled_from(TRAFFIC)),
                        "frontage": draw(st.sampled_from([0.0, 0.25, 1.0])),
                    }
    node_ids = list(nodes)
    buildings = {}
    for i in range(draw(st.integers(1, 3))):
        buildings[f"b{i}"] = {
            "institution": draw(st.sampled_from(["uni", "hosp"])),
            "entrances": [draw(st.sampled_from(node_ids))],
            "population": {
                "researcher": draw(st.integers(0, 40)),
                "clinician": draw(st.integers(0, 40)),
                "student": draw(st.integers(0, 40)),
            },
        }
    share = draw(st.floats(0.1, 0.9))
    return {
        "name": "random_grid",
        "institutions": {
            "uni": {"name": "U", "sector": "university"},
            "hosp": {"name": "H", "sector": "hospital"},
        },
        "nodes": nodes,
        "edges": edges,
        "buildings": buildings,
        "gateways": {
            "metro": {"name": "M", "kind": "metro", "node": node_ids[0], "share": share},
            "bus": {"name": "B", "kind": "bus", "node": node_ids[-1], "share": 1.0 - share},
        },
    }


@SETTINGS
@given(data=grid_layouts())
def test_random_valid_layouts_load_and_check(
    data: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "grid.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    layout = load_layout(path)
    assert len(layout.nodes) == len(data["nodes"])
    assert main(["check", str(path)]) == 0, capsys.readouterr().err
    assert capsys.readouterr().out.startswith("ok: ")


def _paths(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every key path in ``data`` (mappings and lists)."""
    out = [prefix] if prefix else []
    if isinstance(data, dict):
        for k, v in data.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            out += _paths(v, (*prefix, i))
    return out


TINY_PATHS = _paths(TINY_DATA)

ODD_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**15), 10**15),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(["", "n00", "uni", "cafe", "08:00-17:00", "25:00-26:00", "-1", "1e9"]),
    st.lists(st.integers(-5, 5), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(-5, 5), max_size=2),
)


def _mutate(data: Any, path: tuple[Any, ...], value: Any, delete: bool) -> Any:
    out = copy.deepcopy(data)
    parent = out
    for key in path[:-1]:
        parent = parent[key]
    if delete:
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return out


def _one_line_or_ok(rc: int, err: str) -> None:
    assert rc in (0, 2), err
    if rc == 2:
        assert err.startswith("error: ") and err.count("\n") == 1, err
        assert "Traceback" not in err


@SETTINGS
@given(
    path=st.sampled_from(TINY_PATHS),
    value=ODD_VALUES,
    delete=st.booleans(),
)
def test_random_mutations_are_accepted_or_refused_in_one_line(
    path: tuple[Any, ...],
    value: Any,
    delete: bool,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    mutated = _mutate(TINY_DATA, path, value, delete)
    file = tmp_path / "mutated.yaml"
    file.write_text(yaml.safe_dump(mutated, sort_keys=False))
    rc = main(["check", str(file)])
    _one_line_or_ok(rc, capsys.readouterr().err)


SECTIONS = ["nodes", "edges", "buildings", "venues", "public_spaces", "gateways"]
IDS = ["n00", "n11", "h00", "v01", "lab", "clinic", "lab_cafe", "square", "metro", "nope"]


@st.composite
def overlays(draw: st.DrawFn) -> dict[str, Any]:
    """A variant of the tiny layout with random remove/modify/add entries."""
    variant: dict[str, Any] = {"extends": str(TINY), "name": "v"}
    for op in draw(st.lists(st.sampled_from(["remove", "modify", "add"]), max_size=3)):
        section = draw(st.sampled_from(SECTIONS))
        item = draw(st.sampled_from(IDS))
        if op == "remove":
            variant.setdefault("remove", {})[section] = [item]
        else:
            key = draw(st.sampled_from(["kind", "name", "capacity", "share", "lat", "from"]))
            variant.setdefault(op, {}).setdefault(section, {})[item] = {key: draw(ODD_VALUES)}
    return variant


@SETTINGS
@given(variant=overlays())
def test_random_overlays_are_accepted_or_refused_in_one_line(
    variant: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file = tmp_path / "variant.yaml"
    file.write_text(yaml.safe_dump(variant, sort_keys=False))
    rc = main(["check", str(file)])
    _one_line_or_ok(rc, capsys.readouterr().err)
