"""The points of a sweep: a grid of listed values crossed with sampled ranges.

Listed parameters form a full grid (every combination, in file order). Range parameters
are drawn ``count`` times by Latin hypercube or plain random sampling from a generator
seeded by the sweep's root seed alone, so the same sweep file always gives the same
points. When a sweep has both, every grid point gets the same sampled points, so grid
factors are compared on equal footing.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np

from sim.rng import stream
from sim.sweep.spec import Parameter, Sampler, SweepSpec

SIG_DIGITS = 6
"""Significant digits kept in sampled values: the value run is the value recorded."""

Point = dict[str, Any]
"""Parameter path → value at one point of the sweep, in the sweep file's order."""


def unit_sample(method: str, count: int, dims: int, rng: np.random.Generator) -> np.ndarray:
    """``count`` points in the unit hypercube ``[0, 1)^dims``.

    Parameters
    ----------
    method
        ``"lhs"``: Latin hypercube, every one of ``count`` equal strata of each axis holds
        exactly one point; ``"random"``: independent uniform draws.
    count, dims
        Number of points and of dimensions.
    rng
        Source of randomness.

    Returns
    -------
    numpy.ndarray
        Shape ``(count, dims)``.
    """
    if method == "random":
        return rng.random((count, dims))
    if method != "lhs":
        raise ValueError(f"unknown sampler {method!r}")
    out = np.empty((count, dims))
    for d in range(dims):
        out[:, d] = (rng.permutation(count) + rng.random(count)) / count
    return out


def from_unit(u: np.ndarray, param: Parameter) -> list[Any]:
    """Map unit draws onto a range parameter's values (rounded as they will be recorded).

    Whole-number parameters are spread evenly over ``min .. max`` inclusive.
    """
    if param.low is None or param.high is None:
        raise ValueError(f"{param.path} is a list, not a range")
    low, high = float(param.low), float(param.high)
    top = high + 1.0 if param.integer else high
    if param.log:
        x = np.exp(math.log(low) + u * (math.log(top) - math.log(low)))
    else:
        x = low + u * (top - low)
    if param.integer:
        return [int(v) for v in np.clip(np.floor(x), low, high)]
    return [float(f"{min(max(v, low), high):.{SIG_DIGITS}g}") for v in x]


def grid_points(parameters: tuple[Parameter, ...]) -> list[Point]:
    """Every combination of the listed parameters' values (one empty point if none)."""
    listed = [p for p in parameters if not p.is_range]
    return [
        {p.path: v for p, v in zip(listed, combo, strict=True)}
        for combo in itertools.product(*(p.values for p in listed))
    ]


def sampled_points(
    parameters: tuple[Parameter, ...], sampler: Sampler | None, seed: int
) -> list[Point]:
    """The range parameters' sampled points (one empty point if none)."""
    ranges = [p for p in parameters if p.is_range]
    if not ranges or sampler is None:
        return [{}]
    rng = stream(seed, "sweep", "sampler")
    u = unit_sample(sampler.method, sampler.count, len(ranges), rng)
    columns = [from_unit(u[:, d], p) for d, p in enumerate(ranges)]
    return [{p.path: col[i] for p, col in zip(ranges, columns, strict=True)}
            for i in range(sampler.count)]  # fmt: skip


def points(spec: SweepSpec) -> list[Point]:
    """All points of a sweep: grid × samples, keys in the sweep file's order.

    Parameters
    ----------
    spec
        The checked sweep.

    Returns
    -------
    list of dict
        Point ``i`` is the ``i``-th element; its index is part of each run's seed.
    """
    order = [p.path for p in spec.parameters]
    samples = sampled_points(spec.parameters, spec.sampler, spec.seed)
    return [
        {path: {**g, **s}[path] for path in order}
        for g in grid_points(spec.parameters)
        for s in samples
    ]
