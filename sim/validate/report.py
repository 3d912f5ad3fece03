"""``report.md``: every section's target, source, measured value with its interval, verdict.

Written in the language of ``--lang`` (:mod:`sim.i18n`); ``validation.json`` keeps the
English reasons (``why``) next to their :data:`~sim.i18n.Phrase` form (``why_phrases``),
from which the report writes them in any language. Citations and parameter names are
shown as written.
"""

from __future__ import annotations

from typing import Any

from sim.i18n import EN, Lang
from sim.validate.ranking import FIGURE


def _f(lang: Lang, v: Any) -> str:
    """A number to three significant figures, ``–`` when missing."""
    return "–" if v is None else lang.num(float(v))


def _p(lang: Lang, v: Any) -> str:
    """A relative change as a signed percentage, ``–`` when missing."""
    return "–" if v is None else lang.pct(float(v))


def _ci(lang: Lang, d: dict[str, Any]) -> str:
    return lang.t("val.ci", value=_f(lang, d.get("value")), low=_f(lang, d.get("ci_low")),
                  high=_f(lang, d.get("ci_high")))  # fmt: skip


def _verdict(lang: Lang, v: str) -> str:
    return lang.term("val.verdict", v)


def _why(lang: Lang, part: dict[str, Any]) -> str:
    """The reasons of a verdict in ``lang`` (the stored English for older files)."""
    phrases = part.get("why_phrases")
    if phrases is None:
        return str(part.get("why", ""))
    return "; ".join(lang.phrase((key, values)) for key, values in phrases)


def _verdict_why(lang: Lang, part: dict[str, Any]) -> str:
    return lang.t("val.verdict_why", verdict=_verdict(lang, part["verdict"]),
                  why=_why(lang, part))  # fmt: skip


def _allen(lang: Lang, a: dict[str, Any]) -> list[str]:
    t = lang.t
    lines = [f"## {t('val.s1')} (Allen 1977)", "",
             t("val.target_source", target=t("val.allen_target"), source=a["source"]),
             ""]  # fmt: skip
    for label, title in (("as_run", t("val.as_run")), ("imposed_off", t("val.imposed_off"))):
        part = a.get(label)
        if part is None:
            lines += [t("val.part_untestable", title=title), ""]
            continue
        lines += [t("val.part_seeds", title=title, n=part["seeds"]), "",
                  t("val.decay_header"), "|---|---|---|"]  # fmt: skip
        for r in part["bands"]:
            band = (t("val.same_building") if r["high_m"] == 1.0
                    else f"{lang.tick(r['low_m'])}–{lang.tick(r['high_m'])} m")  # fmt: skip
            rate = f"{_f(lang, r['rate'])} ({_f(lang, r['ci_low'])}–{_f(lang, r['ci_high'])})"
            lines.append(f"| {band} | {rate} | {lang.count(r['meetings'])} |")
        fit = part["fit"]
        if fit.get("ok") or "c" in fit:
            lines += ["", t("val.fit", c=_ci(lang, fit["c"]), lam=_ci(lang, fit["lambda_m"]),
                            a=_ci(lang, fit["a"]))]  # fmt: skip
        ratio = part.get("same_building_ratio")
        lines += ["", t("val.same_vs_near", ratio=_f(lang, ratio)), _verdict_why(lang, part), ""]
    return lines


def _kabo(lang: Lang, k: dict[str, Any]) -> list[str]:
    t = lang.t
    low, high = k["acceptable"]
    return [f"## {t('val.s2')} (Kabo et al. 2014)", "",
            t("val.kabo_target", target=lang.num(k["target"]), step=lang.tick(k["step_m"]),
              low=lang.num(low), high=lang.num(high), source=k["source"]), "",
            t("val.kabo_measured", ratio=_f(lang, k.get("ratio_per_30m")),
              low=_f(lang, k.get("ci_low")), high=_f(lang, k.get("ci_high"))), "",
            _verdict_why(lang, k), ""]  # fmt: skip


def _timestep(lang: Lang, ts: dict[str, Any]) -> list[str]:
    t = lang.t
    lines = [f"## {t('val.s3')}", "",
             t("val.target_source", target=t("val.timestep_target"),
               source=t("val.timestep_source")), "",
             t("val.timestep_header"), "|---|---|---|---|---|"]  # fmt: skip
    for e in ts["by_dt"]:
        ci = e.get("missed_share_ci", [None, None])
        md = e.get("meetings_diff", {})
        lines.append(f"| {lang.tick(e['dt_s'])} | {e['seeds']} | {e['exceptions']} | "
                     f"{_f(lang, e['missed_share'])} ({_f(lang, ci[0])}–{_f(lang, ci[1])}) | "
                     f"{_f(lang, md.get('mean'))} ({_f(lang, md.get('ci_low'))}–"
                     f"{_f(lang, md.get('ci_high'))}) |")  # fmt: skip
    return [*lines, "", _verdict_why(lang, ts), ""]


def _case_text(lang: Lang, c: dict[str, Any]) -> str:
    """What happens in a case, in ``lang`` (the stored English for older files)."""
    phrase = c.get("phrase")
    return lang.phrase((phrase[0], phrase[1])) if phrase else str(c["description"])


def _geometry(lang: Lang, g: dict[str, Any]) -> list[str]:
    t = lang.t

    def outcome(d: dict[str, Any]) -> str:
        word = t("val.meet") if d["meet"] else t("val.no_contact")
        return f"{word}, {_f(lang, d['within_s'])} s"

    lines = [f"## {t('val.s4')}", "", t("val.geometry_target"), "",
             t("val.geometry_header"), "|---|---|---|---|---|"]  # fmt: skip
    for c in g["cases"]:
        lines.append(f"| {c['name']} | {_case_text(lang, c)} | {outcome(c['expected'])} | "
                     f"{outcome(c['got'])} | {t('val.pass') if c['passed'] else t('val.fail')} |")
    n = sum(c["passed"] for c in g["cases"])
    verdict = t("val.geometry_verdict", verdict=_verdict(lang, g["verdict"]), n=n,
                total=len(g["cases"]))  # fmt: skip
    return [*lines, "", verdict, ""]


def _sensitivity(lang: Lang, r: dict[str, Any], s: dict[str, Any]) -> list[str]:
    t = lang.t
    lines = [f"## {t('val.h5')}", "",
             t("val.radius_intro", source=r["source"], figure=lang.figure_phrase(r["figure"]),
               scale=lang.tick(r["scale"])), "",
             t("val.radius_header", default=lang.tick(r["default_m"])),
             "|---|---|---|---|"]  # fmt: skip
    for row in r["rows"]:
        lines.append(f"| {lang.tick(row['radius_m'])} | {row['seeds']} | {_f(lang, row['mean'])} "
                     f"({_f(lang, row.get('ci_low'))}–{_f(lang, row.get('ci_high'))}) | "
                     f"{_p(lang, row.get('vs_default'))} "
                     f"({_p(lang, row.get('vs_default_ci_low'))}–"
                     f"{_p(lang, row.get('vs_default_ci_high'))}) |")  # fmt: skip
    if r.get("change_15_to_25") is not None:
        lines += ["", t("val.radius_change", change=_p(lang, r["change_15_to_25"]))]
    lines += ["", t("val.scale_intro", figure=lang.figure_phrase(s["figure"])), "",
              t("val.scale_header"), "|---|---|---|---|"]  # fmt: skip
    for row in s["rows"]:
        lines.append(f"| {row['move']} | {lang.tick(row['scale'])} | {row['seeds']} | "
                     f"{_p(lang, row['relative_effect'])} ({_p(lang, row.get('rel_ci_low'))}"
                     f"–{_p(lang, row.get('rel_ci_high'))}) |")  # fmt: skip
    lines += ["", t("val.scale_advice"), "",
              t("val.sensitivity_verdict", verdict=_verdict(lang, r["verdict"])), ""]
    return lines


def _ranking(lang: Lang, k: dict[str, Any]) -> list[str]:
    t = lang.t
    lines = [f"## {t('val.h6')}", ""]
    if k.get("verdict") == "not testable":
        return [*lines, t("val.not_testable_why", why=_why(lang, k)), ""]
    moves = list(k["moves"])
    phrase = k.get("headline_phrase")
    headline = lang.phrase((phrase[0], phrase[1])) if phrase else k["headline"]
    what = lang.figure_phrase(FIGURE)
    lines += [t("val.rank_intro", points=k["points"], n=len(k["parameters"]),
                seeds=k["seeds_per_point"], scale=lang.tick(k["scale"]), what=what), "",
              f"**{headline}.**", "",
              t("val.rank_header"), "|---|---|---|---|---|---|"]  # fmt: skip
    for m in sorted(moves, key=lambda m: -k["moves"][m]["mean_effect"]):
        e = k["moves"][m]
        p = e["rank_probability"] + [0.0, 0.0, 0.0]
        lines.append(f"| {m} | {lang.share(p[0])} | {lang.share(p[1])} | {lang.share(p[2])} | "
                     f"{lang.share(e['p_positive'])} | {_p(lang, e['mean_effect'])} "
                     f"({_p(lang, e['effect_p2_5'])}–{_p(lang, e['effect_p97_5'])}) |")
    tau = k.get("kendall_tau")
    if tau:
        lines += ["", t("val.tau", mean=_f(lang, tau["mean"]), low=_f(lang, tau["p2_5"]),
                        high=_f(lang, tau["p97_5"]))]  # fmt: skip
    lines += ["", t("val.influential"), ""]
    for m, sens in k["sensitivity"].items():
        top = sorted(sens["coefficients"].items(), key=lambda kv: -abs(kv[1]))[:3]
        lines.append(f"- {m} ({lang.term('val.method', sens['method'])}): "
                     + ", ".join(f"{n} {lang.signed(v)}" for n, v in top))  # fmt: skip
    lines += ["", t("val.param_header"), "|---|---|---|---|"]
    for p in k["parameters"]:
        source = t(p["range_key"]) if p.get("range_key") else p["range_source"]
        lines.append(f"| {p['path']} | {lang.tick(p['default'])} | {lang.tick(p['low'])}–"
                     f"{lang.tick(p['high'])} | {source} |")
    return [*lines, "", t("val.rank_verdict", verdict=_verdict(lang, "reported")), ""]


def _uniforms(lang: Lang, u: dict[str, Any]) -> list[str]:
    t = lang.t
    lines = [f"## {t('val.h8')}", "", t("val.uniform_intro", classes=u["classes"],
                                       scale=lang.tick(u["scale"]), seeds=u["seeds"]), ""]
    if not u["rows"]:
        return [*lines, t("val.not_testable_why", why=_why(lang, u)), ""]
    lines += [t("val.uniform_header"), "|---|---|---|---|"]
    for r in u["rows"]:
        lines.append(f"| {lang.figure_phrase(r['figure'])} | {_f(lang, r['exact'])} | "
                     f"{_f(lang, r['classes'])} | {_p(lang, r['relative'])} "
                     f"({_p(lang, r['ci_low'])}–{_p(lang, r['ci_high'])}) |")  # fmt: skip
    if u["verdict"] == "not testable":
        return [*lines, "", t("val.not_testable_why", why=_why(lang, u)), ""]
    return [*lines, "", t("val.uniform_verdict", verdict=_verdict(lang, u["verdict"]),
                          tolerance="±" + _p(lang, u["tolerance"]).lstrip("+")), ""]  # fmt: skip


def _calibration(lang: Lang, rows: list[dict[str, Any]]) -> list[str]:
    t = lang.t
    lines = [f"## {t('val.h7')}", "", t("val.calib_header"), "|---|---|---|---|"]
    for r in rows:
        value = r["value"]
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = lang.tick(value)
        unit = lang.term("val.unit", r["unit"]) if r["unit"] else ""
        by = t(r["constrained_key"]) if r.get("constrained_key") else r["constrained_by"]
        lines.append(f"| {r['name']} | {value} {unit} | {r['source']} | {by or t('val.no')} |")
    n = sum(r["assumption"] for r in rows)
    m = sum(bool(r["constrained_by"]) for r in rows)
    return [*lines, "", t("val.calib_summary", n=n, total=len(rows), m=m), ""]


def render(
    data: dict[str, Any], command: str, date: str, figures: list[str], lang: Lang = EN
) -> str:
    """The whole report as Markdown, in ``lang``."""
    t = lang.t
    s = data["settings"]
    verdicts = [(t("val.s1"), data["allen"]["verdict"]), (t("val.s2"), data["kabo"]["verdict"]),
                (t("val.s3"), data["timestep"]["verdict"]),
                (t("val.s4"), data["geometry"]["verdict"]),
                (t("val.s5"), data["radius"]["verdict"]),
                (t("val.s6"), data["ranking"]["verdict"]), (t("val.s7"), "listed")]  # fmt: skip
    if "uniforms" in data:  # validations stored before section 8 existed have none
        verdicts.append((t("val.s8"), data["uniforms"]["verdict"]))
    intro = t("val.intro", layout=s["layout"], seeds=s["seeds"],
              quick=" (--quick)" if s["quick"] else "", date=date, command=command)  # fmt: skip
    lines = [f"# {t('val.title')}", "", intro, "",
             t("val.runs", total=data["runs"]["total"], failed=data["runs"]["failed"]), "",
             t("val.sum_header"), "|---|---|"]  # fmt: skip
    lines += [f"| {name} | {_verdict(lang, v)} |" for name, v in verdicts]
    lines.append("")
    for part in (_allen(lang, data["allen"]), _kabo(lang, data["kabo"]),
                 _timestep(lang, data["timestep"]), _geometry(lang, data["geometry"]),
                 _sensitivity(lang, data["radius"], data["scale"]),
                 _ranking(lang, data["ranking"]),
                 _calibration(lang, data["calibration"]),
                 _uniforms(lang, data["uniforms"]) if "uniforms" in data else []):  # fmt: skip
        lines += part
    if figures:
        lines += [f"## {t('val.h_figures')}", ""]
        lines += [f"![{f}]({f})" for f in figures if f.endswith(".png")]
    return "\n".join(lines) + "\n"
