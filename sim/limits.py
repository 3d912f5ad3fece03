"""Size limits on user input, checked before anything large is allocated.

Each limit is far above any real district (the baseline has about 40,000 people and a
few thousand YAML nodes) and far below what would exhaust a laptop. They exist so that
a typo (``population: 10000000000000``, ``--scale 1e9``, a sweep of a billion points)
or a hostile file (a YAML "billion laughs", 5,000-deep nesting, ``/dev/zero``) is
refused at once with one line, instead of running out of memory after minutes.
"""

from __future__ import annotations

MAX_PEOPLE_PER_BUILDING = 1_000_000
"""People of one agent type in one building, as written in a layout."""

MAX_PEOPLE = 2_000_000
"""People in a layout, after ``--scale``: 50 times the baseline district. Memory grows
faster than linearly with density (160,000 people peak at 1.85 GB), so larger runs
would not fit a 24 GB machine anyway."""

MAX_DAYS = 260
"""Weekdays in one run: a working year."""

MAX_SEEDS = 10_000
"""Seeds per scenario (``compare``) or per sweep point."""

MAX_RUNS = 100_000
"""Runs in one sweep (points × scenarios × seeds), counted without building the plan;
at a few seconds a run, 100,000 runs keep a 100-core cluster busy for a day."""

MAX_FILE_BYTES = 16 * 1024 * 1024
"""Size of a YAML input file; the baseline layout is about 40 kB."""

MAX_YAML_NODES = 1_000_000
"""Values in a YAML document once its aliases are expanded (refuses alias bombs)."""

MAX_YAML_DEPTH = 64
"""Nesting depth of lists and mappings in a YAML document."""

MAX_SEED = 2**63 - 1
"""Largest seed: seeds are hashed as unsigned 64-bit integers."""

MAX_WORKERS = 256
"""Local worker processes; more than any laptop or single node has cores."""
