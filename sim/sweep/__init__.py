"""Parameter sweeps: many runs over a grid or sample of parameters, resumable.

The parts, in the order a sweep flows through them::

    spec.py      sweep file -> checked SweepSpec
    sampling.py  SweepSpec -> points (grid × Latin hypercube or random samples)
    plan.py      points -> runs with stable ids and seeds; dry validation of layouts
    backends.py  where runs execute: this process, a local pool, a Dask cluster
    store.py     one record file per finished run, written atomically; resume
    runner.py    the loop: skip stored runs, run the rest, store each at once
    outputs.py   tidy table, per-point summary with CIs, influence (SRC)
    figures.py   effect and influence figures
    command.py   ``run_sim.py sweep``
"""
