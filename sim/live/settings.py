"""What the ``live`` command tells the page: names of the environment variables and
how the page reads them. Kept apart from the page so the command need not import Solara.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from sim.engine.model import DEFAULT_LAYOUT
from sim.live.catalog import scenario_files
from sim.live.replay import DEFAULT_SAMPLE

ENV_LAYOUT = "CROSSPATHS_LIVE_LAYOUT"
ENV_SCENARIOS = "CROSSPATHS_LIVE_SCENARIOS"
ENV_SAMPLE = "CROSSPATHS_LIVE_SAMPLE"
ENV_SCALE = "CROSSPATHS_LIVE_SCALE"


@dataclass(frozen=True)
class Settings:
    """What the ``live`` command asked for."""

    layout: str
    scenarios: list[str]
    baseline: str | None
    sample: int
    scale: str


def settings_from_env() -> Settings:
    """The page's settings, from the environment the ``live`` command set."""
    layout = os.environ.get(ENV_LAYOUT, DEFAULT_LAYOUT)
    folder = os.environ.get(ENV_SCENARIOS, "scenarios")
    files = scenario_files(folder, extra=layout)
    baseline = str(Path(folder) / "baseline.yaml")
    return Settings(
        layout=Path(layout).as_posix(),
        scenarios=files,
        baseline=Path(baseline).as_posix() if Path(baseline).is_file() else None,
        sample=int(os.environ.get(ENV_SAMPLE, DEFAULT_SAMPLE)),
        scale=os.environ.get(ENV_SCALE, "1.0"),
    )
