"""What a simulation run hands to metrics and outputs: plain arrays, no agents.

Place codes: every meeting happens at one *place*, identified by ``(place_kind,
place_index)``:

=============  ====  ==========================================================
place_kind     code  place_index indexes
=============  ====  ==========================================================
``edge``       0     ``list(layout.edges)``   (walking the same street segment)
``node``       1     ``list(layout.nodes)``   (passing the same junction/entrance)
``venue``      2     ``list(layout.venues)``  (present in the same venue)
``space``      3     ``list(layout.spaces)``  (present in the same plaza or park)
=============  ====  ==========================================================
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.layout.schema import Layout
from sim.params import PLACE_EDGE, PLACE_KINDS, PLACE_NODE, PLACE_SPACE, PLACE_VENUE
from sim.population.visits import PlaceVisits

__all__ = [
    "PLACE_EDGE", "PLACE_KINDS", "PLACE_NODE", "PLACE_SPACE", "PLACE_VENUE",
    "AgentTable", "MeetingTable", "RunResult",
]


@dataclass
class AgentTable:
    """One row per person; index = agent id used in :class:`MeetingTable`.

    Attributes
    ----------
    type_code
        int8, index into :data:`sim.params.AGENT_TYPES`.
    institution
        int16, index into ``list(layout.institutions)``.
    building
        int16, index into ``list(layout.buildings)`` (the home building).
    """

    type_code: np.ndarray
    institution: np.ndarray
    building: np.ndarray

    def __len__(self) -> int:
        return int(self.type_code.shape[0])


@dataclass
class MeetingTable:
    """One row per meeting (an encounter that turned into a conversation).

    Attributes
    ----------
    a, b
        int32 agent ids, ``a < b``.
    day
        int16, 0-based day of the run.
    t
        float64 seconds since midnight of ``day`` when the meeting began.
    place_kind, place
        int8 / int32 place code, see the module docstring.
    cross
        bool, the two belong to different institutions.
    """

    a: np.ndarray
    b: np.ndarray
    day: np.ndarray
    t: np.ndarray
    place_kind: np.ndarray
    place: np.ndarray
    cross: np.ndarray

    def __len__(self) -> int:
        return int(self.a.shape[0])

    @classmethod
    def empty(cls) -> MeetingTable:
        """A table with no rows and the right dtypes."""
        return cls(
            a=np.zeros(0, np.int32),
            b=np.zeros(0, np.int32),
            day=np.zeros(0, np.int16),
            t=np.zeros(0, np.float64),
            place_kind=np.zeros(0, np.int8),
            place=np.zeros(0, np.int32),
            cross=np.zeros(0, bool),
        )

    @classmethod
    def concat(cls, parts: list[MeetingTable]) -> MeetingTable:
        """Row-wise concatenation of several tables (e.g. one per day)."""
        if not parts:
            return cls.empty()
        return cls(
            **{
                name: np.concatenate([getattr(p, name) for p in parts])
                for name in ("a", "b", "day", "t", "place_kind", "place", "cross")
            }
        )


@dataclass
class RunResult:
    """Everything one run produced, ready for :mod:`sim.metrics` and :mod:`sim.outputs`.

    Attributes
    ----------
    layout
        The (possibly scaled) layout that was simulated.
    seed, days
        The run's seed and number of simulated weekdays.
    agents
        Who took part.
    meetings
        Every meeting of every day.
    encounters
        Encounters per day (distinct pairs in contact; an estimate, see
        :mod:`sim.engine.meetings`), float64 array of length ``days``.
    setup_s, sim_s
        Wall-clock seconds spent building the model and simulating.
    visits
        Stays per venue, space and street segment (``None`` for results built by hand).
    """

    layout: Layout
    seed: int
    days: int
    agents: AgentTable
    meetings: MeetingTable
    encounters: np.ndarray
    setup_s: float = 0.0
    sim_s: float = 0.0
    visits: PlaceVisits | None = None
