"""From a run's meetings to its tie network: who met whom, when, how often, and where first.

A *tie* is a pair of people who met at least once during the run. Ties are the edges of
the meeting network (``ties.graphml``); this module reduces the meeting table to one row
per tie and derives the tie measures from it: how ties accumulate day by day
(formation), which share of each institution's people has a tie into each other
institution (bridging), and at which places the first meetings of *lasting*
cross-institution ties happened.

Counting rules (written down in ``docs/ties.md``):

* ``meetings`` counts meetings; "met k×" counts the distinct *days* on which the pair
  met, so that a tie met twice in one afternoon (if the engine ever allows it) is not
  "lasting". Today the engine holds a pair to one meeting a day, so the two agree.
* A tie is *lasting* when its pair met on at least :data:`LASTING_DAYS` different days:
  the same rule as ``repeat_cross_institution_ties`` in ``summary.json``.
* The place of a tie is where its first meeting happened (earliest day, then time).

Everything is vectorised over sorted pair keys, so a term of 60 weekdays (a few million
meetings) reduces in about a second and holds a few arrays of one entry per tie.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from sim.engine.results import PLACE_KINDS, RunResult

LASTING_DAYS = 2
"""A tie is lasting when its pair met on at least this many different days."""

NONE_DAY = -1
"""Day code in :class:`TieTable` for a repeat that never happened."""

NETWORK_CHOICES: tuple[str, ...] = ("all", "cross", "none")
"""Which ties ``ties.graphml`` and ``ties.csv`` hold: every pair, cross-institution, none."""

ANY_OTHER = "(any other)"
"""``other_institution`` of the bridging rows that count a tie into any other institution."""


@dataclass(frozen=True)
class TieTable:
    """One row per pair of people who met, sorted by ``(a, b)``.

    Attributes
    ----------
    a, b
        int32 agent ids (indices into ``RunResult.agents``), ``a < b``.
    meetings
        int32, number of meetings of the pair over the run.
    days_met
        int32, number of different days on which the pair met.
    first_day, second_day, third_day, last_day
        int16, 0-based day of the first, second-distinct, third-distinct and last day
        the pair met; :data:`NONE_DAY` where the pair did not meet on that many days.
    first_kind, first_place
        int8 / int32 place code of the first meeting (see :mod:`sim.engine.results`).
    cross
        bool, the two belong to different institutions.
    """

    a: np.ndarray
    b: np.ndarray
    meetings: np.ndarray
    days_met: np.ndarray
    first_day: np.ndarray
    second_day: np.ndarray
    third_day: np.ndarray
    last_day: np.ndarray
    first_kind: np.ndarray
    first_place: np.ndarray
    cross: np.ndarray

    def __len__(self) -> int:
        return int(self.a.shape[0])

    def take(self, select: np.ndarray) -> TieTable:
        """The ties where the boolean mask ``select`` is true, in the same order."""
        return TieTable(**{f.name: getattr(self, f.name)[select] for f in fields(self)})

    @property
    def lasting(self) -> np.ndarray:
        """bool, the pair met on at least :data:`LASTING_DAYS` different days."""
        return self.days_met >= LASTING_DAYS


def tie_table(result: RunResult) -> TieTable:
    """Reduce a run's meetings to one row per pair that met.

    Parameters
    ----------
    result
        The run.

    Returns
    -------
    TieTable
        Every pair that met at least once, sorted by ``(a, b)``.
    """
    m = result.meetings
    n = max(len(result.agents), 1)
    a0 = np.asarray(m.a, dtype=np.int64)
    b0 = np.asarray(m.b, dtype=np.int64)
    # Order within the pair regardless of whether the engine kept a < b.
    key = np.minimum(a0, b0) * n + np.maximum(a0, b0)
    day = np.asarray(m.day, dtype=np.int64)
    order = np.lexsort((np.asarray(m.t), day, key))
    key, day = key[order], day[order]
    size = key.shape[0]
    if size == 0:
        empty_day = np.zeros(0, np.int16)
        return TieTable(
            a=np.zeros(0, np.int32), b=np.zeros(0, np.int32),
            meetings=np.zeros(0, np.int32), days_met=np.zeros(0, np.int32),
            first_day=empty_day, second_day=empty_day, third_day=empty_day,
            last_day=empty_day, first_kind=np.zeros(0, np.int8),
            first_place=np.zeros(0, np.int32), cross=np.zeros(0, bool),
        )  # fmt: skip
    new_pair = np.r_[True, key[1:] != key[:-1]]
    starts = np.flatnonzero(new_pair)
    ends = np.r_[starts[1:], size] - 1
    counts = ends - starts + 1
    # Rank of each row's day among the pair's distinct days (1 = first day met).
    new_day = new_pair | np.r_[True, day[1:] != day[:-1]]
    running = np.cumsum(new_day)
    rank = running - np.repeat(running[starts] - 1, counts)
    pair_of_row = np.repeat(np.arange(starts.size), counts)

    def nth_day(k: int) -> np.ndarray:
        out = np.full(starts.size, NONE_DAY, np.int16)
        rows = np.flatnonzero(new_day & (rank == k))
        out[pair_of_row[rows]] = day[rows]
        return out

    first = order[starts]
    pair_key = key[starts]
    return TieTable(
        a=(pair_key // n).astype(np.int32),
        b=(pair_key % n).astype(np.int32),
        meetings=counts.astype(np.int32),
        days_met=rank[ends].astype(np.int32),
        first_day=day[starts].astype(np.int16),
        second_day=nth_day(2),
        third_day=nth_day(3),
        last_day=day[ends].astype(np.int16),
        first_kind=np.asarray(m.place_kind)[first].astype(np.int8),
        first_place=np.asarray(m.place)[first].astype(np.int32),
        cross=np.asarray(m.cross, dtype=bool)[first],
    )


def tie_counts(ties: TieTable) -> dict[str, int]:
    """Headline tie counts for ``summary.json``.

    Returns
    -------
    dict[str, int]
        ``distinct_ties`` (pairs that met, every edge of ``ties.graphml``),
        ``repeat_ties`` (of those, met on >= 2 days), ``distinct_cross_institution_ties``
        and ``repeat_cross_institution_ties``, and ``people_with_cross_institution_tie``.
    """
    cross = ties.cross
    people = np.concatenate([ties.a[cross], ties.b[cross]])
    return {
        "distinct_ties": len(ties),
        "repeat_ties": int(np.count_nonzero(ties.lasting)),
        "distinct_cross_institution_ties": int(np.count_nonzero(cross)),
        "repeat_cross_institution_ties": int(np.count_nonzero(cross & ties.lasting)),
        "people_with_cross_institution_tie": int(np.unique(people).size),
    }


def _cumulative(days: np.ndarray, n_days: int) -> np.ndarray:
    """Running count per day of events happening on ``days`` (``NONE_DAY`` skipped)."""
    days = days[days >= 0].astype(np.int64)
    return np.cumsum(np.bincount(days, minlength=n_days)[:n_days])


@dataclass(frozen=True)
class Formation:
    """How ties accumulate, day by day (index = 0-based day).

    Attributes
    ----------
    new
        int64 ``(days,)``, ties whose first meeting was on that day.
    cumulative, met_2x, met_3x
        int64 ``(days,)``, ties formed by the end of that day, and of those the ones
        met on >= 2 and >= 3 different days by then.
    """

    new: np.ndarray
    cumulative: np.ndarray
    met_2x: np.ndarray
    met_3x: np.ndarray


def formation(ties: TieTable, n_days: int, select: np.ndarray | None = None) -> Formation:
    """Daily formation counts of the ties in ``select`` (all ties by default).

    Parameters
    ----------
    ties
        The run's ties.
    n_days
        Days of the run (the length of every array).
    select
        Boolean mask over ``ties``; e.g. ``ties.cross``.
    """
    sel = np.ones(len(ties), bool) if select is None else select
    first = ties.first_day[sel].astype(np.int64)
    return Formation(
        new=np.bincount(first, minlength=n_days)[:n_days].astype(np.int64),
        cumulative=_cumulative(ties.first_day[sel], n_days),
        met_2x=_cumulative(ties.second_day[sel], n_days),
        met_3x=_cumulative(ties.third_day[sel], n_days),
    )


def first_cross_tie_day(ties: TieTable, n_agents: int) -> np.ndarray:
    """Per person, the 0-based day of their first cross-institution tie (or ``NONE_DAY``)."""
    cross = ties.cross
    people = np.concatenate([ties.a[cross], ties.b[cross]]).astype(np.int64)
    days = np.concatenate([ties.first_day[cross], ties.first_day[cross]]).astype(np.int64)
    out = np.full(n_agents, np.iinfo(np.int64).max, np.int64)
    np.minimum.at(out, people, days)
    out[out == np.iinfo(np.int64).max] = NONE_DAY
    return out


def institution_reach(
    ties: TieTable, institution: np.ndarray, n_inst: int, select: np.ndarray | None = None
) -> np.ndarray:
    """People of each institution with at least one tie into each other institution.

    Parameters
    ----------
    ties
        The run's ties.
    institution
        Institution index of every agent.
    n_inst
        Number of institutions.
    select
        Boolean mask over ``ties`` (e.g. ``ties.lasting``); all ties by default.

    Returns
    -------
    np.ndarray
        int64 ``(n_inst, n_inst + 1)``: cell ``(i, j)`` counts the people of ``i`` with a
        tie into ``j`` (the diagonal counts ties within ``i``); the last column counts
        the people of ``i`` with a tie into any other institution.
    """
    sel = np.ones(len(ties), bool) if select is None else select
    inst = np.asarray(institution, dtype=np.int64)
    a = ties.a[sel].astype(np.int64)
    b = ties.b[sel].astype(np.int64)
    # Both directions: person, institution of the other end.
    person = np.concatenate([a, b])
    other = np.concatenate([inst[b], inst[a]])
    reached = np.unique(person * n_inst + other)
    who, into = reached // n_inst, reached % n_inst
    out = np.zeros((n_inst, n_inst + 1), np.int64)
    np.add.at(out, (inst[who], into), 1)
    crossing = np.unique(who[inst[who] != into])
    out[:, n_inst] = np.bincount(inst[crossing], minlength=n_inst)[:n_inst]
    return out


def first_places(
    ties: TieTable, n_places: dict[str, int], select: np.ndarray
) -> dict[str, np.ndarray]:
    """Ties in ``select`` by the place of their first meeting.

    Parameters
    ----------
    ties
        The run's ties.
    n_places
        Number of places of each kind (``edge``, ``node``, ``venue``, ``space``).
    select
        Boolean mask over ``ties``.

    Returns
    -------
    dict[str, np.ndarray]
        Keyed by place kind, int64 counts per place in layout order.
    """
    out = {}
    for code, kind in enumerate(PLACE_KINDS):
        here = select & (ties.first_kind == code)
        counts = np.bincount(ties.first_place[here].astype(np.int64), minlength=n_places[kind])
        if counts.size > n_places[kind]:
            raise ValueError(f"tie first met at {kind} index {counts.size - 1}, layout has fewer")
        out[kind] = counts.astype(np.int64)
    return out
