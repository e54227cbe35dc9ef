"""Reports per district and for the province: a printable page, its PDF, and an XLSX."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, Response, current_app, render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from gis import dates
from gis.core import plan
from gis.core.districts import all_districts
from gis.core.reports import PROVINCE, report
from gis.web import get_store, labels
from gis.web import report_pdf as report_pdf_files
from gis.web.dashboard import charts
from gis.web.formatting import register, unit_label
from gis.web.plan_labels import STATUS_LABELS, TARGET_STATUS_LABELS, flag_label, target_label
from gis.web.report_files import XLSX_MEDIA, xlsx_bytes

bp = Blueprint("reports", __name__)
register(bp)


def _report(scope: str) -> dict[str, Any]:
    as_of = plan.parse_as_of(request.args.get("as_of"))
    with get_store().session() as session:
        return report(session, scope, as_of)


def _title(data: dict[str, Any]) -> str:
    if data["district"] is not None:
        return _("Report: %(name)s", name=data["district"]["name"])
    return _("Report: Đồng Nai province")


def _page(data: dict[str, Any], pdf: bool = False) -> str:
    figure_charts = None
    if data["scope"] == PROVINCE:
        # The province's charts are the dashboard's, drawn from the same figures.
        figure_charts = charts(
            {
                "stages": list(labels.STAGE_LABELS),
                "task_statuses": list(plan.STATUSES),
                "clusters": {
                    "province": data["summary"],
                    "districts": data["districts"],
                    "zones": data["zones"],
                },
                "tasks": data["task_figures"],
                "targets": {"items": data["targets"]},
            }
        )
    return render_template(
        "reports/report.html",
        r=data,
        # The day the report is made, in Viet Nam: the date of its header block.
        made=dates.local(dt.datetime.fromisoformat(data["generated_at"])),
        title=_title(data),
        pdf=pdf,
        charts=figure_charts,
        labels=labels,
        status_labels=STATUS_LABELS,
        target_status_labels=TARGET_STATUS_LABELS,
        target_label=target_label,
        flag_label=flag_label,
    )


def _filename(data: dict[str, Any], ending: str) -> str:
    return f"report-{data['scope']}-{data['as_of']}.{ending}"


@bp.get("/reports")
def index() -> str:
    """Every report: the province and each district, as a page, PDF or XLSX."""
    as_of = request.args.get("as_of") or ""
    plan.parse_as_of(as_of)
    with get_store().session() as session:
        districts = all_districts(session)
    scopes = [(PROVINCE, _("Đồng Nai province")), *((d.code, d.name) for d in districts)]
    return render_template("reports/index.html", scopes=scopes, as_of=as_of)


@bp.get("/reports/<scope>")
def report_page(scope: str) -> str:
    """The printable report ("province" or a district's GSO code), with print CSS."""
    return _page(_report(scope))


def _unavailable(message: str) -> Response:
    """503 with Retry-After: the error page (security headers are added as to any page)."""
    response = Response(render_template("error.html", status=503, message=message), status=503)
    response.headers["Retry-After"] = str(report_pdf_files.RETRY_AFTER_SECONDS)
    return response


@bp.get("/reports/<scope>.pdf")
def report_pdf(scope: str) -> Response:
    """The printable report as a PDF (its fonts carry Vietnamese glyphs).

    Cached per store revision; rendered one at a time, within a time bound (report_pdf).
    """
    as_of = plan.parse_as_of(request.args.get("as_of"))
    user = current_user.get_id() if current_user.is_authenticated else ""
    # The header dates the report to the day it is made: yesterday's PDF is not today's.
    made = dates.today().isoformat()
    key = (get_store().revision(), scope, as_of.isoformat(), made, str(get_locale()), user or "")
    # An unknown scope is never cached: it fails in _report, which a cached key skips.
    data = None if report_pdf_files.cached(key, current_app.instance_path) else _report(scope)
    try:
        pdf = report_pdf_files.report_pdf(
            key,
            lambda: _page(data or _report(scope), pdf=True),
            current_app.static_folder or "static",
            current_app.instance_path,
            float(current_app.config["GIS_REPORT_PDF_TIMEOUT"]),
        )
    except report_pdf_files.ReportBusy:
        return _unavailable(_("Another report is being made. Please try again in a few seconds."))
    except report_pdf_files.ReportTooSlow:
        current_app.logger.warning("report %s took too long to render; stopped", scope)
        return _unavailable(_("The report took too long to make. Please try again later."))
    response = Response(pdf, mimetype="application/pdf")
    filename = _filename({"scope": scope, "as_of": as_of.isoformat()}, "pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _day(value: str | None) -> dt.date | None:
    """An ISO day as a date, which the workbook shows dd/mm/yyyy."""
    return dt.date.fromisoformat(value) if value else None


def _cluster_rows(data: dict[str, Any]) -> list[list[Any]]:
    return [
        [
            p["id"],
            p["name_vi"],
            p["kind"],
            p["district_name"],
            p["zone"],
            str(labels.STAGE_LABELS[p["stage"]]),
            str(labels.CLEARANCE_LABELS[p["clearance_status"]]),
            p["clearance_cleared_ha"],
            p["clearance_total_ha"],
            p["planned_area_ha"],
            p["industrial_land_ha"],
            p["leased_land_ha"],
            p["occupancy_pct"],
            _day(p["as_of"]),
        ]
        for p in data["clusters"]
    ]


def _task_rows(data: dict[str, Any]) -> list[list[Any]]:
    return [
        [
            t["id"],
            t["section"],
            t["appendix_ref"],
            t["task"],
            t["content"],
            t["timeframe"],
            _day(t["due"].get("date")) or "; ".join(dates.show(d) for d in t["schedule"]) or None,
            t["lead_units"],
            t["partner_units"],
            str(STATUS_LABELS[t["status"]]),
            _("yes") if t["overdue"] else _("no"),
            _day(t["missed_deadline"]),
            _day(t["next_due"]),
            _day(t["notes"][-1]["date"]) if t["notes"] else None,
            t["notes"][-1]["text"] if t["notes"] else None,
            [str(flag_label(f["kind"])) for f in t["flags"]],
        ]
        for t in data["tasks"]
    ]


def _group_row(label: Any, g: dict[str, Any]) -> list[Any]:
    return [
        label,
        g["count"],
        *(g["by_stage"][s] for s in labels.STAGE_LABELS),
        g["planned_area"]["ha"],
        g["clearance"]["cleared_ha"] if g["clearance"]["reporting"] else None,
        g["clearance"]["total_ha"] if g["clearance"]["reporting"] else None,
        g["clearance"]["pct"],
        g["occupancy"]["industrial_ha"] if g["occupancy"]["reporting"] else None,
        g["occupancy"]["leased_ha"] if g["occupancy"]["reporting"] else None,
        g["occupancy"]["pct"],
    ]


def _group_header(first: str) -> list[str]:
    return [
        first,
        _("Clusters"),
        *(str(v) for v in labels.STAGE_LABELS.values()),
        _("Planned area (ha)"),
        _("Cleared (ha)"),
        _("Total to clear (ha)"),
        _("Cleared (%)"),
        _("Industrial land (ha)"),
        _("Leased land (ha)"),
        _("Occupancy (%)"),
    ]


@bp.get("/reports/<scope>.xlsx")
def report_xlsx(scope: str) -> Response:
    """The report as a workbook: summary, clusters, tasks (and districts, zones, targets)."""
    data = _report(scope)
    title = _title(data)
    preamble = [
        [title],
        [_("As of"), _day(data["as_of"])],
        [_("Made on"), dates.show(data["generated_at"])],
    ]
    if data["plan"]:
        preamble.append([_("Plan"), f"{data['plan']['number']} ({data['plan']['date']})"])
    figures = data["task_figures"]
    summary = [
        _group_row(data["district"]["name"] if data["district"] else _("Province"), data["summary"])
    ]
    sheets: list[tuple[str, list[Any], list[list[Any]]]] = [
        (_("Summary"), _group_header(_("Area")), summary),
    ]
    if data["scope"] == PROVINCE:
        sheets.append(
            (
                _("Districts"),
                _group_header(_("District")),
                [_group_row(r["name"] or _("District not known"), r) for r in data["districts"]],
            )
        )
        sheets.append(
            (
                _("Zones"),
                _group_header(_("Zone")),
                [_group_row(str(labels.ZONE_LABELS[r["zone"]]), r) for r in data["zones"]],
            )
        )
    cluster_header = [
        _("Id"),
        _("Name"),
        _("Kind"),
        _("District"),
        _("Zone"),
        _("Stage"),
        _("Site clearance"),
        _("Cleared (ha)"),
        _("Total to clear (ha)"),
        _("Planned area (ha)"),
        _("Industrial land (ha)"),
        _("Leased land (ha)"),
        _("Occupancy (%)"),
        _("Facts as of"),
    ]
    sheets.append((_("Clusters"), cluster_header, _cluster_rows(data)))
    task_header = [
        _("Id"),
        _("Section"),
        _("No."),
        _("Task"),
        _("Content"),
        _("Timeframe"),
        _("Due"),
        _("Lead unit"),
        _("Partner units"),
        _("Status"),
        _("Overdue"),
        _("Deadline passed"),
        _("Next deadline"),
        _("Latest note date"),
        _("Latest note"),
        _("Notes on the plan's text"),
    ]
    task_rows = _task_rows(data)
    task_rows.append([])
    task_rows.append(
        [
            _("Total"),
            figures["total"],
            *(f"{STATUS_LABELS[s]}: {figures[s]}" for s in plan.STATUSES),
            f"{STATUS_LABELS['overdue']}: {figures['overdue']}",
        ]
    )
    sheets.append((_("Tasks"), task_header, task_rows))
    if data["scope"] == PROVINCE:
        sheets.append(
            (
                _("Targets"),
                [
                    _("Id"),
                    _("Target"),
                    _("Minimum"),
                    _("Maximum"),
                    _("Unit"),
                    _("Year"),
                    _("Reported"),
                    _("Source"),
                    _("Status"),
                ],
                [
                    [
                        t["id"],
                        t["name_vi"],
                        t["range"]["min"],
                        t["range"]["max"],
                        unit_label(t["unit"]),
                        t["year"],
                        t["reported"]["value"] if t["reported"] else None,
                        t["reported"]["source"] if t["reported"] else None,
                        str(TARGET_STATUS_LABELS[t["status"]]),
                    ]
                    for t in data["targets"]
                ],
            )
        )
    workbook = xlsx_bytes(
        sheets,
        preamble,
        {"title": f"{title} ({dates.show(data['as_of'])})", "creator": "dong-nai-gis"},
    )
    response = Response(workbook, mimetype=XLSX_MEDIA)
    response.headers["Content-Disposition"] = f'attachment; filename="{_filename(data, "xlsx")}"'
    return response
