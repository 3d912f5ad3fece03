"""Compare layouts: every scenario over the same seeds, differences paired by seed.

Modules, in the order data flows through them: :mod:`~sim.compare.runner` (load and
run scenarios × seeds), :mod:`~sim.compare.stats` (t intervals, paired differences),
:mod:`~sim.compare.changes` (headline figures, places and pairs matched by id),
:mod:`~sim.compare.tables`, :mod:`~sim.compare.figures` with
:mod:`~sim.compare.diffmap`, :mod:`~sim.compare.report`, and
:mod:`~sim.compare.command` (the ``run_sim.py compare`` subcommand). See
``docs/compare.md``.
"""
