"""Metrics, tables, GeoJSON, figures and the results folder: synthetic runs and a real one."""

from __future__ import annotations

import csv
import dataclasses
import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from pypdf import PdfReader

import sim
from sim.engine.results import PLACE_KINDS, AgentTable, MeetingTable, RunResult
from sim.i18n import Lang
from sim.layout import load_layout
from sim.layout.schema import Layout
from sim.metrics import all_tables, place_counts, summarize
from sim.outputs import geojson, plots, tables
from sim.outputs.writer import write_figures, write_results
from sim.params import AGENT_TYPES
from sim.runner import simulate

TINY = Path(__file__).parent / "fixtures" / "tiny.yaml"
H = 3600.0

FIGURES = ("map_meeting_density", "meetings_by_type_pair", "institution_matrix", "meetings_by_hour")
CSVS = (
    "meetings_by_type_pair",
    "meetings_by_institution_pair",
    "meetings_by_hour",
    "meetings_by_place",
)
EXPECTED_FILES = {
    "summary.json",
    ".crosspaths.json",
    *(f"{c}.csv" for c in CSVS),
    "meetings_by_segment.geojson",
    "meetings_by_place.geojson",
    "results.gpkg",  # the gis extra is part of the test extra
    "visits_by_place.csv",
    "visits_by_place.geojson",
    "report.md",
    "report.pdf",
    *(f"{f}.{ext}" for f in FIGURES for ext in ("png", "svg")),
    # The tie outputs (tested in test_ties.py).
    "ties.graphml",
    "ties.csv",
    "tie_formation.csv",
    "tie_formation_by_institution_pair.csv",
    "bridging.csv",
    "tie_places.csv",
    *(f"{f}.{ext}" for f in ("tie_formation", "bridging", "tie_places") for ext in ("png", "svg")),
}


NUMBER_FILES = {
    f for f in EXPECTED_FILES if not f.endswith((".png", ".svg", ".pdf")) and f != "report.md"
}
"""What ``write_results(..., figures=False)`` writes (``run --no-figures``)."""


def tiny_layout(attribution: str = "") -> Layout:
    """``tests/fixtures/tiny.yaml``, optionally with a data credit."""
    return dataclasses.replace(load_layout(TINY), attribution=attribution)


def population(layout: Layout) -> AgentTable:
    """Agents of every building; multi-institution buildings alternate institutions."""
    inst_index = {k: i for i, k in enumerate(layout.institutions)}
    types, insts, homes = [], [], []
    for bi, b in enumerate(layout.buildings.values()):
        for agent_type, n in b.population.items():  # file order, zeros included
            for k in range(n):
                types.append(AGENT_TYPES.index(agent_type))
                insts.append(inst_index[b.institutions[k % len(b.institutions)]])
                homes.append(bi)
    return AgentTable(
        type_code=np.array(types, np.int8),
        institution=np.array(insts, np.int16),
        building=np.array(homes, np.int16),
    )


def random_result(seed: int = 7, n: int = 400, days: int = 5, attribution: str = "") -> RunResult:
    """A run with ``n`` random meetings on the tiny layout."""
    layout = tiny_layout(attribution)
    agents = population(layout)
    rng = np.random.default_rng(seed)
    a = rng.integers(0, len(agents) - 1, n)
    b = rng.integers(a + 1, len(agents))
    kind = rng.integers(0, 4, n).astype(np.int8)
    sizes = np.array([len(layout.edges), len(layout.nodes), len(layout.venues), len(layout.spaces)])
    place = np.floor(rng.random(n) * sizes[kind]).astype(np.int32)
    meetings = MeetingTable(
        a=a.astype(np.int32),
        b=b.astype(np.int32),
        day=rng.integers(0, days, n).astype(np.int16),
        t=rng.uniform(7 * H, 19 * H, n),
        place_kind=kind,
        place=place,
        cross=agents.institution[a] != agents.institution[b],
    )
    return RunResult(
        layout=layout,
        seed=seed,
        days=days,
        agents=agents,
        meetings=meetings,
        encounters=rng.integers(1000, 2000, days),
        setup_s=0.25,
        sim_s=1.5,
    )


def hand_result() -> RunResult:
    """Four people, two days, four meetings written out by hand.

    People: 0 researcher@uni, 1 student@uni, 2 researcher@hosp, 3 clinician@hosp.
    Meetings: (0,1) day 0 09:30 on edge h00; (0,2) day 0 12:10 in lab_cafe;
    (0,2) day 1 12:50 on the square; (1,3) day 1 15:00 in lab_cafe.
    """
    layout = tiny_layout()
    agents = AgentTable(
        type_code=np.array([0, 1, 0, 3], np.int8),
        institution=np.array([0, 0, 1, 1], np.int16),
        building=np.array([0, 0, 1, 1], np.int16),
    )
    meetings = MeetingTable(
        a=np.array([0, 0, 0, 1], np.int32),
        b=np.array([1, 2, 2, 3], np.int32),
        day=np.array([0, 0, 1, 1], np.int16),
        t=np.array([9.5 * H, 12 * H + 600, 12 * H + 3000, 15 * H]),
        place_kind=np.array([0, 2, 3, 2], np.int8),
        place=np.array([0, 0, 0, 0], np.int32),
        cross=np.array([False, True, True, True]),
    )
    return RunResult(layout, 3, 2, agents, meetings, np.array([10, 6]), setup_s=0.5, sim_s=2.0)


def test_summary_matches_hand_computed_values() -> None:
    s = summarize(hand_result(), "hand", runtime_s=3.14159)
    assert s["scenario"] == "hand" and s["seed"] == 3 and s["days"] == 2
    assert s["agents"] == {"researcher": 2, "student": 1, "startup": 0, "clinician": 1, "total": 4}
    assert s["meetings"] == 4 and s["cross_institution_meetings"] == 3
    # 4 meetings × 2 people / (4 people × 2 days)
    assert s["meetings_per_person_day"] == pytest.approx(1.0)
    assert s["cross_institution_meetings_per_person_day"] == pytest.approx(0.75)
    assert s["cross_institution_share"] == pytest.approx(0.75)
    # Pairs (0,2) on days 0 and 1, (1,3) on day 1 only.
    assert s["distinct_cross_institution_ties"] == 2
    assert s["repeat_cross_institution_ties"] == 1
    # 16 encounters × 2 people / 8 person-days
    assert s["encounters_per_person_day"] == pytest.approx(4.0)
    assert s["meetings_by_setting_share"] == pytest.approx(
        {"edge": 0.25, "node": 0.0, "venue": 0.5, "space": 0.25}
    )
    assert s["runtime_s"] == pytest.approx(3.142)
    assert (s["setup_s"], s["sim_s"]) == (0.5, 2.0)
    assert s["crosspaths_version"] == sim.__version__
    # Plain Python types only: json must not need a default= hook.
    assert json.loads(json.dumps(s)) == s


def test_repeat_ties_need_different_days() -> None:
    r = hand_result()
    r.meetings.day[:] = 0  # the (0,2) pair now meets twice on the same day
    s = summarize(r, "hand", 0.0)
    assert s["distinct_cross_institution_ties"] == 2
    assert s["repeat_cross_institution_ties"] == 0


def test_summary_of_empty_run_is_all_zero() -> None:
    r = hand_result()
    r.meetings = MeetingTable.empty()
    s = summarize(r, "empty", 0.0)
    assert s["meetings_per_person_day"] == 0.0
    assert s["cross_institution_share"] == 0.0
    assert s["distinct_cross_institution_ties"] == 0
    assert set(s["meetings_by_setting_share"].values()) == {0.0}
    assert sum(row["meetings"] for row in all_tables(r)["meetings_by_place"]) == 0


def _by(rows: list[dict], *keys: str) -> dict:
    return {tuple(row[k] for k in keys): row for row in rows}


def test_tables_match_hand_computed_values() -> None:
    t = all_tables(hand_result())
    pairs = _by(t["meetings_by_type_pair"], "type_a", "type_b")
    assert len(pairs) == len(AGENT_TYPES) * (len(AGENT_TYPES) + 1) // 2
    assert pairs[("researcher", "researcher")]["cross_institution_meetings"] == 2
    assert pairs[("researcher", "student")]["meetings"] == 1
    assert pairs[("researcher", "student")]["meetings_per_day"] == pytest.approx(0.5)
    assert pairs[("student", "clinician")]["cross_institution_meetings"] == 1
    insts = _by(t["meetings_by_institution_pair"], "institution_a", "institution_b")
    assert insts[("uni", "uni")]["meetings"] == 1
    assert insts[("uni", "hosp")]["meetings"] == 3
    assert insts[("uni", "hosp")]["name_b"] == "Test Hospital"
    assert insts[("hosp", "hub")]["meetings"] == 0
    hours = {row["hour"]: row for row in t["meetings_by_hour"]}
    assert sorted(hours) == list(range(24))
    assert (hours[9]["meetings"], hours[9]["cross_institution_meetings"]) == (1, 0)
    assert (hours[12]["meetings"], hours[12]["cross_institution_meetings"]) == (2, 2)
    assert hours[15]["meetings_per_day"] == pytest.approx(0.5)
    places = _by(t["meetings_by_place"], "place_kind", "id")
    assert places[("venue", "lab_cafe")]["meetings"] == 2
    assert places[("venue", "lab_cafe")]["name"] == "Lab building cafe"
    assert places[("space", "square")]["cross_institution_meetings"] == 1
    h00 = places[("edge", "h00")]
    assert h00["length_m"] == pytest.approx(100.0, abs=0.5)
    assert h00["meetings_per_100m_day"] == pytest.approx(0.5 * 100.0 / h00["length_m"], rel=1e-3)
    assert places[("venue", "lab_hall")]["meetings_per_100m_day"] is None
    assert not any(kind == "node" for kind, _ in places)  # no node saw a meeting


@pytest.mark.parametrize("seed", [1, 2])
def test_tables_sum_to_the_number_of_meetings(seed: int) -> None:
    r = random_result(seed=seed)
    n, n_cross = len(r.meetings), int(r.meetings.cross.sum())
    t = all_tables(r)
    for stem in CSVS:
        assert sum(row["meetings"] for row in t[stem]) == n, stem
    for stem in ("meetings_by_type_pair", "meetings_by_hour", "meetings_by_place"):
        assert sum(row["cross_institution_meetings"] for row in t[stem]) == n_cross, stem
    same = sum(
        row["meetings"]
        for row in t["meetings_by_institution_pair"]
        if row["institution_a"] == row["institution_b"]
    )
    assert n - same == n_cross
    s = summarize(r, "random", 1.0)
    assert sum(s["meetings_by_setting_share"].values()) == pytest.approx(1.0)


def test_place_index_outside_layout_is_an_error() -> None:
    r = hand_result()
    r.meetings.place[0] = len(r.layout.edges)
    with pytest.raises(ValueError, match="edge index"):
        place_counts(r)


def test_segment_geojson_has_one_feature_per_edge_with_counts(tmp_path: Path) -> None:
    r = random_result(attribution="© Test contributors")
    geojson.write_geojson(r, tmp_path)
    fc = json.loads((tmp_path / "meetings_by_segment.geojson").read_text(encoding="utf-8"))
    assert fc["type"] == "FeatureCollection"
    assert fc["attribution"] == "© Test contributors"
    assert "crs" not in fc
    feats = fc["features"]
    assert [f["properties"]["id"] for f in feats] == list(r.layout.edges)
    m = r.meetings
    on_edge = m.place_kind == PLACE_KINDS.index("edge")
    expected = Counter(m.place[on_edge].tolist())
    expected_cross = Counter(m.place[on_edge & m.cross].tolist())
    for i, (f, edge) in enumerate(zip(feats, r.layout.edges.values(), strict=True)):
        assert f["type"] == "Feature" and f["geometry"]["type"] == "LineString"
        props = f["properties"]
        assert props["meetings"] == expected[i]
        assert props["cross_institution"] == expected_cross[i]
        assert props["meetings_per_day"] == pytest.approx(expected[i] / r.days, rel=1e-3)
        assert props["meetings_per_100m_day"] == pytest.approx(
            expected[i] * 100 / (r.days * edge.length), rel=1e-3
        )
        src, dst = r.layout.nodes[edge.source], r.layout.nodes[edge.target]
        # RFC 7946: longitude first.
        assert f["geometry"]["coordinates"] == [[src.lon, src.lat], [dst.lon, dst.lat]]
    assert sum(f["properties"]["meetings"] for f in feats) == int(on_edge.sum())


def test_place_geojson_points(tmp_path: Path) -> None:
    r = hand_result()
    r.meetings.place_kind[0] = PLACE_KINDS.index("node")
    r.meetings.place[0] = list(r.layout.nodes).index("n11")
    geojson.write_geojson(r, tmp_path)
    fc = json.loads((tmp_path / "meetings_by_place.geojson").read_text(encoding="utf-8"))
    assert "attribution" not in fc  # the tiny layout has none
    feats = {(f["properties"]["place_kind"], f["properties"]["id"]): f for f in fc["features"]}
    # All venues and spaces, and only the node that saw a meeting.
    assert set(feats) == {
        *(("venue", v) for v in r.layout.venues),
        ("space", "square"),
        ("node", "n11"),
    }
    cafe = feats[("venue", "lab_cafe")]
    n00 = r.layout.nodes["n00"]  # the lab's first entrance
    assert cafe["geometry"] == {"type": "Point", "coordinates": [n00.lon, n00.lat]}
    assert cafe["properties"]["meetings"] == 2
    assert cafe["properties"]["meetings_per_day"] == pytest.approx(1.0)
    clinic = feats[("venue", "clinic_canteen")]["geometry"]["coordinates"]
    assert clinic == [r.layout.nodes["n22"].lon, r.layout.nodes["n22"].lat]
    assert feats[("node", "n11")]["properties"]["meetings"] == 1


def test_csv_files_round_trip(tmp_path: Path) -> None:
    r = random_result()
    t = all_tables(r)
    tables.write_tables(r, tmp_path, t)
    for stem in CSVS:
        with (tmp_path / f"{stem}.csv").open(encoding="utf-8", newline="") as f:
            rows = list(csv.DictReader(f))
        assert len(rows) == len(t[stem])
        assert sum(int(row["meetings"]) for row in rows) == len(r.meetings)


def _siblings(parent: Path) -> set[str]:
    return {p.name for p in parent.iterdir()}


Written = Callable[[str], tuple[RunResult, Path, dict[str, Any]]]


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> Written:
    """``write_results`` of one random run with a data credit, figures and report in a
    language; each language written once (a run's figures take ~7 s of CPU)."""
    result = random_result(attribution="© Test contributors")
    done: dict[str, tuple[Path, dict[str, Any]]] = {}

    def write(code: str) -> tuple[RunResult, Path, dict[str, Any]]:
        if code not in done:
            out = tmp_path_factory.mktemp(f"results_{code}") / "tiny"
            done[code] = out, write_results(result, out, "tiny", 2.0, Lang(code))
        return result, *done[code]

    return write


def test_write_results_writes_everything_and_no_temp_folder(written: Written) -> None:
    r, out, summary = written("en")
    assert {p.name for p in out.iterdir()} == EXPECTED_FILES
    assert _siblings(out.parent) == {"tiny"}
    assert json.loads((out / "summary.json").read_text(encoding="utf-8")) == summary
    assert summary["meetings"] == len(r.meetings)
    for stem in FIGURES:
        assert (out / f"{stem}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        svg = (out / f"{stem}.svg").read_text(encoding="utf-8")
        assert "<svg" in svg and "© Test contributors" in svg  # footer credit


def test_write_results_replaces_existing_folder(tmp_path: Path) -> None:
    out = tmp_path / "tiny"
    out.mkdir()
    (out / "stale.txt").write_text("from an earlier run")
    write_results(random_result(), out, "tiny", runtime_s=1.0, figures=False)
    assert {p.name for p in out.iterdir()} == NUMBER_FILES
    assert _siblings(tmp_path) == {"tiny"}


@pytest.mark.parametrize("code", ["en", "da"])
def test_run_figures_and_report_in_both_languages(written: Written, code: str) -> None:
    r, out, _ = written(code)
    lang = Lang(code)
    svg = (out / "map_meeting_density.svg").read_text(encoding="utf-8")
    assert lang.t("run.map_title", name="tiny") in svg
    assert lang.t("map.buildings_by_institution") in svg and lang.t("locator.title") in svg
    assert "east of" not in svg  # no local-metre axes
    # Every footer: scenario, scale, seed, days, version, credit.
    for stem in ("map_meeting_density", "meetings_by_hour", "institution_matrix"):
        text = (out / f"{stem}.svg").read_text(encoding="utf-8")
        for part in (lang.t("footer.scale_full"), lang.t("footer.seed", seed=r.seed),
                     lang.plural(r.days, "sim_day"), "Crosspaths", "© Test"):  # fmt: skip
            assert part in text, (stem, part)
    pages = PdfReader(out / "report.pdf").pages
    assert 1 <= len(pages) <= 2
    text = " ".join(" ".join(p.extract_text() for p in pages).split())  # lines wrap
    assert lang.t("sum.single_title", name="tiny") in text
    assert lang.t("rr.h_table") in text and lang.t("sum.h_assumptions") in text
    md = (out / "report.md").read_text(encoding="utf-8")
    assert md.startswith(f"# {lang.t('sum.single_title', name='tiny')}")


def _explode(*args: object, **kwargs: object) -> list[Path]:
    raise RuntimeError("plot failed")


def test_failure_midway_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The first figure fails: summary, tables, GeoJSON and GeoPackage are written by then.
    monkeypatch.setattr(plots, "plot_meeting_density", _explode)
    with pytest.raises(RuntimeError, match="plot failed"):
        write_results(random_result(), tmp_path / "tiny", "tiny", runtime_s=1.0)
    assert _siblings(tmp_path) == set()


def test_failure_midway_keeps_previous_results(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "tiny"
    write_results(random_result(seed=1), out, "tiny", runtime_s=1.0, figures=False)
    before = (out / "summary.json").read_text(encoding="utf-8")
    monkeypatch.setattr(plots, "plot_meeting_density", _explode)  # after every table
    with pytest.raises(RuntimeError):
        write_results(random_result(seed=2), out, "tiny", runtime_s=1.0)
    assert _siblings(tmp_path) == {"tiny"}
    assert (out / "summary.json").read_text(encoding="utf-8") == before
    assert {p.name for p in out.iterdir()} == NUMBER_FILES


def test_figures_survive_a_run_without_meetings(tmp_path: Path) -> None:
    r = hand_result()
    r.meetings = MeetingTable.empty()
    paths = write_figures(r, tmp_path, "empty")
    assert {p.name for p in paths} == {f"{f}.{e}" for f in FIGURES for e in ("png", "svg")}


def test_failed_swap_restores_previous_results(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "tiny"
    write_results(random_result(seed=1), out, "tiny", runtime_s=1.0, figures=False)
    before = (out / "summary.json").read_text(encoding="utf-8")
    real_rename = Path.rename

    def rename(self: Path, target: Path) -> Path:
        if ".tmp-" in self.name:  # the finished new folder moving into place
            raise OSError("disk went away")
        return real_rename(self, target)

    monkeypatch.setattr(Path, "rename", rename)
    with pytest.raises(OSError, match="disk went away"):
        write_results(random_result(seed=2), out, "tiny", runtime_s=1.0, figures=False)
    assert _siblings(tmp_path) == {"tiny"}
    assert (out / "summary.json").read_text(encoding="utf-8") == before


def test_real_run_end_to_end(tmp_path: Path) -> None:
    r = simulate(tiny_layout(), seed=1, days=2)
    summary = write_results(r, tmp_path / "tiny", "tiny", runtime_s=1.0, figures=False)
    assert summary["meetings"] == len(r.meetings) > 0
    assert summary["agents"]["total"] == len(r.agents)
    with (tmp_path / "tiny" / "meetings_by_place.csv").open(encoding="utf-8") as f:
        assert sum(int(row["meetings"]) for row in csv.DictReader(f)) == len(r.meetings)
