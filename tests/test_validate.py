"""The validation report: geometry cases, its machinery on the tiny fixture, JSON schema."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from sim.cli import main
from sim.i18n import Lang
from sim.runs.backends import LocalPool
from sim.runs.store import RunStore
from sim.validate import build, figures, patterns, ranking
from sim.validate.geometry import CASES, Case, run_case
from sim.validate.report import render
from sim.validate.runs import KIND, execute_all, make_tasks, validation_run

TINY = "tests/fixtures/tiny.yaml"


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_geometry_case_has_its_known_answer(case: Case) -> None:
    result = run_case(case)
    assert result["got"]["meet"] == case.meet
    assert result["passed"], result


def test_a_wrong_expectation_fails() -> None:
    wrong = CASES[0].__class__(**{**CASES[0].__dict__, "within_s": 30.0})
    assert not run_case(wrong)["passed"]


def test_decay_fit_recovers_a_known_curve() -> None:
    d = np.array([50.0, 150, 250, 350, 450, 575, 725, 900, 1125, 1375, 1750])
    rate = 1e-5 + 2e-4 * np.exp(-d / 200.0)
    rows = [{"low_m": x - 1, "high_m": x + 1, "distance_m": x, "meetings": r * 1e8,
             "pair_days": 1e8, "rate": r, "ci_low": r * 0.99, "ci_high": r * 1.01}
            for x, r in zip(d, rate, strict=True)]  # fmt: skip
    fit = patterns.fit_decay(rows)
    assert fit["ok"]
    assert fit["lambda_m"]["ci_low"] <= 200.0 <= fit["lambda_m"]["ci_high"]
    assert fit["c"]["value"] == pytest.approx(1e-5, rel=0.05)
    assert patterns.decay_verdict(fit)[0] == "met"
    flat = [{**r, "rate": 2e-4 * np.exp(-r["distance_m"] / 5000.0)} for r in rows]
    assert patterns.decay_verdict(patterns.fit_decay(flat))[0] != "met"


def test_kabo_verdict_says_by_how_much() -> None:
    assert patterns.kabo_verdict(1.2, 1.1, 1.3)[0] == "met"
    verdict, why = patterns.kabo_verdict(1.08, 1.05, 1.11)
    assert verdict == "not met" and "0.02 below" in patterns.reasons(*why)["why"]
    assert "0,02 under" in Lang("da").phrase(why[0])  # the same reason, in Danish


def test_rank_statistics_on_known_effects() -> None:
    effects = np.array([[0.3, 0.1, -0.1], [0.2, 0.25, -0.2], [0.4, 0.0, 0.1], [0.5, 0.2, 0.0]])
    out = ranking.rank_statistics(effects, ["a", "b", "c"], np.array([0.3, 0.1, -0.1]))
    assert out["moves"]["a"]["rank_probability"] == [0.75, 0.25, 0.0]
    assert out["moves"]["c"]["p_positive"] == 0.25
    assert out["kendall_tau"]["p97_5"] == pytest.approx(1.0)
    x = np.random.default_rng(0).random((20, 2))
    y = 3 * x[:, 0] + 0.01 * x[:, 1]
    sens = ranking.src(x, y, ["p", "q"])
    assert sens["method"] == "SRC" and sens["coefficients"]["p"] > 0.9 > sens["coefficients"]["q"]


def tiny_settings() -> build.Settings:
    boost = build.Move("boost", TINY, (("model.frontage_boost", 3.0),))
    cafe = build.Move("cafes", TINY, (("model.p_cafe", 0.05),))
    return build.Settings(
        layout=TINY, seeds=2, scale=1.0, radii=(15.0, 25.0), radius_scale=0.3,
        scales=(0.3, 0.6), scale_moves=1, moves=(boost, cafe), lhs_points=2, rank_scale=0.3,
        ref_scale=0.05, ref_seeds=2, dts=(5.0, 2.0),
    )  # fmt: skip


def test_the_report_machinery_on_the_tiny_fixture(tmp_path: Path) -> None:
    s = tiny_settings()
    tasks = {k: make_tasks(v) for k, v in build.plan(s).items()}
    store = RunStore.open(tmp_path / "v", KIND, {}, "x")
    every = [t for ts in tasks.values() for t in ts]
    records = execute_all(every, store, LocalPool(1, validation_run), quiet=True)
    assert all(r["status"] == "ok" for r in records.values())
    data = build.clean(build.assemble(s, tasks, records))
    text = json.dumps(data, allow_nan=False)
    for key in ("allen", "kabo", "timestep", "geometry", "radius", "scale", "ranking",
                "calibration", "uniforms"):  # fmt: skip
        assert key in data
    uniforms = data["uniforms"]
    assert uniforms["seeds"] == 2 and len(uniforms["rows"]) == 3
    # Different uniforms give different runs: the comparison is not of a run with itself.
    assert any(r["exact"] != r["classes"] for r in uniforms["rows"])
    # Two seeds of 60 people cannot check 1 %: the intervals are far wider.
    assert uniforms["verdict"] == "not testable" and "5 %" in uniforms["why"]

    assert {"ratio_per_30m", "ci_low", "ci_high"} <= set(data["kabo"])
    assert {"cases", "passed"} <= set(data["geometry"])
    probs = data["ranking"]["moves"]["boost"]["rank_probability"]
    assert len(probs) == 2 and sum(probs) == pytest.approx(1.0)
    assert data["timestep"]["by_dt"][0]["seeds"] == 2
    assert len(data["radius"]["rows"]) == 2
    assert "## 7. Calibration summary" in render(data, "cmd", "today", [])
    assert "## 8. Pair uniforms" in render(data, "cmd", "today", [])
    assert "NaN" not in text
    # A second pass runs nothing: every record is reused.
    again = execute_all(every, store, LocalPool(1, _must_not_run), quiet=True)
    assert again.keys() == records.keys()


@pytest.mark.parametrize(
    ("scale", "noise", "verdict"),
    [(1.002, 0.001, "met"), (1.03, 0.001, "not met"), (1.002, 0.2, "not testable")],
)
def test_pair_uniform_verdict_needs_every_mean_within_1_percent_and_narrow_intervals(
    scale: float, noise: float, verdict: str
) -> None:
    s = dataclasses.replace(tiny_settings(), seeds=6)
    rng = np.random.default_rng(0)
    tasks, records = [], {}
    for k in range(s.seeds):
        base = {name: 3.0 + rng.random() for name in build.UNIFORM_FIGURES}
        for classes in s.uniform_classes:
            figures = {n: v * (scale if classes != 1 else 1.0) * (1 + noise * rng.normal())
                       for n, v in base.items()}  # fmt: skip
            key = ("headline", "uniforms", classes)
            run_id = f"{classes}-{k}"
            tasks.append(SimpleNamespace(run_id=run_id, spec=SimpleNamespace(key=key, seed=k)))
            records[run_id] = {"status": "ok", "figures": figures}
    out = build.uniforms_section(s, tasks, records)  # type: ignore[arg-type]
    assert out["verdict"] == verdict and out["seeds"] == 6 and len(out["rows"]) == 3


def _must_not_run(spec: object) -> object:
    raise AssertionError("a stored run was run again")


@pytest.mark.parametrize(
    "argv",
    [["--seeds", "1"], ["--seeds", "x"], ["--workers", "0"], ["no_such_layout.yaml"],
     ["--workers", "2", "--scheduler", "tcp://x:1"]],
)
def test_bad_arguments_one_line_exit_2_nothing_written(
    argv: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "v"
    with pytest.raises(SystemExit) as exc:
        raise SystemExit(main(["validate", *argv, "--out", str(out)]))
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_refuses_a_folder_it_did_not_write(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                           ) -> None:  # fmt: skip
    (tmp_path / "mine.txt").write_text("keep")
    assert main(["validate", TINY, "--out", str(tmp_path)]) == 2
    assert (tmp_path / "mine.txt").read_text() == "keep"
    assert capsys.readouterr().err.count("\n") == 1


def test_the_command_writes_report_json_and_figures(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, in_language: Any
) -> None:
    small = build.Settings(layout=TINY, seeds=2, scale=0.5, radii=(20.0,), radius_scale=0.3,
                           scales=(0.3,), dts=())  # fmt: skip
    monkeypatch.setattr(build, "default_settings", lambda *a: small)
    out = tmp_path / "v"
    assert main(["validate", TINY, "--workers", "1", "--quiet", "--out", str(out)]) == 0
    data = json.loads((out / "validation.json").read_text())
    assert data["geometry"]["passed"] is True
    assert data["ranking"]["verdict"] == "not testable"
    report = (out / "report.md").read_text()
    assert "## 2. Path overlap" in report and "Verdict:" in report
    assert (out / "distance_decay.png").is_file() and (out / "distance_decay.svg").is_file()
    assert data["timestep"]["verdict"] == "not testable"
    assert len(list((out / "runs").glob("*.json"))) == 2 * 2 + 2 + 2 + 2 * 2
    words = ["val.title", "val.sum_header", "val.s4", "val.geometry_header", "val.h7",
             "val.calib_header", "val.h5", "val.scale_advice", ("val.not_testable_why", {
                 "why": Lang("en").t("val.why.no_moves")}), "val.case.head_on"]  # fmt: skip
    in_language(report, "en", words)
    decay = ["val.decay_title", "val.decay_x", "val.fig_as_run"]
    in_language((out / "distance_decay.svg").read_text(), "en", decay)
    # Run again into the same folder, in Danish: allowed (its own output), nothing re-run.
    runs = sorted((out / "runs").glob("*.json"))
    argv = ["validate", TINY, "--workers", "1", "--quiet", "--out", str(out), "--lang", "da"]
    assert main(argv) == 0
    assert sorted((out / "runs").glob("*.json")) == runs
    words[-2] = ("val.not_testable_why", {"why": Lang("da").t("val.why.no_moves")})
    in_language((out / "report.md").read_text(encoding="utf-8"), "da", words)
    in_language((out / "distance_decay.svg").read_text(encoding="utf-8"), "da", decay)
    in_language((out / "radius.svg").read_text(encoding="utf-8"), "da", ["val.radius_x"])


@pytest.mark.parametrize("code", ["en", "da"])
def test_scale_and_rank_figures_in_both_languages(
    tmp_path: Path, code: str, in_language: Any
) -> None:
    lang = Lang(code)
    rows = [{"move": m, "scale": sc, "relative_effect": e, "rel_ci_low": e - 0.02,
             "rel_ci_high": e + 0.02} for m, e in (("a", 0.05), ("b", -0.01))
            for sc in (0.5, 1.0)]  # fmt: skip
    scale = figures.plot_scale({"rows": rows, "scales": [0.5, 1.0]}, tmp_path, "note", lang)
    moves = {"a": {"mean_effect": 0.05, "rank_probability": [0.8, 0.2]},
             "b": {"mean_effect": -0.01, "rank_probability": [0.2, 0.8]}}
    ranks = figures.plot_ranks({"moves": moves, "points": 5}, tmp_path, "note", lang)
    assert {p.name for p in scale + ranks} >= {"scale.svg", "rank_probabilities.svg"}
    in_language((tmp_path / "scale.svg").read_text(encoding="utf-8"), code,
                ["val.scale_title", ("val.scale_x", {"what": lang.figure_phrase(
                    ranking.FIGURE)})])  # fmt: skip
    in_language((tmp_path / "rank_probabilities.svg").read_text(encoding="utf-8"), code,
                ["val.rank_title", ("val.rank_x", {"n": 5}), ("val.rank_label", {"r": 2})])
