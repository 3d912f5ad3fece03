"""Write the run's tables as CSV files (UTF-8, one header row, layout order)."""

from __future__ import annotations

import csv
from pathlib import Path

from sim.engine.results import RunResult
from sim.metrics import Row, all_tables


def write_csv(rows: list[Row], path: Path, columns: list[str] | None = None) -> Path:
    """Write dict rows to ``path`` as CSV.

    Parameters
    ----------
    rows
        Rows sharing the same keys; ``None`` values are written as empty cells.
    path
        File to write.
    columns
        Column order; default: the keys of the first row. An empty table needs it to
        get a header.

    Returns
    -------
    Path
        ``path``.
    """
    columns = columns if columns is not None else (list(rows[0]) if rows else [])
    # newline="" hands line ends to the csv module, so Windows gets no blank rows.
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return path


def write_tables(
    result: RunResult, out_dir: Path, tables: dict[str, list[Row]] | None = None
) -> list[Path]:
    """Write ``meetings_by_type_pair.csv``, ``meetings_by_institution_pair.csv``,
    ``meetings_by_hour.csv`` and ``meetings_by_place.csv`` into ``out_dir``.

    Parameters
    ----------
    result
        The run.
    out_dir
        Existing folder to write into.
    tables
        Output of :func:`sim.metrics.all_tables`, if already computed.

    Returns
    -------
    list[Path]
        The files written.
    """
    tables = tables if tables is not None else all_tables(result)
    return [write_csv(rows, out_dir / f"{stem}.csv") for stem, rows in tables.items()]
