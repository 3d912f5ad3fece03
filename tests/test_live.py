"""The live view's data, without a browser: replay arrays, page inputs, difference map,
scenario list and the command's input checks."""

from __future__ import annotations

import base64
from pathlib import Path

import numpy as np
import pytest

from sim.cli import main
from sim.engine.model import CrosspathsModel
from sim.live.catalog import scenario_files
from sim.live.replay import last_day, meeting_xy, replay_data, sample_people
from sim.live.session import LiveModel, difference
from tests.conftest import BUSY_RATES, TINY_PATH

ROOT = Path(__file__).resolve().parents[1]


def _decode(text: str, dtype: str) -> np.ndarray:
    return np.frombuffer(base64.b64decode(text), dtype=np.dtype(dtype).newbyteorder("<"))


@pytest.fixture(scope="module")
def busy() -> CrosspathsModel:
    """The tiny grid at busy meeting rates, one day simulated."""
    model = CrosspathsModel(TINY_PATH, seed=3, scale=3, overrides=BUSY_RATES)
    model.step()
    return model


def test_walkers_follow_connected_routes_with_their_lengths(busy: CrosspathsModel) -> None:
    data = replay_data(last_day(busy), sample=50)
    w = data["walkers"]
    assert data["shown"] == 50 and data["people"] == 600
    start = _decode(w["route_start"], "i4")
    nodes = _decode(w["route_nodes"], "i4")
    cum = _decode(w["route_cum"], "f4")
    g = busy.graph
    ends = {frozenset(e) for e in zip(g.edge_u.tolist(), g.edge_v.tolist(), strict=True)}
    lengths = {frozenset(e): n for e, n in zip(zip(g.edge_u.tolist(), g.edge_v.tolist(),
                                                  strict=True), g.length, strict=True)}  # fmt: skip
    for r in range(start.shape[0] - 1):
        seq, c = nodes[start[r]:start[r + 1]], cum[start[r]:start[r + 1]]
        assert c[0] == 0 and np.all(np.diff(c) > 0)
        for a, b, step in zip(seq[:-1], seq[1:], np.diff(c), strict=True):
            assert frozenset((int(a), int(b))) in ends
            assert step == pytest.approx(lengths[frozenset((int(a), int(b)))], rel=1e-4)
    b, core = data["map"]["bounds"], data["map"]["core_bounds"]
    tol = 0.1  # positions are rounded to 10 cm
    assert b[0] - tol <= core[0] < core[2] <= b[2] + tol
    assert b[1] - tol <= core[1] < core[3] <= b[3] + tol
    depart = _decode(w["depart"], "f4")
    assert depart.shape[0] == w["n_trips"] and np.all(np.diff(depart) >= 0)
    assert set(_decode(w["route"], "i4").tolist()) <= set(range(start.shape[0] - 1))


def test_sample_is_fixed_by_the_seed_and_capped() -> None:
    a, b = sample_people(1000, 100, seed=1), sample_people(1000, 100, seed=1)
    assert np.array_equal(a, b) and len(np.unique(a)) == 100
    assert not np.array_equal(a, sample_people(1000, 100, seed=2))
    assert np.array_equal(sample_people(80, 100, seed=1), np.arange(80))


def test_meetings_are_placed_on_their_street_or_node(busy: CrosspathsModel) -> None:
    day = last_day(busy)
    m, g = day.meetings, day.graph
    xy = meeting_xy(day)
    on_edge = np.flatnonzero(m.place_kind == 0)
    assert on_edge.shape[0] > 10
    u, v = g.xy[g.edge_u[m.place[on_edge]]], g.xy[g.edge_v[m.place[on_edge]]]
    p = xy[on_edge]
    # On the segment: distances to both ends add up to its length.
    along = np.hypot(*(p - u).T) + np.hypot(*(p - v).T)
    assert np.allclose(along, np.hypot(*(v - u).T), atol=1e-6)
    # Not all piled at one point of the segment.
    assert np.unique(np.round(p, 1), axis=0).shape[0] > on_edge.shape[0] // 2
    at_node = np.flatnonzero(m.place_kind == 1)
    assert np.allclose(xy[at_node], g.xy[m.place[at_node]])
    data = replay_data(day)["meetings"]
    assert data["n"] == len(m) == sum(data["hist_all"])
    assert data["n_cross"] == int(m.cross.sum()) == sum(data["hist_cross"])
    assert np.all(np.diff(_decode(data["t"], "f4")) >= 0)


def test_page_inputs_become_messages_not_crashes(tmp_path: Path) -> None:
    missing = str(tmp_path / "no.yaml")
    cases = [({"scale": "0"}, "scale"), ({"scale": "lots"}, "scale"), ({"seed": "-2"}, "seed"),
             ({"layout": missing}, "no.yaml")]  # fmt: skip
    for kwargs, word in cases:
        model = LiveModel(**{"layout": str(TINY_PATH), **kwargs})  # type: ignore[arg-type]
        assert word in model.error and not model.running
        model.step()
        assert model.steps <= 1 and not model.running
    good = LiveModel(str(TINY_PATH), seed="4", scale=" 0.5 ")
    assert good.error == "" and len(good.population) == 100
    good.ensure_day()
    good.ensure_day()
    assert good.steps == 1
    data = good.replay()
    assert data["weekday"] == "Monday" and data["scenario"] == "tiny" and data["seed"] == 4


def test_difference_marks_gains_losses_and_removed_streets(tmp_path: Path) -> None:
    base = CrosspathsModel(TINY_PATH, seed=2, overrides=BUSY_RATES)
    base.step()
    same = difference(last_day(base), last_day(base))
    assert same["segments"] == [] and same["places"] == [] and same["max"] == 0
    variant_file = tmp_path / "variant.yaml"
    variant_file.write_text(
        f"extends: {TINY_PATH}\nname: no_v11\nremove: {{edges: [v11]}}\n", encoding="utf-8"
    )
    variant = CrosspathsModel(variant_file, seed=2, overrides=BUSY_RATES)
    variant.step()
    diff = difference(last_day(variant), last_day(base))
    status = {s[5] for s in diff["segments"]}
    assert "removed" in status
    assert diff["meetings"] == [len(base.last_meetings), len(variant.last_meetings)]
    total = sum(s[4] for s in diff["segments"]) + sum(p[2] for p in diff["places"])
    # Street and place changes account for every meeting gained or lost, nodes aside.
    kinds_v, kinds_b = variant.last_meetings.place_kind, base.last_meetings.place_kind
    nodes = np.sum(kinds_v == 1) - np.sum(kinds_b == 1)
    assert total + nodes == len(variant.last_meetings) - len(base.last_meetings)


def test_scenario_list_has_layouts_only_baseline_first() -> None:
    files = scenario_files(ROOT / "scenarios")
    names = [Path(f).name for f in files]
    assert names[0] == "baseline.yaml"
    assert "phases_1_2.yaml" in names
    assert not any("sweeps" in f for f in files)


def test_live_refuses_a_broken_layout_before_serving(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text(
        f"extends: {TINY_PATH}\nname: b\nmodify: {{edges: {{h00: {{frontage: 5}}}}}}\n"
    )
    assert main(["live", str(broken), "--port", "0"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "frontage" in err
