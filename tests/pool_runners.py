"""Runners for tests whose runs go to spawned pool workers.

A worker unpickles its runner by importing the runner's module, so these live apart
from the test modules: importing ``test_sweep`` in a worker costs about 2 s of CPU
(scipy.stats, matplotlib), this module about 0.4 s.
"""

from __future__ import annotations

import os

from sim.batch import RunOutcome, RunSpec, run_spec


def killer(spec: RunSpec, seed: int) -> RunOutcome:
    """A run whose worker process dies for one seed, as if killed or out of memory."""
    if spec.seed == seed:
        os._exit(3)
    return run_spec(spec)
