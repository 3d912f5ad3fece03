"""The Crosspaths Mesa model: one ``step`` is one weekday in the district.

Set-up builds, once: the street graph, every route of every route profile between every
pair of sites, the destinations and the population (with one Mesa agent per person).
Each step draws the day's plans, lays the trips on the graph, finds the contacts
exactly, draws which pairs meet, and remembers who met (ties) for later days.
"""

from __future__ import annotations

import time

import mesa
import numpy as np

from sim.engine.encounters import edge_contacts, node_contacts, stay_contacts
from sim.engine.meetings import MeetingDraw, add_ties, setting_rates
from sim.engine.results import AgentTable, MeetingTable, RunResult
from sim.engine.trips import expand_trips
from sim.layout.schema import Layout
from sim.network.graph import build_street_graph
from sim.network.routing import build_routes, build_sites, perceived_costs
from sim.params import AGENT_TYPES
from sim.population.agents import AGENT_CLASSES
from sim.population.destinations import build_destinations
from sim.population.population import build_population
from sim.population.schedules import DayPlan, plan_day


class CrosspathsModel(mesa.Model):
    """Chance meetings in a district layout.

    Parameters
    ----------
    layout
        A validated layout (see :func:`sim.layout.load_layout`).
    seed
        Seed of every random draw of the run.
    """

    def __init__(self, layout: Layout, seed: int = 0) -> None:
        super().__init__(rng=seed)
        t0 = time.perf_counter()
        self.layout = layout
        self.seed = int(seed)
        self.institution_ids = list(layout.institutions)
        self.building_ids = list(layout.buildings)
        self.graph = build_street_graph(layout)
        self.sites = build_sites(layout, self.graph)
        costs = perceived_costs(self.graph, layout.params.model, self.seed)
        self.routes = build_routes(self.graph, self.sites, costs)
        self.destinations = build_destinations(layout, self.sites, self.routes)
        self.rates = setting_rates(layout, self.graph)
        self.population = build_population(layout, self.seed)
        for t_code, t in enumerate(AGENT_TYPES):
            idx = np.flatnonzero(self.population.type_code == t_code)
            if idx.shape[0]:
                AGENT_CLASSES[t].create_agents(self, int(idx.shape[0]), index=idx.tolist())
        self.day = 0
        self.ties = np.zeros(0, np.int64)
        self.daily_meetings: list[MeetingTable] = []
        self.daily_encounters: list[float] = []
        self.last_plan: DayPlan | None = None
        self.last_meetings = MeetingTable.empty()
        self.datacollector = mesa.DataCollector(
            model_reporters={
                "encounters": lambda m: m.daily_encounters[-1],
                "meetings": lambda m: len(m.last_meetings),
                "cross_institution_meetings": lambda m: int(m.last_meetings.cross.sum()),
            }
        )
        self.setup_s = time.perf_counter() - t0
        self.sim_s = 0.0

    def step(self) -> None:
        """Simulate one weekday."""
        t0 = time.perf_counter()
        plan = plan_day(
            self.layout, self.population, self.sites, self.routes, self.destinations,
            self.seed, self.day,
        )
        draw = MeetingDraw(
            self.population, self.rates, self.ties, self.layout, self.seed, self.day
        )
        radius = self.layout.params.model.greet_radius_m
        trav, pas = expand_trips(
            plan, self.routes, self.graph, self.population.speed, near=radius / 2
        )
        n_places = max(len(self.layout.venues), len(self.layout.spaces), 1)
        for contacts in (
            edge_contacts(trav, self.graph.length, radius),
            node_contacts(pas),
            stay_contacts(plan, n_places),
        ):
            for chunk in contacts:
                draw.add(chunk)
        meetings, encounters = draw.finish()
        self.ties = add_ties(self.ties, meetings, len(self.population))
        self.last_plan, self.last_meetings = plan, meetings
        self.daily_meetings.append(meetings)
        self.daily_encounters.append(encounters)
        self.day += 1
        self.datacollector.collect(self)
        self.sim_s += time.perf_counter() - t0

    def result(self) -> RunResult:
        """Everything simulated so far, as arrays for metrics and outputs."""
        return RunResult(
            layout=self.layout,
            seed=self.seed,
            days=self.day,
            agents=AgentTable(
                type_code=self.population.type_code,
                institution=self.population.institution,
                building=self.population.building,
            ),
            meetings=MeetingTable.concat(self.daily_meetings),
            encounters=np.array(self.daily_encounters, dtype=np.float64),
            setup_s=self.setup_s,
            sim_s=self.sim_s,
        )
