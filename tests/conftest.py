"""Shared fixtures: the tiny 3 x 3 grid layout and a model run on it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from sim.engine import kernels
from sim.engine.model import CrosspathsModel
from sim.layout import load_layout
from sim.layout.schema import Layout
from sim.population.capacity import _admit
from sim.validate.timestep import BUSY_RATES as REFERENCE_BUSY_RATES

FIXTURES = Path(__file__).parent / "fixtures"
SLOWEST_FIRST = (
    "test_compare.py", "test_sweep.py", "test_outputs.py", "test_live_browser.py",
    "test_figures.py", "test_dask.py", "test_rank.py", "test_cli.py", "test_ties.py",
    "test_validate.py", "test_activities.py", "test_model.py", "test_kernels.py",
    "test_hardening.py", "test_overlay.py", "test_gis.py", "test_properties.py",
)  # fmt: skip
"""Modules that keep a worker busiest (``--durations``, or CPU and wall seconds per
module), longest first: ``make test`` hands out whole modules to its workers (``--dist
loadfile``) in this order, the next one to a worker with at most two tests left, so
the long ones go out first and the short ones even out the end. The browser and Dask
tests wait more than they compute: they rank by wall time."""


def pytest_configure(config: pytest.Config) -> None:
    """Compile numba's loops once, before ``pytest -n`` starts its workers.

    Each worker would otherwise compile them itself on a fresh clone (~14 s of CPU
    each, side by side with mypy in ``make test``); compiled here, in the process that
    hands out the tests, they are in numba's on-disk cache when the workers load them.
    With a warm cache this costs ~0.1 s.
    """
    if hasattr(config, "workerinput") or not config.getoption("numprocesses", None):
        return  # a worker, or a run without workers: nothing to share
    if kernels.AVAILABLE:
        CrosspathsModel(TINY_PATH, seed=0, days=2).run_model()
        _admit(np.zeros(1), np.ones(1), 1, 0.0)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Slowest modules first (:data:`SLOWEST_FIRST`), each module's tests in file order.

    Whole modules per worker, rather than ``--dist loadgroup``: with pytest 9.2 the
    ``xdist_group`` mark no longer groups anything (pytest-xdist issue 1386), so each
    worker built every module-scoped fixture again.
    """
    rank = {name: i for i, name in enumerate(SLOWEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))
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


def _in_language(text: str, code: str, keys: list[str | tuple[str, dict[str, object]]]) -> None:
    """Assert that ``text`` holds each key's string in ``code`` and not in the other language.

    A key is ``"name"`` or ``("name", placeholders)``; multi-line strings are checked line
    by line (figures draw each line as its own text). A string the same in both languages
    proves nothing about the language and is only checked to be present.
    """
    from sim.i18n import LANGUAGES, Lang

    lang = Lang(code)
    others = [Lang(c) for c in LANGUAGES if c != code]
    for key in keys:
        name, values = (key, {}) if isinstance(key, str) else key
        for k, line in enumerate(lang.t(name, **values).split("\n")):
            assert line in text, f"{name!r} ({code}): {line!r} missing"
            for other in others:
                foreign = other.t(name, **values).split("\n")[k]
                if foreign != line and foreign not in line:
                    assert foreign not in text, f"{name!r}: {other.code} {foreign!r} in {code}"


@pytest.fixture(scope="session")
def in_language() -> Callable[[str, str, list[str | tuple[str, dict[str, object]]]], None]:
    """:func:`_in_language`: check an output's words are those of one language only."""
    return _in_language
