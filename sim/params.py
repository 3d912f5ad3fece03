"""Model and agent-type parameters, their defaults, bounds and sources.

Every default either cites ``docs/MODEL.md`` (which cites the published source) or is
marked ``assumption``. Layout files override them under ``model:`` and
``agents: <type>:``; sweeps reach them by dotted path (``model.greet_radius_m``,
``agents.student.coffee_rate``).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

AGENT_TYPES: tuple[str, ...] = ("researcher", "student", "startup", "clinician")
"""Agent types, in the order used for type codes in arrays."""

EDGE_KINDS: tuple[str, ...] = ("street", "footpath", "park_path", "crossing")
TRAFFIC_LEVELS: tuple[str, ...] = ("none", "low", "high")
VENUE_KINDS: tuple[str, ...] = (
    "cafe",
    "canteen",
    "lecture_hall",
    "shared_lab",
    "showroom",
    "meeting_room",
)
VENUE_ACCESS: tuple[str, ...] = ("public", "members")
SPACE_KINDS: tuple[str, ...] = ("plaza", "park")
GATEWAY_KINDS: tuple[str, ...] = ("metro", "bus", "bike", "train", "car_park")
ERRAND_SCOPES: tuple[str, ...] = ("own_institution", "any", "own_buildings")
QUALITY_LEVELS: tuple[str, ...] = ("none", "some", "good")
"""Words for the seating and greenery of edges and public spaces (layout keys)."""

PLACE_KINDS: tuple[str, ...] = ("edge", "node", "venue", "space")
"""Kinds of place a stay or a meeting is at, in code order (see sim/engine/results.py)."""
PLACE_EDGE, PLACE_NODE, PLACE_VENUE, PLACE_SPACE = range(4)


def _p(default: Any, lo: float | None, hi: float | None, source: str, unit: str = "") -> Any:
    """A dataclass field with bounds and a source recorded in its metadata."""
    meta = {"lo": lo, "hi": hi, "source": source, "unit": unit}
    if isinstance(default, (list, tuple)):
        return field(default_factory=lambda: tuple(default), metadata=meta)
    return field(default=default, metadata=meta)


@dataclass(frozen=True)
class AgentTypeParams:
    """Day-plan and movement parameters of one agent type."""

    arrival_mean_h: float = _p(8.75, 0, 24, "assumption", "h")
    arrival_sd_min: float = _p(45.0, 0, 240, "assumption", "min")
    workday_mean_h: float = _p(8.0, 0.5, 16, "assumption", "h")
    workday_sd_h: float = _p(1.0, 0, 6, "assumption", "h")
    speed_mean: float = _p(1.34, 0.3, 3.0, "Weidmann 1993", "m/s")
    speed_sd: float = _p(0.26, 0, 1.0, "Weidmann 1993", "m/s")
    lunch_out_prob: float = _p(0.6, 0, 1, "assumption (OfficeTeam 2018: 47 % socialise)")
    lunch_mean_h: float = _p(12.0, 10, 15, "assumption", "h")
    lunch_sd_min: float = _p(30.0, 0, 120, "assumption", "min")
    lunch_outdoor_share: float = _p(0.15, 0, 1, "assumption")
    coffee_rate: float = _p(1.0, 0, 10, "assumption (no source; swept)", "per day")
    coffee_duration_min: float = _p(10.0, 1, 120, "assumption (no source; swept)", "min")
    routine: float = _p(0.6, 0, 1, "assumption")
    errand_rate: float = _p(0.0, 0, 10, "assumption", "per day")
    errand_duration_min: float = _p(60.0, 1, 480, "assumption", "min")
    errand_kinds: tuple[str, ...] = _p((), None, None, "assumption")
    errand_scope: str = _p("any", None, None, "assumption")
    # Optional activities (Gehl 1987): time a person may spend on stays they need not make.
    optional_budget_min: float = _p(
        30.0, 0, 240, "assumption, range 10–60 (Gehl 1987: optional activities)", "min/day"
    )


def _type_defaults() -> dict[str, AgentTypeParams]:
    base = AgentTypeParams()
    return {
        # Seminars: about one every third day, at any institution's lecture hall.
        "researcher": dataclasses.replace(
            base,
            errand_rate=0.3,
            errand_duration_min=60.0,
            errand_kinds=("lecture_hall", "meeting_room"),
            errand_scope="any",
        ),
        # Two lecture blocks a day at their own institution.
        "student": dataclasses.replace(
            base,
            arrival_mean_h=8.5,
            arrival_sd_min=60.0,
            workday_mean_h=7.0,
            workday_sd_h=1.5,
            lunch_out_prob=0.7,
            coffee_rate=0.8,
            errand_rate=2.0,
            errand_duration_min=90.0,
            errand_kinds=("lecture_hall",),
            errand_scope="own_institution",
        ),
        # Shared labs, showrooms and meeting rooms, anywhere they may enter.
        "startup": dataclasses.replace(
            base,
            arrival_mean_h=9.25,
            arrival_sd_min=50.0,
            coffee_rate=1.5,
            errand_rate=1.0,
            errand_duration_min=45.0,
            errand_kinds=("shared_lab", "showroom", "meeting_room"),
            errand_scope="any",
        ),
        # Day shift; moves between the hospital's own buildings.
        "clinician": dataclasses.replace(
            base,
            arrival_mean_h=7.5,
            arrival_sd_min=30.0,
            workday_mean_h=8.5,
            workday_sd_h=0.75,
            lunch_out_prob=0.5,
            lunch_mean_h=12.25,
            coffee_rate=0.8,
            errand_rate=1.5,
            errand_duration_min=30.0,
            errand_kinds=(),
            errand_scope="own_buildings",
            optional_budget_min=15.0,
        ),
    }


@dataclass(frozen=True)
class ModelParams:
    """Parameters of movement, encounters and meetings shared by all agents."""

    # Encounter geometry
    greet_radius_m: float = _p(20.0, 1, 200, "Gehl 2010; Fotios et al. 2015", "m")
    # Meeting rate between strangers per minute within reach, by setting. Assumptions,
    # scaled together so that the baseline gives about 3 meetings per person-day and
    # path overlap about x1.20 per 30.5 m (docs/MODEL.md, "Calibration").
    p_street_high: float = _p(0.0008, 0, 1, "assumption", "per min")
    p_street_low: float = _p(0.0016, 0, 1, "assumption", "per min")
    p_street_none: float = _p(0.0024, 0, 1, "assumption", "per min")
    p_footpath: float = _p(0.0024, 0, 1, "assumption", "per min")
    p_park_path: float = _p(0.0032, 0, 1, "assumption", "per min")
    p_crossing: float = _p(0.0016, 0, 1, "assumption", "per min")
    frontage_boost: float = _p(1.0, 0, 10, "assumption (Hillier et al. 1993; Gehl 2010)")
    p_cafe: float = _p(0.008, 0, 1, "assumption", "per min")
    p_canteen: float = _p(0.0048, 0, 1, "assumption", "per min")
    p_lecture_hall: float = _p(0.006, 0, 1, "assumption", "per min")
    p_shared_lab: float = _p(0.04, 0, 1, "assumption", "per min")
    p_showroom: float = _p(0.04, 0, 1, "assumption", "per min")
    p_meeting_room: float = _p(0.02, 0, 1, "assumption", "per min")
    p_plaza: float = _p(0.016, 0, 1, "assumption", "per min")
    p_park: float = _p(0.012, 0, 1, "assumption", "per min")
    # Familiarity multipliers on the stranger probability (assumptions)
    fam_same_institution: float = _p(2.0, 1, 1000, "assumption")
    fam_same_building: float = _p(5.0, 1, 1000, "assumption")
    fam_tie: float = _p(100.0, 1, 10000, "assumption (Allen 1977: repeated contact)")
    # Perceived route cost (assumptions; Hillier et al. 1993 for frontage attraction)
    traffic_penalty_low: float = _p(0.2, 0, 10, "assumption")
    traffic_penalty_high: float = _p(0.6, 0, 10, "assumption")
    footpath_factor: float = _p(0.9, 0.1, 10, "assumption")
    park_path_factor: float = _p(0.85, 0.1, 10, "assumption")
    crossing_extra_m: float = _p(15.0, 0, 500, "assumption", "m")
    frontage_preference: float = _p(0.2, 0, 0.9, "assumption")
    route_profiles: int = _p(8, 1, 64, "assumption")
    route_noise_sd: float = _p(0.15, 0, 2, "assumption")
    # Destination choice (assumptions)
    gateway_decay_m: float = _p(600.0, 1, 1e5, "assumption", "m")
    venue_decay_m: float = _p(250.0, 1, 1e5, "assumption (Allen 1977 decay, scaled)", "m")
    # Crowding and exposure (see docs/MODEL.md, 7.4)
    attention_capacity: float = _p(
        4.0, 0.1, 1000, "assumption, range 2-10 (Hu et al. 2013: contacts saturate)", "people"
    )
    max_new_pair_chance: float = _p(0.05, 0.001, 0.5, "assumption, range 0.02-0.2")
    pair_classes: int = _p(
        19, 1, 31, "method: day classes of the pair uniform, odd (1: independent, slow)"
    )
    session_mingle_min: float = _p(10.0, 0, 240, "assumption", "min")
    venue_m2_per_person: float = _p(1.5, 0.1, 50, "assumption", "m2")
    seat_wait_min: float = _p(
        10.0, 0, 120, "assumption, range 5-15 (people queue for a table at a full cafe)", "min"
    )
    # Optional activities drawn by place quality (Gehl 1987; Gehl & Gemzoe 1996). A
    # place's quality is in "one good cafe" units; see docs/MODEL.md, section 7.2.1.
    optional_reluctance: float = _p(
        18.0, 0, 1000, "assumption, range 5–50 (calibrated: 0.56 optional stays per person-day)"
    )
    optional_decay_m: float = _p(
        250.0, 10, 1e5, "assumption, range 150–500 (Gehl 2010: ~500 m acceptable walk)", "m"
    )
    optional_q_cafe: float = _p(1.0, 0, 100, "assumption (unit of quality)")
    optional_q_canteen: float = _p(0.3, 0, 100, "assumption, range 0–1")
    optional_q_space: float = _p(1.0, 0, 100, "assumption, range 0.5–2 (Gehl & Gemzoe 1996)")
    optional_q_frontage: float = _p(
        1.0, 0, 100, "assumption, range 0.5–2 (Gehl 1986: soft edges)"
    )
    optional_q_seating: float = _p(
        0.5, 0, 100, "assumption, range 0.25–1 (Gehl 1987: seating invites stays)"
    )
    optional_q_greenery: float = _p(0.5, 0, 100, "assumption, range 0.25–1")
    optional_traffic_low: float = _p(
        0.5, 0, 1, "assumption, range 0.3–0.8 (Gehl & Gemzoe 1996)"
    )
    optional_traffic_high: float = _p(
        0.15, 0, 1, "assumption, range 0–0.3 (Gehl & Gemzoe 1996)"
    )
    optional_spillover: float = _p(0.3, 0, 1, "assumption, range 0–0.5")


@dataclass(frozen=True)
class Params:
    """All parameters of one run: the model's and one set per agent type."""

    model: ModelParams = field(default_factory=ModelParams)
    agents: dict[str, AgentTypeParams] = field(default_factory=_type_defaults)

    def agent(self, agent_type: str) -> AgentTypeParams:
        """Parameters of ``agent_type`` (one of :data:`AGENT_TYPES`)."""
        return self.agents[agent_type]


def param_fields(cls: type) -> dict[str, dataclasses.Field]:
    """Fields of a parameter dataclass by name, for validation and documentation."""
    return {f.name: f for f in dataclasses.fields(cls)}
