"""What changed between the reference and each variant, paired by seed.

Scenarios may differ in their streets, places and institutions, so everything is
matched by id: a place or institution a scenario lacks counts as zero meetings there.
Counts are turned into meetings per simulated day before they are compared, so runs of
any length read the same.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim.batch import HEADLINE_FIGURES
from sim.compare.runner import CompareScenario, ComparisonRuns
from sim.compare.stats import Difference, Estimate, mean_ci, paired_difference, paired_half_width
from sim.engine.results import PLACE_KINDS
from sim.metrics import place_ids, place_label
from sim.params import AGENT_TYPES


@dataclass(frozen=True)
class HeadlineComparison:
    """One headline figure of one scenario.

    Attributes
    ----------
    figure
        A name from :data:`sim.batch.HEADLINE_FIGURES`.
    scenario
        The scenario.
    estimate
        Its mean over seeds with interval.
    difference
        Paired difference from the reference; ``None`` for the reference itself.
    """

    figure: str
    scenario: CompareScenario
    estimate: Estimate
    difference: Difference | None


@dataclass(frozen=True)
class ItemChange:
    """Mean change in meetings per day at one place or between one pair of groups.

    Attributes
    ----------
    kind
        Place kind (``edge``, ``node``, ``venue``, ``space``), ``type_pair`` or
        ``institution_pair``.
    id
        Place id, or ``"a|b"`` for a pair.
    name
        Readable name (``""`` for unnamed edges and junctions).
    reference, variant
        Mean meetings per day in the reference and the variant.
    change, low, high
        Mean paired change per day and its interval.
    in_reference, in_variant
        Whether the place or institution exists in each scenario.
    """

    kind: str
    id: str
    name: str
    reference: float
    variant: float
    change: float
    low: float
    high: float
    in_reference: bool = True
    in_variant: bool = True

    @property
    def indistinguishable(self) -> bool:
        """The interval contains 0: not distinguishable from noise."""
        return self.low <= 0.0 <= self.high


@dataclass(frozen=True)
class PairMatrix:
    """Mean change in meetings per day between groups, as symmetric matrices.

    Attributes
    ----------
    ids, names
        The groups (agent types, or institutions matched by id), in matrix order.
    reference, variant, change, low, high
        ``(n, n)`` arrays of meetings per day; see :class:`ItemChange`.
    """

    ids: tuple[str, ...]
    names: tuple[str, ...]
    reference: np.ndarray
    variant: np.ndarray
    change: np.ndarray
    low: np.ndarray
    high: np.ndarray


def headline_comparisons(runs: ComparisonRuns) -> list[HeadlineComparison]:
    """Every headline figure of every scenario, figure by figure, scenarios in order."""
    rows = []
    for figure in HEADLINE_FIGURES:
        reference = runs.figure(0, figure)
        for sc in runs.scenarios:
            values = runs.figure(sc.index, figure)
            diff = paired_difference(reference, values) if sc.index else None
            rows.append(HeadlineComparison(figure, sc, mean_ci(values), diff))
    return rows


def _changes(per_seed_ref: np.ndarray, per_seed_var: np.ndarray) -> tuple[np.ndarray, ...]:
    """Means of both, mean paired change and its interval, along the seed axis 0."""
    diff = per_seed_var - per_seed_ref
    mean = diff.mean(axis=0)
    half = paired_half_width(diff)
    return per_seed_ref.mean(axis=0), per_seed_var.mean(axis=0), mean, mean - half, mean + half


def _place_counts(
    runs: ComparisonRuns, scenario: int, kind: str, ids: list[str],
    measure: str = "place_meetings",
) -> np.ndarray:
    """``(seeds, len(ids))`` meetings (or ``measure``) per day at ``ids`` (0 where absent)."""
    own = place_ids(runs.scenarios[scenario].layout, kind)
    at = {pid: i for i, pid in enumerate(own)}
    cols = np.array([at.get(pid, -1) for pid in ids], dtype=np.int64)
    out = np.zeros((len(runs.seeds), len(ids)))
    for row, seed in enumerate(runs.seeds):
        counts = np.asarray(getattr(runs.outcome(scenario, seed), measure)[kind], dtype=float)
        out[row, cols >= 0] = counts[cols[cols >= 0]]
    return out / runs.days


def place_changes(runs: ComparisonRuns, variant: int) -> list[ItemChange]:
    """Change in meetings per day at every place of the reference or the variant.

    Parameters
    ----------
    runs
        The comparison.
    variant
        Index of the variant (>= 1).

    Returns
    -------
    list[ItemChange]
        Places of each kind in reference order, then the variant's new ones; junctions
        (``node``) only where either scenario had a meeting, as in a run's place table.
    """
    ref_layout, var_layout = runs.scenarios[0].layout, runs.scenarios[variant].layout
    rows: list[ItemChange] = []
    for kind in PLACE_KINDS:
        ref_ids, var_ids = place_ids(ref_layout, kind), place_ids(var_layout, kind)
        ids = list(dict.fromkeys([*ref_ids, *var_ids]))
        ref, var, mean, low, high = _changes(
            _place_counts(runs, 0, kind, ids), _place_counts(runs, variant, kind, ids)
        )
        in_ref, in_var = set(ref_ids), set(var_ids)
        for i, pid in enumerate(ids):
            if kind == "node" and ref[i] == 0 and var[i] == 0:
                continue
            layout = var_layout if pid in in_var else ref_layout
            rows.append(
                ItemChange(
                    kind,
                    pid,
                    place_label(layout, kind, pid),
                    float(ref[i]),
                    float(var[i]),
                    float(mean[i]),
                    float(low[i]),
                    float(high[i]),
                    pid in in_ref,
                    pid in in_var,
                )
            )
    return rows


VISIT_MEASURES: dict[str, str] = {
    "visits": "place_visits", "optional_visits": "place_optional_visits",
}  # fmt: skip
"""Visit measures of a comparison, and the :class:`~sim.batch.RunOutcome` field of each."""


def has_visits(runs: ComparisonRuns) -> bool:
    """Whether every run recorded visits per place (runs stored before they existed did not)."""
    return all(bool(out.place_visits) for out in runs.outcomes.values())


def visit_changes(runs: ComparisonRuns, variant: int, measure: str = "visits") -> list[ItemChange]:
    """Change in stays per day at every venue, space and lingered-on street segment.

    Parameters
    ----------
    runs
        The comparison (every run with visits, see :func:`has_visits`).
    variant
        Index of the variant (>= 1).
    measure
        ``"visits"`` (all stays) or ``"optional_visits"``.

    Returns
    -------
    list[ItemChange]
        Venues, spaces, then segments (only those with a stay in either scenario), each
        kind in reference order and then the variant's new places.
    """
    field_name = VISIT_MEASURES[measure]
    ref_layout, var_layout = runs.scenarios[0].layout, runs.scenarios[variant].layout
    rows: list[ItemChange] = []
    for kind in ("venue", "space", "edge"):
        ref_ids, var_ids = place_ids(ref_layout, kind), place_ids(var_layout, kind)
        ids = list(dict.fromkeys([*ref_ids, *var_ids]))
        ref, var, mean, low, high = _changes(
            _place_counts(runs, 0, kind, ids, field_name),
            _place_counts(runs, variant, kind, ids, field_name),
        )
        in_ref, in_var = set(ref_ids), set(var_ids)
        for i, pid in enumerate(ids):
            if kind == "edge" and ref[i] == 0 and var[i] == 0:
                continue
            layout = var_layout if pid in in_var else ref_layout
            rows.append(ItemChange(
                kind, pid, place_label(layout, kind, pid), float(ref[i]), float(var[i]),
                float(mean[i]), float(low[i]), float(high[i]), pid in in_ref, pid in in_var,
            ))  # fmt: skip
    return rows


@dataclass(frozen=True)
class DrawOrTake:
    """Do a variant's new places draw new visits, or take them from the other places?

    All per day, paired by seed, with 95 % intervals (``*_ci``).

    Attributes
    ----------
    new_places
        Visits at places only the variant has.
    elsewhere
        Change in visits at the places both have (negative: taken from them).
    total
        Change in visits at all places together (the induced visits).
    optional_total
        Change in optional stays at all places together.
    """

    new_places: tuple[float, float, float]
    elsewhere: tuple[float, float, float]
    total: tuple[float, float, float]
    optional_total: tuple[float, float, float]


def draw_or_take(runs: ComparisonRuns, variant: int) -> DrawOrTake:
    """Sums of :func:`visit_changes` over new places, shared places and all places."""
    per_seed: dict[str, np.ndarray] = {}
    for measure, field_name in VISIT_MEASURES.items():
        ref_layout, var_layout = runs.scenarios[0].layout, runs.scenarios[variant].layout
        new = np.zeros(len(runs.seeds))
        shared = np.zeros(len(runs.seeds))
        total = np.zeros(len(runs.seeds))
        for kind in ("venue", "space", "edge"):
            ref_ids, var_ids = place_ids(ref_layout, kind), place_ids(var_layout, kind)
            ids = list(dict.fromkeys([*ref_ids, *var_ids]))
            diff = _place_counts(runs, variant, kind, ids, field_name) - _place_counts(
                runs, 0, kind, ids, field_name
            )
            only_new = np.array([pid not in set(ref_ids) for pid in ids], bool)
            new += diff[:, only_new].sum(axis=1)
            shared += diff[:, ~only_new].sum(axis=1)
            total += diff.sum(axis=1)
        per_seed[f"{measure}_new"], per_seed[f"{measure}_shared"] = new, shared
        per_seed[f"{measure}_total"] = total

    def ci(x: np.ndarray) -> tuple[float, float, float]:
        half = float(paired_half_width(x[:, None])[0])
        return float(x.mean()), float(x.mean()) - half, float(x.mean()) + half

    return DrawOrTake(
        new_places=ci(per_seed["visits_new"]),
        elsewhere=ci(per_seed["visits_shared"]),
        total=ci(per_seed["visits_total"]),
        optional_total=ci(per_seed["optional_visits_total"]),
    )


def _pair_matrix(
    ids: list[str], names: list[str], per_seed: list[np.ndarray], days: int
) -> PairMatrix:
    """A :class:`PairMatrix` from ``(seeds, n, n)`` count arrays of reference and variant."""
    ref, var, mean, low, high = _changes(per_seed[0] / days, per_seed[1] / days)
    return PairMatrix(tuple(ids), tuple(names), ref, var, mean, low, high)


def type_pair_matrix(runs: ComparisonRuns, variant: int) -> PairMatrix:
    """Change in meetings per day between agent types (order of ``AGENT_TYPES``)."""
    per_seed = [
        np.stack([np.asarray(runs.outcome(i, s).type_pair, dtype=float) for s in runs.seeds])
        for i in (0, variant)
    ]
    return _pair_matrix(list(AGENT_TYPES), list(AGENT_TYPES), per_seed, runs.days)


def institution_pair_matrix(runs: ComparisonRuns, variant: int) -> PairMatrix:
    """Change in meetings per day between institutions, matched by id.

    Institutions are in reference order, then those only the variant has.
    """
    layouts = [runs.scenarios[i].layout for i in (0, variant)]
    names: dict[str, str] = {}
    for layout in layouts:
        for iid, inst in layout.institutions.items():
            names.setdefault(iid, inst.name)
    ids = list(names)
    per_seed = []
    for scenario, layout in zip((0, variant), layouts, strict=True):
        # Where each of this layout's institutions sits in the union.
        pos = np.array([ids.index(iid) for iid in layout.institutions], dtype=np.int64)
        block = np.zeros((len(runs.seeds), len(ids), len(ids)))
        for row, seed in enumerate(runs.seeds):
            own = np.asarray(runs.outcome(scenario, seed).institution_pair, dtype=float)
            block[row][np.ix_(pos, pos)] = own
        per_seed.append(block)
    return _pair_matrix(ids, [names[i] for i in ids], per_seed, runs.days)


def pair_changes(matrix: PairMatrix, kind: str) -> list[ItemChange]:
    """The upper triangle of ``matrix`` (every pair ``a <= b`` once) as rows."""
    n = len(matrix.ids)
    return [
        ItemChange(
            kind=kind,
            id=f"{matrix.ids[i]}|{matrix.ids[j]}",
            name=f"{matrix.names[i]} – {matrix.names[j]}",
            reference=float(matrix.reference[i, j]),
            variant=float(matrix.variant[i, j]),
            change=float(matrix.change[i, j]),
            low=float(matrix.low[i, j]),
            high=float(matrix.high[i, j]),
        )
        for i in range(n)
        for j in range(i, n)
    ]


@dataclass(frozen=True)
class VariantChanges:
    """Everything that changed from the reference to one variant.

    Attributes
    ----------
    scenario
        The variant.
    places
        From :func:`place_changes`.
    type_pairs, institution_pairs
        From :func:`type_pair_matrix` and :func:`institution_pair_matrix`.
    visits, optional_visits, draw
        From :func:`visit_changes` and :func:`draw_or_take`; empty and ``None`` when
        the runs have no visits per place.
    """

    scenario: CompareScenario
    places: list[ItemChange]
    type_pairs: PairMatrix
    institution_pairs: PairMatrix
    visits: list[ItemChange] = field(default_factory=list)
    optional_visits: list[ItemChange] = field(default_factory=list)
    draw: DrawOrTake | None = None


def variant_changes(runs: ComparisonRuns) -> list[VariantChanges]:
    """:class:`VariantChanges` of every scenario after the reference, in order."""
    with_visits = has_visits(runs)
    return [
        VariantChanges(
            scenario=sc,
            places=place_changes(runs, sc.index),
            type_pairs=type_pair_matrix(runs, sc.index),
            institution_pairs=institution_pair_matrix(runs, sc.index),
            visits=visit_changes(runs, sc.index) if with_visits else [],
            optional_visits=(
                visit_changes(runs, sc.index, "optional_visits") if with_visits else []
            ),
            draw=draw_or_take(runs, sc.index) if with_visits else None,
        )
        for sc in runs.scenarios[1:]
    ]
