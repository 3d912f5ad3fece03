"""Distance decay (Allen 1977) and path overlap (Kabo et al. 2014) from one run's meetings.

A run gives, per pair of home buildings, the meetings of the day, the number of pairs
of people, the walking distance between the buildings and the expected length of route
two of their people both walk (:func:`building_arrays`). Summed over seeds, these give

- the meeting rate per pair of people by distance band, and a fit
  ``rate = c + a·exp(−d/λ)`` over building pairs in different buildings
  (:func:`fit_decay`);
- the factor by which the rate grows per 30.5 m (100 ft) of expected shared route at
  equal distance, from a quasi-Poisson regression with a fixed effect per distance
  band (:func:`path_overlap_factor`).
"""

from __future__ import annotations

import itertools
import math
import warnings
from typing import Any

import numpy as np
from scipy.optimize import OptimizeWarning, curve_fit

from sim.engine.model import CrosspathsModel
from sim.engine.trips import expand_trips
from sim.i18n import EN, Phrase

BANDS_M = (1, 100, 200, 300, 400, 500, 650, 800, 1000, 1250, 1500, 2000, 5000)
"""Distance bands: held fixed in the path-overlap regression ("at equal distance") and
the bins of the distance-decay table and fit."""
KABO_STEP_M = 30.5
KABO_TARGET = 1.20
KABO_ACCEPTABLE = (1.10, 1.35)
Z95 = 1.959963984540054


def building_pairs(model: CrosspathsModel) -> tuple[np.ndarray, np.ndarray]:
    """Pairs of people per building pair, and walking distance between the buildings, m."""
    n_b = len(model.layout.buildings)
    size = np.bincount(model.population.building, minlength=n_b).astype(float)
    pairs = np.outer(size, size)
    np.fill_diagonal(pairs, size * (size - 1) / 2)
    dist = model.routes.site_distance()[:n_b, :n_b]
    # Unreachable pairs (a layout with islands) are marked -1 and fall outside every band.
    return pairs, np.where(np.isfinite(dist), dist, -1.0)


def meetings_by_building_pair(model: CrosspathsModel) -> np.ndarray:
    """Meetings of the last day by pair of home buildings, symmetric."""
    n_b = len(model.layout.buildings)
    m = model.last_meetings
    ba = model.population.building[m.a].astype(np.int64)
    bb = model.population.building[m.b].astype(np.int64)
    counts = np.bincount(np.minimum(ba, bb) * n_b + np.maximum(ba, bb), minlength=n_b * n_b)
    upper = counts.reshape(n_b, n_b).astype(float)
    return upper + np.triu(upper, 1).T


def person_route_share(model: CrosspathsModel) -> np.ndarray:
    """Share of each building's people who walk each edge in the day, (buildings, edges)."""
    plan = model.last_plan
    if plan is None:
        raise ValueError("the model has not simulated a day yet")
    trav, _ = expand_trips(plan, model.routes, model.graph, model.population.speed, near=0.0)
    n_b, n_e = len(model.layout.buildings), model.graph.n_edges
    who = np.unique(trav.agent.astype(np.int64) * n_e + trav.edge)
    agent, edge = who // n_e, who % n_e
    b = model.population.building[agent].astype(np.int64)
    walkers = np.bincount(b * n_e + edge, minlength=n_b * n_e).reshape(n_b, n_e)
    size = np.bincount(model.population.building, minlength=n_b)
    return walkers / np.maximum(size, 1)[:, None]


def expected_overlap_m(share: np.ndarray, length: np.ndarray) -> np.ndarray:
    """Expected length of route two people of buildings A and B both walk in a day, m."""
    return (share * length[None, :]) @ share.T


def building_arrays(model: CrosspathsModel) -> dict[str, np.ndarray]:
    """What the validation keeps of a simulated day: the building-pair matrices."""
    pairs, dist = building_pairs(model)
    return {
        "meetings": meetings_by_building_pair(model),
        "pairs": pairs,
        "dist": dist,
        "overlap": expected_overlap_m(person_route_share(model), model.graph.length),
    }


def poisson_slope(
    counts: np.ndarray, exposure: np.ndarray, band: np.ndarray, x: np.ndarray
) -> tuple[float, float]:
    """Slope of ``x`` in a Poisson regression with an offset and a fixed effect per band.

    Returns the estimate and its standard error, scaled by the Pearson dispersion
    (quasi-Poisson), fitted by iteratively reweighted least squares.
    """
    bands = np.unique(band)
    design = np.column_stack([(band == k).astype(float) for k in bands] + [x])
    offset = np.log(exposure)
    beta = np.zeros(design.shape[1])
    beta[:-1] = np.log(max(counts.sum(), 1) / exposure.sum())
    for _ in range(100):
        mu = np.exp(design @ beta + offset)
        z = design @ beta + (counts - mu) / mu
        xtw = design.T * mu
        new = np.linalg.lstsq(xtw @ design, xtw @ z, rcond=None)[0]
        done = np.max(np.abs(new - beta)) < 1e-10
        beta = new
        if done:
            break
    mu = np.exp(design @ beta + offset)
    dof = max(len(counts) - len(beta), 1)
    dispersion = max(float(((counts - mu) ** 2 / mu).sum()) / dof, 1.0)
    cov = np.linalg.pinv((design.T * mu) @ design) * dispersion
    return float(beta[-1]), float(np.sqrt(max(cov[-1, -1], 0.0)))


def path_overlap_factor(
    meetings: np.ndarray, pairs: np.ndarray, dist: np.ndarray, overlap: np.ndarray,
    person_days: int,
) -> tuple[float, float, float]:
    """Meeting-rate factor per :data:`KABO_STEP_M` of shared route, with a 95 % interval."""
    iu = np.triu_indices_from(dist, k=1)
    d, w = dist[iu], pairs[iu] * person_days
    ok = (w > 0) & (d >= BANDS_M[0]) & (d < BANDS_M[-1])
    band = np.digitize(d[ok], BANDS_M)
    slope, se = poisson_slope(meetings[iu][ok], w[ok], band, overlap[iu][ok])
    lo, mid, hi = (math.exp(KABO_STEP_M * (slope + k * Z95 * se)) for k in (-1, 0, 1))
    return mid, lo, hi


def decay_table(
    meetings: np.ndarray, pairs: np.ndarray, dist: np.ndarray, days: int
) -> list[dict[str, float]]:
    """Meetings per pair of people per day by distance band, with Poisson 95 % intervals.

    The first row is the same building (distance 0); the others are :data:`BANDS_M`.
    """
    iu = np.triu_indices_from(dist)
    d, m, w = dist[iu], meetings[iu], pairs[iu] * days
    rows = []
    edges = [(0.0, 1.0), *itertools.pairwise(BANDS_M)]
    for lo, hi in edges:
        sel = (d >= lo) & (d < hi) & (w > 0)
        if not sel.any():
            continue
        count, exposure = float(m[sel].sum()), float(w[sel].sum())
        half = Z95 * math.sqrt(max(count, 1.0)) / exposure
        rows.append({
            "low_m": float(lo), "high_m": float(hi),
            "distance_m": float(np.average(d[sel], weights=w[sel])),
            "meetings": count, "pair_days": exposure, "rate": count / exposure,
            "ci_low": max(count / exposure - half, 0.0), "ci_high": count / exposure + half,
        })  # fmt: skip
    return rows


def _decay(d: np.ndarray, c: float, a: float, lam: float) -> np.ndarray:
    return c + a * np.exp(-d / lam)


def reasons(*phrases: Phrase) -> dict[str, Any]:
    """``why`` (English, parts joined by "; ") and ``why_phrases``: the same reasons as
    :data:`~sim.i18n.Phrase` lists, so the report can give them in any language."""
    return {"why": "; ".join(EN.phrase(p) for p in phrases),
            "why_phrases": [[key, dict(values)] for key, values in phrases]}  # fmt: skip


def fit_decay(rows: list[dict[str, float]]) -> dict[str, Any]:
    """Fit ``c + a·exp(−d/λ)`` to the distance bands beyond the same building.

    Weighted least squares on the band rates (weights from their Poisson errors) with
    :func:`scipy.optimize.curve_fit`; 95 % intervals from the covariance, ``t`` with
    ``bands − 3`` degrees of freedom.

    Returns
    -------
    dict
        ``c``, ``a``, ``lambda_m`` (each ``value``, ``ci_low``, ``ci_high``) and ``ok``;
        ``ok`` is False (with :func:`reasons`) when there are too few bands or the fit
        fails.
    """
    from scipy.stats import t as t_dist

    bands = [r for r in rows if r["low_m"] >= 1.0 and r["pair_days"] > 0]
    if len(bands) < 4:
        return {"ok": False, **reasons(("val.why.bands", {"n": len(bands)}))}
    d = np.array([r["distance_m"] for r in bands])
    y = np.array([r["rate"] for r in bands])
    sigma = np.array([max(r["ci_high"] - r["rate"], 1e-30) / Z95 for r in bands])
    p0 = (float(y.min()), float(max(y.max() - y.min(), 1e-12)), float(np.median(d)))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", OptimizeWarning)
            popt, pcov = curve_fit(
                _decay, d, y, p0=p0, sigma=sigma, absolute_sigma=False, maxfev=20000,
                bounds=([-np.inf, 0.0, 1.0], [np.inf, np.inf, 1e5]),
            )
    except (RuntimeError, ValueError) as exc:
        return {"ok": False, **reasons(("val.why.fit_failed", {"error": str(exc)}))}
    se = np.sqrt(np.clip(np.diag(pcov), 0.0, None))
    tq = float(t_dist.ppf(0.975, max(len(bands) - 3, 1)))
    out: dict[str, Any] = {"ok": bool(np.all(np.isfinite(se)))}
    for name, value, err in zip(("c", "a", "lambda_m"), popt, se, strict=True):
        out[name] = {"value": float(value), "ci_low": float(value - tq * err),
                     "ci_high": float(value + tq * err)}  # fmt: skip
    out["max_distance_m"] = float(d.max())
    return out


def decay_verdict(fit: dict[str, Any]) -> tuple[str, list[Phrase]]:
    """Allen's pattern: the rate falls with distance and levels off at a floor.

    Met when ``a > 0`` and the floor ``c`` is above 0 with 95 % confidence and ``λ``
    (upper bound) is under half the largest distance measured, so the floor is reached
    inside the district rather than extrapolated. Returns the verdict and its reasons.
    """
    if not fit.get("ok"):
        stored: list[Phrase] = [(k, v) for k, v in fit.get("why_phrases", [])]
        return "not testable", stored or [("val.why.no_errors", {})]
    c, a, lam = fit["c"], fit["a"], fit["lambda_m"]
    reach = fit["max_distance_m"] / 2
    if a["value"] > 0 and c["ci_low"] > 0 and lam["ci_high"] < reach:
        return "met", [("val.why.decay_met", {"lam": round(lam["value"]),
                                              "c": _sig(c["value"])})]  # fmt: skip
    why: list[Phrase] = []
    if not c["ci_low"] > 0:
        why.append(("val.why.no_floor", {}))
    if not lam["ci_high"] < reach:
        why.append(("val.why.still_falling", {"lam": round(lam["ci_high"]),
                                              "reach": round(reach)}))  # fmt: skip
    if not a["value"] > 0:
        why.append(("val.why.no_decay", {}))
    return "not met", why


def _sig(value: float) -> float:
    """``value`` to three significant figures (a reason's number, as the report shows it)."""
    return float(f"{value:.3g}")


def kabo_verdict(ratio: float, lo: float, hi: float) -> tuple[str, list[Phrase]]:
    """Kabo et al. 2014: ×1.20 per 30.5 m; met when the estimate lies in 1.10–1.35.

    Returns the verdict and its reasons (by how much a miss misses).
    """
    a, b = KABO_ACCEPTABLE
    if not math.isfinite(ratio):
        return "not testable", [("val.why.no_convergence", {})]
    if a <= ratio <= b:
        return "met", [("val.why.kabo_met", {"ratio": _sig(ratio), "low": a, "high": b})]
    key = "val.why.kabo_below" if ratio < a else "val.why.kabo_above"
    gap = a - ratio if ratio < a else ratio - b
    return "not met", [(key, {"ratio": _sig(ratio), "ci_low": _sig(lo), "ci_high": _sig(hi),
                              "gap": _sig(gap), "low": a, "high": b,
                              "target": KABO_TARGET})]  # fmt: skip
