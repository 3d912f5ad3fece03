"""The Mesa model as a whole: agents, determinism, multi-day ties, and agreement with
the slow per-agent reference implementation."""

from __future__ import annotations

import dataclasses

import mesa
import numpy as np
import pytest

from sim.engine.meetings import familiarity
from sim.engine.model import CrosspathsModel
from sim.engine.reference import ReferenceModel
from sim.layout.schema import Layout
from sim.population.agents import (
    Clinician,
    PersonAgent,
    Researcher,
    StartupEmployee,
    Student,
)


def test_one_mesa_agent_per_person_of_each_type(tiny_model: CrosspathsModel) -> None:
    by_type = tiny_model.agents_by_type
    assert len(by_type[Researcher]) == 40
    assert len(by_type[Student]) == 60
    assert len(by_type[StartupEmployee]) == 40
    assert len(by_type[Clinician]) == 60
    homes = {a.home for a in by_type[Clinician]}
    assert homes == {"clinic", "annex"}
    assert {a.institution for a in by_type[StartupEmployee]} <= {"hub", "uni"}


def test_agents_are_made_once_whichever_view_is_used_first(tiny: Layout) -> None:
    # The agents are made on first use of a view; their ids must not depend on which.
    ids = []
    for first_use in ("agents", "agents_by_type", "agent_types"):
        model = CrosspathsModel(tiny, seed=3)
        getattr(model, first_use)
        ids.append(sorted((a.unique_id, a.index) for a in model.agents))
    assert ids[0] == ids[1] == ids[2]
    assert [i for i, _ in ids[0]] == list(range(1, 201))
    assert sorted(row for _, row in ids[0]) == list(range(200))


def test_an_agent_added_before_the_views_were_used_joins_the_people(tiny: Layout) -> None:
    model = CrosspathsModel(tiny, seed=3)
    extra = mesa.Agent(model)
    assert len(model.agents) == len(model.population) + 1 and extra in model.agents
    people = [a for a in model.agents if isinstance(a, PersonAgent)]
    assert sorted(a.index for a in people) == list(range(len(model.population)))


def test_day_plans_are_plausible(tiny_model: CrosspathsModel) -> None:
    plan = tiny_model.last_plan
    assert plan is not None
    # Everybody arrives and leaves through a gateway: at least two trips each.
    trips = np.bincount(plan.trip_agent, minlength=len(tiny_model.population))
    assert trips.min() >= 2
    assert np.all(plan.stay_end > plan.stay_start)
    hours = plan.trip_depart / 3600
    assert hours.min() >= 5 and hours.max() < 24


def test_datacollector_records_each_day(tiny_model: CrosspathsModel) -> None:
    df = tiny_model.datacollector.get_model_vars_dataframe().iloc[1:]  # 0: set-up
    assert list(df["meetings"]) == [len(m) for m in tiny_model.daily_meetings]
    assert (df["encounters"] > df["meetings"]).all()


def test_same_seed_same_numbers_other_seed_other_numbers(tiny: Layout) -> None:
    def run(seed: int) -> tuple:
        model = CrosspathsModel(tiny, seed=seed)
        model.step()
        m = model.last_meetings
        return model.daily_encounters[0], m.a.tolist(), m.b.tolist(), m.t.tolist()

    assert run(5) == run(5)
    assert run(5) != run(6)


def test_ties_from_earlier_days_raise_the_familiarity_factor(tiny: Layout) -> None:
    model = CrosspathsModel(tiny, seed=2)
    model.step()
    met = model.daily_meetings[0]
    n = len(model.population)
    assert np.array_equal(model.ties, np.unique(met.a.astype(np.int64) * n + met.b))
    mp = tiny.params.model
    # A cross-institution pair in different buildings: a stranger until they have met.
    inst = model.population.institution
    a, b = 0, int(np.flatnonzero(inst != inst[0])[0])
    pair_a, pair_b = np.array([a]), np.array([b])
    assert familiarity(pair_a, pair_b, model.population, np.zeros(0, np.int64), tiny)[0] == 1.0
    tie = np.array([a * n + b], np.int64)
    assert familiarity(pair_a, pair_b, model.population, tie, tiny)[0] == mp.fam_tie


def _mean_meetings(layout: Layout, seeds: range, dt: float | None) -> tuple[float, float]:
    counts = []
    for seed in seeds:
        if dt is None:
            model = CrosspathsModel(layout, seed=seed)
            model.step()
            counts.append(len(model.last_meetings))
        else:
            ref = ReferenceModel(layout, seed=seed, dt=dt)
            ref.step()
            counts.append(ref.meetings_per_day[-1])
    c = np.array(counts, float)
    return c.mean(), c.std(ddof=1) / np.sqrt(len(c))


@pytest.fixture(scope="module")
def small(tiny_busy: Layout) -> Layout:
    # A high new-pair cap, so that few people give enough meetings to compare.
    busy = tiny_busy.scaled(0.3)
    model = dataclasses.replace(busy.params.model, max_new_pair_chance=0.5)
    return dataclasses.replace(busy, params=dataclasses.replace(busy.params, model=model))


def test_fast_engine_agrees_with_reference(small: Layout) -> None:
    seeds = range(4)
    fast, fast_se = _mean_meetings(small, seeds, None)
    ref, ref_se = _mean_meetings(small, seeds, 4.0)
    assert fast > 20
    assert abs(fast - ref) <= 3 * np.hypot(fast_se, ref_se) + 1e-9


def test_halving_the_reference_time_step_changes_counts_by_under_5_percent(
    small: Layout,
) -> None:
    coarse = ReferenceModel(small, seed=11, dt=4.0)
    fine = ReferenceModel(small, seed=11, dt=2.0)
    coarse.step()
    fine.step()
    exact = CrosspathsModel(small, seed=11)
    exact.step()
    pairs_coarse, pairs_fine = coarse.contact_pairs_per_day[0], fine.contact_pairs_per_day[0]
    assert pairs_fine >= pairs_coarse > 100
    assert pairs_fine - pairs_coarse <= 0.05 * pairs_fine
    for a, b in (
        (coarse.meetings_per_day[0], fine.meetings_per_day[0]),
        (fine.meetings_per_day[0], len(exact.last_meetings)),
    ):
        assert abs(a - b) <= 0.05 * max(a, b)
