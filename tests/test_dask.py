"""Dask: runs on a local cluster give the numbers of local runs (compare, sweep, validate).

The tests that need a cluster are in this one module, so that one cluster serves them
and stops when they are done: each of its worker processes imports the engine once
(about 2.5 s of CPU), and a cluster left idle still costs CPU. With whole modules per
test worker (``--dist loadfile``) a cluster shared across modules was started once per
test worker and lived until the end of the session.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from unittest import mock

import pytest

from sim.cli import main
from sim.runs import backends
from sim.runs.backends import DaskScheduler, LocalPool
from sim.runs.store import RunStore
from sim.sweep.runner import prepare, run_sweep
from sim.validate import build
from sim.validate.runs import KIND, execute_all, make_tasks, validation_run
from tests.test_sweep import N_RUNS, SWEEP, run_local, table, write

TINY = Path(__file__).parent / "fixtures" / "tiny.yaml"

QUIET_DASK = {
    "distributed.worker.profile.enabled": False,  # samples every thread every 10 ms
    "distributed.admin.tick.interval": "1s",  # event-loop watchdog, 20 ms by default
    "distributed.admin.system-monitor.interval": "5s",
    "distributed.scheduler.work-stealing": False,  # rebalances every 100 ms
}
"""Dask settings of the test cluster: no profiler, slower housekeeping (idle with the
defaults it burns ~0.15 s of CPU per second). Where runs go and what they return is
unchanged."""


@pytest.fixture(scope="module")
def dask_address(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A local Dask cluster of two worker processes, for this module's tests.

    Its HTTP endpoints take a free port: a fixed one (8787) clashes with any other
    cluster on the machine. Its workers' temporary folder, where they keep the scenario
    files sent with each run, is the test's.
    """
    distributed = pytest.importorskip("distributed")
    import dask

    with (
        mock.patch.dict(os.environ, {"TMPDIR": str(tmp_path_factory.mktemp("workers"))}),
        dask.config.set(QUIET_DASK),
        distributed.LocalCluster(
            n_workers=2, processes=True, threads_per_worker=1, dashboard_address=":0"
        ) as cluster,
    ):
        yield cluster.scheduler_address


def test_compare_on_a_dask_cluster_gives_identical_tables(
    tmp_path: Path, dask_address: str
) -> None:
    args = [str(TINY), str(TINY), "--seeds", "2", "--quiet", "--no-figures"]
    assert main(["compare", *args, "--out", str(tmp_path / "local")]) == 0
    assert main(["compare", *args, "--scheduler", dask_address, "--out", str(tmp_path / "d")]) == 0
    # The workers ran copies of the file sent with each task (backends.shipped).
    tiny = TINY.resolve()
    copy = (Path(os.environ["TMPDIR"]) / backends.SHIPPED_DIR / backends.files_digest([tiny])
            / tiny.relative_to(tiny.anchor))  # fmt: skip
    assert copy.read_bytes() == TINY.read_bytes()
    for name in ("comparison.csv", "place_changes.csv"):
        if (tmp_path / "local" / name).exists():
            assert (tmp_path / "d" / name).read_text() == (tmp_path / "local" / name).read_text()


def test_dask_local_cluster_matches_local_run(tmp_path: Path, dask_address: str) -> None:
    sweep = write(tmp_path, SWEEP)
    run_local(sweep, tmp_path / "local", workers=1)
    spec, runs = prepare(sweep)
    with DaskScheduler(dask_address) as backend:
        report = run_sweep(spec, runs, tmp_path / "dask", backend, quiet=True, figures=False)
    assert report.ran == N_RUNS and report.failed == 0
    assert table(tmp_path / "dask") == table(tmp_path / "local")


def test_pattern_runs_on_dask_match_local(tmp_path: Path, dask_address: str) -> None:
    specs = build.plan(build.Settings(layout=str(TINY), seeds=1, scale=0.3, radii=(),
                                      scales=(), dts=()))["allen"]  # fmt: skip
    tasks = make_tasks(specs)
    local = execute_all(tasks, RunStore.open(tmp_path / "a", KIND, {}, "x"),
                        LocalPool(1, validation_run), quiet=True)  # fmt: skip
    with DaskScheduler(dask_address, validation_run) as dask:
        remote = execute_all(tasks, RunStore.open(tmp_path / "b", KIND, {}, "x"), dask,
                             quiet=True)  # fmt: skip
    for t in tasks:
        assert remote[t.run_id]["status"] == "ok"
        assert remote[t.run_id]["arrays"] == local[t.run_id]["arrays"]
