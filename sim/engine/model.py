"""The Crosspaths Mesa model: one ``step`` is one weekday in the district.

Set-up builds, once: the street graph, every route of every route profile between every
pair of sites, the destinations and the population (with one Mesa agent per person,
created when Mesa's agent views are first asked for: see :attr:`CrosspathsModel.agents`).
Each step draws the day's plans, lays the trips on the graph, finds the contacts
exactly, draws which pairs meet, and remembers who met (ties) for later days.

The model keeps Mesa's contract, so Mesa's own tools drive it: every parameter is a
plain keyword (a layout *path* works as well as a :class:`Layout`), so ``mesa.batch_run``
and SolaraViz can pass them; ``steps`` counts the simulated days; ``running`` turns
False after ``days`` days, so ``run_model()`` returns; the DataCollector records at
set-up (step 0, all zeros) and after every day (step *k* = day *k*).
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Mapping
from typing import Any

import mesa
import numpy as np

from sim.engine.encounters import (
    NODE_REACH_FACTOR,
    edge_contacts,
    node_contacts,
    stay_contacts,
)
from sim.engine.meetings import MeetingDraw, add_ties, setting_rates
from sim.engine.results import AgentTable, MeetingTable, RunResult
from sim.engine.trips import expand_trips
from sim.errors import ParameterError
from sim.layout.load import load_layout
from sim.layout.schema import Layout
from sim.network.graph import build_street_graph
from sim.network.routing import build_routes, build_sites, perceived_costs
from sim.params import AGENT_TYPES
from sim.population.agents import AGENT_CLASSES
from sim.population.destinations import build_destinations
from sim.population.population import build_population
from sim.population.schedules import DayPlan, plan_day
from sim.population.visits import PlaceVisits

DEFAULT_LAYOUT = "scenarios/baseline.yaml"
"""The layout a model gets when none is named (relative to the working directory)."""


def _check_parameters(seed: Any, scale: Any, days: Any) -> None:
    """Refuse parameters no run can use, with a message naming the parameter."""
    if seed is None:
        pass
    elif isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ParameterError(f"expected a whole number >= 0, got {seed!r}", path="seed")
    if (
        isinstance(scale, bool)
        or not isinstance(scale, int | float | np.number)
        or not (math.isfinite(scale) and scale > 0)
    ):
        raise ParameterError(f"expected a number > 0, got {scale!r}", path="scale")
    if isinstance(days, bool) or not isinstance(days, int | np.integer) or days < 1:
        raise ParameterError(f"expected a whole number >= 1, got {days!r}", path="days")


def resolve_layout(
    layout: Layout | str | os.PathLike[str],
    scale: float = 1.0,
    overrides: Mapping[str, Any] | None = None,
) -> Layout:
    """The validated, scaled layout a model runs on.

    Parameters
    ----------
    layout
        A layout file (a variant too) or an already validated :class:`Layout`.
    scale
        Factor applied to every building's population.
    overrides
        ``{dotted path: value}`` applied to the file before validation, e.g.
        ``{"model.greet_radius_m": 15}``; needs a file, not a :class:`Layout`.
    """
    if isinstance(layout, Layout):
        if overrides:
            raise ParameterError(
                "overrides apply to a layout file; pass the path, not a Layout",
                path="overrides",
            )
        lay = layout
    elif isinstance(layout, str | os.PathLike):
        lay = load_layout(layout, dict(overrides) if overrides else None)
    else:
        raise ParameterError(
            f"expected a layout file path or a Layout, got {type(layout).__name__}",
            path="layout",
        )
    return lay.scaled(scale) if scale != 1.0 else lay


class CrosspathsModel(mesa.Model):
    """Chance meetings in a district layout; one step is one weekday.

    Parameters
    ----------
    layout
        A layout file (YAML, a variant too) or a validated :class:`Layout` (see
        :func:`sim.layout.load_layout`).
    seed
        Seed of every random draw of the run. ``None`` (what ``mesa.batch_run`` of Mesa
        >= 3.4 passes when it is given no ``rng``) draws one from the operating system;
        it is kept in :attr:`seed`, so the run can be repeated.
    scale
        Factor applied to every building's population (0.1 for a quick look).
    days
        Weekdays to simulate; ``running`` turns False after the last, so
        ``run_model()`` stops there.
    overrides
        ``{dotted path: value}`` applied to the layout file before validation.

    Raises
    ------
    CrosspathsInputError
        A parameter out of range, or a layout file that is missing or invalid.
    """

    def __init__(
        self,
        layout: Layout | str | os.PathLike[str] = DEFAULT_LAYOUT,
        seed: int | None = 0,
        scale: float = 1.0,
        days: int = 1,
        overrides: Mapping[str, Any] | None = None,
    ) -> None:
        _check_parameters(seed, scale, days)
        if seed is None:
            seed = int(np.random.SeedSequence().generate_state(1)[0] >> 1)
        t0 = time.perf_counter()
        self._people_pending = False
        # The layout is read before Mesa's set-up, so a bad file leaves no half-built model.
        layout = resolve_layout(layout, float(scale), overrides)
        super().__init__(rng=int(seed))
        self.layout = layout
        self.seed = int(seed)
        self.scale = float(scale)
        self.days = int(days)
        self.institution_ids = list(layout.institutions)
        self.building_ids = list(layout.buildings)
        self.graph = build_street_graph(layout)
        self.sites = build_sites(layout, self.graph)
        costs = perceived_costs(self.graph, layout.params.model, self.seed)
        self.routes = build_routes(self.graph, self.sites, costs)
        self.destinations = build_destinations(layout, self.sites, self.routes)
        self.rates = setting_rates(layout, self.graph)
        self.population = build_population(layout, self.seed)
        self._people_pending = True
        self.ties = np.zeros(0, np.int64)
        self.daily_meetings: list[MeetingTable] = []
        self.daily_encounters: list[float] = []
        self.last_plan: DayPlan | None = None
        self.last_meetings = MeetingTable.empty()
        self.visits = PlaceVisits.empty(layout)
        self.datacollector = mesa.DataCollector(
            model_reporters={
                "encounters": lambda m: m.daily_encounters[-1] if m.daily_encounters else 0.0,
                "meetings": lambda m: len(m.last_meetings),
                "cross_institution_meetings": lambda m: int(m.last_meetings.cross.sum()),
            }
        )
        self.setup_s = time.perf_counter() - t0
        self.sim_s = 0.0
        self.datacollector.collect(self)

    def _add_people(self) -> None:
        """Create the person agents, once: by type, each type in population order."""
        if not self._people_pending:
            return
        self._people_pending = False
        for t_code, t in enumerate(AGENT_TYPES):
            cls = AGENT_CLASSES[t]
            for index in np.flatnonzero(self.population.type_code == t_code).tolist():
                cls(self, index)

    # The people's state lives in the population arrays and the engine never reads the
    # agent objects, so they are made on first use of Mesa's agent views (the live view,
    # an agent reporter, a user's script): a batch run that never looks at them does not
    # pay for 40,000 objects (0.3-0.5 s of a 0.8 s set-up).
    @property
    def agents(self) -> mesa.agent.AgentSet:
        """Mesa's set of all agents: one :class:`~sim.population.agents.PersonAgent` per
        person, made on first use."""
        self._add_people()
        return super().agents

    @agents.setter
    def agents(self, agents: Any) -> None:
        mesa.Model.agents.fset(self, agents)

    @property
    def agents_by_type(self) -> dict[type[mesa.Agent], mesa.agent.AgentSet]:
        """Mesa's agents by class, made on first use."""
        self._add_people()
        return super().agents_by_type

    @property
    def agent_types(self) -> list[type]:
        """Mesa's agent classes, made on first use."""
        self._add_people()
        return super().agent_types

    def register_agent(self, agent: mesa.Agent) -> None:
        """Register an agent with Mesa; the people are made first, so the views hold
        them."""
        self._add_people()  # no-op while the people themselves are being registered
        super().register_agent(agent)

    def step(self) -> None:
        """Simulate one weekday (day ``steps``, counted from 1); stop after ``days``."""
        t0 = time.perf_counter()
        day = self.steps - 1  # Mesa counts this step before calling it
        plan = plan_day(
            self.layout, self.population, self.sites, self.routes, self.destinations,
            self.seed, day,
        )
        draw = MeetingDraw(self.population, self.rates, self.ties, self.layout, self.seed, day)
        radius = self.layout.params.model.greet_radius_m
        trav, pas = expand_trips(
            plan, self.routes, self.graph, self.population.speed,
            near=radius * NODE_REACH_FACTOR,
        )
        n_places = max(
            len(self.layout.venues), len(self.layout.spaces), len(self.layout.edges), 1
        )
        # Each rule's input is dropped here once handed over, so that the rule can free
        # it after sorting (peak memory at high density).
        edges = edge_contacts(trav, self.graph.length, radius, draw.screen, consume=True)
        del trav
        draw.add_all(edges)
        nodes = node_contacts(pas, radius, draw.screen, consume=True)
        del pas
        draw.add_all(nodes)
        draw.add_all(stay_contacts(plan, n_places, draw.screen))
        meetings, encounters = draw.finish()
        self.ties = add_ties(self.ties, meetings, len(self.population))
        self.last_plan, self.last_meetings = plan, meetings
        self.visits.add(plan)
        self.daily_meetings.append(meetings)
        self.daily_encounters.append(encounters)
        self.datacollector.collect(self)
        self.running = self.steps < self.days
        self.sim_s += time.perf_counter() - t0

    def result(self) -> RunResult:
        """Everything simulated so far, as arrays for metrics and outputs."""
        return RunResult(
            layout=self.layout,
            seed=self.seed,
            days=len(self.daily_meetings),
            agents=AgentTable(
                type_code=self.population.type_code,
                institution=self.population.institution,
                building=self.population.building,
            ),
            meetings=MeetingTable.concat(self.daily_meetings),
            encounters=np.array(self.daily_encounters, dtype=np.float64),
            setup_s=self.setup_s,
            sim_s=self.sim_s,
            visits=self.visits,
        )
