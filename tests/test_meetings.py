"""Meeting classification: setting rates, familiarity, cross-institution flag, keyed draws."""

from __future__ import annotations

import dataclasses

import numpy as np

from sim.engine.encounters import Contacts
from sim.engine.meetings import MeetingDraw, familiarity, setting_rates
from sim.engine.model import CrosspathsModel
from sim.engine.results import PLACE_EDGE, PLACE_VENUE
from sim.layout.schema import Layout
from sim.network.graph import build_street_graph
from sim.params import EDGE_KINDS
from sim.rng import agent_day_keys, pair_uniform


def test_busy_streets_are_less_inviting_than_paths_and_frontage_helps(tiny: Layout) -> None:
    graph = build_street_graph(tiny)
    rates = setting_rates(tiny, graph)
    kinds = [EDGE_KINDS[k] for k in graph.kind]
    by_id = dict(zip(graph.edge_ids, rates.edge, strict=True))
    # h00 is a high-traffic street, h10 a low-traffic one, v00 a footpath,
    # v01 a park path with 50 % active frontage.
    assert kinds[graph.edge_ids.index("v01")] == "park_path"
    assert by_id["h00"] < by_id["h10"] < by_id["v00"] < by_id["v01"]
    mp = tiny.params.model
    assert by_id["v01"] == mp.p_park_path * (1 + mp.frontage_boost * 0.5)
    venue_ids = list(tiny.venues)
    assert rates.venue[venue_ids.index("lab_cafe")] == mp.p_cafe


def test_familiarity_factors(tiny_model: CrosspathsModel, tiny: Layout) -> None:
    pop = tiny_model.population
    mp = tiny.params.model
    same_building = np.flatnonzero((pop.building == pop.building[0])
                                   & (pop.institution == pop.institution[0]))[1]
    other_inst = np.flatnonzero(pop.institution != pop.institution[0])[0]
    f = familiarity(np.array([0, 0]), np.array([same_building, other_inst]), pop,
                    np.zeros(0, np.int64), tiny)
    assert f.tolist() == [mp.fam_same_building, 1.0]


def test_meeting_is_cross_institution_when_institutions_differ(tiny: Layout) -> None:
    certain = dataclasses.replace(
        tiny, params=dataclasses.replace(
            tiny.params, model=dataclasses.replace(tiny.params.model, p_cafe=1.0)
        )
    )
    model = CrosspathsModel(certain, seed=0)
    pop = model.population
    a = 0
    b_same = int(np.flatnonzero(pop.institution == pop.institution[a])[5])
    b_other = int(np.flatnonzero(pop.institution != pop.institution[a])[0])
    cafe = list(certain.venues).index("lab_cafe")
    draw = MeetingDraw(pop, model.rates, model.ties, certain, seed=0, day=0)
    draw.add(Contacts(np.array([a, a], np.int32), np.array([b_same, b_other], np.int32),
                      np.array([36000.0, 36100.0]), np.full(2, PLACE_VENUE, np.int8),
                      np.array([cafe, cafe], np.int32)))
    meetings, _ = draw.finish()
    assert len(meetings) == 2
    assert dict(zip(meetings.b.tolist(), meetings.cross.tolist(), strict=True)) == {
        b_same: False, b_other: True,
    }


def test_a_pair_meets_once_a_day_at_its_best_contact(tiny: Layout) -> None:
    model = CrosspathsModel(tiny, seed=0)
    edge = list(tiny.edges).index("h00")
    cafe = list(tiny.venues).index("lab_cafe")
    draw = MeetingDraw(model.population, model.rates, model.ties, tiny, seed=0, day=0)
    keys = agent_day_keys(0, 0, model.population.uid)
    # Find a pair whose uniform lies between the street's and the cafe's probability.
    p_street, p_cafe = model.rates.edge[edge], model.rates.venue[cafe]
    a = np.zeros(150, np.int32)
    b = np.arange(50, 200, dtype=np.int32)
    u = pair_uniform(keys[a], keys[b])
    f = familiarity(a, b, model.population, model.ties, tiny)
    pick = np.flatnonzero((u >= p_street * f) & (u < p_cafe * f))
    assert pick.size, "fixture should contain such a pair"
    j = int(b[pick[0]])
    draw.add(Contacts(np.array([0, 0, 0], np.int32), np.array([j, j, j], np.int32),
                      np.array([30000.0, 40000.0, 50000.0]),
                      np.array([PLACE_EDGE, PLACE_VENUE, PLACE_EDGE], np.int8),
                      np.array([edge, cafe, edge], np.int32)))
    meetings, _ = draw.finish()
    assert len(meetings) == 1
    assert (meetings.place_kind[0], meetings.place[0], meetings.t[0]) == (PLACE_VENUE, cafe,
                                                                          40000.0)


def test_pair_draw_is_symmetric_and_keyed_by_stable_ids() -> None:
    uid = np.array([11, 22, 33], np.uint64)
    k = agent_day_keys(7, 0, uid)
    assert pair_uniform(k[[0]], k[[1]]) == pair_uniform(k[[1]], k[[0]])
    # Same people under other indices (another layout's order): same draw.
    k2 = agent_day_keys(7, 0, uid[::-1].copy())
    assert pair_uniform(k2[[2]], k2[[1]]) == pair_uniform(k[[0]], k[[1]])
    assert pair_uniform(agent_day_keys(7, 1, uid)[[0]], agent_day_keys(7, 1, uid)[[1]]) != (
        pair_uniform(k[[0]], k[[1]])
    )


def test_identical_layouts_give_identical_meetings(tiny: Layout) -> None:
    twin = dataclasses.replace(tiny, name="twin")
    runs = []
    for layout in (tiny, twin):
        model = CrosspathsModel(layout, seed=4)
        model.step()
        runs.append(model.last_meetings)
    assert runs[0].a.tolist() == runs[1].a.tolist()
    assert runs[0].t.tolist() == runs[1].t.tolist()
