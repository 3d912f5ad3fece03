"""Tie figures: formation over the run, bridging between institutions, places that make ties.

Built with the shared figure helpers (:mod:`sim.outputs.figure`: style, footer, saving)
and the run figures' footer and formats (:mod:`sim.outputs.plots`).
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import matplotlib as mpl
import numpy as np
from matplotlib.axes import Axes

from sim.engine.results import RunResult
from sim.i18n import EN, Lang
from sim.metrics import Row
from sim.outputs import figure
from sim.outputs.plots import ALL_COLOUR, CROSS_COLOUR, RUN_FORMATS, footer, institution_labels
from sim.tie_tables import bridging_matrix, formation_pair_rows, formation_rows, tie_place_rows
from sim.ties import TieTable, tie_table

LASTING_COLOUR = "#cc3311"
TOP_PAIRS = 6
"""Institution pairs drawn in the formation figure (those with the most ties at the end)."""
TOP_PLACES = 15
"""Places drawn in the places figure."""


def _counts(lang: Lang) -> mpl.ticker.FuncFormatter:
    """Axis ticks as whole counts, thousands grouped in the language's style."""
    return mpl.ticker.FuncFormatter(lambda v, _: lang.count(v))


def _panel_title(text: str) -> str:
    """A formation panel's title wrapped to the panel's width (Danish runs longer)."""
    return figure.wrap(text, 6.5, 12.0)


def _days_axis(ax: Axes, days: int) -> None:
    """Whole-number day ticks from 1."""
    ax.set_xlim(0.5, days + 0.5)
    ax.xaxis.set_major_locator(mpl.ticker.MaxNLocator(integer=True))


def plot_tie_formation(
    result: RunResult,
    out_dir: Path,
    scenario: str | None = None,
    rows: list[Row] | None = None,
    pair_rows: list[Row] | None = None,
    lang: Lang = EN,
) -> list[Path]:
    """Cross-institution ties day by day: formed and lasting, district and top pairs.

    Four panels: cumulative ties with the new ties of each day as bars; ties met on
    ≥ 2 and ≥ 3 days (on their own scale: far fewer); and both for the
    :data:`TOP_PAIRS` institution pairs with most ties at the end.

    Parameters
    ----------
    result
        The run.
    out_dir
        Existing folder to write ``tie_formation.png``/``.svg`` into.
    scenario
        Name for the footer; default: the layout's name.
    rows, pair_rows
        Output of :func:`sim.tie_tables.formation_rows` and
        :func:`~sim.tie_tables.formation_pair_rows`, if already computed.
    lang
        Language of every label.

    Returns
    -------
    list[Path]
        The files written.
    """
    if rows is None or pair_rows is None:
        ties = tie_table(result)
        rows = rows if rows is not None else formation_rows(result, ties)
        pair_rows = pair_rows if pair_rows is not None else formation_pair_rows(result, ties)
    days = np.array([r["day"] for r in rows])
    n_days = int(result.days)
    marker = "o" if n_days <= 20 else None
    with figure.style():
        fig = figure.new_figure((13.0, 8.0), footer(result, scenario, lang))
        axes = fig.subplots(2, 2, sharex=True)
        ax = axes[0, 0]
        # New ties on their own (right) scale: over a term they are ~1/60 of the total.
        new_ax = ax.twinx()
        new_ax.bar(days, [r["new_cross_institution_ties"] for r in rows], color=ALL_COLOUR,
                   alpha=0.3, width=0.8, label=lang.t("tie.new_right"))  # fmt: skip
        new_ax.set_ylabel(lang.t("tie.new"), color="0.35")
        new_ax.spines["right"].set_visible(True)
        # Bars in the lower half, clear of the line's legend.
        peak = max((r["new_cross_institution_ties"] for r in rows), default=0)
        new_ax.set_ylim(0, 2.2 * peak if peak else 1.0)
        new_ax.yaxis.set_major_formatter(_counts(lang))
        ax.set_zorder(new_ax.get_zorder() + 1)  # the line above the bars
        ax.patch.set_visible(False)
        ax.plot(days, [r["cross_institution_ties"] for r in rows], color=ALL_COLOUR,
                marker=marker, label=lang.t("tie.so_far_left"))  # fmt: skip
        ax.set_title(_panel_title(lang.t("tie.once_title")), fontsize=12, loc="left")
        handles = ax.get_legend_handles_labels()[0] + new_ax.get_legend_handles_labels()[0]
        ax.legend(handles=handles, frameon=False, loc="upper left")
        ax = axes[1, 0]
        for k, colour in ((2, CROSS_COLOUR), (3, LASTING_COLOUR)):
            ax.plot(days, [r[f"cross_institution_ties_met_{k}x"] for r in rows], color=colour,
                    marker=marker, label=lang.t("tie.met_days", n=k))  # fmt: skip
        ax.set_title(_panel_title(lang.t("tie.lasting_title")), fontsize=12, loc="left")
        ax.legend(frameon=False, loc="upper left")
        top = _top_pairs(pair_rows, n_days)
        _draw_pairs(axes[0, 1], pair_rows, top, "cross_institution_ties", marker)
        axes[0, 1].set_title(_panel_title(lang.t("tie.pairs_title", n=len(top))), fontsize=12,
                             loc="left")  # fmt: skip
        _draw_pairs(axes[1, 1], pair_rows, top, "cross_institution_ties_met_2x", marker)
        axes[1, 1].set_title(lang.t("tie.pairs_lasting"), fontsize=12, loc="left")
        if top:
            axes[1, 1].legend(frameon=False, loc="upper left", fontsize=9,
                              title=lang.t("tie.pair_legend"), title_fontsize=9)  # fmt: skip
        for ax in axes.ravel():
            ax.set_ylim(bottom=0)
            ax.yaxis.set_major_formatter(_counts(lang))
            ax.grid(axis="y", color="0.9")
            ax.set_axisbelow(True)
            _days_axis(ax, n_days)
        for ax in axes[1]:
            ax.set_xlabel(lang.t("tie.day_axis"))
        for ax in axes[:, 0]:
            ax.set_ylabel(lang.t("tie.pairs_axis"))
        fig.suptitle(lang.t("tie.formation_title"))
        return figure.save(fig, out_dir, "tie_formation", RUN_FORMATS)


def _top_pairs(pair_rows: list[Row], n_days: int) -> list[tuple[str, str]]:
    """The institution pairs (ids) with most cross-institution ties on the last day."""
    last = [r for r in pair_rows if r["day"] == n_days and r["cross_institution_ties"] > 0]
    last.sort(key=lambda r: -r["cross_institution_ties"])
    return [(r["institution_a"], r["institution_b"]) for r in last[:TOP_PAIRS]]


def _draw_pairs(
    ax: Axes, pair_rows: list[Row], top: list[tuple[str, str]], column: str, marker: str | None
) -> None:
    """One line per institution pair in ``top`` of ``column`` over the days."""
    colours = mpl.colormaps["tab10"]
    for k, pair in enumerate(top):
        series = [p for p in pair_rows if (p["institution_a"], p["institution_b"]) == pair]
        ax.plot([p["day"] for p in series], [p[column] for p in series],
                color=colours(k % colours.N), marker=marker, label=" – ".join(pair))  # fmt: skip


def plot_bridging(
    result: RunResult,
    out_dir: Path,
    scenario: str | None = None,
    ties: TieTable | None = None,
    lang: Lang = EN,
) -> list[Path]:
    """Heatmaps: share of each institution's people with a tie into each other institution.

    Left: any tie (met at least once); right: a lasting tie (met on ≥ 2 days).

    Parameters
    ----------
    result
        The run.
    out_dir
        Existing folder to write ``bridging.png``/``.svg`` into.
    scenario
        Name for the footer; default: the layout's name.
    ties
        Output of :func:`sim.ties.tie_table`, if already computed.
    lang
        Language of every label.

    Returns
    -------
    list[Path]
        The files written.
    """
    ties = ties if ties is not None else tie_table(result)
    shares = [bridging_matrix(result, ties), bridging_matrix(result, ties, lasting=True)]
    names = [i.name for i in result.layout.institutions.values()]
    y_labels, _ = institution_labels(names)
    n = len(names)
    x_labels = [str(k) for k in range(1, n + 1)]
    if y_labels == names:  # short names: number them too, so the columns can be read
        y_labels = [f"{name} ({k})" for k, name in enumerate(names, start=1)]
    side = float(np.clip(2.0 + 0.45 * n, 4.0, 9.0))
    with figure.style():
        fig = figure.new_figure(
            (2 * side + 2.5, side + 1.8), footer(result, scenario, lang), "compressed"
        )
        axes = fig.subplots(1, 2, sharey=True)
        cmap = mpl.colormaps["Oranges"].with_extremes(bad="0.92")
        for ax, share, title in zip(
            axes, shares, (lang.t("tie.people_any"), lang.t("tie.people_lasting")), strict=True
        ):
            pct = share * 100
            # Each panel its own scale: lasting ties are far rarer than any tie.
            vmax = float(np.nanmax(pct)) if n > 1 and np.nanmax(pct) > 0 else 1.0
            image = ax.pcolormesh(np.ma.masked_invalid(pct), cmap=cmap, vmin=0.0, vmax=vmax)
            ax.set_aspect("equal")
            if n <= 12:
                for i, j in np.ndindex(pct.shape):
                    if np.isnan(pct[i, j]):
                        continue
                    colour = "white" if pct[i, j] > 0.55 * vmax else "black"
                    ax.text(j + 0.5, i + 0.5, lang.tick(float(pct[i, j]), digits=2), ha="center",
                            va="center", fontsize=9, color=colour, in_layout=False)  # fmt: skip
            ticks = np.arange(n) + 0.5
            ax.set_xticks(ticks, x_labels)
            ax.set_yticks(ticks, y_labels, fontsize=9)
            ax.set_xlabel(lang.t("tie.into"), labelpad=2)
            ax.set_title(title, fontsize=12)
            ax.spines[:].set_visible(False)
            fig.colorbar(image, ax=ax, shrink=0.6, location="bottom", pad=0.02, aspect=30,
                         label=lang.t("tie.row_share"))  # fmt: skip
        axes[0].invert_yaxis()
        axes[1].tick_params(left=False)
        fig.suptitle(lang.t("tie.bridging_title"))
        return figure.save(fig, out_dir, "bridging", RUN_FORMATS)


def plot_tie_places(
    result: RunResult,
    out_dir: Path,
    scenario: str | None = None,
    rows: list[Row] | None = None,
    lang: Lang = EN,
) -> list[Path]:
    """Bars: the places where most lasting cross-institution ties first met.

    Parameters
    ----------
    result
        The run.
    out_dir
        Existing folder to write ``tie_places.png``/``.svg`` into.
    scenario
        Name for the footer; default: the layout's name.
    rows
        Output of :func:`sim.tie_tables.tie_place_rows`, if already computed.
    lang
        Language of every label.

    Returns
    -------
    list[Path]
        The files written.
    """
    rows = rows if rows is not None else tie_place_rows(result, tie_table(result))
    key = "lasting_cross_institution_ties_first_met"
    top = sorted(
        (r for r in rows if r["cross_institution_ties_first_met"] > 0),
        key=lambda r: (-r[key], -r["cross_institution_ties_first_met"]),
    )[:TOP_PLACES][::-1]
    labels = [_place_text(r, lang) for r in top]
    made = np.array([r["cross_institution_ties_first_met"] for r in top], dtype=float)
    kept = np.array([r[key] for r in top], dtype=float)
    with figure.style():
        size = (9.0, 1.8 + 0.38 * max(len(top), 1))
        fig = figure.new_figure(size, footer(result, scenario, lang))
        ax = fig.add_subplot()
        y = np.arange(len(top))
        ax.barh(y, made, color=ALL_COLOUR, alpha=0.35,
                label=lang.t("tie.first_here"))  # fmt: skip
        ax.barh(y, kept, color=CROSS_COLOUR, label=lang.t("tie.of_which_lasting"))
        for yi, m, k in zip(y, made, kept, strict=True):
            share = lang.t("tie.k_of_m", k=lang.count(k), m=lang.count(m))
            ax.text(float(m), float(yi), f" {share}", va="center", fontsize=9)
        ax.set_yticks(y, labels, fontsize=9)
        ax.set_xlabel(lang.t("tie.places_axis", days=lang.plural(result.days, "weekday")))
        ax.xaxis.set_major_formatter(_counts(lang))
        fig.suptitle(lang.t("tie.places_title"))
        ax.margins(x=0.18)
        if not top:
            ax.text(0.5, 0.5, lang.t("tie.none"), ha="center",
                    va="center", transform=ax.transAxes)  # fmt: skip
        # Above the bars, never over them (the labels run long in Danish); the title above it.
        ax.legend(loc="lower left", bbox_to_anchor=(0.0, 1.0), frameon=False)
        return figure.save(fig, out_dir, "tie_places", RUN_FORMATS)


def _place_text(row: Row, lang: Lang = EN) -> str:
    """A place as a bar label: its name, or its kind and id."""
    name = row["name"] or f"{lang.term('place', row['place_kind'])} {row['id']}"
    if row["place_kind"] == "edge" and row["name"]:
        name = f"{name} ({row['id']})"
    return textwrap.shorten(name, 48, placeholder="…")
