"""A slow, plain per-agent reference implementation of the encounter and meeting rules.

Every person is a Mesa agent that, at every tick of ``dt`` seconds, works out where it
is from its day plan; the model then compares everybody's positions pair by pair. It
shares the set-up (graph, routes, people, day plans) with the fast engine and the
rules (greet radius, node zones, stays, setting and familiarity factors, one keyed draw
per pair and day), but none of its vectorised code: it exists to check the fast engine and to show
the rules in readable form. It is deliberately simple and slow.
"""

from __future__ import annotations

from dataclasses import dataclass

import mesa
import numpy as np

from sim.engine.meetings import ENCOUNTER_SAMPLE, setting_rates
from sim.engine.results import PLACE_EDGE, PLACE_NODE, PLACE_SPACE, PLACE_VENUE
from sim.layout.schema import Layout
from sim.network.graph import build_street_graph
from sim.network.routing import build_routes, build_sites, perceived_costs
from sim.population.destinations import build_destinations
from sim.population.population import build_population
from sim.population.schedules import DayPlan, plan_day
from sim.rng import agent_day_keys, pair_uniform


@dataclass
class _Best:
    """A pair's most inviting contact of the day so far."""

    p: float
    t: float
    place: tuple[int, int]


class ReferenceWalker(mesa.Agent):
    """A person who knows their own walks and stays for the day."""

    def __init__(self, model: ReferenceModel, index: int) -> None:
        super().__init__(model)
        self.index = index
        self.walks: list[tuple[float, list[tuple[int, bool, float]]]] = []
        self.stays: list[tuple[int, int, int, float, float]] = []
        # (place kind, place, position along an edge, or zone of a venue or space)
        self.where: list[tuple[int, int, float]] = []

    def step(self) -> None:
        """Find where I am at the model's current time: edge position, nearby nodes, place."""
        t, graph, r = self.model.now, self.model.graph, self.model.radius
        speed = float(self.model.population.speed[self.index])
        self.where = []
        for kind, place, zone, start, end in self.stays:
            if start <= t < end:
                self.where.append((kind, place, float(zone)))
        for depart, legs in self.walks:
            walked = (t - depart) * speed
            for edge, forward, length in legs:
                if 0 <= walked <= length:
                    along = walked if forward else length - walked
                    self.where.append((PLACE_EDGE, edge, along))
                    if along <= r / 2:
                        self.where.append((PLACE_NODE, int(graph.edge_u[edge]), 0.0))
                    if length - along <= r / 2:
                        self.where.append((PLACE_NODE, int(graph.edge_v[edge]), 0.0))
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
        self.radius = layout.params.model.greet_radius_m
        self.graph = build_street_graph(layout)
        self.sites = build_sites(layout, self.graph)
        costs = perceived_costs(self.graph, layout.params.model, seed)
        self.routes = build_routes(self.graph, self.sites, costs)
        self.dest = build_destinations(layout, self.sites, self.routes)
        self.rates = setting_rates(layout, self.graph)
        self.population = build_population(layout, seed)
        self.walkers = [ReferenceWalker(self, i) for i in range(len(self.population))]
        self.day = 0
        self.now = 0.0
        self.ties: set[tuple[int, int]] = set()
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
        best: dict[tuple[int, int], _Best] = {}
        self.now = float(np.floor(min(plan.trip_depart.min(initial=0), 5 * 3600)))
        end = float(max(plan.trip_depart.max(initial=0) + 3600, plan.stay_end.max(initial=0)))
        while self.now <= end:
            self.agents.do("step")
            for pair, rate, place in self._contacts():
                p = min(1.0, rate * self._familiarity(*pair))
                if pair not in best or p > best[pair].p:
                    best[pair] = _Best(p, self.now, place)
            self.now += self.dt
        self._draw(best)
        self.day += 1

    def _hand_out(self, plan: DayPlan) -> None:
        for w in self.walkers:
            w.walks, w.stays = [], []
        routes, length = self.routes, self.graph.length
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
        for agent, kind, place, zone, start, end in zip(
            plan.stay_agent, plan.stay_kind, plan.stay_place, plan.stay_zone, plan.stay_start,
            plan.stay_end, strict=True,
        ):
            self.walkers[agent].stays.append(
                (int(kind), int(place), int(zone), float(start), float(end))
            )

    def _contacts(self) -> list[tuple[tuple[int, int], float, tuple[int, int]]]:
        """Every pair within greeting distance at this tick, with the setting's rate."""
        by_place: dict[tuple[int, int], list[tuple[int, float]]] = {}
        for w in self.walkers:
            for kind, place, along in w.where:
                by_place.setdefault((kind, place), []).append((w.index, along))
        found = []
        for (kind, place), people in by_place.items():
            rate = self._rate(kind, place)
            for x in range(len(people)):
                for y in range(x + 1, len(people)):
                    (a, pa), (b, pb) = people[x], people[y]
                    if a == b or (kind == PLACE_EDGE and abs(pa - pb) > self.radius):
                        continue
                    if kind in (PLACE_VENUE, PLACE_SPACE) and pa != pb:
                        continue  # different zones of the place (pa, pb hold the zone)
                    found.append(((min(a, b), max(a, b)), rate, (kind, place)))
        return found

    def _rate(self, kind: int, place: int) -> float:
        table = (self.rates.edge, self.rates.node, self.rates.venue, self.rates.space)[kind]
        return float(table[place])

    def _familiarity(self, a: int, b: int) -> float:
        mp, pop = self.layout.params.model, self.population
        factor = 1.0
        if pop.institution[a] == pop.institution[b]:
            factor = max(factor, mp.fam_same_institution)
        if pop.building[a] == pop.building[b]:
            factor = max(factor, mp.fam_same_building)
        if (a, b) in self.ties:
            factor = max(factor, mp.fam_tie)
        return factor

    def _draw(self, best: dict[tuple[int, int], _Best]) -> None:
        pop = self.population
        keys = agent_day_keys(self.seed, self.day, pop.uid)
        meetings = cross = sampled = 0
        met_today = []
        for (a, b), contact in best.items():
            u = float(pair_uniform(keys[a : a + 1], keys[b : b + 1])[0])
            sampled += int(0.5 <= u < 0.5 + ENCOUNTER_SAMPLE)
            if u < contact.p:
                meetings += 1
                cross += int(pop.institution[a] != pop.institution[b])
                met_today.append((a, b))
        self.ties.update(met_today)
        self.encounters_per_day.append(sampled / ENCOUNTER_SAMPLE)
        self.contact_pairs_per_day.append(len(best))
        self.meetings_per_day.append(meetings)
        self.cross_per_day.append(cross)
