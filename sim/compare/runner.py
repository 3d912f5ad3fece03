"""Run every scenario over the same seeds and collect the outcomes in a fixed order.

Common random numbers come from the engine (streams named by building id, pair draws
keyed by stable person ids); this module only makes sure every scenario gets exactly
the same seeds, days and scale, and that the collected numbers never depend on which
worker finished first.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from sim.batch import RunOutcome, RunSpec
from sim.layout import Layout, load_layout
from sim.layout.load import resolve_layout
from sim.runs.backends import Backend, LocalPool, RunRecord, RunTask, files_digest
from sim.runs.store import FAILED, OK, Record, RunStore


@dataclass(frozen=True)
class CompareScenario:
    """One scenario of a comparison.

    Attributes
    ----------
    index
        Position on the command line; 0 is the reference every other one is compared to.
    path
        The file as given.
    label
        Name shown in tables and figures: the layout's ``name``, made unique.
    layout
        The layout as loaded (unscaled); only its ids, names and coordinates are used.
    """

    index: int
    path: str
    label: str
    layout: Layout


@dataclass(frozen=True)
class ComparisonRuns:
    """Every run of a comparison, keyed by ``(scenario index, seed)``.

    Attributes
    ----------
    scenarios
        In command-line order; the first is the reference.
    seeds
        The seeds every scenario was run with, ascending.
    days, scale
        As passed to every run.
    outcomes
        One outcome per scenario and seed.
    """

    scenarios: tuple[CompareScenario, ...]
    seeds: tuple[int, ...]
    days: int
    scale: float
    outcomes: dict[tuple[int, int], RunOutcome]

    def outcome(self, scenario: int, seed: int) -> RunOutcome:
        """The run of ``scenario`` (index) with ``seed``."""
        return self.outcomes[(scenario, seed)]

    def figure(self, scenario: int, name: str) -> np.ndarray:
        """One headline figure of ``scenario`` for every seed, in seed order."""
        return np.array([self.outcomes[(scenario, s)].figures[name] for s in self.seeds])


def _unique_labels(layouts: Sequence[Layout], paths: Sequence[str]) -> list[str]:
    """Layout names, with the file added where two scenarios share a name."""
    names = [layout.name for layout in layouts]
    labels = [
        name if names.count(name) == 1 else f"{name} ({os.path.basename(path)})"
        for name, path in zip(names, paths, strict=True)
    ]
    # The same file given twice still needs two labels.
    return [
        label if labels.count(label) == 1 else f"{label} #{i + 1}" for i, label in enumerate(labels)
    ]


def load_scenarios(paths: Sequence[str]) -> tuple[CompareScenario, ...]:
    """Load and validate every scenario file before anything runs.

    Parameters
    ----------
    paths
        Layout or variant files; the first is the reference.

    Returns
    -------
    tuple[CompareScenario, ...]

    Raises
    ------
    LayoutError
        For the first file that is missing or invalid (one line naming file and line).
    """
    layouts = [load_layout(p) for p in paths]
    labels = _unique_labels(layouts, paths)
    return tuple(
        CompareScenario(index=i, path=str(p), label=label, layout=layout)
        for i, (p, label, layout) in enumerate(zip(paths, labels, layouts, strict=True))
    )


def build_specs(
    scenarios: Sequence[CompareScenario], seeds: Sequence[int], days: int, scale: float
) -> list[RunSpec]:
    """One :class:`RunSpec` per scenario and seed, keyed ``(scenario index, seed)``."""
    return [
        RunSpec(layout=sc.path, seed=seed, days=days, scale=scale, key=(sc.index, seed))
        for sc in scenarios
        for seed in seeds
    ]


def run_id(spec: RunSpec) -> str:
    """The id of a comparison run in its store: ``s00-seed3`` (scenario index, seed)."""
    index, seed = spec.key
    return f"s{index:02d}-seed{seed}"


def _tasks(scenarios: Sequence[CompareScenario], specs: Sequence[RunSpec]) -> list[RunTask]:
    """A task per spec, with the scenario files' digest so an edited file fails the run."""
    files = {}
    for sc in scenarios:
        resolved = tuple(str(Path(f).resolve()) for f in resolve_layout(sc.path).files)
        files[sc.index] = (resolved, files_digest(resolved))
    return [RunTask(run_id(s), s, *files[s.key[0]]) for s in specs]


def batch_identity(
    tasks: Sequence[RunTask], seeds: Sequence[int], days: int, scale: float
) -> tuple[dict[str, Any], str]:
    """What a comparison's store records about it, and its digest.

    Scenario files count by content (edit one and the stored runs are dropped), the
    order of scenarios by position, and seeds, days and scale by value.
    """
    scenarios = [
        {"index": t.spec.key[0], "file": t.spec.layout, "sha256": t.sha256}
        for t in tasks
        if t.spec.key[1] == seeds[0]
    ]
    content = {"scenarios": scenarios, "seeds": list(seeds), "days": days, "scale": scale}
    identity = [[s["index"], s["sha256"]] for s in scenarios], list(seeds), days, scale
    digest = hashlib.sha256(json.dumps(identity).encode()).hexdigest()
    return content, digest


class RunsFailedError(RuntimeError):
    """Some runs of a comparison failed; the others are stored for the next attempt."""

    def __init__(self, failed: list[RunRecord]) -> None:
        self.failed = failed
        first = failed[0]
        super().__init__(f"{len(failed)} run(s) failed; first: {first.run_id}: {first.error}")


def run_scenarios(
    scenarios: Sequence[CompareScenario],
    seeds: Sequence[int],
    days: int = 1,
    scale: float = 1.0,
    workers: int = 1,
    on_done: Callable[[RunSpec], None] | None = None,
    *,
    backend: Backend | None = None,
    store_dir: Path | None = None,
) -> ComparisonRuns:
    """Run every scenario with every seed and collect them, resuming from a store.

    Runs go through the same backends and run store as sweeps
    (:mod:`sim.runs`): with ``store_dir``, every finished run is recorded there as it
    arrives and runs already recorded are not run again, so an interrupted comparison
    resumes where it stopped.

    Parameters
    ----------
    scenarios
        From :func:`load_scenarios`.
    seeds
        Distinct seeds, the same for every scenario.
    days, scale
        Simulated weekdays and population multiplier of every run.
    workers
        Local processes when no ``backend`` is given; 1 runs everything here.
    on_done
        Called with every finished run's spec (for a progress bar), stored ones too.
    backend
        Where runs execute (:func:`sim.runs.backends.open_backend`).
    store_dir
        Results folder that keeps the run records; ``None`` keeps nothing.

    Returns
    -------
    ComparisonRuns
        Outcomes keyed by ``(scenario index, seed)``; completion order is forgotten.

    Raises
    ------
    RunsFailedError
        If any run failed (its error is recorded; the next attempt retries it).
    """
    seeds = tuple(sorted(set(seeds)))
    specs = build_specs(scenarios, seeds, days, scale)
    tasks = _tasks(scenarios, specs)
    by_id = {t.run_id: t.spec for t in tasks}
    stored: dict[str, RunRecord] = {}
    store = None
    if store_dir is not None:
        content, digest = batch_identity(tasks, seeds, days, scale)
        store = RunStore.open(store_dir, "compare", content, digest, replace_other=True)
        stored = {
            r["run_id"]: _from_record(r)
            for r in store.records()
            if r.get("status") == OK and r["run_id"] in by_id
        }
    for rid in stored:
        if on_done:
            on_done(by_id[rid])
    records = dict(stored)
    failed: list[RunRecord] = []
    pool = backend if backend is not None else LocalPool(workers)
    todo = [t for t in tasks if t.run_id not in stored]
    with contextlib.closing(pool.results(todo)) as results:
        for record in results:
            if store is not None:
                store.write(_to_record(record, by_id[record.run_id]))
            if not record.ok:
                failed.append(record)
                continue
            records[record.run_id] = record
            if on_done:
                on_done(by_id[record.run_id])
    if failed:
        raise RunsFailedError(sorted(failed, key=lambda r: r.run_id))
    return ComparisonRuns(
        scenarios=tuple(scenarios),
        seeds=seeds,
        days=days,
        scale=scale,
        outcomes={
            spec.key: RunOutcome.from_arrays(
                spec, records[run_id(spec)].figures, records[run_id(spec)].arrays
            )
            for spec in specs
        },
    )


def _to_record(record: RunRecord, spec: RunSpec) -> Record:
    """The stored form of a finished comparison run."""
    return {
        "run_id": record.run_id,
        "scenario": spec.key[0],
        "seed": spec.seed,
        "status": OK if record.ok else FAILED,
        "figures": record.figures,
        "arrays": record.arrays,
        "runtime_s": round(record.runtime_s, 3),
        "error": record.error,
    }


def _from_record(stored: Record) -> RunRecord:
    """A stored run back as the record a backend would have handed over."""
    return RunRecord(
        run_id=stored["run_id"],
        figures=stored.get("figures", {}),
        error="",
        runtime_s=float(stored.get("runtime_s", 0.0)),
        arrays=stored.get("arrays", {}),
    )
