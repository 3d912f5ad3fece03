"""The calibration summary: every headline constant, its source, and what constrains it."""

from __future__ import annotations

from typing import Any

from sim.i18n import EN
from sim.params import ModelParams, param_fields

CONSTRAINED_BY: dict[str, str] = {
    "greet_radius_m": "val.by.radius",
    "venue_decay_m": "val.by.decay_imposed",
    "fam_same_building": "val.by.decay_building",
    "p_street_high": "val.by.path_overlap",
    "p_street_low": "val.by.path_overlap",
    "p_street_none": "val.by.path_overlap",
    "p_footpath": "val.by.path_overlap",
    "p_park_path": "val.by.path_overlap",
    "p_crossing": "val.by.path_overlap",
    "optional_reluctance": "val.by.optional",
}
"""Constants a validation target (or a calibration figure) constrains, and which (the
:mod:`sim.i18n` key of the words)."""


def calibration_table() -> list[dict[str, Any]]:
    """One row per model constant of :class:`sim.params.ModelParams`.

    Returns
    -------
    list of dict
        ``name``, ``value``, ``unit``, ``source`` (as in ``sim/params.py``),
        ``assumption`` (whether the source is an assumption) and ``constrained_by``
        (the target that constrains it in English, or ``""``) and ``constrained_key``
        (its :mod:`sim.i18n` key, to write it in another language).
    """
    defaults = ModelParams()
    rows = []
    for name, f in param_fields(ModelParams).items():
        source = str(f.metadata["source"])
        rows.append({
            "name": f"model.{name}", "value": getattr(defaults, name),
            "unit": str(f.metadata.get("unit", "")), "source": source,
            "assumption": source.lower().startswith("assumption"),
            "constrained_by": EN.t(CONSTRAINED_BY[name]) if name in CONSTRAINED_BY else "",
            "constrained_key": CONSTRAINED_BY.get(name, ""),
        })  # fmt: skip
    return rows
