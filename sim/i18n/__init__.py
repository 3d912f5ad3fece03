"""Words and numbers of every figure, table header and report, in English or Danish.

Every user-facing string lives in one module per language (:mod:`sim.i18n.en`,
:mod:`sim.i18n.da`), keyed alike; :class:`Lang` looks them up and formats numbers the
way readers of that language expect (``14,300`` and ``3.11`` in English, ``14.300`` and
``3,11`` in Danish). A :class:`Lang` is passed down explicitly rather than set globally,
so two reports in two languages can be written by the same process.

Numbers are rounded to three significant figures, what the confidence intervals of a
few seeds support, with thousands grouped and never in exponent notation.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from sim.i18n import da, en

MINUS = "\u2212"
"""Typographic minus: a hyphen reads as a dash in running text."""
SIG_FIGURES = 3
"""Significant figures of every number shown to a reader."""

LANGUAGES: MappingProxyType[str, MappingProxyType[str, str]] = MappingProxyType(
    {"en": MappingProxyType(en.STRINGS), "da": MappingProxyType(da.STRINGS)}
)
"""The strings of every supported language, by ISO 639-1 code."""


def _round_sig(value: float, digits: int) -> tuple[float, int]:
    """``value`` rounded to ``digits`` significant figures, and the decimals to show."""
    if value == 0:
        return 0.0, 0
    exponent = math.floor(math.log10(abs(value)))
    rounded = round(value, digits - 1 - exponent)
    if rounded != 0:
        # 9.996 rounds to 10.0: count the figures from the new magnitude.
        exponent = math.floor(math.log10(abs(rounded)))
    return float(rounded), max(digits - 1 - exponent, 0)


@dataclass(frozen=True)
class Word:
    """A value of a :meth:`Lang.phrase` that is itself a string key, translated in turn
    (``Word("street.footpath")`` is "footpath" or "gangsti")."""

    key: str


Phrase = tuple[str, Mapping[str, Any]]
"""A sentence kept as its key and raw values, so it can be written in any language."""


@dataclass(frozen=True)
class Lang:
    """One language's strings and number style.

    Parameters
    ----------
    code
        ``"en"`` or ``"da"``.
    """

    code: str = "en"

    def __post_init__(self) -> None:
        if self.code not in LANGUAGES:
            raise ValueError(f"unknown language {self.code!r}; known: {', '.join(LANGUAGES)}")

    def t(self, key: str, **values: Any) -> str:
        """The string ``key`` with ``{placeholders}`` filled from ``values``.

        A key missing from this language falls back to English, then to the key itself,
        so a figure never fails for want of a translation.
        """
        text = LANGUAGES[self.code].get(key) or LANGUAGES["en"].get(key, key)
        return text.format(**values) if values else text

    def phrase(self, phrase: Phrase) -> str:
        """A :data:`Phrase` in this language: whole numbers as :meth:`count`, other
        numbers as :meth:`tick`, :class:`Word` values translated, a list of phrases
        written one by one and joined by commas, anything else as is."""
        key, values = phrase

        def local(value: Any) -> Any:
            if isinstance(value, Word):
                return self.t(value.key)
            if isinstance(value, list):
                return ", ".join(self.phrase(p) for p in value)
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                return value
            return self.count(value) if isinstance(value, int) else self.tick(value)

        return self.t(key, **{k: local(v) for k, v in values.items()})

    def has(self, key: str) -> bool:
        """Whether ``key`` has a string (in English at least)."""
        return key in LANGUAGES["en"] or key in LANGUAGES[self.code]

    def term(self, group: str, name: str) -> str:
        """The word for ``name`` in ``group`` (``agent``, ``street``, ...), else ``name``."""
        key = f"{group}.{name}"
        return self.t(key) if self.has(key) else name

    def plural(self, n: int, key: str) -> str:
        """``"1 day"``/``"3 days"``: the count and ``key.one`` or ``key.many``."""
        return f"{self.count(n)} {self.t(key + ('.one' if n == 1 else '.many'))}"

    # --- numbers -----------------------------------------------------------------------

    def _local(self, text: str) -> str:
        """English separators to this language's, and a typographic minus."""
        if self.code == "da":
            text = text.translate(str.maketrans(",.", ".,"))
        return text.replace("-", MINUS)

    def num(self, value: float, digits: int = SIG_FIGURES) -> str:
        """``value`` to ``digits`` significant figures: ``14,300``, ``3.11``, ``0.0421``."""
        if not math.isfinite(value):
            return self.t("n/a")
        rounded, decimals = _round_sig(float(value), digits)
        return self._local(f"{rounded:,.{decimals}f}")

    def tick(self, value: float, signed: bool = False, digits: int = 6) -> str:
        """An axis tick or table cell: :meth:`num` to ``digits`` significant figures,
        without trailing zeros (``20``, not ``20.0``)."""
        text = self.num(value, digits)
        sep = "," if self.code == "da" else "."
        if sep in text:
            text = text.rstrip("0").rstrip(sep)
        if text in ("0", MINUS + "0"):
            return "0"
        return "+" + text if signed and value > 0 else text

    def signed(self, value: float, digits: int = SIG_FIGURES) -> str:
        """:meth:`num` with an explicit ``+`` on positive values."""
        text = self.num(value, digits)
        return "+" + text if math.isfinite(value) and _round_sig(value, digits)[0] > 0 else text

    def count(self, n: float) -> str:
        """A whole number in full, thousands grouped: ``14,321``."""
        return self._local(f"{round(n):,d}")

    def pct(self, ratio: float) -> str:
        """A relative change (0.042) as a signed percentage: ``+4.2 %``.

        One decimal from 1 % up, two below: enough to tell changes apart, never more
        than a few seeds support.
        """
        if not math.isfinite(ratio):
            return self.t("n/a")
        pct = 100.0 * ratio
        digits = 1 if abs(pct) >= 1 else 2
        if round(pct, digits) == 0:
            return "0 %"
        return self._local(f"{pct:+.{digits}f}") + " %"

    def share(self, ratio: float) -> str:
        """A share (0.215) as an unsigned percentage: ``21.5 %``."""
        if not math.isfinite(ratio):
            return self.t("n/a")
        return self._local(f"{100.0 * ratio:.1f}") + " %"

    def pct_range(self, low: float, high: float) -> str:
        """An interval of relative changes in words: ``between +8.3 and +9.5 %``."""
        return self.t("between_pct", low=self.pct(low).removesuffix(" %"), high=self.pct(high))

    def range(self, low: float, high: float, signed: bool = False) -> str:
        """An interval in words: ``between 3.09 and 3.13``."""
        f = self.signed if signed else self.num
        return self.t("between", low=f(low), high=f(high))

    # --- headline figures --------------------------------------------------------------

    def figure_label(self, name: str) -> str:
        """Title of a headline figure (one added later gets its key spelled out)."""
        key = f"figure.{name}"
        return self.t(key) if self.has(key) else name.replace("_", " ").capitalize()

    def figure_phrase(self, name: str) -> str:
        """:meth:`figure_label` for the middle of a sentence (first letter lower case)."""
        label = self.figure_label(name)
        return label[0].lower() + label[1:]

    def figure_unit(self, name: str) -> str:
        """Unit of a headline figure for axis labels; ``""`` if unknown."""
        key = f"unit.{name}"
        return self.t(key) if self.has(key) else ""


EN = Lang("en")
"""English, the default of every command."""


def add_lang_argument(parser: argparse.ArgumentParser) -> None:
    """Add ``--lang`` (one of :data:`LANGUAGES`, default English) to a command."""
    parser.add_argument(
        "--lang",
        choices=tuple(LANGUAGES),
        default="en",
        help="language of figures, tables and report: en (default) or da (Danish)",
    )
