"""The report's figures, drawn with the shared figure helpers (:mod:`sim.outputs.figure`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib as mpl
import numpy as np
from matplotlib.figure import Figure

import sim
from sim.outputs import figure
from sim.outputs.plots import RUN_FORMATS


def _new(note: str, size: tuple[float, float]) -> Figure:
    """A figure with the footer ``note · Crosspaths <version>``."""
    return figure.new_figure(size, f"{note}  ·  Crosspaths {sim.__version__}")


def _save(fig: Figure, out_dir: Path, stem: str, note: str) -> list[Path]:
    return figure.save(fig, out_dir, stem, RUN_FORMATS)


def plot_decay(allen: dict[str, Any], out_dir: Path, note: str) -> list[Path]:
    """Meeting rate by distance with the fitted curve, as run and with imposed parts off."""
    fig = _new(note, (8, 5))
    ax = fig.add_subplot()
    for label, colour, title in (("as_run", "#4477aa", "as the model runs"),
                                 ("imposed_off", "#ee7733", "imposed parts off")):  # fmt: skip
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
                    label=f"fit: λ = {lam:.0f} m, c = {c:.1e}")  # fmt: skip
    ax.set_xlabel("walking distance between home buildings (m)")
    ax.set_ylabel("meetings per pair of people per day")
    ax.set_yscale("log")
    ax.set_title("Distance decay (Allen 1977)")
    ax.legend()
    return _save(fig, out_dir, "distance_decay", note)


def plot_radius(radius: dict[str, Any], out_dir: Path, note: str) -> list[Path]:
    """The headline figure against the greet radius, with 95 % intervals."""
    rows = [r for r in radius["rows"] if r["mean"] is not None]
    fig = _new(note, (7, 4.5))
    ax = fig.add_subplot()
    x = [r["radius_m"] for r in rows]
    y = [r["mean"] for r in rows]
    lo = [r["mean"] - r.get("ci_low", r["mean"]) for r in rows]
    hi = [r.get("ci_high", r["mean"]) - r["mean"] for r in rows]
    ax.errorbar(x, y, yerr=[lo, hi], fmt="o-", color="#4477aa", capsize=3)
    ax.set_xlabel("greet radius (m)")
    ax.set_ylabel("cross-institution meetings\nper person-day")
    ax.set_title(f"Sensitivity to the greet radius (scale {radius['scale']:g})")
    return _save(fig, out_dir, "radius", note)


def plot_scale(scale: dict[str, Any], out_dir: Path, note: str) -> list[Path]:
    """Relative effect of each move at each scale, with paired 95 % intervals."""
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
                    color=colours[j % len(colours)], label=f"scale {sc:g}" if i == 0 else None)
    ax.set_yticks(range(len(moves)), moves)
    ax.invert_yaxis()
    ax.axvline(0, color="0.3", lw=0.8)
    ax.set_xlabel("change in cross-institution meetings per person-day (%)")
    ax.set_title("Effects of moves at two population scales")
    ax.legend()
    return _save(fig, out_dir, "scale", note)


def plot_ranks(rank: dict[str, Any], out_dir: Path, note: str) -> list[Path]:
    """Stacked rank probabilities per move."""
    moves = sorted(rank["moves"], key=lambda m: -rank["moves"][m]["mean_effect"])
    k = len(moves)
    probs = np.array([rank["moves"][m]["rank_probability"] for m in moves])
    fig = _new(note, (9, 0.5 * k + 2.5))
    ax = fig.add_subplot()
    cmap = mpl.colormaps["viridis"]
    left = np.zeros(k)
    for r in range(k):
        ax.barh(moves, probs[:, r], left=left, color=cmap(r / max(k - 1, 1)), label=f"rank {r + 1}")
        left += probs[:, r]
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xlabel(f"share of {rank['points']} sampled parameter sets")
    ax.set_title("How often each move ranks 1st, 2nd, …")
    ax.legend(ncols=min(k, 7), fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.12),
              frameon=False)  # fmt: skip
    return _save(fig, out_dir, "rank_probabilities", note)


def write_figures(data: dict[str, Any], out_dir: Path) -> list[Path]:
    """Every figure the data allow; returns the files written."""
    note = f"Validation of {data['settings']['layout']}"
    paths: list[Path] = []
    with figure.style():
        if data["allen"].get("as_run"):
            paths += plot_decay(data["allen"], out_dir, note)
        if any(r["mean"] is not None for r in data["radius"]["rows"]):
            paths += plot_radius(data["radius"], out_dir, note)
        if any(r["relative_effect"] is not None for r in data["scale"]["rows"]):
            paths += plot_scale(data["scale"], out_dir, note)
        if data["ranking"].get("moves"):
            paths += plot_ranks(data["ranking"], out_dir, note)
    return paths
