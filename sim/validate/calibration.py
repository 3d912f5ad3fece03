"""The calibration summary: every headline constant, its source, and what constrains it."""

from __future__ import annotations

from typing import Any

from sim.params import ModelParams, param_fields

CONSTRAINED_BY: dict[str, str] = {
    "greet_radius_m": "section 5 (radius sensitivity); the value is from the literature",
    "venue_decay_m": "section 1 (distance decay): it imposes part of the decay",
    "fam_same_building": "section 1 (distance decay): it sets the same-building excess",
    "p_street_high": "section 2 (path overlap) and the ~3 meetings/person-day level",
    "p_street_low": "section 2 (path overlap) and the ~3 meetings/person-day level",
    "p_street_none": "section 2 (path overlap) and the ~3 meetings/person-day level",
    "p_footpath": "section 2 (path overlap) and the ~3 meetings/person-day level",
    "p_park_path": "section 2 (path overlap) and the ~3 meetings/person-day level",
    "p_crossing": "section 2 (path overlap) and the ~3 meetings/person-day level",
    "optional_reluctance": "0.56 optional stays per person-day (docs/MODEL.md 7.2.1)",
}
"""Constants a validation target (or a calibration figure) constrains, and which."""


def calibration_table() -> list[dict[str, Any]]:
    """One row per model constant of :class:`sim.params.ModelParams`.

    Returns
    -------
    list of dict
        ``name``, ``value``, ``unit``, ``source`` (as in ``sim/params.py``),
        ``assumption`` (whether the source is an assumption) and ``constrained_by``
        (the target that constrains it, or ``""``).
    """
    defaults = ModelParams()
    rows = []
    for name, f in param_fields(ModelParams).items():
        source = str(f.metadata["source"])
        rows.append({
            "name": f"model.{name}", "value": getattr(defaults, name),
            "unit": str(f.metadata.get("unit", "")), "source": source,
            "assumption": source.lower().startswith("assumption"),
            "constrained_by": CONSTRAINED_BY.get(name, ""),
        })  # fmt: skip
    return rows
