"""Sweeps: the sweep file, sampling, seeds, backends, resume, failures, outputs."""

from __future__ import annotations

import csv
import json
import shutil
import tempfile
import textwrap
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from sim.batch import HEADLINE_FIGURES, RunOutcome, RunSpec, run_spec
from sim.cli import main
from sim.errors import CrosspathsInputError, ParameterError
from sim.runs import backends
from sim.runs.backends import DaskScheduler, LocalPool, Runner, RunTask, execute, files_digest
from sim.runs.store import RunStore
from sim.sweep.outputs import src
from sim.sweep.plan import run_seed
from sim.sweep.runner import SweepReport, prepare, run_sweep
from sim.sweep.sampling import points, unit_sample
from sim.sweep.spec import read_sweep
from tests.pool_runners import killer

TINY = Path(__file__).parent / "fixtures" / "tiny.yaml"
EXAMPLES = Path(__file__).parent.parent / "scenarios" / "sweeps"

SWEEP = f"""\
name: tiny-sweep
scenarios: [{TINY}]
seed: 7
seeds: 2
days: 1
sampler: {{method: lhs, count: 2}}
parameters:
  model.greet_radius_m: [10, 30]
  agents.student.coffee_rate: {{min: 0.5, max: 2.0}}
  buildings.lab.population.student: [40, 80]
"""
"""8 points × 2 seeds = 16 runs of the tiny grid, about 50 ms each."""

N_RUNS = 16
POISON_RADIUS = 30.0
POISON_STUDENTS = 80


def write(tmp_path: Path, text: str, name: str = "sweep.yaml") -> Path:
    """Write a sweep file and return its path."""
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def table(folder: Path, drop: tuple[str, ...] = ("runtime_s",)) -> list[dict[str, str]]:
    """``runs.csv`` as rows, without columns that vary between identical runs."""
    with (folder / "runs.csv").open(encoding="utf-8", newline="") as f:
        return [{k: v for k, v in row.items() if k not in drop} for row in csv.DictReader(f)]


def run_local(sweep: Path, out: Path, workers: int, runner: Runner = run_spec) -> SweepReport:
    """Run a sweep file on a local pool, tables only (figures are tested once)."""
    spec, runs = prepare(sweep)
    with LocalPool(workers, runner) as pool:
        return run_sweep(spec, runs, out, pool, quiet=True, figures=False)


def _poisoned(spec: RunSpec) -> RunOutcome:
    """A run that raises at one point (in whatever process runs it)."""
    values = dict(spec.overrides)
    if values["model.greet_radius_m"] == POISON_RADIUS and (
        values["buildings.lab.population.student"] == POISON_STUDENTS
    ):
        raise ValueError("boom at the poisoned point")
    return run_spec(spec)


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny sweep run through the command line, in this process."""
    tmp = tmp_path_factory.mktemp("reference")
    sweep = write(tmp, SWEEP)
    out = tmp / "out"
    assert main(["sweep", str(sweep), "--workers", "1", "--out", str(out), "--quiet"]) == 0
    return out


# --- the sweep file --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "line", "path", "message"),
    [
        ("model.greet_radius: [10]", 4, "parameters.model.greet_radius",
         "unknown parameter 'greet_radius'; did you mean 'greet_radius_m'?"),
        ("agents.studnet.coffee_rate: [1]", 4, "parameters.agents.studnet.coffee_rate",
         "did you mean 'student'?"),
        ("buildings.labb.population.student: [1]", 4,
         "parameters.buildings.labb.population.student",
         "scenario 'tiny' (tiny.yaml) has no 'buildings.labb'; did you mean 'buildings.lab'?"),
        ("walls.height: [1]", 4, "parameters.walls.height", "has no 'walls'"),
        ("model.greet_radius_m: []", 4, "parameters.model.greet_radius_m",
         "expected at least one value, got an empty list"),
        ("model.greet_radius_m: {min: 5, max: 5}", 4, "parameters.model.greet_radius_m",
         "empty range"),
        ("model.greet_radius_m:\n    - 10\n    - far", 6,
         "parameters.model.greet_radius_m[1]", "expected a number between 1 and 200, got 'far'"),
        ("model.greet_radius_m: [500]", 4, "parameters.model.greet_radius_m[0]",
         "between 1 and 200"),
        ("model.greet_radius_m: [10, 10.0]", 4, "parameters.model.greet_radius_m[1]",
         "listed twice"),
        ("model.greet_radius_m: 10", 4, "parameters.model.greet_radius_m",
         "expected a list of values (a grid) or a range"),
        ("agents.student.errand_scope: {min: 1, max: 2}", 4,
         "parameters.agents.student.errand_scope", "a range needs a numeric parameter"),
        ("model.p_cafe: {min: 0.001, max: 0.01}", 4, "parameters.model.p_cafe",
         "a range needs a sampler"),
        ("model.p_cafe: {min: 0, max: 0.01, log: true}\nsampler: {method: lhs, count: 3}", 4,
         "parameters.model.p_cafe.min", "a log range needs min > 0"),
        ("model.p_cafe: {min: 0.1, max: 0.2}\nsampler: {method: sobol, count: 3}", 5,
         "sampler.method", "unknown sampler 'sobol'"),
        ("buildings.lab.population.student:\n    - 10\n    - -5", 6,
         "parameters.buildings.lab.population.student[1]",
         "-5 is refused by scenario 'tiny': expected an integer between 0 and 1,000,000, got -5"),
    ],
)  # fmt: skip
def test_sweep_file_mistakes_name_file_line_and_path(
    tmp_path: Path, text: str, line: int, path: str, message: str
) -> None:
    sweep = write(tmp_path, f"scenarios: [{TINY}]\nseeds: 1\nparameters:\n  {text}\n")
    with pytest.raises(ParameterError) as err:
        prepare(sweep)
    assert (err.value.file, err.value.line, err.value.path) == (str(sweep), line, path)
    assert message in err.value.message
    assert "\n" not in err.value.one_line()


@pytest.mark.parametrize(
    ("text", "line", "path", "message"),
    [
        ("sedes: 2", 2, "sedes", "unknown key 'sedes'; did you mean 'seeds'?"),
        ("seeds: 0", 2, "seeds", "expected an integer between 1 and 10000, got 0"),
        ("days: 1.5", 2, "days", "expected an integer between 1 and 260"),
        ("scale: 1.0\nparameters: {scale: [0.5, 1]}", 2, "scale", "also varied"),
    ],
)
def test_top_level_mistakes(tmp_path: Path, text: str, line: int, path: str, message: str) -> None:
    body = f"scenarios: [{TINY}]\n{text}\n"
    if "parameters" not in text:
        body += "parameters: {model.greet_radius_m: [10]}\n"
    sweep = write(tmp_path, body)
    with pytest.raises(ParameterError) as err:
        read_sweep(sweep)
    assert (err.value.line, err.value.path) == (line, path)
    assert message in err.value.message


def test_cli_prints_one_line_and_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sweep = write(tmp_path, "scenarios: [missing.yaml]\nparameters: {scale: [1]}\n")
    assert main(["sweep", str(sweep), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"error: {sweep}:1: scenarios[0]: scenario file not found:")
    assert len(err.splitlines()) == 1
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("example", sorted(EXAMPLES.glob("*.yaml")), ids=lambda p: p.stem)
def test_example_sweeps_are_valid(example: Path) -> None:
    spec, runs = prepare(example)
    assert runs and len(runs) == len({r.run_id for r in runs})
    assert spec.name == example.stem


# --- points and seeds ----------------------------------------------------------------------


def test_grid_points_are_the_full_product_in_file_order(tmp_path: Path) -> None:
    sweep = write(
        tmp_path,
        f"""\
        scenarios: [{TINY}]
        parameters:
          model.greet_radius_m: [10, 20, 30]
          agents.student.errand_scope: [any, own_institution]
        """,
    )
    pts = points(read_sweep(sweep))
    assert len(pts) == 6
    assert pts[0] == {"model.greet_radius_m": 10.0, "agents.student.errand_scope": "any"}
    assert pts[1]["agents.student.errand_scope"] == "own_institution"
    assert [p["model.greet_radius_m"] for p in pts[::2]] == [10.0, 20.0, 30.0]


@pytest.mark.parametrize("method", ["lhs", "random"])
def test_sampled_points_follow_the_root_seed(tmp_path: Path, method: str) -> None:
    def sample(seed: int) -> list[dict[str, object]]:
        sweep = write(
            tmp_path,
            f"""\
            scenarios: [{TINY}]
            seed: {seed}
            sampler: {{method: {method}, count: 10}}
            parameters:
              model.p_cafe: {{min: 0.001, max: 0.1, log: true}}
              model.route_profiles: {{min: 2, max: 5}}
              scale: {{min: 0.5, max: 1.5}}
              model.greet_radius_m: [10, 20]
            """,
        )
        return points(read_sweep(sweep))

    first = sample(1)
    assert first == sample(1)
    assert first != sample(2)
    assert len(first) == 20
    # Both grid values see the same sampled points.
    assert [{**p, "model.greet_radius_m": 0} for p in first[:10]] == [
        {**p, "model.greet_radius_m": 0} for p in first[10:]
    ]
    cafe = np.array([p["model.p_cafe"] for p in first])
    assert ((cafe >= 0.001) & (cafe <= 0.1)).all()
    profiles = {p["model.route_profiles"] for p in first}
    assert profiles <= {2, 3, 4, 5} and all(isinstance(v, int) for v in profiles)


def test_latin_hypercube_fills_every_stratum_once() -> None:
    u = unit_sample("lhs", 50, 3, np.random.default_rng(0))
    for d in range(3):
        assert sorted(np.floor(u[:, d] * 50).astype(int)) == list(range(50))


def test_run_seeds_depend_on_point_and_replicate_only() -> None:
    seeds = {run_seed(7, p, r) for p in range(20) for r in range(5)}
    assert len(seeds) == 100
    assert run_seed(7, 3, 1) == run_seed(7, 3, 1) != run_seed(8, 3, 1)
    assert all(0 <= s < 2**63 for s in seeds)


# --- running -------------------------------------------------------------------------------


def test_command_writes_tables_and_figures(reference: Path) -> None:
    rows = table(reference)
    assert len(rows) == N_RUNS
    assert len({r["run_id"] for r in rows}) == N_RUNS
    assert {r["status"] for r in rows} == {"ok"}
    assert len({r["seed"] for r in rows}) == N_RUNS
    assert {r["buildings.lab.population.student"] for r in rows} == {"40", "80"}
    assert {r["agents"] for r in rows} == {"180", "220"}
    with (reference / "points.csv").open(encoding="utf-8") as f:
        summary = list(csv.DictReader(f))
    assert len(summary) == 8 and {s["runs"] for s in summary} == {"2"}
    first = summary[0]
    low, mean, high = (float(first[f"meetings_per_person_day_{k}"])
                       for k in ("ci_low", "mean", "ci_high"))  # fmt: skip
    assert low <= mean <= high
    influence = (reference / "influence.csv").read_text(encoding="utf-8").splitlines()
    assert len(influence) == 1 + len(HEADLINE_FIGURES) * 3
    for stem in ("effect_meetings_per_person_day", "influence"):
        for ext in ("png", "svg"):
            assert (reference / f"{stem}.{ext}").stat().st_size > 1000


@pytest.mark.parametrize("code", ["en", "da"])
def test_figures_in_both_languages(
    tmp_path: Path, reference: Path, code: str, in_language: Any
) -> None:
    out = reference  # drawn in English, the default
    if code != "en":
        out = tmp_path / "out"
        shutil.copytree(reference, out)
        sweep = next(reference.parent.glob("*.yaml"))
        argv = ["sweep", str(sweep), "--workers", "1", "--out", str(out), "--quiet"]
        assert main([*argv, "--lang", code]) == 0  # every run is stored: figures redrawn only
    effect = (out / "effect_cross_institution_meetings_per_person_day.svg").read_text("utf-8")
    in_language(effect, code, ["figure.cross_institution_meetings_per_person_day",
                               "sweep.bands", "sweep.marginal", ("sweep.runs", {"n": N_RUNS})])
    influence = (out / "influence.svg").read_text(encoding="utf-8")
    in_language(influence, code, ["sweep.src_note", "sweep.src", "footer.scale_full"])


def test_one_and_two_workers_give_identical_tables(tmp_path: Path, reference: Path) -> None:
    sweep = write(tmp_path, SWEEP)
    report = run_local(sweep, tmp_path / "two", workers=2)
    assert (report.ran, report.failed) == (N_RUNS, 0)
    assert table(tmp_path / "two") == table(reference)
    assert (tmp_path / "two" / "points.csv").read_bytes() == (reference / "points.csv").read_bytes()


def test_resume_after_an_interruption_does_only_the_missing_runs(
    tmp_path: Path, reference: Path
) -> None:
    sweep = write(tmp_path, SWEEP)
    spec, runs = prepare(sweep)
    seen: list[str] = []

    def stop_after_five(record: dict[str, object]) -> None:
        seen.append(str(record["run_id"]))
        if len(seen) == 5:
            raise KeyboardInterrupt

    out = tmp_path / "out"
    with LocalPool(1) as pool:
        first = run_sweep(spec, runs, out, pool, quiet=True, figures=False,
                          on_record=stop_after_five)  # fmt: skip
    assert first.interrupted and first.ran == 5
    assert len(list((out / "runs").glob("*.json"))) == 5
    assert not (out / "runs.csv").exists()

    again: list[str] = []
    with LocalPool(1) as pool:
        second = run_sweep(spec, runs, out, pool, quiet=True, figures=False,
                           on_record=lambda r: again.append(str(r["run_id"])))  # fmt: skip
    assert not second.interrupted
    assert (second.skipped, second.ran, second.failed) == (5, N_RUNS - 5, 0)
    assert not set(seen) & set(again)
    assert table(out) == table(reference)


def test_a_failing_run_is_recorded_and_retried(tmp_path: Path, reference: Path) -> None:
    sweep = write(tmp_path, SWEEP)
    out = tmp_path / "out"
    report = run_local(sweep, out, workers=1, runner=_poisoned)
    assert (report.failed, report.ran) == (4, N_RUNS)
    rows = table(out)
    failed = [r for r in rows if r["status"] == "failed"]
    assert len(failed) == 4
    assert all("ValueError: boom at the poisoned point" in r["error"] for r in failed)
    assert all(r["meetings"] == "" for r in failed)
    assert sum(r["status"] == "ok" for r in rows) == N_RUNS - 4

    retry = run_local(sweep, out, workers=1)
    assert (retry.ran, retry.failed) == (4, 0)
    assert table(out) == table(reference)


def test_a_killed_worker_loses_only_its_runs(tmp_path: Path, reference: Path) -> None:
    sweep = write(tmp_path, SWEEP)
    victim = prepare(sweep)[1][2]
    out = tmp_path / "out"
    report = run_local(sweep, out, workers=2, runner=partial(killer, seed=victim.seed))
    rows = table(out)
    died = [r for r in rows if r["status"] == "failed"]
    assert len(rows) == N_RUNS
    # The victim and at most the one run beside it in the pool; a new pool did the rest.
    assert victim.run_id in {r["run_id"] for r in died} and report.failed == len(died) <= 2
    assert all("worker process died" in r["error"] for r in died)
    retry = run_local(sweep, out, workers=1)
    assert (retry.ran, retry.failed) == (len(died), 0)
    assert table(out) == table(reference)


def test_a_folder_of_another_sweep_is_refused(
    tmp_path: Path, reference: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = write(tmp_path, SWEEP.replace("seed: 7", "seed: 8"))
    assert main(["sweep", str(other), "--out", str(reference), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "holds runs of a different sweep" in err and len(err.splitlines()) == 1


def test_store_ignores_half_written_and_damaged_records(tmp_path: Path) -> None:
    spec = read_sweep(write(tmp_path, SWEEP))
    store = RunStore.open(tmp_path / "out", "sweep", {}, spec.digest())
    store.write({"run_id": "a", "status": "ok"})
    (store.runs / ".b.json.99.tmp").write_text("{")
    (store.runs / "c.json").write_text('{"run_id": "c", "stat')
    again = RunStore.open(tmp_path / "out", "sweep", {}, spec.digest())
    assert again.statuses() == {"a": "ok"}
    assert not list(store.runs.glob(".*"))


def test_a_changed_scenario_file_fails_the_run(tmp_path: Path) -> None:
    layout = tmp_path / "tiny.yaml"
    layout.write_bytes(TINY.read_bytes())
    task = RunTask("x", RunSpec(str(layout), seed=1), (str(layout),), files_digest([layout]))
    assert execute(task).ok
    layout.write_text(layout.read_text().replace("capacity: 40", "capacity: 41"))
    record = execute(task)
    assert not record.ok and "differ from the ones the sweep started with" in record.error


def _variant_pair(tmp_path: Path, capacity: int = 41) -> RunTask:
    """A task of a variant in one folder extending a base in another, as planned."""
    from sim.layout.load import resolve_layout

    (tmp_path / "base").mkdir(parents=True)
    (tmp_path / "vary").mkdir()
    shutil.copy(TINY, tmp_path / "base" / "tiny.yaml")
    variant = tmp_path / "vary" / "more.yaml"
    variant.write_text(textwrap.dedent(f"""\
        extends: ../base/tiny.yaml
        name: more_seats
        modify:
          venues:
            lab_cafe: {{capacity: {capacity}}}
    """))
    files = resolve_layout(variant).files
    return RunTask("x", RunSpec(str(variant), seed=1), files, files_digest(files))


def test_a_shipped_task_runs_where_its_files_are_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A task sent with its files' contents (as to a Dask worker on another machine) runs
    from copies in the worker's temporary folder, its base found through ``extends``,
    and gives the numbers of the run from the files themselves."""
    task = _variant_pair(tmp_path / "here")
    here = execute(task)
    assert here.ok, here.error
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "worker"))
    sent = backends.shipped(task)
    assert all(Path(f).is_absolute() for f in sent.files) and len(sent.texts) == 2
    shutil.rmtree(tmp_path / "here")  # the worker's machine does not have them
    there = execute(sent)
    assert there.ok, there.error
    def numbers(record: backends.RunRecord) -> dict[str, float]:
        return {k: v for k, v in record.figures.items() if k != "runtime_s"}

    assert numbers(there) == numbers(here) and here.figures["meetings"] > 0
    assert there.arrays == here.arrays
    copies = list((tmp_path / "worker" / backends.SHIPPED_DIR / task.sha256).rglob("*.yaml"))
    assert sorted(p.name for p in copies) == ["more.yaml", "tiny.yaml"]
    assert execute(sent).ok  # the copies are found again


def test_a_shipped_task_reports_the_submitters_paths_and_edits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "worker"))
    bad = _variant_pair(tmp_path / "bad", capacity=-3)
    record = execute(backends.shipped(bad))
    assert not record.ok and "capacity" in record.error
    assert str(tmp_path / "bad" / "vary" / "more.yaml") in record.error
    assert backends.SHIPPED_DIR not in record.error
    task = _variant_pair(tmp_path / "edited")
    base = tmp_path / "edited" / "base" / "tiny.yaml"
    base.write_text(base.read_text().replace("capacity: 80", "capacity: 81"))
    record = execute(backends.shipped(task))  # edited after the batch was planned
    assert not record.ok and "differ from the ones the sweep started with" in record.error


def test_scheduler_without_dask_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_dask(name: str) -> object:
        raise ImportError(name)

    monkeypatch.setattr(backends.importlib, "import_module", no_dask)
    with pytest.raises(CrosspathsInputError, match=r"pip install 'crosspaths\[dask\]'"):
        DaskScheduler("tcp://127.0.0.1:8786")


def test_src_recovers_a_linear_model() -> None:
    rng = np.random.default_rng(0)
    x = rng.random((200, 3))
    coef, r2 = src(x, 3.0 * x[:, 0] - 1.0 * x[:, 1])
    assert r2 == pytest.approx(1.0)
    assert abs(coef[0]) > abs(coef[1]) > abs(coef[2])
    assert coef[2] == pytest.approx(0.0, abs=1e-9)
    assert json.dumps([float(c) for c in coef])
