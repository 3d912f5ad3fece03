"""``report.md``: every section's target, source, measured value with its interval, verdict."""

from __future__ import annotations

from typing import Any


def _f(v: Any, fmt: str = ".3g") -> str:
    return "–" if v is None else format(v, fmt)


def _ci(d: dict[str, Any], fmt: str = ".3g") -> str:
    lo, hi = _f(d.get("ci_low"), fmt), _f(d.get("ci_high"), fmt)
    return f"{_f(d.get('value'), fmt)} (95 % CI {lo}–{hi})"


def _allen(a: dict[str, Any]) -> list[str]:
    lines = ["## 1. Distance decay (Allen 1977)", "",
             f"Target: {a['target']}. Source: {a['source']}.", ""]  # fmt: skip
    for label, title in (("as_run", "As the model runs"),
                         ("imposed_off", "Imposed parts off (venue_decay_m 100 km, "
                          "fam_same_building 1)")):  # fmt: skip
        part = a.get(label)
        if part is None:
            lines += [f"**{title}**: not testable (no successful runs).", ""]
            continue
        lines += [f"**{title}** ({part['seeds']} seed(s)):", "",
                  "| distance | meetings per pair of people per day (95 % CI) | meetings |",
                  "|---|---|---|"]  # fmt: skip
        for r in part["bands"]:
            label_d = "same building" if r["high_m"] == 1.0 else f"{r['low_m']:g}–{r['high_m']:g} m"
            lines.append(f"| {label_d} | {r['rate']:.2e} ({r['ci_low']:.2e}–{r['ci_high']:.2e}) "
                         f"| {r['meetings']:.0f} |")  # fmt: skip
        fit = part["fit"]
        if fit.get("ok") or "c" in fit:
            lines += ["", f"Fit c + a·exp(−d/λ): c = {_ci(fit['c'], '.2e')}, "
                      f"λ = {_ci(fit['lambda_m'], '.0f')} m, a = {_ci(fit['a'], '.2e')}."]
        ratio = part.get("same_building_ratio")
        lines += ["", f"Same building vs 1–100 m: ×{_f(ratio)}.",
                  f"Verdict: **{part['verdict']}** — {part['why']}.", ""]  # fmt: skip
    return lines


def _kabo(k: dict[str, Any]) -> list[str]:
    return ["## 2. Path overlap (Kabo et al. 2014)", "",
            f"Target: meeting rate ×{k['target']:.2f} per {k['step_m']} m of shared daily route "
            f"at equal home distance (acceptable {k['acceptable'][0]:.2f}–"
            f"{k['acceptable'][1]:.2f})."
            f" Source: {k['source']}.", "",
            f"Measured: ×{_f(k.get('ratio_per_30m'), '.3f')} (95 % CI {_f(k.get('ci_low'), '.3f')}–"
            f"{_f(k.get('ci_high'), '.3f')}), quasi-Poisson regression with a fixed effect per "
            "distance band, over building pairs.", "",
            f"Verdict: **{k['verdict']}** — {k['why']}.", ""]  # fmt: skip


def _timestep(t: dict[str, Any]) -> list[str]:
    lines = ["## 3. Time-step convergence", "", f"Target: {t['target']}. Source: {t['source']}.",
             "", "| dt (s) | seeds | reference pairs not in fast (exceptions) | share of fast "
             "pairs missed (95 % CI) | meetings ref − fast (95 % CI) |", "|---|---|---|---|---|"]
    for e in t["by_dt"]:
        ci = e.get("missed_share_ci", [None, None])
        md = e.get("meetings_diff", {})
        lines.append(f"| {e['dt_s']:g} | {e['seeds']} | {e['exceptions']} | "
                     f"{e['missed_share']:.4f} ({_f(ci[0], '.4f')}–{_f(ci[1], '.4f')}) | "
                     f"{_f(md.get('mean'), '.2f')} ({_f(md.get('ci_low'), '.2f')}–"
                     f"{_f(md.get('ci_high'), '.2f')}) |")  # fmt: skip
    return [*lines, "", f"Verdict: **{t['verdict']}** — {t['why']}.", ""]


def _geometry(g: dict[str, Any]) -> list[str]:
    lines = ["## 4. Geometry cases", "",
             "Target: each hand-built case gives the answer worked out on paper (greet radius "
             "20 m; time within reach to 2 %). Source: the encounter rules (docs/MODEL.md).", "",
             "| case | what happens | expected | got | pass |",
             "|---|---|---|---|---|"]  # fmt: skip
    for c in g["cases"]:
        e, o = c["expected"], c["got"]
        lines.append(f"| {c['name']} | {c['description']} | "
                     f"{'meet' if e['meet'] else 'no contact'}, {_f(e['within_s'], '.2f')} s | "
                     f"{'meet' if o['meet'] else 'no contact'}, {_f(o['within_s'], '.2f')} s | "
                     f"{'pass' if c['passed'] else 'FAIL'} |")  # fmt: skip
    n = sum(c["passed"] for c in g["cases"])
    return [*lines, "", f"Verdict: **{g['verdict']}** ({n} of {len(g['cases'])} pass).", ""]


def _sensitivity(r: dict[str, Any], s: dict[str, Any]) -> list[str]:
    lines = ["## 5. Sensitivity to the greet radius and to scale", "",
             f"Greet radius (source: {r['source']}), {r['figure']} at scale {r['scale']:g}:", "",
             f"| radius (m) | seeds | mean (95 % CI) | change against {r['default_m']:g} m, "
             "paired by seed (95 % CI) |", "|---|---|---|---|"]  # fmt: skip
    for row in r["rows"]:
        lines.append(f"| {row['radius_m']:g} | {row['seeds']} | {_f(row['mean'])} "
                     f"({_f(row.get('ci_low'))}–{_f(row.get('ci_high'))}) | "
                     f"{_f(row.get('vs_default'), '+.1%')} "
                     f"({_f(row.get('vs_default_ci_low'), '+.1%')}–"
                     f"{_f(row.get('vs_default_ci_high'), '+.1%')}) |")  # fmt: skip
    if r.get("change_15_to_25") is not None:
        lines += ["", f"From 15 to 25 m the figure changes by {r['change_15_to_25']:+.1%}."]
    lines += ["", f"Scale: relative effect of moves on {s['figure']}, paired by seed:", "",
              "| move | scale | seeds | relative effect (95 % CI) |", "|---|---|---|---|"]
    for row in s["rows"]:
        lines.append(f"| {row['move']} | {row['scale']:g} | {row['seeds']} | "
                     f"{_f(row['relative_effect'], '+.1%')} ({_f(row.get('rel_ci_low'), '+.1%')}"
                     f"–{_f(row.get('rel_ci_high'), '+.1%')}) |")  # fmt: skip
    lines += ["", "What a user may do at reduced scale: compare layouts and read the sign and "
              "order of effects where the intervals at both scales agree. What not: quote "
              "absolute meeting counts or effect sizes from a reduced-scale run — meetings grow "
              "with the number of people nearby, so both change with scale (see the table).",
              "", f"Verdict: **{r['verdict']}** (a sensitivity, not a target).", ""]
    return lines


def _ranking(k: dict[str, Any]) -> list[str]:
    lines = ["## 6. How far the ranking of moves can be trusted", ""]
    if k.get("verdict") == "not testable":
        return [*lines, f"Not testable: {k.get('why')}.", ""]
    moves = list(k["moves"])
    lines += [f"{k['points']} Latin-hypercube points over {len(k['parameters'])} assumption "
              f"parameters (ranges below), {k['seeds_per_point']} seed(s) per point, scale "
              f"{k['scale']:g}; effect = relative change in cross-institution meetings per "
              "person-day against the base, common random numbers.", "",
              f"**{k['headline']}.**", "",
              "| move | P(rank 1) | P(rank 2) | P(rank 3) | P(effect > 0) | mean effect "
              "(2.5–97.5 %) |", "|---|---|---|---|---|---|"]  # fmt: skip
    for m in sorted(moves, key=lambda m: -k["moves"][m]["mean_effect"]):
        e = k["moves"][m]
        p = e["rank_probability"] + [0.0, 0.0, 0.0]
        lines.append(f"| {m} | {p[0]:.0%} | {p[1]:.0%} | {p[2]:.0%} | {e['p_positive']:.0%} | "
                     f"{e['mean_effect']:+.1%} ({e['effect_p2_5']:+.1%}–{e['effect_p97_5']:+.1%})"
                     " |")  # fmt: skip
    tau = k.get("kendall_tau")
    if tau:
        lines += ["", f"Kendall's τ between each point's ranking and the ranking at the "
                  f"defaults: mean {tau['mean']:.2f} (2.5–97.5 %: {tau['p2_5']:.2f}–"
                  f"{tau['p97_5']:.2f})."]  # fmt: skip
    lines += ["", "Most influential parameters per move (largest |coefficient|):", ""]
    for m, sens in k["sensitivity"].items():
        top = sorted(sens["coefficients"].items(), key=lambda kv: -abs(kv[1]))[:3]
        lines.append(f"- {m} ({sens['method']}): "
                     + ", ".join(f"{n} {v:+.2f}" for n, v in top))  # fmt: skip
    lines += ["", "| parameter | default | range | range from |", "|---|---|---|---|"]
    for p in k["parameters"]:
        lines.append(f"| {p['path']} | {p['default']:g} | {p['low']:g}–{p['high']:g} | "
                     f"{p['range_source']} |")
    return [*lines, "", "Verdict: **reported** (uncertainty of a ranking, not a target).", ""]


def _calibration(rows: list[dict[str, Any]]) -> list[str]:
    lines = ["## 7. Calibration summary", "",
             "| constant | value | source | constrained by a target |", "|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['name']} | {r['value']} {r['unit']} | {r['source']} | "
                     f"{r['constrained_by'] or 'no'} |")
    n = sum(r["assumption"] for r in rows)
    m = sum(bool(r["constrained_by"]) for r in rows)
    return [*lines, "", f"{n} of {len(rows)} constants are assumptions; {m} are constrained by "
            "a validation target or calibration figure.", ""]


def render(data: dict[str, Any], command: str, date: str, figures: list[str]) -> str:
    """The whole report as Markdown."""
    s = data["settings"]
    verdicts = [("1. Distance decay", data["allen"]["verdict"]),
                ("2. Path overlap", data["kabo"]["verdict"]),
                ("3. Time-step convergence", data["timestep"]["verdict"]),
                ("4. Geometry cases", data["geometry"]["verdict"]),
                ("5. Radius and scale", data["radius"]["verdict"]),
                ("6. Ranking uncertainty", data["ranking"]["verdict"]),
                ("7. Calibration", "listed")]  # fmt: skip
    lines = ["# Crosspaths validation report", "",
             f"Layout `{s['layout']}`, {s['seeds']} seed(s){' (--quick)' if s['quick'] else ''}; "
             f"made {date} by `{command}`. Every number below is in `validation.json`.", "",
             f"Runs: {data['runs']['total']}, failed: {data['runs']['failed']}.", "",
             "| section | verdict |", "|---|---|"]  # fmt: skip
    lines += [f"| {name} | {v} |" for name, v in verdicts]
    lines.append("")
    for part in (_allen(data["allen"]), _kabo(data["kabo"]), _timestep(data["timestep"]),
                 _geometry(data["geometry"]), _sensitivity(data["radius"], data["scale"]),
                 _ranking(data["ranking"]), _calibration(data["calibration"])):  # fmt: skip
        lines += part
    if figures:
        lines += ["## Figures", ""] + [f"![{f}]({f})" for f in figures if f.endswith(".png")]
    return "\n".join(lines) + "\n"
