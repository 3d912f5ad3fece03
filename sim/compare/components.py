"""``compare --components``: what each part of a move contributes.

A variant's parts are the groups of its ``components:`` key (:mod:`sim.layout.components`)
or, without one, each item it adds, removes or modifies (items that share an added node,
institution or building are one part: a new node with the paths that meet there, a new
building with the venues added to it; ``model`` and ``agents`` settings are one part
each). A
variant that extends several files (``extends: [base, a, b]``) has each later file as a
part as well. Every part is applied alone to the variant's own base and run with the
comparison's seeds; its effect is paired, seed by seed, with the comparison's reference
(the first scenario, normally that base). The report then shows each part's effect,
the sum of the parts and the interaction (whole − sum), each with a 95 % interval over
the per-seed values, so the parts and the interaction add up exactly to the whole.
"""

from __future__ import annotations

import copy
import os
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from sim.batch import RunSpec
from sim.compare.runner import CompareScenario, ComparisonRuns, run_scenarios
from sim.compare.stats import Estimate, mean_ci
from sim.errors import LayoutError
from sim.i18n import EN, Lang
from sim.layout.checks import Checker
from sim.layout.components import changed_items, check_components
from sim.layout.load import load_layout, load_raw
from sim.layout.overlay import apply_variant, is_variant
from sim.layout.reader import LineIndex, read_yaml
from sim.layout.validate import validate_layout
from sim.metrics import Row, rnd
from sim.outputs.labels import MINUS, fmt_pct
from sim.outputs.tables import write_csv
from sim.runs.backends import Backend

FIGURE = "cross_institution_meetings_per_person_day"
"""The figure whose parts are reported."""
SUM, WHOLE, INTERACTION = "sum of parts", "whole", "interaction (whole − sum)"
_BLOCKS = ("remove", "modify", "add")


@dataclass(frozen=True)
class Part:
    """One part of a variant, runnable alone.

    Attributes
    ----------
    scenario
        Index of the variant in the comparison.
    name
        The component's name (or the item, for a file without ``components:``).
    items
        What it changes (``section.id``), or the file it stands for.
    base
        The file the part is applied to (the variant's first ``extends``).
    body
        The part as a variant body; ``None`` when the part is a whole file (``file``).
    file
        A file run as it is (a later entry of a multi-file ``extends``).
    """

    scenario: int
    name: str
    items: tuple[str, ...]
    base: str
    body: dict[str, Any] | None = None
    file: str | None = None


@dataclass(frozen=True)
class ComponentEffect:
    """The effect on :data:`FIGURE` of one part (or the sum, whole, interaction).

    Attributes
    ----------
    scenario
        The variant's label.
    component
        Part name, or :data:`SUM`, :data:`WHOLE`, :data:`INTERACTION`.
    items
        What the part changes.
    estimate
        Mean over seeds of the per-seed effect, with its 95 % interval.
    reference_mean
        The reference's mean, for effects in %.
    """

    scenario: str
    component: str
    items: tuple[str, ...]
    estimate: Estimate
    reference_mean: float

    def pct(self, value: float) -> float:
        """``value`` as % of the reference's mean (NaN when that is 0)."""
        return 100.0 * value / self.reference_mean if self.reference_mean else float("nan")


# --- splitting ------------------------------------------------------------------------


def default_components(variant: dict[str, Any]) -> dict[str, list[str]]:
    """Each change its own part, except that items sharing an added item go together.

    An added node, institution or building belongs with every item that refers to it
    (a new node with the paths that meet there, a new building with the venues added
    to it), since neither could be run without the other. A part is named after its
    first item.
    """
    refs = changed_items(variant)
    added = variant.get("add") if isinstance(variant.get("add"), dict) else {}
    parent = {r: r for r in refs}

    def find(r: str) -> str:
        while parent[r] != r:
            r = parent[r]
        return r

    for user in refs:
        for dep in _needs(variant, user, added or {}):
            if dep in parent:
                a, b = find(user), find(dep)
                if a != b:
                    # The item listed first names the part.
                    first, second = sorted((a, b), key=refs.index)
                    parent[second] = first
    groups: dict[str, list[str]] = {}
    for ref in refs:
        groups.setdefault(find(ref), []).append(ref)
    return groups


def _needs(variant: dict[str, Any], ref: str, added: dict[str, Any]) -> list[str]:
    """Added nodes, institutions and buildings that item ``ref`` refers to."""
    if "." not in ref:
        return []
    section, ident = ref.split(".", 1)
    item = None
    for block in ("add", "modify"):
        items = (variant.get(block) or {}).get(section)
        if isinstance(items, dict) and isinstance(items.get(ident), dict):
            item = items[ident]
            break
    if item is None:
        return []
    keys = {"from": "nodes", "to": "nodes", "entrances": "nodes", "node": "nodes",
            "institution": "institutions", "building": "buildings"}  # fmt: skip
    out = []
    for key, target in keys.items():
        value = item.get(key)
        for v in value if isinstance(value, list) else [value]:
            if isinstance(v, str) and v in (added.get(target) or {}):
                out.append(f"{target}.{v}")
    return out


def part_body(variant: dict[str, Any], items: Sequence[str]) -> dict[str, Any]:
    """The variant's changes restricted to ``items``."""
    wanted = set(items)
    body: dict[str, Any] = {}
    for block in _BLOCKS:
        sections = variant.get(block)
        if not isinstance(sections, dict):
            continue
        for section, values in sections.items():
            if isinstance(values, dict):
                kept: Any = {k: copy.deepcopy(v) for k, v in values.items()
                             if f"{section}.{k}" in wanted}  # fmt: skip
            else:
                ids = values if isinstance(values, list) else [values]
                kept = [i for i in ids if f"{section}.{i}" in wanted]
            if kept:
                body.setdefault(block, {})[section] = kept
    for key in ("model", "agents"):
        if key in wanted:
            body[key] = copy.deepcopy(variant[key])
    return body


def split(sc: CompareScenario) -> list[Part]:
    """The parts of one scenario; none for a full layout.

    Raises
    ------
    LayoutError
        If a part cannot run alone (it needs an item of another part), naming the
        variant file and the part.
    """
    data, lines = read_yaml(sc.path)
    if not is_variant(data):
        return []
    raw = data["extends"]
    parents = [
        os.path.normpath(os.path.join(os.path.dirname(sc.path), p))
        for p in (raw if isinstance(raw, list) else [raw])
    ]
    groups = check_components(data, Checker(lines, sc.path)) or default_components(data)
    # Of several files in extends, each is a move of its own: a part, run as it is. The
    # first is a part too when it is itself a variant (of the reference, normally).
    moves = parents[1:] if len(parents) == 1 else parents
    moves = [p for p in moves if p != parents[0] or is_variant(read_yaml(p)[0])]
    parts = [Part(sc.index, Path(p).stem, (os.path.basename(p),), p, file=p) for p in moves]
    base_data, base_lines = load_raw(parents[0]) if groups else (None, None)
    for name, items in groups.items():
        body = part_body(data, items)
        part = Part(sc.index, name, tuple(items), parents[0], body=body)
        _check_alone(part, base_data, base_lines or LineIndex(), data, lines, sc.path)
        parts.append(part)
    return parts


def _check_alone(
    part: Part, base: Any, base_lines: LineIndex, data: Any, lines: LineIndex, file: str
) -> None:
    body = {"name": f"{data.get('name', 'variant')}__{part.name}", **(part.body or {})}
    try:
        merged, merged_lines = apply_variant(base, base_lines, body, lines, file)
        validate_layout(merged, merged_lines, file)
    except LayoutError as err:
        line = lines.line_of(("components", part.name)) or lines.line_of(())
        raise LayoutError(
            f"part '{part.name}' cannot run alone ({err.message}); "
            "put the items it needs in the same component",
            file=file,
            line=line,
            path=f"components.{part.name}" if "components" in data else None,
        ) from None


def plan(scenarios: Sequence[CompareScenario]) -> list[Part]:
    """Every part of every variant (the reference, scenario 0, is not split)."""
    return [p for sc in scenarios[1:] for p in split(sc)]


# --- running --------------------------------------------------------------------------


@contextmanager
def part_files(parts: Sequence[Part]) -> Iterator[list[str]]:
    """Each part as a file a worker can run, for the duration of the block."""
    with tempfile.TemporaryDirectory(prefix="crosspaths-parts-") as tmp:
        paths = []
        for k, part in enumerate(parts):
            if part.file is not None:
                paths.append(part.file)
                continue
            body = {
                "extends": os.path.abspath(part.base),
                "name": f"part_{k}",
                **(part.body or {}),
            }
            path = Path(tmp) / f"part_{k}.yaml"
            path.write_text(yaml.safe_dump(body, sort_keys=False, allow_unicode=True),
                            encoding="utf-8")  # fmt: skip
            paths.append(os.fspath(path))
        yield paths


def run_parts(
    parts: Sequence[Part],
    runs: ComparisonRuns,
    backend: Backend | None = None,
    on_done: Callable[[RunSpec], None] | None = None,
) -> list[ComponentEffect]:
    """Run every part with the comparison's seeds; return the effects per variant.

    The parts run like the comparison's scenarios (:func:`run_scenarios`, on the same
    backend) but are not stored: they are rebuilt from the variant files each time.
    For each variant: one row per part, then the sum of parts, the whole and the
    interaction.
    """
    values: dict[tuple[int, int], float] = {}
    # A part that is a file the comparison already ran has its runs already.
    ran = {os.path.realpath(sc.path): sc.index for sc in runs.scenarios}
    with part_files(parts) as paths:
        todo: list[CompareScenario] = []
        where: dict[int, int] = {}
        for k, path in enumerate(paths):
            index = ran.get(os.path.realpath(path)) if parts[k].file else None
            if index is not None:
                for seed in runs.seeds:
                    values[(k, seed)] = runs.outcome(index, seed).figures[FIGURE]
                continue
            where[len(todo)] = k
            todo.append(CompareScenario(len(todo), path, parts[k].name, load_layout(path)))
        if todo:
            done = run_scenarios(todo, runs.seeds, runs.days, runs.scale, on_done=on_done,
                                 backend=backend)  # fmt: skip
            for j, k in where.items():
                for seed in runs.seeds:
                    values[(k, seed)] = done.outcome(j, seed).figures[FIGURE]
    ref = runs.figure(0, FIGURE)
    ref_mean = float(ref.mean())
    effects: list[ComponentEffect] = []
    for sc in runs.scenarios[1:]:
        mine = [(k, p) for k, p in enumerate(parts) if p.scenario == sc.index]
        if not mine:
            continue
        per_part = []
        for k, part in mine:
            diff = np.array([values[(k, s)] for s in runs.seeds]) - ref
            per_part.append(diff)
            effects.append(ComponentEffect(sc.label, part.name, part.items, mean_ci(diff),
                                           ref_mean))  # fmt: skip
        total = np.sum(per_part, axis=0)
        whole = runs.figure(sc.index, FIGURE) - ref
        for name, diff in ((SUM, total), (WHOLE, whole), (INTERACTION, whole - total)):
            effects.append(ComponentEffect(sc.label, name, (), mean_ci(diff), ref_mean))
    return effects


# --- outputs --------------------------------------------------------------------------


def rows(effects: Sequence[ComponentEffect], seeds: int) -> list[Row]:
    """``components.csv``: scenario, component, effect, ci_low, ci_high, then % and items."""

    def cell(x: float) -> float:
        return rnd(x, 6)

    return [
        {
            "scenario": e.scenario,
            "component": e.component,
            "effect": cell(e.estimate.mean),
            "ci_low": cell(e.estimate.low),
            "ci_high": cell(e.estimate.high),
            "effect_pct": cell(e.pct(e.estimate.mean)),
            "ci_low_pct": cell(e.pct(e.estimate.low)),
            "ci_high_pct": cell(e.pct(e.estimate.high)),
            "seeds": seeds,
            "items": " ".join(e.items),
        }
        for e in effects
    ]


def _signed(pct: float) -> str:
    """``+1.2`` / ``−0.4``: a bound of an interval in %, one decimal, typographic minus."""
    return f"{pct:+.1f}".replace("-", MINUS)


_PART_KEYS = {SUM: "comp.sum", WHOLE: "comp.whole", INTERACTION: "comp.interaction"}
"""The words of the computed rows in the report (``components.csv`` keeps the English)."""


def _verdict(e: ComponentEffect, lang: Lang = EN) -> str:
    est = e.estimate
    if est.low == est.high == 0.0:
        return lang.t("comp.v_none")
    if est.low <= 0.0 <= est.high:
        return lang.t("cmp.noise")
    return lang.t("comp.v_more" if est.mean > 0 else "comp.v_fewer")


def markdown(effects: Sequence[ComponentEffect], seeds: int, lang: Lang = EN) -> str:
    """The report's section: one table per variant, in ``lang``."""
    lines = [
        f"## {lang.t('comp.h')}",
        "",
        lang.t("comp.intro", seeds=seeds, what=lang.figure_phrase(FIGURE)),
    ]
    for label in dict.fromkeys(e.scenario for e in effects):
        lines += ["", f"**{label}**", "", lang.t("comp.header"), "|---|---|---:|---|---|"]
        for e in (x for x in effects if x.scenario == label):
            part = _PART_KEYS.get(e.component)
            name = f"*{lang.t(part)}*" if part else e.component
            items = (", ".join(e.items) if len(e.items) <= 4
                     else lang.t("comp.items", n=len(e.items)))  # fmt: skip
            lo, hi = e.pct(e.estimate.low) / 100, e.pct(e.estimate.high) / 100
            ci = lang.t("pct_to", low=lang.pct(lo).removesuffix(" %"), high=lang.pct(hi))
            lines.append(
                f"| {name} | {items} | {lang.pct(e.pct(e.estimate.mean) / 100)} | {ci} | "
                f"{_verdict(e, lang)} |"
            )
    return "\n".join(lines) + "\n"


def summary(effects: Sequence[ComponentEffect]) -> list[str]:
    """Lines for the terminal: each part's effect in %, then the interaction."""
    out = []
    for e in effects:
        if e.component in (SUM, WHOLE):
            continue
        lo, hi = e.pct(e.estimate.low), e.pct(e.estimate.high)
        ci = f"{_signed(lo)} to {_signed(hi)} %"
        out.append(f"  {e.scenario} / {e.component}: {fmt_pct(e.pct(e.estimate.mean) / 100)} "
                   f"(95 % CI {ci})")  # fmt: skip
    return out


def writer(
    effects: list[ComponentEffect], seeds: int, lang: Lang = EN
) -> Callable[[Path], None]:
    """What ``write_comparison`` calls to add ``components.csv`` and the report section
    (in ``lang``)."""

    def write(folder: Path) -> None:
        write_csv(rows(effects, seeds), folder / "components.csv")
        report = folder / "report.md"
        text = report.read_text(encoding="utf-8") if report.exists() else ""
        report.write_text(text.rstrip("\n") + "\n\n" + markdown(effects, seeds, lang),
                          encoding="utf-8")  # fmt: skip

    return write
