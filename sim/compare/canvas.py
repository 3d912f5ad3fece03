"""What the comparison's figures share beyond :mod:`sim.outputs.figure`: scenario
titles, colours and the footer naming scenarios, seeds, days and scale.

A figure copied into a planning report on its own still says what it shows.
"""

from __future__ import annotations

from sim.compare.runner import CompareScenario, ComparisonRuns
from sim.i18n import EN, Lang
from sim.outputs import figure

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


def title(sc: CompareScenario) -> str:
    """A scenario as readers see it: the layout's ``title``, else its unique label."""
    return sc.layout.title or sc.label


def titles(runs: ComparisonRuns) -> list[str]:
    """Every scenario's :func:`title`, made unique with the label where two coincide."""
    names = [title(sc) for sc in runs.scenarios]
    return [
        n if names.count(n) == 1 else f"{n} ({sc.label})"
        for n, sc in zip(names, runs.scenarios, strict=True)
    ]


def source_line(runs: ComparisonRuns, lang: Lang = EN) -> str:
    """Provenance of a comparison: scenarios and files, scale, seeds, days, version, credits."""
    files = "; ".join(
        f"{name} = {sc.path}" for name, sc in zip(titles(runs), runs.scenarios, strict=True)
    )
    credits = [sc.layout.attribution for sc in runs.scenarios]
    return figure.provenance(
        lang,
        what=lang.t("footer.scenarios", names=files),
        scale=runs.scale,
        seeds=runs.seeds,
        days=runs.days,
        extra=[lang.t("footer.crn"), *credits],
    )
