"""A run described as data, its compact outcome, and local worker processes.

``compare`` and ``sweep`` both describe each run as a :class:`RunSpec` (plain data that
pickles to a worker) and get back a :class:`RunOutcome`: the headline figures plus
small count arrays, never per-agent data, so memory in the parent stays flat however
many runs there are. A run's numbers depend only on its spec (layout, overrides, scale,
seed, days), never on which worker ran it or in what order.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np

from sim.engine.results import PLACE_KINDS
from sim.metrics import pair_matrix, place_counts, summarize

HEADLINE_FIGURES: tuple[str, ...] = (
    "meetings_per_person_day",
    "cross_institution_meetings_per_person_day",
    "cross_institution_share",
    "distinct_cross_institution_ties",
    "repeat_cross_institution_ties",
    "encounters_per_person_day",
)
"""The figures every batch table reports per run."""


@dataclass(frozen=True)
class RunSpec:
    """One run, as data.

    Attributes
    ----------
    layout
        Path of the layout (or variant) file.
    seed, days, scale
        As for ``run_sim.py run``.
    overrides
        ``(dotted path, value)`` pairs applied to the layout before validation,
        e.g. ``("model.greet_radius_m", 15)``.
    key
        Free label the caller uses to find the outcome again (scenario, point, ...).
    """

    layout: str
    seed: int
    days: int = 1
    scale: float = 1.0
    overrides: tuple[tuple[str, Any], ...] = ()
    key: tuple[Any, ...] = ()


@dataclass
class RunOutcome:
    """What one run hands back: headline figures and small count arrays.

    Attributes
    ----------
    figures
        :data:`HEADLINE_FIGURES` plus ``agents``, ``meetings`` and the timings.
    place_meetings
        Meetings per place, by place kind (``edge``, ``node``, ``venue``, ``space``).
    type_pair
        Meetings by agent-type pair, symmetric ``(4, 4)``.
    institution_pair
        Meetings by institution pair, symmetric, layout order.
    place_visits, place_optional_visits
        Stays (all, and optional only) per venue, space and street segment, by kind
        (``venue``, ``space``, ``edge``).
    """

    spec: RunSpec
    figures: dict[str, float]
    place_meetings: dict[str, np.ndarray] = field(default_factory=dict)
    type_pair: np.ndarray | None = None
    institution_pair: np.ndarray | None = None
    place_visits: dict[str, np.ndarray] = field(default_factory=dict)
    place_optional_visits: dict[str, np.ndarray] = field(default_factory=dict)

    def arrays(self) -> dict[str, Any]:
        """Every array field as nested lists (JSON-ready), keyed by field name.

        Generic over the dataclass fields, so an array added to the outcome is stored
        and restored by :meth:`from_arrays` without further code. A dict of arrays
        stays a dict.
        """
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, np.ndarray):
                out[f.name] = value.tolist()
            elif isinstance(value, dict) and all(
                isinstance(v, np.ndarray) for v in value.values()
            ):
                out[f.name] = {k: v.tolist() for k, v in value.items()}
        return out

    @classmethod
    def from_arrays(
        cls, spec: RunSpec, figures: dict[str, float], arrays: dict[str, Any]
    ) -> RunOutcome:
        """The outcome back from :meth:`arrays` (as stored in a run record)."""
        known = {f.name for f in fields(cls)}
        restored: dict[str, Any] = {}
        for name, value in arrays.items():
            if name not in known:
                continue
            if isinstance(value, dict):
                restored[name] = {k: np.asarray(v) for k, v in value.items()}
            else:
                restored[name] = np.asarray(value)
        return cls(spec=spec, figures=dict(figures), **restored)


_PR_SET_PDEATHSIG = 1
"""``prctl`` option: the signal a Linux process gets when its parent dies."""
_PARENT_POLL_S = 1.0


def die_with_parent() -> None:
    """Make this worker process end when the process that started it ends.

    A pool's busy workers otherwise live on after their parent is killed (``SIGKILL``
    leaves no chance to shut the pool down), holding memory and cores. On Linux the
    kernel sends ``SIGKILL`` at once (``prctl(PR_SET_PDEATHSIG)``); elsewhere, and as a
    fallback, a daemon thread notices within about a second that the parent changed.
    Used as the ``initializer`` of every local pool.
    """
    parent = os.getppid()
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:
        os._exit(1)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(_PARENT_POLL_S)
        os._exit(1)

    threading.Thread(target=watch, name="die-with-parent", daemon=True).start()


def local_pool(workers: int) -> ProcessPoolExecutor:
    """A pool of ``workers`` spawned processes that end when this process ends.

    ``spawn``, not ``fork``: forking a process that has threads (numpy, matplotlib) is
    unsafe.
    """
    ctx = multiprocessing.get_context("spawn")
    return ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=die_with_parent)


def run_spec(spec: RunSpec) -> RunOutcome:
    """Load, simulate and summarise one run (in whatever process calls it)."""
    from sim.layout import load_layout
    from sim.runner import simulate

    t0 = time.perf_counter()
    layout = load_layout(spec.layout, dict(spec.overrides) or None)
    if spec.scale != 1.0:
        layout = layout.scaled(spec.scale)
    result = simulate(layout, seed=spec.seed, days=spec.days)
    summary = summarize(result, layout.name, time.perf_counter() - t0)
    figures = {k: float(summary[k]) for k in HEADLINE_FIGURES}
    figures.update(
        agents=float(summary["agents"]["total"]),
        meetings=float(len(result.meetings)),
        runtime_s=float(summary["runtime_s"]),
        optional_stays_per_person_day=float(summary["optional_stays_per_person_day"]),
    )
    counts = place_counts(result)
    visits = result.visits
    return RunOutcome(
        spec=spec,
        figures=figures,
        place_meetings={k: counts[k].meetings for k in PLACE_KINDS},
        type_pair=pair_matrix(result, "type_code"),
        institution_pair=pair_matrix(result, "institution"),
        place_visits=dict(visits.visits) if visits is not None else {},
        place_optional_visits=dict(visits.optional) if visits is not None else {},
    )
