"""From encounters to meetings: the setting, familiarity and a keyed random draw.

An encounter becomes a meeting with probability ``min(1, p_setting × f)``, where
``p_setting`` is the stranger rate of the place (busy street < footpath < park path <
plaza < cafe < shared lab; active frontage raises streets), scaled down in large venues
and spaces by the chance that the two are within greeting distance at all, and ``f`` is
the largest familiarity factor that applies: same institution, same building, or a tie
from an earlier day.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.engine.encounters import Detections, Encounters
from sim.engine.results import PLACE_EDGE, PLACE_NODE, PLACE_SPACE, PLACE_VENUE, MeetingTable
from sim.layout.schema import Layout
from sim.network.graph import StreetGraph, edge_meeting_probability, node_meeting_probability
from sim.params import VENUE_KINDS
from sim.population.population import Population
from sim.rng import hash_uniform


@dataclass(frozen=True)
class SettingRates:
    """Stranger meeting probability per encounter, for every place of a layout."""

    edge: np.ndarray
    node: np.ndarray
    venue: np.ndarray
    space: np.ndarray

    def of(self, det: Detections) -> np.ndarray:
        """Probability of each detection's place."""
        p = np.zeros(len(det))
        for code, table in (
            (PLACE_EDGE, self.edge),
            (PLACE_NODE, self.node),
            (PLACE_VENUE, self.venue),
            (PLACE_SPACE, self.space),
        ):
            m = det.place_kind == code
            p[m] = table[det.place[m].astype(np.int64)]
        return p


def setting_rates(layout: Layout, graph: StreetGraph) -> SettingRates:
    """Compute :class:`SettingRates` for ``layout`` from its parameters."""
    mp = layout.params.model
    edge_p = edge_meeting_probability(graph, mp)
    greet_area = np.pi * mp.greet_radius_m**2

    def within_reach(area: np.ndarray) -> np.ndarray:
        # Two people somewhere in a big room or park are rarely within greeting distance.
        return np.minimum(1.0, greet_area / np.maximum(area, 1.0))

    by_kind = {k: getattr(mp, f"p_{k}") for k in VENUE_KINDS}
    venues = list(layout.venues.values())
    venue_p = np.array([by_kind[v.kind] for v in venues], float)
    venue_area = np.array([v.area_m2 for v in venues], float)
    spaces = list(layout.spaces.values())
    space_p = np.array([mp.p_plaza if s.kind == "plaza" else mp.p_park for s in spaces], float)
    space_area = np.array([s.area_m2 for s in spaces], float)
    return SettingRates(
        edge=edge_p,
        node=node_meeting_probability(graph, edge_p),
        venue=venue_p * within_reach(venue_area),
        space=space_p * within_reach(space_area),
    )


def familiarity(
    enc: Encounters, pop: Population, ties: np.ndarray, layout: Layout
) -> np.ndarray:
    """Largest familiarity factor per encounter (1 for strangers).

    ``ties`` is the sorted array of pair keys ``a * n + b`` that met on earlier days.
    """
    mp = layout.params.model
    f = np.ones(len(enc))
    same_inst = pop.institution[enc.a] == pop.institution[enc.b]
    f = np.where(same_inst, np.maximum(f, mp.fam_same_institution), f)
    same_bld = pop.building[enc.a] == pop.building[enc.b]
    f = np.where(same_bld, np.maximum(f, mp.fam_same_building), f)
    if ties.shape[0]:
        key = enc.a.astype(np.int64) * len(pop) + enc.b
        pos = np.minimum(np.searchsorted(ties, key), ties.shape[0] - 1)
        f = np.where(ties[pos] == key, np.maximum(f, mp.fam_tie), f)
    return f


def draw_meetings(
    enc: Encounters,
    pop: Population,
    ties: np.ndarray,
    layout: Layout,
    seed: int,
    day: int,
) -> MeetingTable:
    """Decide which encounters become meetings.

    The uniform for an encounter is a hash of the seed, the day, the two people's stable
    ids and how many times they had met that day before, so two layouts in which the same
    pair meets draw the same number for it (common random numbers).
    """
    p = np.minimum(1.0, enc.p * familiarity(enc, pop, ties, layout))
    ua, ub = pop.uid[enc.a], pop.uid[enc.b]
    u = hash_uniform(seed, day, np.minimum(ua, ub), np.maximum(ua, ub), enc.ordinal)
    m = u < p
    return MeetingTable(
        a=enc.a[m],
        b=enc.b[m],
        day=np.full(int(m.sum()), day, np.int16),
        t=enc.t[m],
        place_kind=enc.place_kind[m],
        place=enc.place[m],
        cross=pop.institution[enc.a[m]] != pop.institution[enc.b[m]],
    )


def add_ties(ties: np.ndarray, meetings: MeetingTable, n_agents: int) -> np.ndarray:
    """The sorted set of pair keys that have met, after adding ``meetings``."""
    key = meetings.a.astype(np.int64) * n_agents + meetings.b
    return np.union1d(ties, key)
