"""The report's figures, drawn with the shared figure helpers (:mod:`sim.outputs.figure`)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import matplotlib as mpl
import numpy as np
from matplotlib.figure import Figure

import sim
from sim.i18n import EN, Lang
from sim.outputs import figure
from sim.outputs.plots import RUN_FORMATS
from sim.validate.ranking import FIGURE


def _new(note: str, size: tuple[float, float]) -> Figure:
    """A figure with the footer ``note · Crosspaths <version>``."""
    return figure.new_figure(size, f"{note}  ·  Crosspaths {sim.__version__}")


def _save(fig: Figure, out_dir: Path, stem: str, note: str) -> list[Path]:
    return figure.save(fig, out_dir, stem, RUN_FORMATS)


def _ticks(ax: Any, lang: Lang, x: bool = True, y: bool = True) -> None:
    """Linear axes' ticks in the language's number style."""
    for on, axis in ((x, ax.xaxis), (y, ax.yaxis)):
        if on:
            axis.set_major_formatter(lambda v, _: lang.tick(v))


def plot_decay(allen: dict[str, Any], out_dir: Path, note: str, lang: Lang = EN) -> list[Path]:
    """Meeting rate by distance with the fitted curve, as run and with imposed parts off."""
    fig = _new(note, (8, 5))
    ax = fig.add_subplot()
    for label, colour, title in (("as_run", "#4477aa", lang.t("val.fig_as_run")),
                                 ("imposed_off", "#ee7733",
                                  lang.t("val.fig_imposed_off"))):  # fmt: skip
        part = allen.get(label)
        if not part:
            continue
        rows = [r for r in part["bands"] if r["low_m"] >= 1.0]
        d = np.array([r["distance_m"] for r in rows])
        y = np.array([r["rate"] for r in rows])
        err = np.array([[r["rate"] - r["ci_low"], r["ci_high"] - r["rate"]] for r in rows]).T
        ax.errorbar(d, y, yerr=err, fmt="o", color=colour, label=title, capsize=3)
        fit = part["fit"]
        if fit.get("ok"):
            xs = np.linspace(max(d.min(), 1.0), d.max(), 200)
            c, a, lam = fit["c"]["value"], fit["a"]["value"], fit["lambda_m"]["value"]
            ax.plot(xs, c + a * np.exp(-xs / lam), color=colour, lw=1.5,
                    label=lang.t("val.fig_fit", lam=lang.count(lam), c=lang.num(c, 2)))
    ax.set_xlabel(lang.t("val.decay_x"))
    ax.set_ylabel(lang.t("val.decay_y"))
    ax.set_yscale("log")
    _ticks(ax, lang, y=False)
    ax.set_title(lang.t("val.decay_title"))
    ax.legend()
    return _save(fig, out_dir, "distance_decay", note)


def plot_radius(radius: dict[str, Any], out_dir: Path, note: str, lang: Lang = EN) -> list[Path]:
    """The headline figure against the greet radius, with 95 % intervals."""
    rows = [r for r in radius["rows"] if r["mean"] is not None]
    fig = _new(note, (7, 4.5))
    ax = fig.add_subplot()
    x = [r["radius_m"] for r in rows]
    y = [r["mean"] for r in rows]
    lo = [r["mean"] - r.get("ci_low", r["mean"]) for r in rows]
    hi = [r.get("ci_high", r["mean"]) - r["mean"] for r in rows]
    ax.errorbar(x, y, yerr=[lo, hi], fmt="o-", color="#4477aa", capsize=3)
    ax.set_xlabel(lang.t("val.radius_x"))
    ax.set_ylabel(figure.wrap(lang.figure_label(FIGURE), 3.3, 12.0))
    _ticks(ax, lang)
    ax.set_title(lang.t("val.radius_title", scale=lang.tick(radius["scale"])))
    return _save(fig, out_dir, "radius", note)


def plot_scale(
    scale: dict[str, Any], out_dir: Path, note: str, lang: Lang = EN,
    titles: Mapping[str, str] | None = None,
) -> list[Path]:
    """Relative effect of each move at each scale, with paired 95 % intervals (moves
    named by ``titles`` where given)."""
    titles = titles or {}
    rows = [r for r in scale["rows"] if r["relative_effect"] is not None]
    moves = list(dict.fromkeys(r["move"] for r in rows))
    scales = list(scale["scales"])
    fig = _new(note, (8, 0.8 * len(moves) + 2.5))
    ax = fig.add_subplot()
    height = 0.8 / max(len(scales), 1)
    colours = ("#4477aa", "#ee7733", "#228833")
    for j, sc in enumerate(scales):
        for i, m in enumerate(moves):
            row = next((r for r in rows if r["move"] == m and r["scale"] == sc), None)
            if row is None:
                continue
            y = i + (j - (len(scales) - 1) / 2) * height
            x = 100 * row["relative_effect"]
            lo, hi = row.get("rel_ci_low"), row.get("rel_ci_high")
            err = None if lo is None or hi is None else [[x - 100 * lo], [100 * hi - x]]
            ax.barh(y, x, height=height * 0.9, xerr=err, capsize=3,
                    color=colours[j % len(colours)],
                    label=lang.t("val.scale_label", scale=lang.tick(sc)) if i == 0 else None)
    ax.set_yticks(range(len(moves)), [titles.get(m, m) for m in moves])
    ax.invert_yaxis()
    ax.axvline(0, color="0.3", lw=0.8)
    ax.set_xlabel(lang.t("val.scale_x", what=lang.figure_phrase(FIGURE)))
    _ticks(ax, lang, y=False)
    ax.set_title(lang.t("val.scale_title"))
    ax.legend()
    return _save(fig, out_dir, "scale", note)


def plot_ranks(
    rank: dict[str, Any], out_dir: Path, note: str, lang: Lang = EN,
    titles: Mapping[str, str] | None = None,
) -> list[Path]:
    """Stacked rank probabilities per move (named by ``titles`` where given)."""
    titles = titles or {}
    moves = sorted(rank["moves"], key=lambda m: -rank["moves"][m]["mean_effect"])
    k = len(moves)
    probs = np.array([rank["moves"][m]["rank_probability"] for m in moves])
    fig = _new(note, (9, 0.5 * k + 2.5))
    ax = fig.add_subplot()
    cmap = mpl.colormaps["viridis"]
    left = np.zeros(k)
    for r in range(k):
        ax.barh([titles.get(m, m) for m in moves], probs[:, r], left=left,
                color=cmap(r / max(k - 1, 1)),
                label=lang.t("val.rank_label", r=r + 1))  # fmt: skip
        left += probs[:, r]
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xlabel(lang.t("val.rank_x", n=rank["points"]))
    _ticks(ax, lang, y=False)
    ax.set_title(lang.t("val.rank_title"))
    # Under the axis label, whatever the figure's height (a fraction of the axes was not).
    below = mpl.transforms.offset_copy(ax.transAxes, fig=fig, y=-44, units="points")
    ax.legend(ncols=min(k, 4), fontsize=8, loc="upper center", bbox_to_anchor=(0.5, 0.0),
              bbox_transform=below, frameon=False)  # fmt: skip
    return _save(fig, out_dir, "rank_probabilities", note)


def write_figures(data: dict[str, Any], out_dir: Path, lang: Lang = EN) -> list[Path]:
    """Every figure the data allow, in ``lang``; returns the files written."""
    note = lang.t("val.note", layout=data["settings"]["layout"])
    titles = data["settings"].get("move_titles", {})
    paths: list[Path] = []
    with figure.style():
        if data["allen"].get("as_run"):
            paths += plot_decay(data["allen"], out_dir, note, lang)
        if any(r["mean"] is not None for r in data["radius"]["rows"]):
            paths += plot_radius(data["radius"], out_dir, note, lang)
        if any(r["relative_effect"] is not None for r in data["scale"]["rows"]):
            paths += plot_scale(data["scale"], out_dir, note, lang, titles)
        if data["ranking"].get("moves"):
            paths += plot_ranks(data["ranking"], out_dir, note, lang, titles)
    return paths
