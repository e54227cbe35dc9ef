"""The dashboard's figures, computed from the store each time, never typed in.

Clusters are counted from the same features the API serves (``to_feature``), tasks from the
same judged tasks (``plan.list_tasks``), targets from ``plan.list_targets``; so every figure
can be recomputed from ``/api/clusters``, ``/api/plan/tasks`` and ``/api/plan/targets``.

Sums of hectares count only the clusters that report every figure the sum needs (cleared
and total for clearance; industrial and leased land for occupancy); how many did and did
not is given beside each sum, because unknown figures stay unknown, never zero.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gis.core import plan
from gis.core.clusters import district_index, to_feature
from gis.core.schema import KINDS, STAGES, ZONES
from gis.store.models import Cluster

ZONE_KEYS: tuple[str | None, ...] = (*ZONES, None)


def _ratio(part: float, whole: float) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def group_figures(properties: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """Counts and sums of a group of clusters (their API properties)."""
    rows = list(properties)
    by_stage = dict.fromkeys(STAGES, 0)
    by_kind = dict.fromkeys(KINDS, 0)
    for p in rows:
        by_stage[p["stage"]] += 1
        by_kind[p["kind"]] += 1
    planned = [p["planned_area_ha"] for p in rows if p.get("planned_area_ha") is not None]
    cleared = [
        (p["clearance_cleared_ha"], p["clearance_total_ha"])
        for p in rows
        if p.get("clearance_cleared_ha") is not None and p.get("clearance_total_ha") is not None
    ]
    land = [
        (p["industrial_land_ha"], p["leased_land_ha"])
        for p in rows
        if p.get("industrial_land_ha") is not None and p.get("leased_land_ha") is not None
    ]
    cleared_ha, total_ha = sum(c for c, _ in cleared), sum(t for _, t in cleared)
    industrial_ha, leased_ha = sum(i for i, _ in land), sum(le for _, le in land)
    return {
        "count": len(rows),
        "by_kind": by_kind,
        "by_stage": by_stage,
        "planned_area": {
            "ha": round(sum(planned), 2),
            "reporting": len(planned),
            "not_reported": len(rows) - len(planned),
        },
        "clearance": {
            "cleared_ha": round(cleared_ha, 2),
            "total_ha": round(total_ha, 2),
            "pct": _ratio(cleared_ha, total_ha),
            "reporting": len(cleared),
            "not_reported": len(rows) - len(cleared),
        },
        "occupancy": {
            "industrial_ha": round(industrial_ha, 2),
            "leased_ha": round(leased_ha, 2),
            "free_ha": round(industrial_ha - leased_ha, 2),
            "pct": _ratio(leased_ha, industrial_ha),
            "reporting": len(land),
            "not_reported": len(rows) - len(land),
        },
    }


def cluster_properties(session: Session) -> list[dict[str, Any]]:
    """The API properties of every cluster, by name."""
    districts = district_index(session)
    clusters = session.scalars(select(Cluster).order_by(Cluster.sort_name, Cluster.id))
    return [to_feature(c, districts)["properties"] for c in clusters]


def cluster_figures(session: Session, properties: list[dict[str, Any]]) -> dict[str, Any]:
    """Clusters for the province, per district (every district, then any without) and per zone."""
    districts = district_index(session)
    by_district: dict[str | None, list[dict[str, Any]]] = {code: [] for code in districts}
    by_zone: dict[str | None, list[dict[str, Any]]] = {zone: [] for zone in ZONE_KEYS}
    for p in properties:
        by_district.setdefault(p["district_code"], []).append(p)
        # A feature whose district is not known has no zone either: it is not "zone not
        # assigned" (a district the plan puts in no zone), as the map's zone filter agrees.
        if p["district_code"] is not None:
            by_zone[p["zone"]].append(p)
    district_rows = [
        {
            "code": code,
            "name": districts[code].name if code in districts else None,
            "zone": districts[code].zone if code in districts else None,
            **group_figures(rows),
        }
        for code, rows in by_district.items()
        if code is not None or rows
    ]
    zone_rows = [
        {
            "zone": zone,
            "district_codes": sorted(c for c, d in districts.items() if d.zone == zone),
            **group_figures(rows),
        }
        for zone, rows in by_zone.items()
    ]
    return {"province": group_figures(properties), "districts": district_rows, "zones": zone_rows}


def _status_counts(tasks: list[dict[str, Any]]) -> dict[str, int]:
    counts = {s: sum(t["status"] == s for t in tasks) for s in plan.STATUSES}
    return {"total": len(tasks), **counts, "overdue": sum(t["overdue"] for t in tasks)}


def task_figures(tasks: list[dict[str, Any]]) -> dict[str, Any]:
    """Tasks by status, overdue, and by lead unit (a task with two lead units counts for each;
    units spelt differently in the plan are one unit, under its most frequent spelling)."""
    units: dict[str, list[dict[str, Any]]] = {}
    spellings: dict[str, dict[str, int]] = {}
    for task in tasks:
        for name, key in zip(task["lead_units"], task["lead_unit_keys"], strict=True):
            units.setdefault(key, []).append(task)
            spelling = spellings.setdefault(key, {})
            spelling[name] = spelling.get(name, 0) + 1
    rows = [
        {"key": key, "name": max(spellings[key], key=spellings[key].__getitem__)}
        | _status_counts(unit_tasks)
        for key, unit_tasks in units.items()
    ]
    rows.sort(key=lambda r: (-int(r["total"]), r["key"]))
    return {
        **_status_counts(tasks),
        "by_lead_unit": rows,
        "without_lead_unit": _status_counts([t for t in tasks if not t["lead_units"]]),
    }


def target_figures(targets: list[dict[str, Any]]) -> dict[str, Any]:
    """Targets with their status, and how many are met, not met and not reported."""
    return {
        "by_status": {s: sum(t["status"] == s for t in targets) for s in plan.TARGET_STATUSES},
        "items": targets,
    }


def plan_year_end(targets: list[dict[str, Any]]) -> dt.date | None:
    """The last day of the year the plan's targets are set for (31/12/2020), if any."""
    years = [t["year"] for t in targets if t.get("year")]
    return dt.date(max(years), 12, 31) if years else None


def dashboard(session: Session, as_of: dt.date) -> dict[str, Any]:
    """Every dashboard figure; tasks are judged against ``as_of``."""
    targets = plan.list_targets(session)
    year_end = plan_year_end(targets)
    return {
        "as_of": as_of.isoformat(),
        "plan_year_end": year_end.isoformat() if year_end else None,
        "stages": list(STAGES),
        "task_statuses": list(plan.STATUSES),
        "clusters": cluster_figures(session, cluster_properties(session)),
        "tasks": task_figures(plan.list_tasks(session, plan.TaskFilter(), as_of)),
        "targets": target_figures(targets),
    }
