"""The model behind the live page: page inputs in, replay data out, errors as messages.

:class:`LiveModel` is :class:`CrosspathsModel` as SolaraViz builds it from the page's
inputs. Seed and scale are typed in, so they arrive as text and are parsed here;
anything unusable (a scale of 0, a layout file that does not validate) becomes
:attr:`LiveModel.error`, a one-line message the page shows, instead of an exception in
the server. A model with an error has no district and does not step; picking good
inputs and pressing Reset builds a new one.
"""

from __future__ import annotations

import argparse
import os
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import mesa
import numpy as np

from sim.argtypes import positive_number, whole_number
from sim.engine.model import DEFAULT_LAYOUT, CrosspathsModel
from sim.engine.results import PLACE_EDGE, PLACE_SPACE, PLACE_VENUE
from sim.errors import CrosspathsInputError, ParameterError
from sim.layout.schema import Layout
from sim.live.replay import DEFAULT_SAMPLE, Day, building_xy, last_day, replay_data


def _page_input(value: Any, parse: Callable[[str], Any], name: str) -> Any:
    """``value`` typed on the page, parsed by the command line's rules for ``name``."""
    try:
        return parse(str(value).strip())
    except argparse.ArgumentTypeError as err:
        raise ParameterError(str(err), path=name) from None


def parse_seed(value: Any) -> int:
    """A seed typed on the page (text or number) as a whole number >= 0."""
    return int(_page_input(value, whole_number(0), "seed"))


def parse_scale(value: Any) -> float:
    """A population scale typed on the page as a finite number > 0."""
    return float(_page_input(value, positive_number, "scale"))


class LiveModel(CrosspathsModel):
    """:class:`CrosspathsModel` built from the live page's inputs.

    Parameters
    ----------
    layout
        Layout file.
    seed, scale
        As typed on the page (text), or numbers.
    days
        Weekdays Mesa's play button runs before it stops.
    sample
        Largest number of people drawn as dots.
    """

    def __init__(
        self,
        layout: str | os.PathLike[str] = DEFAULT_LAYOUT,
        seed: str | int = 0,
        scale: str | float = 1.0,
        days: int = 5,
        sample: int = DEFAULT_SAMPLE,
    ) -> None:
        self.error = ""
        self.sample = int(sample)
        self.layout_file = os.fspath(layout)
        self.lock = threading.RLock()
        self.last_day_s = 0.0
        try:
            super().__init__(layout, seed=parse_seed(seed), scale=parse_scale(scale), days=days)
        except CrosspathsInputError as err:
            mesa.Model.__init__(self, rng=0)
            self.error = err.one_line()
            self.running = False

    def step(self) -> None:
        """Simulate the next day (nothing when the inputs were unusable)."""
        if self.error:
            self.running = False
            return
        with self.lock:
            before = self.sim_s
            super().step()
            self.last_day_s = self.sim_s - before

    def ensure_day(self) -> None:
        """Simulate the first day if none has been (the page always shows a day)."""
        with self.lock:
            if not self.error and self.steps == 0:
                self.step()

    def last_day(self) -> Day:
        """The last simulated day."""
        with self.lock:
            return last_day(self)

    def replay(self) -> dict[str, Any]:
        """The last day as the page's map data."""
        data = replay_data(self.last_day(), self.sample)
        data["scenario"] = self.layout.name
        data["seed"] = self.seed
        data["scale"] = self.scale
        data["timing"] = [round(self.setup_s, 1), round(self.last_day_s, 1)]
        return data


class BaselineRuns:
    """The baseline simulated alongside, same seed and scale, for the difference map.

    Keeps the few most recent baseline models (one per seed and scale), so switching
    between variants does not simulate the baseline again.
    """

    def __init__(self, path: str, keep: int = 2) -> None:
        self.path = path
        self.keep = keep
        self._models: OrderedDict[tuple[int, float], CrosspathsModel] = OrderedDict()
        self._lock = threading.Lock()

    def remember(self, model: CrosspathsModel) -> None:
        """Keep a model of the baseline built for the page, to compare against later."""
        with self._lock:
            self._models[(model.seed, model.scale)] = model
            while len(self._models) > self.keep:
                self._models.popitem(last=False)

    def day(self, seed: int, scale: float, day: int) -> Day:
        """The baseline's ``day`` (1-based) for ``seed`` and ``scale``."""
        with self._lock:
            key = (seed, scale)
            model = self._models.pop(key, None)
            if model is None or model.steps > day:
                model = CrosspathsModel(self.path, seed=seed, scale=scale, days=day)
            self._models[key] = model
            while len(self._models) > self.keep:
                self._models.popitem(last=False)
            while model.steps < day:
                model.step()
            return last_day(model)


def _counts(day: Day, code: int, n: int) -> np.ndarray:
    """Meetings per place of kind ``code``."""
    m = day.meetings
    return np.bincount(np.asarray(m.place)[np.asarray(m.place_kind) == code], minlength=n)


def difference(variant: Day, baseline: Day) -> dict[str, Any]:
    """Where the variant's day gains or loses meetings against the baseline's.

    Street segments and places are matched by id; a segment only one of the two has is
    marked ``added`` or ``removed``. Positions are the variant's local metres (a
    variant extends the baseline, so both share an origin; segments only the baseline
    has are placed through its node coordinates relative to the variant's origin).
    """
    from sim.geometry import to_local_xy

    v_lay, b_lay = variant.layout, baseline.layout
    v_edges = _counts(variant, PLACE_EDGE, len(v_lay.edges))
    b_edges = _counts(baseline, PLACE_EDGE, len(b_lay.edges))
    v_at = {e: i for i, e in enumerate(v_lay.edges)}
    b_at = {e: i for i, e in enumerate(b_lay.edges)}

    def xy(layout: Layout, node: str) -> tuple[float, float]:
        n = layout.nodes[node]
        x, y = to_local_xy(n.lat, n.lon, *v_lay.origin)
        return round(float(x), 1), round(float(y), 1)

    segments: list[list[Any]] = []
    for eid in [*v_lay.edges, *(e for e in b_lay.edges if e not in v_at)]:
        lay = v_lay if eid in v_at else b_lay
        e = lay.edges[eid]
        now = int(v_edges[v_at[eid]]) if eid in v_at else 0
        before = int(b_edges[b_at[eid]]) if eid in b_at else 0
        status = "same" if eid in v_at and eid in b_at else ("added" if eid in v_at else "removed")
        if now == before and status == "same":
            continue
        segments.append([*xy(lay, e.source), *xy(lay, e.target), now - before, status])

    places: list[list[Any]] = []
    for code, kind in ((PLACE_VENUE, "venues"), (PLACE_SPACE, "spaces")):
        v_ids, b_ids = list(getattr(v_lay, kind)), list(getattr(b_lay, kind))
        v_n = _counts(variant, code, len(v_ids))
        b_n = _counts(baseline, code, len(b_ids))
        b_pos = {p: i for i, p in enumerate(b_ids)}
        index = variant.graph.node_index()
        for i, pid in enumerate(v_ids):
            d = int(v_n[i]) - (int(b_n[b_pos[pid]]) if pid in b_pos else 0)
            if d == 0:
                continue
            if kind == "venues":
                place = v_lay.venues[pid]
                x, y = building_xy(v_lay.buildings[place.building], variant.graph, index)
                name = place.name or f"{v_lay.buildings[place.building].name} {place.kind}"
            else:
                space = v_lay.spaces[pid]
                x, y = (float(c) for c in variant.graph.xy[index[space.node]])
                name = space.name or pid
            places.append([round(x, 1), round(y, 1), d, name])
    changes = [abs(int(s[4])) for s in segments] + [abs(int(p[2])) for p in places]
    return {
        "segments": segments,
        "places": places,
        "max": max(changes, default=0),
        "meetings": [len(baseline.meetings), len(variant.meetings)],
        "cross": [int(np.sum(baseline.meetings.cross)), int(np.sum(variant.meetings.cross))],
        "baseline": b_lay.name,
        "day": variant.day,
    }
