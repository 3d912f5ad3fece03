"""Means, t-based confidence intervals and paired differences over seeds.

Every interval here is a Student t interval over seeds: each seed is one independent
replicate of the whole district, so with ``n`` seeds there are ``n - 1`` degrees of
freedom. The t quantile comes from :mod:`scipy.stats`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

LEVEL = 0.95
"""Confidence level of every interval in the comparison."""

def t_quantile(q: float, df: int) -> float:
    """The ``q`` quantile of Student's t distribution with ``df`` degrees of freedom.

    Parameters
    ----------
    q
        Probability in (0, 1); e.g. 0.975 for the half-width of a 95 % interval.
    df
        Degrees of freedom, a whole number >= 1.

    Returns
    -------
    float
        ``t`` with ``P(T <= t) = q``; negative for ``q < 0.5``.

    Raises
    ------
    ValueError
        If ``q`` is not in (0, 1) or ``df`` is not a whole number >= 1.
    """
    if not 0.0 < q < 1.0:
        raise ValueError(f"quantile probability must be in (0, 1), got {q}")
    if int(df) != df or df < 1:
        raise ValueError(f"degrees of freedom must be a whole number >= 1, got {df}")
    # Imported here: scipy.stats takes ~0.9 s to import, and every spawned worker of a
    # comparison imports this module without needing it.
    from scipy.stats import t as student_t

    return float(student_t.ppf(q, int(df)))


def t_critical(n: int, level: float = LEVEL) -> float:
    """Half-width multiplier of a two-sided ``level`` interval from ``n`` replicates."""
    if n < 2:
        raise ValueError(f"a confidence interval needs at least 2 seeds, got {n}")
    return t_quantile(0.5 + level / 2.0, n - 1)


@dataclass(frozen=True)
class Estimate:
    """A mean over seeds with its confidence interval.

    Attributes
    ----------
    mean, low, high
        The mean and the bounds of its interval.
    sd
        Sample standard deviation over seeds (``ddof=1``).
    n
        Number of seeds.
    """

    mean: float
    low: float
    high: float
    sd: float
    n: int


@dataclass(frozen=True)
class Difference:
    """A variant minus the reference, paired by seed.

    Attributes
    ----------
    mean, low, high
        Mean paired difference and its interval.
    relative, relative_low, relative_high
        ``mean(variant) / mean(reference) - 1`` and its Fieller interval; ``None``
        where undefined (the reference mean is 0 or not distinguishable from 0);
        exactly 0 with a zero-width interval when the two are identical.
    indistinguishable
        True when the interval of the difference contains 0: with these seeds the
        change cannot be told apart from run-to-run noise.
    identical
        True when every seed gave exactly the same value in both scenarios.
    n
        Number of seeds (pairs).
    """

    mean: float
    low: float
    high: float
    relative: float | None
    relative_low: float | None
    relative_high: float | None
    indistinguishable: bool
    identical: bool
    n: int


def _as_samples(values: np.ndarray | list[float]) -> np.ndarray:
    """``values`` as a 1-D float array of at least two seeds."""
    x = np.asarray(values, dtype=float)
    if x.ndim != 1 or x.size < 2:
        raise ValueError(f"expected one value per seed for at least 2 seeds, got shape {x.shape}")
    return x


def mean_ci(values: np.ndarray | list[float], level: float = LEVEL) -> Estimate:
    """Mean over seeds with a t interval: ``mean ± t(n-1) × sd / sqrt(n)``.

    Parameters
    ----------
    values
        One value per seed.
    level
        Confidence level.

    Returns
    -------
    Estimate
    """
    x = _as_samples(values)
    n = x.size
    mean = float(x.mean())
    sd = float(x.std(ddof=1))
    half = t_critical(n, level) * sd / math.sqrt(n)
    return Estimate(mean=mean, low=mean - half, high=mean + half, sd=sd, n=n)


def paired_half_width(diffs: np.ndarray, level: float = LEVEL) -> np.ndarray:
    """Half-widths of t intervals of the mean along axis 0 (one row per seed).

    Vectorised form of the interval in :func:`mean_ci`, for many places or pairs at
    once.
    """
    d = np.asarray(diffs, dtype=float)
    n = d.shape[0]
    return t_critical(n, level) * d.std(axis=0, ddof=1) / math.sqrt(n)


def fieller_ratio_ci(
    reference: np.ndarray, variant: np.ndarray, level: float = LEVEL
) -> tuple[float, float] | None:
    """Fieller interval of ``mean(variant) / mean(reference)`` for values paired by seed.

    The interval is every ratio ``R`` for which ``mean(variant - R × reference)`` is
    not distinguishable from 0 by a paired t test. So ``R = 1`` lies inside exactly
    when the paired interval of the difference contains 0: the relative change and the
    difference never disagree about whether a change is real.

    Parameters
    ----------
    reference, variant
        One value per seed, same seeds in the same order.
    level
        Confidence level.

    Returns
    -------
    tuple[float, float] or None
        The bounds, or ``None`` when the set of such ratios is unbounded (the reference
        mean itself is not distinguishable from 0).
    """
    x, y = _as_samples(reference), _as_samples(variant)
    n = x.size
    g = t_critical(n, level) ** 2 / n
    cov = np.cov(np.vstack([x, y]), ddof=1)
    # (ȳ - R x̄)² <= g × var(y - R x), a quadratic a R² - 2 b R + c <= 0 in R.
    a = x.mean() ** 2 - g * cov[0, 0]
    b = x.mean() * y.mean() - g * cov[0, 1]
    c = y.mean() ** 2 - g * cov[1, 1]
    if a <= 0.0:
        return None
    root = math.sqrt(max(float(b * b - a * c), 0.0))
    return float((b - root) / a), float((b + root) / a)


def paired_difference(
    reference: np.ndarray | list[float], variant: np.ndarray | list[float], level: float = LEVEL
) -> Difference:
    """Difference ``variant - reference`` paired by seed, with relative change.

    Parameters
    ----------
    reference, variant
        One value per seed, same seeds in the same order.
    level
        Confidence level.

    Returns
    -------
    Difference
        The interval of the difference is a t interval of the per-seed differences
        (``n - 1`` degrees of freedom); the relative change is the ratio of means minus
        one with its Fieller interval (see :func:`fieller_ratio_ci`).
    """
    x, y = _as_samples(reference), _as_samples(variant)
    if x.shape != y.shape:
        raise ValueError(f"paired samples differ in length: {x.size} and {y.size}")
    diff = mean_ci(y - x, level)
    identical = bool(np.array_equal(x, y))
    relative = relative_low = relative_high = None
    if identical:
        # Every per-seed ratio is exactly 1; Fieller's set would be all ratios when the
        # reference mean is noisy, which says nothing useful about identical runs.
        relative = relative_low = relative_high = 0.0
    elif x.mean() != 0.0:
        relative = float(y.mean() / x.mean() - 1.0)
        bounds = fieller_ratio_ci(x, y, level)
        if bounds is not None:
            relative_low, relative_high = bounds[0] - 1.0, bounds[1] - 1.0
    return Difference(
        mean=diff.mean,
        low=diff.low,
        high=diff.high,
        relative=relative,
        relative_low=relative_low,
        relative_high=relative_high,
        indistinguishable=bool(diff.low <= 0.0 <= diff.high),
        identical=identical,
        n=diff.n,
    )


def unpaired_difference_ci(
    reference: np.ndarray | list[float], variant: np.ndarray | list[float], level: float = LEVEL
) -> tuple[float, float]:
    """Interval of ``mean(variant) - mean(reference)`` ignoring the pairing by seed.

    The classical two-sample t interval with pooled variance and ``n1 + n2 - 2``
    degrees of freedom: what the comparison would give if every scenario drew its own,
    independent random numbers. Only for showing what common random numbers save.
    """
    x, y = _as_samples(reference), _as_samples(variant)
    nx, ny = x.size, y.size
    pooled = ((nx - 1) * x.var(ddof=1) + (ny - 1) * y.var(ddof=1)) / (nx + ny - 2)
    half = t_quantile(0.5 + level / 2.0, nx + ny - 2) * math.sqrt(pooled * (1 / nx + 1 / ny))
    mean = float(y.mean() - x.mean())
    return mean - half, mean + half
