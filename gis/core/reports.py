"""Reports for one district or the province: what the printable page, PDF and XLSX show.

One function gathers a report's content from the store, with the dashboard's figures; the
page, the PDF and the workbook are only different renderings of it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from gis import dates
from gis.core import plan
from gis.core.dashboard import cluster_figures, cluster_properties, group_figures, task_figures
from gis.errors import NotFound
from gis.store.models import District

PROVINCE = "province"


def report(session: Session, scope: str, as_of: dt.date) -> dict[str, Any]:
    """The report of ``scope`` ("province" or a district's GSO code), tasks judged as of
    ``as_of``; NotFound for another scope.

    A district's tasks are those that name it or one of its clusters (the /plan filter).
    """
    district = None
    if scope != PROVINCE:
        district = session.get(District, scope)
        if district is None:
            raise NotFound("district", scope)
    properties = cluster_properties(session)
    if district is not None:
        properties = [p for p in properties if p["district_code"] == district.code]
        tasks = plan.list_tasks(session, plan.TaskFilter(district=district.code), as_of)
    else:
        tasks = plan.list_tasks(session, plan.TaskFilter(), as_of)
    document = plan.plan_document(session)
    body: dict[str, Any] = {
        "scope": scope,
        "district": (
            {"code": district.code, "name": district.name, "zone": district.zone}
            if district is not None
            else None
        ),
        "as_of": as_of.isoformat(),
        # An instant with its offset; pages show it in Viet Nam's time.
        "generated_at": dates.now().astimezone(dt.UTC).isoformat(timespec="seconds"),
        "plan": (
            {"number": document.number, "date": document.date, "title": document.title}
            if document is not None
            else None
        ),
        "summary": group_figures(properties),
        "clusters": properties,
        "tasks": tasks,
        "task_figures": task_figures(tasks),
        "districts": [],
        "zones": [],
        "targets": [],
    }
    if district is None:
        figures = cluster_figures(session, properties)
        body["districts"] = figures["districts"]
        body["zones"] = figures["zones"]
        body["targets"] = plan.list_targets(session)
    return body
