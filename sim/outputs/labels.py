"""Names, units and number formats of the headline figures, shared by compare and sweep outputs."""

from __future__ import annotations

import math
import re

_FIGURES: dict[str, tuple[str, str]] = {
    "meetings_per_person_day": ("Meetings per person-day", "meetings per person per day"),
    "cross_institution_meetings_per_person_day": (
        "Cross-institution meetings per person-day",
        "meetings per person per day",
    ),
    "cross_institution_share": ("Share of meetings across institutions", "share of meetings"),
    "distinct_cross_institution_ties": (
        "Distinct cross-institution ties",
        "pairs of people who met, whole run",
    ),
    "repeat_cross_institution_ties": (
        "Lasting cross-institution ties (met on ≥ 2 days)",
        "pairs of people who met on ≥ 2 days, whole run",
    ),
    # Co-presence, not greetings: a person is within greeting distance of >1,000 others
    # a day in the baseline, and meets about 3 of them; the meetings are the greetings.
    "encounters_per_person_day": (
        "Encounters per person-day (people within greeting distance)",
        "people within greeting distance per person per day",
    ),
}

MINUS = "\u2212"
"""Typographic minus: a hyphen reads as a dash in running text."""


def figure_label(name: str) -> str:
    """Readable title of a headline figure (a figure added later gets its key spelled out)."""
    return _FIGURES.get(name, (name.replace("_", " ").capitalize(), ""))[0]


def figure_phrase(name: str) -> str:
    """:func:`figure_label` for the middle of a sentence (first letter in lower case)."""
    label = figure_label(name)
    return label[0].lower() + label[1:]


def figure_unit(name: str) -> str:
    """Unit of a headline figure, for axis labels; ``""`` if unknown."""
    return _FIGURES.get(name, ("", ""))[1]


def fmt(value: float) -> str:
    """A value with four significant digits, thousands grouped, typographic minus."""
    if not math.isfinite(value):
        return "n/a"
    text = f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.4g}"
    return text.replace("-", MINUS)


def fmt_signed(value: float) -> str:
    """Like :func:`fmt` with an explicit ``+`` on positive values."""
    return ("+" if value > 0 else "") + fmt(value) if value != 0 else "0"


def fmt_pct(ratio: float) -> str:
    """A relative change (0.042) as a signed percentage (``+4.2 %``)."""
    pct = 100.0 * ratio
    if pct == 0:
        return "0 %"
    digits = 1 if abs(pct) >= 1 else 2
    return f"{pct:+.{digits}f} %".replace("-", MINUS)


def fmt_pct_range(low: float, high: float) -> str:
    """An interval of relative changes: ``+1.1 to +7.3 %``."""
    return f"{fmt_pct(low)[:-2]} to {fmt_pct(high)}"


def slug(text: str) -> str:
    """A file-name-safe lower-case form of a scenario label."""
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_") or "scenario"
