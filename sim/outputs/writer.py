"""Results folders written all-or-nothing, and the folder of one run.

Everything goes into a hidden sibling folder first; only when it is complete is it
renamed into place. Renames within one filesystem are atomic, so a reader (or a report
build) never sees a half-written folder, and a failed run leaves the previous results
untouched.
"""

from __future__ import annotations

import json
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sim.engine.results import RunResult
from sim.errors import CrosspathsInputError
from sim.metrics import PlaceCounts, Row, all_tables, place_counts, summarize
from sim.outputs import geojson, plots, tables


def write_figures(
    result: RunResult,
    out_dir: Path,
    scenario: str | None = None,
    tables: dict[str, list[Row]] | None = None,
    counts: dict[str, PlaceCounts] | None = None,
) -> list[Path]:
    """Write all four report figures (PNG and SVG) into ``out_dir``.

    Parameters
    ----------
    result
        The run.
    out_dir
        Existing folder to write into.
    scenario
        Name for the footers; default: the layout's name.
    tables
        Output of :func:`sim.metrics.all_tables`, if already computed.
    counts
        Output of :func:`sim.metrics.place_counts`, if already computed.

    Returns
    -------
    list[Path]
        The files written.
    """
    tables = tables or {}
    # Looked up on the module at call time, so a test can swap one figure for a failure.
    return [
        *plots.plot_meeting_density(result, out_dir, scenario, counts),
        *plots.plot_type_pairs(result, out_dir, scenario, tables.get("meetings_by_type_pair")),
        *plots.plot_institution_matrix(result, out_dir, scenario),
        *plots.plot_meetings_by_hour(result, out_dir, scenario, tables.get("meetings_by_hour")),
    ]


def _write_all(result: RunResult, folder: Path, scenario: str, runtime_s: float) -> dict:
    """Write every output into the existing, empty ``folder``; return the summary."""
    summary = summarize(result, scenario, runtime_s)
    counts = place_counts(result)
    table_rows = all_tables(result, counts)
    with (folder / "summary.json").open("w", encoding="utf-8") as f:
        json.dump(summary, f, indent=2, ensure_ascii=False, allow_nan=False)
        f.write("\n")
    tables.write_tables(result, folder, table_rows)
    geojson.write_geojson(result, folder, counts)
    write_figures(result, folder, scenario, table_rows, counts)
    return summary


def check_output_folder(out_dir: Path, marker: str = "summary.json") -> None:
    """Refuse an output path whose contents a run would destroy.

    An existing folder is replaced only if it is empty or holds ``marker`` (it is an
    earlier results folder); a file or any other folder is left alone.

    Raises
    ------
    CrosspathsInputError
        If ``out_dir`` is a file, or a non-empty folder that is not a results folder.
    """
    if not out_dir.exists():
        return
    if not out_dir.is_dir():
        raise CrosspathsInputError(
            "expected a folder for the results, but this is a file", path=f"--out {out_dir}"
        )
    if any(out_dir.iterdir()) and not (out_dir / marker).exists():
        raise CrosspathsInputError(
            f"expected an empty or earlier results folder (with {marker}); this folder has "
            "other files, which the results would replace",
            path=f"--out {out_dir}",
        )


def _sibling_path(out_dir: Path, tag: str) -> Path:
    """An unused hidden path next to ``out_dir`` (same filesystem, so renames are atomic)."""
    return out_dir.parent / f".{out_dir.name}.{tag}-{uuid.uuid4().hex[:12]}"


def _swap_in(new: Path, out_dir: Path) -> None:
    """Put the complete folder ``new`` at ``out_dir``, replacing what was there."""
    if not out_dir.exists():
        new.rename(out_dir)
        return
    # A directory cannot be renamed over a non-empty one, so move the old one aside
    # first and restore it if the second rename fails.
    old = _sibling_path(out_dir, "old")
    out_dir.rename(old)
    try:
        new.rename(out_dir)
    except BaseException:
        old.rename(out_dir)
        raise
    shutil.rmtree(old, ignore_errors=True)


@contextmanager
def atomic_folder(out_dir: Path) -> Iterator[Path]:
    """Write a results folder all-or-nothing: fill the yielded folder, get ``out_dir``.

    The yielded folder is a hidden sibling of ``out_dir``; when the ``with`` block ends
    normally it replaces ``out_dir`` (created with its parents if missing). If the block
    raises, the sibling is removed and an existing ``out_dir`` stays as it was.
    """
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    # A sibling, not the system temp dir, so the final rename stays on one filesystem;
    # plain mkdir (not mkdtemp's 0700) so the results get the user's usual permissions.
    tmp = _sibling_path(out_dir, "tmp")
    tmp.mkdir()
    try:
        yield tmp
        _swap_in(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def write_results(
    result: RunResult, out_dir: Path, scenario: str, runtime_s: float
) -> dict[str, Any]:
    """Write a run's summary, tables, GeoJSON and figures to ``out_dir``, atomically.

    Files written: ``summary.json``, ``meetings_by_type_pair.csv``,
    ``meetings_by_institution_pair.csv``, ``meetings_by_hour.csv``,
    ``meetings_by_place.csv``, ``meetings_by_segment.geojson``,
    ``meetings_by_place.geojson`` and ``map_meeting_density``, ``meetings_by_type_pair``,
    ``institution_matrix``, ``meetings_by_hour`` as ``.png`` and ``.svg``.

    Parameters
    ----------
    result
        The run.
    out_dir
        The results folder; created with its parents if missing, replaced if present.
    scenario
        Scenario name, written into the summary and the figure footers.
    runtime_s
        Wall-clock seconds of the whole run.

    Returns
    -------
    dict
        The summary (the content of ``summary.json``).

    Raises
    ------
    Exception
        Whatever failed while writing; then no temporary folder is left behind and an
        existing ``out_dir`` is unchanged.
    """
    with atomic_folder(out_dir) as tmp:
        return _write_all(result, tmp, scenario, runtime_s)
