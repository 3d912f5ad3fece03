"""The comparison's figures: headline bars, change by agent-type and institution pair.

The difference map lives in :mod:`sim.compare.diffmap`; :func:`write_figures` writes
them all. Every figure is saved as PNG, SVG and PDF with a footer (see
:mod:`sim.outputs.figure`), names scenarios by their ``title`` and rounds numbers to
three significant figures in the comparison's language.
"""

from __future__ import annotations

import math
import textwrap
import threading
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, Future, wait
from pathlib import Path
from typing import Any

import matplotlib as mpl
import numpy as np
from matplotlib.colors import Normalize

from sim.batch import HEADLINE_FIGURES, local_pool
from sim.compare import canvas, diffmap
from sim.compare.changes import HeadlineComparison, PairMatrix, VariantChanges
from sim.compare.runner import ComparisonRuns
from sim.i18n import EN, Lang
from sim.outputs import figure as fig_helpers
from sim.outputs.labels import slug
from sim.outputs.plots import institution_labels


def _bar_note(c: HeadlineComparison, lang: Lang) -> str:
    """Text after a bar: the mean, and for variants the paired change and its verdict."""
    note = f" {lang.num(c.estimate.mean)}"
    d = c.difference
    if d is None:
        return note + f" ({lang.t('cmp.reference')})"
    if d.identical:
        return note + f" ({lang.t('cmp.identical')})"
    change = lang.pct(d.relative) if d.relative is not None else lang.signed(d.mean)
    noise = lang.t("cmp.noise")
    return note + (f" ({change}, {noise})" if d.indistinguishable else f" ({change})")


def plot_headline_bars(
    runs: ComparisonRuns,
    comparisons: list[HeadlineComparison],
    out_dir: Path,
    lang: Lang = EN,
    formats: Sequence[str] = fig_helpers.FORMATS,
) -> list[Path]:
    """One panel per headline figure: a bar per scenario with its 95 % interval.

    Parameters
    ----------
    runs
        The comparison's runs (for the source line).
    comparisons
        From :func:`sim.compare.changes.headline_comparisons`.
    out_dir
        Existing folder to write ``headline_figures.*`` into.

    Returns
    -------
    list[Path]
        The files written.
    """
    n_sc = len(runs.scenarios)
    n_cols = 2
    n_rows = math.ceil(len(HEADLINE_FIGURES) / n_cols)
    panel_h = 1.1 + 0.42 * n_sc
    with fig_helpers.style():
        fig = fig_helpers.new_figure((13.0, 1.6 + n_rows * panel_h), canvas.source_line(runs, lang))
        axes = fig.subplots(n_rows, n_cols, sharey=True, squeeze=False).ravel()
        y = np.arange(n_sc)
        colours = [canvas.REFERENCE_COLOUR, *(canvas.variant_colour(i) for i in y[1:])]
        for ax, figure in zip(axes, HEADLINE_FIGURES, strict=False):
            rows = [c for c in comparisons if c.figure == figure]
            means = np.array([c.estimate.mean for c in rows])
            err = np.array(
                [
                    [c.estimate.mean - c.estimate.low for c in rows],
                    [c.estimate.high - c.estimate.mean for c in rows],
                ]
            )
            ax.barh(
                y,
                means,
                xerr=err,
                color=colours,
                capsize=4,
                error_kw={"elinewidth": 1.2, "ecolor": "0.2"},
            )
            for yi, row in zip(y, rows, strict=True):
                note = _bar_note(row, lang) if n_sc > 1 else f" {lang.num(row.estimate.mean)}"
                ax.text(row.estimate.high, yi, note, va="center", fontsize=9)
            ax.set_title(lang.figure_label(figure), fontsize=12, loc="left")
            ax.set_xlabel(lang.figure_unit(figure))
            ax.xaxis.set_major_formatter(lambda v, _: lang.tick(v))
            top = float(np.max(means + err[1]))
            # All zero (no lasting ties in a one-day run): a unit axis, not ticks of 1e-9.
            ax.set_xlim(0, (top if top > 0 else 1.0) * 1.55)
            ax.grid(axis="x", color="0.9")
            ax.set_axisbelow(True)
        for ax in axes[len(HEADLINE_FIGURES) :]:
            ax.set_visible(False)
        names = [textwrap.fill(n, 24) for n in canvas.titles(runs)]
        axes[0].set_yticks(y, names)
        axes[0].invert_yaxis()
        title = lang.t("cmp.headline_title")
        if n_sc > 1:
            title += f"\n({lang.t('cmp.headline_note')})"
        fig.suptitle(fig_helpers.wrap(title, 12.5, 12.0), fontsize=12)
        return fig_helpers.save(fig, out_dir, "headline_figures", formats)


def _cell_text(value: float, lang: Lang) -> str:
    """Short signed number for a heatmap cell, never in exponent notation."""
    return lang.tick(value, signed=True, digits=2)


def _annotated_heatmap(
    ax: Any,
    change: np.ndarray,
    low: np.ndarray,
    high: np.ndarray,
    annotate: bool,
    lang: Lang,
    vmax: float | None = None,
) -> Any:
    """Diverging cells of ``change`` (white = 0); bold numbers where the change is real.

    ``vmax`` is the end of the symmetric colour scale (default: this matrix's largest
    change). Returns the mesh, for a colour bar.
    """
    if vmax is None:
        vmax = float(np.max(np.abs(change))) if change.size and np.any(change) else 1.0
    # Cells as vector quads rather than an image: crisp in SVG and PDF, no resampling.
    mesh = ax.pcolormesh(change, cmap=canvas.DIVERGING, norm=Normalize(-vmax, vmax))
    ax.invert_yaxis()
    ax.spines[:].set_visible(False)
    if not annotate:
        return mesh
    noise = (low <= 0.0) & (high >= 0.0)
    for i, j in np.ndindex(change.shape):
        dark = abs(change[i, j]) > 0.55 * vmax
        if noise[i, j]:
            colour, weight = ("0.85" if dark else "0.45"), "normal"
        else:
            colour, weight = ("white" if dark else "black"), "bold"
        # in_layout=False: cells lie inside the axes; measuring each would only slow
        # the layout down.
        ax.text(j + 0.5, i + 0.5, _cell_text(float(change[i, j]), lang), ha="center", va="center",
                fontsize=9, color=colour, fontweight=weight, in_layout=False)  # fmt: skip
    return mesh


def plot_type_pairs(
    runs: ComparisonRuns,
    changes: list[VariantChanges],
    out_dir: Path,
    lang: Lang = EN,
    formats: Sequence[str] = fig_helpers.FORMATS,
) -> list[Path]:
    """Change in meetings per day by pair of agent types: pairs × variants heatmap.

    A table-like heatmap rather than grouped bars, so that it stays readable with
    many variants. Bold numbers: the change is distinguishable from noise.

    Parameters
    ----------
    runs
        The comparison's runs (for the source line).
    changes
        From :func:`sim.compare.changes.variant_changes`.
    out_dir
        Existing folder to write ``change_by_type_pair.*`` into.

    Returns
    -------
    list[Path]
        The files written.
    """
    first = changes[0].type_pairs
    n = len(first.ids)
    pairs = [(i, j) for i in range(n) for j in range(i, n)]
    rows, cols = np.array([p[0] for p in pairs]), np.array([p[1] for p in pairs])
    ref_name = canvas.title(runs.scenarios[0])
    labels = [
        f"{lang.term('agent', first.ids[i])} – {lang.term('agent', first.ids[j])}\n("
        + lang.t("cmp.per_day_in", value=lang.num(first.reference[i, j]), name=ref_name)
        + ")"
        for i, j in pairs
    ]

    def column(name: str) -> np.ndarray:
        return np.stack([getattr(vc.type_pairs, name)[rows, cols] for vc in changes], axis=1)

    n_var = len(changes)
    with fig_helpers.style():
        size = (max(7.5, 4.5 + 1.25 * n_var), 2.8 + 0.55 * len(pairs))
        fig = fig_helpers.new_figure(size, canvas.source_line(runs, lang))
        ax = fig.add_subplot()
        mesh = _annotated_heatmap(
            ax, column("change"), column("low"), column("high"), True, lang
        )
        ax.set_yticks(np.arange(len(pairs)) + 0.5, labels, fontsize=9)
        names = [textwrap.fill(canvas.title(vc.scenario).replace("_", " "), 16) for vc in changes]
        ax.set_xticks(np.arange(n_var) + 0.5, names, fontsize=9)
        ax.xaxis.tick_top()
        ax.tick_params(length=0)
        title = lang.t("cmp.type_pair_title", reference=ref_name)
        title += f"\n({lang.t('cmp.bold_note')})"
        fig.suptitle(fig_helpers.wrap(title, size[0] - 0.3, 12.0), fontsize=12)
        bar = fig.colorbar(mesh, ax=ax, shrink=0.6, label=lang.t("cmp.change_per_day"))
        bar.formatter = mpl.ticker.FuncFormatter(lambda v, _: lang.tick(v, signed=True))
        return fig_helpers.save(fig, out_dir, "change_by_type_pair", formats)


def plot_institution_pairs(
    runs: ComparisonRuns,
    matrix: PairMatrix,
    variant: str,
    out_dir: Path,
    stem: str,
    lang: Lang = EN,
    vmax: float | None = None,
    formats: Sequence[str] = fig_helpers.FORMATS,
) -> list[Path]:
    """Heatmap of the change in meetings per day between institutions for one variant.

    Bold numbers are changes whose 95 % interval excludes 0; grey ones are noise.

    Parameters
    ----------
    runs
        The comparison's runs (for the source line).
    matrix
        From :func:`sim.compare.changes.institution_pair_matrix`.
    variant
        The variant's title, for the title.
    out_dir
        Existing folder to write into.
    stem
        File name without extension.
    lang
        Language of every label.
    vmax
        End of the symmetric colour scale, shared by the comparison's variants.
    formats
        File formats to write.

    Returns
    -------
    list[Path]
        The files written.
    """
    n = len(matrix.ids)
    y_labels, x_labels = institution_labels(list(matrix.names))
    side = float(np.clip(2.5 + 0.55 * n, 5.5, 12.0))
    with fig_helpers.style():
        size = (side + 2.5, side + 1.2)
        fig = fig_helpers.new_figure(size, canvas.source_line(runs, lang), "compressed")
        ax = fig.add_subplot()
        mesh = _annotated_heatmap(
            ax, matrix.change, matrix.low, matrix.high, n <= 14, lang, vmax
        )
        ax.set_aspect("equal")
        ticks = np.arange(n) + 0.5
        numbered = bool(n) and x_labels[0] != y_labels[0]
        ax.set_xticks(ticks, x_labels, rotation=0 if numbered else 40,
                      ha="center" if numbered else "right", fontsize=9)  # fmt: skip
        ax.set_yticks(ticks, y_labels, fontsize=9)
        if numbered:
            ax.set_xlabel(lang.t("run.numbered"))
        title = lang.t("cmp.inst_title", variant=variant, reference=canvas.title(runs.scenarios[0]))
        title += f"\n({lang.t('cmp.bold_note')})"
        fig.suptitle(fig_helpers.wrap(title, size[0] - 0.3, 12.0), fontsize=12)
        label = f"{lang.t('cmp.change_per_day')}\n({lang.t('cmp.same_scale')})"
        bar = fig.colorbar(mesh, ax=ax, shrink=0.7, label=fig_helpers.wrap(label, 3.5, 10.0))
        bar.formatter = mpl.ticker.FuncFormatter(lambda v, _: lang.tick(v, signed=True))
        return fig_helpers.save(fig, out_dir, stem, formats)


def variant_stems(changes: list[VariantChanges]) -> dict[int, str]:
    """A unique file-name part per variant (scenario index -> slug)."""
    stems: dict[int, str] = {}
    for vc in changes:
        stem = slug(vc.scenario.label)
        if stem in stems.values():
            stem = f"{stem}_{vc.scenario.index}"
        stems[vc.scenario.index] = stem
    return stems


Job = tuple[str, Callable[..., list[Path]], tuple[Any, ...]]
"""One figure to write: its stem, the function that draws it and that function's arguments."""


def _figure_jobs(
    runs: ComparisonRuns,
    comparisons: list[HeadlineComparison],
    changes: list[VariantChanges],
    out_dir: Path,
    lang: Lang,
) -> list[Job]:
    """Every figure of the comparison, as independent jobs."""
    jobs: list[Job] = [
        ("headline_figures", plot_headline_bars, (runs, comparisons, out_dir, lang))
    ]
    if changes:  # a single scenario has means and intervals but nothing to differ from
        jobs.append(("change_by_type_pair", plot_type_pairs, (runs, changes, out_dir, lang)))
    stems = variant_stems(changes)
    # One colour scale for all maps, and one for all institution matrices: equal colours
    # mean equal changes wherever a reader looks.
    scale = diffmap.shared_scale(changes)
    inst_vmax = max(
        [float(np.max(np.abs(vc.institution_pairs.change), initial=0.0)) for vc in changes]
        + [0.0]
    ) or 1.0
    for vc in changes:
        stem = stems[vc.scenario.index]
        map_stem, inst_stem = f"difference_map_{stem}", f"change_by_institution_pair_{stem}"
        jobs.append((map_stem, diffmap.plot_difference_map,
                     (runs, vc, out_dir, map_stem, scale, lang)))  # fmt: skip
        jobs.append((inst_stem, plot_institution_pairs,
                     (runs, vc.institution_pairs, canvas.title(vc.scenario), out_dir, inst_stem,
                      lang, inst_vmax)))  # fmt: skip
    return jobs


_LONGEST_FIRST: tuple[str, ...] = (
    "difference_map_", "report", "headline_figures", "change_by_institution_pair_",
    "change_by_type_pair",
)
"""Job stems by how long they take to draw (a map 3.3-4.9 s of CPU, the report about 4 s,
an institution matrix about 2 s), so the pool's last jobs are short ones."""


def _expected_rank(stem: str) -> int:
    return next((k for k, p in enumerate(_LONGEST_FIRST) if stem.startswith(p)),
                len(_LONGEST_FIRST))  # fmt: skip


def write_figures(
    runs: ComparisonRuns,
    comparisons: list[HeadlineComparison],
    changes: list[VariantChanges],
    out_dir: Path,
    lang: Lang = EN,
    workers: int = 1,
    also: Sequence[Job] = (),
    meanwhile: Callable[[], object] | None = None,
) -> dict[str, list[Path]]:
    """Write every figure of the comparison into ``out_dir``.

    Parameters
    ----------
    runs, comparisons, changes
        The comparison and its numbers.
    out_dir
        Existing folder to write into.
    lang
        Language of every label.
    workers
        Processes drawing figures side by side (``compare --workers``), this one
        included. Every figure is drawn by one process from the same inputs, so the
        files are the same whatever the number; the longest jobs go out first, so that
        no process is left with a long one at the end while the others wait.
    also
        Further jobs drawn alongside the figures, e.g. the report (its map and pages
        take as long as a map).
    meanwhile
        Work for this process while the pool draws (files the figures do not need).

    Returns
    -------
    dict[str, list[Path]]
        Files per job stem: ``headline_figures``, ``change_by_type_pair`` and, per
        variant, ``difference_map_<variant>`` and ``change_by_institution_pair_<variant>``,
        then those of ``also``.
    """
    jobs = [*_figure_jobs(runs, comparisons, changes, out_dir, lang), *also]
    if workers <= 1 or len(jobs) < 2:
        if meanwhile is not None:
            meanwhile()
        return {stem: draw(*args) for stem, draw, args in jobs}
    # sorted() is stable: jobs of one kind keep their order.
    queue = deque(sorted(jobs, key=lambda job: _expected_rank(job[0])))
    in_pool = min(workers - 1, len(jobs) - 1)
    with local_pool(in_pool) as pool:
        done = _shared(queue, pool, in_pool, meanwhile)
    return {stem: done[stem] for stem, _, _ in jobs}


def _shared(
    queue: deque[Job], pool: Executor, in_pool: int, meanwhile: Callable[[], object] | None
) -> dict[str, list[Path]]:
    """Run ``queue``'s jobs in ``pool`` and in this process; files per stem.

    This process is one of the workers: the pool's processes take jobs from the front
    (the long ones first), this process from the back, so no core waits while the
    pool's processes start (about 2 s of imports each) and neither side is left with
    work the other could have done. The pool gets one job per process at a time (a
    thread here feeds each), since a job once submitted cannot be taken back.
    """
    lock = threading.Lock()
    futures: dict[str, Future[list[Path]]] = {}

    def take(front: bool) -> Job | None:
        with lock:
            return (queue.popleft() if front else queue.pop()) if queue else None

    def feed() -> None:
        while (job := take(front=True)) is not None:
            stem, draw, args = job
            try:
                fut = pool.submit(draw, *args)
            except Exception as exc:  # a broken pool: the error is raised with the results
                fut = Future()
                fut.set_exception(exc)
            futures[stem] = fut
            wait([fut])

    feeders = [threading.Thread(target=feed, daemon=True) for _ in range(in_pool)]
    for thread in feeders:
        thread.start()
    here: dict[str, list[Path]] = {}
    try:
        if meanwhile is not None:
            meanwhile()
        while (job := take(front=False)) is not None:
            stem, draw, args = job
            here[stem] = draw(*args)
    finally:
        with lock:  # on an error here, the pool starts nothing more
            queue.clear()
        for thread in feeders:
            thread.join()
    return here | {stem: fut.result() for stem, fut in futures.items()}
