"""Figure set-up shared by the comparison's figures: style, source line, saving.

The style is the one of a run's report figures (:mod:`sim.outputs.plots`), so a
comparison sits next to them in a report without a change of look. Every figure gets a
source line naming the scenario files, seeds, days and scale: a figure copied into a
planning report on its own still says what it shows.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import matplotlib as mpl
from matplotlib.figure import Figure

import sim
from sim.compare.runner import ComparisonRuns
from sim.outputs.plots import report_style

DPI = 200
FORMATS: tuple[str, ...] = ("png", "svg", "pdf")
SOURCE_FONT_PT = 8.0
_CHARS_PER_INCH = 15.5
"""Characters of the source line per inch of figure width at 8 pt (a safe average)."""

REFERENCE_COLOUR = "#999999"
VARIANT_COLOURS: tuple[str, ...] = (
    "#332288", "#cc6677", "#117733", "#ddcc77", "#88ccee", "#882255", "#44aa99", "#999933",
    "#aa4499",
)  # fmt: skip
"""Paul Tol's muted scheme: nine colours told apart by colour-blind readers too."""

DIVERGING = "RdBu"
"""Red for meetings lost, blue for meetings gained; white is no change."""


def variant_colour(index: int) -> str:
    """Colour of scenario ``index`` (>= 1) in every figure."""
    return VARIANT_COLOURS[(index - 1) % len(VARIANT_COLOURS)]


def seed_text(seeds: Sequence[int]) -> str:
    """``seeds 0–4`` for a run of consecutive seeds, else the list."""
    if len(seeds) > 1 and list(seeds) == list(range(seeds[0], seeds[-1] + 1)):
        return f"seeds {seeds[0]}–{seeds[-1]}"
    return "seeds " + ", ".join(str(s) for s in seeds)


def source_line(runs: ComparisonRuns) -> str:
    """Provenance of a comparison: files, seeds, days, scale, version, data credits."""
    files = "; ".join(f"{sc.label} = {sc.path}" for sc in runs.scenarios)
    days = f"{runs.days} simulated day{'s' if runs.days != 1 else ''}"
    parts = [
        f"Source: Crosspaths {sim.__version__}",
        f"scenarios: {files}",
        f"{seed_text(runs.seeds)} ({len(runs.seeds)} per scenario, common random numbers)",
        days,
    ]
    if runs.scale != 1.0:
        parts.append(f"population × {runs.scale:g}")
    credits = dict.fromkeys(sc.layout.attribution for sc in runs.scenarios if sc.layout.attribution)
    parts.extend(credits)
    return "  ·  ".join(parts)


def style() -> AbstractContextManager[Any]:
    """rc settings of report figures, for the duration of one figure."""
    return mpl.rc_context(report_style())


def new_figure(size: tuple[float, float], source: str, layout: str = "constrained") -> Figure:
    """A figure with the wrapped ``source`` line at the bottom and room kept for it.

    ``layout`` ``"compressed"`` suits axes with a fixed aspect ratio (maps, heatmaps).
    """
    fig = Figure(figsize=size, layout=layout)
    text = textwrap.fill(source, width=int(size[0] * _CHARS_PER_INCH), break_on_hyphens=False)
    n_lines = text.count("\n") + 1
    # Height of the text block plus a small gap, as a fraction of the figure.
    bottom = (n_lines * SOURCE_FONT_PT * 1.3 + 8.0) / 72.0 / size[1]
    fig.get_layout_engine().set(rect=(0.0, bottom, 1.0, 1.0 - bottom))
    fig.text(0.01, 0.006, text, fontsize=SOURCE_FONT_PT, color="0.35", ha="left", va="bottom")
    return fig


def save(fig: Figure, out_dir: Path, stem: str) -> list[Path]:
    """Write ``stem`` as PNG (200 dpi), SVG and PDF and release the figure."""
    paths = []
    for fmt in FORMATS:
        path = out_dir / f"{stem}.{fmt}"
        # No dates in vector files, so the same comparison reproduces them byte for byte.
        meta = {"Date": None} if fmt == "svg" else {"CreationDate": None} if fmt == "pdf" else None
        fig.savefig(path, dpi=DPI, metadata=meta)
        # The first save solved the layout; freezing it spares each later format a solve.
        fig.set_layout_engine("none")
        paths.append(path)
    fig.clear()
    return paths
