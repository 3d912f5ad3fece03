"""Hostile input and output safety: refuse early, in one line, and never touch others' data."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from sim.cli import main
from sim.outputs import folders

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "tests" / "fixtures" / "tiny.yaml"


def one_line_error(capsys: pytest.CaptureFixture[str], *needles: str) -> str:
    """The single stderr line of a refused command; fails unless it holds every needle."""
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1, err
    for needle in needles:
        assert needle in err, err
    return err


def foreign_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "thesis"
    folder.mkdir()
    (folder / "chapter1.tex").write_text("keep me")
    return folder


def no_simulation(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make any simulation fail the test: refusals must come before the work."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("simulated although the output path is unusable")

    monkeypatch.setattr("sim.runner.simulate", refuse)
    monkeypatch.setattr("sim.batch.run_spec", refuse)


# --- output safety -------------------------------------------------------------------


@pytest.mark.parametrize("command", ["run", "compare", "sweep"])
def test_foreign_folder_or_file_is_refused_and_left_alone(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    no_simulation(monkeypatch)
    a_file = tmp_path / "notes.txt"
    a_file.write_text("keep me")
    folder = foreign_folder(tmp_path)
    sweep = tmp_path / "s.yaml"
    sweep.write_text(f"scenarios: {TINY}\nparameters:\n  model.greet_radius_m: [15, 20]\n")
    target = {"run": [str(TINY)], "compare": [str(TINY), str(TINY)], "sweep": [str(sweep)]}
    for out in (a_file, folder):
        assert main([command, *target[command], "--out", str(out), "--quiet"]) == 2
        one_line_error(capsys, "--out")
    assert a_file.read_text() == "keep me"
    assert sorted(p.name for p in folder.iterdir()) == ["chapter1.tex"]


def test_unwritable_out_is_refused_before_simulating(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    no_simulation(monkeypatch)
    a_file = tmp_path / "notes.txt"
    a_file.write_text("keep me")
    under_file = a_file / "results"
    assert main(["run", str(TINY), "--out", str(under_file), "--quiet"]) == 2
    one_line_error(capsys, "is a file")
    assert main(["compare", str(TINY), "--out", str(under_file / "x"), "--quiet"]) == 2
    one_line_error(capsys, "is a file")


def test_commands_do_not_overwrite_each_others_results(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "res"
    assert main(["run", str(TINY), "--out", str(out), "--quiet", "--no-figures"]) == 0
    assert folders.folder_kind(out) == "run"
    # The same command may replace its own earlier results ...
    assert main(["run", str(TINY), "--seed", "1", "--out", str(out), "--quiet",
                 "--no-figures"]) == 0
    # ... another command may not.
    assert main(["compare", str(TINY), "--out", str(out), "--quiet"]) == 2
    one_line_error(capsys, "results of a run")
    assert json.loads((out / "summary.json").read_text())["seed"] == 1


def test_an_interrupted_swap_is_repaired_and_foreign_leftovers_kept(tmp_path: Path) -> None:
    out = tmp_path / "res"
    dead_pid = 2**22 + 12345  # above the default pid_max: no such process
    old = tmp_path / ".res.old-aaaa"
    half = tmp_path / ".res.tmp-bbbb"
    stranger = tmp_path / ".res.tmp-cccc"
    for folder, complete in ((old, True), (half, False)):
        folder.mkdir()
        (folder / folders.MARKER).write_text(
            json.dumps({"kind": "run", "complete": complete, "pid": dead_pid})
        )
        (folder / "summary.json").write_text(json.dumps({"which": folder.name}))
    stranger.mkdir()
    (stranger / "mine.txt").write_text("not Crosspaths'")
    folders.claim(out, "run")
    assert json.loads((out / "summary.json").read_text()) == {"which": old.name}
    assert not old.exists() and not half.exists()
    assert (stranger / "mine.txt").exists()


def test_kill_during_write_leaves_no_hidden_folder_for_good(tmp_path: Path) -> None:
    out = tmp_path / "res"
    with pytest.raises(RuntimeError), folders.atomic_folder(out, "run") as tmp:
        (tmp / "a.csv").write_text("x")
        raise RuntimeError("killed")
    assert not out.exists() and list(tmp_path.iterdir()) == []


# --- limits --------------------------------------------------------------------------


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


def test_huge_population_is_refused_at_check(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = TINY.read_text()
    assert "researcher: " in text
    huge = write(tmp_path, "huge.yaml", text.replace("researcher: ", "researcher: 1000000000", 1))
    assert main(["check", str(huge)]) == 2
    one_line_error(capsys, "huge.yaml:", "population.researcher", "between 0 and")


def test_scale_beyond_the_people_limit_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    no_simulation(monkeypatch)
    assert main(["run", str(TINY), "--scale", "1e9", "--out", str(tmp_path / "o")]) == 2
    one_line_error(capsys, "scale", "2,000,000")
    assert not (tmp_path / "o").exists()


ALIAS_BOMB = """\
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""


@pytest.mark.parametrize("how", ["layout", "extends", "sweep"])
def test_alias_bomb_is_refused_at_once(
    how: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bomb = write(tmp_path, "bomb.yaml", ALIAS_BOMB)
    if how == "extends":
        argv = ["check", str(write(tmp_path, "v.yaml", f"extends: {bomb}\nname: v\n"))]
    elif how == "sweep":
        argv = ["sweep", str(bomb), "--check"]
    else:
        argv = ["check", str(bomb)]
    t0 = time.perf_counter()
    assert main(argv) == 2
    assert time.perf_counter() - t0 < 10
    one_line_error(capsys, "bomb.yaml:", "alias")


def test_deep_nesting_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    deep = write(tmp_path, "deep.yaml", "a: " + "[" * 5000 + "]" * 5000 + "\n")
    assert main(["check", str(deep)]) == 2
    one_line_error(capsys, "deep.yaml", "nesting")
    flow = write(tmp_path, "flow.yaml", "a: " + "[" * 200 + "]" * 200 + "\n")
    assert main(["check", str(flow)]) == 2
    one_line_error(capsys, "flow.yaml", "nesting")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_special_files_are_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fifo = tmp_path / "layout.yaml"
    os.mkfifo(fifo)
    assert main(["check", str(fifo)]) == 2
    one_line_error(capsys, "not a regular file")
    if Path("/dev/zero").exists():
        assert main(["check", "/dev/zero"]) == 2
        one_line_error(capsys, "/dev/zero", "not a regular file")


def test_oversized_file_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sim.layout.reader.MAX_FILE_BYTES", 1000)
    big = write(tmp_path, "big.yaml", "# " + "x" * 2000 + "\n")
    assert main(["check", str(big)]) == 2
    one_line_error(capsys, "big.yaml", "too large")


def test_huge_sweep_is_refused_without_building_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sweep = write(tmp_path, "big.yaml", f"""\
        scenarios: {TINY}
        seeds: 10000
        sampler: {{method: lhs, count: 100000}}
        parameters:
          model.greet_radius_m: {{min: 10, max: 30}}
          model.p_cafe: [0.001, 0.002, 0.003, 0.004, 0.005, 0.006, 0.007, 0.008, 0.009]
        """)
    t0 = time.perf_counter()
    assert main(["sweep", str(sweep), "--check"]) == 2
    assert time.perf_counter() - t0 < 10
    one_line_error(capsys, "big.yaml:", "runs")


# --- arguments -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "argv",
    [
        ["run", str(TINY), "--days", "100000"],
        ["run", str(TINY), "--seed", "-3"],
        ["compare", str(TINY), "--seeds", "1"],
        ["compare", str(TINY), "--workers", "0"],
        ["sweep"],
        ["show"],
        ["check"],
        ["bench", "--seed", "x"],
        ["run", str(TINY), "--no-such-option"],
    ],
)
def test_every_argument_error_is_one_line(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    assert "usage" not in one_line_error(capsys)


# --- worker processes ----------------------------------------------------------------


_ORPHAN_SCRIPT = """
import sys, time
from sim.batch import local_pool
pool = local_pool(2)
pids = [pool.submit(__import__("os").getpid).result() for _ in range(4)]
busy = [pool.submit(time.sleep, 60) for _ in range(2)]  # workers busy, as in a sweep
time.sleep(0.5)
print(" ".join(map(str, sorted(set(pids)))), flush=True)
time.sleep(60)
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (dead, not yet reaped) counts as gone.
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return True


@pytest.mark.skipif(sys.platform != "linux", reason="checks /proc")
def test_pool_workers_die_with_a_killed_parent() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    parent = subprocess.Popen(
        [sys.executable, "-c", _ORPHAN_SCRIPT],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env,
    )
    try:
        assert parent.stdout is not None
        workers = [int(p) for p in parent.stdout.readline().split()]
        assert workers and all(_alive(p) for p in workers)
        parent.send_signal(signal.SIGKILL)
        parent.wait(10)
        deadline = time.monotonic() + 5
        while any(_alive(p) for p in workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not any(_alive(p) for p in workers)
    finally:
        parent.kill()
        parent.wait(10)
        if parent.stdout is not None:
            parent.stdout.close()
