"""English names, units and number formats of the headline figures, for plain-text output.

A thin English face of :mod:`sim.i18n` (the one place the words live) for code that
prints to the terminal or writes English-only files: the same names and the same
rounding (three significant figures, thousands grouped, no exponent) as the figures.
"""

from __future__ import annotations

import re

from sim.i18n import EN, MINUS

__all__ = [
    "MINUS",
    "figure_label",
    "figure_phrase",
    "figure_unit",
    "fmt",
    "fmt_pct",
    "fmt_pct_range",
    "fmt_signed",
    "slug",
]


def figure_label(name: str) -> str:
    """Readable title of a headline figure (a figure added later gets its key spelled out)."""
    return EN.figure_label(name)


def figure_phrase(name: str) -> str:
    """:func:`figure_label` for the middle of a sentence (first letter in lower case)."""
    return EN.figure_phrase(name)


def figure_unit(name: str) -> str:
    """Unit of a headline figure, for axis labels; ``""`` if unknown."""
    return EN.figure_unit(name)


def fmt(value: float) -> str:
    """A value to three significant figures, thousands grouped, typographic minus."""
    return EN.num(value)


def fmt_signed(value: float) -> str:
    """Like :func:`fmt` with an explicit ``+`` on positive values."""
    return EN.signed(value)


def fmt_pct(ratio: float) -> str:
    """A relative change (0.042) as a signed percentage (``+4.2 %``)."""
    return EN.pct(ratio)


def fmt_pct_range(low: float, high: float) -> str:
    """An interval of relative changes: ``+1.1 to +7.3 %``."""
    return EN.t("pct_to", low=EN.pct(low).removesuffix(" %"), high=EN.pct(high))


def slug(text: str) -> str:
    """A file-name-safe lower-case form of a scenario label."""
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_") or "scenario"
