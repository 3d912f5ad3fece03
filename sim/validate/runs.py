"""The validation's runs, through the one run engine (:mod:`sim.runs`).

Every run is a :class:`~sim.batch.RunSpec` whose ``key`` says what it is for:

- ``("pattern", label)``: one day of the layout; keeps the building-pair matrices
  (:func:`sim.validate.patterns.building_arrays`);
- ``("headline", label)``: one day; the headline figures (:func:`sim.batch.run_spec`);
- ``("reference", dt)``: the per-agent reference at ``dt`` s against the fast engine
  (:func:`sim.validate.timestep.compare_one`).

:func:`validation_run` runs any of them in a worker; records go to a
:class:`~sim.runs.store.RunStore` in ``<out>/runs`` the moment they arrive, so an
interrupted validation resumes, locally or on Dask (``--scheduler``).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from sim.batch import RunOutcome, RunSpec, run_spec
from sim.layout.load import resolve_layout
from sim.runs.backends import Backend, RunTask, files_digest
from sim.runs.store import FAILED, OK, RunStore

KIND = "validate"
"""Output-folder kind (:mod:`sim.outputs.folders`)."""


@dataclass
class ValidationOutcome(RunOutcome):
    """A run's outcome plus the matrices the validation needs."""

    extra: dict[str, np.ndarray] = field(default_factory=dict)


def _layout(spec: RunSpec) -> Any:
    from sim.layout import load_layout

    layout = load_layout(spec.layout, dict(spec.overrides) or None)
    return layout.scaled(spec.scale) if spec.scale != 1.0 else layout


def validation_run(spec: RunSpec) -> RunOutcome:
    """Run one validation spec (in a worker); see the module docstring for the kinds."""
    kind = spec.key[0] if spec.key else "headline"
    if kind == "headline":
        return run_spec(spec)
    if kind == "pattern":
        from sim.engine.model import CrosspathsModel
        from sim.validate.patterns import building_arrays

        model = CrosspathsModel(_layout(spec), seed=spec.seed)
        model.step()
        arrays = building_arrays(model)
        figures = {"meetings": float(len(model.last_meetings)),
                   "agents": float(len(model.population))}  # fmt: skip
        return ValidationOutcome(spec=spec, figures=figures, extra=arrays)
    if kind == "reference":
        from sim.validate.timestep import compare_one

        return RunOutcome(spec=spec, figures=compare_one(_layout(spec), spec.seed, spec.key[1]))
    raise ValueError(f"unknown validation run kind {kind!r}")


def run_id(spec: RunSpec, sha256: str) -> str:
    """Stable id: what determines the run's numbers, hashed."""
    text = json.dumps(
        {"sha256": sha256, "seed": spec.seed, "days": spec.days, "scale": spec.scale,
         "overrides": [list(o) for o in spec.overrides], "key": list(spec.key)},
        sort_keys=True, separators=(",", ":"), default=str,
    )  # fmt: skip
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _files(layout: str) -> tuple[tuple[str, ...], str]:
    files = tuple(os.path.relpath(Path(f).resolve()) for f in resolve_layout(layout).files)
    return files, files_digest(files)


def make_tasks(specs: Iterable[RunSpec]) -> list[RunTask]:
    """A task per spec, with the scenario files and their digest."""
    cache: dict[str, tuple[tuple[str, ...], str]] = {}
    tasks = []
    for spec in specs:
        if spec.layout not in cache:
            cache[spec.layout] = _files(spec.layout)
        files, sha = cache[spec.layout]
        tasks.append(RunTask(run_id(spec, sha), spec, files, sha))
    return tasks


def execute_all(
    tasks: list[RunTask], store: RunStore, backend: Backend, *, quiet: bool = False
) -> dict[str, dict[str, Any]]:
    """Run the tasks without a successful record, store each record as it arrives.

    Returns
    -------
    dict
        Run id → stored record, for every task (successful or failed).
    """
    done = {r["run_id"]: r for r in store.records() if r.get("status") == OK}
    todo = [t for t in tasks if t.run_id not in done]
    by_id = {t.run_id: t for t in tasks}
    bar = tqdm(total=len(tasks), initial=len(tasks) - len(todo), desc="validate",
               unit="run", disable=quiet)  # fmt: skip
    try:
        results = backend.results(todo)
        try:
            for rec in results:
                task = by_id[rec.run_id]
                record = {
                    "run_id": rec.run_id, "layout": task.spec.layout, "seed": task.spec.seed,
                    "scale": task.spec.scale, "overrides": [list(o) for o in task.spec.overrides],
                    "key": list(task.spec.key), "status": OK if rec.ok else FAILED,
                    "figures": rec.figures, "error": rec.error,
                    "runtime_s": round(rec.runtime_s, 3), "arrays": rec.arrays.get("extra", {}),
                }  # fmt: skip
                store.write(record)
                done[rec.run_id] = record
                bar.update(1)
        finally:
            results.close()
    finally:
        bar.close()
    return {t.run_id: done.get(t.run_id, {"status": FAILED}) for t in tasks}
