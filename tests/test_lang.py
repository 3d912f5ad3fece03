"""Words kept as keys and values (phrases), and report sections written in both languages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sim.compare.components import INTERACTION, SUM, WHOLE, ComponentEffect, markdown
from sim.compare.stats import Estimate
from sim.i18n import EN, Lang, Word

TINY = str(Path(__file__).parent / "fixtures" / "tiny.yaml")


def test_a_phrase_is_written_in_each_language_with_its_numbers_and_words() -> None:
    phrase = ("rank.link", {"kind": Word("street.footpath"), "length": 1234, "walk": 80,
                            "a": "Panum", "b": "HCØ"})  # fmt: skip
    assert EN.phrase(phrase) == "new footpath 1,234 m from Panum to HCØ (walk today 80 m)"
    danish = "ny gangsti på 1.234 m fra Panum til HCØ (gåafstand i dag 80 m)"
    assert Lang("da").phrase(phrase) == danish
    frontage = ("rank.frontage", {"old": 0.25, "new": 0.6, "street": "Tagensvej", "id": "e1",
                                  "length": 90})  # fmt: skip
    assert "0,25 → 0,6" in Lang("da").phrase(frontage)


def _effect(component: str, mean: float, low: float, high: float) -> ComponentEffect:
    return ComponentEffect("Vision", component, ("edges.e1",),
                           Estimate(mean, low, high, 0.1, 3), 2.0)  # fmt: skip


@pytest.mark.parametrize("code", ["en", "da"])
def test_components_section_in_both_languages(code: str, in_language: Any) -> None:
    effects = [_effect("link", 0.1, 0.02, 0.2), _effect(SUM, 0.1, 0.02, 0.2),
               _effect(WHOLE, 0.0, 0.0, 0.0), _effect(INTERACTION, -0.1, -0.3, 0.1)]  # fmt: skip
    text = markdown(effects, 3, Lang(code))
    in_language(text, code, ["comp.h", "comp.header", "comp.sum", "comp.whole",
                             "comp.interaction", "comp.v_more", "comp.v_none"])  # fmt: skip
    assert ("+5.0 %" if code == "en" else "+5,0 %") in text  # 0.1 of a reference mean of 2


def test_a_designed_candidate_without_description_is_summarised_in_each_language(
    tmp_path: Path,
) -> None:
    from sim.rank.base import load_base
    from sim.rank.designed import read_candidate_file

    ideas = tmp_path / "ideas.yaml"
    ideas.write_text("- name: d\n  add:\n    edges:\n"
                     "      d1: {from: n00, to: n11, kind: footpath}\n"
                     "  model: {p_cafe: 0.02}\n", encoding="utf-8")  # fmt: skip
    (candidate,) = read_candidate_file(str(ideas), load_base(TINY))
    assert candidate.description == "adds 1 edges, changes model settings"
    assert candidate.text(Lang("da")) == "tilføjer 1 gadestykke(r), ændrer modellens indstillinger"


def test_clock_times_in_each_language() -> None:
    assert EN.t("clock", h=9) == "09:00" and Lang("da").t("clock", h=9) == "09.00"
