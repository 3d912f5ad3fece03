"""Meeting classification: setting rates, familiarity, cross-institution flag, keyed draws."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from sim.engine.encounters import Contacts
from sim.engine.meetings import (
    MeetingDraw,
    attention,
    contact_hazard,
    familiarity,
    room_reach_share,
    segment_reach_share,
    setting_rates,
)
from sim.engine.model import CrosspathsModel
from sim.engine.results import PLACE_EDGE, PLACE_VENUE
from sim.layout.schema import Layout
from sim.network.graph import build_street_graph
from sim.params import EDGE_KINDS
from sim.rng import (
    PAIR_CLASSES,
    agent_day_keys,
    class_uniform,
    day_class,
    hash_bound,
    pair_class,
    pair_uniform,
)


def test_busy_streets_are_less_inviting_than_paths_and_frontage_helps(tiny: Layout) -> None:
    graph = build_street_graph(tiny)
    rates = setting_rates(tiny, graph)
    kinds = [EDGE_KINDS[k] for k in graph.kind]
    by_id = dict(zip(graph.edge_ids, rates.edge, strict=True))
    # h00 is a high-traffic street, h10 a low-traffic one, v00 a footpath,
    # v01 a park path with 50 % active frontage.
    assert kinds[graph.edge_ids.index("v01")] == "park_path"
    assert by_id["h00"] < by_id["h10"] < by_id["v00"] < by_id["v01"]
    mp = tiny.params.model
    assert by_id["v01"] == mp.p_park_path * (1 + mp.frontage_boost * 0.5)
    venue_ids = list(tiny.venues)
    assert rates.venue[venue_ids.index("lab_cafe")] == mp.p_cafe


def test_familiarity_factors(tiny_model: CrosspathsModel, tiny: Layout) -> None:
    pop = tiny_model.population
    mp = tiny.params.model
    same_building = np.flatnonzero((pop.building == pop.building[0])
                                   & (pop.institution == pop.institution[0]))[1]
    other_inst = np.flatnonzero(pop.institution != pop.institution[0])[0]
    f = familiarity(np.array([0, 0]), np.array([same_building, other_inst]), pop,
                    np.zeros(0, np.int64), tiny)
    assert f.tolist() == [mp.fam_same_building, 1.0]


def _with(layout: Layout, **model: float) -> Layout:
    return dataclasses.replace(
        layout, params=dataclasses.replace(
            layout.params, model=dataclasses.replace(layout.params.model, **model)
        )
    )


def _contacts(a: list[int], b: list[int], t: list[float], kind: list[int], place: list[int],
              dur: list[float], crowd: list[float] | None = None) -> Contacts:
    kinds = np.array(kind, np.int8)
    return Contacts(np.array(a, np.int32), np.array(b, np.int32), np.array(t, float), kinds,
                    np.array(place, np.int32), np.array(dur, float),
                    np.array(crowd if crowd is not None else [0.0] * len(a), float),
                    kinds >= PLACE_VENUE)


def _uniforms(model: CrosspathsModel, a: int, b: np.ndarray, day: int = 0) -> np.ndarray:
    keys = agent_day_keys(0, day, model.population.uid)
    return pair_uniform(keys[np.full(b.shape[0], a)], keys[b])


def test_meeting_is_cross_institution_when_institutions_differ(tiny: Layout) -> None:
    certain = _with(tiny, p_cafe=1.0)
    model = CrosspathsModel(certain, seed=0)
    pop = model.population
    cap = certain.params.model.max_new_pair_chance
    others = np.arange(1, len(pop))
    u = _uniforms(model, 0, others)
    same = others[(pop.institution[others] == pop.institution[0]) & (u < cap)]
    other = others[(pop.institution[others] != pop.institution[0]) & (u < cap)]
    b_same, b_other = int(same[0]), int(other[0])
    cafe = list(certain.venues).index("lab_cafe")
    draw = MeetingDraw(pop, model.rates, model.ties, certain, seed=0, day=0)
    draw.add(_contacts([0, 0], [b_same, b_other], [36000.0, 36100.0], [PLACE_VENUE] * 2,
                       [cafe, cafe], [1800.0, 1800.0]))
    meetings, _ = draw.finish()
    assert len(meetings) == 2
    assert dict(zip(meetings.b.tolist(), meetings.cross.tolist(), strict=True)) == {
        b_same: False, b_other: True,
    }


def test_exposure_accumulates_over_a_pairs_contacts(tiny: Layout) -> None:
    model = CrosspathsModel(tiny, seed=0)
    pop = model.population
    edge = list(tiny.edges).index("h00")
    cafe = list(tiny.venues).index("lab_cafe")
    mp = tiny.params.model
    others = np.arange(1, len(pop))
    f = familiarity(np.zeros(others.shape[0], np.int64), others, pop, model.ties, tiny)
    # Twenty minutes on the street, then three in the cafe (venue: times its reach).
    h_street = model.rates.edge[edge] * 20 * f
    h_cafe = model.rates.venue[cafe] * model.rates.venue_reach[cafe] * 3 * f
    assert np.all(h_cafe > h_street)
    u = _uniforms(model, 0, others)
    # A pair that meets only if both contacts count: u between P(cafe alone) and P(both).
    pick = np.flatnonzero((u >= -np.expm1(-h_cafe)) & (u < -np.expm1(-(h_cafe + h_street)))
                          & (u < mp.max_new_pair_chance))
    assert pick.size, "fixture should contain such a pair"
    j = int(others[pick[0]])

    def meet(kinds: list[int], places: list[int], durs: list[float]) -> tuple:
        draw = MeetingDraw(pop, model.rates, model.ties, tiny, seed=0, day=0)
        n = len(kinds)
        draw.add(_contacts([0] * n, [j] * n, [30000.0 + 1000 * k for k in range(n)], kinds,
                           places, durs))
        m, _ = draw.finish()
        return tuple((int(k), int(p), float(t)) for k, p, t in
                     zip(m.place_kind, m.place, m.t, strict=True))

    assert meet([PLACE_VENUE], [cafe], [180.0]) == ()
    both = meet([PLACE_EDGE, PLACE_VENUE], [edge, cafe], [1200.0, 180.0])
    # Met once, placed at the contact with the larger hazard (the cafe).
    assert both == ((PLACE_VENUE, cafe, 31000.0),)


def test_more_contact_never_removes_a_meeting(tiny: Layout) -> None:
    busy = _with(tiny, p_cafe=0.2, p_street_high=0.2, p_street_low=0.2)
    model = CrosspathsModel(busy, seed=0)
    rng = np.random.default_rng(5)
    n = 400
    a = rng.integers(0, 100, n)
    b = rng.integers(100, len(model.population), n)
    kind = rng.choice([PLACE_EDGE, PLACE_VENUE], n)
    place = np.where(kind == PLACE_EDGE, 0, 0)
    dur = rng.uniform(1, 300, n)
    full = _contacts(a.tolist(), b.tolist(), rng.uniform(0, 8e4, n).tolist(), kind.tolist(),
                     place.tolist(), dur.tolist())
    met = []
    for rows in (np.arange(n // 2), np.arange(n)):  # a subset, then every contact
        draw = MeetingDraw(model.population, model.rates, model.ties, busy, seed=0, day=0)
        draw.add(full.take(rows))
        m, _ = draw.finish()
        met.append(set(zip(m.a.tolist(), m.b.tolist(), strict=True)))
    assert met[0] and met[0] <= met[1] and len(met[1]) > len(met[0])


def test_crowding_lowers_the_hazard_and_bounds_meetings(tiny: Layout) -> None:
    model = CrosspathsModel(tiny, seed=0)
    cafe = list(tiny.venues).index("lab_cafe")
    c = _contacts([0, 0, 0], [1, 1, 1], [0.0] * 3, [PLACE_VENUE] * 3, [cafe] * 3,
                  [600.0] * 3, [0.0, 4.0, 40.0])
    h = contact_hazard(c, np.ones(3), model.rates, tiny.params.model)
    k = tiny.params.model.attention_capacity
    reach = model.rates.venue_reach[cafe]
    assert h[0] > h[1] > h[2] > 0
    assert h[1] / h[0] == pytest.approx(1 / (1 + 4 * reach / k))
    # A person's total hazard with N others present saturates: N * A(N - 1) -> capacity.
    n = np.array([10.0, 100.0, 1000.0])
    assert np.all(np.diff(n * attention(n - 1, k)) > 0)
    assert (n * attention(n - 1, k))[-1] < k + 1


def test_a_pair_that_never_met_is_capped(tiny: Layout) -> None:
    certain = _with(tiny, p_cafe=1.0, max_new_pair_chance=0.05)
    model = CrosspathsModel(certain, seed=0)
    pop = model.population
    others = np.arange(1, len(pop))
    cafe = list(certain.venues).index("lab_cafe")
    draw = MeetingDraw(pop, model.rates, model.ties, certain, seed=0, day=0)
    n = others.shape[0]
    draw.add(_contacts([0] * n, others.tolist(), [0.0] * n, [PLACE_VENUE] * n, [cafe] * n,
                       [3600.0] * n))
    meetings, _ = draw.finish()
    u = _uniforms(model, 0, others)
    assert set(meetings.b.tolist()) == set(others[u < 0.05].tolist())


def test_room_reach_share_is_the_square_distance_law() -> None:
    rng = np.random.default_rng(0)
    p = rng.uniform(0, 30, (200_000, 2, 2))
    d = np.hypot(*(p[:, 0] - p[:, 1]).T)
    for r in (5.0, 20.0, 35.0):
        assert room_reach_share(np.array([900.0]), r)[0] == pytest.approx(
            np.mean(d <= r), abs=0.005
        )
    # Smooth and rising in the radius, 1 beyond the diagonal.
    radii = np.linspace(1, 50, 500)
    share = np.array([room_reach_share(np.array([900.0]), r)[0] for r in radii])
    assert np.all(np.diff(share) >= 0) and np.max(np.diff(share)) < 0.01
    assert share[-1] == 1.0


def test_pair_draw_is_symmetric_and_keyed_by_stable_ids() -> None:
    uid = np.array([11, 22, 33], np.uint64)
    k = agent_day_keys(7, 0, uid)
    assert pair_uniform(k[[0]], k[[1]]) == pair_uniform(k[[1]], k[[0]])
    # Same people under other indices (another layout's order): same draw.
    k2 = agent_day_keys(7, 0, uid[::-1].copy())
    assert pair_uniform(k2[[2]], k2[[1]]) == pair_uniform(k[[0]], k[[1]])
    assert pair_uniform(agent_day_keys(7, 1, uid)[[0]], agent_day_keys(7, 1, uid)[[1]]) != (
        pair_uniform(k[[0]], k[[1]])
    )


def test_pair_uniform_is_uniform_and_pairs_below_one_class_share_class_sum_zero() -> None:
    keys = agent_day_keys(5, 2, np.arange(3000, dtype=np.uint64))
    a, b = np.triu_indices(keys.shape[0], 1)
    u = pair_uniform(keys[a], keys[b])
    assert u.min() >= 0.0 and u.max() < 1.0
    # Uniform: every twentieth of [0, 1) holds its share (4.5 M pairs; a bin is off by
    # far less than 1 % unless the construction is wrong).
    counts = np.bincount((u * 20).astype(int), minlength=20)
    assert np.all(np.abs(counts / u.shape[0] - 0.05) < 0.0005), counts
    # The search's premise: a pair below 1/19 has class sum 0, whatever its people.
    low = u < 1 / PAIR_CLASSES
    assert np.all(pair_class(keys[a[low]], keys[b[low]]) == 0)
    assert abs(low.mean() - 1 / PAIR_CLASSES) < 0.001
    # One class gives plain hashed uniforms with no class structure.
    assert np.all(pair_class(keys[a], keys[b], 1) == 0)
    assert not np.array_equal(pair_uniform(keys[a], keys[b], 1), u)


def test_pair_uniforms_of_three_people_are_independent() -> None:
    """Day classes are uniform, and with an odd number of classes the three class sums
    of a trio take each combination for exactly one combination of the three classes,
    so the trio's uniforms are independent; with an even number they would not be (the
    three sums' total is even)."""
    keys = agent_day_keys(9, 0, np.arange(190_000, dtype=np.uint64))
    share = np.bincount(day_class(keys).astype(np.int64), minlength=PAIR_CLASSES) / 190_000
    assert np.all(np.abs(share - 1 / PAIR_CLASSES) < 0.003), share
    x, y = keys[:1000], keys[1000:2000]
    assert np.array_equal(pair_class(x, y), (day_class(x) + day_class(y)) % PAIR_CLASSES)
    for classes, independent in ((PAIR_CLASSES, True), (4, False)):
        c = np.array(np.meshgrid(*[np.arange(classes)] * 3)).reshape(3, -1)
        sums = [(c[p] + c[q]) % classes for p, q in ((0, 1), (1, 2), (0, 2))]
        combos = np.unique((sums[0] * classes + sums[1]) * classes + sums[2])
        assert (combos.shape[0] == classes**3) == independent, classes


def test_hash_bounds_split_each_class_exactly_where_the_uniform_crosses() -> None:
    rng = np.random.default_rng(0)
    classes = np.arange(PAIR_CLASSES).repeat(2000)
    h = rng.integers(0, 1 << 48, classes.shape[0], dtype=np.uint64)
    for u in (0.0, 0.05, 1 / 19, 0.5, 0.5078125, 0.999, 1.0):
        bound = hash_bound(np.arange(PAIR_CLASSES), u)
        below = class_uniform(classes, h) < u
        assert np.array_equal(below, h < bound[classes]), u
        # Exactly at the bound: the last hash below it is under u, the bound itself not.
        edge = bound[(bound > 0) & (bound < 1 << 48)]
        cls = np.flatnonzero((bound > 0) & (bound < 1 << 48))
        assert np.all(class_uniform(cls, edge - np.uint64(1)) < u)
        assert np.all(class_uniform(cls, edge) >= u)


def test_identical_layouts_give_identical_meetings(tiny: Layout) -> None:
    twin = dataclasses.replace(tiny, name="twin")
    runs = []
    for layout in (tiny, twin):
        model = CrosspathsModel(layout, seed=4)
        model.step()
        runs.append(model.last_meetings)
    assert runs[0].a.tolist() == runs[1].a.tolist()
    assert runs[0].t.tolist() == runs[1].t.tolist()


def test_lingering_on_a_segment_counts_its_reach_along_it() -> None:
    share = segment_reach_share(np.array([10.0, 40.0, 100.0]), 20.0)
    assert share.tolist() == pytest.approx([1.0, 0.75, 0.36])
