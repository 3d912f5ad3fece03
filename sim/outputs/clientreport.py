"""``report.pdf`` and the one-screen summary at the top of ``report.md``.

A client reads one page: the question, a ranked table with each effect and its 95 %
interval in words, a headline chart, three findings in plain language and a box of
assumptions; the most relevant map follows on a second page. :class:`Summary` holds
that content; :func:`write_pdf` lays it out on A4 with matplotlib's PDF backend (text
stays text: selectable and searchable, fonts embedded as TrueType) and
:func:`summary_markdown` writes the same summary as Markdown. ``compare``
(:mod:`sim.compare.summary`) and ``run`` (:mod:`sim.outputs.runreport`) fill it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import matplotlib as mpl
import matplotlib.image
import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.patches import FancyBboxPatch
from matplotlib.textpath import TextToPath

from sim.outputs import figure

A4 = (8.27, 11.69)
"""Page size in inches, portrait."""
MARGIN = 0.7
"""Page margin in inches."""
TEXT_WIDTH = A4[0] - 2 * MARGIN
"""Inches: the width of a page's text, and of the figures drawn for the page."""
BODY_PT = 9.5
CHART_LABEL_PT = 8.5
"""Font size of a chart's row labels."""
CHART_LABEL_WIDTH = 2.3
"""Inches left of a chart's axes for its row labels."""
CHART_HEIGHT = 2.3
"""Inches of a chart with its axis label, at the least."""


@dataclass
class Summary:
    """The content of a client summary, already in the reader's language.

    Attributes
    ----------
    title
        Heading of the report.
    question
        The question the report answers, one or two sentences.
    labels
        Headings: ``question``, ``table``, ``findings``, ``chart``, ``assumptions``,
        ``map``.
    header, rows
        The ranked table: column headings and one row of cells per scenario.
    widths
        Relative column widths of the table.
    findings
        Three findings in plain language.
    assumptions
        Lines of the assumptions box (scale, seeds, what the model leaves out).
    footer
        Provenance line at the bottom of every page.
    chart
        Draws the headline chart into an axes, or ``None``.
    chart_height
        Inches the chart takes with its axis label (:func:`chart_height` for a chart
        with a row per label).
    map_png
        The most relevant map, shown on page 2, or ``None``.
    map_caption
        Caption under the map.
    """

    title: str
    question: str
    labels: dict[str, str]
    header: list[str]
    rows: list[list[str]]
    widths: list[float]
    findings: list[str]
    assumptions: list[str]
    footer: str
    chart: Callable[[Axes], None] | None = None
    chart_height: float = CHART_HEIGHT
    map_png: Path | None = None
    map_caption: str = ""
    focus: int | None = None
    """Index of the scenario the map shows (for the caller that draws it)."""


def chart_labels(names: Sequence[str]) -> list[str]:
    """Row labels of a chart, wrapped to the room left of its axes."""
    return ["\n".join(_wrap(n, CHART_LABEL_WIDTH - 0.15, CHART_LABEL_PT)) for n in names]


def chart_height(labels: Sequence[str]) -> float:
    """Inches of a chart with a row per label, every row as tall as the tallest label.

    Rows of equal height keep the bars evenly spaced; a row two lines tall leaves two
    wrapped labels one above the other rather than on top of each other.
    """
    lines = max((label.count("\n") + 1 for label in labels), default=1)
    row = lines * CHART_LABEL_PT * 1.3 / 72 + 0.1
    return max(CHART_HEIGHT, len(labels) * row + 0.8)


@lru_cache(maxsize=1)
def _text_path() -> TextToPath:
    return TextToPath()


def _width(text: str, size: float, bold: bool) -> float:
    """Inches that ``text`` takes at ``size`` points in the report's font."""
    prop = FontProperties(size=size, weight="bold" if bold else "normal")
    return _text_path().get_text_width_height_descent(text, prop, ismath=False)[0] / 72.0


def _wrap(text: str, width_in: float, size: float, bold: bool = False) -> list[str]:
    """``text`` in lines no wider than ``width_in``, measured in the font (digits and
    capitals are wider than an average letter: a count of characters let numbers run
    into the next column). Existing line breaks are kept; a word longer than a line
    stands alone."""
    lines: list[str] = []
    for para in text.split("\n"):
        line = ""
        for word in para.split():
            longer = f"{line} {word}" if line else word
            if line and _width(longer, size, bold) > width_in:
                lines.append(line)
                line = word
            else:
                line = longer
        lines.append(line)
    return lines


class _Page:
    """A page with a cursor moving down from the top margin (inches)."""

    def __init__(self, footer: str, number: int) -> None:
        self.fig = Figure(figsize=A4)
        self.y = A4[1] - MARGIN
        self.width = A4[0] - 2 * MARGIN
        lines = figure.wrap_parts(footer, self.width, 8.0).split("\n")
        self.fig.text(MARGIN / A4[0], 0.35 / A4[1], "\n".join(lines), fontsize=8.0,
                      color="0.35", va="bottom", ha="left")  # fmt: skip
        self.fig.text(1 - MARGIN / A4[0], 0.35 / A4[1], str(number), fontsize=8.0,
                      color="0.35", va="bottom", ha="right")  # fmt: skip
        self.bottom = 0.35 + len(lines) * 8.0 * 1.35 / 72 + 0.25

    def room(self) -> float:
        return self.y - self.bottom

    def text(self, text: str, size: float = BODY_PT, weight: str = "normal", indent: float = 0.0,
             colour: str = "black", gap: float = 0.06) -> float:  # fmt: skip
        """Write wrapped ``text`` at the cursor; returns its height in inches."""
        lines = _wrap(text, self.width - indent, size, weight == "bold")
        height = len(lines) * size * 1.35 / 72
        self.fig.text((MARGIN + indent) / A4[0], self.y / A4[1], "\n".join(lines), fontsize=size,
                      fontweight=weight, va="top", ha="left", color=colour,
                      linespacing=1.35)  # fmt: skip
        self.y -= height + gap
        return height

    def heading(self, text: str) -> None:
        self.y -= 0.08
        self.text(text, 11.0, "bold", gap=0.05)

    def table(self, header: Sequence[str], rows: Sequence[Sequence[str]],
              widths: Sequence[float]) -> None:  # fmt: skip
        """A ruled table, cells wrapped to their column."""
        total = float(sum(widths))
        cols = [self.width * w / total for w in widths]
        lefts = np.concatenate([[MARGIN], MARGIN + np.cumsum(cols)[:-1]])
        size = 8.5
        line_h = size * 1.3 / 72
        for r, row in enumerate([list(header), *map(list, rows)]):
            cells = [_wrap(c, w - 0.1, size, r == 0) for c, w in zip(row, cols, strict=True)]
            height = max(len(c) for c in cells) * line_h + 0.08
            if r == 0:
                self.fig.patches.append(
                    FancyBboxPatch((MARGIN / A4[0], (self.y - height) / A4[1]),
                                   self.width / A4[0], height / A4[1], boxstyle="square,pad=0",
                                   transform=self.fig.transFigure, facecolor="#e8eef5",
                                   edgecolor="none")
                )
            for cell, left in zip(cells, lefts, strict=True):
                self.fig.text((left + 0.05) / A4[0], (self.y - 0.04) / A4[1], "\n".join(cell),
                              fontsize=size, va="top", ha="left", linespacing=1.3,
                              fontweight="bold" if r == 0 else "normal")  # fmt: skip
            self.y -= height
            self.fig.add_artist(mpl.lines.Line2D(
                [MARGIN / A4[0], 1 - MARGIN / A4[0]], [self.y / A4[1]] * 2,
                transform=self.fig.transFigure, color="0.6" if r else "0.3", lw=0.6))
        self.y -= 0.12

    def box(self, title: str, lines: Sequence[str]) -> None:
        """A shaded box with a bold title and bulleted lines."""
        size = 8.5
        wrapped = [_wrap(line, self.width - 0.45, size) for line in lines]
        height = _box_height(lines, self.width)
        self.fig.patches.append(
            FancyBboxPatch((MARGIN / A4[0], (self.y - height) / A4[1]), self.width / A4[0],
                           height / A4[1], boxstyle="round,pad=0,rounding_size=0.01",
                           transform=self.fig.transFigure, facecolor="#f4f4f0",
                           edgecolor="0.6", lw=0.6)
        )
        self.y -= 0.1
        self.text(title, 10.0, "bold", indent=0.12, gap=0.04)
        for w in wrapped:
            self.fig.text((MARGIN + 0.15) / A4[0], self.y / A4[1], "•", fontsize=size,
                          va="top")  # fmt: skip
            self.text("\n".join(w), size, indent=0.3, gap=0.02)
        self.y -= 0.12

    def axes(self, height: float) -> Axes:
        """An axes of ``height`` inches across the page at the cursor (room for labels)."""
        left = MARGIN + CHART_LABEL_WIDTH
        ax = self.fig.add_axes(((left) / A4[0], (self.y - height + 0.7) / A4[1],
                                (A4[0] - MARGIN - left - 0.2) / A4[0], (height - 0.8) / A4[1]))
        self.y -= height
        return ax

    def image(self, path: Path, caption: str) -> None:
        """The PNG at ``path`` scaled to the room left, with ``caption`` under it."""
        pixels = matplotlib.image.imread(path)
        h, w = pixels.shape[:2]
        cap_h = len(_wrap(caption, self.width, 8.5)) * 8.5 * 1.35 / 72 + 0.1
        room = self.room() - cap_h
        width = min(self.width, room * w / h)
        height = width * h / w
        left = MARGIN + (self.width - width) / 2
        ax = self.fig.add_axes((left / A4[0], (self.y - height) / A4[1], width / A4[0],
                                height / A4[1]))  # fmt: skip
        ax.imshow(pixels, interpolation="antialiased")
        ax.set_axis_off()
        self.y -= height + 0.08
        self.text(caption, 8.5, colour="0.25")


def _box_height(lines: Sequence[str], width: float) -> float:
    """Inches of the box :meth:`_Page.box` draws around ``lines``."""
    n = sum(len(_wrap(line, width - 0.45, 8.5)) for line in lines)
    return (n * 8.5 * 1.35 + 11 * 1.6) / 72 + 0.25 + 0.02 * len(lines)


def _text_height(lines: Sequence[str], width: float, size: float, gap: float = 0.05) -> float:
    """Inches that ``lines`` take when written with :meth:`_Page.text`."""
    return sum(len(_wrap(x, width, size)) * size * 1.35 / 72 + gap for x in lines)


def write_pdf(summary: Summary, path: Path) -> Path:
    """Lay ``summary`` out on one or two A4 pages and write it to ``path``.

    Page 1: title, question, ranked table, headline chart, findings, assumptions.
    Page 2: the most relevant map. Whatever does not fit on page 1 (the chart first)
    moves to page 2; nothing goes beyond page 2.
    """
    meta = {"Title": summary.title, "Creator": "Crosspaths", "CreationDate": None}
    with figure.style(), figure.pdf_fonts(), PdfPages(path, metadata=meta) as pdf:
        page = _Page(summary.footer, 1)
        page.text(summary.title, 16.0, "bold", gap=0.12)
        page.text(summary.labels["question"] + " " + summary.question, 11.0, gap=0.1)
        page.heading(summary.labels["table"])
        page.table(summary.header, summary.rows, summary.widths)
        width = page.width
        findings_h = 0.3 + _text_height(summary.findings, width - 0.25, BODY_PT)
        box_h = _box_height(summary.assumptions, width) + 0.12
        chart_h = summary.chart_height if summary.chart is not None else 0.0
        later: list[str] = []
        if chart_h and page.room() < chart_h + 0.3 + findings_h + box_h:
            later.append("chart")
        if summary.chart is not None and "chart" not in later:
            page.heading(summary.labels["chart"])
            summary.chart(page.axes(chart_h))
        page.heading(summary.labels["findings"])
        for k, line in enumerate(summary.findings, start=1):
            page.fig.text(MARGIN / A4[0], page.y / A4[1], f"{k}.", fontsize=BODY_PT, va="top")
            page.text(line, BODY_PT, indent=0.25, gap=0.05)
        page.box(summary.labels["assumptions"], summary.assumptions)
        pdf.savefig(page.fig)
        has_map = summary.map_png is not None and summary.map_png.exists()
        if not later and not has_map:
            return path
        page = _Page(summary.footer, 2)
        if later and summary.chart is not None:
            page.heading(summary.labels["chart"])
            summary.chart(page.axes(chart_h))
        if has_map and summary.map_png is not None:
            page.heading(summary.labels["map"])
            page.image(summary.map_png, summary.map_caption)
        pdf.savefig(page.fig)
    return path


def summary_markdown(summary: Summary) -> str:
    """The summary as Markdown: the first screen of ``report.md``."""

    def cell(text: str) -> str:
        return text.replace("|", "\\|").replace("\n", " ")

    out = [
        f"# {summary.title}",
        "",
        f"**{summary.labels['question']}** {summary.question}",
        "",
        f"## {summary.labels['table']}",
        "",
        "| " + " | ".join(cell(h) for h in summary.header) + " |",
        "|" + "---|" * len(summary.header),
        *("| " + " | ".join(cell(c) for c in row) + " |" for row in summary.rows),
        "",
        f"## {summary.labels['findings']}",
        "",
        *(f"{k}. {line}" for k, line in enumerate(summary.findings, start=1)),
        "",
        f"> **{summary.labels['assumptions']}**",
        ">",
        *(f"> - {line}" for line in summary.assumptions),
        "",
    ]
    return "\n".join(out)
