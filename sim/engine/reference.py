"""A slow, plain per-agent reference implementation of the encounter and meeting rules.

Every person is a Mesa agent that, at every tick of ``dt`` seconds, works out where it
is from its day plan; the model then compares everybody's positions pair by pair. Only
people out walking or staying somewhere at a tick are stepped (the rest are indoors,
nowhere to meet), which changes no result and saves most of the work. It
shares the set-up (graph, routes, people, day plans) with the fast engine and the
rules (greet radius, corners, rooms, setting, familiarity and attention factors,
exposure summed over the day, one keyed draw per pair and day), but none of its
vectorised code: it exists to check the fast engine and to show the rules in readable
form. It is deliberately simple and slow.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import mesa
import numpy as np

from sim.engine.encounters import NODE_REACH_FACTOR
from sim.engine.meetings import ENCOUNTER_SAMPLE, attention, setting_rates
from sim.engine.results import PLACE_EDGE, PLACE_NODE, PLACE_VENUE
from sim.engine.trips import edge_directions
from sim.layout.schema import Layout
from sim.network.graph import build_street_graph
from sim.network.routing import build_routes, build_sites, perceived_costs
from sim.population.destinations import build_destinations
from sim.population.population import build_population
from sim.population.schedules import DayPlan, plan_day
from sim.rng import agent_day_keys, pair_uniform

Place = tuple[int, int, bool]
"""(place kind, place, whether the people there are staying rather than walking)"""
Pair = tuple[int, int]


@dataclass
class _Visit:
    """A pair's current stretch of contact at one place."""

    attention: float
    last_tick: int
    hazard: float = 0.0


class ReferenceWalker(mesa.Agent):
    """A person who knows their own walks and stays for the day."""

    def __init__(self, model: ReferenceModel, index: int) -> None:
        super().__init__(model)
        self.index = index
        self.walks: list[tuple[float, list[tuple[int, bool, float]]]] = []
        self.stays: list[tuple[int, int, float, float]] = []
        # (place kind, place, staying?, position): along the edge; (x, y, edge) near a node
        self.where: list[tuple[int, int, bool, tuple[float, ...]]] = []

    def step(self) -> None:
        """Find where I am at the model's current time: edge position, nearby nodes, place."""
        t, graph, m = self.model.now, self.model.graph, self.model
        speed = float(self.model.population.speed[self.index])
        self.where = []
        for kind, place, start, end in self.stays:
            if start <= t < end:
                self.where.append((kind, place, True, ()))
        for depart, legs in self.walks:
            walked = (t - depart) * speed
            for edge, forward, length in legs:
                if 0 <= walked <= length:
                    along = walked if forward else length - walked
                    self.where.append((PLACE_EDGE, edge, False, (along,)))
                    u, v = int(graph.edge_u[edge]), int(graph.edge_v[edge])
                    for node, s, sign in ((u, along, 1.0), (v, length - along, -1.0)):
                        if s <= m.node_reach:
                            x = graph.xy[node, 0] + sign * m.direction[edge, 0] * s
                            y = graph.xy[node, 1] + sign * m.direction[edge, 1] * s
                            self.where.append((PLACE_NODE, node, False, (x, y, float(edge))))
                walked -= length


class ReferenceModel(mesa.Model):
    """Time-stepped version of :class:`sim.engine.model.CrosspathsModel`'s rules.

    Parameters
    ----------
    layout
        A validated layout (keep it small).
    seed
        Seed; the same seed gives the same people and plans as the fast engine.
    dt
        Tick length in seconds.
    """

    def __init__(self, layout: Layout, seed: int = 0, dt: float = 2.0) -> None:
        super().__init__(rng=seed)
        self.layout, self.seed, self.dt = layout, seed, dt
        self.params = layout.params.model
        self.radius = self.params.greet_radius_m
        self.node_reach = self.radius * NODE_REACH_FACTOR
        self.graph = build_street_graph(layout)
        self.direction = edge_directions(self.graph)
        self.sites = build_sites(layout, self.graph)
        costs = perceived_costs(self.graph, layout.params.model, seed)
        self.routes = build_routes(self.graph, self.sites, costs)
        self.dest = build_destinations(layout, self.sites, self.routes)
        self.rates = setting_rates(layout, self.graph)
        self.population = build_population(layout, seed)
        self.walkers = [ReferenceWalker(self, i) for i in range(len(self.population))]
        self.busy_from = np.zeros(0)
        self.busy_to = np.zeros(0)
        self.busy_who = np.zeros(0, dtype=np.int64)
        self.day = 0
        self.now = 0.0
        self.ties: set[Pair] = set()
        self.encounters_per_day: list[float] = []
        self.contact_pairs_per_day: list[int] = []
        self.meetings_per_day: list[int] = []
        self.cross_per_day: list[int] = []

    def step(self) -> None:
        """Simulate one weekday tick by tick."""
        plan = plan_day(
            self.layout, self.population, self.sites, self.routes, self.dest, self.seed, self.day
        )
        self._hand_out(plan)
        visits: dict[tuple[Pair, Place], _Visit] = {}
        reach: dict[Pair, float] = {}
        now = float(np.floor(min(plan.trip_depart.min(initial=0), 5 * 3600)))
        end = float(max(plan.trip_depart.max(initial=0) + 3600, plan.stay_end.max(initial=0)))
        times = []
        while now <= end:
            times.append(now)
            now += self.dt
        first, who = self._busy_by_tick(np.array(times))
        for tick, now in enumerate(times):
            busy = who[first[tick] : first[tick + 1]].tolist()
            if not busy:
                continue  # everybody is indoors: nobody is anywhere to meet
            self.now = now
            for i in busy:
                self.walkers[i].step()
            for pair, place, crowd, time_share in self._contacts(busy):
                visit = visits.get((pair, place))
                if visit is None or visit.last_tick != tick - 1:
                    # A new stretch of contact: attention as the crowd is when it begins.
                    a = float(attention(np.array([crowd]), self.params.attention_capacity)[0])
                    old = visit.hazard if visit is not None else 0.0
                    visit = visits[(pair, place)] = _Visit(a, tick, old)
                visit.last_tick = tick
                visit.hazard += (self._rate(place) * self._familiarity(*pair)
                                 * visit.attention * time_share * self.dt / 60.0)
                reach[pair] = max(reach.get(pair, 0.0), time_share if place[2] else 1.0)
        hazard: dict[Pair, float] = {}
        for (pair, _), visit in visits.items():
            hazard[pair] = hazard.get(pair, 0.0) + visit.hazard
        self._draw(hazard, reach)
        self.day += 1

    def _hand_out(self, plan: DayPlan) -> None:
        for w in self.walkers:
            w.walks, w.stays = [], []
        routes, length = self.routes, self.graph.length
        speed = self.population.speed
        # When each person is out walking or staying somewhere, a second wider than
        # exactly so that rounding never drops a tick: at any other tick they are nowhere,
        # and in a day of thousands of ticks most people are indoors most of the time.
        busy: list[tuple[float, float, int]] = []
        for agent, route, depart in zip(
            plan.trip_agent, plan.trip_route, plan.trip_depart, strict=True
        ):
            lo, hi = routes.start[route], routes.start[route + 1]
            legs = [
                (int(routes.edges[i]), bool(routes.forward[i]), float(length[routes.edges[i]]))
                for i in range(lo, hi)
            ]
            if legs:
                self.walkers[agent].walks.append((float(depart), legs))
                walk_s = sum(leg[2] for leg in legs) / float(speed[agent])
                busy.append((float(depart) - 1.0, float(depart) + walk_s + 1.0, int(agent)))
        for agent, kind, place, start, end in zip(
            plan.stay_agent, plan.stay_kind, plan.stay_place, plan.stay_start, plan.stay_end,
            strict=True,
        ):
            self.walkers[agent].stays.append((int(kind), int(place), float(start), float(end)))
            busy.append((float(start) - 1.0, float(end) + 1.0, int(agent)))
        table = np.array(busy, dtype=float).reshape(-1, 3)
        self.busy_from, self.busy_to = table[:, 0], table[:, 1]
        self.busy_who = table[:, 2].astype(np.int64)

    def _busy_by_tick(self, times: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Who may be walking or staying at each tick, in index order (the order Mesa
        steps its agents in): ``who[first[k]:first[k + 1]]`` at ``times[k]``. Only they
        are stepped and compared; everybody else is nowhere at that tick."""
        lo = np.searchsorted(times, self.busy_from, side="left")
        hi = np.searchsorted(times, self.busy_to, side="right")
        counts = np.maximum(hi - lo, 0)
        ticks = np.repeat(lo - np.cumsum(counts) + counts, counts) + np.arange(counts.sum())
        n = len(self.population)
        key = np.unique(ticks * n + np.repeat(self.busy_who, counts))
        first = np.searchsorted(key // n, np.arange(len(times) + 1))
        return first, key % n

    def _contacts(self, busy: list[int]) -> list[tuple[Pair, Place, float, float]]:
        """Every pair within reach at this tick among the ``busy`` people: place, crowd
        within reach, time share."""
        by_place: dict[Place, list[tuple[int, tuple[float, ...]]]] = {}
        for w in (self.walkers[i] for i in busy):
            for kind, place, staying, pos in w.where:
                by_place.setdefault((kind, place, staying), []).append((w.index, pos))
        found = []
        r = self.radius
        for (kind, place, staying), people in by_place.items():
            time_share, crowd_share = self._reach(kind, place, staying)
            crowd = max(len(people) - 2, 0) * crowd_share
            for x in range(len(people)):
                for y in range(x + 1, len(people)):
                    (a, pa), (b, pb) = people[x], people[y]
                    if a == b:
                        continue
                    if kind == PLACE_EDGE and bool(pa) != bool(pb):
                        continue  # one lingering (a stay: no position), one walking past
                    if kind == PLACE_EDGE and pa and abs(pa[0] - pb[0]) > r:
                        continue
                    if kind == PLACE_NODE and (
                        pa[2] == pb[2] or math.hypot(pa[0] - pb[0], pa[1] - pb[1]) > r
                    ):
                        continue  # same edge (the edge rule's) or out of reach
                    found.append(
                        ((min(a, b), max(a, b)), (kind, place, staying), crowd, time_share)
                    )
        return found

    def _reach(self, kind: int, place: int, staying: bool) -> tuple[float, float]:
        """Share of time within reach, and share of the crowd within reach, at a place."""
        if kind == PLACE_EDGE and staying:
            share = float(self.rates.linger_reach[place])
            return share, share
        if kind == PLACE_EDGE:
            return 1.0, float(self.rates.edge_reach[place])
        if kind == PLACE_NODE:
            return 1.0, 1.0
        table = self.rates.venue_reach if kind == PLACE_VENUE else self.rates.space_reach
        return float(table[place]), float(table[place])

    def _rate(self, place: Place) -> float:
        kind, index, _ = place
        table = (self.rates.edge, self.rates.node, self.rates.venue, self.rates.space)[kind]
        return float(table[index])

    def _familiarity(self, a: int, b: int) -> float:
        mp, pop = self.params, self.population
        factor = 1.0
        if pop.institution[a] == pop.institution[b]:
            factor = max(factor, mp.fam_same_institution)
        if pop.building[a] == pop.building[b]:
            factor = max(factor, mp.fam_same_building)
        if (a, b) in self.ties:
            factor = max(factor, mp.fam_tie)
        return factor

    def _draw(self, hazard: dict[Pair, float], reach: dict[Pair, float]) -> None:
        pop = self.population
        keys = agent_day_keys(self.seed, self.day, pop.uid)
        meetings = cross = 0
        sampled = 0.0
        met_today = []
        for (a, b), h in hazard.items():
            u = float(pair_uniform(keys[a : a + 1], keys[b : b + 1])[0])
            if 0.5 <= u < 0.5 + ENCOUNTER_SAMPLE:
                sampled += reach[(a, b)]
            chance = 1.0 - math.exp(-h)
            if (a, b) not in self.ties:
                chance = min(chance, self.params.max_new_pair_chance)
            if u < chance:
                meetings += 1
                cross += int(pop.institution[a] != pop.institution[b])
                met_today.append((a, b))
        self.ties.update(met_today)
        self.encounters_per_day.append(sampled / ENCOUNTER_SAMPLE)
        self.contact_pairs_per_day.append(len(hazard))
        self.meetings_per_day.append(meetings)
        self.cross_per_day.append(cross)
