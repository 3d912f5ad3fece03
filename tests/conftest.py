"""Shared fixtures: the tiny 3 x 3 grid layout and a model run on it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from sim.engine.model import CrosspathsModel
from sim.layout import load_layout
from sim.layout.schema import Layout
from sim.validate.timestep import BUSY_RATES as REFERENCE_BUSY_RATES

FIXTURES = Path(__file__).parent / "fixtures"
TINY_PATH = FIXTURES / "tiny.yaml"
LADDER_PATH = FIXTURES / "ladder.yaml"


@pytest.fixture(scope="session")
def dask_address() -> Iterator[str]:
    """A local Dask cluster (two worker processes) shared by the tests that need one.

    Its HTTP endpoints take a free port: a fixed one (8787) clashes with any other
    cluster on the machine.
    """
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=2, processes=True, threads_per_worker=1, dashboard_address=":0"
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


BUSY_RATES = REFERENCE_BUSY_RATES
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
