"""The cluster domain model: allowed values and the typed record of one cluster."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

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
Precision = Literal["surveyed", "commune_centroid", "district_centroid", "unknown"]
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

KINDS: tuple[str, ...] = Kind.__args__
STAGES: tuple[str, ...] = Stage.__args__
CLEARANCE_STATUSES: tuple[str, ...] = ClearanceStatus.__args__
COMPONENT_STATES: tuple[str, ...] = ComponentState.__args__
PRECISIONS: tuple[str, ...] = Precision.__args__
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
    location_precision: Precision = "unknown"
    location_note: Text | None = None
    status_note: Text | None = None
    sources: dict[str, list[Text]] = Field(default_factory=dict)
    as_of: dt.date | None = None

    @field_validator("sources")
    @classmethod
    def _sources_name_fields(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        unknown = sorted(set(value) - set(cls.model_fields) - {"geometry", "district_name"})
        if unknown:
            raise ValueError(f"sources name unknown fields: {', '.join(unknown)}")
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


def occupancy_pct(industrial_ha: float | None, leased_ha: float | None) -> float | None:
    """Leased share of the industrial land in percent, or None when either is unknown."""
    if industrial_ha in (None, 0) or leased_ha is None:
        return None
    return round(100 * leased_ha / industrial_ha, 1)


def free_land_ha(industrial_ha: float | None, leased_ha: float | None) -> float | None:
    """Industrial land not yet leased, in ha, or None when either figure is unknown."""
    if industrial_ha is None or leased_ha is None:
        return None
    # Rounded to the hundredth the figures are given in, so 49.9 - 47.27 reads 2.63.
    return round(industrial_ha - leased_ha, 2)


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
