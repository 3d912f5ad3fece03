"""Shared fixtures: the tiny 3 x 3 grid layout and a model run on it."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.engine.model import CrosspathsModel
from sim.layout import load_layout
from sim.layout.schema import Layout

FIXTURES = Path(__file__).parent / "fixtures"
TINY_PATH = FIXTURES / "tiny.yaml"
LADDER_PATH = FIXTURES / "ladder.yaml"


@pytest.fixture(scope="session")
def tiny() -> Layout:
    """The tiny grid layout (200 people), loaded once."""
    return load_layout(TINY_PATH)


@pytest.fixture(scope="session")
def ladder() -> Layout:
    """Two parallel 200 m streets 30 m apart, joined at both ends."""
    return load_layout(LADDER_PATH)


@pytest.fixture(scope="session")
def tiny_model(tiny: Layout) -> CrosspathsModel:
    """The tiny layout simulated for two days with seed 1 (do not mutate)."""
    model = CrosspathsModel(tiny, seed=1)
    model.step()
    model.step()
    return model
