"""From contacts to meetings: every meeting rule of the model, in one place.

A contact ``i`` between two people adds to the pair's *hazard* of meeting that day

    h_i = rate(place) × f × A(crowd) × (seconds within reach) / 60

* ``rate`` is the stranger rate of the place per minute within reach (busy street <
  footpath < park path < plaza < café < shared lab; active frontage raises streets;
  a junction is as inviting as its most inviting approach), :class:`SettingRates`;
* ``f`` is the largest familiarity factor that applies (same institution, same
  building, or a tie from an earlier day), :func:`familiarity`;
* ``A = 1 / (1 + N / attention_capacity)`` is the share of attention left for this
  person when ``N`` other people are within reach (crowding: a person can attend to
  only so many others, so meetings per person saturate with density), :func:`attention`;
* seconds within reach are exact for walkers (:mod:`sim.engine.encounters`); in a venue
  or public space they are the time present together times the geometric chance that
  two people in the room are within the greet radius, :func:`room_reach_share`.

The pair's chance over the day is ``P = 1 - exp(-Σ h_i)`` (exposure accumulates over
all its contacts), at most ``max_new_pair_chance`` for a pair that has not met on an
earlier day. The pair meets if its one uniform of the day, a function of the seed, the
day and the two people's stable ids only (:func:`sim.rng.pair_uniform`), is below ``P``; the
meeting is placed at its contact with the largest hazard. Two layouts in which a pair
has contact draw the same number for it (common random numbers) and, as ``P`` only
grows with the hazard, a better setting can only add meetings.

Memory stays bounded however busy the streets are: a pair whose uniform is at least
``max_new_pair_chance`` cannot meet unless it is a tie, so only the contacts of the
other pairs (that share of all pairs, plus the ties) are kept, summed per pair chunk
by chunk and merged. Before the day's last merge the pairs that cannot reach their
uniform even with an upper bound of their summed hazard are dropped (exact; most are).

*Encounters* (reported) are the distinct pairs within reach during a day, estimated
from the pairs whose uniform falls in a fixed window of width :data:`ENCOUNTER_SAMPLE`
from :data:`_SAMPLE_LO` (a pair present together in a room counts with its chance of
being within reach).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from sim.engine import kernels
from sim.engine.encounters import Contacts, PairScreen, is_tie
from sim.engine.pairsums import PairSums, group_by_key
from sim.engine.results import PLACE_EDGE, PLACE_NODE, PLACE_SPACE, PLACE_VENUE, MeetingTable
from sim.layout.schema import Layout
from sim.network.graph import StreetGraph
from sim.params import VENUE_KINDS, ModelParams
from sim.population.population import Population
from sim.rng import agent_day_keys, day_class, pair_uniform

ENCOUNTER_SAMPLE = 0.0078125
"""Share of pairs (by their uniform) whose contacts are counted to estimate encounters."""
_SAMPLE_LO = 0.0
"""Where the encounter sample's window of pair uniforms starts. Any fixed window gives an
unbiased estimate (a pair's uniform does not depend on its contacts); one inside the
meeting window (below ``max_new_pair_chance``) adds no pairs of its own to the contact
search, whose pairs below one nineteenth are all of one class sum
(:func:`sim.rng.pair_uniform`)."""
_COMPACT_ROWS = 4_000_000
"""Per-pair partial rows held before the first merge; later merges wait until the held
rows have doubled, so that merging costs time in proportion to the contacts."""
_MERGE_PAYS = 0.5
"""A merge that keeps more than this share of the held rows is the day's last before
:meth:`MeetingDraw.finish` (at 100,000 people it keeps about 85 %)."""
_NEVER = np.iinfo(np.int64).max
_BUCKET_BITS = (10, 22)
"""Least and most bits of the buckets that bound each pair's summed hazard before the
day's last merge (2 ** 22 buckets are 34 MB)."""
_ROWS_PER_BUCKET = 8
"""Held rows per bucket, about. Fewer buckets are read faster (at 40,000 people 2 ** 19
of them fit the cache) but bound more loosely: eight rows a bucket leave 16 % of the rows
there (two leave 7 %, at a third more time), 9 % at 100,000 people."""
_SUM_MARGIN = 1.0 + 1e-6
"""Relative slack on a bucket's sum before it is compared with a pair's uniform: the
bucket and the merge sum in different orders, whose rounding differs by far less (under
a millionth of the sum up to 4,000 million rows a bucket)."""
_ESTIMATE_ROWS = 1_000_000
"""From this many held rows on, whether a merge pays is estimated before merging
(:meth:`PairSums.estimated_pairs`; fewer rows give too small a sample)."""


def edge_rates(graph: StreetGraph, params: ModelParams) -> np.ndarray:
    """Stranger meeting rate per minute within reach on each edge.

    Streets by car traffic, footpaths, park paths and crossings each have a base rate;
    active frontage raises it (people slow down and linger along shop fronts).
    """
    street = np.array([params.p_street_none, params.p_street_low, params.p_street_high])
    by_kind = np.array(
        [np.nan, params.p_footpath, params.p_park_path, params.p_crossing], dtype=float
    )
    base = np.where(graph.kind == 0, street[graph.traffic], by_kind[graph.kind])
    return np.clip(base * (1.0 + params.frontage_boost * graph.frontage), 0.0, None)


def node_rates(graph: StreetGraph, edge_rate: np.ndarray) -> np.ndarray:
    """Per node, the highest rate of the edges that meet there.

    A junction is as inviting as its most inviting approach: a doorway onto a footpath
    is a footpath setting even if a busy street also passes.
    """
    p = np.zeros(graph.n_nodes)
    np.maximum.at(p, graph.edge_u, edge_rate)
    np.maximum.at(p, graph.edge_v, edge_rate)
    return p


def segment_reach_share(length_m: np.ndarray, radius: float) -> np.ndarray:
    """Chance that two people lingering at random points of a segment of ``length_m`` are
    within ``radius`` along it: ``1 - (1 - r/L)²`` (1 where the segment is shorter)."""
    x = np.minimum(1.0, radius / np.maximum(np.asarray(length_m, float), 1e-9))
    return 1.0 - (1.0 - x) ** 2


def room_reach_share(area_m2: np.ndarray, radius: float) -> np.ndarray:
    """Chance that two people placed at random in a square room of ``area_m2`` are
    within ``radius`` of each other.

    The distribution of the distance between two uniform points in a square of side
    ``s`` (with ``x = r / s``): ``πx² - 8x³/3 + x⁴/2`` for ``x <= 1``, and
    ``1/3 + (π-2)x² - x⁴/2 + 4/3 (2x²+1) sqrt(x²-1) - 4x² arccos(1/x)`` up to
    ``x = sqrt(2)``, beyond which it is 1. It is smooth in the radius, so results do
    not jump when the radius crosses a room size.
    """
    side = np.sqrt(np.maximum(np.asarray(area_m2, float), 1e-9))
    x = radius / side
    small = np.pi * x**2 - 8.0 / 3.0 * x**3 + 0.5 * x**4
    xb = np.clip(x, 1.0, np.sqrt(2.0))
    big = (
        1.0 / 3.0 + (np.pi - 2.0) * xb**2 - 0.5 * xb**4
        + 4.0 / 3.0 * (2.0 * xb**2 + 1.0) * np.sqrt(xb**2 - 1.0)
        - 4.0 * xb**2 * np.arccos(1.0 / xb)
    )
    return np.clip(np.where(x <= 1.0, small, np.where(x < np.sqrt(2.0), big, 1.0)), 0.0, 1.0)


@dataclass(frozen=True)
class SettingRates:
    """Rates and reach of every place of a layout.

    Attributes
    ----------
    edge, node, venue, space
        Stranger meeting rate per minute within reach.
    edge_reach
        Share of the people walking an edge who are within reach of one of them
        (``min(1, 2r / length)``), for the crowding rule.
    linger_reach
        Chance that two people lingering on an edge are within reach
        (:func:`segment_reach_share`).
    venue_reach, space_reach
        Chance that two people present are within reach (:func:`room_reach_share`;
        for a venue of several rooms, divided by the number of rooms).
    """

    edge: np.ndarray
    node: np.ndarray
    venue: np.ndarray
    space: np.ndarray
    edge_reach: np.ndarray
    linger_reach: np.ndarray
    venue_reach: np.ndarray
    space_reach: np.ndarray

    def _lookup(self, c: Contacts, tables: tuple[np.ndarray, ...]) -> np.ndarray:
        out = np.zeros(len(c))
        for code, table in zip((PLACE_EDGE, PLACE_NODE, PLACE_VENUE, PLACE_SPACE), tables,
                               strict=True):
            m = c.place_kind == code
            if m.any():
                out[m] = table[c.place[m].astype(np.int64)]
        return out

    def of(self, c: Contacts) -> np.ndarray:
        """Rate of each contact's place."""
        return self._lookup(c, (self.edge, self.node, self.venue, self.space))

    def reach(self, c: Contacts) -> tuple[np.ndarray, np.ndarray]:
        """Per contact: seconds within reach, and share of the crowd within reach."""
        one_e, one_n = np.ones(self.edge.shape[0]), np.ones(self.node.shape[0])
        time_share = self._lookup(c, (one_e, one_n, self.venue_reach, self.space_reach))
        crowd_share = self._lookup(
            c, (self.edge_reach, one_n, self.venue_reach, self.space_reach)
        )
        # People lingering on a segment are spread along it, not walking past each other.
        linger = np.flatnonzero(c.stay & (c.place_kind == PLACE_EDGE))
        if linger.shape[0]:
            share = self.linger_reach[c.place[linger].astype(np.int64)]
            time_share[linger] = share
            crowd_share[linger] = share
        return c.dur * time_share, crowd_share


def setting_rates(layout: Layout, graph: StreetGraph) -> SettingRates:
    """Compute :class:`SettingRates` for ``layout`` from its parameters."""
    mp = layout.params.model
    r = mp.greet_radius_m
    edge_p = edge_rates(graph, mp)
    by_kind = {k: getattr(mp, f"p_{k}") for k in VENUE_KINDS}
    venues = list(layout.venues.values())
    spaces = list(layout.spaces.values())
    rooms = np.array([v.rooms for v in venues], float)
    venue_area = np.array([v.area_m2 for v in venues], float)
    return SettingRates(
        edge=edge_p,
        node=node_rates(graph, edge_p),
        venue=np.array([by_kind[v.kind] for v in venues], float),
        space=np.array([mp.p_plaza if s.kind == "plaza" else mp.p_park for s in spaces], float),
        edge_reach=np.minimum(1.0, 2.0 * r / np.maximum(graph.length, 1e-9)),
        linger_reach=segment_reach_share(graph.length, r),
        venue_reach=room_reach_share(venue_area / np.maximum(rooms, 1), r)
        / np.maximum(rooms, 1),
        space_reach=room_reach_share(np.array([s.area_m2 for s in spaces], float), r),
    )


def attention(crowd_within_reach: np.ndarray, capacity: float) -> np.ndarray:
    """Share of a person's attention left for one contact when ``crowd`` others are near."""
    return 1.0 / (1.0 + crowd_within_reach / capacity)


def familiarity(
    a: np.ndarray, b: np.ndarray, pop: Population, ties: np.ndarray, layout: Layout
) -> np.ndarray:
    """Largest familiarity factor per pair (1 for strangers).

    ``ties`` is the sorted array of pair keys ``a * n + b`` that met on earlier days.
    """
    mp = layout.params.model
    f = np.ones(a.shape[0])
    f = np.where(pop.institution[a] == pop.institution[b], mp.fam_same_institution, f)
    f = np.where(pop.building[a] == pop.building[b], np.maximum(f, mp.fam_same_building), f)
    tie = is_tie(a, b, ties, len(pop))
    return np.where(tie, np.maximum(f, mp.fam_tie), f)


def contact_hazard(
    c: Contacts, fam: np.ndarray, rates: SettingRates, params: ModelParams
) -> np.ndarray:
    """Each contact's contribution to its pair's hazard of meeting that day."""
    seconds, crowd_share = rates.reach(c)
    return rates.of(c) * fam * attention(c.crowd * crowd_share, params.attention_capacity) * (
        seconds / 60.0
    )


class MeetingDraw:
    """Accumulates one day's contacts chunk by chunk and decides the meetings.

    Parameters
    ----------
    pop
        The population (institutions, buildings, stable ids).
    rates
        Rates and reach of every place.
    ties
        Sorted pair keys that met on earlier days.
    layout
        The layout (for the familiarity factors and the meeting parameters).
    seed, day
        Key the draws.
    """

    def __init__(
        self, pop: Population, rates: SettingRates, ties: np.ndarray, layout: Layout,
        seed: int, day: int,
    ) -> None:
        self.pop, self.rates, self.ties, self.layout = pop, rates, ties, layout
        self.params = layout.params.model
        self.seed, self.day = seed, day
        self.n = len(pop)
        self.day_keys = agent_day_keys(seed, day, pop.uid)
        self.classes = self.params.pair_classes
        self.day_classes = day_class(self.day_keys, self.classes)
        self.has_tie = np.zeros(self.n, bool)
        self.has_tie[ties // self.n] = True
        self.has_tie[ties % self.n] = True
        self.pairs = PairSums.empty()
        self.compact_at = _COMPACT_ROWS
        self.sampled: list[tuple[np.ndarray, np.ndarray]] = []
        # The compiled pass's tables (:func:`sim.engine.kernels.contact_rows`).
        mp, r = self.params, rates
        self._bounds = np.array([mp.max_new_pair_chance, _SAMPLE_LO,
                                 _SAMPLE_LO + ENCOUNTER_SAMPLE])
        self._fam = np.array([mp.fam_same_institution, mp.fam_same_building, mp.fam_tie])
        self._rate = (r.edge, r.node, r.venue, r.space)
        self._reach = (r.edge_reach, r.linger_reach, r.venue_reach, r.space_reach)
        # Pairs whose contacts matter: those that can meet, and the encounter sample.
        self.screen = PairScreen(
            day_keys=self.day_keys,
            below=self.params.max_new_pair_chance,
            sample_lo=_SAMPLE_LO,
            sample_hi=_SAMPLE_LO + ENCOUNTER_SAMPLE,
            has_tie=self.has_tie, ties=ties, n_agents=self.n, classes=self.classes,
        )

    def pair_uniform(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """The day's uniform of each pair."""
        return pair_uniform(self.day_keys[a], self.day_keys[b], self.classes)

    def _tie_or_below_cap(self, a: np.ndarray, b: np.ndarray, below: np.ndarray) -> np.ndarray:
        """Pairs that can meet today: uniform below the cap (``below``), or a tie."""
        maybe = np.flatnonzero(~below & self.has_tie[a] & self.has_tie[b])
        if maybe.shape[0]:
            lo, hi = np.minimum(a[maybe], b[maybe]), np.maximum(a[maybe], b[maybe])
            below[maybe] = is_tie(lo, hi, self.ties, self.n)
        return below

    def add(self, c: Contacts) -> None:
        """Take in a chunk of contacts."""
        if len(c) == 0:
            return
        if kernels.AVAILABLE:
            self._add_compiled(c)
        else:
            self._add_numpy(c)
        if len(self.pairs) > self.compact_at:
            self._compact()

    def _add_compiled(self, c: Contacts) -> None:
        """:meth:`_add_numpy` in one compiled pass (:func:`sim.engine.kernels.contact_rows`)."""
        kept, sample, weight = kernels.contact_rows(
            c.a, c.b, c.t, c.place_kind, c.place, c.dur, c.crowd, c.stay, self.day_keys,
            self.day_classes, np.uint64(self.classes), self._bounds, self.has_tie, self.ties,
            self.n, self.pop.institution, self.pop.building, self._fam, self._rate, self._reach,
            float(self.params.attention_capacity),
        )
        if sample.shape[0]:
            self.sampled.append((c.a[sample].astype(np.int64) * self.n + c.b[sample], weight))
        if kept[0].shape[0]:
            self.pairs = self.pairs.append(*kept)

    def _add_numpy(self, c: Contacts) -> None:
        """Sample the chunk's encounter pairs; keep the contacts of pairs that can meet."""
        u = self.pair_uniform(c.a, c.b)
        in_sample = np.flatnonzero((u >= _SAMPLE_LO) & (u < _SAMPLE_LO + ENCOUNTER_SAMPLE))
        if in_sample.shape[0]:
            s = c.take(in_sample)
            _, share = self.rates.reach(s)
            self.sampled.append((s.a.astype(np.int64) * self.n + s.b,
                                 np.where(s.stay, share, 1.0)))
        below = u < self.params.max_new_pair_chance
        rows = np.flatnonzero(self._tie_or_below_cap(c.a, c.b, below))
        if not rows.shape[0]:
            return
        k = c.take(rows)
        fam = familiarity(k.a, k.b, self.pop, self.ties, self.layout)
        h = contact_hazard(k, fam, self.rates, self.params)
        self.pairs = self.pairs.append(k.a.astype(np.int64) * self.n + k.b, h, k.t,
                                       k.place_kind, k.place)

    def _compact(self) -> None:
        """Merge the held rows, if that pays (peak memory on long or dense days)."""
        held = len(self.pairs)
        if held >= _ESTIMATE_ROWS and self.pairs.estimated_pairs() > _MERGE_PAYS * held:
            # A merge would keep most rows (at 100,000 people, 85 %): not worth its 1.2 s
            # there; the rows wait for the day's last merge.
            self.compact_at = _NEVER
            return
        self.pairs = self.pairs.merged()
        # Merge again only once as many new rows have come in (linear total work), and
        # only if merging pays: where most pairs had one contact and it kept most rows,
        # the rest wait for the day's last merge (merges read every held row at random,
        # the dearest step at high density).
        pays = len(self.pairs) <= _MERGE_PAYS * held
        self.compact_at = max(_COMPACT_ROWS, 2 * len(self.pairs)) if pays else _NEVER

    def add_all(self, chunks: Iterable[Contacts]) -> None:
        """Take in every chunk of a contact rule."""
        for chunk in chunks:
            self.add(chunk)

    def finish(self) -> tuple[MeetingTable, float]:
        """The day's meetings (one per pair, at its largest contact) and encounter estimate."""
        if kernels.AVAILABLE:
            self._drop_pairs_that_cannot_meet()
        # The rows are dropped as soon as merged, before the draw's own arrays.
        pairs, self.pairs = self.pairs.merged(), PairSums.empty()
        chance = -np.expm1(-pairs.hazard)
        cap = self.params.max_new_pair_chance
        if kernels.AVAILABLE:
            met = kernels.meeting_rows(pairs.key, chance, self.day_keys, self.day_classes,
                                       np.uint64(self.classes), self.n, cap, self.has_tie,
                                       self.ties)
        else:
            a, b = pairs.key // self.n, pairs.key % self.n
            tie = is_tie(a, b, self.ties, self.n)
            chance = np.where(tie, chance, np.minimum(chance, cap))
            met = np.flatnonzero(self.pair_uniform(a, b) < chance)
        # Each meeting is placed at its pair's contact with the largest hazard.
        a = (pairs.key[met] // self.n).astype(np.int32)
        b = (pairs.key[met] % self.n).astype(np.int32)
        meetings = MeetingTable(
            a=a,
            b=b,
            day=np.full(met.shape[0], self.day, np.int16),
            t=pairs.t[met].astype(np.float64),
            place_kind=pairs.place_kind[met].astype(np.int8),
            place=pairs.place[met].astype(np.int32),
            cross=self.pop.institution[a] != self.pop.institution[b],
        )
        return meetings, self._encounters()

    def _drop_pairs_that_cannot_meet(self) -> None:
        """Drop the rows of pairs whose uniform is above the chance that even their
        bucket's summed hazard gives (:meth:`PairSums.bucket_sums`), before the merge.

        Exact: a pair's summed hazard is at most its bucket's, and a pair meets only if
        its uniform is below its chance, capped or not, so no meeting is lost and the
        kept pairs keep all their rows. Most pairs that can meet by their uniform have
        a far smaller hazard than that uniform asks for: 16 % of the rows are left at
        40,000 people, 9 % at 100,000, and the merge, which reads every row at random,
        sorts only those.
        """
        lo, hi = _BUCKET_BITS
        bits = min(max((len(self.pairs) // _ROWS_PER_BUCKET).bit_length(), lo), hi)
        chance = -np.expm1(-self.pairs.bucket_sums(bits) * _SUM_MARGIN)
        # Read at random per row: in single precision (half the cache), rounded up (the
        # cast rounds by at most 2 ** -24 of a value, or 2 ** -150 below single
        # precision's normal range, which the added 1e-40 covers).
        narrow = (chance * (1.0 + 2.0**-20) + 1e-40).astype(np.float32)
        shift, classes = np.uint64(64 - bits), np.uint64(self.classes)
        self.pairs.keep_rows(lambda key: kernels.may_meet(
            key, narrow, shift, self.day_keys, self.day_classes, classes, self.n))

    def _encounters(self) -> float:
        """Distinct pairs within reach, from the sampled window of uniforms."""
        if not self.sampled:
            return 0.0
        key = np.concatenate([k for k, _ in self.sampled])
        weight = np.concatenate([w for _, w in self.sampled])
        if not key.shape[0]:
            return 0.0
        order, _, starts = group_by_key(key)
        # A pair counts with its largest chance of having been within reach.
        return float(np.maximum.reduceat(weight[order], starts).sum()) / ENCOUNTER_SAMPLE


def add_ties(ties: np.ndarray, meetings: MeetingTable, n_agents: int) -> np.ndarray:
    """The sorted set of pair keys that have met, after adding ``meetings``."""
    key = meetings.a.astype(np.int64) * n_agents + meetings.b
    return np.union1d(ties, key)
