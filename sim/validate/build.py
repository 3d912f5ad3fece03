"""What a validation runs (:class:`Settings`), and the numbers of every section from its runs."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from sim.batch import RunSpec
from sim.errors import CrosspathsInputError
from sim.i18n import EN, Phrase
from sim.layout import load_layout
from sim.rng import PAIR_CLASSES
from sim.runs.backends import RunTask
from sim.validate import patterns, ranking, timestep
from sim.validate.calibration import calibration_table
from sim.validate.geometry import run_cases

FIGURE = ranking.FIGURE
IMPOSED_OFF: tuple[tuple[str, Any], ...] = (
    ("model.venue_decay_m", 1e5),
    ("model.fam_same_building", 1.0),
)
"""Overrides that switch off the imposed parts of the distance decay: destination choice
without distance decay (a 100 km scale), and no same-building familiarity."""


@dataclass(frozen=True)
class Move:
    """A move compared with the base layout: its own layout file and/or overrides."""

    name: str
    layout: str
    overrides: tuple[tuple[str, Any], ...] = ()


@dataclass(frozen=True)
class Settings:
    """Everything that decides a validation's runs."""

    layout: str
    seeds: int = 5
    scale: float = 1.0
    radii: tuple[float, ...] = (15.0, 17.5, 20.0, 22.5, 25.0)
    radius_scale: float = 0.5
    scales: tuple[float, float] = (0.5, 1.0)
    scale_moves: int = 2
    moves: tuple[Move, ...] = ()
    lhs_points: int = 32
    rank_scale: float = 0.5
    rank_seeds: int = 1
    ref_layout: str = timestep.REFERENCE_LAYOUT
    ref_scale: float = timestep.REFERENCE_SCALE
    ref_seeds: int = 20
    dts: tuple[float, ...] = (5.0, 2.0, 1.0)
    uniform_classes: tuple[int, int] = (PAIR_CLASSES, 1)
    sample_seed: int = 0
    quick: bool = False


def default_settings(layout: str, seeds: int | None, quick: bool) -> Settings:
    """The full validation, or the ``--quick`` one (fewer seeds, points, smaller scale)."""
    # The vision moves extend the baseline: against another layout they compare nothing.
    vision = Path("scenarios/vision")
    is_base = Path(layout).resolve() == (vision.parent / "baseline.yaml").resolve()
    moves = tuple(Move(p.stem, str(p)) for p in sorted(vision.glob("*.yaml"))) if is_base else ()
    if quick:
        return Settings(
            layout=layout, seeds=seeds or 2, scale=0.25, radii=(15.0, 17.5, 20.0, 22.5, 25.0),
            radius_scale=0.2, scales=(0.25, 0.5), moves=moves, lhs_points=6, rank_scale=0.1,
            ref_scale=0.15, ref_seeds=3, quick=True,
        )  # fmt: skip
    return Settings(layout=layout, seeds=seeds or 5, moves=moves)


def _title(layout: str, fallback: str) -> str:
    """The title a move's layout file gives itself (figures name moves by it)."""
    try:
        return load_layout(layout).display_name
    except CrosspathsInputError:
        return fallback


def _spec(layout: str, seed: int, scale: float, overrides: tuple[tuple[str, Any], ...],
          key: tuple[Any, ...]) -> RunSpec:  # fmt: skip
    return RunSpec(layout, seed, 1, scale, tuple(overrides), key)


def plan(s: Settings) -> dict[str, list[RunSpec]]:
    """The runs of every section, by section."""
    seeds = range(s.seeds)
    out: dict[str, list[RunSpec]] = {"allen": [], "radius": [], "scale": [], "ranking": [],
                                     "timestep": [], "uniforms": []}  # fmt: skip
    for label, ov in (("as_run", ()), ("imposed_off", IMPOSED_OFF)):
        out["allen"] += [_spec(s.layout, k, s.scale, ov, ("pattern", label)) for k in seeds]
    for r in s.radii:
        ov = (("model.greet_radius_m", r),)
        out["radius"] += [_spec(s.layout, k, s.radius_scale, ov, ("headline", "radius", r))
                          for k in seeds]  # fmt: skip
    chosen = s.moves[: s.scale_moves]
    for sc in s.scales:
        for m in (Move("base", s.layout), *chosen):
            out["scale"] += [_spec(m.layout, k, sc, m.overrides, ("headline", "scale", m.name))
                             for k in seeds]  # fmt: skip
    if s.moves and s.lhs_points:
        pts = ranking.sample_points(s.lhs_points, s.sample_seed)
        for i, pt in enumerate([{}, *pts]):
            for m in (Move("base", s.layout), *s.moves):
                ov = tuple(pt.items()) + m.overrides
                out["ranking"] += [
                    _spec(m.layout, 1000 + k, s.rank_scale, ov, ("headline", "rank", i, m.name))
                    for k in range(s.rank_seeds)
                ]
    for classes in s.uniform_classes:
        ov = (("model.pair_classes", classes),)
        out["uniforms"] += [_spec(s.layout, k, s.scale, ov, ("headline", "uniforms", classes))
                            for k in seeds]  # fmt: skip
    for dt in s.dts:
        ov = tuple(timestep.BUSY_RATES.items())
        out["timestep"] += [_spec(s.ref_layout, k, s.ref_scale, ov, ("reference", dt))
                            for k in range(s.ref_seeds)]  # fmt: skip
    return out


Records = dict[str, dict[str, Any]]


def _ok(tasks: list[RunTask], records: Records) -> list[tuple[RunTask, dict[str, Any]]]:
    return [(t, records[t.run_id]) for t in tasks
            if records.get(t.run_id, {}).get("status") == "ok"]  # fmt: skip


def allen_kabo(tasks: list[RunTask], records: Records) -> tuple[dict[str, Any], dict[str, Any]]:
    """Sections 1 and 2 from the pattern runs."""
    sums: dict[str, dict[str, Any]] = {}
    for t, rec in _ok(tasks, records):
        label = t.spec.key[1]
        a = {k: np.asarray(v, float) for k, v in rec["arrays"].items()}
        acc = sums.setdefault(label, {"meetings": 0.0, "overlap": 0.0, "days": 0})
        acc["meetings"] = acc["meetings"] + a["meetings"]
        acc["overlap"] = acc["overlap"] + a["overlap"]
        acc["pairs"], acc["dist"] = a["pairs"], a["dist"]
        acc["days"] += 1
    allen: dict[str, Any] = {"target": EN.t("val.allen_target"),
                             "source": "Allen 1977 (docs/MODEL.md; ../shared/brief/calibration.md)"}
    kabo: dict[str, Any] = {"target": 1.20, "acceptable": list(patterns.KABO_ACCEPTABLE),
                            "source": "Kabo et al. 2014", "step_m": patterns.KABO_STEP_M}
    for label, acc in sums.items():
        rows = patterns.decay_table(acc["meetings"], acc["pairs"], acc["dist"], acc["days"])
        fit = patterns.fit_decay(rows)
        verdict, why = patterns.decay_verdict(fit)
        reasons = patterns.reasons(*why)
        same = rows[0]["rate"] if rows and rows[0]["high_m"] == 1.0 else float("nan")
        near = next((r["rate"] for r in rows if r["low_m"] >= 1.0), float("nan"))
        allen[label] = {"bands": rows, "fit": fit, "verdict": verdict, **reasons,
                        "seeds": acc["days"],
                        "same_building_ratio": same / near if near > 0 else None}  # fmt: skip
        if label == "as_run":
            ratio, lo, hi = patterns.path_overlap_factor(
                acc["meetings"], acc["pairs"], acc["dist"], acc["overlap"] / acc["days"],
                acc["days"],
            )
            verdict, why = patterns.kabo_verdict(ratio, lo, hi)
            kabo.update(ratio_per_30m=ratio, ci_low=lo, ci_high=hi, verdict=verdict,
                        seeds=acc["days"], **patterns.reasons(*why))  # fmt: skip
    if "as_run" not in sums:
        kabo.update(ratio_per_30m=None, ci_low=None, ci_high=None, verdict="not testable",
                    **patterns.reasons(("val.why.no_runs", {})))  # fmt: skip
    allen["verdict"] = allen.get("as_run", {}).get("verdict", "not testable")
    return allen, kabo


def _by_key(tasks: list[RunTask], records: Records) -> dict[tuple[Any, ...], dict[int, float]]:
    """Seed → headline figure, by the rest of the run key (and the scale)."""
    groups: dict[tuple[Any, ...], dict[int, float]] = {}
    for t, rec in _ok(tasks, records):
        key = (*t.spec.key[1:], t.spec.scale)
        groups.setdefault(key, {})[t.spec.seed] = float(rec["figures"][FIGURE])
    return groups


def radius_section(s: Settings, tasks: list[RunTask], records: Records) -> dict[str, Any]:
    """Section 5a: headline figures at each greet radius, with 95 % intervals over seeds."""
    from sim.compare.stats import mean_ci, paired_difference

    groups = _by_key(tasks, records)
    # The relative change is paired by seed against the default radius (or the middle one).
    default = 20.0 if 20.0 in s.radii else s.radii[len(s.radii) // 2]
    ref = groups.get(("radius", default, s.radius_scale), {})
    rows = []
    for r in s.radii:
        per_seed = groups.get(("radius", r, s.radius_scale), {})
        vals = list(per_seed.values())
        row: dict[str, Any] = {"radius_m": r, "seeds": len(vals),
                               "mean": float(np.mean(vals)) if vals else None}  # fmt: skip
        if len(vals) >= 2:
            ci = mean_ci(vals)
            row.update(ci_low=ci.low, ci_high=ci.high)
        common = sorted(set(per_seed) & set(ref))
        if len(common) >= 2:
            d = paired_difference([ref[k] for k in common], [per_seed[k] for k in common])
            row.update(vs_default=d.relative, vs_default_ci_low=d.relative_low,
                       vs_default_ci_high=d.relative_high)  # fmt: skip
        rows.append(row)
    means = [r["mean"] for r in rows if r["mean"] is not None]
    out: dict[str, Any] = {"figure": FIGURE, "scale": s.radius_scale, "rows": rows,
                           "source": "Gehl 2010; Fotios et al. 2015 (15–25 m)",
                           "target": EN.t("val.radius_target"),
                           "default_m": default}
    if len(means) >= 2 and means[0]:
        out["change_15_to_25"] = means[-1] / means[0] - 1.0
    out["verdict"] = "reported" if means else "not testable"
    return out


def _effect(base: dict[int, float], var: dict[int, float]) -> float:
    common = sorted(set(base) & set(var))
    b = sum(base[k] for k in common)
    return sum(var[k] for k in common) / b - 1.0 if common and b else float("nan")


def scale_section(s: Settings, tasks: list[RunTask], records: Records) -> dict[str, Any]:
    """Section 5b: the relative effects of moves at two scales, paired by seed."""
    from sim.compare.stats import paired_difference

    groups = _by_key(tasks, records)
    rows = []
    for m in s.moves[: s.scale_moves]:
        for sc in s.scales:
            base = groups.get(("scale", "base", sc), {})
            var = groups.get(("scale", m.name, sc), {})
            common = sorted(set(base) & set(var))
            row: dict[str, Any] = {"move": m.name, "scale": sc, "seeds": len(common),
                                   "relative_effect": _effect(base, var)}  # fmt: skip
            if len(common) >= 2:
                d = paired_difference([base[k] for k in common], [var[k] for k in common])
                row.update(rel_ci_low=d.relative_low, rel_ci_high=d.relative_high)
            rows.append(row)
    return {"figure": FIGURE, "scales": list(s.scales), "rows": rows,
            "verdict": "reported" if rows else "not testable"}  # fmt: skip


def ranking_section(s: Settings, tasks: list[RunTask], records: Records) -> dict[str, Any]:
    """Section 6: rank probabilities of the moves over the sampled parameter points."""
    if not s.moves or not s.lhs_points:
        return {"verdict": "not testable", "moves": {},
                **patterns.reasons(("val.why.no_moves", {}))}  # fmt: skip
    by_point: dict[int, dict[str, dict[int, float]]] = {}
    for key, per_seed in _by_key(tasks, records).items():
        _, point, name, _ = key
        by_point.setdefault(int(point), {})[str(name)] = per_seed
    moves = [m.name for m in s.moves]
    complete = sorted(p for p, d in by_point.items() if p > 0 and all(
        n in d for n in ["base", *moves]))  # fmt: skip
    if not complete:
        return {"verdict": "not testable", "moves": {},
                **patterns.reasons(("val.why.no_point", {}))}  # fmt: skip
    effects = np.array([[_effect(by_point[p]["base"], by_point[p][m]) for m in moves]
                        for p in complete])  # fmt: skip
    default = None
    if 0 in by_point and all(n in by_point[0] for n in ["base", *moves]):
        default = np.array([_effect(by_point[0]["base"], by_point[0][m]) for m in moves])
    out = ranking.rank_statistics(effects, moves, default)
    pts = ranking.sample_points(s.lhs_points, s.sample_seed)
    params = [p["path"] for p in ranking.uncertain_parameters()]
    x = ranking.point_matrix([pts[p - 1] for p in complete], params)
    out["sensitivity"] = {m: ranking.src(x, effects[:, j], params) for j, m in enumerate(moves)}
    out["parameters"] = ranking.uncertain_parameters()
    out["default_effects"] = None if default is None else dict(zip(moves, default.tolist(),
                                                                   strict=True))
    out["scale"], out["seeds_per_point"] = s.rank_scale, s.rank_seeds
    best = max(moves, key=lambda m: out["moves"][m]["p_first"])
    headline: Phrase = ("val.rank_headline", {
        "best": best, "share": round(100 * out["moves"][best]["p_first"]), "n": len(complete)})
    out["headline"], out["headline_phrase"] = EN.phrase(headline), list(headline)
    out["verdict"] = "reported"
    return out


UNIFORM_FIGURES = ("meetings_per_person_day", "cross_institution_meetings_per_person_day",
                   "encounters_per_person_day")
UNIFORM_TOLERANCE = 0.01
"""Day classes of the pair uniform are accepted when every headline figure's mean, paired
by seed, is within this share of the independent uniforms' (issue: within 1 %)."""
UNIFORM_PRECISION = 0.05
"""Wider 95 % intervals than this (either side) leave the 1 % check not testable: too few
seeds or too small a scale (``--quick``)."""


def uniforms_section(s: Settings, tasks: list[RunTask], records: Records) -> dict[str, Any]:
    """Section 8: headline figures with the pair uniform's day classes (the default)
    against independent uniforms (``model.pair_classes: 1``), paired by seed."""
    from sim.compare.stats import paired_difference

    fast, exact = s.uniform_classes
    by: dict[int, dict[int, dict[str, float]]] = {}
    for t, rec in _ok(tasks, records):
        by.setdefault(int(t.spec.key[2]), {})[t.spec.seed] = rec["figures"]
    common = sorted(set(by.get(fast, {})) & set(by.get(exact, {})))
    out: dict[str, Any] = {"classes": fast, "scale": s.scale, "seeds": len(common),
                           "tolerance": UNIFORM_TOLERANCE, "rows": []}  # fmt: skip
    if len(common) < 2:
        return {**out, "verdict": "not testable", **patterns.reasons(("val.why.no_runs", {}))}
    for name in UNIFORM_FIGURES:
        ref = [by[exact][k][name] for k in common]
        d = paired_difference(ref, [by[fast][k][name] for k in common])
        out["rows"].append({"figure": name, "exact": float(np.mean(ref)),
                            "classes": float(np.mean(ref)) + d.mean, "relative": d.relative,
                            "ci_low": d.relative_low, "ci_high": d.relative_high})  # fmt: skip
    # An interval without bounds (Fieller's, when the reference could be 0) is wide too.
    wide = [r for r in out["rows"] if r["ci_low"] is None or r["ci_high"] is None
            or max(-r["ci_low"], r["ci_high"]) > UNIFORM_PRECISION]  # fmt: skip
    if wide:
        return {**out, "verdict": "not testable", **patterns.reasons(
            ("val.why.imprecise", {"limit": f"{UNIFORM_PRECISION * 100:g} %"}))}
    within = all(abs(r["relative"]) <= UNIFORM_TOLERANCE for r in out["rows"])
    out["verdict"] = "met" if within else "not met"
    return out


def timestep_section(tasks: list[RunTask], records: Records) -> dict[str, Any]:
    """Section 3 from the reference runs."""
    rows: dict[float, list[dict[str, float]]] = {}
    for t, rec in _ok(tasks, records):
        rows.setdefault(float(t.spec.key[1]), []).append(rec["figures"])
    out = timestep.summarize_timestep(rows)
    out["source"] = EN.t("val.timestep_source")
    out["target"] = EN.t("val.timestep_target")
    return out


def assemble(s: Settings, tasks: dict[str, list[RunTask]], records: Records) -> dict[str, Any]:
    """Every section's numbers: the content of ``validation.json``."""
    allen, kabo = allen_kabo(tasks["allen"], records)
    geometry = run_cases()
    geometry["verdict"] = "met" if geometry["passed"] else "not met"
    failed = sum(1 for r in records.values() if r.get("status") != "ok")
    return {
        "settings": {"layout": s.layout, "seeds": s.seeds, "scale": s.scale, "quick": s.quick,
                     "lhs_points": s.lhs_points, "rank_scale": s.rank_scale,
                     "ref_seeds": s.ref_seeds, "dts": list(s.dts),
                     "moves": [m.name for m in s.moves],
                     "move_titles": {m.name: _title(m.layout, m.name) for m in s.moves}},
        "runs": {"total": len(records), "failed": failed},
        "allen": allen,
        "kabo": kabo,
        "timestep": timestep_section(tasks["timestep"], records),
        "geometry": geometry,
        "radius": radius_section(s, tasks["radius"], records),
        "scale": scale_section(s, tasks["scale"], records),
        "ranking": ranking_section(s, tasks["ranking"], records),
        "uniforms": uniforms_section(s, tasks["uniforms"], records),
        "calibration": calibration_table(),
    }


def clean(value: Any) -> Any:
    """``value`` with NaN and infinities as ``None`` (strict JSON)."""
    if isinstance(value, dict):
        return {str(k): clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean(v) for v in value]
    if isinstance(value, (float, np.floating)):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    return value
