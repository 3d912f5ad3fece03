"""The one set of figure helpers: style, a new figure with its footer, saving.

Every figure of ``run``, ``compare`` and ``sweep`` is made here: only the
object-oriented API (``Figure`` objects, never ``pyplot``), so no backend is chosen
and no figure outlives its function; font sizes are set through ``rc_context`` for the
duration of one figure only. Every figure gets a footer that says what it shows -
scenario, population scale, seeds, simulated days and version - so a figure pasted
into a planning report on its own still carries its provenance.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, Literal

import matplotlib as mpl
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

import sim
from sim.i18n import Lang
from sim.outputs.fonts import pdf_family

LayoutName = Literal["constrained", "compressed", "tight"]
DPI = 200
FORMATS: tuple[str, ...] = ("png", "svg", "pdf")
"""Every format a figure can be written in: PNG (200 dpi) for screens, SVG and PDF for print."""
PNG_COMPRESS_LEVEL = 3
"""zlib level of PNG files (Pillow's default is 6). Lossless at any level: the pixels are
the same; at 3 a difference map is written in two thirds of the time (0.18 s instead of
0.28 s for 2400 x 2252 pixels) and is 3 % larger."""
FOOTER_PT = 8.0
_CHARS_PER_INCH = {8.0: 15.5, 12.0: 9.5, 14.0: 8.2}
"""Characters per inch of figure width at a font size (a safe average for DejaVu Sans)."""


def report_style() -> dict[str, Any]:
    """rc settings of report figures (a fresh dict, so nobody can mutate a shared one)."""
    return {
        "font.size": 11,
        "axes.titlesize": 14,
        "axes.labelsize": 12,
        "xtick.labelsize": 10,
        "ytick.labelsize": 10,
        "legend.fontsize": 10,
        "axes.spines.top": False,
        "axes.spines.right": False,
        # Text stays text in SVG and PDF: selectable, searchable, editable in a report.
        "svg.fonttype": "none",
        "pdf.fonttype": 42,
        # matplotlib's PDF backend sizes its font subsets by ps.fonttype: left at 3, every
        # PDF with a "−" or "–" ran fontTools twice over each font (0.07–0.2 s a PDF).
        "ps.fonttype": 42,
        "svg.hashsalt": "crosspaths",
    }


def page_text() -> dict[str, Any]:
    """rc text sizes of a figure drawn for a page of ``report.pdf`` (about 6.9 inches wide
    and printed at that size), where the on-screen sizes would leave no room for a map."""
    return {"font.size": 8, "axes.titlesize": 11, "axes.labelsize": 9, "xtick.labelsize": 8,
            "ytick.labelsize": 8, "legend.fontsize": 7}  # fmt: skip


def style(page: bool = False) -> AbstractContextManager[Any]:
    """rc settings of report figures, for the duration of one figure.

    ``page``: the smaller text of a figure drawn for a page of ``report.pdf``.
    """
    rc: Any = report_style() | (page_text() if page else {})
    return mpl.rc_context(rc)


def pdf_fonts() -> AbstractContextManager[Any]:
    """rc settings while a PDF is written: the figure font's copy without layout tables
    (:mod:`sim.outputs.fonts`), which halves a PDF's time; PNG and SVG keep the font."""
    family = pdf_family()
    if family is None:
        return mpl.rc_context({})
    return mpl.rc_context({"font.sans-serif": [family, *mpl.rcParams["font.sans-serif"]]})


def wrap(text: str, width_in: float, size_pt: float = 12.0) -> str:
    """``text`` wrapped to fit ``width_in`` inches at ``size_pt``: titles are never cut.

    Existing line breaks are kept; each line is wrapped on its own.
    """
    per_inch = _CHARS_PER_INCH.get(size_pt, 15.5 * FOOTER_PT / size_pt)
    width = max(int(width_in * per_inch), 20)
    return "\n".join(
        textwrap.fill(line, width=width, break_on_hyphens=False) for line in text.split("\n")
    )


def wrap_parts(text: str, width_in: float, size_pt: float = FOOTER_PT, sep: str = "  ·  ") -> str:
    """Wrap a footer between its ``sep``-separated parts, so no part is split across lines
    unless it is longer than a line on its own (a long list of scenario files)."""
    width = max(int(width_in * _CHARS_PER_INCH.get(size_pt, 15.5 * FOOTER_PT / size_pt)), 20)
    lines: list[str] = []
    for part in text.split(sep):
        pieces = textwrap.wrap(part, width, break_on_hyphens=False) or [""]
        if lines and len(lines[-1]) + len(sep) + len(pieces[0]) <= width:
            lines[-1] += sep + pieces[0]
            pieces = pieces[1:]
        lines.extend(pieces)
    return "\n".join(lines)


def seed_text(lang: Lang, seeds: Sequence[int]) -> str:
    """``seed 0``, ``seeds 0–4`` for consecutive seeds, else the list."""
    seeds = list(seeds)
    if len(seeds) == 1:
        return lang.t("footer.seed", seed=seeds[0])
    if seeds == list(range(seeds[0], seeds[-1] + 1)):
        return lang.t("footer.seeds", seeds=f"{seeds[0]}–{seeds[-1]}")
    return lang.t("footer.seeds", seeds=", ".join(str(s) for s in seeds))


def scale_text(lang: Lang, scale: float) -> str:
    """``population scale 1 (full)`` or ``population scale 0.25``."""
    if scale == 1.0:
        return lang.t("footer.scale_full")
    return lang.t("footer.scale", scale=lang.tick(scale))


def provenance(
    lang: Lang,
    *,
    what: str,
    scale: float,
    seeds: Sequence[int] | str,
    days: int,
    extra: Sequence[str] = (),
) -> str:
    """The footer of a figure: what, scale, seeds, days, version, then ``extra``.

    Parameters
    ----------
    lang
        Language of the footer.
    what
        The scenario(s) or sweep the figure shows, e.g. ``"Scenario: baseline"``.
    scale
        Population multiplier of the runs.
    seeds
        Seeds of the runs, or a text saying which (a sweep's seeds are derived).
    days
        Simulated days per run.
    extra
        Further parts (notes, data credits), each printed once.
    """
    parts = [
        what,
        scale_text(lang, scale),
        seeds if isinstance(seeds, str) else seed_text(lang, seeds),
        lang.plural(days, "sim_day"),
        f"Crosspaths {sim.__version__}",
        *dict.fromkeys(e for e in extra if e),
    ]
    return "  ·  ".join(parts)


def new_figure(
    size: tuple[float, float], footer: str, layout: LayoutName = "constrained"
) -> Figure:
    """A figure with the wrapped ``footer`` at the bottom and room kept for it.

    ``layout`` ``"compressed"`` suits axes with a fixed aspect ratio (maps, heatmaps).
    The figure gets an Agg canvas, so text can be measured before saving (label
    placement needs it). An empty ``footer``: none, for a figure placed on a page whose
    own footer gives the provenance (``report.pdf``).
    """
    fig = Figure(figsize=size, layout=layout)
    FigureCanvasAgg(fig)
    if not footer:
        return fig
    text = wrap_parts(footer, size[0] - 0.2, FOOTER_PT)
    n_lines = text.count("\n") + 1
    # Height of the text block plus a small gap, as a fraction of the figure.
    bottom = (n_lines * FOOTER_PT * 1.3 + 8.0) / 72.0 / size[1]
    engine: Any = fig.get_layout_engine()
    if engine is not None:
        engine.set(rect=(0.0, bottom, 1.0, 1.0 - bottom))
    fig.text(0.01, 0.006, text, fontsize=FOOTER_PT, color="0.35", ha="left", va="bottom")
    return fig


def freeze_layout(fig: Figure) -> None:
    """Solve the layout now and keep it, so positions measured afterwards stay valid."""
    fig.draw_without_rendering()
    _drop_layout_engine(fig)


def _drop_layout_engine(fig: Figure) -> None:
    """Keep the solved layout and remove the engine altogether.

    ``set_layout_engine("none")`` leaves a placeholder engine, and matplotlib draws a
    figure that has any engine once more, without output, before each save: a whole
    extra draw per file. The rc values only make ``None`` mean "no engine".
    """
    with mpl.rc_context({"figure.autolayout": False, "figure.constrained_layout.use": False}):
        fig.set_layout_engine(None)


def _solve_layout(fig: Figure) -> None:
    """Solve a figure's layout as saving it as PNG would, and drop the engine.

    Left to ``savefig``, the first file would draw the whole figure once without output
    to solve it (the cells' numbers of a heatmap included), then again for real.
    Solved here with the same renderer at the same resolution, it gives the same
    positions. (Vector files measure text their own way: a figure whose first file is
    one is left to ``savefig``.)
    """
    engine = fig.get_layout_engine()
    if engine is None:
        return
    dpi = fig.dpi
    fig.dpi = DPI
    try:
        engine.execute(fig)
    finally:
        fig.dpi = dpi
    _drop_layout_engine(fig)


def save(
    fig: Figure, out_dir: Path, stem: str, formats: Sequence[str] = FORMATS
) -> list[Path]:
    """Write ``stem`` in every format of ``formats`` and release the figure."""
    paths = []
    if formats and formats[0] == "png":
        _solve_layout(fig)
    for fmt in formats:
        path = out_dir / f"{stem}.{fmt}"
        # No dates in vector files, so the same inputs reproduce them byte for byte.
        meta = {"Date": None} if fmt == "svg" else {"CreationDate": None} if fmt == "pdf" else None
        extra: dict[str, Any] = (
            {"pil_kwargs": {"compress_level": PNG_COMPRESS_LEVEL}} if fmt == "png" else {}
        )
        with pdf_fonts() if fmt == "pdf" else mpl.rc_context({}):
            fig.savefig(path, dpi=DPI, metadata=meta, **extra)
        # The first save solved the layout; dropping the engine spares each later format
        # a solve and a draw.
        _drop_layout_engine(fig)
        paths.append(path)
    fig.clear()
    return paths
