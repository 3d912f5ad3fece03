"""The people of a layout as arrays: who they are, where they work, how they walk.

People are drawn building by building and type by type, each (building, type) group
from its own named random stream, so that two layouts sharing a building draw the same
people for it (common random numbers).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.layout.schema import Layout
from sim.params import AGENT_TYPES
from sim.rng import stable_key, stream

SPEED_MIN, SPEED_MAX = 0.5, 2.2
"""Walking speed truncation, m/s (Weidmann 1993, as used by Vadere)."""


@dataclass(frozen=True)
class Group:
    """A contiguous block of agents sharing a home building and an agent type."""

    building: int
    type_code: int
    start: int
    stop: int

    @property
    def size(self) -> int:
        return self.stop - self.start


@dataclass(frozen=True)
class Population:
    """Per-agent attributes; index ``i`` is the agent id everywhere in a run.

    Attributes
    ----------
    type_code, institution, building
        Indices into AGENT_TYPES, ``list(layout.institutions)``, ``list(layout.buildings)``.
    speed
        Walking speed, m/s.
    profile
        Route profile (see :mod:`sim.network.routing`).
    uid
        A 64-bit id stable across layouts that share the agent's building.
    groups
        The (building, type) blocks, in order.
    """

    type_code: np.ndarray
    institution: np.ndarray
    building: np.ndarray
    speed: np.ndarray
    profile: np.ndarray
    uid: np.ndarray
    groups: tuple[Group, ...]

    def __len__(self) -> int:
        return int(self.type_code.shape[0])


def build_population(layout: Layout, seed: int) -> Population:
    """Draw every building's people for ``seed``."""
    inst_index = {iid: i for i, iid in enumerate(layout.institutions)}
    n_profiles = layout.params.model.route_profiles
    parts: dict[str, list[np.ndarray]] = {
        k: [] for k in ("type", "inst", "bld", "speed", "profile", "uid")
    }
    groups = []
    start = 0
    for b_idx, b in enumerate(layout.buildings.values()):
        for t_code, t in enumerate(AGENT_TYPES):
            n = b.population.get(t, 0)
            if n <= 0:
                continue
            rng = stream(seed, "population", b.id, t)
            tp = layout.params.agent(t)
            insts = np.array([inst_index[i] for i in b.institutions], dtype=np.int16)
            speed = rng.normal(tp.speed_mean, tp.speed_sd, size=n)
            parts["type"].append(np.full(n, t_code, np.int8))
            parts["inst"].append(insts[rng.integers(len(insts), size=n)])
            parts["bld"].append(np.full(n, b_idx, np.int16))
            parts["speed"].append(np.clip(speed, SPEED_MIN, SPEED_MAX))
            parts["profile"].append(rng.integers(n_profiles, size=n).astype(np.int16))
            base = np.uint64(stable_key(f"{b.id}/{t}"))
            with np.errstate(over="ignore"):
                parts["uid"].append(base + np.arange(n, dtype=np.uint64))
            groups.append(Group(b_idx, t_code, start, start + n))
            start += n

    def cat(key: str, dtype: type) -> np.ndarray:
        return np.concatenate(parts[key]) if parts[key] else np.zeros(0, dtype)

    return Population(
        type_code=cat("type", np.int8),
        institution=cat("inst", np.int16),
        building=cat("bld", np.int16),
        speed=cat("speed", np.float64),
        profile=cat("profile", np.int16),
        uid=cat("uid", np.uint64),
        groups=tuple(groups),
    )
