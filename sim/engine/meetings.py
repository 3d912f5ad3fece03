"""From contacts to meetings: setting, familiarity and one keyed draw per pair and day.

A contact between two people offers a meeting with probability
``p = min(1, p_setting × f)``: ``p_setting`` is the stranger rate of the place (busy
street < footpath < park path < plaza < cafe < shared lab; active frontage raises
streets); ``f`` is the largest familiarity factor that applies (same
institution, same building, or a tie from an earlier day).

A pair meets at most once a day, with the probability of its most inviting contact
that day, and the meeting is placed there. The draw is one uniform per pair and day,
a hash of the seed, the day and the two people's stable ids
(:func:`sim.rng.pair_uniform`), so that two layouts in
which the same pair has contact draw the same number for it (common random numbers),
and a better setting can only add meetings. Because a contact can only turn into a
meeting if that uniform is below ``p``, contacts are filtered chunk by chunk and only
the few candidates are kept: memory stays flat however busy the streets are.

*Encounters* (reported) are the distinct pairs in contact during a day, counted
from the pairs whose uniform falls in a fixed window of width
:data:`ENCOUNTER_SAMPLE`, divided by that width: an unbiased estimate that costs
no sorting of all contacts.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.engine.encounters import Contacts
from sim.engine.results import PLACE_EDGE, PLACE_NODE, PLACE_SPACE, PLACE_VENUE, MeetingTable
from sim.layout.schema import Layout
from sim.network.graph import StreetGraph, edge_meeting_probability, node_meeting_probability
from sim.params import VENUE_KINDS
from sim.population.population import Population
from sim.rng import agent_day_keys, pair_uniform


@dataclass(frozen=True)
class SettingRates:
    """Stranger meeting probability per encounter, for every place of a layout."""

    edge: np.ndarray
    node: np.ndarray
    venue: np.ndarray
    space: np.ndarray

    def of(self, c: Contacts) -> np.ndarray:
        """Probability of each contact's place."""
        p = np.zeros(len(c))
        for code, table in (
            (PLACE_EDGE, self.edge),
            (PLACE_NODE, self.node),
            (PLACE_VENUE, self.venue),
            (PLACE_SPACE, self.space),
        ):
            m = c.place_kind == code
            p[m] = table[c.place[m].astype(np.int64)]
        return p


def setting_rates(layout: Layout, graph: StreetGraph) -> SettingRates:
    """Compute :class:`SettingRates` for ``layout`` from its parameters."""
    mp = layout.params.model
    edge_p = edge_meeting_probability(graph, mp)
    by_kind = {k: getattr(mp, f"p_{k}") for k in VENUE_KINDS}
    venues = list(layout.venues.values())
    venue_p = np.array([by_kind[v.kind] for v in venues], float)
    spaces = list(layout.spaces.values())
    space_p = np.array([mp.p_plaza if s.kind == "plaza" else mp.p_park for s in spaces], float)
    return SettingRates(
        edge=edge_p,
        node=node_meeting_probability(graph, edge_p),
        venue=venue_p,
        space=space_p,
    )


ENCOUNTER_SAMPLE = 0.0625
"""Share of pairs (by their uniform) whose contacts are counted to estimate encounters."""
_SAMPLE_LO = 0.5


def familiarity(
    a: np.ndarray, b: np.ndarray, pop: Population, ties: np.ndarray, layout: Layout
) -> np.ndarray:
    """Largest familiarity factor per pair (1 for strangers).

    ``ties`` is the sorted array of pair keys ``a * n + b`` that met on earlier days.
    """
    mp = layout.params.model
    f = np.ones(a.shape[0])
    f = np.where(pop.institution[a] == pop.institution[b], mp.fam_same_institution, f)
    f = np.where(pop.building[a] == pop.building[b], np.maximum(f, mp.fam_same_building), f)
    if ties.shape[0]:
        key = a.astype(np.int64) * len(pop) + b
        pos = np.minimum(np.searchsorted(ties, key), ties.shape[0] - 1)
        f = np.where(ties[pos] == key, np.maximum(f, mp.fam_tie), f)
    return f


class MeetingDraw:
    """Accumulates one day's contacts chunk by chunk and decides the meetings.

    Parameters
    ----------
    pop
        The population (institutions, buildings, stable ids).
    rates
        Stranger meeting probability of every place.
    ties
        Sorted pair keys that met on earlier days.
    layout
        The layout (for the familiarity factors).
    seed, day
        Key the draws.
    """

    def __init__(
        self, pop: Population, rates: SettingRates, ties: np.ndarray, layout: Layout,
        seed: int, day: int,
    ) -> None:
        self.pop, self.rates, self.ties, self.layout = pop, rates, ties, layout
        self.seed, self.day = seed, day
        mp = layout.params.model
        factors = [1.0, mp.fam_same_institution, mp.fam_same_building]
        self.fam_max = max(factors + ([mp.fam_tie] if ties.shape[0] else []))
        self.day_keys = agent_day_keys(seed, day, pop.uid)
        self.candidates: list[Contacts] = []
        self.candidate_p: list[np.ndarray] = []
        self.sampled: list[np.ndarray] = []

    def pair_uniform(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """The day's uniform of each pair."""
        return pair_uniform(self.day_keys[a], self.day_keys[b])

    def add(self, c: Contacts) -> None:
        """Take in a chunk of contacts."""
        if len(c) == 0:
            return
        u = self.pair_uniform(c.a, c.b)
        in_sample = (u >= _SAMPLE_LO) & (u < _SAMPLE_LO + ENCOUNTER_SAMPLE)
        self.sampled.append(c.a[in_sample].astype(np.int64) * len(self.pop) + c.b[in_sample])
        p_set = self.rates.of(c)
        # Cheap bound first: most contacts cannot become a meeting whatever the familiarity.
        maybe = np.flatnonzero(u < p_set * self.fam_max)
        fam = familiarity(c.a[maybe], c.b[maybe], self.pop, self.ties, self.layout)
        p = np.minimum(1.0, p_set[maybe] * fam)
        hit = maybe[u[maybe] < p]
        self.candidates.append(
            Contacts(c.a[hit], c.b[hit], c.t[hit], c.place_kind[hit], c.place[hit])
        )
        self.candidate_p.append(p[u[maybe] < p])

    def finish(self) -> tuple[MeetingTable, float]:
        """The day's meetings (one per pair, at its best contact) and encounter estimate."""
        c = Contacts.concat(self.candidates)
        p = np.concatenate([np.zeros(0), *self.candidate_p])
        pair = c.a.astype(np.int64) * len(self.pop) + c.b
        order = np.lexsort((c.t, -p, pair))
        first = order[np.r_[True, pair[order][1:] != pair[order][:-1]]] if len(c) else order
        sampled = np.concatenate([np.zeros(0, np.int64), *self.sampled])
        sampled.sort()  # a sort and a diff count distinct keys far faster than np.unique
        distinct = int(sampled.shape[0] > 0) + int(np.count_nonzero(np.diff(sampled)))
        encounters = distinct / ENCOUNTER_SAMPLE
        a, b = c.a[first], c.b[first]
        meetings = MeetingTable(
            a=a.astype(np.int32),
            b=b.astype(np.int32),
            day=np.full(first.shape[0], self.day, np.int16),
            t=c.t[first],
            place_kind=c.place_kind[first].astype(np.int8),
            place=c.place[first].astype(np.int32),
            cross=self.pop.institution[a] != self.pop.institution[b],
        )
        return meetings, encounters


def add_ties(ties: np.ndarray, meetings: MeetingTable, n_agents: int) -> np.ndarray:
    """The sorted set of pair keys that have met, after adding ``meetings``."""
    key = meetings.a.astype(np.int64) * n_agents + meetings.b
    return np.union1d(ties, key)
