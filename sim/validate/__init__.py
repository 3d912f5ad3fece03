"""``run_sim.py validate``: the validation report a reviewing scientist can check.

Modules, downstream of the engine and the run machinery:

- :mod:`~sim.validate.geometry`: hand-built encounter cases with known answers;
- :mod:`~sim.validate.patterns`: distance decay (Allen 1977) and path overlap (Kabo et
  al. 2014) from a run's meetings by pair of home buildings;
- :mod:`~sim.validate.timestep`: the per-agent reference at several time steps;
- :mod:`~sim.validate.ranking`: rank probabilities of vision moves over sampled
  assumption parameters;
- :mod:`~sim.validate.calibration`: every headline constant, its source and target;
- :mod:`~sim.validate.runs`: the runs, through the one run engine (:mod:`sim.runs`);
- :mod:`~sim.validate.report`, :mod:`~sim.validate.figures`: ``report.md``,
  ``validation.json`` and the figures.
"""
