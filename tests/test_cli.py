"""The command line end to end on the tiny fixture: outputs, determinism, bad input."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from sim.cli import MALLOC_SETTINGS, main, prefer_small_pages, reuse_freed_memory

ROOT = Path(__file__).resolve().parents[1]
TINY_PATH = ROOT / "tests" / "fixtures" / "tiny.yaml"


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("run") / "tiny"
    assert main(["run", str(TINY_PATH), "--seed", "3", "--days", "2", "--out", str(out),
                 "--quiet"]) == 0
    return out


def test_run_writes_summary_tables_maps_and_figures(run_dir: Path) -> None:
    summary = json.loads((run_dir / "summary.json").read_text())
    for key in ("scenario", "seed", "days", "agents", "meetings_per_person_day",
                "cross_institution_meetings_per_person_day", "cross_institution_share",
                "distinct_cross_institution_ties", "runtime_s"):
        assert key in summary
    assert summary["scenario"] == "tiny" and summary["seed"] == 3 and summary["days"] == 2
    assert summary["agents"]["total"] == 200
    assert 0 < summary["cross_institution_share"] < 1
    names = {p.name for p in run_dir.iterdir()}
    for stem in ("map_meeting_density", "meetings_by_type_pair", "institution_matrix",
                 "meetings_by_hour"):
        assert {f"{stem}.png", f"{stem}.svg"} <= names
    assert {"meetings_by_segment.geojson", "meetings_by_place.geojson"} <= names


def test_same_seed_gives_identical_summary_numbers(run_dir: Path, tmp_path: Path) -> None:
    # Without figures: the numbers are the same, and no figure or report is written.
    again = tmp_path / "again"
    assert main(["run", str(TINY_PATH), "--seed", "3", "--days", "2", "--out", str(again),
                 "--quiet", "--no-figures"]) == 0
    first = json.loads((run_dir / "summary.json").read_text())
    second = json.loads((again / "summary.json").read_text())
    for timing in ("runtime_s", "setup_s", "sim_s"):
        first.pop(timing, None)
        second.pop(timing, None)
    assert first == second
    names = {p.name for p in again.iterdir()}
    assert names == {p.name for p in run_dir.iterdir()
                     if p.suffix not in (".png", ".svg", ".pdf") and p.name != "report.md"}
    for name in names - {"summary.json", "results.gpkg"}:
        assert (again / name).read_bytes() == (run_dir / name).read_bytes(), name


def test_scale_multiplies_the_population(tmp_path: Path) -> None:
    out = tmp_path / "half"
    assert main(["run", str(TINY_PATH), "--scale", "0.5", "--out", str(out), "--quiet",
                 "--no-figures"]) == 0
    assert json.loads((out / "summary.json").read_text())["agents"]["total"] == 100


def test_check_accepts_the_fixture(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(TINY_PATH)]) == 0
    assert capsys.readouterr().out.startswith("ok: ")


def test_bad_layout_one_line_exit_2_nothing_written(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(TINY_PATH.read_text().replace("researcher: 30", "researcher: -30"))
    out = tmp_path / "out"
    proc = subprocess.run(
        [sys.executable, "run_sim.py", "run", str(bad), "--out", str(out)],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in proc.stderr
    assert str(bad) in lines[0] and "buildings.lab.population.researcher" in lines[0]
    assert not out.exists()


@pytest.mark.parametrize(
    "argv",
    [["run", "missing.yaml"], ["check", "missing.yaml"]],
)
def test_missing_file_is_an_input_error(argv: list[str], capsys) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "missing.yaml" in err


@pytest.mark.parametrize(
    "argv",
    [["run", "x.yaml", "--days", "0"], ["run", "x.yaml", "--scale", "-1"],
     ["run", "x.yaml", "--bogus"], ["frobnicate"]],
)
def test_bad_arguments_give_one_line_and_exit_2(argv: list[str], capsys) -> None:
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and "usage:" not in err


def test_out_must_not_be_a_file_or_a_foreign_folder(tmp_path: Path, capsys) -> None:
    a_file = tmp_path / "notes.txt"
    a_file.write_text("keep me")
    foreign = tmp_path / "thesis"
    foreign.mkdir()
    (foreign / "chapter1.tex").write_text("keep me too")
    for out in (a_file, foreign):
        assert main(["run", str(TINY_PATH), "--out", str(out), "--quiet"]) == 2
        assert "--out" in capsys.readouterr().err
    assert a_file.read_text() == "keep me"
    assert (foreign / "chapter1.tex").read_text() == "keep me too"


def test_the_command_line_turns_numpys_huge_pages_off_unless_told(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    setter = np._core.multiarray._set_madvise_hugepage
    before = setter(True)
    try:
        monkeypatch.delenv("NUMPY_MADVISE_HUGEPAGE", raising=False)
        prefer_small_pages()
        assert os.environ["NUMPY_MADVISE_HUGEPAGE"] == "0"  # for the processes it starts
        assert setter(True) is False  # and in this one
        monkeypatch.setenv("NUMPY_MADVISE_HUGEPAGE", "1")  # the user's choice stands
        prefer_small_pages()
        assert os.environ["NUMPY_MADVISE_HUGEPAGE"] == "1" and setter(True) is True
    finally:
        setter(before)



def test_the_command_line_keeps_freed_memory_for_reuse_unless_told(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}
    monkeypatch.setattr(os, "environ", environ)
    took = reuse_freed_memory()
    assert took == (platform.libc_ver()[0] == "glibc")  # mallopt, in this process
    for name, value in MALLOC_SETTINGS.items():  # and for the processes it starts
        assert environ[name] == str(value)
    mine = {k: v for k, v in environ.items() if not k.startswith("MALLOC_")}
    mine["MALLOC_ARENA_MAX"] = "2"  # any setting of the user's: theirs stands
    monkeypatch.setattr(os, "environ", mine)
    assert reuse_freed_memory() is False and "MALLOC_TOP_PAD_" not in mine
