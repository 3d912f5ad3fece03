"""Optional activities drawn by place quality, venue capacity, and visits per place.

Small variants of the tiny fixture, paired by seed (common random numbers).
"""

from __future__ import annotations

import dataclasses
import heapq
import json
import math
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from sim import compiled
from sim.cli import main
from sim.compare.changes import headline_comparisons, variant_changes
from sim.compare.report import render_report
from sim.compare.runner import load_scenarios, run_scenarios
from sim.engine.model import CrosspathsModel
from sim.engine.results import RunResult
from sim.layout import Layout, load_layout
from sim.params import PLACE_SPACE, PLACE_VENUE
from sim.population import capacity, schedules
from sim.population.capacity import _admit, peak_occupancy
from sim.population.destinations import choose, choose_fixed, choose_open, open_weights
from sim.population.schedules import H
from sim.runner import simulate

TINY_PATH = Path(__file__).parent / "fixtures" / "tiny.yaml"
SEEDS = (0, 1, 2)


def _variant(tmp_path: Path, name: str, body: str) -> Layout:
    path = tmp_path / f"{name}.yaml"
    path.write_text(f"extends: {TINY_PATH}\nname: {name}\n{body}", encoding="utf-8")
    return load_layout(path)


def _runs(layout: Layout) -> list[RunResult]:
    return [simulate(layout, seed=s, days=1) for s in SEEDS]


@pytest.fixture(scope="module")
def base_runs(tiny: Layout) -> list[RunResult]:
    return _runs(tiny)


def _optional(runs: list[RunResult], kind: str) -> np.ndarray:
    """(seeds, places) optional stays."""
    return np.array([r.visits.optional[kind] for r in runs if r.visits is not None])


def test_peak_occupancy_counts_overlaps_and_not_back_to_back_stays() -> None:
    place = np.array([0, 0, 0, 1])
    start = np.array([0.0, 5.0, 10.0, 0.0])
    until = np.array([10.0, 20.0, 30.0, 1.0])
    # Stay 2 starts when stay 0 ends: two at once at most, not three.
    assert peak_occupancy(place, start, until, 3).tolist() == [2, 1, 0]


def test_peak_occupancy_matches_a_running_sum_over_sorted_events() -> None:
    """Against the plain definition: events sorted by (place, time, departures first),
    one running sum, its maximum per place; on many equal times and empty stays."""
    rng = np.random.default_rng(3)
    for _ in range(200):
        n, places = int(rng.integers(0, 120)), int(rng.integers(1, 6))
        place = rng.integers(0, places, n)
        start = rng.integers(0, 12, n).astype(float)
        until = start + rng.integers(0, 4, n)
        group = np.concatenate([place, place])
        delta = np.concatenate([np.ones(n, np.int64), -np.ones(n, np.int64)])
        order = np.lexsort((delta, np.concatenate([start, until]), group))
        expected = np.zeros(places, np.int64)
        np.maximum.at(expected, group[order], np.cumsum(delta[order]))
        assert peak_occupancy(place, start, until, places).tolist() == expected.tolist()


@pytest.mark.skipif(not compiled.AVAILABLE, reason="numba is not installed")
def test_compiled_venue_choice_equals_the_numpy_choice() -> None:
    """Opening hours, zero weights, rows where everything is closed, uniforms at 0 and
    near 1: the compiled choice gives exactly numpy's picks."""
    rng = np.random.default_rng(3)
    n_venues, n = 12, 5000
    dest = SimpleNamespace(venue_open=np.round(rng.uniform(6, 12, n_venues)) * H,
                           venue_close=np.round(rng.uniform(13, 22, n_venues)) * H)
    venues = rng.permutation(n_venues)[:9]
    w = rng.uniform(0, 5, 9) * (rng.random(9) < 0.8)
    t = np.round(rng.uniform(5, 23, n) * 4) / 4 * H  # on the hour's quarters: ties
    dur = rng.choice([0.0, 600.0, 1800.0], n)
    u = np.concatenate([rng.random(n - 2), [0.0, 1 - 2**-53]])
    fast = choose_open(dest, venues, w, t, dur, u)  # type: ignore[arg-type]
    slow = choose(open_weights(dest, venues, w, t, dur), u)  # type: ignore[arg-type]
    assert np.array_equal(fast, slow)
    assert (fast == -1).any() and len(set(fast.tolist())) > 5
    # One set of weights for every row: the searched cumulative sums pick the same.
    assert np.array_equal(choose_fixed(w, u), choose(np.broadcast_to(w, (n, 9)), u))
    assert np.array_equal(choose_fixed(np.zeros(0), u[:3]), [-1, -1, -1])


@pytest.mark.skipif(not compiled.AVAILABLE, reason="numba is not installed")
def test_compiled_day_walk_equals_the_numpy_walk(tiny_model: CrosspathsModel) -> None:
    """Activities on the hour's quarters (ties, whose order is the slots'), collisions
    pushed later, stays dropped for a venue's hours or the person's leaving time, slots
    left empty: the compiled walk writes the numpy walk's trips and stays, bit for bit
    and in the same order, numbered after the trips already planned."""
    m, rng, n = tiny_model, np.random.default_rng(5), 400
    dest, routes = m.destinations, m.routes
    slots = schedules._Slots.empty(n)
    shape = (n, schedules.N_SLOTS)
    active = rng.random(shape) < 0.7
    slots.want[active] = np.round(rng.uniform(8, 18, int(active.sum())) * 4) / 4 * H
    slots.dur[:] = rng.choice([0.0, 600.0, 1800.0, 3600.0], shape)
    kind = rng.choice([-1, PLACE_VENUE, PLACE_SPACE], shape).astype(np.int8)
    venue = rng.integers(0, dest.venue_site.shape[0], shape)
    slots.site[:] = np.where(kind == PLACE_VENUE, dest.venue_site[venue],
                             rng.integers(0, routes.n_sites, shape))  # fmt: skip
    slots.stay_kind[:] = kind
    slots.stay_place[:] = np.where(kind == PLACE_VENUE, venue, np.where(kind >= 0, 1, -1))
    home = 0
    k = rng.integers(0, routes.n_profiles, n)
    speed = rng.uniform(1.1, 1.5, n)
    arrive = rng.uniform(7, 10, n) * H
    leave = arrive + rng.uniform(3, 10, n) * H
    plans = []
    for fast in (True, False):
        out = schedules._Collector()
        out.trips(np.zeros(3, np.int32), np.zeros(3, np.int64), np.zeros(3))
        schedules._resolve_timeline(slots, routes, dest, np.arange(n, dtype=np.int32), home,
                                    k, speed, arrive, leave, out, compiled=fast)  # fmt: skip
        plans.append(out.plan())
    for f in dataclasses.fields(plans[0]):
        a, b = getattr(plans[0], f.name), getattr(plans[1], f.name)
        assert a.dtype == b.dtype and np.array_equal(a, b), f.name
    plan = plans[0]
    want = slots.want[plan.stay_agent, plan.stay_slot]
    assert (plan.stay_start > want + 1.0).any()  # pushed later
    wanted = int((active & (kind >= 0)).sum())
    assert 0 < plan.stay_agent.shape[0] < wanted  # some dropped
    back = plan.stay_back_trip[plan.stay_back_trip >= 0]
    assert back.shape[0] and back.min() >= 3
    assert np.array_equal(plan.trip_agent[back], plan.stay_agent[plan.stay_back_trip >= 0])


@pytest.mark.skipif(not compiled.AVAILABLE, reason="numba is not installed")
def test_compiled_optional_choice_equals_the_numpy_choice(tiny_model: CrosspathsModel) -> None:
    """Venues closed for part of the stays, zero appeal, stays of no length, go-uniforms
    at 0 and near 1: the compiled rule sends the same people to the same places."""
    m, rng, n = tiny_model, np.random.default_rng(11), 3000
    dest = m.destinations
    n_places = len(dest.optional)
    assert n_places > 8 and (dest.optional.venue >= 0).any()
    w = rng.uniform(0, 3, n_places) * (rng.random(n_places) < 0.8)
    t = np.round(rng.uniform(6, 22, n) * 4) / 4 * H
    dur = rng.choice([0.0, 900.0, 3600.0, 4 * 3600.0], n)
    go_u = np.concatenate([rng.random(n - 2), [0.0, 1 - 2**-53]])
    key = rng.integers(0, 2**63, n).astype(np.uint64)
    fast = schedules._optional_picks(dest, w, 0.7, t, dur, go_u, key, compiled=True)
    slow = schedules._optional_picks(dest, w, 0.7, t, dur, go_u, key, compiled=False)
    assert np.array_equal(fast[0], slow[0]) and np.array_equal(fast[1], slow[1])
    assert 0 < fast[0].shape[0] < n and len(set(fast[1].tolist())) > 3


def test_a_new_cafe_adds_optional_stays_not_only_moves_them(
    tmp_path: Path, base_runs: list[RunResult]
) -> None:
    cafe = _variant(tmp_path, "cafe", (
        "add:\n  venues:\n    new_cafe: {building: hub, kind: cafe, capacity: 40, "
        'hours: "08:00-18:00", access: public}\n'
    ))  # fmt: skip
    runs = _runs(cafe)
    n_old = len(base_runs[0].layout.venues)
    before = sum(_optional(base_runs, k).sum(axis=1) for k in ("venue", "space", "edge"))
    after = sum(_optional(runs, k).sum(axis=1) for k in ("venue", "space", "edge"))
    new_place = _optional(runs, "venue")[:, n_old]
    assert (after > before).all(), (before, after)  # every seed, paired
    taken = before - (after - new_place)  # optional stays the old places lost
    assert new_place.sum() > 0 and taken.sum() < new_place.sum()


def test_a_car_free_park_like_street_draws_stays_on_it_and_next_to_it(
    tmp_path: Path, tiny: Layout
) -> None:
    car_free = _variant(tmp_path, "car_free", (
        "modify:\n  edges:\n    h10: {kind: park_path, traffic: none, seating: good}\n"
    ))  # fmt: skip
    # 1,000 people: with the tiny grid's 200 the few stays next to the street are noise.
    base_runs, runs = _runs(tiny.scaled(5)), _runs(car_free.scaled(5))
    ids = list(car_free.edges)
    street = ids.index("h10")
    h10 = car_free.edges["h10"]
    beside = [
        i for i, e in enumerate(car_free.edges.values())
        if i != street and {e.source, e.target} & {h10.source, h10.target}
    ]  # fmt: skip
    before, after = _optional(base_runs, "edge"), _optional(runs, "edge")
    assert (after[:, street] > before[:, street]).all()
    assert after[:, beside].sum() > before[:, beside].sum()


def test_no_venue_holds_more_than_its_capacity(tmp_path: Path) -> None:
    crowded = _variant(tmp_path, "crowded", (
        "modify:\n  venues:\n    lab_cafe: {capacity: 3}\n    clinic_canteen: {capacity: 5}\n"
    ))  # fmt: skip
    caps = np.array([v.capacity for v in crowded.venues.values()])
    for r in _runs(crowded):
        assert r.visits is not None
        assert (r.visits.peak["venue"] <= caps).all()
    # The limit binds: the café is full at some moment, and people went elsewhere.
    assert r.visits.peak["venue"][0] == 3


@pytest.mark.skipif(not compiled.AVAILABLE, reason="numba is not installed")
def test_compiled_next_choices_equal_the_numpy_choices(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Full cafés and canteen, so that many people are turned away and choose again,
    and a members-only café among the next choices: the compiled next choice gives the
    numpy choice's plan, bit for bit."""
    crowded = _variant(tmp_path, "crowded", (
        "modify:\n  venues:\n    lab_cafe: {capacity: 2}\n    clinic_canteen: {capacity: 3}\n"
        "add:\n  venues:\n    staff_cafe: {building: clinic, kind: cafe, capacity: 4, "
        'hours: "08:00-17:00", access: members}\n'
    ))  # fmt: skip
    model = CrosspathsModel(crowded, seed=2)
    found = []
    real = capacity._next_choices

    def counted(*args: object, **kwargs: object) -> tuple[np.ndarray, ...]:
        out = real(*args, **kwargs)  # type: ignore[arg-type]
        found.append(int((out[0] >= 0).sum()))
        return out

    monkeypatch.setattr(capacity, "_next_choices", counted)
    plans = []
    for fast in (True, False):
        monkeypatch.setattr(capacity, "AVAILABLE", fast)
        plans.append(schedules.plan_day(model.layout, model.population, model.sites,
                                        model.routes, model.destinations, 2, 0))  # fmt: skip
    for f in dataclasses.fields(plans[0]):
        a, b = getattr(plans[0], f.name), getattr(plans[1], f.name)
        assert a.dtype == b.dtype and np.array_equal(a, b), f.name
    assert found[0] > 5 and found[0] == found[1]  # people did go on to a next venue


def test_a_full_cafe_queues_for_the_next_free_seat_and_a_session_does_not() -> None:
    # One seat, held until 300 s. The second arrival waits for it (4 min); the third
    # would wait until 1,200 s, longer than the 10 min they would wait.
    start = np.array([0.0, 60.0, 120.0])
    until = np.array([300.0, 1200.0, 1200.0])
    at = _admit(start, until, 1, wait_s=600.0)
    assert at[:2].tolist() == [0.0, 300.0] and np.isnan(at[2])
    # Nobody queues for a seat in a session (no wait): full means turned away.
    assert np.isnan(_admit(start, until, 1, wait_s=0.0)[1:]).all()
    # Nor does someone who would keep less than half of their stay (80 of 180 s).
    assert np.isnan(_admit(np.array([0.0, 200.0]), np.array([300.0, 380.0]), 1, 600.0)[1])
    # The queue is served in order of arrival: the first waiter gets the first seat freed.
    two = _admit(np.array([0.0, 0.0, 100.0, 200.0]), np.array([300.0, 400.0, 900.0, 900.0]),
                 2, wait_s=600.0)
    assert two.tolist() == [0.0, 0.0, 300.0, 400.0]
    assert (peak_occupancy(np.zeros(4, np.int64), two, np.array([300.0, 400.0, 900.0, 900.0]),
                           1) <= 2).all()


def _admit_by_heapq(start: np.ndarray, until: np.ndarray, capacity: int, wait_s: float) -> list:
    """The admission rule written plainly with Python's heapq, for comparison."""
    at: list[float] = []
    free: list[float] = []
    for t, end in zip(start.tolist(), until.tolist(), strict=True):
        while free and free[0] <= t:
            heapq.heappop(free)
        if len(free) < capacity:
            heapq.heappush(free, end)
            at.append(t)
        elif free[0] <= t + wait_s and end - free[0] >= 0.5 * (end - t):
            at.append(heapq.heapreplace(free, end))
        else:
            at.append(math.nan)
    return at


@pytest.mark.parametrize("capacity", [1, 3, 8])
def test_admission_matches_a_plain_heap_on_busy_venues(capacity: int) -> None:
    rng = np.random.default_rng(capacity)
    # Whole minutes, so that arrivals and departures often coincide.
    start = np.sort(rng.integers(0, 120, 400) * 60.0)
    until = start + rng.integers(1, 40, 400) * 60.0
    got = _admit(start, until, capacity, 600.0)
    want = _admit_by_heapq(start, until, capacity, 600.0)
    assert np.array_equal(got, np.array(want), equal_nan=True)
    assert np.isnan(got).sum() > 0 and (got > start).sum() > 0  # turned away and queued


def test_lunch_at_a_full_canteen_moves_to_a_cafe(tmp_path: Path, tiny: Layout) -> None:
    full = _variant(tmp_path, "full", "modify:\n  venues:\n    clinic_canteen: {capacity: 2}\n")
    cafe = list(tiny.venues).index("lab_cafe")

    def lunches_at_cafe(layout: Layout) -> int:
        model = CrosspathsModel(layout, seed=0)
        model.step()
        plan = model.last_plan
        assert plan is not None
        lunch = (plan.stay_slot == 0) & (plan.stay_kind == PLACE_VENUE)
        lunch &= plan.stay_place == cafe
        return int(lunch.sum())

    assert lunches_at_cafe(full) > lunches_at_cafe(tiny)


# Venues of the tiny fixture sized for 2,000 people (its busiest moment at scale 10 just
# fits, as the baseline's venues fit today's district), then twice as many people.
_SEATS = {"lab_cafe": 260, "lab_hall": 360, "clinic_canteen": 250, "hub_lab": 70}


def test_doubling_density_at_venues_sized_for_today_raises_meetings_per_person(
    tiny: Layout,
) -> None:
    def per_person_day(scale: float) -> tuple[float, bool]:
        layout = tiny.scaled(scale)
        layout = dataclasses.replace(layout, venues={
            k: dataclasses.replace(v, capacity=_SEATS[k]) for k, v in layout.venues.items()
        })  # fmt: skip
        caps = np.array(list(_SEATS.values()))
        rates, full = [], False
        for seed in range(4):
            model = CrosspathsModel(layout, seed=seed)
            model.step()
            rates.append(2 * len(model.last_meetings) / len(model.population))
            full |= bool((model.visits.peak["venue"] == caps).any())
        return float(np.mean(rates)), full

    (dense, full), (today, _) = per_person_day(20), per_person_day(10)
    assert full  # capacity binds at the higher density
    # Full venues queue people or send them on rather than only turning them away, so
    # meetings per person still rise, and the attention limit keeps the rise below 1.5x.
    assert 1.0 < dense / today <= 1.5


def test_a_variant_that_changes_nothing_gives_identical_visits(
    tiny: Layout, base_runs: list[RunResult]
) -> None:
    again = simulate(dataclasses.replace(tiny, name="same"), seed=SEEDS[0], days=1)
    assert again.visits is not None and base_runs[0].visits is not None
    for kind in ("venue", "space", "edge"):
        assert np.array_equal(again.visits.visits[kind], base_runs[0].visits.visits[kind])
        assert np.array_equal(again.visits.optional[kind], base_runs[0].visits.optional[kind])
    assert np.array_equal(again.meetings.a, base_runs[0].meetings.a)


@pytest.mark.parametrize(
    ("old", "new", "key"),
    [
        ("kind: park_path, frontage: 0.5}\n  v11",
         "kind: park_path, frontage: 0.5, seating: lots}\n  v11", "edges.v01.seating"),
        ("kind: plaza, node: n11, area: 2500}", "kind: plaza, node: n11, area: 2500, greenery: x}",
         "public_spaces.square.greenery"),
        ("lab_cafe: {kind: cafe, capacity: 40", "lab_cafe: {kind: cafe, capacity: 0",
         "buildings.lab.venues.lab_cafe.capacity"),
        ("gateways:\n", "agents:\n  student: {optional_budget_min: -5}\ngateways:\n",
         "agents.student.optional_budget_min"),
        ("gateways:\n", "model: {optional_reluctance: -1}\ngateways:\n",
         "model.optional_reluctance"),
        ("gateways:\n", "model: {seat_wait_min: -1}\ngateways:\n", "model.seat_wait_min"),
    ],
)  # fmt: skip
def test_bad_new_keys_one_line_exit_2_nothing_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], old: str, new: str, key: str
) -> None:
    text = TINY_PATH.read_text(encoding="utf-8")
    assert text.count(old) == 1
    bad = tmp_path / "bad.yaml"
    bad.write_text(text.replace(old, new), encoding="utf-8")
    out = tmp_path / "out"
    assert main(["run", str(bad), "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    line = text.replace(old, new)[: text.replace(old, new).index(new)].count("\n") + 1
    line += new[: new.find(key.split(".")[-1])].count("\n")
    assert err.count("\n") == 0 and "Traceback" not in err
    assert f"{bad}:{line}:" in err and key in err
    assert not out.exists()


def test_run_writes_visits_by_place(tmp_path: Path) -> None:
    out = tmp_path / "run"
    # The numbers only (--no-figures still writes every table and GeoJSON).
    argv = ["run", str(TINY_PATH), "--out", str(out), "--quiet", "--scale", "0.5", "--no-figures"]
    assert main(argv) == 0
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["scale"] == 0.5 and summary["optional_stays_per_person_day"] > 0
    header, *rows = (out / "visits_by_place.csv").read_text(encoding="utf-8").splitlines()
    assert header == (
        "place_kind,id,name,visits_per_day,optional_visits_per_day,peak_occupancy,capacity"
    )
    kinds = {r.split(",")[0] for r in rows}
    assert {"venue", "space", "edge"} <= kinds
    assert any(r.startswith("space,square,") and r.endswith(",") for r in rows)  # no capacity
    geo = json.loads((out / "visits_by_place.geojson").read_text(encoding="utf-8"))
    assert len(geo["features"]) == len(rows)


def test_compare_reports_whether_a_new_place_draws_or_takes_visits(tmp_path: Path) -> None:
    variant = tmp_path / "cafe.yaml"
    variant.write_text(
        f"extends: {TINY_PATH}\nname: cafe\nadd:\n  venues:\n    new_cafe: {{building: hub, "
        'kind: cafe, capacity: 40, hours: "08:00-18:00", access: public}\n',
        encoding="utf-8",
    )
    out = tmp_path / "cmp"
    # Tables only; figures and report.md of a compare are checked in test_compare.
    argv = ["compare", str(TINY_PATH), str(variant), "--seeds", "3", "--out", str(out)]
    assert main([*argv, "--quiet", "--no-figures"]) == 0
    header, *rows = (out / "visit_changes.csv").read_text(encoding="utf-8").splitlines()
    assert header.startswith("measure,variant,kind,id,name,reference_per_day,variant_per_day")
    new = [r for r in rows if r.startswith("visits,cafe,venue,new_cafe,")]
    assert len(new) == 1 and new[0].endswith(",False,True")  # only in the variant
    # The report's words on visits, from the same runs (served from their records).
    runs = run_scenarios(load_scenarios([str(TINY_PATH), str(variant)]), range(3), store_dir=out)
    report = render_report(runs, headline_comparisons(runs), variant_changes(runs))
    assert "New places draw +" in report and "taken from elsewhere" in report
    assert "Optional stays at all places: +" in report
