"""The cluster domain model: allowed values and the typed record of one cluster."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
)

from gis.text import nfc, unsafe_character

Kind = Literal["CCN", "KCN", "CNHT"]
Stage = Literal[
    "planned",
    "established",
    "clearing",
    "building",
    "operating",
    "converting",
    "relocating",
    "removed",
]
ClearanceStatus = Literal["not_started", "in_progress", "done", "blocked"]
ComponentState = Literal["none", "building", "done"]
# A commune or district "point" is the point a geocoder gives for the unit's name (the
# vietnamadminunits table), about ±1 km for a commune: not a computed centroid, not the site.
Precision = Literal["surveyed", "commune_point", "district_point", "unknown"]
# Names used before the points were named honestly; still read from old stores and files.
LEGACY_PRECISIONS = {"commune_centroid": "commune_point", "district_centroid": "district_point"}
PlanAction = Literal[
    "speed_up_clearance",
    "resolve_state_land",
    "policy_support",
    "relocate",
    "convert",
    "clean_land_agro",
    "evaluate",
    "review_fdi_relocation",
]

KINDS: tuple[str, ...] = get_args(Kind)
STAGES: tuple[str, ...] = get_args(Stage)
CLEARANCE_STATUSES: tuple[str, ...] = get_args(ClearanceStatus)
COMPONENT_STATES: tuple[str, ...] = get_args(ComponentState)
PRECISIONS: tuple[str, ...] = get_args(Precision)
INFRASTRUCTURE_COMPONENTS = ("roads", "power", "water", "wastewater", "drainage", "fire")
ZONES = ("I", "II")


def _clean_text(value: str) -> str:
    """Refuse control characters (line breaks aside) and lone surrogates: see gis.text."""
    reason = unsafe_character(value, multiline=True)
    if reason is not None:
        raise ValueError(reason)
    return value


Text = Annotated[str, StringConstraints(min_length=1, max_length=2000), AfterValidator(_clean_text)]
Hectares = Annotated[float, Field(ge=0, le=100_000)]
Percent = Annotated[float, Field(ge=0, le=100)]
Code = Annotated[str, StringConstraints(pattern=r"^\d{3,5}$")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="before")
    @classmethod
    def _nfc(cls, value: object) -> object:
        # Input from IMEs and macOS may arrive decomposed (NFD); store one form only.
        return nfc(_clean_text(value)) if isinstance(value, str) else value


class Infrastructure(_Strict):
    """State of each infrastructure component (None = not reported)."""

    roads: ComponentState | None = None
    power: ComponentState | None = None
    water: ComponentState | None = None
    wastewater: ComponentState | None = None
    drainage: ComponentState | None = None
    fire: ComponentState | None = None


class PlanNote(_Strict):
    """What the 2020 plan asks of a cluster, as structured status."""

    action: PlanAction
    detail_vi: Text | None = None
    timeframe: Text | None = None
    lead_unit: Text | None = None
    target: Text | None = None


class ClusterRecord(_Strict):
    """Every stored fact of one cluster; derived values (zone, occupancy) are not here."""

    id: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{1,79}$")]
    name_vi: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    name_en: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = None
    kind: Kind
    district_code: Code | None = None
    commune: Text | None = None
    commune_code: Code | None = None
    commune_2025: Text | None = None
    named_in_plan: bool = False
    plan_actions: list[PlanNote] = Field(default_factory=list)
    relocation_target: Text | None = None
    planned_area_ha: Hectares | None = None
    industrial_land_ha: Hectares | None = None
    leased_land_ha: Hectares | None = None
    # Occupancy as a source reports it (a percentage, "tỷ lệ lấp đầy"), kept apart from
    # leased hectares: a source that gives only the percentage never becomes typed hectares.
    occupancy_reported_pct: Percent | None = Field(
        None,
        description="Occupancy as a source reports it, in percent, kept apart from leased"
        " hectares.",
    )
    area_note: Text | None = None
    investor: Text | None = None
    decision_number: Text | None = None
    decision_date: dt.date | None = None
    industries: list[Text] = Field(default_factory=list)
    stage: Stage = "planned"
    clearance_status: ClearanceStatus | None = None
    clearance_cleared_ha: Hectares | None = None
    clearance_total_ha: Hectares | None = None
    clearance_blocker: Text | None = None
    infrastructure: Infrastructure = Field(default_factory=Infrastructure)
    location_precision: Precision = Field(
        "unknown",
        description="commune_point and district_point are a geocoder's point for the unit's"
        " name (about ±1 km for a commune), not the site and not a computed centroid.",
    )
    location_note: Text | None = None
    status_note: Text | None = None
    sources: dict[str, list[Text]] = Field(default_factory=dict)
    inferred: list[Text] = Field(
        default_factory=list,
        description="Fields whose value is our reading of a source rather than what it states.",
    )
    as_of: dt.date | None = None

    @field_validator("location_precision", mode="before")
    @classmethod
    def _legacy_precision(cls, value: object) -> object:
        return LEGACY_PRECISIONS.get(value, value) if isinstance(value, str) else value

    @field_validator("sources")
    @classmethod
    def _sources_name_fields(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        unknown = sorted(set(value) - set(cls.model_fields) - {"geometry", "district_name"})
        if unknown:
            raise ValueError(f"sources name unknown fields: {', '.join(unknown)}")
        return value

    @field_validator("inferred")
    @classmethod
    def _inferred_name_fields(cls, value: list[str]) -> list[str]:
        unknown = sorted(set(value) - set(cls.model_fields))
        if unknown:
            raise ValueError(f"inferred names unknown fields: {', '.join(unknown)}")
        return value


# Properties a feature carries that are derived from other data, not stored with the cluster.
DERIVED_PROPERTIES = (
    "district_name",
    "zone",
    "occupancy_pct",
    "version",
    "free_land_ha",
    "ready",
    "distances_km",
    "nearest_interchange",
)
# The components a site needs before a factory can be built on it; drainage and fire
# protection matter too but are not what investors ask first, and are rarely reported.
READY_COMPONENTS = ("roads", "power", "water", "wastewater")


# (part, whole): a part may not exceed its whole.
PARTS_OF_WHOLES = (
    ("clearance_cleared_ha", "clearance_total_ha"),
    ("leased_land_ha", "industrial_land_ha"),
    ("industrial_land_ha", "planned_area_ha"),
)


def inconsistencies(record: ClusterRecord) -> list[tuple[str, str]]:
    """(field, reason) for each part larger than its whole: leased > industrial land, ..."""
    found = []
    for part_name, whole_name in PARTS_OF_WHOLES:
        part, whole = getattr(record, part_name), getattr(record, whole_name)
        if part is not None and whole is not None and part > whole:
            # The share would exceed 100 %.
            found.append((part_name, f"{part} ha exceeds {whole_name} ({whole} ha)"))
    return found


def occupancy_pct(
    industrial_ha: float | None, leased_ha: float | None, reported_pct: float | None = None
) -> float | None:
    """Leased share of the industrial land in percent, or None when it is unknown.

    Computed from the hectares when both are known; otherwise the percentage a source
    reports, as reported.
    """
    if industrial_ha not in (None, 0) and leased_ha is not None:
        return round(100 * leased_ha / industrial_ha, 1)
    return reported_pct


def free_land_ha(
    industrial_ha: float | None, leased_ha: float | None, reported_pct: float | None = None
) -> float | None:
    """Industrial land not yet leased, in ha, or None when it cannot be known.

    From the leased hectares when known, else from a reported occupancy percentage.
    """
    if industrial_ha is None:
        return None
    # Rounded to the hundredth the figures are given in, so 49.9 - 47.27 reads 2.63.
    if leased_ha is not None:
        return round(industrial_ha - leased_ha, 2)
    if reported_pct is not None:
        return round(industrial_ha * (100 - reported_pct) / 100, 2)
    return None


def readiness(clearance_status: str | None, infrastructure: dict[str, str | None]) -> bool | None:
    """Ready to build: site cleared and every READY_COMPONENTS done.

    False as soon as one of them is known not done; None when none is known not done but
    some is not reported, because unknown facts stay unknown.
    """
    states = [clearance_status, *(infrastructure.get(c) for c in READY_COMPONENTS)]
    if any(s is not None and s != "done" for s in states):
        return False
    if any(s is None for s in states):
        return None
    return True
