"""Run a sweep: plan its runs, skip those already stored, run the rest, write outputs.

Each finished run is stored the moment its record arrives, so an interrupted sweep
loses at most the runs that were in flight; running the same sweep into the same
folder again does only the runs without a successful record. Tables and figures are
rebuilt from the stored records once every run has been tried.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from tqdm import tqdm

from sim.i18n import EN, Lang
from sim.runs.backends import RECORD_FIGURES, Backend, RunRecord, RunTask
from sim.runs.store import FAILED, OK, Record, RunStore
from sim.sweep.figures import write_figures
from sim.sweep.outputs import write_tables
from sim.sweep.plan import PlannedRun, check_points, plan_runs
from sim.sweep.sampling import points
from sim.sweep.spec import SweepSpec, read_sweep

RUNTIME_DIGITS = 3


@dataclass(frozen=True)
class SweepReport:
    """What a call of :func:`run_sweep` did.

    Attributes
    ----------
    out_dir
        The results folder.
    total
        Runs in the sweep.
    skipped
        Runs already stored successfully before this call.
    ran
        Runs attempted in this call (successful or not).
    failed
        Runs whose latest record is a failure, after this call.
    interrupted
        Whether the sweep was stopped before every run was tried (no outputs then).
    elapsed_s
        Wall-clock seconds of this call.
    first_error
        ``"<run id>: <error>"`` of one failed run, for the summary line.
    outputs
        Tables and figures written.
    """

    out_dir: Path
    total: int
    skipped: int
    ran: int
    failed: int
    interrupted: bool
    elapsed_s: float
    first_error: str = ""
    outputs: list[Path] = field(default_factory=list)


def prepare(path: str | os.PathLike[str]) -> tuple[SweepSpec, list[PlannedRun]]:
    """Read and check a sweep file, its points and their layouts; plan its runs.

    Raises
    ------
    CrosspathsInputError
        At the first problem, before anything runs.
    """
    spec = read_sweep(path)
    pts = points(spec)
    check_points(spec, pts)
    return spec, plan_runs(spec, pts)


def to_record(run: PlannedRun, result: RunRecord) -> Record:
    """The stored form of a finished run: its place in the sweep plus its result."""
    return {
        "run_id": run.run_id,
        "scenario": run.scenario,
        "point": run.point,
        "replicate": run.replicate,
        "seed": run.seed,
        "parameters": run.values,
        "status": OK if result.ok else FAILED,
        "figures": {k: v for k, v in result.figures.items() if k in RECORD_FIGURES},
        "runtime_s": round(result.runtime_s, RUNTIME_DIGITS),
        "error": result.error,
    }


def run_sweep(
    spec: SweepSpec,
    runs: list[PlannedRun],
    out_dir: Path,
    backend: Backend,
    *,
    quiet: bool = False,
    figures: bool = True,
    on_record: Callable[[Record], None] | None = None,
    lang: Lang = EN,
) -> SweepReport:
    """Run the sweep's missing runs on ``backend`` and write its tables and figures.

    Parameters
    ----------
    spec, runs
        From :func:`prepare`.
    out_dir
        Results folder; created, or resumed if this sweep made it.
    backend
        Where runs execute.
    quiet
        No progress bar.
    figures
        Draw the figures (tables are always written).
    on_record
        Called with each record just after it is stored.
    lang
        Language of the figures (the tables' columns stay English: programs read them).

    Returns
    -------
    SweepReport
        Counts; ``interrupted`` if a ``KeyboardInterrupt`` stopped it (every record
        stored until then is kept).

    Raises
    ------
    CrosspathsInputError
        If ``out_dir`` holds another sweep.
    """
    t0 = time.perf_counter()
    content = {"sweep": spec.normalised(), "name": spec.name, "file": spec.file}
    store = RunStore.open(out_dir, "sweep", content, spec.digest())
    before = store.statuses()
    todo = [r for r in runs if before.get(r.run_id) != OK]
    by_id = {r.run_id: r for r in todo}
    tasks = [RunTask(r.run_id, r.spec, r.files, r.sha256) for r in todo]
    ran = failed = 0
    interrupted = False
    bar = tqdm(total=len(runs), initial=len(runs) - len(todo), desc=spec.name, unit="run",
               disable=quiet, leave=False, dynamic_ncols=True, smoothing=0.05)  # fmt: skip
    try:
        with contextlib.closing(backend.results(tasks)) as results:
            for result in results:
                record = to_record(by_id[result.run_id], result)
                store.write(record)
                ran += 1
                failed += not result.ok
                bar.set_postfix(failed=failed, refresh=False)
                bar.update(1)
                if on_record is not None:
                    on_record(record)
    except KeyboardInterrupt:
        interrupted = True
    finally:
        bar.close()
    skipped = len(runs) - len(todo)
    return _finish(spec, runs, store, t0, skipped, ran, interrupted=interrupted, figures=figures,
                   lang=lang)  # fmt: skip


def _finish(
    spec: SweepSpec,
    runs: list[PlannedRun],
    store: RunStore,
    t0: float,
    skipped: int,
    ran: int,
    *,
    interrupted: bool,
    figures: bool,
    lang: Lang = EN,
) -> SweepReport:
    """Write the outputs (unless interrupted) and count what the stored records say."""
    planned = {r.run_id for r in runs}
    records = {r["run_id"]: r for r in store.records() if r["run_id"] in planned}
    failures = [r for r in records.values() if r.get("status") != OK]
    first = f"{failures[0]['run_id']}: {failures[0].get('error', '')}" if failures else ""
    outputs: list[Path] = []
    if not interrupted:
        paths, rows, _, influence = write_tables(spec, runs, records, store.folder)
        drawn = write_figures(spec, rows, influence, store.folder, lang) if figures else []
        outputs = paths + drawn
    return SweepReport(
        out_dir=store.folder,
        total=len(runs),
        skipped=skipped,
        ran=ran,
        failed=len(failures),
        interrupted=interrupted,
        elapsed_s=time.perf_counter() - t0,
        first_error=first,
        outputs=outputs,
    )
