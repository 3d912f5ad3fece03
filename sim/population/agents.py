"""Mesa agent classes: researchers, students, start-up employees and clinicians.

The agents are thin: their state lives in the model's numpy arrays (see
:class:`sim.population.population.Population`) at index :attr:`PersonAgent.index`, and
their daily decisions are drawn for all members of a (building, type) group at once by
:mod:`sim.population.schedules`. The objects give Mesa's ``model.agents`` /
``agents_by_type`` views and readable per-person access for inspection and tests.

Agents know their model only through :class:`PeopleModel`, the few attributes they
read, so this module does not import the engine that builds them (imports point
downwards: engine -> population).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, cast

import mesa

from sim.population.population import Population

if TYPE_CHECKING:  # for annotations only: population does not import the engine
    from sim.engine.results import MeetingTable


class PeopleModel(Protocol):
    """What a person agent reads from its model (:class:`CrosspathsModel` has it)."""

    institution_ids: list[str]
    building_ids: list[str]
    population: Population
    last_meetings: MeetingTable


class PersonAgent(mesa.Agent):
    """Someone who works or studies in the district.

    Parameters
    ----------
    model
        The model the agent belongs to.
    index
        Row of this person in the model's population arrays.
    """

    agent_type: str = ""

    def __init__(self, model: mesa.Model, index: int) -> None:
        super().__init__(model)
        self.index = int(index)

    @property
    def _people(self) -> PeopleModel:
        return cast(PeopleModel, self.model)

    @property
    def institution(self) -> str:
        """Id of the person's institution."""
        return self._people.institution_ids[self._people.population.institution[self.index]]

    @property
    def home(self) -> str:
        """Id of the person's home building."""
        return self._people.building_ids[self._people.population.building[self.index]]

    @property
    def speed(self) -> float:
        """Walking speed, m/s."""
        return float(self._people.population.speed[self.index])

    def meetings_today(self) -> int:
        """Meetings this person took part in on the last simulated day."""
        m = self._people.last_meetings
        return int(((m.a == self.index) | (m.b == self.index)).sum())


class Researcher(PersonAgent):
    """University or hospital research staff; goes to seminars across institutions."""

    agent_type = "researcher"


class Student(PersonAgent):
    """Student; attends lectures at their own institution."""

    agent_type = "student"


class StartupEmployee(PersonAgent):
    """Start-up employee; uses shared labs, showrooms and meeting rooms."""

    agent_type = "startup"


class Clinician(PersonAgent):
    """Hospital staff; moves between the hospital's buildings during a shift."""

    agent_type = "clinician"


AGENT_CLASSES: dict[str, type[PersonAgent]] = {
    cls.agent_type: cls for cls in (Researcher, Student, StartupEmployee, Clinician)
}
