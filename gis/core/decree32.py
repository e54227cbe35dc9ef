"""Decree 32/2024/NĐ-CP checks: could a cluster be expanded, could a district get a new one.

Nghị định 32/2024/NĐ-CP ngày 15/3/2024 về quản lý, phát triển cụm công nghiệp (in force from
1/5/2024). The conditions below are those of its Article 8 ("Điều kiện thành lập, mở rộng cụm
công nghiệp"): clause 1 for establishing a new cluster, clause 2 for expanding one. We read the
article number and wording from secondary sources (legal news summaries quoting the decree,
e.g. lawnet.vn and thukyluat.vn), not from the Official Gazette text itself: check the article
against the gazette before quoting it in a formal document.

Only the conditions our data can measure are checked; the others (in the provincial list of
clusters, land-use planning, an infrastructure investor with capacity) are named in
``not_assessed``. Each check shows its figure, its threshold and what data is missing, and
unknown stays unknown: a check is ``ok: null`` rather than a guess.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from gis.core.schema import occupancy_pct

DECREE = "32/2024/NĐ-CP"
ARTICLE_EXPANSION = "Article 8(2)"
ARTICLE_NEW_CLUSTER = "Article 8(1)(c)"

# Article 8(2)(c): occupancy "at least 60 %" (đạt tỷ lệ lấp đầy ít nhất 60%).
EXPANSION_MIN_OCCUPANCY_PCT = 60.0
# Article 8(2)(a): total area after expansion not above 75 ha; the decree's upper bound of
# a cluster's size as well.
MAX_AREA_AFTER_EXPANSION_HA = 75.0
# Article 8(2)(d): essential shared infrastructure completed and in use: internal roads,
# water supply, wastewater collection and treatment (our components roads/water/wastewater).
EXPANSION_INFRASTRUCTURE = ("roads", "water", "wastewater")
# Article 8(1)(c): where the district already has established clusters, their average
# occupancy above 50 % ("đạt trên 50%") or their unleased industrial land at most 100 ha.
NEW_CLUSTER_MIN_AVERAGE_OCCUPANCY_PCT = 50.0
NEW_CLUSTER_MAX_UNLEASED_HA = 100.0

# The decree governs industrial clusters (CCN) only; parks (KCN) and their sub-zones fall
# under the industrial-park decree.
APPLIES_TO_KINDS = ("CCN",)
# Stages of a cluster that has been established; planned ones have no decision yet and
# removed ones are no longer clusters.
ESTABLISHED_STAGES = (
    "established",
    "clearing",
    "building",
    "operating",
    "converting",
    "relocating",
)

RULES = {
    "occupancy": "Occupancy of the industrial land is at least 60 %",
    "area": "Total area after expansion is at most 75 ha",
    "infra_roads": "Internal roads are complete and in use",
    "infra_water": "Water supply is complete and in use",
    "infra_wastewater": "Wastewater collection and treatment is complete and in use",
    "average_occupancy": "Average occupancy of the district's established clusters is above 50 %",
    "unleased_land": "Unleased industrial land of the district's established clusters is at "
    "most 100 ha",
}
NOTES = {
    "occupancy": "The decree also accepts demand for industrial land exceeding the cluster's "
    "current industrial land instead; demand is not recorded here, so it is not assessed.",
    "area": "The current planned area is taken as the area before expansion.",
    "new_cluster_none": "The district has no established cluster: the condition does not apply.",
}
NOT_ASSESSED_EXPANSION = (
    "Article 8(2)(a): land fund consistent with the district's land-use planning",
    "Article 8(2)(b): an infrastructure investor with legal status and capacity",
)
NOT_ASSESSED_NEW_CLUSTER = (
    "Article 8(1)(a): the cluster is in the province's approved list; land fund consistent "
    "with the district's land-use planning",
    "Article 8(1)(b): an infrastructure investor with legal status and capacity",
)


def all_of(values: Iterable[bool | None]) -> bool | None:
    """Three-valued AND: False if any is False, True if all are True, else None."""
    values = list(values)
    if any(v is False for v in values):
        return False
    if all(v is True for v in values):
        return True
    return None


def any_of(values: Iterable[bool | None]) -> bool | None:
    """Three-valued OR: True if any is True, False if all are False, else None."""
    values = list(values)
    if any(v is True for v in values):
        return True
    if all(v is False for v in values):
        return False
    return None


def _check(
    rule_id: str,
    value: Any,
    threshold: Any,
    ok: bool | None,
    missing: list[str],
    **extra: Any,
) -> dict[str, Any]:
    check = {
        "id": rule_id,
        "rule": RULES[rule_id],
        "value": value,
        "threshold": threshold,
        "ok": ok,
        "missing": missing,
    }
    if rule_id in NOTES:
        check["note"] = NOTES[rule_id]
    check.update(extra)
    return check


def _occupancy_missing(record: dict[str, Any]) -> list[str]:
    missing = [f for f in ("industrial_land_ha", "leased_land_ha") if record.get(f) is None]
    if not missing and not record.get("industrial_land_ha"):
        # Zero industrial land gives no occupancy to speak of.
        missing.append("industrial_land_ha")
    return missing


def expansion(record: dict[str, Any]) -> dict[str, Any]:
    """Could this cluster be expanded under Article 8(2)? Every figure and gap is shown."""
    occupancy = occupancy_pct(
        record.get("industrial_land_ha"),
        record.get("leased_land_ha"),
        record.get("occupancy_reported_pct"),
    )
    checks = [
        _check(
            "occupancy",
            occupancy,
            EXPANSION_MIN_OCCUPANCY_PCT,
            None if occupancy is None else occupancy >= EXPANSION_MIN_OCCUPANCY_PCT,
            # A reported percentage decides on its own; hectares are missing only without it.
            [] if occupancy is not None else _occupancy_missing(record),
        )
    ]
    area = record.get("planned_area_ha")
    room = None if area is None else round(max(0.0, MAX_AREA_AFTER_EXPANSION_HA - area), 2)
    checks.append(
        _check(
            "area",
            area,
            MAX_AREA_AFTER_EXPANSION_HA,
            # A cluster already at 75 ha has no room: it cannot grow and stay within the cap.
            None if room is None else room > 0,
            [] if area is not None else ["planned_area_ha"],
            max_expansion_ha=room,
        )
    )
    infrastructure = record.get("infrastructure") or {}
    for component in EXPANSION_INFRASTRUCTURE:
        state = infrastructure.get(component)
        checks.append(
            _check(
                f"infra_{component}",
                state,
                "done",
                None if state is None else state == "done",
                [] if state is not None else [f"infrastructure.{component}"],
            )
        )
    applicable = record.get("kind") in APPLIES_TO_KINDS
    return {
        "decree": DECREE,
        "article": ARTICLE_EXPANSION,
        "applicable": applicable,
        # Parks and sub-zones are not governed by this decree: no verdict, figures still shown.
        "eligible": all_of(c["ok"] for c in checks) if applicable else None,
        "max_expansion_ha": room,
        "checks": checks,
        "not_assessed": list(NOT_ASSESSED_EXPANSION),
    }


def new_cluster(records: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """Could one more cluster be established in a district under Article 8(1)(c)?

    ``records`` are the district's clusters; the established CCNs among them are counted.
    The average and the unleased total cover the clusters with data; ``complete`` says
    whether that is all of them.
    """
    counted = [
        r
        for r in records
        if r.get("kind") in APPLIES_TO_KINDS and r.get("stage") in ESTABLISHED_STAGES
    ]
    with_data: list[dict[str, Any]] = []
    missing_data: list[dict[str, Any]] = []
    for record in counted:
        missing = _occupancy_missing(record)
        if missing:
            missing_data.append({"id": record["id"], "missing": missing})
        else:
            with_data.append(record)
    missing_fields = [f"{m['id']}.{f}" for m in missing_data for f in m["missing"]]
    complete = not missing_data

    # Unrounded rates, so that the mean is rounded once.
    occupancies = [100 * r["leased_land_ha"] / r["industrial_land_ha"] for r in with_data]
    # The plain mean of the clusters' occupancy rates, as the decree words it ("tỷ lệ lấp đầy
    # trung bình của các cụm công nghiệp"), not an area-weighted one.
    average = round(sum(occupancies) / len(occupancies), 1) if occupancies else None
    unleased = (
        round(sum(r["industrial_land_ha"] - r["leased_land_ha"] for r in with_data), 2)
        if with_data
        else None
    )

    checks: list[dict[str, Any]] = []
    if counted:
        checks.append(
            _check(
                "average_occupancy",
                average,
                NEW_CLUSTER_MIN_AVERAGE_OCCUPANCY_PCT,
                # A partial average says nothing about the whole: decide only with all data.
                (average > NEW_CLUSTER_MIN_AVERAGE_OCCUPANCY_PCT)
                if complete and average is not None
                else None,
                missing_fields,
            )
        )
        unleased_ok: bool | None = None
        if unleased is not None and unleased > NEW_CLUSTER_MAX_UNLEASED_HA:
            # Unleased land only adds up: a partial sum already over the cap decides.
            unleased_ok = False
        elif unleased is not None and complete:
            unleased_ok = True
        checks.append(
            _check(
                "unleased_land",
                unleased,
                NEW_CLUSTER_MAX_UNLEASED_HA,
                unleased_ok,
                missing_fields,
            )
        )
        eligible = any_of(c["ok"] for c in checks)
    else:
        eligible = True
    result: dict[str, Any] = {
        "decree": DECREE,
        "article": ARTICLE_NEW_CLUSTER,
        "eligible": eligible,
        "clusters_counted": len(counted),
        "cluster_ids": [r["id"] for r in counted],
        "clusters_with_missing_data": missing_data,
        "complete": complete,
        "average_occupancy_pct": average,
        "unleased_industrial_land_ha": unleased,
        "checks": checks,
        "not_assessed": list(NOT_ASSESSED_NEW_CLUSTER),
    }
    if not counted:
        result["note"] = NOTES["new_cluster_none"]
    return result
