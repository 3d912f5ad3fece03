"""CrosspathsModel keeps Mesa's contract: plain keyword parameters, ``steps`` as the day
counter, ``running`` and ``run_model``, collection at set-up, and ``mesa.batch_run``."""

from __future__ import annotations

import inspect
from typing import Any

import mesa
import numpy as np
import pytest

from sim.engine.model import CrosspathsModel
from sim.errors import CrosspathsInputError, LayoutError, ParameterError
from sim.layout.schema import Layout
from tests.conftest import TINY_PATH


def test_a_path_and_plain_keywords_build_the_same_model_as_a_layout(tiny: Layout) -> None:
    by_path = CrosspathsModel(layout=str(TINY_PATH), seed=4, scale=0.5, days=1)
    by_layout = CrosspathsModel(tiny.scaled(0.5), seed=4)
    assert len(by_path.population) == len(by_layout.population) == 100
    by_path.step()
    by_layout.step()
    assert by_path.last_meetings.a.tolist() == by_layout.last_meetings.a.tolist()
    assert by_path.last_meetings.t.tolist() == by_layout.last_meetings.t.tolist()


def test_run_model_stops_after_days_and_steps_count_days() -> None:
    model = CrosspathsModel(layout=TINY_PATH, seed=1, scale=0.5, days=3)
    assert model.running and model.steps == 0
    model.run_model()
    assert not model.running
    assert model.steps == 3 == len(model.daily_meetings)
    # Day k's meetings carry the 0-based day k - 1.
    assert [set(m.day.tolist()) <= {k} for k, m in enumerate(model.daily_meetings)] == [True] * 3
    assert model.result().days == 3


def test_data_collected_at_set_up_and_after_every_day() -> None:
    model = CrosspathsModel(layout=TINY_PATH, seed=2, scale=0.5, days=2)
    df = model.datacollector.get_model_vars_dataframe()
    assert len(df) == 1 and df.iloc[0].tolist() == [0, 0, 0]
    model.run_model()
    df = model.datacollector.get_model_vars_dataframe()
    assert len(df) == 3
    assert df["meetings"].tolist() == [0] + [len(m) for m in model.daily_meetings]
    assert df["cross_institution_meetings"].tolist()[1:] == [
        int(m.cross.sum()) for m in model.daily_meetings
    ]
    assert (df["meetings"].iloc[1:] > 0).all()


def _days_of(seed: int, days: int) -> list[int]:
    model = CrosspathsModel(layout=str(TINY_PATH), seed=seed, scale=0.5, days=days)
    model.run_model()
    return [0] + [len(m) for m in model.daily_meetings]


def _seeds(parameters: dict[str, Any], seeds: list[int]) -> dict[str, Any]:
    """batch_run arguments for ``seeds``: Mesa >= 3.4 takes them as ``rng`` and passes
    them to the model's ``seed`` (overwriting a ``seed`` in parameters); 3.3 takes them as
    a parameter."""
    if "rng" in inspect.signature(mesa.batch_run).parameters:
        return {"parameters": parameters, "rng": seeds}
    return {"parameters": {**parameters, "seed": seeds}}


def test_batch_run_labels_each_row_with_its_day() -> None:
    rows = mesa.batch_run(
        CrosspathsModel,
        **_seeds({"layout": str(TINY_PATH), "scale": 0.5, "days": 3}, [0, 1]),
        max_steps=2,
        number_processes=1,
        data_collection_period=1,
        display_progress=False,
    )
    # Mesa 3.3 runs max_steps + 1 days, Mesa >= 3.4 max_steps; both report steps 0..2.
    got = {(r["seed"], int(r["Step"])): r["meetings"] for r in rows}
    assert sorted(got) == [(s, k) for s in (0, 1) for k in range(3)]
    for seed in (0, 1):
        expected = _days_of(seed, 3)
        assert [got[seed, k] for k in range(3)] == expected[:3]
    assert {"encounters", "cross_institution_meetings", "layout", "scale"} <= set(rows[0])


def test_batch_run_with_the_default_single_day() -> None:
    rows = mesa.batch_run(
        CrosspathsModel,
        **_seeds({"layout": str(TINY_PATH), "scale": 0.5}, [0, 1]),
        max_steps=2,
        number_processes=1,
        display_progress=False,
    )
    assert sorted(r["seed"] for r in rows) == [0, 1]
    for r in rows:
        # Whatever step Mesa reports, its figures are that step's (0 = set-up).
        assert r["meetings"] == _days_of(r["seed"], 1)[int(r["Step"])]


@pytest.mark.parametrize(
    ("kwargs", "error", "where"),
    [
        ({"scale": 0}, ParameterError, "scale"),
        ({"scale": float("nan")}, ParameterError, "scale"),
        ({"seed": -1}, ParameterError, "seed"),
        ({"seed": 1.5}, ParameterError, "seed"),
        ({"days": 0}, ParameterError, "days"),
        ({"layout": "no/such/layout.yaml"}, LayoutError, "no/such/layout.yaml"),
        ({"layout": 12}, ParameterError, "layout"),
    ],
)
def test_bad_parameters_are_refused_by_name(
    kwargs: dict, error: type[CrosspathsInputError], where: str
) -> None:
    params = {"layout": str(TINY_PATH), **kwargs}
    with pytest.raises(error) as info:
        CrosspathsModel(**params)
    assert where in info.value.one_line()


def test_no_seed_draws_one_and_keeps_it() -> None:
    model = CrosspathsModel(TINY_PATH, seed=None, scale=0.2)
    again = CrosspathsModel(TINY_PATH, seed=model.seed, scale=0.2)
    model.step()
    again.step()
    assert isinstance(model.seed, int) and model.seed >= 0
    assert model.last_meetings.t.tolist() == again.last_meetings.t.tolist()


def test_overrides_need_a_file(tiny: Layout) -> None:
    with pytest.raises(ParameterError, match="overrides"):
        CrosspathsModel(tiny, overrides={"model.greet_radius_m": 15})
    model = CrosspathsModel(TINY_PATH, scale=0.2, overrides={"model.greet_radius_m": 15})
    assert model.layout.params.model.greet_radius_m == 15
    assert np.isclose(len(model.population), 40)


def test_an_agent_reporter_sees_every_person(tiny: Layout) -> None:
    model = CrosspathsModel(tiny, seed=0)
    collector = mesa.DataCollector(agent_reporters={"speed": "speed"})
    collector.collect(model)
    speeds = collector.get_agent_vars_dataframe()["speed"]
    assert len(speeds) == len(model.population)
    assert sorted(speeds) == sorted(model.population.speed.tolist())
