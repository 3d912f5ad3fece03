"""From a checked sweep to its runs: ids, seeds and run specs; and a dry check of points.

Every run is identified by a stable id (a hash of scenario, point values, replicate,
seed, days and scale), which names its record in the results folder, so a re-run of
the same sweep recognises the runs it already has. Its seed comes from the sweep's root
seed and the (point, replicate) pair alone, so a run's numbers never depend on which
worker ran it, when, or on which backend. Every scenario gets the same seed at the same
point and replicate: designs are compared on common random numbers.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from sim.batch import RunSpec
from sim.errors import LayoutError, ParameterError
from sim.layout.checks import Checker, describe
from sim.layout.load import apply_path_overrides, load_raw
from sim.layout.reader import KeyPath, LineIndex
from sim.layout.validate import validate_layout
from sim.rng import stable_key
from sim.sweep.sampling import Point
from sim.sweep.spec import SCALE, Parameter, SweepScenario, SweepSpec

ID_LENGTH = 16
"""Hex digits of a run id: 64 bits, no collision in any sweep that fits on a disk."""


@dataclass(frozen=True)
class PlannedRun:
    """One run of a sweep.

    Attributes
    ----------
    run_id
        Stable id; names the run's record.
    scenario
        Scenario name.
    point, replicate
        Index of the point and of the seed at that point.
    seed
        The run's seed.
    values
        The point: parameter path → value.
    spec
        What a worker runs.
    files
        The scenario's files as a worker names them.
    sha256
        Digest the scenario's files must still have when the run starts.
    """

    run_id: str
    scenario: str
    point: int
    replicate: int
    seed: int
    values: Point
    spec: RunSpec
    files: tuple[str, ...]
    sha256: str


def run_seed(root: int, point: int, replicate: int) -> int:
    """The seed of replicate ``replicate`` at point ``point`` of a sweep seeded ``root``.

    Parameters
    ----------
    root
        The sweep's root seed.
    point, replicate
        Indices of the point and the replicate.

    Returns
    -------
    int
        A seed in ``[0, 2**63)`` (fits a signed 64-bit column and ``run --seed``).
    """
    seq = np.random.SeedSequence(root, spawn_key=(stable_key("run"), point, replicate))
    return int(seq.generate_state(1, np.uint64)[0] >> np.uint64(1))


def run_id(scenario: str, values: Point, replicate: int, seed: int, days: int, scale: float) -> str:
    """The stable id of a run (hex digest of what determines its numbers)."""
    text = json.dumps(
        {"scenario": scenario, "values": values, "replicate": replicate,
         "seed": seed, "days": days, "scale": scale},
        sort_keys=True,
        separators=(",", ":"),
    )  # fmt: skip
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:ID_LENGTH]


def worker_path(path: Path) -> str:
    """How a worker should name a scenario file: relative to the current folder if inside.

    Workers on other machines resolve relative paths against their own working folder,
    so a sweep started in a project checkout finds the files in the workers' checkouts.
    """
    try:
        return os.fspath(path.relative_to(Path.cwd()))
    except ValueError:
        return os.fspath(path)


def plan_runs(spec: SweepSpec, pts: list[Point]) -> list[PlannedRun]:
    """Every run of the sweep, replicate by replicate.

    Replicate 0 of every point and scenario comes first, then replicate 1, and so on:
    a sweep stopped half way has covered the whole parameter space at fewer seeds.

    Parameters
    ----------
    spec
        The checked sweep.
    pts
        Its points (:func:`sim.sweep.sampling.points`).

    Returns
    -------
    list of PlannedRun
    """
    runs = []
    for replicate in range(spec.seeds):
        for index, values in enumerate(pts):
            seed = run_seed(spec.seed, index, replicate)
            scale = float(values.get(SCALE, spec.scale))
            overrides = tuple((k, v) for k, v in values.items() if k != SCALE)
            for scenario in spec.scenarios:
                rid = run_id(scenario.name, values, replicate, seed, spec.days, scale)
                run = RunSpec(
                    layout=worker_path(scenario.path),
                    seed=seed,
                    days=spec.days,
                    scale=scale,
                    overrides=overrides,
                    key=(rid,),
                )
                files = tuple(worker_path(f) for f in scenario.files)
                runs.append(
                    PlannedRun(rid, scenario.name, index, replicate, seed, values, run,
                               files, scenario.sha256)
                )  # fmt: skip
    return runs


def check_points(spec: SweepSpec, pts: list[Point]) -> None:
    """Validate every point's layout in every scenario before anything runs.

    Values under ``model.`` and ``agents.`` were checked with the sweep file; values of
    layout paths (and any rule joining them) are checked here, by the layout validator,
    so a bad value stops the sweep at once instead of failing run after run.

    Parameters
    ----------
    spec
        The checked sweep.
    pts
        Its points.

    Raises
    ------
    ParameterError
        Naming the sweep file line of the parameter whose value the layout refused.
    """
    for scenario in spec.scenarios:
        data, lines = load_raw(scenario.path)
        seen: set[str] = set()
        for values in pts:
            overrides = {k: v for k, v in values.items() if k != SCALE}
            key = json.dumps(overrides, sort_keys=True)
            if not overrides or key in seen:
                continue
            seen.add(key)
            _check_point(spec, scenario, data, lines, overrides)


def _check_point(
    spec: SweepSpec, scenario: SweepScenario, data: Any, lines: LineIndex, overrides: dict[str, Any]
) -> None:
    """Validate one point's layout; on failure point at the sweep line to blame."""
    file = os.fspath(scenario.path)
    try:
        validate_layout(apply_path_overrides(copy.deepcopy(data), overrides, file), lines, file)
    except LayoutError as err:
        param = _blame(spec.parameters, overrides, err.path or "")
        value = overrides[param.path]
        where: KeyPath = ("parameters", param.path)
        if value in param.values:
            where = (*where, param.values.index(value))
        ck = Checker(spec.lines, spec.file, error=ParameterError)
        ck.fail(where, f"{describe(value)} is refused by scenario '{scenario.name}': {err.message}")


def _blame(parameters: tuple[Parameter, ...], overrides: dict[str, Any], path: str) -> Parameter:
    """The parameter whose value the layout error at ``path`` is about (best guess)."""
    varied = [p for p in parameters if p.path in overrides]
    for p in varied:
        if path == p.path or path.startswith(p.path + ".") or path.startswith(p.path + "["):
            return p
    layout = [p for p in varied if p.kind == "layout"]
    return (layout or varied)[0]
