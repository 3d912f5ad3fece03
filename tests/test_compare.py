"""``compare``: statistics by hand, common random numbers, worker independence, CLI."""

from __future__ import annotations

import csv
import math
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from sim.batch import HEADLINE_FIGURES
from sim.cli import main
from sim.compare.changes import headline_comparisons, place_changes, variant_changes
from sim.compare.runner import ComparisonRuns, load_scenarios, run_scenarios
from sim.compare.stats import (
    fieller_ratio_ci,
    mean_ci,
    paired_difference,
    t_quantile,
    unpaired_difference_ci,
)
from sim.compare.tables import change_rows, headline_rows, run_rows

ROOT = Path(__file__).resolve().parents[1]
TINY_PATH = ROOT / "tests" / "fixtures" / "tiny.yaml"
SEEDS = range(4)


# --- statistics -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("q", "df", "expected"),
    [
        # Student t table (e.g. NIST/SEMATECH e-Handbook, table 1.3.6.7.2).
        (0.975, 1, 12.706),
        (0.975, 2, 4.303),
        (0.975, 3, 3.182),
        (0.975, 4, 2.776),
        (0.975, 9, 2.262),
        (0.975, 29, 2.045),
        (0.975, 120, 1.980),
        (0.95, 5, 2.015),
        (0.995, 10, 3.169),
        (0.90, 1, 3.078),
    ],
)
def test_t_quantile_matches_table(q: float, df: int, expected: float) -> None:
    assert t_quantile(q, df) == pytest.approx(expected, abs=6e-4)
    assert t_quantile(1 - q, df) == pytest.approx(-expected, abs=6e-4)


def test_t_quantile_limits_and_bad_input() -> None:
    assert t_quantile(0.5, 7) == 0.0
    # Large df tends to the normal quantile 1.959964.
    assert t_quantile(0.975, 5000) == pytest.approx(1.9604, abs=2e-4)
    # df = 2 has a closed form: t = sqrt(2 / (p (2 - p)) - 2), p the two-sided tail.
    assert t_quantile(0.975, 2) == pytest.approx(math.sqrt(2 / (0.05 * 1.95) - 2), rel=1e-12)
    for q, df in ((0.0, 3), (1.0, 3), (0.9, 0), (0.9, 2.5)):
        with pytest.raises(ValueError):
            t_quantile(q, df)


def test_mean_ci_by_hand() -> None:
    est = mean_ci([1.0, 2.0, 3.0, 4.0])
    half = 3.182446 * math.sqrt(5 / 3) / 2  # t(3) × sd / sqrt(4)
    assert est.mean == 2.5 and est.n == 4
    assert est.low == pytest.approx(2.5 - half, abs=1e-5)
    assert est.high == pytest.approx(2.5 + half, abs=1e-5)
    with pytest.raises(ValueError):
        mean_ci([1.0])


def test_paired_difference_by_hand() -> None:
    d = paired_difference([10.0, 12.0, 11.0], [11.0, 14.0, 11.5])
    # Differences 1, 2, 0.5: mean 7/6, sd sqrt(7/12), t(2) = 4.302653.
    half = 4.302653 * math.sqrt(7 / 12) / math.sqrt(3)
    assert d.mean == pytest.approx(7 / 6)
    assert d.low == pytest.approx(7 / 6 - half, abs=1e-5)
    assert d.high == pytest.approx(7 / 6 + half, abs=1e-5)
    assert d.indistinguishable and not d.identical
    assert d.relative == pytest.approx(36.5 / 33 - 1)


def test_relative_interval_of_a_noiseless_reference_is_the_scaled_difference() -> None:
    # With a constant reference the ratio's interval is the difference's interval / 10.
    d = paired_difference([10.0, 10.0, 10.0], [11.0, 12.0, 13.0])
    half = 4.302653 / math.sqrt(3)
    assert d.relative == pytest.approx(0.2)
    assert d.relative_low == pytest.approx((2 - half) / 10, abs=1e-6)
    assert d.relative_high == pytest.approx((2 + half) / 10, abs=1e-6)
    assert d.indistinguishable  # the difference interval -0.48 .. 4.48 contains 0


def test_fieller_bounds_solve_the_paired_t_equation() -> None:
    x = np.array([10.0, 11.5, 9.8, 10.6, 10.1])
    y = np.array([10.9, 12.0, 10.9, 11.2, 11.3])
    lo, hi = fieller_ratio_ci(x, y)
    t = t_quantile(0.975, 4)
    for r in (lo, hi):
        resid = y - r * x
        assert abs(resid.mean()) == pytest.approx(t * resid.std(ddof=1) / math.sqrt(5), rel=1e-9)
    assert lo < y.mean() / x.mean() < hi
    # A reference mean indistinguishable from 0 leaves the ratio unbounded.
    assert fieller_ratio_ci(np.array([-1.0, 1.0, 0.5]), y[:3]) is None


def test_unpaired_interval_by_hand() -> None:
    lo, hi = unpaired_difference_ci([1.0, 2.0, 3.0], [2.0, 3.0, 4.0])
    half = 2.776445 * math.sqrt(2 / 3)  # pooled variance 1, t(4)
    assert lo == pytest.approx(1 - half, abs=1e-5) and hi == pytest.approx(1 + half, abs=1e-5)


def test_identical_samples_give_zero_width_intervals() -> None:
    d = paired_difference([3.0, 1.0, 2.0], [3.0, 1.0, 2.0])
    assert (d.mean, d.low, d.high) == (0.0, 0.0, 0.0)
    assert (d.relative, d.relative_low, d.relative_high) == (0.0, 0.0, 0.0)
    assert d.identical and d.indistinguishable


# --- runs on the tiny fixture ------------------------------------------------------


def _variant(folder: Path, name: str, *edits: tuple[str, str], extra: str = "") -> Path:
    """A copy of tiny.yaml with another name, text replacements and appended lines."""
    text = TINY_PATH.read_text(encoding="utf-8").replace("name: tiny\n", f"name: {name}\n", 1)
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new, 1)
    path = folder / f"{name}.yaml"
    path.write_text(text + extra, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def variants(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("variants")
    return {
        "copy": _variant(folder, "tiny_copy"),
        # Ten more clinicians in the annex: everyone else is drawn exactly as before.
        "more": _variant(folder, "tiny_more", ("{clinician: 10}", "{clinician: 20}")),
        # A new venue, a street removed and cafés that talk more: ids differ from tiny.
        "changed": _variant(
            folder,
            "tiny_changed",
            ("  v12: {from: n12, to: n22, kind: footpath}\n", ""),
            (
                "      hub_lab: {",
                '      hub_cafe: {kind: cafe, capacity: 30, hours: "08:00-17:00", '
                "access: public}\n      hub_lab: {",
            ),
            extra="model:\n  p_cafe: 0.05\n  max_new_pair_chance: 0.5\n",
        ),
    }


@pytest.fixture(scope="module")
def runs(variants: dict[str, Path]) -> ComparisonRuns:
    paths = [str(TINY_PATH), *(str(variants[k]) for k in ("copy", "more", "changed"))]
    return run_scenarios(load_scenarios(paths), SEEDS)


def test_identical_variant_differs_by_exactly_zero(runs: ComparisonRuns) -> None:
    copies = [c for c in headline_comparisons(runs) if c.scenario.label == "tiny_copy"]
    assert len(copies) == len(HEADLINE_FIGURES)
    for c in copies:
        d = c.difference
        assert d is not None and d.identical
        assert (d.mean, d.low, d.high) == (0.0, 0.0, 0.0)
    for ch in place_changes(runs, 1):
        assert (ch.change, ch.low, ch.high) == (0.0, 0.0, 0.0)
    changes = variant_changes(runs)[0]
    assert not np.any(changes.type_pairs.change) and not np.any(changes.institution_pairs.high)
    # The comparison is not trivially zero: the seeds do differ from one another.
    assert np.ptp(runs.figure(0, "meetings_per_person_day")) > 0


def test_paired_interval_is_narrower_than_unpaired(runs: ComparisonRuns) -> None:
    for figure in ("meetings_per_person_day", "cross_institution_meetings_per_person_day"):
        base, more = runs.figure(0, figure), runs.figure(2, figure)
        assert not np.array_equal(base, more)
        d = paired_difference(base, more)
        lo, hi = unpaired_difference_ci(base, more)
        # With four seeds the ratio of the widths is itself noisy: over 16 seeds it is
        # 0.39 for both figures; over these four, 0.23 and 0.72.
        assert d.high - d.low < (0.5 if figure == "meetings_per_person_day" else 0.8) * (
            hi - lo
        ), figure


def test_places_are_matched_by_id(runs: ComparisonRuns) -> None:
    by_id = {(ch.kind, ch.id): ch for ch in place_changes(runs, 3)}
    new_cafe = by_id[("venue", "hub_cafe")]
    assert not new_cafe.in_reference and new_cafe.in_variant and new_cafe.reference == 0.0
    gone = by_id[("edge", "v12")]
    assert gone.in_reference and not gone.in_variant and gone.variant == 0.0
    assert by_id[("venue", "lab_cafe")].change > 0  # p_cafe raised fivefold, cap lifted


def test_results_do_not_depend_on_the_worker_count(
    runs: ComparisonRuns, variants: dict[str, Path]
) -> None:
    parallel = run_scenarios(runs.scenarios, SEEDS, workers=2)
    one, two = headline_comparisons(runs), headline_comparisons(parallel)
    assert headline_rows(one) == headline_rows(two)
    assert run_rows(runs) == run_rows(parallel)
    for kind in ("place", "type_pair", "institution_pair"):
        assert change_rows(variant_changes(runs), kind) == change_rows(
            variant_changes(parallel), kind
        )


# --- the command line -------------------------------------------------------------


@pytest.fixture(scope="module")
def compare_dir(variants: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("compare") / "out"
    argv = ["compare", str(TINY_PATH), str(variants["copy"]), str(variants["changed"]),
            "--seeds", "3", "--out", str(out), "--quiet"]  # fmt: skip
    assert main(argv) == 0
    return out


def test_cli_writes_tables_figures_and_report(compare_dir: Path) -> None:
    names = {p.name for p in compare_dir.iterdir()}
    tables = ("comparison.csv", "comparison.md", "report.md", "runs.csv", "place_changes.csv",
              "type_pair_changes.csv", "institution_pair_changes.csv")  # fmt: skip
    assert set(tables) <= names
    stems = ["headline_figures", "change_by_type_pair", "difference_map_tiny_copy",
             "difference_map_tiny_changed", "change_by_institution_pair_tiny_changed"]  # fmt: skip
    for stem in stems:
        for fmt in ("png", "svg", "pdf"):
            assert (compare_dir / f"{stem}.{fmt}").stat().st_size > 1000, f"{stem}.{fmt}"
    assert not [p for p in compare_dir.parent.iterdir() if p.name.startswith(".")]
    svg = (compare_dir / "headline_figures.svg").read_text(encoding="utf-8")
    assert "seeds 0–2" in svg and "tiny.yaml" in svg  # the source line


def test_figures_drawn_side_by_side_are_the_same_files(
    compare_dir: Path, variants: dict[str, Path], tmp_path: Path
) -> None:
    from sim.compare.figures import write_figures

    paths = [str(TINY_PATH), str(variants["copy"]), str(variants["changed"])]
    runs = run_scenarios(load_scenarios(paths), range(3), store_dir=compare_dir)  # stored
    written = write_figures(runs, headline_comparisons(runs), variant_changes(runs), tmp_path,
                            workers=2)  # fmt: skip
    files = sorted(p.name for stem in written.values() for p in stem)
    assert len(files) == 3 * 6  # headline, type pairs, two maps, two matrices; 3 formats
    for name in files:
        assert (tmp_path / name).read_bytes() == (compare_dir / name).read_bytes(), name


def test_cli_writes_results_gpkg(compare_dir: Path) -> None:
    import geopandas as gpd
    import pyogrio

    gpkg = compare_dir / "results.gpkg"
    assert {str(n) for n, _ in pyogrio.list_layers(gpkg)} == {
        "scenarios", "segments", "places", "visits", "changes"
    }
    visits = gpd.read_file(gpkg, layer="visits")
    assert (visits["change_low"] <= visits["change_high"]).all()
    assert "hub_cafe" in set(visits["id"])  # the new café, with its visits
    segments = gpd.read_file(gpkg, layer="segments")
    assert segments.crs.to_epsg() == 4326
    assert set(segments["scenario"]) == {"tiny_copy", "tiny_changed"}
    assert (segments["change_low"] <= segments["change_per_day"]).all()
    assert (segments["change_per_day"] <= segments["change_high"]).all()
    v12 = segments[(segments["scenario"] == "tiny_changed") & (segments["id"] == "v12")]
    assert (v12["from"].item(), v12["to"].item(), v12["in_variant"].item()) == ("n12", "n22", 0)
    changes = gpd.read_file(gpkg, layer="changes")
    assert sorted(zip(changes["change"], changes["section"], changes["id"], strict=True)) == [
        ("added", "venues", "hub_cafe"), ("removed", "edges", "v12")
    ]  # tiny_copy changes nothing; tiny_changed's model setting has no place on a map
    scenarios = gpd.read_file(gpkg, layer="scenarios")
    assert {"difference", "difference_low", "difference_high"} <= set(scenarios.columns)


def test_cli_table_and_report_content(compare_dir: Path) -> None:
    with (compare_dir / "comparison.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == len(HEADLINE_FIGURES) * 3
    # The tie measures come with paired intervals like every headline figure.
    ties = {r["scenario"]: r for r in rows if r["figure"] == "repeat_cross_institution_ties"}
    assert len(ties) == 3
    assert all(r["ci_low"] != "" and r["ci_high"] != "" for r in ties.values())
    assert all(r["difference_ci_low"] != "" for k, r in ties.items() if k != "tiny")
    copy = [r for r in rows if r["scenario"] == "tiny_copy"]
    assert all(float(r["difference"]) == 0.0 == float(r["difference_ci_low"]) for r in copy)
    assert all(r["difference"] == "" for r in rows if r["scenario"] == "tiny")
    report = (compare_dir / "report.md").read_text(encoding="utf-8")
    assert "identical to tiny in every seed" in report
    assert "95 % CI" in report and "common random numbers" in report.lower()
    for image in re.findall(r"!\[[^\]]*\]\(([^)]+)\)", report):
        assert (compare_dir / image).is_file(), image
    assert "| tiny_changed |" in (compare_dir / "comparison.md").read_text(encoding="utf-8")


def test_bad_scenario_fails_fast_with_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(TINY_PATH.read_text().replace("researcher: 30", "researcher: -30"))

    def no_runs(*args: object, **kwargs: object) -> None:
        raise AssertionError("a run started before every scenario was validated")

    monkeypatch.setattr("sim.runner.simulate", no_runs)
    out = tmp_path / "deep" / "out"
    assert main(["compare", str(TINY_PATH), str(bad), "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and str(bad) in err[0] and "population.researcher" in err[0]
    assert not (tmp_path / "deep").exists()


def test_a_single_scenario_gets_its_figures_with_intervals(tmp_path: Path) -> None:
    out = tmp_path / "one"
    assert main(["compare", str(TINY_PATH), "--seeds", "3", "--out", str(out), "--quiet"]) == 0
    names = {p.name for p in out.iterdir()}
    assert {"comparison.csv", "comparison.md", "report.md", "runs.csv"} <= names
    assert not [n for n in names if "change" in n or "difference" in n]
    with (out / "runs.csv").open(encoding="utf-8") as f:
        per_seed = [float(r["meetings_per_person_day"]) for r in csv.DictReader(f)]
    with (out / "comparison.csv").open(encoding="utf-8") as f:
        row = next(r for r in csv.DictReader(f) if r["figure"] == "meetings_per_person_day")
    assert len(per_seed) == 3
    assert float(row["mean"]) == pytest.approx(sum(per_seed) / 3, rel=1e-5)
    assert float(row["ci_low"]) < float(row["mean"]) < float(row["ci_high"])
    report = (out / "report.md").read_text(encoding="utf-8")
    # A single scenario has intervals but nothing to rank or compare with.
    assert "95 %" in report and "Ranking" not in report and "compared with" not in report
    for image in re.findall(r"!\[[^\]]*\]\(([^)]+)\)", report):
        assert (out / image).is_file(), image


def test_cli_subprocess_error_and_argument_checks(tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = subprocess.run(
        [sys.executable, "run_sim.py", "compare", str(TINY_PATH), str(tmp_path / "none.yaml"),
         "--out", str(out)],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and "none.yaml" in proc.stderr
    assert not out.exists()
    with pytest.raises(SystemExit) as exc:
        main(["compare", str(TINY_PATH), str(TINY_PATH), "--seeds", "1"])
    assert exc.value.code == 2


# --- one run engine: the run store and backends shared with sweeps ----------------------


def _interrupt_after(n: int) -> object:
    """A runner that runs ``n`` specs and then raises ``KeyboardInterrupt`` (Ctrl-C)."""
    from sim.batch import run_spec

    calls = {"n": 0}

    def runner(spec: object) -> object:
        calls["n"] += 1
        if calls["n"] > n:
            raise KeyboardInterrupt
        return run_spec(spec)  # type: ignore[arg-type]

    return runner


def test_an_interrupted_comparison_resumes_with_identical_numbers(tmp_path: Path) -> None:
    from sim.runs.backends import LocalPool

    scenarios = load_scenarios([str(TINY_PATH), str(TINY_PATH)])
    seeds = range(3)
    fresh = run_scenarios(scenarios, seeds)
    store = tmp_path / "cmp"
    with pytest.raises(KeyboardInterrupt):
        run_scenarios(scenarios, seeds, backend=LocalPool(1, _interrupt_after(2)), store_dir=store)
    assert len(list((store / "runs").glob("*.json"))) == 2
    started: list[object] = []

    def counting(spec: object) -> object:
        from sim.batch import run_spec

        started.append(spec)
        return run_spec(spec)  # type: ignore[arg-type]

    resumed = run_scenarios(scenarios, seeds, backend=LocalPool(1, counting), store_dir=store)
    assert len(started) == 6 - 2
    for key, outcome in fresh.outcomes.items():
        again = resumed.outcomes[key]
        assert again.figures == {**outcome.figures, "runtime_s": again.figures["runtime_s"]}
        assert np.array_equal(again.institution_pair, outcome.institution_pair)
        for kind, counts in outcome.place_meetings.items():
            assert np.array_equal(again.place_meetings[kind], counts)


def test_rerunning_a_comparison_is_served_from_its_records(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "cmp"
    argv = ["compare", str(TINY_PATH), str(TINY_PATH), "--seeds", "2", "--out", str(out),
            "--quiet", "--no-figures"]  # fmt: skip
    assert main(argv) == 0
    # Numbers only: tables, no figures and no report.
    assert (out / "comparison.csv").exists()
    assert not [p for p in out.iterdir() if p.suffix in (".png", ".svg", ".pdf", ".md")
                and p.name != "comparison.md"]  # fmt: skip
    # The run records moved into the finished results folder with the tables.
    assert len(list((out / "runs").glob("*.json"))) == 4

    def no_runs(*args: object, **kwargs: object) -> None:
        raise AssertionError("ran again although every run is stored")

    monkeypatch.setattr("sim.runner.simulate", no_runs)
    scenarios = load_scenarios([str(TINY_PATH), str(TINY_PATH)])
    again = run_scenarios(scenarios, range(2), store_dir=out)
    assert len(again.outcomes) == 4
    assert np.array_equal(
        again.figure(1, "meetings_per_person_day"), again.figure(0, "meetings_per_person_day")
    )  # the same file twice: common random numbers give the same numbers
    # Different seeds are a different comparison: its records replace the old ones.
    monkeypatch.undo()
    run_scenarios(scenarios, range(5, 7), store_dir=out)
    assert sorted(p.name for p in (out / "runs").iterdir()) == [
        "s00-seed5.json", "s00-seed6.json", "s01-seed5.json", "s01-seed6.json"]  # fmt: skip
