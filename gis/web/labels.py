"""Display names (translatable) and colours of the domain's values, for pages and the map."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

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
    "commune_centroid": _l("Commune centroid (approximate)"),
    "district_centroid": _l("District centroid (approximate)"),
    "unknown": _l("Location unknown"),
}
ZONE_LABELS = {
    "I": _l("Zone I"),
    "II": _l("Zone II"),
    None: _l("Zone not assigned"),
}
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
            "namedInPlan": _("Named in the 2020 plan"),
            "update": _("Update"),
            "move": _("Move"),
            "drawBoundary": _("Draw boundary"),
            "save": _("Save"),
            "cancel": _("Cancel"),
            "saved": _("Saved."),
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
        },
    }
