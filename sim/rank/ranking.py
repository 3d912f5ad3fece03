"""A ranking from candidates to numbers: race, final top K at full scale, greedy bundle.

The race (:mod:`sim.rank.racing`) runs at ``race_scale``; the K candidates with the
largest mean effect among its survivors then get ``final_seeds`` seeds at ``scale``
(seeds already run at that scale are reused) and are ordered by that final effect,
with the 95 % paired interval that ``compare`` reports for the same runs.
"""

from __future__ import annotations

import copy
import hashlib
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sim.compare.stats import Difference, paired_difference
from sim.rank.candidates import Candidate
from sim.rank.racing import RaceRule, Standing, race
from sim.rank.runs import BASE_KEY, RankRuns

TOP = "top"
ELIMINATED = "eliminated"
CUT = "not in top K"


@dataclass(frozen=True)
class Settings:
    """How a ranking is run (command-line options).

    Attributes
    ----------
    keep
        K, the size of the final list.
    rounds
        Seeds per candidate after each race round.
    final_seeds
        Seeds of the final top K.
    alpha
        Family-wise chance that the race eliminates one of the true best K.
    halving
        Successive halving on top of the race (no guarantee).
    race_scale, scale
        Population scale of the race and of the final.
    bundle
        Size of the greedy bundle; 0 for none.
    """

    keep: int = 10
    rounds: tuple[int, ...] = (3, 6)
    final_seeds: int = 10
    alpha: float = 0.05
    halving: bool = False
    race_scale: float = 1.0
    scale: float = 1.0
    bundle: int = 0

    def rule(self) -> RaceRule:
        """The race's rule."""
        return RaceRule(self.keep, self.rounds, self.alpha, self.halving)


@dataclass(frozen=True)
class Entry:
    """One candidate's place in the ranking.

    Attributes
    ----------
    rank
        1 for the best.
    candidate
        What it is.
    status
        ``top`` (in the final top K), ``eliminated`` (by the race) or ``not in top K``
        (survived the race, but K others had larger means).
    out_round
        Round after which the race eliminated it.
    difference
        Its effect on :data:`FIGURE` against the base, paired by seed, at the stage it
        reached.
    seeds, scale
        Seeds and population scale that effect is measured with.
    """

    rank: int
    candidate: Candidate
    status: str
    out_round: int | None
    difference: Difference
    seeds: int
    scale: float


@dataclass(frozen=True)
class BundleStep:
    """One step of the greedy bundle: the best addition to the bundle so far.

    Attributes
    ----------
    step
        1 for the first member.
    added
        The candidate added.
    bundle
        The bundle after the step, as one candidate (its changes merged).
    difference
        The whole bundle's effect against the base.
    tried
        Candidates tried at this step.
    """

    step: int
    added: Candidate
    bundle: Candidate
    difference: Difference
    tried: int


@dataclass
class Ranking:
    """Everything a ranking found.

    Attributes
    ----------
    entries
        Every candidate, best first.
    settings
        As run.
    base_mean
        The base's mean figure over the final seeds at the final scale.
    bundle
        The greedy bundle's steps (empty without ``--bundle``).
    dropped
        Candidates dropped by ``--max-candidates`` before the race.
    """

    entries: list[Entry]
    settings: Settings
    base_mean: float
    bundle: list[BundleStep] = field(default_factory=list)
    dropped: int = 0

    def top(self) -> list[Entry]:
        """The final top K."""
        return [e for e in self.entries if e.status == TOP]


Progress = Callable[[str], None]


def rank(
    candidates: Sequence[Candidate],
    runs: RankRuns,
    settings: Settings,
    say: Progress | None = None,
) -> Ranking:
    """Race the candidates, measure the final top K, and build the bundle if asked.

    Parameters
    ----------
    candidates
        Validated candidates with unique ids.
    runs
        Where runs execute and are stored.
    settings
        Rounds, K, scales, seeds.
    say
        Receives a line at each stage (for the terminal).
    """
    for c in candidates:
        runs.add(c)
    by_id = {c.id: c for c in candidates}
    rule = settings.rule()
    n_rounds = len(rule.rounds)

    def evaluate(ids: Sequence[str], n: int) -> dict[str, np.ndarray]:
        return runs.effects(ids, n, settings.race_scale, label=_label(n))

    labels: dict[int, str] = {}

    def on_round(r: int, left: int) -> None:
        labels[rule.rounds[r - 1]] = f"round {r}/{n_rounds + 1} · {left} candidates left"
        if say:
            say(f"round {r}/{n_rounds + 1}: {left} candidates × {rule.rounds[r - 1]} seeds "
                f"at scale {settings.race_scale:g}")  # fmt: skip

    def _label(n: int) -> str:
        return labels.get(n, "rank")

    standings = race(list(by_id), evaluate, rule, on_round)
    survivors = [s for s in standings if s.out_round is None]
    finalists = [s.id for s in survivors[: settings.keep]]
    final_label = f"round {n_rounds + 1}/{n_rounds + 1} · final top {len(finalists)}"
    if say:
        say(f"final: top {len(finalists)} × {settings.final_seeds} seeds at scale "
            f"{settings.scale:g}")  # fmt: skip
    runs.ensure(finalists, settings.final_seeds, settings.scale, final_label)
    ref = runs.values(BASE_KEY, settings.final_seeds, settings.scale)
    final = {
        i: paired_difference(ref, runs.values(i, settings.final_seeds, settings.scale))
        for i in finalists
    }
    entries = _entries(by_id, standings, final, settings, runs)
    ranking = Ranking(entries, settings, float(ref.mean()))
    if settings.bundle > 1:
        ranking.bundle = greedy_bundle(ranking, runs, say)
    return ranking


def _entries(
    by_id: dict[str, Candidate],
    standings: list[Standing],
    final: dict[str, Difference],
    settings: Settings,
    runs: RankRuns,
) -> list[Entry]:
    """Entries best first: the final top K by final effect, then the rest as raced."""
    top = sorted(final, key=lambda i: (-final[i].mean, i))
    entries = [
        Entry(0, by_id[i], TOP, None, final[i], settings.final_seeds, settings.scale) for i in top
    ]
    for s in standings:
        if s.id in final:
            continue
        n = s.effects.size
        ref = runs.values(BASE_KEY, n, settings.race_scale)
        diff = paired_difference(ref, runs.values(s.id, n, settings.race_scale))
        status = CUT if s.out_round is None else ELIMINATED
        entries.append(Entry(0, by_id[s.id], status, s.out_round, diff, n, settings.race_scale))
    return [
        Entry(k, e.candidate, e.status, e.out_round, e.difference, e.seeds, e.scale)
        for k, e in enumerate(entries, start=1)
    ]


# --- bundle -----------------------------------------------------------------------------


def merge_changes(parts: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """One variant body doing what every part does, in order (later wins on a clash)."""
    out: dict[str, Any] = {}
    for part in parts:
        for block, sections in part.items():
            if block in ("model", "agents"):
                _deep_merge(out.setdefault(block, {}), sections)
                continue
            if not isinstance(sections, dict):
                continue
            target = out.setdefault(block, {})
            for section, items in sections.items():
                if block == "remove":
                    ids = items if isinstance(items, list) else [items]
                    kept = target.setdefault(section, [])
                    kept.extend(i for i in ids if i not in kept)
                elif block == "modify":
                    _deep_merge(target.setdefault(section, {}), items)
                else:
                    target.setdefault(section, {}).update(copy.deepcopy(items))
    return out


def _deep_merge(target: dict[str, Any], change: dict[str, Any]) -> None:
    for key, value in change.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            _deep_merge(target[key], value)
        else:
            target[key] = copy.deepcopy(value)


def bundle_candidate(members: Sequence[Candidate]) -> Candidate:
    """Several candidates as one (changes merged, geometries collected)."""
    ids = [m.id for m in members]
    tag = hashlib.sha256("+".join(ids).encode("utf-8")).hexdigest()[:8]
    geometries = [m.geometry for m in members if m.geometry]
    return Candidate(
        id=f"bundle{len(members)}_{tag}",
        kind="bundle",
        description=" + ".join(ids),
        changes=merge_changes([m.changes for m in members]),
        geometry={"type": "GeometryCollection", "geometries": geometries} if geometries else None,
        members=tuple(ids),
    )


def greedy_bundle(
    ranking: Ranking, runs: RankRuns, say: Progress | None = None
) -> list[BundleStep]:
    """Greedy forward selection among the final top K, each step run jointly.

    Step 1 takes the best single candidate. Each later step tries adding every other
    top-K candidate to the bundle so far, runs each resulting bundle as one variant
    (interactions are real: two links can compete for the same walkers), races them
    with K = 1 over the race's first round and the final seed count, and keeps the
    best. The steps' effects are the whole bundle's against the base.
    """
    s = ranking.settings
    top = ranking.top()
    if not top:
        return []
    first = top[0]
    steps = [BundleStep(1, first.candidate, first.candidate, first.difference, len(top))]
    chosen = [first.candidate]
    pool = [e.candidate for e in top[1:]]
    ref = runs.values(BASE_KEY, s.final_seeds, s.scale)
    rounds = tuple(sorted({min(s.rounds[0], s.final_seeds), s.final_seeds}))
    for step in range(2, min(s.bundle, len(top)) + 1):
        trials = {}
        for c in pool:
            b = bundle_candidate([*chosen, c])
            runs.add(b)
            trials[b.id] = (c, b)
        if say:
            say(f"bundle step {step}/{s.bundle}: {len(trials)} bundles of {step}")

        def evaluate(ids: Sequence[str], n: int, step: int = step) -> dict[str, np.ndarray]:
            return runs.effects(ids, n, s.scale, label=f"bundle step {step}/{s.bundle}")

        standings = race(list(trials), evaluate, RaceRule(1, rounds, s.alpha))
        best = standings[0].id
        added, b = trials[best]
        diff = paired_difference(ref, runs.values(best, s.final_seeds, s.scale))
        steps.append(BundleStep(step, added, b, diff, len(trials)))
        chosen.append(added)
        pool = [c for c in pool if c.id != added.id]
    return steps


def relative(value: float, reference: float) -> float:
    """``value / reference`` as a share, NaN when the reference is 0."""
    return value / reference if reference else math.nan
