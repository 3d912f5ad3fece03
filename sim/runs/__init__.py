"""The one run engine of ``compare``, ``sweep`` and ``rank``: where runs execute, and
where their records are kept so that an interrupted command resumes.

:mod:`sim.batch` describes a run (:class:`~sim.batch.RunSpec`) and runs one;
:mod:`sim.runs.backends` runs many (this process, local processes, a Dask cluster);
:mod:`sim.runs.store` keeps one record file per finished run.
"""
