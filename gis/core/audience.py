"""Who may read what: the one rule deciding which cluster properties anonymous clients see.

Every reader of cluster features (the JSON API, its exports, its map tiles, OGC API –
Features, the pages) passes them through ``visible_feature``, and each ETag of what they
serve names the audience. The rule is an allowlist: a property added to the
record later stays hidden from anonymous clients until someone classifies it here
(tests/test_audience.py fails until they do).
"""

from __future__ import annotations

from typing import Any, Literal

from gis.core.actors import Actor

Audience = Literal["public", "staff"]
PUBLIC: Audience = "public"
STAFF: Audience = "staff"

# Every stored fact of a cluster is public: the province publishes them, each with a
# public source, and investors are who the map is for. What is internal lives outside the
# feature: the change history (who changed what, their notes, hashes), the row's
# bookkeeping (history_head, updated_at) and the accounts.
PUBLIC_CLUSTER_PROPERTIES = frozenset(
    {
        # stored (gis.core.schema.ClusterRecord)
        "id",
        "name_vi",
        "name_en",
        "kind",
        "district_code",
        "commune",
        "commune_code",
        "commune_2025",
        "named_in_plan",
        "plan_actions",
        "relocation_target",
        "planned_area_ha",
        "industrial_land_ha",
        "leased_land_ha",
        "occupancy_reported_pct",
        "area_note",
        "investor",
        "decision_number",
        "decision_date",
        "industries",
        "stage",
        "clearance_status",
        "clearance_cleared_ha",
        "clearance_total_ha",
        "clearance_blocker",
        "infrastructure",
        "location_precision",
        "location_note",
        "status_note",
        "sources",
        "inferred",
        "as_of",
        # derived (gis.core.schema.DERIVED_PROPERTIES)
        "district_name",
        "zone",
        "occupancy_pct",
        "free_land_ha",
        "ready",
        "distances_km",
        "nearest_interchange",
        # The edit counter: it reveals only how often a cluster changed, which the public
        # "as of" date shows anyway, and lets any client detect a newer copy.
        "version",
    }
)
# Properties only logged-in users see. None today; a staff-only fact (a contact person, an
# internal remark) goes here, and every reader hides it from anonymous clients at once.
INTERNAL_CLUSTER_PROPERTIES: frozenset[str] = frozenset()


def audience_of(actor: Actor | None) -> Audience:
    """``staff`` for any logged-in user, ``public`` for anonymous clients."""
    return PUBLIC if actor is None else STAFF


def visible_feature(feature: dict[str, Any], audience: Audience) -> dict[str, Any]:
    """The cluster feature as ``audience`` may see it (a copy when anything is hidden)."""
    if audience == STAFF:
        return feature
    props = feature.get("properties") or {}
    if props.keys() <= PUBLIC_CLUSTER_PROPERTIES:
        return feature
    shown = {k: v for k, v in props.items() if k in PUBLIC_CLUSTER_PROPERTIES}
    return {**feature, "properties": shown}
