"""Run every scenario over the same seeds and collect the outcomes in a fixed order.

Common random numbers come from the engine (streams named by building id, pair draws
keyed by stable person ids); this module only makes sure every scenario gets exactly
the same seeds, days and scale, and that the collected numbers never depend on which
worker finished first.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from sim.batch import RunOutcome, RunSpec, run_many
from sim.layout import Layout, load_layout


@dataclass(frozen=True)
class Scenario:
    """One scenario of a comparison.

    Attributes
    ----------
    index
        Position on the command line; 0 is the reference every other one is compared to.
    path
        The file as given.
    label
        Name shown in tables and figures: the layout's ``name``, made unique.
    layout
        The layout as loaded (unscaled); only its ids, names and coordinates are used.
    """

    index: int
    path: str
    label: str
    layout: Layout


@dataclass(frozen=True)
class ComparisonRuns:
    """Every run of a comparison, keyed by ``(scenario index, seed)``.

    Attributes
    ----------
    scenarios
        In command-line order; the first is the reference.
    seeds
        The seeds every scenario was run with, ascending.
    days, scale
        As passed to every run.
    outcomes
        One outcome per scenario and seed.
    """

    scenarios: tuple[Scenario, ...]
    seeds: tuple[int, ...]
    days: int
    scale: float
    outcomes: dict[tuple[int, int], RunOutcome]

    def outcome(self, scenario: int, seed: int) -> RunOutcome:
        """The run of ``scenario`` (index) with ``seed``."""
        return self.outcomes[(scenario, seed)]

    def figure(self, scenario: int, name: str) -> np.ndarray:
        """One headline figure of ``scenario`` for every seed, in seed order."""
        return np.array([self.outcomes[(scenario, s)].figures[name] for s in self.seeds])


def _unique_labels(layouts: Sequence[Layout], paths: Sequence[str]) -> list[str]:
    """Layout names, with the file added where two scenarios share a name."""
    names = [layout.name for layout in layouts]
    labels = [
        name if names.count(name) == 1 else f"{name} ({os.path.basename(path)})"
        for name, path in zip(names, paths, strict=True)
    ]
    # The same file given twice still needs two labels.
    return [
        label if labels.count(label) == 1 else f"{label} #{i + 1}" for i, label in enumerate(labels)
    ]


def load_scenarios(paths: Sequence[str]) -> tuple[Scenario, ...]:
    """Load and validate every scenario file before anything runs.

    Parameters
    ----------
    paths
        Layout or variant files; the first is the reference.

    Returns
    -------
    tuple[Scenario, ...]

    Raises
    ------
    LayoutError
        For the first file that is missing or invalid (one line naming file and line).
    """
    layouts = [load_layout(p) for p in paths]
    labels = _unique_labels(layouts, paths)
    return tuple(
        Scenario(index=i, path=str(p), label=label, layout=layout)
        for i, (p, label, layout) in enumerate(zip(paths, labels, layouts, strict=True))
    )


def build_specs(
    scenarios: Sequence[Scenario], seeds: Sequence[int], days: int, scale: float
) -> list[RunSpec]:
    """One :class:`RunSpec` per scenario and seed, keyed ``(scenario index, seed)``."""
    return [
        RunSpec(layout=sc.path, seed=seed, days=days, scale=scale, key=(sc.index, seed))
        for sc in scenarios
        for seed in seeds
    ]


def run_scenarios(
    scenarios: Sequence[Scenario],
    seeds: Sequence[int],
    days: int = 1,
    scale: float = 1.0,
    workers: int = 1,
    on_done: Callable[[RunOutcome], None] | None = None,
) -> ComparisonRuns:
    """Run every scenario with every seed (in ``workers`` processes) and collect them.

    Parameters
    ----------
    scenarios
        From :func:`load_scenarios`.
    seeds
        Distinct seeds, the same for every scenario.
    days, scale
        Simulated weekdays and population multiplier of every run.
    workers
        Local processes; 1 runs everything in this process.
    on_done
        Called with every outcome as it arrives (for a progress bar).

    Returns
    -------
    ComparisonRuns
        Outcomes keyed by ``(scenario index, seed)``; completion order is forgotten.
    """
    seeds = tuple(sorted(set(seeds)))
    specs = build_specs(scenarios, seeds, days, scale)
    outcomes = {out.spec.key: out for out in run_many(specs, workers=workers, on_done=on_done)}
    missing = [spec.key for spec in specs if spec.key not in outcomes]
    if missing:
        raise RuntimeError(f"runs missing from the pool's results: {missing}")
    return ComparisonRuns(
        scenarios=tuple(scenarios),
        seeds=seeds,
        days=days,
        scale=scale,
        outcomes={spec.key: outcomes[spec.key] for spec in specs},
    )
