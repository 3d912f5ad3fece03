"""Run a layout for a number of days: the one place that drives the model."""

from __future__ import annotations

from collections.abc import Callable

from sim.engine.model import CrosspathsModel
from sim.engine.results import RunResult
from sim.layout.schema import Layout


def simulate(
    layout: Layout,
    seed: int = 0,
    days: int = 1,
    on_progress: Callable[[str], None] | None = None,
) -> RunResult:
    """Build the model for ``layout`` and simulate ``days`` consecutive weekdays.

    Parameters
    ----------
    layout
        A validated (and, if wanted, scaled) layout.
    seed
        Seed of every random draw.
    days
        Number of weekdays, the same people every day.
    on_progress
        Called with a short label after set-up and after every day.
    """
    model = CrosspathsModel(layout, seed=seed, days=days)
    if on_progress:
        on_progress("set-up")
    while model.running:
        model.step()
        if on_progress:
            on_progress(f"day {model.steps}")
    return model.result()
