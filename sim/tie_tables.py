"""The tie tables of one run: formation day by day, bridging between institutions, places.

Rows are plain dicts (like :mod:`sim.metrics`), counts as ints, shares rounded to
:data:`sim.metrics.SIG_DIGITS` significant digits. Days are numbered from 1 (the first
simulated weekday), as the progress bar counts them.
"""

from __future__ import annotations

import numpy as np

from sim.engine.results import PLACE_KINDS, RunResult
from sim.metrics import PlaceCounts, Row, place_counts, place_ids, place_label, rnd
from sim.ties import (
    ANY_OTHER,
    TieTable,
    first_cross_tie_day,
    first_places,
    formation,
    institution_reach,
)

FORMATION_COLUMNS: tuple[str, ...] = (
    "new_cross_institution_ties",
    "cross_institution_ties",
    "cross_institution_ties_met_2x",
    "cross_institution_ties_met_3x",
)
"""Counts per day of cross-institution ties, in both formation tables."""


def formation_rows(result: RunResult, ties: TieTable) -> list[Row]:
    """District-wide tie formation, one row per simulated day.

    Parameters
    ----------
    result
        The run.
    ties
        Its ties (:func:`sim.ties.tie_table`).

    Returns
    -------
    list[Row]
        Rows with ``day`` (1 = first day), ``new_cross_institution_ties`` (pairs from
        different institutions who met for the first time that day),
        ``cross_institution_ties`` (cumulative: pairs who have met by the end of the day),
        ``cross_institution_ties_met_2x`` and ``_met_3x`` (of those, pairs who have met
        on at least 2 / 3 different days by then), ``people_with_cross_institution_tie``
        (cumulative), ``new_ties`` and ``ties`` (the same over all pairs, within
        institutions too).
    """
    days = int(result.days)
    cross = formation(ties, days, ties.cross)
    every = formation(ties, days)
    first = first_cross_tie_day(ties, len(result.agents))
    people = np.cumsum(np.bincount(first[first >= 0], minlength=days)[:days])
    return [
        {
            "day": d + 1,
            "new_cross_institution_ties": int(cross.new[d]),
            "cross_institution_ties": int(cross.cumulative[d]),
            "cross_institution_ties_met_2x": int(cross.met_2x[d]),
            "cross_institution_ties_met_3x": int(cross.met_3x[d]),
            "people_with_cross_institution_tie": int(people[d]),
            "new_ties": int(every.new[d]),
            "ties": int(every.cumulative[d]),
        }
        for d in range(days)
    ]


def _institution_pair_code(result: RunResult, ties: TieTable) -> np.ndarray:
    """Unordered institution pair ``lo * n + hi`` of every tie."""
    inst = np.asarray(result.agents.institution, dtype=np.int64)
    ia, ib = inst[ties.a], inst[ties.b]
    return np.minimum(ia, ib) * len(result.layout.institutions) + np.maximum(ia, ib)


def formation_pair_rows(result: RunResult, ties: TieTable) -> list[Row]:
    """Cross-institution tie formation per unordered pair of institutions and day.

    Returns
    -------
    list[Row]
        For every day and every pair ``a < b`` of institutions (layout order):
        ``day``, ``institution_a``, ``institution_b``, ``name_a``, ``name_b`` and the
        :data:`FORMATION_COLUMNS`. Summed over the pairs of one day they give the
        district row of :func:`formation_rows`.
    """
    days = int(result.days)
    insts = list(result.layout.institutions.values())
    n = len(insts)
    code = _institution_pair_code(result, ties)
    per_pair = {}
    for i in range(n):
        for j in range(i + 1, n):
            per_pair[i, j] = formation(ties, days, ties.cross & (code == i * n + j))
    rows: list[Row] = []
    for d in range(days):
        for (i, j), f in per_pair.items():
            rows.append(
                {
                    "day": d + 1,
                    "institution_a": insts[i].id,
                    "institution_b": insts[j].id,
                    "name_a": insts[i].name,
                    "name_b": insts[j].name,
                    "new_cross_institution_ties": int(f.new[d]),
                    "cross_institution_ties": int(f.cumulative[d]),
                    "cross_institution_ties_met_2x": int(f.met_2x[d]),
                    "cross_institution_ties_met_3x": int(f.met_3x[d]),
                }
            )
    return rows


def bridging_rows(result: RunResult, ties: TieTable) -> list[Row]:
    """Share of each institution's people with a tie into each other institution.

    Returns
    -------
    list[Row]
        For every ordered pair of different institutions, then one row per institution
        with ``other_institution`` = :data:`sim.ties.ANY_OTHER`: ``institution``,
        ``other_institution``, ``name``, ``other_name``, ``people`` (everyone of the
        institution in the run, whether they met anyone or not), ``people_with_tie``,
        ``share_with_tie``, ``people_with_lasting_tie`` and ``share_with_lasting_tie``
        (ties met on >= 2 days).
    """
    insts = list(result.layout.institutions.values())
    n = len(insts)
    inst = np.asarray(result.agents.institution)
    people = np.bincount(inst.astype(np.int64), minlength=n)[:n]
    reach = institution_reach(ties, inst, n)
    lasting = institution_reach(ties, inst, n, ties.lasting)

    def row(i: int, j: int) -> Row:
        other = insts[j] if j < n else None
        return {
            "institution": insts[i].id,
            "other_institution": other.id if other else ANY_OTHER,
            "name": insts[i].name,
            "other_name": other.name if other else ANY_OTHER,
            "people": int(people[i]),
            "people_with_tie": int(reach[i, j]),
            "share_with_tie": rnd(reach[i, j] / people[i]) if people[i] else 0.0,
            "people_with_lasting_tie": int(lasting[i, j]),
            "share_with_lasting_tie": rnd(lasting[i, j] / people[i]) if people[i] else 0.0,
        }

    pairs = [row(i, j) for i in range(n) for j in range(n) if i != j]
    return pairs + [row(i, n) for i in range(n)]


def bridging_matrix(result: RunResult, ties: TieTable, lasting: bool = False) -> np.ndarray:
    """``(n, n)`` share of the people of row ``i`` with a tie into column ``j``.

    The diagonal is NaN (a tie within one institution bridges nothing).
    """
    n = len(result.layout.institutions)
    inst = np.asarray(result.agents.institution)
    people = np.bincount(inst.astype(np.int64), minlength=n)[:n].astype(float)
    reach = institution_reach(ties, inst, n, ties.lasting if lasting else None)[:, :n]
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(people[:, None] > 0, reach / people[:, None], 0.0)
    np.fill_diagonal(share, np.nan)
    return share


def tie_place_rows(
    result: RunResult, ties: TieTable, counts: dict[str, PlaceCounts] | None = None
) -> list[Row]:
    """Where cross-institution ties were made: places by first meetings of ties.

    Returns
    -------
    list[Row]
        One row per edge, venue and space, and per node where a cross-institution
        meeting or tie happened (layout order): ``place_kind``, ``id``, ``name``,
        ``cross_institution_meetings``, ``cross_institution_ties_first_met`` (ties
        whose first meeting was here), ``lasting_cross_institution_ties_first_met``
        (of those, met on >= 2 days), ``share_of_lasting_ties`` (of the district's
        lasting cross-institution ties) and ``lasting_ties_per_100_cross_meetings``
        (how well a place turns meetings into lasting ties; empty without meetings).
    """
    layout = result.layout
    sizes = {kind: len(place_ids(layout, kind)) for kind in PLACE_KINDS}
    made = first_places(ties, sizes, ties.cross)
    kept = first_places(ties, sizes, ties.cross & ties.lasting)
    meetings = counts if counts is not None else place_counts(result)
    total_kept = sum(int(v.sum()) for v in kept.values())
    rows: list[Row] = []
    for kind in PLACE_KINDS:
        for i, pid in enumerate(place_ids(layout, kind)):
            cross_meetings = int(meetings[kind].cross[i])
            if kind == "node" and cross_meetings == 0 and made[kind][i] == 0:
                continue
            n_kept = int(kept[kind][i])
            rows.append(
                {
                    "place_kind": kind,
                    "id": pid,
                    "name": place_label(layout, kind, pid),
                    "cross_institution_meetings": cross_meetings,
                    "cross_institution_ties_first_met": int(made[kind][i]),
                    "lasting_cross_institution_ties_first_met": n_kept,
                    "share_of_lasting_ties": rnd(n_kept / total_kept) if total_kept else 0.0,
                    "lasting_ties_per_100_cross_meetings": (
                        rnd(100.0 * n_kept / cross_meetings) if cross_meetings else None
                    ),
                }
            )
    return rows


def all_tie_tables(
    result: RunResult, ties: TieTable, counts: dict[str, PlaceCounts] | None = None
) -> dict[str, list[Row]]:
    """Every tie table, keyed by the stem of its CSV file (``counts``: see
    :func:`sim.metrics.place_counts`, if already computed)."""
    return {
        "tie_formation": formation_rows(result, ties),
        "tie_formation_by_institution_pair": formation_pair_rows(result, ties),
        "bridging": bridging_rows(result, ties),
        "tie_places": tie_place_rows(result, ties, counts),
    }
