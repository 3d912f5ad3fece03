"""Crowding and geometry on whole runs: meetings saturate with density, and results
change smoothly with the greet radius."""

from __future__ import annotations

import dataclasses

import numpy as np

from sim.engine.model import CrosspathsModel
from sim.layout.schema import Layout


def _meetings_per_person_day(layout: Layout, seeds: tuple[int, ...] = (0, 1)) -> np.ndarray:
    """Mean (all, cross-institution) meetings per person-day over one day per seed."""
    out = []
    for seed in seeds:
        model = CrosspathsModel(layout, seed=seed)
        model.step()
        m, n = model.last_meetings, len(model.population)
        out.append((2 * len(m) / n, 2 * int(m.cross.sum()) / n))
    return np.mean(out, axis=0)


def _with(layout: Layout, **model: float) -> Layout:
    return dataclasses.replace(layout, params=dataclasses.replace(
        layout.params, model=dataclasses.replace(layout.params.model, **model)))


def _roomy(layout: Layout, factor: float) -> Layout:
    """Every venue's capacity times ``factor`` (so that full venues do not turn people away)."""
    venues = {k: dataclasses.replace(v, capacity=int(v.capacity * factor))
              for k, v in layout.venues.items()}
    return dataclasses.replace(layout, venues=venues)


def test_doubling_density_raises_meetings_per_person_by_at_most_half(tiny: Layout) -> None:
    # The tiny grid crowded with 2,000 and 4,000 people: the same streets and rooms (made
    # large enough to hold everyone: this is about attention, not capacity).
    dense, half = (_roomy(tiny.scaled(s), 20) for s in (20, 10))
    ratio = _meetings_per_person_day(dense)[0] / _meetings_per_person_day(half)[0]
    assert 1.0 < ratio <= 1.5
    # Without the attention limit, meetings per person grow nearly with density.
    free = [_with(layout, attention_capacity=1000.0) for layout in (dense, half)]
    free_ratio = _meetings_per_person_day(free[0])[0] / _meetings_per_person_day(free[1])[0]
    assert free_ratio > ratio + 0.1


def test_results_change_smoothly_with_the_greet_radius(tiny: Layout) -> None:
    crowded = tiny.scaled(10)
    per_radius = np.array([
        _meetings_per_person_day(_with(crowded, greet_radius_m=r))
        for r in (15.0, 17.5, 20.0, 22.5, 25.0)
    ])
    for figure in per_radius.T:  # all meetings, cross-institution meetings
        steps = np.abs(np.diff(figure))
        assert steps.max() <= 2 * np.median(steps)
