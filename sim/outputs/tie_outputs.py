"""Every tie output of one run: the network, the tie tables and the tie figures."""

from __future__ import annotations

from pathlib import Path

from sim.engine.results import RunResult
from sim.i18n import EN, Lang
from sim.metrics import PlaceCounts
from sim.outputs import network as net
from sim.outputs import tables, tie_plots
from sim.tie_tables import all_tie_tables
from sim.ties import NETWORK_CHOICES, TieTable, tie_table


def write_tie_outputs(
    result: RunResult,
    out_dir: Path,
    scenario: str | None = None,
    ties: TieTable | None = None,
    counts: dict[str, PlaceCounts] | None = None,
    network: str = "all",
    lang: Lang = EN,
    figures: bool = True,
) -> list[Path]:
    """Write ``ties.graphml``, ``ties.csv``, the tie tables and the tie figures.

    Tables: ``tie_formation.csv``, ``tie_formation_by_institution_pair.csv``,
    ``bridging.csv`` and ``tie_places.csv``; figures (PNG and SVG):
    ``tie_formation``, ``bridging`` and ``tie_places``.

    Parameters
    ----------
    result
        The run.
    out_dir
        Existing folder to write into.
    scenario
        Name for the figure footers; default: the layout's name.
    ties
        Output of :func:`sim.ties.tie_table`, if already computed.
    counts
        Output of :func:`sim.metrics.place_counts`, if already computed.
    network
        Which ties the network files hold (:data:`sim.ties.NETWORK_CHOICES`): ``all``
        (every pair that met), ``cross`` (cross-institution pairs only: a term-long run
        has millions of within-institution pairs) or ``none`` (no network files). The
        tables and figures always cover every tie.
    lang
        Language of the figures (the tables' columns stay English: programs read them).
    figures
        ``False``: the network and the tables only.

    Returns
    -------
    list[Path]
        The files written.
    """
    if network not in NETWORK_CHOICES:
        raise ValueError(f"network must be one of {NETWORK_CHOICES}, got {network!r}")
    ties = ties if ties is not None else tie_table(result)
    rows = all_tie_tables(result, ties, counts)
    paths = []
    if network != "none":
        edges = ties.take(ties.cross) if network == "cross" else ties
        paths += [
            net.write_graphml(result, edges, out_dir / "ties.graphml"),
            net.write_ties_csv(result, edges, out_dir / "ties.csv"),
        ]
    paths += [tables.write_csv(r, out_dir / f"{stem}.csv") for stem, r in rows.items()]
    if not figures:
        return paths
    return [
        *paths,
        *tie_plots.plot_tie_formation(
            result, out_dir, scenario, rows["tie_formation"],
            rows["tie_formation_by_institution_pair"], lang,
        ),
        *tie_plots.plot_bridging(result, out_dir, scenario, ties, lang),
        *tie_plots.plot_tie_places(result, out_dir, scenario, rows["tie_places"], lang),
    ]
