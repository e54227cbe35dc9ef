"""Display names (translatable) and colours of the domain's values, for pages and the map."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from gis.core import decree32, industries
from gis.core.editing import EditWarning
from gis.core.schema import (
    CLEARANCE_STATUSES,
    COMPONENT_STATES,
    INFRASTRUCTURE_COMPONENTS,
    KINDS,
    PRECISIONS,
    STAGES,
)
from gis.web.i18n import current_language
from gis.web.reason_text import client_reasons

STAGE_LABELS = {
    "planned": _l("Planned"),
    "established": _l("Established"),
    "clearing": _l("Clearing the site"),
    "building": _l("Building infrastructure"),
    "operating": _l("Operating"),
    "converting": _l("Converting to other use"),
    "relocating": _l("Relocating"),
    "removed": _l("Removed from plan"),
}
# Colour-blind-safe palette (Okabe–Ito order), one colour per stage.
STAGE_COLORS = {
    "planned": "#999999",
    "established": "#56B4E9",
    "clearing": "#E69F00",
    "building": "#F0E442",
    "operating": "#009E73",
    "converting": "#CC79A7",
    "relocating": "#D55E00",
    "removed": "#000000",
}
CLEARANCE_LABELS = {
    "not_started": _l("Not started"),
    "in_progress": _l("In progress"),
    "done": _l("Cleared"),
    "blocked": _l("Blocked"),
    None: _l("Not reported"),
}
# The ring around a marker shows site clearance.
CLEARANCE_COLORS = {
    "not_started": "#7f7f7f",
    "in_progress": "#0072B2",
    "done": "#009E73",
    "blocked": "#D7191C",
    None: "#ffffff",
}
KIND_LABELS = {
    "CCN": _l("Industrial cluster (CCN)"),
    "KCN": _l("Industrial park (KCN)"),
    "CNHT": _l("Support-industry sub-zone"),
}
COMPONENT_LABELS = {
    "roads": _l("Internal roads"),
    "power": _l("Power"),
    "water": _l("Water supply"),
    "wastewater": _l("Wastewater treatment"),
    "drainage": _l("Drainage"),
    "fire": _l("Fire protection"),
}
COMPONENT_STATE_LABELS = {
    "none": _l("Not built"),
    "building": _l("Building"),
    "done": _l("Done"),
    None: _l("Not reported"),
}
PRECISION_LABELS = {
    "surveyed": _l("Surveyed"),
    "commune_point": _l("Geocoded point of the commune (about ±1 km), not the site"),
    "district_point": _l("Geocoded point of the district (several km), not the site"),
    "unknown": _l("Location unknown"),
}
ZONE_LABELS = {
    "I": _l("Zone I"),
    "II": _l("Zone II"),
    None: _l("Zone not assigned"),
}
# The shading of districts by the plan's zone (map and legend).
ZONE_COLORS = {"I": "#4e79a7", "II": "#f28e2b", None: "#9d9d9d"}
ACTION_LABELS = {
    "speed_up_clearance": _l("Speed up compensation and site clearance"),
    "resolve_state_land": _l("Resolve state-managed land"),
    "policy_support": _l("Policy support"),
    "relocate": _l("Relocate"),
    "convert": _l("Convert to an urban-service area"),
    "clean_land_agro": _l("Clean land for agro-food processing"),
    "evaluate": _l("Evaluate and propose orientation"),
    "review_fdi_relocation": _l("Review FDI firms' relocation plans"),
}

# Investors' views: readiness, places, the Decree 32/2024/NĐ-CP checks and their data.
READY_LABELS = {
    True: _l("Ready to build"),
    False: _l("Not ready"),
    None: _l("Not known"),
}
PLACE_KIND_LABELS = {
    "airport": _l("Airport"),
    "port": _l("Seaport"),
    "city_centre": _l("City centre"),
    "expressway_interchange": _l("Expressway interchange"),
}
# The orders the map's list offers, besides the distance to each place.
SORT_LABELS = {
    "name": _l("Name"),
    "free_land_ha": _l("Free land"),
    "planned_area_ha": _l("Planned area"),
    "occupancy_pct": _l("Occupancy"),
    "nearest_interchange": _l("Nearest expressway interchange"),
}
DECREE_RULE_LABELS = {
    "occupancy": _l("Occupancy of the industrial land is at least 60 %"),
    "area": _l("Total area after expansion is at most 75 ha"),
    "infra_roads": _l("Internal roads are complete and in use"),
    "infra_water": _l("Water supply is complete and in use"),
    "infra_wastewater": _l("Wastewater collection and treatment is complete and in use"),
    "average_occupancy": _l(
        "Average occupancy of the district's established clusters is above 50 %"
    ),
    "unleased_land": _l(
        "Unleased industrial land of the district's established clusters is at most 100 ha"
    ),
}
DECREE_NOTE_LABELS = {
    "occupancy": _l(
        "The decree also accepts demand for industrial land exceeding the cluster's current "
        "industrial land instead; demand is not recorded here, so it is not assessed."
    ),
    "area": _l("The current planned area is taken as the area before expansion."),
    "new_cluster_none": _l(
        "The district has no established cluster: the condition does not apply."
    ),
}
# The conditions our data cannot measure, keyed by the core's English wording.
DECREE_NOT_ASSESSED_LABELS = {
    decree32.NOT_ASSESSED_EXPANSION[0]: _l(
        "Article 8(2)(a): land fund consistent with the district's land-use planning"
    ),
    decree32.NOT_ASSESSED_EXPANSION[1]: _l(
        "Article 8(2)(b): an infrastructure investor with legal status and capacity"
    ),
    decree32.NOT_ASSESSED_NEW_CLUSTER[0]: _l(
        "Article 8(1)(a): the cluster is in the province's approved list; land fund "
        "consistent with the district's land-use planning"
    ),
    decree32.NOT_ASSESSED_NEW_CLUSTER[1]: _l(
        "Article 8(1)(b): an infrastructure investor with legal status and capacity"
    ),
}
VERDICT_LABELS = {
    True: _l("Yes: every checked condition is met"),
    False: _l("No: a condition is not met"),
    None: _l("Cannot be decided: data is missing"),
}
CHECK_LABELS = {True: _l("met"), False: _l("not met"), None: _l("unknown")}
# Names of the facts a check can lack.
FIELD_LABELS = {
    "industrial_land_ha": _l("Industrial land"),
    "leased_land_ha": _l("Leased land"),
    "planned_area_ha": _l("Planned area"),
    **{f"infrastructure.{key}": label for key, label in COMPONENT_LABELS.items()},
}

# The facts of a cluster record, for naming what a source is for.
FACT_LABELS = {
    "name_vi": _l("Name"),
    "name_en": _l("English name"),
    "kind": _l("Kind"),
    "district_code": _l("District"),
    "district_name": _l("District"),
    "commune": _l("Commune"),
    "commune_code": _l("Commune code"),
    "commune_2025": _l("Commune since July 2025"),
    "named_in_plan": _l("Named in the 2020 plan"),
    "plan_actions": _l("What the 2020 plan says"),
    "relocation_target": _l("Relocation target"),
    "planned_area_ha": _l("Planned area"),
    "industrial_land_ha": _l("Industrial land"),
    "leased_land_ha": _l("Leased land"),
    "occupancy_reported_pct": _l("Reported occupancy"),
    "area_note": _l("Area note"),
    "investor": _l("Investor"),
    "decision_number": _l("Establishment decision"),
    "decision_date": _l("Decision date"),
    "industries": _l("Industries"),
    "stage": _l("Stage"),
    "clearance_status": _l("Site clearance"),
    "clearance_cleared_ha": _l("Cleared of total"),
    "clearance_total_ha": _l("Total to clear"),
    "clearance_blocker": _l("Blocker"),
    "infrastructure": _l("Infrastructure"),
    "location_precision": _l("Location precision"),
    "location_note": _l("Location note"),
    "status_note": _l("Status note"),
    "as_of": _l("As of"),
    "inferred": _l("Our reading, not stated by the source"),
    "geometry": _l("Location"),
}


# The marker's shape tells the kind at a glance (drawn by map.js, shown in the legend).
KIND_SHAPES = {"CCN": "circle", "KCN": "square", "CNHT": "diamond"}
SHAPE_LABELS = {
    "circle": _l("Circle"),
    "square": _l("Square"),
    "diamond": _l("Diamond"),
}


def warning_text(warning: EditWarning) -> str:
    """An editing warning in the reader's language."""
    return _(
        "The drawn area is %(measured)s ha; the declared planned area is %(declared)s ha "
        "(they differ by more than 20 %%).",
        measured=f"{warning.measured_ha:.1f}",
        declared=f"{warning.declared_ha:g}",
    )


def field_label(name: str) -> str:
    """The label of a record field, or of a dotted infrastructure component."""
    head, _dot, component = name.partition(".")
    if head == "infrastructure" and component in COMPONENT_LABELS:
        return str(_("Infrastructure: %(component)s", component=COMPONENT_LABELS[component]))
    label = FACT_LABELS.get(name)
    return str(label) if label is not None else name


def _plain(mapping: dict[Any, Any]) -> dict[str, str]:
    return {("" if k is None else k): str(v) for k, v in mapping.items()}


def client_labels() -> dict[str, Any]:
    """Every label and colour the map script needs, in the current language."""
    return {
        "stage": _plain(STAGE_LABELS),
        "stageColor": STAGE_COLORS,
        "clearance": _plain(CLEARANCE_LABELS),
        "clearanceColor": {("" if k is None else k): v for k, v in CLEARANCE_COLORS.items()},
        "kind": _plain(KIND_LABELS),
        "zone": _plain(ZONE_LABELS),
        "precision": _plain(PRECISION_LABELS),
        "component": _plain(COMPONENT_LABELS),
        "componentState": _plain(COMPONENT_STATE_LABELS),
        "ready": {
            "true": str(READY_LABELS[True]),
            "false": str(READY_LABELS[False]),
            "": str(READY_LABELS[None]),
        },
        "placeKind": _plain(PLACE_KIND_LABELS),
        # English labels of the industries (stored in Vietnamese), for the suggestions.
        "industry": industries.ENGLISH if current_language() == "en" else {},
        # JSON objects lose their order in the page (keys are sorted): the orders are lists.
        "order": {
            "stage": list(STAGES),
            "clearance": list(CLEARANCE_STATUSES),
            "componentState": list(COMPONENT_STATES),
            "precision": list(PRECISIONS),
            "kind": list(KINDS),
        },
        "kindShape": KIND_SHAPES,
        # Why the server refused a value, by the code its answer gives (the reason is English).
        "reason": client_reasons(),
        "zoneColor": {("" if k is None else k): v for k, v in ZONE_COLORS.items()},
        "field": {name: str(label) for name, label in FACT_LABELS.items()}
        | {
            f"infrastructure.{c}": field_label(f"infrastructure.{c}")
            for c in INFRASTRUCTURE_COMPONENTS
        },
        "text": {
            "district": _("District"),
            "commune": _("Commune"),
            "stage": _("Stage"),
            "clearance": _("Site clearance"),
            "area": _("Planned area"),
            "occupancy": _("Occupancy"),
            "details": _("Details"),
            "hectares": _("ha"),
            "notReported": _("Not reported"),
            "noLocation": _("no location"),
            "shown": _("%(count)s of %(total)s shown", count="{count}", total="{total}"),
            "loadError": _("Could not load the clusters. Try again."),
            "placesError": _(
                "Could not load the reference places (airports, seaports, interchanges). "
                "Reload the page to try again."
            ),
            "photosError": _("Could not load the site photos. Reload the page to try again."),
            "editorLoadError": _("Could not load the editing tools. Reload the page."),
            "namedInPlan": _("Named in the 2020 plan"),
            "update": _("Update"),
            "move": _("Move"),
            "drawBoundary": _("Draw boundary"),
            "save": _("Save"),
            "cancel": _("Cancel"),
            "saved": _("Saved."),
            "proposed": _(
                "Your change was sent for the province's approval. The map shows it once "
                "a reviewer approves it."
            ),
            "changeProposed": _("Change proposed"),
            "attachPhoto": _("Attach a photo"),
            "saving": _("Saving…"),
            "updateTitle": _("Update %(name)s", name="{name}"),
            "moveHelp": _("Drag the marker to the cluster's site, then save."),
            "drawHelp": _("Draw or edit the boundary on the map, then save."),
            "conflict": _(
                "Someone else changed this cluster while you were editing. "
                "Their changes are listed below; your entries are kept. "
                "Save again to apply yours on top."
            ),
            "changedBy": _("%(who)s at %(when)s", who="{who}", when="{when}"),
            "refused": _("You may not change this cluster."),
            "loggedOut": _("Your session has ended. Log in again."),
            "invalid": _("Please correct the marked fields."),
            "failed": _("Saving failed. Try again."),
            "clearanceStatus": _("Site-clearance status"),
            "clearedHa": _("Cleared (ha)"),
            "totalHa": _("Total to clear (ha)"),
            "blocker": _("Blocker"),
            "industrialHa": _("Industrial land (ha)"),
            "leasedHa": _("Leased land (ha)"),
            "investor": _("Investor"),
            "decisionNumber": _("Establishment decision number"),
            "decisionDate": _("Decision date"),
            "asOf": _("As of"),
            "note": _("Note on this change"),
            "infrastructure": _("Infrastructure"),
            "freeLand": _("Free land"),
            "readyToBuild": _("Ready to build"),
            "nearestInterchange": _("Nearest interchange"),
            "kmTo": _("%(km)s km to %(place)s (straight line)", km="{km}", place="{place}"),
            "kmToInterchange": _(
                "%(km)s km to %(place)s, the nearest expressway interchange (straight line)",
                km="{km}",
                place="{place}",
            ),
            "noDistance": _("No distance: the location is not known"),
            "freeLandValue": _("Free land: %(value)s", value="{value}"),
            "areaValue": _("Planned area: %(value)s", value="{value}"),
            "occupancyValue": _("Occupancy: %(value)s", value="{value}"),
            "distanceTo": _("Distance to %(place)s", place="{place}"),
            "suggestions": _("%(count)s suggestions", count="{count}"),
            "noSuggestions": _("No cluster matches"),
            "compare": _("Compare"),
            "compareSelected": _("Compare %(count)s selected", count="{count}"),
            "compareHint": _("Tick 2 to 4 clusters in the list to compare them."),
            "compareFull": _("At most 4 clusters can be compared at once."),
            "pickToCompare": _("Compare %(name)s", name="{name}"),
            "precision": _("Location precision"),
            "choosePrecision": _("Choose how precise the new location is"),
            "precisionRequired": _("Say how precise the new location is before saving."),
            "dismiss": _("Dismiss"),
            "asOfHint": _("Unless you change it, it becomes today's date when you save."),
            "warning": _("Saved, with a warning"),
            "locationChanged": _("location changed"),
            "atThisPoint": _("%(count)s features at this point: choose one", count="{count}"),
            "noMatchQuery": _("No feature matches “%(q)s” with these filters.", q="{q}"),
            "noMatch": _("No feature matches these filters."),
            "widen": _("To widen the search, clear a filter or use fewer words."),
            "clearFilters": _("Clear filters"),
            "placesLayer": _("Reference places"),
            "referencePlace": _("Reference place"),
            "source": _("Source"),
            "placeNote": _("Note"),
        },
    }


# The OGC feature pages: every property a collection serves, and its coded values.
OGC_FIELD_LABELS = {
    **FACT_LABELS,
    "id": _l("Identifier"),
    "zone": _l("Zone"),
    "district_name": _l("District"),
    "sources": _l("Sources"),
    "free_land_ha": _l("Free industrial land (ha)"),
    "occupancy_pct": _l("Occupancy (%)"),
    "ready": _l("Readiness"),
    "distances_km": _l("Straight-line distances (km)"),
    "nearest_interchange": _l("Nearest expressway interchange"),
    "code": _l("GSO code"),
    "name": _l("Name"),
    "short_name": _l("Short name"),
    "zone_source": _l("Source of the zone"),
    "cluster_count": _l("Clusters"),
    "has_boundary": _l("Official boundary loaded"),
    "boundary_source": _l("Source of the boundary"),
    "label_point": _l("Label point"),
    "status": _l("Status"),
    "source": _l("Source"),
    "note": _l("Note"),
    "coordinate_note": _l("Coordinate note"),
}


def ogc_labels() -> dict[str, Any]:
    """The labels the OGC feature pages show for property names and coded values."""
    return {
        "fields": OGC_FIELD_LABELS,
        "components": COMPONENT_LABELS,
        "actions": ACTION_LABELS,
        "coded": {
            "stage": STAGE_LABELS,
            "clearance_status": CLEARANCE_LABELS,
            "kind": {**KIND_LABELS, **PLACE_KIND_LABELS},
            "location_precision": PRECISION_LABELS,
            "zone": ZONE_LABELS,
            "component": COMPONENT_STATE_LABELS,
            "status": {**STAGE_LABELS, "operating": STAGE_LABELS["operating"]},
        },
    }
