"""A sweep's figures, PNG and SVG, made with the shared figure helpers.

* ``effect_<figure>``: one panel per varied parameter, the headline figure's mean over
  runs at each parameter value with a 95 % confidence band, one line per scenario. With
  several varied parameters, each panel shows marginal means: averaged over the other
  parameters' values (and seeds). A parameter with more than :data:`MAX_LEVELS`
  distinct values (a sampled range) is grouped into :data:`BINS` bins of equal count,
  plotted at the mean value in each bin.
* ``influence``: a tornado chart of standardised regression coefficients, one panel
  per headline figure, parameters ordered by their mean absolute coefficient.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.ticker import MaxNLocator

from sim.batch import HEADLINE_FIGURES
from sim.i18n import EN, Lang
from sim.outputs import figure
from sim.runs.store import OK
from sim.sweep.outputs import Row, mean_interval
from sim.sweep.spec import Parameter, SweepSpec

MAX_LEVELS = 12
"""Parameters with at most this many distinct values are plotted value by value."""
BINS = 8
"""Equal-count bins for parameters with more distinct values."""
PANEL_COLUMNS = 3
FORMATS: tuple[str, ...] = ("png", "svg")
SCENARIO_COLOURS: tuple[str, ...] = (
    "#4477aa", "#ee6677", "#228833", "#ccbb44", "#66ccee", "#aa3377", "#bbbbbb",
)  # fmt: skip
"""Paul Tol's bright scheme (colour-blind safe), as in the run figures."""


def marginal(
    param: Parameter, xs: Sequence[Any], ys: Sequence[float]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, list[str] | None]:
    """Means of ``ys`` with 95 % intervals, grouped by the parameter's value.

    Parameters
    ----------
    param
        The parameter.
    xs, ys
        Its value and the figure, one pair per successful run.

    Returns
    -------
    positions, means, lows, highs, tick_labels
        Arrays over groups (NaN where an interval is undefined), and tick labels for a
        parameter that is not numeric (``None`` otherwise).
    """
    keys = [json.dumps(x, sort_keys=True) for x in xs]
    if not param.numeric:
        levels = list(dict.fromkeys(keys))
        groups = [[y for k, y in zip(keys, ys, strict=True) if k == lv] for lv in levels]
        positions = np.arange(len(levels), dtype=float)
        labels: list[str] | None = [str(json.loads(lv)) for lv in levels]
    else:
        x = np.asarray([float(v) for v in xs])
        distinct = np.unique(x)
        if distinct.size <= MAX_LEVELS:
            index = np.searchsorted(distinct, x)
            n_groups = distinct.size
        else:
            edges = np.quantile(x, np.linspace(0.0, 1.0, BINS + 1))
            index = np.clip(np.searchsorted(edges, x, side="right") - 1, 0, BINS - 1)
            n_groups = BINS
        y = np.asarray(ys, dtype=float)
        used = [g for g in range(n_groups) if np.any(index == g)]
        groups = [list(y[index == g]) for g in used]
        positions = np.asarray([x[index == g].mean() for g in used])
        labels = None
    stats = [mean_interval(g) for g in groups]
    arr = np.asarray([[math.nan if v is None else v for v in s] for s in stats], dtype=float)
    arr = arr.reshape(-1, 3)
    return positions, arr[:, 0], arr[:, 1], arr[:, 2], labels


def _footer(spec: SweepSpec, rows: list[Row], note: str, lang: Lang = EN) -> str:
    """Provenance of a sweep figure: sweep, runs, scale, seeds, days, version, note."""
    ok = sum(r["status"] == OK for r in rows)
    runs = lang.t("sweep.runs", n=ok) + (
        lang.t("sweep.failed", n=len(rows) - ok) if len(rows) > ok else ""
    )
    seeds = lang.t("sweep.seeds", n=spec.seeds, root=spec.seed)
    return figure.provenance(
        lang,
        what=f"{lang.t('footer.sweep', name=spec.name)}  ·  {runs}",
        scale=spec.scale,
        seeds=seeds,
        days=spec.days,
        extra=[note],
    )


def _grid(n: int) -> tuple[int, int]:
    cols = min(PANEL_COLUMNS, n)
    return math.ceil(n / cols), cols


def plot_effects(spec: SweepSpec, rows: list[Row], out_dir: Path, lang: Lang = EN) -> list[Path]:
    """Write ``effect_<figure>`` for every headline figure (nothing if nothing varies).

    Parameters
    ----------
    spec
        The sweep.
    rows
        The tidy table (:func:`sim.sweep.outputs.tidy_rows`).
    out_dir
        Existing folder.
    lang
        Language of every label.

    Returns
    -------
    list[Path]
        Files written.
    """
    params = spec.varied()
    if not params:
        return []
    paths: list[Path] = []
    nrows, ncols = _grid(len(params))
    note = lang.t("sweep.bands") + (lang.t("sweep.marginal") if len(params) > 1 else "")
    footer = _footer(spec, rows, note, lang)
    for fig_name in HEADLINE_FIGURES:
        with figure.style():
            fig = figure.new_figure((4.3 * ncols, 3.3 * nrows + 1.0), footer)
            axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
            for ax, param in zip(axes, params, strict=False):
                _effect_panel(ax, spec, rows, param, fig_name, lang)
            for ax in axes[len(params) :]:
                ax.set_visible(False)
            if len(spec.scenarios) > 1:
                axes[0].legend(frameon=False)
            fig.suptitle(figure.wrap(lang.figure_label(fig_name), 4.3 * ncols - 0.3, 14.0))
            paths += figure.save(fig, out_dir, f"effect_{fig_name}", FORMATS)
    return paths


def _effect_panel(
    ax: Any, spec: SweepSpec, rows: list[Row], param: Parameter, fig: str, lang: Lang = EN
) -> None:
    """One parameter's panel: a line and band per scenario."""
    for i, scenario in enumerate(spec.scenarios):
        ok = [r for r in rows if r["scenario"] == scenario.name and r["status"] == OK]
        if not ok:
            continue
        pos, mean, low, high, ticks = marginal(
            param, [r[param.path] for r in ok], [float(r[fig]) for r in ok]
        )
        colour = SCENARIO_COLOURS[i % len(SCENARIO_COLOURS)]
        ax.fill_between(pos, low, high, color=colour, alpha=0.2, linewidth=0)
        ax.plot(pos, mean, marker="o", ms=4, color=colour, label=scenario.name)
        if ticks is not None:
            ax.set_xticks(pos, ticks, rotation=20)
    if param.log:
        ax.set_xscale("log")
    elif param.numeric:
        ax.xaxis.set_major_locator(MaxNLocator(5))  # long decimals ran into each other
        ax.xaxis.set_major_formatter(lambda v, _: lang.tick(v))
    ax.yaxis.set_major_formatter(lambda v, _: lang.tick(v))
    ax.set_xlabel(param.path)
    # Wrapped to the panel's height: a long unit would overrun the figure's title.
    ax.set_ylabel(figure.wrap(lang.figure_unit(fig), 2.6, 12.0))


def plot_influence(
    spec: SweepSpec, rows: list[Row], influence: list[Row], out_dir: Path, lang: Lang = EN
) -> list[Path]:
    """Write the ``influence`` tornado chart (nothing if no coefficients were fitted).

    Parameters
    ----------
    spec
        The sweep.
    rows
        The tidy table, for the footer.
    influence
        :func:`sim.sweep.outputs.influence_rows`.
    out_dir
        Existing folder.
    lang
        Language of every label.

    Returns
    -------
    list[Path]
        Files written.
    """
    if not influence:
        return []
    names = list(dict.fromkeys(r["parameter"] for r in influence))
    strength = {n: np.mean([abs(r["src"]) for r in influence if r["parameter"] == n])
                for n in names}  # fmt: skip
    # Strongest on top: barh draws the first category at the bottom.
    names.sort(key=lambda n: strength[n])
    scenarios = [s.name for s in spec.scenarios if any(r["scenario"] == s.name for r in influence)]
    height = 0.8 / len(scenarios)
    reach = 1.1 * max([abs(r["src"]) for r in influence] + [0.1])
    nrows, ncols = _grid(len(HEADLINE_FIGURES))
    note = lang.t("sweep.src_note")
    with figure.style():
        size = (3.6 * ncols + 2.0, (0.35 * len(names) + 1.4) * nrows + 0.9)
        fig = figure.new_figure(size, _footer(spec, rows, note, lang))
        # Shared parameter axis: names once per row, bars in the same order everywhere.
        axes = fig.subplots(nrows, ncols, squeeze=False, sharey=True).ravel()
        for ax, fig_name in zip(axes, HEADLINE_FIGURES, strict=False):
            fits = []
            for i, scenario in enumerate(scenarios):
                by_param = {r["parameter"]: r for r in influence
                            if r["scenario"] == scenario and r["figure"] == fig_name}  # fmt: skip
                values = [by_param[n]["src"] if n in by_param else 0.0 for n in names]
                offset = (i - (len(scenarios) - 1) / 2) * height
                colour = SCENARIO_COLOURS[i % len(SCENARIO_COLOURS)]
                ax.barh(np.arange(len(names)) + offset, values, height=height, color=colour,
                        label=scenario)  # fmt: skip
                r2 = next(iter(by_param.values()), {}).get("r2")
                fits.append(lang.t("sweep.r2", value=lang.t("n/a") if r2 is None
                                   else lang.num(r2, 2)))  # fmt: skip
            ax.axvline(0.0, color="0.3", linewidth=0.8)
            ax.set_xlim(-reach, reach)
            ax.xaxis.set_major_locator(MaxNLocator(5, symmetric=True))
            ax.xaxis.set_major_formatter(lambda v, _: lang.tick(v))
            ax.set_yticks(np.arange(len(names)), names)
            label = figure.wrap(lang.figure_label(fig_name), 3.4, 11.0)
            ax.set_title(f"{label}\n{', '.join(fits)}", fontsize=11)
            ax.set_xlabel(lang.t("sweep.src"))
        for ax in axes[len(HEADLINE_FIGURES) :]:
            ax.set_visible(False)
        if len(scenarios) > 1:
            axes[0].legend(frameon=False)
        return figure.save(fig, out_dir, "influence", FORMATS)


def write_figures(
    spec: SweepSpec, rows: list[Row], influence: list[Row], out_dir: Path, lang: Lang = EN
) -> list[Path]:
    """Write every sweep figure into ``out_dir`` in ``lang``; return the files."""
    return [
        *plot_effects(spec, rows, out_dir, lang),
        *plot_influence(spec, rows, influence, out_dir, lang),
    ]
