"""A sweep's tables: every run, a summary per point, and the influence of each parameter.

* ``runs.csv`` (and ``runs.parquet`` when pyarrow is installed): one row per run, tidy:
  ids, seed, parameter values, status, headline figures, runtime, error.
* ``points.csv``: per scenario and point, the mean of each headline figure over its
  successful seeds with a 95 % Student t interval (none with fewer than two seeds).
* ``influence.csv``: standardised regression coefficients (SRC) of each headline figure
  on the numeric varied parameters, per scenario, with the R² of that linear fit. An
  SRC is the change in the figure, in standard deviations, per standard deviation of
  the parameter, with the other parameters held fixed; parameters sampled on a log
  scale enter as log10. SRCs rank parameters well when R² is high (say above 0.7).
"""

from __future__ import annotations

import csv
import importlib.util
import io
import json
import math
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from sim.batch import HEADLINE_FIGURES
from sim.compare.stats import mean_ci
from sim.runs.backends import RECORD_FIGURES
from sim.runs.store import OK, Record, write_atomic
from sim.sweep.plan import PlannedRun
from sim.sweep.spec import SCALE, Parameter, SweepSpec

SIG_DIGITS = 6
"""Significant digits of means and interval bounds in ``points.csv``."""

Row = dict[str, Any]


def param_columns(spec: SweepSpec) -> list[str]:
    """Parameter columns of the tables (``scale`` always, as its own column)."""
    return [SCALE, *(p.path for p in spec.parameters if p.path != SCALE)]


def tidy_rows(spec: SweepSpec, runs: list[PlannedRun], records: Mapping[str, Record]) -> list[Row]:
    """One row per planned run that has a record, in scenario, point, replicate order.

    Parameters
    ----------
    spec
        The sweep.
    runs
        Its planned runs.
    records
        Stored records by run id.

    Returns
    -------
    list of dict
        Columns: ``run_id, scenario, point, replicate, seed, days, scale``, the varied
        parameters, ``status``, :data:`~sim.runs.backends.RECORD_FIGURES`,
        ``runtime_s``, ``error``. Figures of failed runs are ``None``.
    """
    order = {s.name: i for i, s in enumerate(spec.scenarios)}
    rows = []
    for run in sorted(runs, key=lambda r: (order[r.scenario], r.point, r.replicate)):
        record = records.get(run.run_id)
        if record is None:
            continue
        figures = record.get("figures") or {}
        row: Row = {
            "run_id": run.run_id,
            "scenario": run.scenario,
            "point": run.point,
            "replicate": run.replicate,
            "seed": run.seed,
            "days": spec.days,
            SCALE: run.spec.scale,
        }
        row.update({k: v for k, v in run.values.items() if k != SCALE})
        row["status"] = record.get("status")
        row.update({k: figures.get(k) for k in RECORD_FIGURES})
        row["runtime_s"] = record.get("runtime_s")
        row["error"] = record.get("error", "")
        rows.append(row)
    return rows


def point_rows(spec: SweepSpec, rows: list[Row]) -> list[Row]:
    """Per scenario and point: parameter values, seed counts, and mean ± 95 % CI.

    Parameters
    ----------
    spec
        The sweep.
    rows
        :func:`tidy_rows`.

    Returns
    -------
    list of dict
        Columns ``scenario, point``, the parameters, ``runs`` (successful), ``failed``,
        and ``<figure>_mean``, ``<figure>_ci_low``, ``<figure>_ci_high`` per figure.
    """
    groups: dict[tuple[str, int], list[Row]] = {}
    for row in rows:
        groups.setdefault((row["scenario"], row["point"]), []).append(row)
    out = []
    for (scenario, point), members in groups.items():
        ok = [r for r in members if r["status"] == OK]
        summary: Row = {"scenario": scenario, "point": point}
        summary.update({c: members[0][c] for c in param_columns(spec)})
        summary.update(runs=len(ok), failed=len(members) - len(ok))
        for fig in RECORD_FIGURES:
            mean, low, high = mean_interval([r[fig] for r in ok])
            summary.update({f"{fig}_mean": mean, f"{fig}_ci_low": low, f"{fig}_ci_high": high})
        out.append(summary)
    return out


def mean_interval(values: list[float]) -> tuple[float | None, float | None, float | None]:
    """Mean and 95 % t interval of ``values``; no interval from fewer than two values."""
    if not values:
        return None, None, None
    if len(values) == 1:
        return _round(values[0]), None, None
    est = mean_ci(values)
    return _round(est.mean), _round(est.low), _round(est.high)


def regressor(param: Parameter, values: Iterable[Any]) -> np.ndarray:
    """A parameter's values as a regression input (log10 for log-sampled ranges)."""
    x = np.asarray([float(v) for v in values])
    return np.log10(x) if param.log else x


def src(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
    """Standardised regression coefficients of ``y`` on the columns of ``x``.

    Parameters
    ----------
    x
        ``(n, k)`` inputs, each column varying.
    y
        ``(n,)`` outputs.

    Returns
    -------
    coefficients, r2
        ``(k,)`` SRCs and the fit's R²; zeros and NaN when ``y`` does not vary.
    """
    xs = (x - x.mean(axis=0)) / x.std(axis=0, ddof=1)
    sd = y.std(ddof=1)
    if not sd > 0:
        return np.zeros(x.shape[1]), math.nan
    ys = (y - y.mean()) / sd
    coef, *_ = np.linalg.lstsq(xs, ys, rcond=None)
    resid = ys - xs @ coef
    return coef, float(1.0 - resid @ resid / (ys @ ys))


def influence_rows(spec: SweepSpec, rows: list[Row]) -> list[Row]:
    """SRC of every headline figure on every numeric varied parameter, per scenario.

    Parameters
    ----------
    spec
        The sweep.
    rows
        :func:`tidy_rows`.

    Returns
    -------
    list of dict
        Columns ``scenario, figure, parameter, src, r2, runs``; empty for a scenario
        with fewer successful runs than parameters + 2 (too few for a fit).
    """
    out = []
    for scenario in spec.scenarios:
        ok = [r for r in rows if r["scenario"] == scenario.name and r["status"] == OK]
        params = [
            p for p in spec.varied()
            if p.numeric and len({r[p.path] for r in ok}) > 1
        ]  # fmt: skip
        if not params or len(ok) < len(params) + 2:
            continue
        x = np.column_stack([regressor(p, (r[p.path] for r in ok)) for p in params])
        for fig in HEADLINE_FIGURES:
            coef, r2 = src(x, np.asarray([float(r[fig]) for r in ok]))
            out += [
                {"scenario": scenario.name, "figure": fig, "parameter": p.path,
                 "src": _round(float(c)), "r2": _round(r2), "runs": len(ok)}
                for p, c in zip(params, coef, strict=True)
            ]  # fmt: skip
    return out


def _round(x: float | None) -> float | None:
    """``x`` to :data:`SIG_DIGITS` significant digits; ``None`` for missing or NaN."""
    if x is None or not math.isfinite(x):
        return None
    return float(f"{x:.{SIG_DIGITS}g}")


def _cell(value: Any) -> str:
    """A CSV cell: empty for missing, JSON for lists and booleans, ``repr`` for floats."""
    if value is None:
        return ""
    if isinstance(value, (list, dict, bool)):
        return json.dumps(value)
    if isinstance(value, float):
        return repr(value)
    return str(value)


def write_csv(rows: list[Row], path: Path, columns: list[str] | None = None) -> Path:
    """Write ``rows`` as CSV (header from ``columns`` or the first row), atomically."""
    columns = columns or (list(rows[0]) if rows else [])
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row.get(c)) for c in columns])
    write_atomic(path, buf.getvalue())
    return path


def write_parquet(rows: list[Row], path: Path) -> Path | None:
    """Write ``rows`` as Parquet if pyarrow is installed; return the path or ``None``."""
    if importlib.util.find_spec("pyarrow") is None:
        return None
    import pyarrow as pa
    import pyarrow.parquet as pq

    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    pq.write_table(pa.Table.from_pylist(rows), tmp)
    os.replace(tmp, path)
    return path


def write_tables(
    spec: SweepSpec, runs: list[PlannedRun], records: Mapping[str, Record], out_dir: Path
) -> tuple[list[Path], list[Row], list[Row], list[Row]]:
    """Write ``runs.csv`` (+ ``.parquet``), ``points.csv`` and ``influence.csv``.

    Returns
    -------
    paths, runs, points, influence
        Files written and the three tables' rows (for the figures).
    """
    rows = tidy_rows(spec, runs, records)
    points = point_rows(spec, rows)
    influence = influence_rows(spec, rows)
    paths = [write_csv(rows, out_dir / "runs.csv", _run_columns(spec))]
    parquet = write_parquet(rows, out_dir / "runs.parquet")
    if parquet:
        paths.append(parquet)
    paths.append(write_csv(points, out_dir / "points.csv"))
    columns = ["scenario", "figure", "parameter", "src", "r2", "runs"]
    paths.append(write_csv(influence, out_dir / "influence.csv", columns))
    return paths, rows, points, influence


def _run_columns(spec: SweepSpec) -> list[str]:
    """Columns of ``runs.csv`` (fixed even when no run has finished)."""
    return ["run_id", "scenario", "point", "replicate", "seed", "days", *param_columns(spec),
            "status", *RECORD_FIGURES, "runtime_s", "error"]  # fmt: skip
