"""Encounter geometry on hand-made day plans over the ladder layout.

The ladder is two parallel 200 m streets 30 m apart (south: s0-s1-s2, north: n0-n1-n2)
joined by crossings at both ends. Sites: west_a (s0), east_b (s2), north_b (n2),
gateway g (n0).
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.engine.encounters import (
    NODE_REACH_FACTOR,
    Contacts,
    edge_contacts,
    node_contacts,
    overlapping_pairs,
    stay_contacts,
)
from sim.engine.model import CrosspathsModel
from sim.engine.results import PLACE_EDGE, PLACE_VENUE
from sim.engine.trips import expand_trips
from sim.layout.schema import Layout
from sim.population.schedules import DayPlan

WEST_A, EAST_B, NORTH_B, GATE = 0, 1, 2, 3
RADIUS = 20.0


def _plan(trips: list[tuple[int, int, int, float]], stays: list | None = None) -> DayPlan:
    """A day plan from (agent, origin site, destination site, departure) tuples."""
    stays = stays or []
    return DayPlan(
        trip_agent=np.array([t[0] for t in trips], np.int32),
        trip_route=np.array([t[1] * 4 + t[2] for t in trips], np.int64),  # profile 0
        trip_depart=np.array([t[3] for t in trips], float),
        stay_agent=np.array([s[0] for s in stays], np.int32),
        stay_kind=np.array([PLACE_VENUE] * len(stays), np.int8),
        stay_place=np.array([s[1] for s in stays], np.int32),
        stay_start=np.array([s[2] for s in stays], float),
        stay_end=np.array([s[3] for s in stays], float),
    )


def _encounters(
    model: CrosspathsModel, plan: DayPlan, speed: np.ndarray
) -> tuple[Contacts, set[tuple[int, int]]]:
    """All contacts of a plan, and the distinct pairs in contact (the encounters)."""
    trav, pas = expand_trips(plan, model.routes, model.graph, speed,
                             near=RADIUS * NODE_REACH_FACTOR)
    det = Contacts.concat(
        [*edge_contacts(trav, model.graph.length, RADIUS), *node_contacts(pas, RADIUS)]
    )
    return det, set(zip(det.a.tolist(), det.b.tolist(), strict=True))


@pytest.fixture(scope="module")
def ladder_model(ladder: Layout) -> CrosspathsModel:
    return CrosspathsModel(ladder, seed=0)


def test_routes_follow_the_streets(ladder_model: CrosspathsModel) -> None:
    r = ladder_model.routes
    south = r.route_id(0, WEST_A, EAST_B)
    north = r.route_id(0, GATE, NORTH_B)
    edge_ids = ladder_model.graph.edge_ids
    assert [edge_ids[e] for e in r.edges[r.start[south] : r.start[south + 1]]] == ["s01", "s12"]
    assert [edge_ids[e] for e in r.edges[r.start[north] : r.start[north + 1]]] == ["n01", "n12"]
    assert r.length[south] == pytest.approx(200.0, abs=1.0)


def test_head_on_walkers_meet_once(ladder_model: CrosspathsModel) -> None:
    plan = _plan([(0, WEST_A, EAST_B, 0.0), (1, EAST_B, WEST_A, 40.0)])
    det, enc = _encounters(ladder_model, plan, np.array([1.0, 1.0, 1.0]))
    assert len(enc) == 1
    edge_rows = det.place_kind == PLACE_EDGE
    # Separation 240 - 2t m: within 20 m at t = 110 s, both on segment s12.
    assert det.t[edge_rows].min() == pytest.approx(110.0, abs=0.01)
    assert ladder_model.graph.edge_ids[det.place[edge_rows][0]] == "s12"
    assert enc == {(0, 1)}
    # Within reach while the separation falls from 20 m to -20 m: 20 s, exactly.
    assert det.dur.sum() == pytest.approx(20.0, rel=1e-4)


def test_head_on_near_a_junction_is_caught_at_the_node(ladder_model: CrosspathsModel) -> None:
    # Leaving together from both ends they pass each other exactly at node s1.
    plan = _plan([(0, WEST_A, EAST_B, 0.0), (1, EAST_B, WEST_A, 0.0)])
    det, enc = _encounters(ladder_model, plan, np.array([1.0, 1.0, 1.0]))
    assert len(enc) == 1
    assert det.t.min() == pytest.approx(90.0, abs=0.01)  # 10 m either side of s1
    # On different segments from t = 90 to 110 (20 m apart down to 0 and back): 20 s.
    assert det.dur.sum() == pytest.approx(20.0, rel=1e-4)


@pytest.mark.parametrize(("leave_at", "closest_m"), [(176.0, 17.0), (170.0, 21.2)])
def test_right_angle_corner_is_exact(
    ladder_model: CrosspathsModel, leave_at: float, closest_m: float
) -> None:
    # A walks s2 -> s1 -> s0 (arrives at s0 at t = 200); B leaves s0 northwards on the
    # crossing at ``leave_at``. Positions (200 - t, 0) and (0, t - leave_at): closest
    # approach sqrt(2) * (200 - leave_at) / 2 at t = (200 + leave_at) / 2.
    plan = _plan([(0, EAST_B, WEST_A, 0.0), (1, WEST_A, GATE, leave_at)])
    det, enc = _encounters(ladder_model, plan, np.array([1.0, 1.0, 1.0]))
    half = (200.0 - leave_at) / 2
    assert np.sqrt(2) * half == pytest.approx(closest_m, abs=0.1)
    if closest_m > RADIUS:
        assert len(enc) == 0  # never within 20 m
        return
    # 17 m at the closest: the old r/2 disc (both within 10 m of s0) missed this pair.
    assert enc == {(0, 1)}
    # Within reach while 2 s^2 + 2 half^2 <= r^2, s the time from the closest approach.
    expect = 2 * np.sqrt((RADIUS**2 - 2 * half**2) / 2)
    assert det.dur.sum() == pytest.approx(expect, rel=1e-3)  # lat/lon: not exactly 100 m
    assert ladder_model.graph.node_ids[det.place[0]] == "s0"


def test_parallel_streets_30_m_apart_do_not_meet(ladder_model: CrosspathsModel) -> None:
    plan = _plan([(0, WEST_A, EAST_B, 0.0), (1, GATE, NORTH_B, 0.0)])
    det, enc = _encounters(ladder_model, plan, np.array([1.3, 1.3, 1.3]))
    assert len(det) == 0 and len(enc) == 0


def test_walking_the_same_stretch_together_is_one_encounter(
    ladder_model: CrosspathsModel,
) -> None:
    plan = _plan([(0, WEST_A, EAST_B, 0.0), (1, WEST_A, EAST_B, 5.0)])
    det, enc = _encounters(ladder_model, plan, np.array([1.2, 1.2, 1.2]))
    assert len(det) > 1  # in contact on both segments and at the nodes ...
    assert len(enc) == 1  # ... but one pair: one encounter


def test_overtaking_is_detected_and_far_apart_is_not(ladder_model: CrosspathsModel) -> None:
    # B leaves 60 s after A but walks twice as fast: catches up after 120 s, 120 m in.
    plan = _plan([(0, WEST_A, EAST_B, 0.0), (1, WEST_A, EAST_B, 60.0)])
    _det, enc = _encounters(ladder_model, plan, np.array([1.0, 2.0, 1.0]))
    assert len(enc) == 1
    # Same walkers, B leaving so late that A has arrived: no contact.
    late = _plan([(0, WEST_A, EAST_B, 0.0), (1, WEST_A, EAST_B, 400.0)])
    assert len(_encounters(ladder_model, late, np.array([1.0, 2.0, 1.0]))[1]) == 0


def test_co_presence_at_a_venue() -> None:
    plan = _plan(
        [],
        stays=[(0, 0, 100.0, 700.0), (1, 0, 600.0, 900.0), (2, 0, 950.0, 1000.0),
               (2, 1, 100.0, 900.0)],
    )
    det = Contacts.concat(stay_contacts(plan, n_places_per_kind=2))
    assert [(int(a), int(b)) for a, b in zip(det.a, det.b, strict=True)] == [(0, 1)]
    assert det.t[0] == 600.0
    assert det.dur[0] == 100.0  # present together from 600 to 700 s


def test_walking_together_longer_gives_more_exposure(ladder_model: CrosspathsModel) -> None:
    # Same route, same speed, 5 s apart: within reach the whole 200 m, edge and corner.
    plan = _plan([(0, WEST_A, EAST_B, 0.0), (1, WEST_A, EAST_B, 5.0)])
    together, _ = _encounters(ladder_model, plan, np.array([1.0, 1.0, 1.0]))
    # Head-on they are within reach for 20 s only.
    crossing = _plan([(0, WEST_A, EAST_B, 0.0), (1, EAST_B, WEST_A, 40.0)])
    passing, _ = _encounters(ladder_model, crossing, np.array([1.0, 1.0, 1.0]))
    assert together.dur.sum() == pytest.approx(195.0, rel=1e-4)
    assert passing.dur.sum() == pytest.approx(20.0, rel=1e-4)


def test_crowd_counts_the_others_present() -> None:
    stays = [(k, 0, 100.0 + k, 1000.0) for k in range(5)]
    det = Contacts.concat(stay_contacts(_plan([], stays=stays), n_places_per_kind=1))
    # The pair (0, 4) starts when agent 4 arrives: three others are there.
    row = np.flatnonzero((det.a == 0) & (det.b == 4))[0]
    assert det.crowd[row] == 3.0
    row = np.flatnonzero((det.a == 0) & (det.b == 1))[0]
    assert det.crowd[row] == 0.0


def test_overlapping_pairs_matches_brute_force() -> None:
    rng = np.random.default_rng(3)
    group = rng.integers(0, 4, 300)
    start = rng.uniform(0, 1000, 300)
    end = start + rng.uniform(0, 80, 300)
    found = set()
    for i, j in overlapping_pairs(group, start, end):
        found.update(zip(np.minimum(i, j).tolist(), np.maximum(i, j).tolist(), strict=True))
    brute = {
        (i, j)
        for i in range(300)
        for j in range(i + 1, 300)
        if group[i] == group[j] and max(start[i], start[j]) < min(end[i], end[j])
    }
    assert found == brute
