"""Mesa agent classes: researchers, students, start-up employees and clinicians.

The agents are thin: their state lives in the model's numpy arrays (see
:class:`sim.population.population.Population`) at index :attr:`PersonAgent.index`, and
their daily decisions are drawn for all members of a (building, type) group at once by
:mod:`sim.population.schedules`. The objects give Mesa's ``model.agents`` /
``agents_by_type`` views and readable per-person access for inspection and tests.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa

if TYPE_CHECKING:
    from sim.engine.model import CrosspathsModel


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
    model: CrosspathsModel

    def __init__(self, model: CrosspathsModel, index: int) -> None:
        super().__init__(model)
        self.index = int(index)

    @property
    def institution(self) -> str:
        """Id of the person's institution."""
        return self.model.institution_ids[self.model.population.institution[self.index]]

    @property
    def home(self) -> str:
        """Id of the person's home building."""
        return self.model.building_ids[self.model.population.building[self.index]]

    @property
    def speed(self) -> float:
        """Walking speed, m/s."""
        return float(self.model.population.speed[self.index])

    def meetings_today(self) -> int:
        """Meetings this person took part in on the last simulated day."""
        m = self.model.last_meetings
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
