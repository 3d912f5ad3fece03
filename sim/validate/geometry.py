"""Encounter geometry cases with answers known by hand.

Each case is a day plan of two people on a small synthetic layout (two parallel 200 m
streets 30 m apart, joined at both ends: the test fixture ``ladder``) and the answer
worked out on paper: whether the two come within the greet radius (20 m) and for how
long. The fast engine's encounter detection (:mod:`sim.engine.encounters`) is run on
the plan and compared with the answer.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from sim.engine.encounters import (
    NODE_REACH_FACTOR,
    Contacts,
    edge_contacts,
    node_contacts,
    stay_contacts,
)
from sim.engine.model import CrosspathsModel
from sim.engine.results import PLACE_VENUE
from sim.engine.trips import expand_trips
from sim.i18n import EN, Phrase
from sim.layout.reader import parse_yaml
from sim.layout.validate import validate_layout
from sim.population.schedules import DayPlan

RADIUS_M = 20.0
"""Greet radius of the cases (the model's default)."""
DURATION_TOL = 0.02
"""Relative tolerance on time within reach (the layout is drawn in lat/lon)."""

LADDER_YAML = """
name: geometry_ladder
institutions:
  a: {name: A}
  b: {name: B}
nodes:
  s0: {lat: 55.7000000, lon: 12.5600000}
  s1: {lat: 55.7000000, lon: 12.5615959}
  s2: {lat: 55.7000000, lon: 12.5631918}
  n0: {lat: 55.7002698, lon: 12.5600000}
  n1: {lat: 55.7002698, lon: 12.5615959}
  n2: {lat: 55.7002698, lon: 12.5631918}
edges:
  s01: {from: s0, to: s1, kind: street, traffic: low}
  s12: {from: s1, to: s2, kind: street, traffic: low}
  n01: {from: n0, to: n1, kind: street, traffic: low}
  n12: {from: n1, to: n2, kind: street, traffic: low}
  w: {from: s0, to: n0, kind: crossing}
  e: {from: s2, to: n2, kind: crossing}
buildings:
  west_a: {name: West A, institution: a, entrances: [s0], population: {researcher: 1}}
  east_b: {name: East B, institution: b, entrances: [s2], population: {researcher: 1}}
  north_b: {name: North B, institution: b, entrances: [n2], population: {researcher: 1}}
gateways:
  g: {kind: bus, node: n0, share: 1.0}
"""
"""Two parallel 200 m streets 30 m apart (south s0-s1-s2, north n0-n1-n2), joined by
crossings at both ends; the same as ``tests/fixtures/ladder.yaml``."""

WEST_A, EAST_B, NORTH_B, GATE = 0, 1, 2, 3
"""Sites of the ladder: three building entrances and the gateway."""


@dataclass(frozen=True)
class Case:
    """One geometry case.

    Attributes
    ----------
    name, description
        Short id and what happens, in words (English).
    trips
        ``(person, origin site, destination site, departure s)``.
    speeds
        Walking speed of persons 0 and 1, m/s.
    stays
        ``(person, venue, start s, end s)`` stays.
    meet
        Whether the two come within reach.
    within_s
        Seconds within reach worked out by hand (``None``: not checked).
    phrase
        ``description`` as a :data:`~sim.i18n.Phrase`, to write it in any language.
    """

    name: str
    description: str
    trips: tuple[tuple[int, int, int, float], ...] = ()
    speeds: tuple[float, float] = (1.0, 1.0)
    stays: tuple[tuple[int, int, float, float], ...] = ()
    meet: bool = True
    within_s: float | None = None
    phrase: Phrase | None = None


def _case(name: str, phrase: Phrase, **kwargs: Any) -> Case:
    """A case described by ``phrase`` (its English is the description)."""
    return Case(name, EN.phrase(phrase), phrase=phrase, **kwargs)


def _corner(closest_m: float) -> Case:
    # A walks s2 -> s0 (arrives t = 200 s); B leaves s0 north at t0. Positions (200 - t, 0)
    # and (0, t - t0): closest approach sqrt(2) (200 - t0) / 2; within reach while
    # 2 s^2 + closest^2 <= r^2, s the time from the closest approach.
    leave = 200.0 - math.sqrt(2.0) * closest_m
    within = 2.0 * math.sqrt(max(RADIUS_M**2 - closest_m**2, 0.0) / 2.0)
    return _case(
        f"corner_{closest_m:g}m",
        ("val.case.corner", {"closest": closest_m}),
        trips=((0, EAST_B, WEST_A, 0.0), (1, WEST_A, GATE, leave)),
        meet=closest_m <= RADIUS_M,
        within_s=within if closest_m <= RADIUS_M else 0.0,
    )


CASES: tuple[Case, ...] = (
    _case(
        "head_on",
        ("val.case.head_on", {}),
        trips=((0, WEST_A, EAST_B, 0.0), (1, EAST_B, WEST_A, 40.0)),
        within_s=20.0,
    ),
    _case(
        "overtaking",
        ("val.case.overtaking", {}),
        trips=((0, WEST_A, EAST_B, 0.0), (1, WEST_A, EAST_B, 60.0)),
        speeds=(1.0, 2.0),
        within_s=40.0,
    ),
    _case(
        "together_19m",
        ("val.case.together_19m", {}),
        trips=((0, WEST_A, EAST_B, 0.0), (1, WEST_A, EAST_B, 19.0)),
        within_s=181.0,
    ),
    _case(
        "apart_25m",
        ("val.case.apart_25m", {}),
        trips=((0, WEST_A, EAST_B, 0.0), (1, WEST_A, EAST_B, 25.0)),
        meet=False,
        within_s=0.0,
    ),
    _corner(16.0),
    _corner(19.0),
    _case(
        "cafe_overlap",
        ("val.case.cafe_overlap", {}),
        stays=((0, 0, 100.0, 700.0), (1, 0, 600.0, 900.0)),
        within_s=100.0,
    ),
    _case(
        "cafe_apart",
        ("val.case.cafe_apart", {}),
        stays=((0, 0, 100.0, 500.0), (1, 0, 600.0, 900.0)),
        meet=False,
        within_s=0.0,
    ),
    _case(
        "parallel_30m",
        ("val.case.parallel_30m", {}),
        trips=((0, WEST_A, EAST_B, 0.0), (1, GATE, NORTH_B, 0.0)),
        speeds=(1.3, 1.3),
        meet=False,
        within_s=0.0,
    ),
)
"""The cases of the report, in its order."""


@lru_cache(maxsize=1)
def ladder_model() -> CrosspathsModel:
    """The fast engine's street graph and routes for :data:`LADDER_YAML`."""
    data, lines = parse_yaml(LADDER_YAML, "<geometry ladder>")
    return CrosspathsModel(validate_layout(data, lines, "<geometry ladder>"), seed=0)


def case_plan(case: Case, model: CrosspathsModel) -> DayPlan:
    """The day plan of ``case`` on the ladder."""
    routes = [model.routes.route_id(0, o, d) for _, o, d, _ in case.trips]
    return DayPlan(
        trip_agent=np.array([t[0] for t in case.trips], np.int32),
        trip_route=np.array(routes, np.int64),
        trip_depart=np.array([t[3] for t in case.trips], float),
        stay_agent=np.array([s[0] for s in case.stays], np.int32),
        stay_kind=np.array([PLACE_VENUE] * len(case.stays), np.int8),
        stay_place=np.array([s[1] for s in case.stays], np.int32),
        stay_start=np.array([s[2] for s in case.stays], float),
        stay_end=np.array([s[3] for s in case.stays], float),
    )


def detect(case: Case) -> Contacts:
    """Every contact the fast engine finds in ``case``'s plan."""
    model = ladder_model()
    plan = case_plan(case, model)
    speed = np.array([*case.speeds, 1.0])
    trav, pas = expand_trips(
        plan, model.routes, model.graph, speed, near=RADIUS_M * NODE_REACH_FACTOR
    )
    return Contacts.concat(
        [
            *edge_contacts(trav, model.graph.length, RADIUS_M),
            *node_contacts(pas, RADIUS_M),
            *stay_contacts(plan, 2),
        ]
    )


def run_case(case: Case) -> dict[str, Any]:
    """Expected and got for one case, and whether they agree.

    Returns
    -------
    dict
        ``name``, ``description``, ``expected`` and ``got`` (each ``meet`` and
        ``within_s``) and ``passed``.
    """
    det = detect(case)
    met = len(det) > 0
    within = float(det.dur.sum()) if met else 0.0
    passed = met == case.meet
    if case.within_s is not None:
        passed = passed and math.isclose(
            within, case.within_s, rel_tol=DURATION_TOL, abs_tol=0.05
        )
    return {
        "name": case.name,
        "description": case.description,
        "phrase": list(case.phrase) if case.phrase else None,
        "expected": {"meet": case.meet, "within_s": case.within_s},
        "got": {"meet": met, "within_s": round(within, 2)},
        "passed": bool(passed),
    }


def run_cases(cases: tuple[Case, ...] = CASES) -> dict[str, Any]:
    """All cases: ``cases`` (list of :func:`run_case` results) and ``passed`` (all)."""
    results = [run_case(c) for c in cases]
    return {"cases": results, "passed": all(r["passed"] for r in results)}
