"""The dashboard page with SVG charts; its figures as JSON are gis.web.api.dashboard."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request
from flask_babel import gettext as _
from markupsafe import Markup

from gis.core import plan
from gis.core.dashboard import dashboard
from gis.web import get_store, labels
from gis.web.charts import RangeRow, ShareRow, StackRow, range_chart, share_bars, stacked_bars
from gis.web.formatting import num, register, unit_label
from gis.web.plan_labels import (
    STATUS_COLORS,
    STATUS_LABELS,
    TARGET_STATUS_COLORS,
    TARGET_STATUS_LABELS,
    target_label,
)

bp = Blueprint("dashboard", __name__)
register(bp)


def _zone_label(zone: str | None) -> str:
    return str(labels.ZONE_LABELS[zone])


def _district_label(row: dict[str, Any]) -> str:
    return row["name"] or _("District not known")


def _ha_of(part: float, whole: float) -> str:
    return _("%(part)s of %(whole)s ha", part=num(part), whole=num(whole))


def _share_text(figure: dict[str, Any], part: str, whole: str) -> str:
    if not figure["reporting"]:
        return _("not reported")
    text = _ha_of(figure[part], figure[whole])
    if figure["pct"] is not None:
        text += f" ({num(figure['pct'], 1)} %)"
    return text


def charts(data: dict[str, Any]) -> dict[str, Markup]:
    """The dashboard's charts, each drawn from the figures ``data`` holds."""
    stage_labels = {k: str(v) for k, v in labels.STAGE_LABELS.items()}
    clusters = data["clusters"]
    stages = data["stages"]
    districts = [r for r in clusters["districts"] if r["count"] or r["code"]]
    tasks = data["tasks"]
    task_keys = [*data["task_statuses"]]
    status_labels = {k: str(v) for k, v in STATUS_LABELS.items()}
    unit_rows = [
        StackRow(
            r["name"],
            {k: r[k] for k in task_keys},
            _(", %(n)s overdue", n=r["overdue"]) if r["overdue"] else "",
        )
        for r in tasks["by_lead_unit"]
    ]
    if tasks["without_lead_unit"]["total"]:
        r = tasks["without_lead_unit"]
        unit_rows.append(
            StackRow(
                _("No lead unit named"),
                {k: r[k] for k in task_keys},
                _(", %(n)s overdue", n=r["overdue"]) if r["overdue"] else "",
            )
        )
    targets = data["targets"]["items"]
    return {
        "stage_by_district": stacked_bars(
            [StackRow(_district_label(r), r["by_stage"]) for r in districts],
            stages,
            labels.STAGE_COLORS,
            stage_labels,
            _("Clusters by stage per district"),
        ),
        "stage_by_zone": stacked_bars(
            [StackRow(_zone_label(r["zone"]), r["by_stage"]) for r in clusters["zones"]],
            stages,
            labels.STAGE_COLORS,
            stage_labels,
            _("Clusters by stage per zone"),
        ),
        "clearance": share_bars(
            [
                ShareRow(
                    _district_label(r),
                    r["clearance"]["pct"],
                    _share_text(r["clearance"], "cleared_ha", "total_ha"),
                )
                for r in districts
            ],
            "#009E73",
            _("Site clearance per district: ha cleared of total"),
        ),
        "occupancy": share_bars(
            [
                ShareRow(
                    _district_label(r),
                    r["occupancy"]["pct"],
                    _share_text(r["occupancy"], "leased_ha", "industrial_ha"),
                )
                for r in districts
            ],
            "#0072B2",
            _("Occupancy per district: leased of industrial land"),
        ),
        "tasks": stacked_bars(
            unit_rows,
            task_keys,
            STATUS_COLORS,
            status_labels,
            _("Tasks by status and lead unit"),
        ),
        "targets": range_chart(
            [
                RangeRow(
                    target_label(t["indicator"]),
                    t["range"]["min"],
                    t["range"]["max"],
                    t["reported"]["value"] if t["reported"] else None,
                    TARGET_STATUS_COLORS[t["status"]],
                    f"{num(t['range']['min'])}–{num(t['range']['max'])} {unit_label(t['unit'])} · "
                    f"{TARGET_STATUS_LABELS[t['status']]}"
                    + (
                        f": {num(t['reported']['value'])} {unit_label(t['unit'])}"
                        if t["reported"]
                        else ""
                    ),
                )
                for t in targets
            ],
            _("Targets: range and reported value"),
            fmt=num,
        ),
    }


@bp.get("/dashboard")
def dashboard_page() -> str:
    """Clusters by stage, clearance, occupancy and zones; tasks by status and unit; targets."""
    raw = request.args.get("as_of")
    as_of = plan.parse_as_of(raw)
    with get_store().session() as session:
        data = dashboard(session, as_of)
    return render_template(
        "dashboard.html",
        d=data,
        charts=charts(data),
        as_of=as_of,
        chosen=bool(raw),
        labels=labels,
        status_labels=STATUS_LABELS,
        target_status_labels=TARGET_STATUS_LABELS,
        target_label=target_label,
    )
