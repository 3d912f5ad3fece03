"""Shared fixtures: the tiny 3 x 3 grid layout and a model run on it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from sim.engine.model import CrosspathsModel
from sim.layout import load_layout
from sim.layout.schema import Layout

FIXTURES = Path(__file__).parent / "fixtures"
TINY_PATH = FIXTURES / "tiny.yaml"
LADDER_PATH = FIXTURES / "ladder.yaml"


@pytest.fixture(scope="session")
def dask_address() -> Iterator[str]:
    """A local Dask cluster (two worker processes) shared by the tests that need one."""
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None
    ) as cluster:
        yield cluster.scheduler_address


@pytest.fixture(scope="session")
def tiny() -> Layout:
    """The tiny grid layout (200 people), loaded once."""
    return load_layout(TINY_PATH)


@pytest.fixture(scope="session")
def ladder() -> Layout:
    """Two parallel 200 m streets 30 m apart, joined at both ends."""
    return load_layout(LADDER_PATH)


BUSY_RATES = {
    f"model.{name}": value
    for name, value in {
        "p_street_high": 0.02, "p_street_low": 0.03, "p_footpath": 0.04, "p_park_path": 0.05,
        "p_crossing": 0.03, "p_cafe": 0.05, "p_canteen": 0.04, "p_lecture_hall": 0.03,
        "p_shared_lab": 0.1, "p_plaza": 0.05,
    }.items()
}
"""Rates ~20x the defaults, so that small test runs have enough meetings to compare."""


@pytest.fixture(scope="session")
def tiny_busy() -> Layout:
    """The tiny layout with high meeting rates (see :data:`BUSY_RATES`)."""
    return load_layout(TINY_PATH, BUSY_RATES)


@pytest.fixture(scope="session")
def tiny_model(tiny: Layout) -> CrosspathsModel:
    """The tiny layout simulated for two days with seed 1 (do not mutate)."""
    model = CrosspathsModel(tiny, seed=1)
    model.step()
    model.step()
    return model
