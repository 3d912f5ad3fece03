"""The live page: Mesa's SolaraViz with a day-replay map of our own.

Mesa's SolaraViz gives the page its frame: the sidebar's model controls (Reset, play
and step whole *days*), the model parameters (scenario, seed, scale, days) and the step
counter. Mesa has no component for people walking a street network through a day, so
the main area is :func:`DayView`: the last simulated day replayed in the browser (see
:mod:`sim.live.replay`) with its own clock, play/pause, time slider and speed, meetings
appearing where they happen, a heat layer, counters, a time-of-day chart and the
difference from the baseline.

Run through ``python run_sim.py live [LAYOUT] [--port 8765]``; the command passes its
settings in ``CROSSPATHS_LIVE_*`` environment variables, read when a page opens.
Components are CamelCase functions, as Solara and Mesa name them.
"""

from __future__ import annotations

import html
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import solara

with warnings.catch_warnings():
    # Solara's check of the rules of hooks flags an early return in Mesa 3.3's own
    # ComponentsView on import; a false alarm about Mesa's code, not ours.
    warnings.filterwarnings("ignore", message=".*ComponentsView", category=UserWarning)
    from mesa.visualization import SolaraViz
    from mesa.visualization.utils import update_counter

from sim.engine.model import DEFAULT_LAYOUT
from sim.live.session import BaselineRuns, LiveModel, difference
from sim.live.settings import Settings, settings_from_env

DAYS = 5


@solara.component_vue("day_map.vue")
def DayMap(day: dict[str, Any], diff: dict[str, Any] | None, show_diff: bool) -> None:  # noqa: N802
    """The replay map, counters and chart, drawn and animated in the browser."""


def _status(text: str) -> None:
    with solara.Row(style={"align-items": "center"}):
        solara.SpinnerSolara(size="40px")
        solara.Text(text, style={"font-size": "16px"})


@solara.component
def DayView(model: LiveModel, settings: Settings) -> None:  # noqa: N802
    """The model's last day, or why there is no model."""
    update_counter.get()  # re-render when Mesa's controls step the model
    if model.error:
        solara.Error(
            f"Cannot build this model — {model.error}. Fix it under 'Model parameters' "
            "and press Reset.",
            text=True,
            outlined=True,
            icon=True,
            classes=["cp-model-error"],
        )
    else:
        DayReplay(model, settings, model.steps)


@solara.component
def DayReplay(model: LiveModel, settings: Settings, steps: int) -> None:  # noqa: N802
    """The last simulated day, replayed; simulates the first day when none has been."""
    compare, set_compare = solara.use_state(False)
    runs = solara.use_memo(lambda: BaselineRuns(settings.baseline or DEFAULT_LAYOUT), [])
    # Steps 0 and 1 share a key: the task turns the first into the second itself.
    day_key = [id(model), max(model.steps, 1)]

    def simulate() -> dict[str, Any]:
        model.ensure_day()
        return {**model.replay(), "model_key": id(model)}

    replay = solara.lab.use_task(simulate, dependencies=day_key)
    is_baseline = settings.baseline is not None and (
        Path(model.layout_file).resolve() == Path(settings.baseline).resolve()
    )

    def compare_day() -> dict[str, Any] | None:
        if is_baseline and model.steps > 0:
            runs.remember(model)  # a later variant compares against this very run
        if not compare or settings.baseline is None or is_baseline or model.steps == 0:
            return None
        return difference(model.last_day(), runs.day(model.seed, model.scale, model.steps))

    diff = solara.lab.use_task(
        compare_day, dependencies=[*day_key, compare, steps]
    )
    with solara.Column(style={"padding": "4px 12px", "width": "100%"}):
        title = f"{model.layout.name} — {len(model.population):,} people, seed {model.seed}"
        solara.HTML(
            tag="h3", unsafe_innerHTML=html.escape(title), attributes={"data-testid": "title"}
        )
        if model.layout.description:
            solara.Text(model.layout.description, style={"color": "#555"})
        with solara.Row(style={"align-items": "center", "gap": "16px"}):
            if settings.baseline is not None:
                solara.Checkbox(
                    label="Compare with baseline (difference map)",
                    value=compare,
                    on_value=set_compare,
                    disabled=is_baseline,
                )
                if is_baseline:
                    solara.Text("(this is the baseline: pick a variant to compare)",
                                style={"color": "#777"})  # fmt: skip
            if compare and diff.pending:
                _status("Simulating the baseline with the same seed and scale…")
            if compare and diff.error:
                solara.Error(f"Comparison failed: {diff.exception}")
        # While a new model simulates its first day, the last model's map is not shown.
        shown = replay.value if replay.finished and replay.value else replay.latest
        if shown is not None and shown.get("model_key") != id(model):
            shown = None
        if replay.error:
            solara.Error(f"Simulation failed: {replay.exception}")
        elif shown is None:
            _status(f"Simulating a weekday for {len(model.population):,} people…")
        else:
            if replay.pending:
                _status("Simulating the next day…")
            DayMap(
                day=shown,
                diff=diff.value if diff.finished and compare else None,
                show_diff=bool(compare and diff.finished and diff.value),
            )


def model_params(settings: Settings) -> dict[str, Any]:
    """The inputs under 'Model parameters' (Mesa's ModelCreator)."""
    return {
        "layout": {
            "type": "Select",
            "value": settings.layout,
            "values": settings.scenarios,
            "label": "Scenario (layout file)",
        },
        "seed": {"type": "InputText", "value": "0", "label": "Seed"},
        "scale": {
            "type": "InputText", "value": settings.scale, "label": "Scale (1 = full district)"
        },
        "days": {
            "type": "SliderInt", "value": DAYS, "min": 1, "max": DAYS, "step": 1,
            "label": "Days Mesa's ▶ plays",
        },
        "sample": settings.sample,
    }


@solara.component
def Page() -> None:  # noqa: N802
    """The live page (one per browser tab)."""
    settings = solara.use_memo(settings_from_env, [])
    first: Callable[[], LiveModel] = lambda: LiveModel(  # noqa: E731
        settings.layout, seed=0, scale=settings.scale, days=DAYS, sample=settings.sample
    )
    initial = solara.use_memo(first, [])
    model: solara.Reactive[LiveModel] = solara.use_reactive(initial)
    SolaraViz(
        model,
        components=[],
        model_params=model_params(settings),
        name="Crosspaths — live",
        play_interval=500,
    )
    DayView(model.value, settings)
    with solara.Column(style={"padding": "0 12px", "color": "#666", "font-size": "13px"}):
        solara.HTML(
            tag="p",
            unsafe_innerHTML="<b>How to use.</b> <i>▶ Play the day</i> runs the clock through "
            "the simulated weekday; drag the slider to jump. Mesa's controls on the left step "
            "whole days (Monday to Friday: people remember whom they met). To change the "
            "scenario, seed or scale, edit <i>Model parameters</i> and press <b>Reset</b>.",
        )
