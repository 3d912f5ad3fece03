"""Ties: the tie table, the network files, formation, bridging and places, on tiny runs."""

from __future__ import annotations

import csv
import dataclasses
import json
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pytest

from sim.engine.results import AgentTable, MeetingTable, RunResult
from sim.i18n import Lang
from sim.layout import load_layout
from sim.layout.schema import Layout
from sim.metrics import summarize
from sim.outputs import network
from sim.outputs.tie_outputs import write_tie_outputs
from sim.outputs.writer import write_results
from sim.runner import simulate
from sim.tie_tables import (
    FORMATION_COLUMNS,
    bridging_matrix,
    bridging_rows,
    formation_pair_rows,
    formation_rows,
    tie_place_rows,
)
from sim.ties import ANY_OTHER, NONE_DAY, tie_table

FIXTURES = Path(__file__).parent / "fixtures"
H = 3600.0

TIE_FILES = {
    "ties.graphml",
    "ties.csv",
    "tie_formation.csv",
    "tie_formation_by_institution_pair.csv",
    "bridging.csv",
    "tie_places.csv",
    *(f"{f}.{e}" for f in ("tie_formation", "bridging", "tie_places") for e in ("png", "svg")),
}


def hand_result(layout: Layout) -> RunResult:
    """Five people, four days, meetings written out by hand.

    People: 0 researcher@uni, 1 student@uni, 2 researcher@hosp, 3 clinician@hosp,
    4 startup@hub (never meets anyone).
    Ties: (0,2) cross, met days 0, 0 (twice, same day), 2, 3 — first at lab_cafe 09:00;
    (1,3) cross, met day 1 only, on the square; (0,1) within uni, days 1 and 3.
    """
    agents = AgentTable(
        type_code=np.array([0, 1, 0, 3, 2], np.int8),
        institution=np.array([0, 0, 1, 1, 2], np.int16),
        building=np.array([0, 0, 1, 1, 2], np.int16),
    )
    # Rows deliberately out of order, and one pair written (b, a).
    a = [2, 0, 1, 0, 0, 0, 1]
    b = [0, 2, 3, 2, 2, 1, 0]
    day = [0, 0, 1, 2, 3, 1, 3]
    t = [12 * H, 9 * H, 15 * H, 10 * H, 10 * H, 8 * H, 8 * H]
    kind = [0, 2, 3, 0, 0, 0, 2]  # (0,2)'s first meeting, 09:00 day 0, is at venue 0
    meetings = MeetingTable(
        a=np.array(a, np.int32),
        b=np.array(b, np.int32),
        day=np.array(day, np.int16),
        t=np.array(t, float),
        place_kind=np.array(kind, np.int8),
        place=np.zeros(len(a), np.int32),
        cross=agents.institution[a] != agents.institution[b],
    )
    return RunResult(layout, 0, 4, agents, meetings, np.full(4, 10.0))


@pytest.fixture(scope="module")
def hand(tiny: Layout) -> RunResult:
    return hand_result(tiny)


def test_tie_table_by_hand(hand: RunResult) -> None:
    ties = tie_table(hand)
    assert list(zip(ties.a.tolist(), ties.b.tolist(), strict=True)) == [(0, 1), (0, 2), (1, 3)]
    assert ties.meetings.tolist() == [2, 4, 1]
    # Two meetings on day 0 count as one day met.
    assert ties.days_met.tolist() == [2, 3, 1]
    assert ties.first_day.tolist() == [1, 0, 1]
    assert ties.second_day.tolist() == [3, 2, NONE_DAY]
    assert ties.third_day.tolist() == [NONE_DAY, 3, NONE_DAY]
    assert ties.last_day.tolist() == [3, 3, 1]
    assert ties.first_kind.tolist() == [0, 2, 3]  # (0,2) first met at 09:00 in the venue
    assert ties.cross.tolist() == [False, True, True]
    assert ties.lasting.tolist() == [True, True, False]


def test_summary_tie_counts_by_hand(hand: RunResult) -> None:
    s = summarize(hand, "hand", 0.0)
    assert (s["distinct_ties"], s["repeat_ties"]) == (3, 2)
    assert s["distinct_cross_institution_ties"] == 2
    assert s["repeat_cross_institution_ties"] == 1
    assert s["people_with_cross_institution_tie"] == 4


def test_formation_by_hand(hand: RunResult) -> None:
    ties = tie_table(hand)
    rows = formation_rows(hand, ties)
    assert [r["day"] for r in rows] == [1, 2, 3, 4]
    assert [r["new_cross_institution_ties"] for r in rows] == [1, 1, 0, 0]
    assert [r["cross_institution_ties"] for r in rows] == [1, 2, 2, 2]
    assert [r["cross_institution_ties_met_2x"] for r in rows] == [0, 0, 1, 1]
    assert [r["cross_institution_ties_met_3x"] for r in rows] == [0, 0, 0, 1]
    assert [r["people_with_cross_institution_tie"] for r in rows] == [2, 4, 4, 4]
    assert [r["ties"] for r in rows] == [1, 3, 3, 3]
    pairs = formation_pair_rows(hand, ties)
    uni_hosp = [r for r in pairs if (r["institution_a"], r["institution_b"]) == ("uni", "hosp")]
    assert [r["cross_institution_ties"] for r in uni_hosp] == [1, 2, 2, 2]
    assert all(r["cross_institution_ties"] == 0 for r in pairs if r["institution_b"] == "hub")


def test_bridging_by_hand(hand: RunResult) -> None:
    ties = tie_table(hand)
    rows = {(r["institution"], r["other_institution"]): r for r in bridging_rows(hand, ties)}
    # uni: people 0 and 1, both tied into hosp; only 0's tie (to 2) is lasting.
    assert rows["uni", "hosp"]["people"] == 2
    assert rows["uni", "hosp"]["people_with_tie"] == 2
    assert rows["uni", "hosp"]["share_with_tie"] == pytest.approx(1.0)
    assert rows["uni", "hosp"]["people_with_lasting_tie"] == 1
    assert rows["uni", "hosp"]["share_with_lasting_tie"] == pytest.approx(0.5)
    assert rows["hub", "uni"]["people_with_tie"] == 0
    assert rows["hub", ANY_OTHER]["people"] == 1
    assert rows["hosp", ANY_OTHER]["people_with_tie"] == 2
    share = bridging_matrix(hand, ties)
    assert np.isnan(np.diag(share)).all()
    assert share[1, 0] == pytest.approx(1.0) and share[2, 0] == 0.0


def test_places_by_hand(hand: RunResult) -> None:
    rows = {(r["place_kind"], r["id"]): r for r in tie_place_rows(hand, tie_table(hand))}
    cafe = rows["venue", "lab_cafe"]
    assert cafe["cross_institution_ties_first_met"] == 1
    assert cafe["lasting_cross_institution_ties_first_met"] == 1
    assert cafe["share_of_lasting_ties"] == pytest.approx(1.0)
    assert cafe["lasting_ties_per_100_cross_meetings"] == pytest.approx(100.0)
    square = rows["space", "square"]
    assert square["cross_institution_ties_first_met"] == 1
    assert square["lasting_cross_institution_ties_first_met"] == 0
    # The (0,2) meetings on edge h00 are repeats, not first meetings.
    assert rows["edge", "h00"]["cross_institution_meetings"] == 3
    assert rows["edge", "h00"]["cross_institution_ties_first_met"] == 0


def test_empty_run_has_no_ties(tmp_path: Path, hand: RunResult) -> None:
    r = dataclasses.replace(hand, meetings=MeetingTable.empty())
    ties = tie_table(r)
    assert len(ties) == 0
    paths = write_tie_outputs(r, tmp_path)
    assert {p.name for p in paths} == TIE_FILES
    g = nx.read_graphml(tmp_path / "ties.graphml")
    assert g.number_of_edges() == 0
    rows = _csv(tmp_path / "tie_formation.csv")
    assert [int(row["ties"]) for row in rows] == [0, 0, 0, 0]


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def busy_run(tiny_busy: Layout, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """Four days on the tiny layout with high meeting rates, written as a results folder."""
    out = tmp_path_factory.mktemp("ties") / "tiny"
    result = simulate(tiny_busy, seed=2, days=4)
    # The numbers only: the tie figures are checked on their own (and in test_outputs).
    summary = write_results(result, out, "tiny", runtime_s=1.0, figures=False)
    return out, summary


def test_run_writes_every_tie_file(busy_run: tuple[Path, dict]) -> None:
    out, summary = busy_run
    data = {f for f in TIE_FILES if f.endswith((".csv", ".graphml"))}
    assert {p.name for p in out.iterdir()} >= data
    assert json.loads((out / "summary.json").read_text(encoding="utf-8")) == summary
    assert summary["repeat_cross_institution_ties"] > 0  # the run is busy enough to test


def test_graphml_round_trips_through_networkx(busy_run: tuple[Path, dict]) -> None:
    out, summary = busy_run
    g = nx.read_graphml(out / "ties.graphml")
    assert not g.is_directed()
    assert g.number_of_edges() == summary["distinct_ties"]
    cross = [e for e in g.edges(data=True) if e[2]["cross_institution"]]
    assert len(cross) == summary["distinct_cross_institution_ties"]
    lasting = [e for e in cross if e[2]["days_met"] >= 2]
    assert len(lasting) == summary["repeat_cross_institution_ties"]
    for u, v, d in g.edges(data=True):
        assert isinstance(d["meetings"], int) and d["meetings"] >= d["days_met"] >= 1
        assert 1 <= d["first_day"] <= d["last_day"] <= summary["days"]
        assert d["cross_institution"] == (g.nodes[u]["institution"] != g.nodes[v]["institution"])
        assert d["first_place_kind"] in {"edge", "node", "venue", "space"}
    # Every node met someone; types are the model's.
    assert all(g.degree(n) > 0 for n in g.nodes)
    assert {d["type"] for _, d in g.nodes(data=True)} <= {
        "researcher", "student", "startup", "clinician"
    }  # fmt: skip


def test_ties_csv_is_the_same_edge_list(busy_run: tuple[Path, dict]) -> None:
    out, _ = busy_run
    g = nx.read_graphml(out / "ties.graphml")
    rows = _csv(out / "ties.csv")
    assert len(rows) == g.number_of_edges()
    for row in rows:
        d = g.edges[row["person_a"], row["person_b"]]
        assert int(row["meetings"]) == d["meetings"]
        assert int(row["first_day"]) == d["first_day"]
        assert row["first_place"] == d["first_place"]
        assert (row["cross_institution"] == "true") == d["cross_institution"]
        assert row["institution_a"] == g.nodes[row["person_a"]]["institution"]


def test_formation_is_cumulative_and_consistent_across_files(
    busy_run: tuple[Path, dict],
) -> None:
    out, summary = busy_run
    days = _csv(out / "tie_formation.csv")
    assert [int(r["day"]) for r in days] == list(range(1, summary["days"] + 1))

    def col(name: str, rows: list[dict[str, str]] = days) -> np.ndarray:
        return np.array([int(r[name]) for r in rows])

    total, new = col("cross_institution_ties"), col("new_cross_institution_ties")
    assert (np.diff(total) >= 0).all()
    assert (total == np.cumsum(new)).all()
    assert (col("cross_institution_ties_met_3x") <= col("cross_institution_ties_met_2x")).all()
    assert (col("cross_institution_ties_met_2x") <= total).all()
    assert (col("ties") == np.cumsum(col("new_ties"))).all()
    last = days[-1]
    assert int(last["cross_institution_ties"]) == summary["distinct_cross_institution_ties"]
    assert int(last["cross_institution_ties_met_2x"]) == summary["repeat_cross_institution_ties"]
    assert int(last["ties"]) == summary["distinct_ties"]
    people = int(last["people_with_cross_institution_tie"])
    assert people == summary["people_with_cross_institution_tie"]
    # New ties per day agree with the edge list's first days.
    edges = _csv(out / "ties.csv")
    first = np.bincount([int(e["first_day"]) for e in edges], minlength=len(days) + 1)[1:]
    assert (first == col("new_ties")).all()
    # The institution pairs add up to the district, day by day.
    pairs = _csv(out / "tie_formation_by_institution_pair.csv")
    for name in FORMATION_COLUMNS:
        per_day = np.bincount(
            [int(r["day"]) for r in pairs], weights=col(name, pairs), minlength=len(days) + 1
        )[1:]
        assert (per_day == col(name)).all()


def test_bridging_and_places_agree_with_the_network(busy_run: tuple[Path, dict]) -> None:
    out, summary = busy_run
    g = nx.read_graphml(out / "ties.graphml")
    bridging = {(r["institution"], r["other_institution"]): r for r in _csv(out / "bridging.csv")}
    for (inst, other), row in bridging.items():
        people = [n for n, d in g.nodes(data=True) if d["institution"] == inst]
        into = {
            n for n in people for m in g.neighbors(n)
            if g.nodes[m]["institution"] != inst
            and (other == ANY_OTHER or g.nodes[m]["institution"] == other)
        }  # fmt: skip
        assert int(row["people_with_tie"]) == len(into), (inst, other)
    places = _csv(out / "tie_places.csv")
    made = sum(int(r["cross_institution_ties_first_met"]) for r in places)
    kept = sum(int(r["lasting_cross_institution_ties_first_met"]) for r in places)
    assert made == summary["distinct_cross_institution_ties"]
    assert kept == summary["repeat_cross_institution_ties"]


def test_names_with_markup_and_commas_survive(tmp_path: Path) -> None:
    text = (FIXTURES / "tiny.yaml").read_text(encoding="utf-8")
    odd = 'Lab & "Co", <cafe>'
    assert "lab_cafe: {kind: cafe," in text
    path = tmp_path / "odd.yaml"
    named = text.replace("lab_cafe: {kind: cafe,", f"lab_cafe: {{name: '{odd}', kind: cafe,")
    named = named.replace("\nname: tiny\n", "\nname: 'tiny & <co>'\n")
    path.write_text(named, encoding="utf-8")
    result = hand_result(load_layout(path))
    ties = tie_table(result)
    network.write_graphml(result, ties, tmp_path / "ties.graphml")
    network.write_ties_csv(result, ties, tmp_path / "ties.csv")
    g = nx.read_graphml(tmp_path / "ties.graphml")
    assert g.edges["0", "2"]["first_place"] == "lab_cafe"
    rows = {(r["person_a"], r["person_b"]): r for r in _csv(tmp_path / "ties.csv")}
    assert rows["0", "2"]["first_place_name"] == odd


@pytest.mark.parametrize("choice", ["cross", "none"])
def test_network_option_limits_the_network_files(
    tmp_path: Path, hand: RunResult, choice: str
) -> None:
    paths = {p.name for p in write_tie_outputs(hand, tmp_path, network=choice, figures=False)}
    assert not [p for p in paths if p.endswith((".png", ".svg"))]
    assert {"tie_formation.csv", "bridging.csv", "tie_places.csv"} <= paths
    if choice == "none":
        assert not {"ties.graphml", "ties.csv"} & paths
        return
    g = nx.read_graphml(tmp_path / "ties.graphml")
    assert g.number_of_edges() == 2  # the two cross-institution ties only
    assert all(d["cross_institution"] for _, _, d in g.edges(data=True))
    assert len(_csv(tmp_path / "ties.csv")) == 2
    # The tables still count every tie.
    assert int(_csv(tmp_path / "tie_formation.csv")[-1]["ties"]) == 3


def test_unknown_network_choice_is_refused(tmp_path: Path, hand: RunResult) -> None:
    with pytest.raises(ValueError, match="network"):
        write_tie_outputs(hand, tmp_path, network="some")


@pytest.mark.parametrize("code", ["en", "da"])
def test_tie_figures_in_both_languages(
    tmp_path: Path, hand: RunResult, code: str, in_language: Any
) -> None:
    write_tie_outputs(hand, tmp_path, network="none", lang=Lang(code))
    keys: dict[str, list[Any]] = {
        "tie_formation": ["tie.formation_title", "tie.new", "tie.day_axis", "tie.pairs_axis",
                          ("tie.met_days", {"n": 3}), "tie.pair_legend"],
        "bridging": ["tie.bridging_title", "tie.people_lasting", "tie.into", "tie.row_share"],
        "tie_places": ["tie.places_title", "tie.first_here", "tie.of_which_lasting",
                       ("tie.places_axis", {"days": Lang(code).plural(4, "weekday")})],
    }  # fmt: skip
    for stem, words in keys.items():
        svg = (tmp_path / f"{stem}.svg").read_text(encoding="utf-8")
        in_language(svg, code, [*words, "footer.scale_full"])
