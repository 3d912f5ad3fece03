"""From a run's meetings to headline figures and tables.

Everything here is vectorised over the meeting arrays (``np.bincount``, sorting):
a district-scale run holds up to millions of meetings, so nothing loops over them.
Tables are lists of plain dict rows (JSON/CSV-ready Python ints, floats and strings) in
file order of the layout, as ``docs/layout-format.md`` promises.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

import sim
from sim.engine.results import PLACE_KINDS, RunResult
from sim.layout.schema import Layout
from sim.params import AGENT_TYPES
from sim.ties import TieTable, tie_counts, tie_table

Row = dict[str, Any]
"""One table row: column name to a plain Python value."""

SIG_DIGITS = 4
"""Significant digits kept in rates and shares (beyond the model's run-to-run noise)."""


@dataclass(frozen=True)
class PlaceCounts:
    """Meetings per place of one kind, indexed like the layout's mapping of that kind.

    Attributes
    ----------
    meetings
        int64 array, meetings at each place.
    cross
        int64 array, cross-institution meetings at each place.
    """

    meetings: np.ndarray
    cross: np.ndarray


def rnd(x: float, digits: int = SIG_DIGITS) -> float:
    """Round ``x`` to ``digits`` significant digits, as a plain Python float.

    Non-finite input gives 0.0, so JSON output stays valid.
    """
    x = float(x)
    if not np.isfinite(x):
        return 0.0
    return float(f"{x:.{digits}g}")


def _ratio(num: float, den: float) -> float:
    """``num / den`` rounded, or 0 when ``den`` is 0 (an empty run has no rates)."""
    return rnd(num / den) if den else 0.0


def _per_day(count: float, days: int) -> float | int:
    """A count per simulated day, never rounded away from the count itself.

    A whole result stays a whole number (``14321`` meetings in one day are
    ``14321`` per day, not ``14320.0``); otherwise four decimals.
    """
    if not days:
        return 0
    value = count / days
    return int(value) if float(value).is_integer() else round(value, 4)


def place_label(layout: Layout, kind: str, place_id: str) -> str:
    """The name of a place of ``kind`` (one of ``PLACE_KINDS``) for tables and maps.

    The layout's name if given; unnamed venues become ``"<building> <venue kind>"``,
    unnamed spaces their id; unnamed edges and nodes (which have no name) ``""``.
    """
    if kind == "edge":
        return layout.edges[place_id].name
    if kind == "venue":
        v = layout.venues[place_id]
        if v.name:
            return v.name
        building = layout.buildings.get(v.building)
        return f"{building.name if building else v.building} {v.kind.replace('_', ' ')}"
    if kind == "space":
        return layout.spaces[place_id].name or place_id
    return ""


def place_ids(layout: Layout, kind: str) -> list[str]:
    """Ids of the layout's places of ``kind``, in the order place indices refer to."""
    by_kind: dict[str, Mapping[str, object]] = {
        "edge": layout.edges, "node": layout.nodes, "venue": layout.venues,
        "space": layout.spaces,
    }  # fmt: skip
    return list(by_kind[kind])


def place_counts(result: RunResult) -> dict[str, PlaceCounts]:
    """Meetings and cross-institution meetings at every place, by place kind.

    Parameters
    ----------
    result
        The run.

    Returns
    -------
    dict[str, PlaceCounts]
        Keyed by place kind (``edge``, ``node``, ``venue``, ``space``); each array has
        one entry per place of that kind in layout order.
    """
    m = result.meetings
    kinds = np.asarray(m.place_kind)
    out: dict[str, PlaceCounts] = {}
    for code, kind in enumerate(PLACE_KINDS):
        n = len(place_ids(result.layout, kind))
        sel = kinds == code
        idx = np.asarray(m.place)[sel]
        meetings = np.bincount(idx, minlength=n).astype(np.int64)
        if meetings.size > n:
            raise ValueError(f"meeting at {kind} index {meetings.size - 1}, layout has {n}")
        cross = np.bincount(idx, weights=np.asarray(m.cross, dtype=float)[sel], minlength=n)
        out[kind] = PlaceCounts(meetings=meetings, cross=np.rint(cross).astype(np.int64))
    return out


def _pair_codes(left: np.ndarray, right: np.ndarray, n: int) -> np.ndarray:
    """Unordered pair code ``min * n + max`` of two category arrays."""
    lo = np.minimum(left, right).astype(np.int64)
    hi = np.maximum(left, right).astype(np.int64)
    return lo * n + hi


def _pair_counts(
    left: np.ndarray, right: np.ndarray, cross: np.ndarray, n: int
) -> tuple[np.ndarray, np.ndarray]:
    """Meetings and cross meetings per unordered pair, as two ``n × n`` upper matrices."""
    codes = _pair_codes(left, right, n)
    total = np.bincount(codes, minlength=n * n).reshape(n, n)
    weights = np.asarray(cross, dtype=float)
    crossed = np.bincount(codes, weights=weights, minlength=n * n).reshape(n, n)
    return total.astype(np.int64), np.rint(crossed).astype(np.int64)


def _meeting_categories(result: RunResult, column: str) -> tuple[np.ndarray, np.ndarray]:
    """The agent attribute ``column`` of both people of every meeting."""
    values = np.asarray(getattr(result.agents, column))
    return values[np.asarray(result.meetings.a)], values[np.asarray(result.meetings.b)]


def summarize(
    result: RunResult, scenario: str, runtime_s: float, ties: TieTable | None = None
) -> dict[str, Any]:
    """The headline figures of one run: the content of ``summary.json``.

    Parameters
    ----------
    result
        The run.
    scenario
        Scenario name written into the summary.
    runtime_s
        Wall-clock seconds of the whole run, as measured by the caller.
    ties
        Output of :func:`sim.ties.tie_table`, if already computed.

    Returns
    -------
    dict
        JSON-serialisable mapping with ``scenario``, ``seed``, ``days``, ``agents`` (per
        type and ``total``), ``meetings``, ``cross_institution_meetings``,
        ``meetings_per_person_day`` (``2 × meetings / (agents × days)``: every meeting
        involves two people), ``cross_institution_meetings_per_person_day``,
        ``cross_institution_share``, ``distinct_cross_institution_ties``,
        ``repeat_cross_institution_ties`` (pairs that met on >= 2 different days),
        ``distinct_ties`` and ``repeat_ties`` (the same over all pairs: ``distinct_ties``
        is the number of edges of ``ties.graphml``), ``people_with_cross_institution_tie``,
        ``encounters_per_person_day`` (also ``2 × encounters / (agents × days)``, since
        an encounter is between two people: the number of *other people a person was
        within greeting distance of* per day, summed over days — co-presence, not people
        greeted; meetings are the greetings), ``optional_stays_per_person_day``
        (optional stays at cafés, spaces and street segments per person and day),
        ``meetings_by_setting_share`` (per place kind), ``scale`` (the population
        multiplier of the layout), ``runtime_s``, ``setup_s``, ``sim_s`` and
        ``crosspaths_version``.
    """
    m = result.meetings
    n_meet = len(m)
    n_cross = int(np.count_nonzero(m.cross))
    type_counts = np.bincount(
        np.asarray(result.agents.type_code, dtype=np.int64), minlength=len(AGENT_TYPES)
    )
    n_agents = len(result.agents)
    person_days = n_agents * int(result.days)
    agents: dict[str, int] = {t: int(type_counts[i]) for i, t in enumerate(AGENT_TYPES)}
    agents["total"] = n_agents
    by_kind = np.bincount(np.asarray(m.place_kind, dtype=np.int64), minlength=len(PLACE_KINDS))
    tie_figures = tie_counts(ties if ties is not None else tie_table(result))
    return {
        "scenario": scenario,
        "seed": int(result.seed),
        "days": int(result.days),
        "agents": agents,
        "meetings": n_meet,
        "cross_institution_meetings": n_cross,
        "meetings_per_person_day": _ratio(2 * n_meet, person_days),
        "cross_institution_meetings_per_person_day": _ratio(2 * n_cross, person_days),
        "cross_institution_share": _ratio(n_cross, n_meet),
        "distinct_cross_institution_ties": tie_figures["distinct_cross_institution_ties"],
        "repeat_cross_institution_ties": tie_figures["repeat_cross_institution_ties"],
        "distinct_ties": tie_figures["distinct_ties"],
        "repeat_ties": tie_figures["repeat_ties"],
        "people_with_cross_institution_tie": tie_figures["people_with_cross_institution_tie"],
        "encounters_per_person_day": _ratio(
            2 * int(np.sum(result.encounters, dtype=np.int64)), person_days
        ),
        "optional_stays_per_person_day": _ratio(
            result.visits.total_optional() if result.visits is not None else 0, person_days
        ),
        "meetings_by_setting_share": {
            kind: _ratio(int(by_kind[i]), n_meet) for i, kind in enumerate(PLACE_KINDS)
        },
        "scale": float(result.layout.scale),
        "runtime_s": round(float(runtime_s), 3),
        "setup_s": round(float(result.setup_s), 3),
        "sim_s": round(float(result.sim_s), 3),
        "crosspaths_version": sim.__version__,
    }


def type_pair_table(result: RunResult) -> list[Row]:
    """Meetings by pair of agent types, every pair ``type_a <= type_b`` listed.

    Parameters
    ----------
    result
        The run.

    Returns
    -------
    list[Row]
        Rows with ``type_a``, ``type_b`` (in :data:`sim.params.AGENT_TYPES` order),
        ``meetings``, ``cross_institution_meetings``, ``meetings_per_day`` and
        ``cross_institution_meetings_per_day``.
    """
    n = len(AGENT_TYPES)
    left, right = _meeting_categories(result, "type_code")
    total, cross = _pair_counts(left, right, np.asarray(result.meetings.cross), n)
    days = int(result.days)
    return [
        {
            "type_a": AGENT_TYPES[i],
            "type_b": AGENT_TYPES[j],
            "meetings": int(total[i, j]),
            "cross_institution_meetings": int(cross[i, j]),
            "meetings_per_day": _per_day(total[i, j], days),
            "cross_institution_meetings_per_day": _per_day(cross[i, j], days),
        }
        for i in range(n)
        for j in range(i, n)
    ]


def pair_matrix(result: RunResult, column: str) -> np.ndarray:
    """Symmetric matrix of meeting counts by a category of both people.

    Parameters
    ----------
    result
        The run.
    column
        ``"institution"`` or ``"type_code"`` (an :class:`AgentTable` attribute).

    Returns
    -------
    np.ndarray
        int64 ``(n, n)`` array, categories in layout (or :data:`AGENT_TYPES`) order; cell
        ``(i, j)`` and ``(j, i)`` both hold the meetings between people of ``i`` and
        ``j``; the diagonal holds meetings within one category.
    """
    n = len(result.layout.institutions) if column == "institution" else len(AGENT_TYPES)
    left, right = _meeting_categories(result, column)
    upper, _ = _pair_counts(left, right, np.asarray(result.meetings.cross), n)
    return upper + np.triu(upper, 1).T


def institution_matrix(result: RunResult) -> np.ndarray:
    """Symmetric institution × institution matrix of meeting counts (see :func:`pair_matrix`)."""
    return pair_matrix(result, "institution")


def institution_pair_table(result: RunResult) -> list[Row]:
    """Meetings by unordered pair of institutions, every pair ``a <= b`` listed.

    Parameters
    ----------
    result
        The run.

    Returns
    -------
    list[Row]
        Rows with ``institution_a``, ``institution_b`` (ids), ``name_a``, ``name_b``,
        ``meetings`` and ``meetings_per_day``; the pair with ``a == b`` holds
        meetings within one institution.
    """
    insts = list(result.layout.institutions.values())
    matrix = institution_matrix(result)
    days = int(result.days)
    return [
        {
            "institution_a": insts[i].id,
            "institution_b": insts[j].id,
            "name_a": insts[i].name,
            "name_b": insts[j].name,
            "meetings": int(matrix[i, j]),
            "meetings_per_day": _per_day(matrix[i, j], days),
        }
        for i in range(len(insts))
        for j in range(i, len(insts))
    ]


def hour_table(result: RunResult) -> list[Row]:
    """Meetings by hour of day (0–23) in which they began.

    Parameters
    ----------
    result
        The run.

    Returns
    -------
    list[Row]
        24 rows with ``hour``, ``meetings``, ``cross_institution_meetings``,
        ``meetings_per_day`` and ``cross_institution_meetings_per_day``.
    """
    # Modulo keeps a meeting that starts after midnight in its clock hour.
    t = np.asarray(result.meetings.t, dtype=float)
    hours = (np.floor_divide(t, 3600.0) % 24).astype(np.int64)
    total = np.bincount(hours, minlength=24)
    weights = np.asarray(result.meetings.cross, dtype=float)
    cross = np.rint(np.bincount(hours, weights=weights, minlength=24)).astype(np.int64)
    days = int(result.days)
    return [
        {
            "hour": h,
            "meetings": int(total[h]),
            "cross_institution_meetings": int(cross[h]),
            "meetings_per_day": _per_day(total[h], days),
            "cross_institution_meetings_per_day": _per_day(cross[h], days),
        }
        for h in range(24)
    ]


def place_table(result: RunResult, counts: dict[str, PlaceCounts] | None = None) -> list[Row]:
    """Meetings by place: every edge, venue and space, and nodes with >= 1 meeting.

    Parameters
    ----------
    result
        The run.
    counts
        Output of :func:`place_counts`, if already computed.

    Returns
    -------
    list[Row]
        Rows with ``place_kind``, ``id``, ``name``, ``meetings``,
        ``cross_institution_meetings``, ``meetings_per_day``,
        ``cross_institution_meetings_per_day``, ``length_m`` and
        ``meetings_per_100m_day`` (the last two ``None`` except for edges). Nodes
        without meetings are left out: most junctions see none and would swamp the table.
    """
    counts = counts if counts is not None else place_counts(result)
    layout = result.layout
    days = int(result.days)
    rows: list[Row] = []
    for kind in PLACE_KINDS:
        c = counts[kind]
        for i, pid in enumerate(place_ids(layout, kind)):
            meetings = int(c.meetings[i])
            if kind == "node" and meetings == 0:
                continue
            length = float(layout.edges[pid].length) if kind == "edge" else None
            rows.append(
                {
                    "place_kind": kind,
                    "id": pid,
                    "name": place_label(layout, kind, pid),
                    "meetings": meetings,
                    "cross_institution_meetings": int(c.cross[i]),
                    "meetings_per_day": _per_day(meetings, days),
                    "cross_institution_meetings_per_day": _per_day(int(c.cross[i]), days),
                    "length_m": rnd(length) if length is not None else None,
                    "meetings_per_100m_day": (
                        _ratio(meetings * 100.0, days * length) if length is not None else None
                    ),
                }
            )
    return rows


def all_tables(
    result: RunResult, counts: dict[str, PlaceCounts] | None = None
) -> dict[str, list[Row]]:
    """Every table, keyed by the stem of the CSV file it is written to.

    Parameters
    ----------
    result
        The run.
    counts
        Output of :func:`place_counts`, if already computed.

    Returns
    -------
    dict[str, list[Row]]
        ``meetings_by_type_pair``, ``meetings_by_institution_pair``,
        ``meetings_by_hour`` and ``meetings_by_place``.
    """
    return {
        "meetings_by_type_pair": type_pair_table(result),
        "meetings_by_institution_pair": institution_pair_table(result),
        "meetings_by_hour": hour_table(result),
        "meetings_by_place": place_table(result, counts),
    }
