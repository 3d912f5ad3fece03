"""``rank``: generators, the racing rule on a case with a known order, runs, outputs, CLI."""

from __future__ import annotations

import csv
import dataclasses
import json
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from sim.cli import main
from sim.compare.changes import headline_comparisons
from sim.compare.runner import load_scenarios, run_scenarios
from sim.layout import load_layout
from sim.metrics import rnd
from sim.rank.base import load_base
from sim.rank.candidates import (
    GeneratorOptions,
    crosses_footprint,
    footprint_rings,
    generate,
    links,
    select,
)
from sim.rank.flows import estimate_flows
from sim.rank.racing import Evaluate, RaceRule, race
from sim.rank.ranking import merge_changes

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "tests" / "fixtures" / "tiny.yaml"
BUSY_MODEL = {
    "p_street_high": 0.02, "p_street_low": 0.03, "p_footpath": 0.04, "p_park_path": 0.05,
    "p_crossing": 0.03, "p_cafe": 0.05, "p_canteen": 0.04, "p_lecture_hall": 0.03,
    "p_shared_lab": 0.1, "p_plaza": 0.05,
}  # fmt: skip
"""Meeting rates ~20x the defaults (as ``tiny_busy`` in conftest), so effects are not 0."""


# --- racing on a synthetic case -------------------------------------------------------


def _synthetic(means: np.ndarray, sd: float, seed: int) -> tuple[Evaluate, list[tuple[int, int]]]:
    """An ``evaluate`` drawing effect ``means[i] + noise`` per seed, noise fixed per seed."""
    rng = np.random.default_rng(seed)
    draws = means[:, None] + sd * rng.standard_normal((means.size, 64))
    calls: list[tuple[int, int]] = []

    def evaluate(ids: Sequence[str], n: int) -> dict[str, np.ndarray]:
        calls.append((len(ids), n))
        return {i: draws[int(i)][:n] for i in ids}

    return evaluate, calls


def test_race_keeps_the_true_best_and_drops_the_clearly_worse() -> None:
    means = np.linspace(0.0, 2.0, 20)  # candidate "19" is best, "18" next, ...
    evaluate, calls = _synthetic(means, sd=0.1, seed=1)
    standings = race([str(i) for i in range(20)], evaluate, RaceRule(keep=3, rounds=(4, 8)))
    alive = [s.id for s in standings if s.out_round is None]
    assert set(alive[:3]) == {"19", "18", "17"}
    assert alive[:3] == ["19", "18", "17"]  # clear gaps: the order is right too
    assert len(alive) < 10  # racing saved runs: most were eliminated after round 1
    # Round 2 ran only the survivors of round 1, with more seeds.
    assert calls[0] == (20, 4) and len(alive) <= calls[1][0] < 20 and calls[1][1] == 8
    out = [s for s in standings if s.out_round is not None]
    assert all(s.high < max(x.low for x in standings) for s in out)


class _WeakRule(RaceRule):
    """Intervals at 50 % each, no Bonferroni split: the rule the guarantee needs to avoid."""

    def level(self, candidates: int) -> float:
        return 0.5


def _loss_rate(rule: RaceRule, races: int = 200) -> float:
    """Share of races that eliminate one of the true best 3 of 12 equal + 3 better."""
    means = np.array([0.0] * 12 + [0.1] * 3)
    top = {"12", "13", "14"}
    losses = 0
    for seed in range(races):
        evaluate, _ = _synthetic(means, sd=0.1, seed=seed)
        standings = race([str(i) for i in range(means.size)], evaluate, rule)
        losses += bool(top & {s.id for s in standings if s.out_round is not None})
    return losses / races


def test_race_error_rate_is_within_alpha() -> None:
    """Seen over many races, a true top-K candidate is eliminated in at most α of them,
    in a case hard enough that a rule without the Bonferroni split loses one far more often."""
    assert _loss_rate(RaceRule(3, (3, 6), alpha=0.1)) <= 0.1
    assert _loss_rate(_WeakRule(3, (3, 6), alpha=0.1)) > 0.1


def test_halving_keeps_at_most_half_but_not_fewer_than_k() -> None:
    evaluate, calls = _synthetic(np.zeros(16), sd=1.0, seed=3)
    race([str(i) for i in range(16)], evaluate, RaceRule(3, (2, 3, 4), 0.05, halving=True))
    assert [c[0] for c in calls] == [16, 8, 4]


# --- generators -----------------------------------------------------------------------


def test_links_on_the_grid_are_its_diagonals() -> None:
    base = load_base(TINY)
    assert generate(base, "links", GeneratorOptions()) == []  # no 2x detour on a grid
    made = generate(base, "links", GeneratorOptions(link_ratio=1.4))
    ends = {tuple(sorted(c.changes["add"]["edges"][next(iter(c.changes["add"]["edges"]))][k]
                         for k in ("from", "to"))) for c in made}  # fmt: skip
    assert ("n00", "n11") in ends and ("n01", "n12") in ends
    # Diagonals: row and column both differ by one (node ids are n<row><column>).
    assert all(abs(int(a[1]) - int(b[1])) == 1 == abs(int(a[2]) - int(b[2])) for a, b in ends)
    assert all(c.prescore and c.prescore > 0 for c in made)
    # Nothing shorter than the grid's 141 m diagonals, nothing that duplicates an edge.
    assert len(made) == 8
    assert len(generate(base, "links", GeneratorOptions(link_ratio=1.4, link_max_m=120))) == 0


def test_links_skip_paths_through_a_footprint() -> None:
    base = load_base(TINY)
    # A square footprint around the middle of cell (0,0)-(1,1): the n00-n11 and
    # n01-n10 diagonals cross it.
    ring = [[55.70030, 12.56040], [55.70030, 12.56120], [55.70060, 12.56120],
            [55.70060, 12.56040], [55.70030, 12.56040]]  # fmt: skip
    data = json.loads(json.dumps(base.data))
    data["buildings"]["lab"]["footprint"] = ring
    walled = dataclasses.replace(base, data=data)
    rings = footprint_rings(walled)
    assert len(rings) == 1
    assert crosses_footprint(walled.xy("n00"), walled.xy("n11"), rings)
    assert not crosses_footprint(walled.xy("n01"), walled.xy("n12"), rings)
    made = {c.id for c in links(walled, estimate_flows(walled), ratio=1.4)}
    assert "link_n00__n11" not in made and "link_n01__n12" in made
    assert footprint_rings(base) == []  # no footprints: no check, no error


def test_frontage_and_cafes() -> None:
    base = load_base(TINY)
    frontage = generate(base, "frontage", GeneratorOptions(frontage_level=0.3))
    # Streets and footpaths below 0.3; the two park paths (0.5) and no crossings.
    assert {c.id for c in frontage} == {f"frontage_{e}" for e in
            ("h00", "h01", "h10", "h11", "h20", "h21", "v00", "v10", "v02", "v12")}  # fmt: skip
    cafes = generate(base, "cafes", GeneratorOptions())
    assert {c.id for c in cafes} == {"cafe_clinic", "cafe_annex", "cafe_hub"}  # lab has one
    kept, dropped = select(frontage + cafes, 4)
    assert len(kept) == 4 and dropped == len(frontage) + 3 - 4
    best = sorted(frontage + cafes, key=lambda c: -(c.prescore or 0))[:4]
    assert {c.id for c in kept} == {c.id for c in best}


def test_merge_changes_unions_items() -> None:
    a = {"add": {"edges": {"x": {"from": "a"}}}, "modify": {"edges": {"e": {"frontage": 0.3}}}}
    b = {"add": {"edges": {"y": {"from": "b"}}}, "modify": {"edges": {"e": {"traffic": "low"}}},
         "remove": {"venues": ["v"]}}  # fmt: skip
    m = merge_changes([a, b])
    assert set(m["add"]["edges"]) == {"x", "y"}
    assert m["modify"]["edges"]["e"] == {"frontage": 0.3, "traffic": "low"}
    assert m["remove"] == {"venues": ["v"]}


def test_map_badges_keep_apart_where_candidates_meet() -> None:
    """Badges of candidates whose anchors coincide on the page (links from one junction)
    keep at least a badge's width apart; a badge with room keeps its own direction."""
    from sim.rank.figures import _OFFSETS, BADGE_GAP_PT, badge_offsets

    anchors = np.array([[100.0, 100.0]] * 7 + [[101.0, 99.0], [400.0, 50.0]])
    centres = anchors + np.array(badge_offsets(anchors))
    gaps = np.hypot(*(centres[:, None] - centres[None]).transpose(2, 0, 1))
    np.fill_diagonal(gaps, np.inf)
    assert gaps.min() >= BADGE_GAP_PT
    assert badge_offsets(anchors)[-1] == _OFFSETS[8 % len(_OFFSETS)]
    assert badge_offsets(anchors[:1]) == [_OFFSETS[0]]


# --- the command ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def busy_base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny grid with busy meeting rates, as a variant file."""
    folder = tmp_path_factory.mktemp("rank_base")
    path = folder / "busy.yaml"
    model = ", ".join(f"{k}: {v}" for k, v in BUSY_MODEL.items())
    path.write_text(f"extends: {TINY}\nname: busy\nmodel: {{{model}}}\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def ranked(busy_base: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small ranking of the grid's café candidates plus one designer's candidate."""
    folder = tmp_path_factory.mktemp("rank_out")
    ideas = folder / "ideas.yaml"
    ideas.write_text(
        "- name: diagonal\n  description: a path across the square's cell\n"
        "  add:\n    edges:\n      d1: {from: n00, to: n11, kind: footpath}\n",
        encoding="utf-8",
    )
    out = folder / "rank"
    args = [
        "rank", str(busy_base), "--candidates", "cafes", str(ideas), "--rounds", "2,3",
        "--final-seeds", "3", "--top", "2", "--bundle", "2", "--workers", "1", "--quiet",
        "--out", str(out),
    ]  # fmt: skip
    assert main(args) == 0
    return out


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_outputs(ranked: Path) -> None:
    rows = _rows(ranked / "ranking.csv")
    assert [r["rank"] for r in rows] == ["1", "2", "3", "4"]
    assert {r["id"] for r in rows} == {"cafe_clinic", "cafe_annex", "cafe_hub", "diagonal"}
    top = [r for r in rows if r["status"] == "top"]
    assert len(top) == 2 and all(r["seeds"] == "3" for r in top)
    assert float(top[0]["effect_per_person_day"]) >= float(top[1]["effect_per_person_day"])
    for r in top:
        assert float(r["ci_low"]) <= float(r["effect_per_person_day"]) <= float(r["ci_high"])
        assert (ranked / r["variant"]).is_file()
    geo = json.loads((ranked / "candidates.geojson").read_text(encoding="utf-8"))
    assert len(geo["features"]) == 4
    diag = next(f for f in geo["features"] if f["properties"]["id"] == "diagonal")
    assert diag["geometry"]["type"] == "MultiLineString"
    for stem in ("rank_map", "rank_effects"):
        assert (ranked / f"{stem}.png").stat().st_size > 10_000
    report = (ranked / "report.md").read_text(encoding="utf-8")
    assert top[0]["id"] in report and "How sure we are" in report
    bundle = _rows(ranked / "bundle.csv")
    assert [b["step"] for b in bundle] == ["1", "2"]
    assert bundle[0]["added"] == top[0]["id"] and bundle[1]["added"] == top[1]["id"]


@pytest.mark.parametrize("code", ["en", "da"])
def test_report_and_figures_in_both_languages(
    ranked: Path, busy_base: Path, tmp_path: Path, code: str, in_language: Any
) -> None:
    out = ranked  # written in English, the default
    if code != "en":
        out = tmp_path / "rank"
        shutil.copytree(ranked, out)
        args = ["rank", str(busy_base), "--candidates", "cafes", str(ranked.parent / "ideas.yaml"),
                "--rounds", "2,3", "--final-seeds", "3", "--top", "2", "--bundle", "2",
                "--workers", "1", "--quiet", "--out", str(out), "--lang", code]  # fmt: skip
        assert main(args) == 0  # every run is stored: only the outputs are rewritten
    report = (out / "report.md").read_text(encoding="utf-8")
    in_language(report, code, ["rank.h_sure", ("rank.h_top", {"n": 2}), "rank.table_header",
                               ("rank.h_bundle", {"n": 2}), "rank.bundle_header",
                               "rank.sure_overlap", "rank.sure_model", "rank.h_further"])
    cafe = {"en": "public café", "da": "offentlig café"}  # a generated candidate's words
    assert cafe[code] in report and all(c not in report for k, c in cafe.items() if k != code)
    assert "a path across the square's cell" in report  # a designer's words, as written
    effects = (out / "rank_effects.svg").read_text(encoding="utf-8")
    in_language(effects, code, [("rank.effects_title", {"n": 2}),
                                ("rank.src_top", {"k": 2, "n": 3})])  # fmt: skip
    assert cafe[code] in effects
    rank_map = (out / "rank_map.svg").read_text(encoding="utf-8")
    in_language(rank_map, code, ["rank.map_legend", "map.buildings_by_institution",
                                 "locator.title"])  # fmt: skip


def test_a_top_variant_is_valid_and_compare_reproduces_its_effect(
    ranked: Path, busy_base: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    top = _rows(ranked / "ranking.csv")[0]
    variant = ranked / top["variant"]
    assert main(["check", str(variant)]) == 0
    assert main(["show", str(variant)]) == 0
    # compare's own runs and statistics (its CLI adds only tables and figures on top).
    scenarios = load_scenarios([str(busy_base), str(variant)])
    runs = run_scenarios(scenarios, range(3))
    c = next(
        c for c in headline_comparisons(runs)
        if c.figure == "cross_institution_meetings_per_person_day" and c.scenario.index == 1
    )  # fmt: skip
    assert c.difference is not None
    assert rnd(c.difference.mean, 6) == float(top["effect_per_person_day"])
    assert rnd(c.difference.low, 6) == float(top["ci_low"])
    assert rnd(c.difference.high, 6) == float(top["ci_high"])
    assert c.difference.relative is not None
    assert rnd(100 * c.difference.relative, 6) == float(top["effect_pct"])


def test_rank_resumes_from_its_stored_runs(
    ranked: Path, busy_base: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = len(list((ranked / "runs").glob("*.json")))
    args = ["rank", str(busy_base), "--candidates", "cafes", "--rounds", "2,3", "--final-seeds",
            "3", "--top", "2", "--workers", "1", "--quiet", "--out", str(ranked)]  # fmt: skip
    assert main(args) == 0
    assert "0 runs now" in capsys.readouterr().out
    assert len(list((ranked / "runs").glob("*.json"))) == before


def test_a_copied_ranking_folder_reuses_its_runs(
    ranked: Path, busy_base: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The variant files name the base relative to the folder, so a copy elsewhere
    rewrites them; its runs are still the same runs and are not run again."""
    copy = tmp_path / "elsewhere" / "deeper" / "rank"
    shutil.copytree(ranked, copy)
    before = _rows(copy / "ranking.csv")
    args = ["rank", str(busy_base), "--candidates", "cafes", str(ranked.parent / "ideas.yaml"),
            "--rounds", "2,3", "--final-seeds", "3", "--top", "2", "--bundle", "2",
            "--workers", "1", "--quiet", "--out", str(copy)]  # fmt: skip
    capsys.readouterr()
    assert main(args) == 0
    assert "0 runs now" in capsys.readouterr().out
    # The same effects as the folder held (for the candidates another test left in it).
    after = {r["id"]: r["effect_per_person_day"] for r in _rows(copy / "ranking.csv")}
    held = {r["id"]: r["effect_per_person_day"] for r in before}
    assert held and all(after[k] == v for k, v in held.items())


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--candidates", "bridges"], "--candidates: 'bridges' is neither a generator"),
        (["--candidates", "links"], "--candidates: generator 'links' finds no candidate"),
        (["--candidates", "cafes", "--bundle", "5"], "--bundle: expected at most 3"),
        (["--candidates", "cafes", "--rounds", "3,2"], "--rounds: expected increasing"),
        (["--candidates", "EMPTY"], "expected at least one candidate"),
        (["--candidates", "BAD"], "bad.yaml:3: edges.x.to: candidate 'oops': unknown node"),
    ],
)
def test_bad_input_is_one_line_and_writes_nothing(
    extra: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "empty.yaml").write_text("[]\n", encoding="utf-8")
    (tmp_path / "bad.yaml").write_text(
        "- name: oops\n  add:\n    edges: {x: {from: n00, to: nowhere, kind: footpath}}\n",
        encoding="utf-8",
    )
    extra = [
        str(tmp_path / "empty.yaml") if a == "EMPTY" else str(tmp_path / "bad.yaml")
        if a == "BAD" else a for a in extra
    ]  # fmt: skip
    out = tmp_path / "out"
    assert main(["rank", str(TINY), *extra, "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and message in err
    assert not out.exists()


def test_the_base_is_loaded_once_and_checked(tmp_path: Path) -> None:
    assert load_layout(TINY).name == "tiny"
    assert main(["rank", str(tmp_path / "missing.yaml"), "--candidates", "cafes",
                 "--quiet", "--out", str(tmp_path / "o")]) == 2  # fmt: skip
    assert not (tmp_path / "o").exists()


# --- compare --components -------------------------------------------------------------

MOVE = """extends: {base}
name: tiny_move
add:
  nodes:
    mid: {{lat: 55.70045, lon: 12.56080}}
  edges:
    d_a: {{from: n00, to: mid, kind: footpath}}
    d_b: {{from: mid, to: n11, kind: footpath}}
  venues:
    hub_cafe: {{building: hub, kind: cafe, capacity: 30, hours: "08:00-17:00", access: public}}
modify:
  edges:
    h10: {{frontage: 0.4}}
{components}"""


def _move(tmp_path: Path, busy_base: Path, components: str) -> Path:
    path = tmp_path / "move.yaml"
    path.write_text(MOVE.format(base=busy_base, components=components), encoding="utf-8")
    return path


def test_components_add_up_to_the_whole(
    tmp_path: Path, busy_base: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sim.compare import components

    move = _move(tmp_path, busy_base, (
        "components:\n  path: [nodes.mid, edges.d_a, edges.d_b]\n"
        "  cafe: [venues.hub_cafe]\n  frontage: [edges.h10]\n"
    ))  # fmt: skip
    writers: list[Callable[[Path], None]] = []
    real_writer = components.writer
    monkeypatch.setattr(components, "writer",
                        lambda *a, **k: writers.append(real_writer(*a, **k)) or writers[-1])
    out = tmp_path / "cmp"
    # --no-figures still writes components.csv and report.md (with only the parts' section).
    args = ["compare", str(busy_base), str(move), "--components", "--seeds", "2", "--quiet",
            "--no-figures", "--out", str(out)]  # fmt: skip
    assert main(args) == 0
    rows = {r["component"]: r for r in _rows(out / "components.csv")}
    assert list(rows) == ["path", "cafe", "frontage", "sum of parts", "whole",
                          "interaction (whole − sum)"]  # fmt: skip
    assert list(next(iter(rows.values())))[:5] == ["scenario", "component", "effect", "ci_low",
                                                   "ci_high"]  # fmt: skip
    parts = sum(float(rows[k]["effect"]) for k in ("path", "cafe", "frontage"))
    assert float(rows["sum of parts"]["effect"]) == pytest.approx(parts, abs=1e-5)
    whole, total = float(rows["whole"]["effect"]), float(rows["sum of parts"]["effect"])
    assert float(rows["interaction (whole − sum)"]["effect"]) == pytest.approx(
        whole - total, abs=1e-5
    )
    # The whole is the comparison's own difference for the variant.
    row = next(r for r in _rows(out / "comparison.csv")
               if r["figure"] == "cross_institution_meetings_per_person_day"
               and r["difference"])  # fmt: skip
    assert float(row["difference"]) == pytest.approx(whole, abs=1e-6)
    assert "What each part contributes" in (out / "report.md").read_text(encoding="utf-8")
    # With figures there is a full report already: the section is appended to it.
    full = tmp_path / "full"
    full.mkdir()
    (full / "report.md").write_text("# Comparison\n\nFindings.\n", encoding="utf-8")
    writers[0](full)
    report = (full / "report.md").read_text(encoding="utf-8")
    assert report.startswith("# Comparison\n\nFindings.\n\n## What each part contributes\n")


def test_without_components_each_item_is_a_part_with_what_it_needs(
    tmp_path: Path, busy_base: Path
) -> None:
    from sim.compare.components import plan

    move = _move(tmp_path, busy_base, "")
    parts = plan(load_scenarios([str(busy_base), str(move)]))
    items = {p.name: p.items for p in parts}
    # The new node's two paths are one part (neither runs without the node).
    assert items == {
        "edges.h10": ("edges.h10",),
        "nodes.mid": ("nodes.mid", "edges.d_a", "edges.d_b"),
        "venues.hub_cafe": ("venues.hub_cafe",),
    }


@pytest.mark.parametrize(
    ("components", "message"),
    [
        ("components:\n  a: [edges.d_a, edges.d_b, nodes.mid, venues.hub_cafe, edges.h99]\n",
         "move.yaml:15: components.a[4]: 'edges.h99' is not added, modified or removed"),
        ("components:\n  a: [edges.d_a, edges.d_b, nodes.mid, venues.hub_cafe]\n",
         "move.yaml:14: components: every change belongs to one component; not in any: "
         "edges.h10"),
        ("components:\n  a: [edges.d_a, nodes.mid, venues.hub_cafe, edges.h10]\n"
         "  b: [edges.d_b, edges.d_a]\n",
         "components.b[1]: 'edges.d_a' is already in component 'a'"),
        ("components:\n  a: [edges.d_a, edges.d_b, venues.hub_cafe, edges.h10]\n"
         "  b: [nodes.mid]\n", "components.a: part 'a' cannot run alone"),
    ],
)  # fmt: skip
def test_bad_components_are_one_line_and_write_nothing(
    components: str, message: str, tmp_path: Path, busy_base: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    move = _move(tmp_path, busy_base, components)
    out = tmp_path / "cmp"
    args = ["compare", str(busy_base), str(move), "--components", "--seeds", "2", "--quiet",
            "--out", str(out)]  # fmt: skip
    assert main(args) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and message in err
    assert not out.exists()
