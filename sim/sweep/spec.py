"""The sweep file: read it, check it, and describe it as a :class:`SweepSpec`.

A sweep names scenario files, the parameters to vary (by dotted path) and how many
seeds and days each run gets; ``docs/sweeps.md`` has the format. Checking stops at the
first mistake and raises one :class:`~sim.errors.ParameterError` naming the sweep file,
line and key path, as layout files do. Parameters under ``model.`` and ``agents.`` are
checked against :mod:`sim.params` (name, type, bounds); any other path must exist in
every scenario's file; its values are checked later, by a dry validation of every point
(:func:`sim.sweep.plan.check_points`).
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, get_type_hints

from sim.errors import LayoutError, ParameterError
from sim.layout.checks import Checker, closest, describe, unknown_message
from sim.layout.load import resolve_layout
from sim.layout.overrides import param_value
from sim.layout.reader import KeyPath, LineIndex, dotted, read_yaml
from sim.layout.validate import validate_layout
from sim.limits import MAX_DAYS, MAX_RUNS, MAX_SEED, MAX_SEEDS
from sim.params import AGENT_TYPES, AgentTypeParams, ModelParams, param_fields
from sim.runs.backends import files_digest

SCALE = "scale"
"""The run-level population multiplier, sweepable like a parameter."""

SAMPLERS: tuple[str, ...] = ("lhs", "random")

_TOP_REQUIRED = ("scenarios", "parameters")
_TOP_OPTIONAL = ("name", "description", "seed", "seeds", "days", "scale", "sampler")
_PLAIN = (str, int, float, bool, type(None), list, dict)
"""Value types a layout-path value may have (they must round-trip through JSON)."""

ValueCheck = Callable[[Any, KeyPath], Any]
"""Checks one value written at a key path and returns the value to use."""


@dataclass(frozen=True)
class SweepScenario:
    """A scenario file named by the sweep.

    Attributes
    ----------
    name
        The layout's ``name``; labels the scenario in tables and figures.
    path
        The file, absolute.
    files
        Every file the scenario is made of: the files it extends, then itself.
    sha256
        :func:`files_digest` of ``files`` when the sweep was read; a run refuses a
        scenario whose files have changed since.
    """

    name: str
    path: Path
    sha256: str
    files: tuple[Path, ...] = ()


@dataclass(frozen=True)
class Parameter:
    """One varied parameter: a list of values (grid) or a range (sampled).

    Attributes
    ----------
    path
        Dotted path, e.g. ``model.greet_radius_m``, or ``scale``.
    kind
        ``"model"``, ``"agents"``, ``"layout"`` or ``"scale"``.
    values
        The listed values, checked; empty for a range.
    low, high
        Bounds of a range; ``None`` for a list.
    log
        Sample a range uniformly in log space.
    integer
        The parameter takes whole numbers (sampled values are rounded down).
    numeric
        The parameter takes numbers (so it can be a range and enter regressions).
    """

    path: str
    kind: str
    values: tuple[Any, ...] = ()
    low: float | None = None
    high: float | None = None
    log: bool = False
    integer: bool = False
    numeric: bool = True

    @property
    def is_range(self) -> bool:
        """Whether the parameter is sampled from a range rather than listed."""
        return self.low is not None

    def normalised(self) -> dict[str, Any]:
        """JSON-ready description (part of the sweep's digest)."""
        if self.is_range:
            return {"path": self.path, "min": self.low, "max": self.high, "log": self.log}
        return {"path": self.path, "values": list(self.values)}


@dataclass(frozen=True)
class Sampler:
    """How range parameters are sampled: ``lhs`` or ``random``, ``count`` points."""

    method: str
    count: int


@dataclass(frozen=True)
class SweepSpec:
    """A checked sweep file.

    Attributes
    ----------
    name
        Names the default output folder, ``results/sweeps/<name>/``.
    file
        The sweep file as given.
    scenarios
        The scenario files, in file order.
    parameters
        The varied parameters, in file order.
    sampler
        How ranges are sampled; ``None`` when every parameter is a list.
    seed
        Root seed: sampled points and every run's seed derive from it.
    seeds
        Replicates (seeds) per point.
    days
        Simulated weekdays per run.
    scale
        Population multiplier of every run, unless ``scale`` is a varied parameter.
    description
        Free text.
    lines
        Where each key of the sweep file was written, for later error messages.
    """

    name: str
    file: str
    scenarios: tuple[SweepScenario, ...]
    parameters: tuple[Parameter, ...]
    sampler: Sampler | None
    seed: int
    seeds: int
    days: int
    scale: float
    description: str = ""
    lines: LineIndex = field(default_factory=LineIndex, compare=False, repr=False)

    def normalised(self) -> dict[str, Any]:
        """Everything that decides which runs exist and what they compute, JSON-ready.

        The name, description and file location are left out, so renaming or moving a
        sweep file does not stop it resuming; scenario files count by content.
        """
        return {
            "scenarios": [{"name": s.name, "sha256": s.sha256} for s in self.scenarios],
            "parameters": [p.normalised() for p in self.parameters],
            "sampler": None
            if self.sampler is None
            else {"method": self.sampler.method, "count": self.sampler.count},
            "seed": self.seed,
            "seeds": self.seeds,
            "days": self.days,
            "scale": self.scale,
        }

    def digest(self) -> str:
        """SHA-256 of :meth:`normalised`; two sweeps with the same digest run the same runs."""
        text = json.dumps(self.normalised(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def varied(self) -> tuple[Parameter, ...]:
        """Parameters that take more than one value (the ones worth plotting)."""
        return tuple(p for p in self.parameters if p.is_range or len(p.values) > 1)


def read_sweep(path: str | os.PathLike[str]) -> SweepSpec:
    """Read and check a sweep file.

    Parameters
    ----------
    path
        The sweep YAML; scenario paths in it are relative to its folder.

    Returns
    -------
    SweepSpec
        The checked sweep.

    Raises
    ------
    ParameterError
        At the first mistake in the sweep file (unknown key or parameter path, empty
        list or range, wrong type, value out of bounds, missing scenario file).
    LayoutError
        If a scenario file itself is not a valid layout.
    """
    file = os.fspath(path)
    try:
        data, lines = read_yaml(file)
    except LayoutError as err:
        raise ParameterError(err.message, file=err.file, line=err.line, path=err.path) from None
    ck = Checker(lines, file, error=ParameterError)
    top = ck.mapping(data, (), "a mapping of sweep settings (scenarios, parameters, ...)")
    ck.keys(top, (), required=_TOP_REQUIRED, optional=_TOP_OPTIONAL)
    name = _name(top.get("name", Path(file).stem), ck)
    description = ck.text(top.get("description", ""), ("description",))
    scenarios, raws = _scenarios(top["scenarios"], Path(file).parent, ck)
    seed = ck.integer(top.get("seed", 0), ("seed",), lo=0, hi=MAX_SEED)
    seeds = ck.integer(top.get("seeds", 1), ("seeds",), lo=1, hi=MAX_SEEDS)
    days = ck.integer(top.get("days", 1), ("days",), lo=1, hi=MAX_DAYS)
    sampler = _sampler(top.get("sampler"), ck)
    section = ck.mapping(top["parameters"], ("parameters",), "a mapping of parameter path → values")
    if not section:
        ck.fail(("parameters",), "expected at least one parameter to vary")
    parameters = tuple(_parameter(key, raw, scenarios, raws, ck) for key, raw in section.items())
    _check_sampler_use(parameters, sampler, ck)
    _check_run_count(parameters, sampler, len(scenarios), seeds, ck)
    if SCALE in top and any(p.kind == SCALE for p in parameters):
        ck.fail(("scale",), "scale is also varied under parameters; give it in one place")
    scale = ck.number(top.get("scale", 1.0), ("scale",), lo=0, lo_open=True)
    return SweepSpec(
        name=name,
        file=file,
        scenarios=scenarios,
        parameters=parameters,
        sampler=sampler,
        seed=seed,
        seeds=seeds,
        days=days,
        scale=scale,
        description=description,
        lines=lines,
    )


def run_count(
    parameters: tuple[Parameter, ...], sampler: Sampler | None, scenarios: int, seeds: int
) -> int:
    """Runs a sweep will make (points × scenarios × seeds), without building its points."""
    points = math.prod(len(p.values) for p in parameters if not p.is_range)
    if sampler is not None and any(p.is_range for p in parameters):
        points *= sampler.count
    return points * scenarios * seeds


def _check_run_count(
    parameters: tuple[Parameter, ...],
    sampler: Sampler | None,
    scenarios: int,
    seeds: int,
    ck: Checker,
) -> None:
    """Refuse a sweep larger than :data:`~sim.limits.MAX_RUNS` before it is planned."""
    total = run_count(parameters, sampler, scenarios, seeds)
    if total > MAX_RUNS:
        ck.fail(
            ("parameters",),
            f"expected at most {MAX_RUNS:,} runs (points × scenarios × seeds), "
            f"this sweep has {total:,}",
        )


def _name(raw: Any, ck: Checker) -> str:
    """The sweep name; it becomes a folder under ``results/sweeps/``."""
    name = ck.text(raw, ("name",), empty_ok=False)
    if "/" in name or "\\" in name or name.startswith("."):
        ck.fail(("name",), f"expected a name usable as a folder name, got {describe(name)}")
    return name


def _scenarios(
    raw: Any, base: Path, ck: Checker
) -> tuple[tuple[SweepScenario, ...], dict[str, Any]]:
    """The scenario files (one path or a list), each a valid layout, with their raw data."""
    items = raw if isinstance(raw, list) else [raw]
    paths: list[KeyPath] = [("scenarios", i) for i in range(len(items))]
    if not isinstance(raw, list):
        paths = [("scenarios",)]
    if not items:
        ck.fail(("scenarios",), "expected at least one scenario file, got an empty list")
    scenarios: list[SweepScenario] = []
    raws: dict[str, Any] = {}
    for item, key_path in zip(items, paths, strict=True):
        text = ck.text(item, key_path, empty_ok=False)
        file = (base / text).resolve()
        if not file.is_file():
            ck.fail(key_path, f"scenario file not found: {file}")
        resolved = resolve_layout(file)
        name = validate_layout(copy.deepcopy(resolved.data), resolved.lines, str(file)).name
        if name in raws:
            ck.fail(key_path, f"two scenarios are named '{name}'; each needs its own name")
        raws[name] = resolved.data
        files = tuple(Path(f).resolve() for f in resolved.files)
        scenarios.append(SweepScenario(name, file, files_digest(files), files))
    return tuple(scenarios), raws


def _sampler(raw: Any, ck: Checker) -> Sampler | None:
    """``sampler: {method: lhs|random, count: N}``, or ``None`` when absent."""
    if raw is None:
        return None
    section = ck.mapping(raw, ("sampler",), "a mapping {method: lhs or random, count: N}")
    ck.keys(section, ("sampler",), required=("method", "count"))
    method = ck.choice(section["method"], ("sampler", "method"), SAMPLERS, "sampler")
    count = ck.integer(section["count"], ("sampler", "count"), lo=1, hi=MAX_RUNS)
    return Sampler(method=method, count=count)


def _check_sampler_use(
    parameters: tuple[Parameter, ...], sampler: Sampler | None, ck: Checker
) -> None:
    """A range needs a sampler, and a sampler needs a range."""
    ranges = [p for p in parameters if p.is_range]
    if ranges and sampler is None:
        ck.fail(
            ("parameters", ranges[0].path),
            "a range needs a sampler: add 'sampler: {method: lhs, count: N}' to the sweep",
        )
    if sampler is not None and not ranges:
        ck.fail(("sampler",), "no parameter is a range {min, max}, so there is nothing to sample")


def _parameter(
    key: Any,
    raw: Any,
    scenarios: tuple[SweepScenario, ...],
    raws: dict[str, Any],
    ck: Checker,
) -> Parameter:
    """One entry of ``parameters:``: a dotted path and a list or a range."""
    path: KeyPath = ("parameters", key)
    if not isinstance(key, str) or not all(key.split(".")):
        ck.fail(path, f"expected a dotted parameter path such as model.greet_radius_m, got {key!r}")
    kind, check, numeric, integer = _target(key, scenarios, raws, ck)
    if isinstance(raw, list):
        if not raw:
            ck.fail(path, "expected at least one value, got an empty list")
        values: list[Any] = []
        for i, item in enumerate(raw):
            value = check(item, (*path, i))
            if value in values:
                ck.fail((*path, i), f"value {describe(item)} is listed twice")
            values.append(value)
        return Parameter(key, kind, tuple(values), numeric=numeric, integer=integer)
    if isinstance(raw, dict):
        return _range(key, kind, raw, check, numeric, integer, ck)
    ck.fail(
        path,
        f"expected a list of values (a grid) or a range {{min, max}} (sampled), "
        f"got {describe(raw)}",
    )


def _range(
    key: str,
    kind: str,
    raw: dict[str, Any],
    check: ValueCheck,
    numeric: bool,
    integer: bool,
    ck: Checker,
) -> Parameter:
    """A range ``{min, max, log}`` of a numeric parameter."""
    path: KeyPath = ("parameters", key)
    ck.keys(raw, path, required=("min", "max"), optional=("log",))
    if not numeric:
        ck.fail(path, "a range needs a numeric parameter; list the values instead")
    low = check(raw["min"], (*path, "min"))
    high = check(raw["max"], (*path, "max"))
    if not low < high:
        ck.fail(path, f"empty range: min ({describe(low)}) must be below max ({describe(high)})")
    log = raw.get("log", False)
    if not isinstance(log, bool):
        ck.fail((*path, "log"), f"expected true or false, got {describe(log)}")
    if log and low <= 0:
        ck.fail((*path, "min"), f"a log range needs min > 0, got {describe(low)}")
    return Parameter(key, kind, low=low, high=high, log=log, integer=integer)


def _target(
    key: str, scenarios: tuple[SweepScenario, ...], raws: dict[str, Any], ck: Checker
) -> tuple[str, ValueCheck, bool, bool]:
    """What a path names: its kind, a value check, and whether it is numeric / integer."""
    path: KeyPath = ("parameters", key)
    parts = key.split(".")
    if key == SCALE:
        return SCALE, lambda v, p: ck.number(v, p, lo=0, lo_open=True), True, False
    if parts[0] == "model":
        if len(parts) != 2:
            ck.fail(path, "expected model.<parameter>, e.g. model.greet_radius_m")
        return ("model", *_param_check(ModelParams, parts[1], path, ck))
    if parts[0] == "agents":
        if len(parts) != 3:
            ck.fail(path, "expected agents.<type>.<parameter>, e.g. agents.student.coffee_rate")
        ck.choice(parts[1], path, AGENT_TYPES, "agent type")
        return ("agents", *_param_check(AgentTypeParams, parts[2], path, ck))
    current = [_layout_value(raws[s.name], parts, s, path, ck) for s in scenarios]
    numeric = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in current)
    integer = numeric and all(isinstance(v, int) for v in current)

    def check(value: Any, at: KeyPath) -> Any:
        if not isinstance(value, _PLAIN):
            ck.fail(at, f"expected a plain value, got {describe(value)}")
        if numeric and isinstance(value, (int, float)) and not isinstance(value, bool):
            return int(value) if integer and float(value).is_integer() else value
        return value

    return "layout", check, numeric, integer


def _param_check(cls: type, name: str, path: KeyPath, ck: Checker) -> tuple[ValueCheck, bool, bool]:
    """Value check of a :mod:`sim.params` field, and whether it is numeric / integer."""
    fields = param_fields(cls)
    if name not in fields:
        ck.fail(path, unknown_message("parameter", name, list(fields)))
    hint = get_type_hints(cls)[name]

    def check(value: Any, at: KeyPath) -> Any:
        return param_value(cls, name, value, ck, at)

    return check, hint in (int, float), hint is int


def _layout_value(
    data: Any, parts: list[str], scenario: SweepScenario, path: KeyPath, ck: Checker
) -> Any:
    """The value at ``parts`` in a scenario's raw data; fail naming what is missing."""
    node = data
    for depth, part in enumerate(parts):
        if not isinstance(node, dict) or part not in node:
            where = ".".join(parts[: depth + 1])
            message = f"scenario '{scenario.name}' ({scenario.path.name}) has no '{where}'"
            guess = closest(part, list(node)) if isinstance(node, dict) else None
            if guess is not None:
                message += f"; did you mean '{dotted([*parts[:depth], guess])}'?"
            elif depth == 0:
                message += " (parameters are model.<name>, agents.<type>.<name>, scale"
                message += " or a path into the layout file)"
            ck.fail(path, message)
        node = node[part]
    return node
