"""Racing: spend seeds on the candidates that could still be among the best K.

Every candidate is judged by its *effect*: per seed, the candidate's figure minus the
base's with the same seed (common random numbers, as in ``compare``), so the noise
that the two runs share cancels. The race goes in rounds; after round ``r`` every
candidate still in has ``n_r`` seeds (the rounds' seed counts grow, and the seeds of
earlier rounds are reused). After each round:

1. For each candidate, the t interval of its mean effect at confidence ``1 - α/(m·R)``
   (``m`` candidates at the start, ``R`` rounds: a Bonferroni split of ``α`` over every
   interval the race can look at).
2. ``L`` = the K-th largest lower bound among the candidates still in.
3. A candidate whose upper bound lies below ``L`` is out: K others are better than it.

**Guarantee.** If each candidate's per-seed effects are independent and normal (seeds
are independent replicates, so the first holds by construction; the second is the
usual t-interval assumption, mild for means of a whole district's meetings), then with
probability at least ``1 - α`` no candidate whose true mean effect is among the K
largest is ever eliminated. Proof: with that probability every interval the race
computes covers its true mean; a candidate eliminated then has K others whose true
means exceed their lower bounds, which exceed its upper bound, which exceeds its own
true mean — so it is not among the K best. The guarantee is about the scale the race
runs at, and about elimination only: the final order of the survivors comes from
their own 95 % intervals (see ``docs/rank.md``).

With ``halving`` the race also keeps at most half of the candidates (never fewer than
K) after each round, by mean effect: a budget rule (successive halving) that finishes
sooner but carries **no** guarantee.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from sim.compare.stats import t_critical

Evaluate = Callable[[Sequence[str], int], dict[str, np.ndarray]]
"""``evaluate(ids, n)``: per-seed effects of each candidate over the first ``n`` seeds."""


@dataclass(frozen=True)
class RaceRule:
    """How a race is run.

    Attributes
    ----------
    keep
        K: how many candidates the race must not lose.
    rounds
        Seeds every remaining candidate has after each round, increasing, each >= 2.
    alpha
        Chance the race may eliminate one of the true best K (family-wise).
    halving
        Also keep at most half after each round (no guarantee).
    """

    keep: int = 10
    rounds: tuple[int, ...] = (3, 6)
    alpha: float = 0.05
    halving: bool = False

    def level(self, candidates: int) -> float:
        """Confidence level of each interval: ``1 - α / (m × R)``."""
        return 1.0 - self.alpha / (max(candidates, 1) * len(self.rounds))


@dataclass
class Standing:
    """Where a candidate stands in a race.

    Attributes
    ----------
    id
        The candidate.
    effects
        Per-seed effects seen so far.
    out_round
        1-based round after which it was eliminated; ``None`` while still in.
    low, high
        Its interval at the race's level when last judged.
    """

    id: str
    effects: np.ndarray = field(default_factory=lambda: np.zeros(0))
    out_round: int | None = None
    low: float = math.nan
    high: float = math.nan

    @property
    def mean(self) -> float:
        """Mean effect so far."""
        return float(self.effects.mean()) if self.effects.size else math.nan


def interval(effects: np.ndarray, level: float) -> tuple[float, float]:
    """t interval of the mean of ``effects`` at ``level``; zero width if all equal."""
    n = effects.size
    mean = float(effects.mean())
    sd = float(effects.std(ddof=1)) if n > 1 else math.inf
    if sd == 0.0:
        return mean, mean
    half = _t(n, level) * sd / math.sqrt(n)
    return mean - half, mean + half


@functools.lru_cache(maxsize=256)
def _t(n: int, level: float) -> float:
    """:func:`t_critical`, remembered: a race asks for the same few values again and again."""
    return t_critical(n, level)


def eliminate(standings: Sequence[Standing], keep: int, level: float) -> list[Standing]:
    """Judge the candidates still in; return those whose upper bound is below L.

    Sets ``low`` and ``high`` of every standing judged.
    """
    for s in standings:
        s.low, s.high = interval(s.effects, level)
    if len(standings) <= keep:
        return []
    lows = sorted((s.low for s in standings), reverse=True)
    threshold = lows[keep - 1]
    return [s for s in standings if s.high < threshold]


def race(
    ids: Sequence[str],
    evaluate: Evaluate,
    rule: RaceRule,
    on_round: Callable[[int, int], None] | None = None,
) -> list[Standing]:
    """Run the race.

    Parameters
    ----------
    ids
        The candidates.
    evaluate
        Gives per-seed effects for the first ``n`` seeds of the candidates asked for
        (running whatever is missing).
    rule
        Rounds, K, α.
    on_round
        Called as ``on_round(round, candidates left)`` before each round.

    Returns
    -------
    list of Standing
        Every candidate, survivors first by mean effect, then the eliminated ones by
        the round they lasted to (later first) and mean effect.
    """
    standings = {i: Standing(i) for i in ids}
    level = rule.level(len(ids))
    alive = list(ids)
    for r, n in enumerate(rule.rounds, start=1):
        if on_round is not None:
            on_round(r, len(alive))
        effects = evaluate(alive, n)
        for i in alive:
            standings[i].effects = np.asarray(effects[i], dtype=float)
        judged = [standings[i] for i in alive]
        out = {s.id for s in eliminate(judged, rule.keep, level)}
        if rule.halving:
            room = max(rule.keep, math.ceil(len(alive) / 2))
            rest = sorted((s for s in judged if s.id not in out), key=lambda s: -s.mean)
            out |= {s.id for s in rest[room:]}
        for i in out:
            standings[i].out_round = r
        alive = [i for i in alive if i not in out]
    return order(list(standings.values()))


def order(standings: list[Standing]) -> list[Standing]:
    """Survivors by mean effect, then the eliminated by round lasted and mean effect."""
    return sorted(
        standings,
        key=lambda s: (
            s.out_round is not None,
            -(s.out_round or 0),
            -s.mean if math.isfinite(s.mean) else math.inf,
            s.id,
        ),
    )
