"""Figures, maps and client reports: both languages, the tiny fixture and the baseline.

(A run's figures and report in both languages: ``test_outputs``, which writes them once.)

Runs are synthetic (random meetings on a real layout), so the figures are tested
without the cost of simulating; ``test_compare`` covers figures of real runs.
"""

from __future__ import annotations

import re
import string
import threading
import time
import warnings
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import matplotlib
import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Text
from matplotlib.transforms import Bbox
from pypdf import PdfReader

from sim.cli import main
from sim.compare import diffmap, figures, summary
from sim.compare.changes import ItemChange, VariantChanges
from sim.compare.runner import ComparisonRuns, load_scenarios
from sim.engine.results import AgentTable, MeetingTable, RunResult
from sim.i18n import EN, LANGUAGES, Lang
from sim.layout import load_layout
from sim.layout.schema import Layout
from sim.metrics import place_table, summarize
from sim.outputs import basemap, clientreport, figure, fonts, plots
from sim.outputs.clientreport import MARGIN, TEXT_WIDTH, chart_height, chart_labels
from sim.params import AGENT_TYPES

FIXTURES = Path(__file__).parent / "fixtures"
BASELINE = Path(__file__).parent.parent / "scenarios" / "baseline.yaml"
VISION = BASELINE.parent / "vision"
H = 3600.0


def synthetic(layout: Layout, n: int = 300, days: int = 1, seed: int = 3) -> RunResult:
    """``n`` random meetings among the layout's people (one agent per 10 people)."""
    rng = np.random.default_rng(seed)
    inst = {k: i for i, k in enumerate(layout.institutions)}
    types, insts, homes = [], [], []
    for bi, b in enumerate(layout.buildings.values()):
        for t, count in b.population.items():
            for k in range(max(1, count // 10) if count else 0):
                types.append(AGENT_TYPES.index(t))
                insts.append(inst[b.institutions[k % len(b.institutions)]])
                homes.append(bi)
    agents = AgentTable(np.array(types, np.int8), np.array(insts, np.int16),
                        np.array(homes, np.int16))  # fmt: skip
    a = rng.integers(0, len(agents) - 1, n)
    b = rng.integers(a + 1, len(agents))
    kind = rng.integers(0, 4, n).astype(np.int8)
    sizes = np.array([len(layout.edges), len(layout.nodes), len(layout.venues), len(layout.spaces)])
    meetings = MeetingTable(
        a=a.astype(np.int32), b=b.astype(np.int32), day=rng.integers(0, days, n).astype(np.int16),
        t=rng.uniform(7 * H, 19 * H, n), place_kind=kind,
        place=np.floor(rng.random(n) * sizes[kind]).astype(np.int32),
        cross=agents.institution[a] != agents.institution[b],
    )  # fmt: skip
    return RunResult(layout, seed, days, agents, meetings, rng.integers(1000, 2000, days),
                     setup_s=0.1, sim_s=0.1)  # fmt: skip


# --- words and numbers ---------------------------------------------------------------


def test_both_languages_have_the_same_strings_and_placeholders() -> None:
    fields = string.Formatter()
    en, da = LANGUAGES["en"], LANGUAGES["da"]
    assert set(en) == set(da)
    for key in en:
        names_en = {f[1] for f in fields.parse(en[key]) if f[1]}
        names_da = {f[1] for f in fields.parse(da[key]) if f[1]}
        assert names_en == names_da, key


@pytest.mark.parametrize(
    ("value", "en", "da"),
    [
        (14321, "14,300", "14.300"),
        (-96.75, "\u221296.8", "\u221296,8"),
        (24712.0, "24,700", "24.700"),
        (0.13314, "0.133", "0,133"),
        (9.996, "10.0", "10,0"),
        (0.000123456, "0.000123", "0,000123"),
        (1.2e7, "12,000,000", "12.000.000"),
    ],
)
def test_numbers_have_three_significant_figures_and_no_exponent(
    value: float, en: str, da: str
) -> None:
    assert EN.num(value) == en
    assert Lang("da").num(value) == da
    assert "e" not in EN.num(value)


def test_percentages_and_ranges_in_words() -> None:
    assert EN.pct(0.089) == "+8.9 %"
    assert EN.pct_range(0.083, 0.095) == "between +8.3 and +9.5 %"
    assert Lang("da").pct_range(-0.021, 0.004) == "mellem \u22122,1 og +0,40 %"
    assert EN.count(14321) == "14,321"
    assert EN.tick(20.0) == "20" and EN.tick(0.5, signed=True) == "+0.5"


def test_unknown_language_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown language"):
        Lang("xx")


# --- layouts: title and scale --------------------------------------------------------


def test_title_names_the_scenario_and_a_variant_does_not_inherit_it(tmp_path: Path) -> None:
    base = tmp_path / "base.yaml"
    text = (FIXTURES / "tiny.yaml").read_text(encoding="utf-8")
    base.write_text(text.replace("name: tiny\n", 'name: tiny\ntitle: "Tiny today"\n'), "utf-8")
    variant = tmp_path / "variant.yaml"
    variant.write_text("extends: base.yaml\nname: tiny_v\n", encoding="utf-8")
    titled = tmp_path / "titled.yaml"
    titled.write_text('extends: base.yaml\nname: tiny_t\ntitle: "Tiny tomorrow"\n', "utf-8")
    assert load_layout(base).display_name == "Tiny today"
    assert load_layout(variant).display_name == "tiny_v"
    assert load_layout(titled).display_name == "Tiny tomorrow"


def test_summary_has_the_scale_and_per_day_counts_stay_whole() -> None:
    layout = load_layout(FIXTURES / "tiny.yaml").scaled(0.5)
    result = synthetic(layout, n=400)
    assert summarize(result, "tiny", 1.0)["scale"] == 0.5
    rows = place_table(result)
    assert any(r["meetings"] > 1 for r in rows)
    for row in rows:
        # One day: meetings per day is the count itself, a whole number, never rounded.
        assert row["meetings_per_day"] == row["meetings"]
        assert isinstance(row["meetings_per_day"], int), row


# --- run figures and report ----------------------------------------------------------


@pytest.mark.parametrize("code", ["en", "da"])
def test_baseline_map_renders_in_both_languages(tmp_path: Path, code: str) -> None:
    layout = load_layout(BASELINE).scaled(0.05)
    paths = plots.plot_meeting_density(synthetic(layout), tmp_path, lang=Lang(code))
    svg = next(p for p in paths if p.suffix == ".svg").read_text(encoding="utf-8")
    lang = Lang(code)
    assert lang.t("footer.scale", scale="0.05" if code == "en" else "0,05") in svg
    assert lang.t("street.main") in svg and "Nørre Allé" in svg  # a main street's name
    assert lang.t("locator.lakes") in svg  # the locator: the district lies in Copenhagen
    assert "Rigshospitalet" in svg  # institutions in the legend


# --- comparison: one colour scale ----------------------------------------------------


def test_difference_maps_share_one_symmetric_scale(monkeypatch: pytest.MonkeyPatch) -> None:
    changes = [
        _fake_changes(1, [("edge", 3.0), ("venue", -40.0)]),
        _fake_changes(2, [("edge", -350.0), ("venue", 12.0)]),
    ]
    scale = diffmap.shared_scale(changes)
    assert scale == diffmap.DiffScale(streets=350.0, places=40.0)
    seen: list[diffmap.DiffScale | None] = []
    monkeypatch.setattr(diffmap, "plot_difference_map",
                        lambda runs, vc, out, stem, scale=None, lang=EN: seen.append(scale) or [])
    monkeypatch.setattr(figures, "plot_headline_bars", lambda *a, **k: [])
    monkeypatch.setattr(figures, "plot_type_pairs", lambda *a, **k: [])
    monkeypatch.setattr(figures, "plot_institution_pairs", lambda *a, **k: [])
    figures.write_figures(None, [], changes, Path("."))  # type: ignore[arg-type]
    assert seen == [scale, scale]


class _Scenario:
    def __init__(self, index: int) -> None:
        self.index = index
        self.label = f"v{index}"
        self.layout = type("L", (), {"title": ""})()


class _Pairs:
    change = np.zeros((2, 2))


def _fake_changes(index: int, items: list[tuple[str, float]]) -> VariantChanges:
    places = [ItemChange(kind, f"{kind}{k}", "", 0.0, v, v, v - 1, v + 1)
              for k, (kind, v) in enumerate(items)]  # fmt: skip
    return VariantChanges(_Scenario(index), places, None, _Pairs())  # type: ignore[arg-type]


def test_report_words_never_use_exponents() -> None:
    for value in (2.47e4, 1e-5, 123456789.0):
        assert not re.search(r"\de[+-]?\d", EN.num(value))


# --- comparison: the client report -----------------------------------------------------


def test_compare_report_pdf_in_danish(tmp_path: Path) -> None:
    text = (FIXTURES / "tiny.yaml").read_text(encoding="utf-8")
    variant = tmp_path / "busier.yaml"
    variant.write_text(
        text.replace("name: tiny\n", 'name: tiny_busier\ntitle: "Travlere café"\n')
        + "model:\n  p_cafe: 0.05\n",
        encoding="utf-8",
    )
    out = tmp_path / "cmp"
    argv = ["compare", str(FIXTURES / "tiny.yaml"), str(variant), "--seeds", "2",
            "--out", str(out), "--quiet", "--lang", "da"]  # fmt: skip
    assert main(argv) == 0
    da = Lang("da")
    pages = PdfReader(out / "report.pdf").pages
    assert 1 <= len(pages) <= 2
    words = " ".join(" ".join(p.extract_text() for p in pages).split())  # lines wrap
    # Selectable text: the question, the ranked table with effects in words, the title.
    for part in (da.t("sum.title"), da.t("sum.h_table"), da.t("sum.h_assumptions"),
                 "Travlere café", "mellem"):  # fmt: skip
        assert part in words, part
    md = (out / "report.md").read_text(encoding="utf-8")
    assert md.startswith(f"# {da.t('sum.title')}")
    for key in ("vis.optional", "vis.total"):  # the visits findings, in Danish too
        assert da.t(key, value="|").split("|")[0] in md
        assert EN.t(key, value="|").split("|")[0] not in md
    assert da.t("tab.relative") in (out / "comparison.md").read_text(encoding="utf-8")
    svg = (out / "difference_map_tiny_busier.svg").read_text(encoding="utf-8")
    assert da.t("cmp.same_scale") in svg and "Travlere" in svg
    # A one-day run has no lasting ties: that panel's axis is 0-1, not ticks of 1e-9.
    assert "0,00000" not in (out / "headline_figures.svg").read_text(encoding="utf-8")


# --- figures drawn for a page of report.pdf ------------------------------------------


def _drawn(monkeypatch: pytest.MonkeyPatch) -> list[Figure]:
    """Figures handed to ``figure.save``, kept whole instead of written."""
    kept: list[Figure] = []

    def keep(fig: Figure, *args: object, **kwargs: object) -> list[Path]:
        kept.append(fig)
        return []

    monkeypatch.setattr(figure, "save", keep)
    return kept


def _boxes_apart(boxes: list[Bbox]) -> bool:
    return not any(a.overlaps(b) for k, a in enumerate(boxes) for b in boxes[k + 1 :])


def _check_page_map(fig: Figure) -> None:
    """Everything inside the figure; title, legend and colour bar labels apart; no footer."""
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    fig.draw_without_rendering()
    inside = fig.bbox.padded(1.0)
    for text in fig.findobj(Text):
        if text.get_visible() and text.get_text().strip():
            box = text.get_window_extent(renderer)
            assert inside.contains(box.x0, box.y0) and inside.contains(box.x1, box.y1), text
    assert not fig.texts  # the page's footer says where the figure comes from
    ax, side = fig.axes[0], fig.axes[1]
    assert ax.get_position().width * fig.get_figwidth() > 3.0  # the layout was applied
    legend = side.get_legend()
    assert legend is not None
    bars = [a.xaxis.label.get_window_extent(renderer) for a in fig.axes
            if a.xaxis.label.get_text() and a is not ax]  # fmt: skip
    assert bars  # the colour bars' labels
    assert _boxes_apart([ax.title.get_window_extent(renderer),
                         legend.get_window_extent(renderer), *bars])  # fmt: skip


def test_run_map_for_the_report_page_fits(monkeypatch: pytest.MonkeyPatch) -> None:
    drawn = _drawn(monkeypatch)
    layout = load_layout(BASELINE).scaled(0.05)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # e.g. "constrained_layout not applied"
        plots.plot_meeting_density(synthetic(layout), Path("."), width=TEXT_WIDTH, page=True)
    (fig,) = drawn
    assert fig.get_figwidth() == TEXT_WIDTH
    _check_page_map(fig)


def test_difference_map_for_the_report_page_fits(monkeypatch: pytest.MonkeyPatch) -> None:
    drawn = _drawn(monkeypatch)
    scenarios = load_scenarios([str(BASELINE), str(VISION / "phases_1_2.yaml")])
    runs = ComparisonRuns(scenarios, (0, 1), 1, 1.0, {})
    variant = scenarios[1].layout
    places = [ItemChange("venue", v, v, 10.0, 10.0 + 40 * k, 40.0 * k, 40 * k - 5, 40 * k + 5)
              for k, v in enumerate(list(variant.venues)[:6], start=1)]  # fmt: skip
    places += [ItemChange("edge", e, "", 5.0, 5.0 + 9 * k, 9.0 * k, 9 * k - 2, 9 * k + 2)
               for k, e in enumerate(list(variant.edges)[:12], start=1)]  # fmt: skip
    vc = VariantChanges(scenarios[1], places, _Pairs(), _Pairs())  # type: ignore[arg-type]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        diffmap.plot_difference_map(runs, vc, Path("."), "map", width=TEXT_WIDTH, page=True)
    (fig,) = drawn
    _check_page_map(fig)


@pytest.mark.parametrize("n", [2, 5, 8])
def test_report_chart_labels_never_overlap(n: int) -> None:
    names = ["Vision phases 1 and 2 together", "New buildings on Rådmandsgade and Sigurdsgade",
             "Pedestrian connections", "A very long scenario name that wraps onto three lines "
             "in the room left of the chart"]  # fmt: skip
    order = []
    for k in range(n):
        sc = SimpleNamespace(label=f"s{k}", layout=SimpleNamespace(title=names[k % len(names)]))
        d = SimpleNamespace(relative=0.1 * k, relative_low=0.1 * k - 0.02,
                            relative_high=0.1 * k + 0.02, indistinguishable=False, mean=1.0)
        order.append(SimpleNamespace(scenario=sc, difference=d))
    ref = SimpleNamespace(label="ref", layout=SimpleNamespace(title="Today"))
    runs = SimpleNamespace(scenarios=[ref])
    page = clientreport._Page("footer", 1)
    FigureCanvasAgg(page.fig)
    labels = chart_labels([str(c.scenario.layout.title) for c in order])
    ax = page.axes(chart_height(labels))
    draw: Any = summary._chart(order, runs, EN)  # type: ignore[arg-type]
    draw(ax)
    page.fig.draw_without_rendering()
    renderer = page.fig.canvas.get_renderer()  # type: ignore[attr-defined]
    ticks = [t.get_window_extent(renderer) for t in ax.get_yticklabels()]
    assert len(ticks) == n and any(t.get_text().count("\n") for t in ax.get_yticklabels())
    assert _boxes_apart(ticks)
    assert all(page.fig.bbox.contains(t.x0, t.y0) for t in ticks)


# --- drawing the comparison's figures side by side ------------------------------------


def _jobs(log: list[tuple[str, str]], n: int, fail: str = "") -> deque[figures.Job]:
    def draw(stem: str) -> list[Path]:
        time.sleep(0.02)
        if stem == fail:
            raise ValueError(stem)
        log.append((stem, threading.current_thread().name))
        return [Path(stem)]

    return deque((f"job{k}", draw, (f"job{k}",)) for k in range(n))


def test_jobs_are_shared_between_this_process_and_the_pool() -> None:
    log: list[tuple[str, str]] = []
    with ThreadPoolExecutor(1, thread_name_prefix="pool") as pool:
        done = figures._shared(_jobs(log, 8), pool, 1, None)
    assert done == {f"job{k}": [Path(f"job{k}")] for k in range(8)}
    assert sorted(stem for stem, _ in log) == sorted(done)  # each job once
    # The pool from the front, this thread from the back: they meet once.
    by_pool = [int(stem[3:]) for stem, who in log if who.startswith("pool")]
    here = [int(stem[3:]) for stem, who in log if not who.startswith("pool")]
    assert by_pool and here and max(by_pool) < min(here)


def test_an_error_in_a_job_stops_the_sharing() -> None:
    log: list[tuple[str, str]] = []
    with ThreadPoolExecutor(1) as pool, pytest.raises(ValueError, match="job7"):
        figures._shared(_jobs(log, 12, fail="job7"), pool, 1, None)  # the back: here
    assert len(log) < 11  # nothing more was started once it failed


def test_a_layout_solved_before_saving_gives_the_same_file(tmp_path: Path) -> None:
    def heatmap() -> Figure:
        fig = figure.new_figure((5.0, 4.0), "footer · Crosspaths")
        ax = fig.add_subplot()
        mesh = ax.pcolormesh(np.arange(12.0).reshape(3, 4))
        fig.colorbar(mesh, ax=ax, label="change per day")
        fig.suptitle("A title\nover two lines")
        return fig

    for first in ("png", "svg"):  # a vector file first: left to savefig
        with figure.style():
            solved = figure.save(heatmap(), tmp_path, "solved", (first, "pdf"))[0]
            heatmap().savefig(tmp_path / f"plain.{first}", dpi=figure.DPI,
                              metadata={"Date": None} if first == "svg" else None,
                              **({"pil_kwargs": {"compress_level": figure.PNG_COMPRESS_LEVEL}}
                                 if first == "png" else {}))
        assert solved.read_bytes() == (tmp_path / f"plain.{first}").read_bytes(), first


def test_pdfs_embed_the_font_copy_without_layout_tables(tmp_path: Path) -> None:
    """PDF text is set in the copy of DejaVu Sans without GSUB/GPOS (cheap to subset);
    the SVG keeps naming DejaVu Sans; the copy is made once and then reused."""
    from fontTools.ttLib import TTFont

    fig = figure.new_figure((4.0, 3.0), "footer · Crosspaths")
    fig.add_subplot().set_title("Office fit-out, fifty affiliations", fontweight="bold")
    with figure.style():
        pdf, svg = figure.save(fig, tmp_path, "fonts", ("pdf", "svg"))
    names = {str(f["/BaseFont"]) for page in PdfReader(pdf).pages
             for f in page["/Resources"]["/Font"].get_object().values()}
    assert names and all("DejaVuSansPDF" in n for n in names), names
    assert any(n.endswith("-Bold") for n in names)
    assert "DejaVu Sans" in svg.read_text() and fonts.FAMILY not in svg.read_text()
    source = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"
    copy = fonts._lean_copy(source, tmp_path)
    made = copy.stat().st_mtime_ns
    assert fonts._lean_copy(source, tmp_path) == copy and copy.stat().st_mtime_ns == made
    lean = TTFont(copy)
    assert not {"GSUB", "GPOS", "kern"} & set(lean.keys()) and "GSUB" in TTFont(source)
    assert lean["name"].getDebugName(1) == fonts.FAMILY
    assert lean.getGlyphOrder() == TTFont(source).getGlyphOrder()  # the same glyphs


def test_pngs_are_written_lossless_at_a_lower_zlib_level(tmp_path: Path) -> None:
    """A PNG from :func:`figure.save` has exactly the pixels of the same figure saved with
    Pillow's defaults (the lower zlib level is only faster, never lossy), at 200 dpi."""
    from PIL import Image

    def draw() -> Figure:
        fig = figure.new_figure((3.0, 2.0), "footer · Crosspaths")
        ax = fig.add_subplot()
        ax.plot(np.sin(np.linspace(0, 9, 200)), lw=0.7)
        ax.set_title("Meetings by hour")
        return fig

    (ours,) = figure.save(draw(), tmp_path, "ours", ("png",))
    plain = tmp_path / "plain.png"
    draw().savefig(plain, dpi=figure.DPI)
    with Image.open(ours) as a, Image.open(plain) as b:
        assert a.size == b.size == (600, 400)
        assert np.array_equal(np.asarray(a), np.asarray(b))
    assert figure.PNG_COMPRESS_LEVEL < 6  # Pillow's default, slower

def test_report_table_cells_stay_in_their_columns() -> None:
    page = clientreport._Page("footer", 1)
    FigureCanvasAgg(page.fig)
    widths = [0.6, 2.1, 2.4, 2.4, 1.8]
    row = ["1", "New buildings on Rådmandsgade and Sigurdsgade",
           "+42.7 % (between +40.8 and +44.6 %)", "−0.01 % (between −0.19 and +0.17 %)",
           "more meetings across institutions"]  # fmt: skip
    page.table(["Rank", "Scenario", "Meetings across institutions per person-day, change "
                "from Innovation District today (95 % CI)", "All meetings", "Verdict"],
               [row] * 3, widths)  # fmt: skip
    renderer = page.fig.canvas.get_renderer()  # type: ignore[attr-defined]
    dpi = page.fig.dpi
    edges = MARGIN + np.cumsum([TEXT_WIDTH * w / sum(widths) for w in widths])
    cells = page.fig.texts[2:]  # after the footer and the page number
    assert len(cells) == 5 * 4
    for text in cells:
        box = text.get_window_extent(renderer)
        right = box.x1 / dpi
        column = int(np.searchsorted(edges, box.x0 / dpi + 1e-6))
        assert right <= edges[column] + 0.01, (text.get_text(), right, edges[column])


@pytest.mark.parametrize("page", [False, True])
def test_a_legend_marker_taller_than_a_row_stays_within_its_row(page: bool) -> None:
    from matplotlib.lines import Line2D

    from sim.outputs import basemap

    fig = Figure(figsize=(4, 6))
    FigureCanvasAgg(fig)
    side = fig.add_subplot()
    handles = [Line2D([], [], ls="", marker="o", ms=8, label="small above"),
               Line2D([], [], ls="", marker="o", ms=23, mfc="none", label="big circle"),
               Line2D([], [], ls="", marker="o", ms=8, label="small below")]
    basemap.side_legend(side, handles, page=page)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    leg = side.get_legend()
    big = leg.legend_handles[1].get_window_extent(renderer)
    texts = [t.get_window_extent(renderer) for t in leg.get_texts()]
    assert big.y1 <= texts[0].y0 and big.y0 >= texts[2].y1  # no overlap with the neighbours
    assert handles[0].get_label() == "small above"  # small markers: labels as they were


def test_place_labels_keep_clear_of_a_panel_on_the_map() -> None:
    """A label whose neighbours push it towards the locator drawn on the map (as the
    baseline's "Maersk Tower" was, partly under the locator) ends clear of it."""
    fig = Figure(figsize=(6.0, 6.0))
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0.05, 0.05, 0.9, 0.9))
    ax.set_xlim(0, 100)
    ax.set_ylim(0, 100)
    inset = fig.add_axes((0.05, 0.05, 0.3, 0.3))  # the map's lower-left corner
    inset.set_zorder(8)
    items = [(37.0, 14.0, "Maersk Tower (Panum,\nBlegdamsvej 3B)"),
             (52.0, 14.0, "Panum Building\n(Blegdamsvej 3)"),
             (48.0, 24.0, "Rigshospitalet, central\ncomplex (Blegdamsvej 9)"),
             (50.0, 6.0, "Nørre Allé 14")]  # fmt: skip
    texts = basemap.label_places(ax, items, [inset])
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    panel = inset.get_window_extent(renderer)
    for t in texts:
        assert not t.get_window_extent(renderer).overlaps(panel), t.get_text()
