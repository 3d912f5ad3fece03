"""How far a ranking of moves can be trusted over the uncertain (assumption) constants.

The assumption parameters (:data:`UNCERTAIN`) are sampled by Latin hypercube with the
sweep machinery (:func:`sim.sweep.sampling.sampled_points`); at every point the base
layout and every move run with the same seeds (common random numbers). Per point, each
move's effect is its relative change in cross-institution meetings per person-day.
From the points: the probability of each rank per move, the probability that the
effect is positive, Kendall's τ between each point's ranking and the ranking at the
defaults, and standardised regression coefficients (SRC) of each move's effect on the
parameters.
"""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np

from sim.i18n import EN
from sim.params import ModelParams, param_fields
from sim.sweep.sampling import Point, sampled_points
from sim.sweep.spec import Parameter, Sampler

UNCERTAIN: tuple[str, ...] = (
    "p_street_low", "p_footpath", "p_cafe", "p_canteen", "p_shared_lab", "p_plaza",
    "fam_same_institution", "fam_same_building", "fam_tie", "venue_decay_m",
    "gateway_decay_m", "attention_capacity", "max_new_pair_chance", "optional_reluctance",
    "optional_decay_m", "frontage_boost",
)  # fmt: skip
"""Model parameters sampled: the meeting rates by setting, familiarity factors,
optional-activity and decay parameters whose source is an assumption."""
DEFAULT_SPAN = 2.0
"""Range of a parameter whose source gives none: default ÷ 2 to × 2, sampled in log."""
FIGURE = "cross_institution_meetings_per_person_day"


def _documented_range(source: str) -> tuple[float, float] | None:
    m = re.search(r"range\s+([0-9.]+)\s*[-–]\s*([0-9.]+)", source)
    return (float(m.group(1)), float(m.group(2))) if m else None


def uncertain_parameters(names: tuple[str, ...] = UNCERTAIN) -> list[dict[str, Any]]:
    """Each sampled parameter: path, default, range and where the range comes from."""
    defaults = ModelParams()
    fields = param_fields(ModelParams)
    out = []
    for name in names:
        meta = fields[name].metadata
        default = float(getattr(defaults, name))
        rng = _documented_range(str(meta["source"]))
        if rng is None or not rng[0] <= default <= rng[1]:
            low, high, key = default / DEFAULT_SPAN, default * DEFAULT_SPAN, "val.range.default"
        else:
            low, high, key = rng[0], rng[1], "val.range.source"
        lo_b, hi_b = meta["lo"], meta["hi"]
        low = max(low, lo_b) if lo_b is not None else low
        high = min(high, hi_b) if hi_b is not None else high
        out.append({"path": f"model.{name}", "default": default, "low": low, "high": high,
                    "log": low > 0, "range_source": EN.t(key), "range_key": key})  # fmt: skip
    return out


def sample_points(count: int, seed: int, names: tuple[str, ...] = UNCERTAIN) -> list[Point]:
    """``count`` Latin-hypercube points over the uncertain parameters (reproducible)."""
    params = tuple(
        Parameter(path=p["path"], kind="model", low=p["low"], high=p["high"], log=p["log"])
        for p in uncertain_parameters(names)
    )
    return sampled_points(params, Sampler("lhs", count), seed)


def rank_statistics(
    effects: np.ndarray, moves: list[str], default_effects: np.ndarray | None = None
) -> dict[str, Any]:
    """Rank probabilities, P(effect > 0) and Kendall's τ from effects per point.

    Parameters
    ----------
    effects
        ``(points, moves)`` relative effects (higher is better).
    moves
        Move names, in column order.
    default_effects
        Effects at the default parameters (the reference ranking for τ); the mean
        over points if ``None``.

    Returns
    -------
    dict
        ``moves``: per move ``rank_probability`` (list, rank 1 first), ``p_first``,
        ``p_positive``, ``mean_effect`` and its 2.5 / 97.5 % points; ``kendall_tau``:
        mean and 2.5 / 97.5 % of τ between each point's ranking and the reference.
    """
    from scipy.stats import kendalltau

    n, k = effects.shape
    ranks = np.argsort(np.argsort(-effects, axis=1), axis=1)  # 0 = best
    ref = default_effects if default_effects is not None else effects.mean(axis=0)
    out: dict[str, Any] = {"points": int(n), "moves": {}}
    for j, move in enumerate(moves):
        probs = np.bincount(ranks[:, j], minlength=k) / max(n, 1)
        out["moves"][move] = {
            "rank_probability": [float(p) for p in probs],
            "p_first": float(probs[0]),
            "p_positive": float(np.mean(effects[:, j] > 0)),
            "mean_effect": float(effects[:, j].mean()),
            "effect_p2_5": float(np.percentile(effects[:, j], 2.5)),
            "effect_p97_5": float(np.percentile(effects[:, j], 97.5)),
        }
    taus = []
    for i in range(n):
        if k >= 2:
            tau = kendalltau(effects[i], ref).statistic
            taus.append(float(tau) if math.isfinite(tau) else 0.0)
    if taus:
        out["kendall_tau"] = {"mean": float(np.mean(taus)),
                              "p2_5": float(np.percentile(taus, 2.5)),
                              "p97_5": float(np.percentile(taus, 97.5))}  # fmt: skip
    return out


def src(x: np.ndarray, y: np.ndarray, names: list[str]) -> dict[str, Any]:
    """Standardised regression coefficients of ``y`` on the columns of ``x``.

    Needs more points than parameters + 1; with fewer, Spearman rank correlations are
    returned instead (``method`` says which).
    """
    from scipy.stats import spearmanr

    n, k = x.shape
    sx, sy = x.std(axis=0), y.std()
    if sy == 0:
        return {"method": "none", "why": "the effect does not vary", "coefficients": {}}
    if n > k + 2 and np.all(sx > 0):
        z = (x - x.mean(axis=0)) / sx
        design = np.column_stack([np.ones(n), z])
        beta = np.linalg.lstsq(design, (y - y.mean()) / sy, rcond=None)[0][1:]
        fitted = design @ np.linalg.lstsq(design, (y - y.mean()) / sy, rcond=None)[0]
        r2 = 1.0 - float(np.sum(((y - y.mean()) / sy - fitted) ** 2)) / n
        coef = {nm: float(b) for nm, b in zip(names, beta, strict=True)}
        return {"method": "SRC", "r2": r2, "coefficients": coef}
    coef = {}
    for j, nm in enumerate(names):
        rho = spearmanr(x[:, j], y).statistic if sx[j] > 0 else float("nan")
        coef[nm] = float(rho) if math.isfinite(rho) else 0.0
    return {"method": "Spearman (too few points for SRC)", "coefficients": coef}


def point_matrix(points: list[Point], names: list[str]) -> np.ndarray:
    """The sampled values as a ``(points, parameters)`` array, log where sampled in log."""
    specs = {p["path"]: p for p in uncertain_parameters(tuple(n.split(".")[-1] for n in names))}
    cols = []
    for nm in names:
        v = np.array([float(p[nm]) for p in points])
        cols.append(np.log(v) if specs[nm]["log"] else v)
    return np.column_stack(cols) if cols else np.zeros((len(points), 0))


__all__ = [
    "UNCERTAIN", "point_matrix", "rank_statistics", "sample_points", "src",
    "uncertain_parameters",
]  # fmt: skip
