"""The plan's tasks and targets: loading, filters, deadlines, status and notes, reported values.

Overdue is never stored; it is judged against an "as of" date (``deadline``):

- a task whose status is ``done`` is never overdue;
- a one-off task (``due.kind == "once"``) is overdue once its due date is before the as-of
  date: the due date is the last day of the stated period, so on that day it is still on time;
- a recurring task (``due.kind == "recurring"``: "Hàng tháng", "định kỳ 06 tháng") has a
  schedule of occurrences (``first``, then every month or every 6 months, up to ``until``;
  each occurrence is a month end). As of a date D, take the latest occurrence before D: the
  task is overdue unless a progress note is dated after the occurrence before that one (any
  date for the first) and not after D. So the report for the period that ended at the
  occurrence counts whether it was written near the end of the period or late, and a
  recurring task with no occurrence before D is not due yet;
- a task whose timeframe gives no date (``due.kind == "unknown"``) is never overdue.

Status (``not_started``, ``in_progress``, ``done``) is what the lead unit reports; the as-of
date changes only which deadlines have passed and which notes count, not the status.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal, get_args

from dateutil.relativedelta import relativedelta
from pydantic import BaseModel, ConfigDict, ValidationError, ValidationInfo, field_validator
from pydantic.json_schema import SkipJsonSchema
from pydantic_core import PydanticCustomError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gis import dates
from gis.core.actors import Actor, check_admin, check_task_edit, unit_key
from gis.core.history import apply_versioned, event_dict, events_of, new_event
from gis.errors import FieldError, InvalidInput, NotFound, StaleVersion, field_errors
from gis.store.models import Cluster, PlanDocument, PlanTarget, PlanTask, TargetValue, utcnow
from gis.text import fold, nfc

TaskStatus = Literal["not_started", "in_progress", "done"]
TargetStatus = Literal["met", "not_met", "not_reported"]
STATUSES: tuple[str, ...] = get_args(TaskStatus)
OVERDUE = "overdue"
# What the task list filters on: a status, or overdue (computed, never set).
TaskStatusFilter = Literal[TaskStatus, "overdue"]
STATUS_FILTERS: tuple[str, ...] = get_args(TaskStatusFilter)
SECTIONS = ("I", "II", "III")
TARGET_STATUSES: tuple[str, ...] = get_args(TargetStatus)
# The plan carries one task over from 2019 ("Quý III, IV/2019"); nothing earlier is its.
EARLIEST_DATE = dt.date(2019, 1, 1)
LATEST_DATE = dt.date(2100, 12, 31)
MAX_NOTE_LENGTH = 2000
MAX_SOURCE_LENGTH = 500
# Plausible bounds of a reported value by the target's kind: a share is a percentage of a
# whole; a growth rate or a change in points may be negative.
VALUE_BOUNDS = {
    "share": (0.0, 100.0),
    "share_change_points": (-100.0, 100.0),
    "growth_on_previous_year": (-100.0, 1000.0),
}
DEFAULT_VALUE_BOUNDS = (-1000.0, 1000.0)
# Who "entered" the outcomes that data/plan.json carries, and when: before any person could.
SEED_ENTERED_BY = "data/plan.json"
SEED_ENTERED_AT = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
_EVERY = re.compile(r"^(?:(\d+) )?months?$")


def today() -> dt.date:
    """Today in Viet Nam (Asia/Ho_Chi_Minh): "today" for a deadline is the province's."""
    return dates.today()


def parse_date(raw: str) -> dt.date:
    """A ``YYYY-MM-DD`` date between 2019 and 2100, or ValueError saying why not."""
    if not isinstance(raw, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw.strip()):
        raise ValueError("expected a date as YYYY-MM-DD")
    try:
        value = dt.date.fromisoformat(raw.strip())
    except ValueError:
        raise ValueError(f"{raw!r} is not a calendar date") from None
    if not EARLIEST_DATE <= value <= LATEST_DATE:
        raise ValueError(f"must lie between {EARLIEST_DATE} and {LATEST_DATE}")
    return value


def date_error(field_name: str, exc: ValueError, raw: object) -> FieldError:
    """The FieldError for a date ``parse_date`` refused, coded for the pages."""
    if isinstance(raw, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw.strip()):
        try:
            dt.date.fromisoformat(raw.strip())
        except ValueError:
            pass
        else:
            bounds = {"low": EARLIEST_DATE.isoformat(), "high": LATEST_DATE.isoformat()}
            return FieldError(field_name, str(exc), "out_of_range", bounds)
    return FieldError(field_name, str(exc), "not_date")


def parse_as_of(raw: str | None) -> dt.date:
    """The ``as_of`` request parameter (default: today in Viet Nam), or InvalidInput (400)."""
    if raw is None or raw == "":
        return today()
    try:
        return parse_date(raw)
    except ValueError as exc:
        raise InvalidInput([date_error("as_of", exc, raw)]) from None


# --- schedules and deadlines ----------------------------------------------------------------


def occurrences(due: dict[str, Any]) -> list[dt.date]:
    """The dates a recurring task falls due (month ends from ``first`` to ``until``)."""
    if due.get("kind") != "recurring":
        return []
    match = _EVERY.fullmatch(str(due.get("every", "")))
    if match is None:
        raise ValueError(f"unknown recurrence {due.get('every')!r}")
    step = int(match[1] or 1)
    current, until = dt.date.fromisoformat(due["first"]), dt.date.fromisoformat(due["until"])
    dates = []
    while current <= until:
        dates.append(current)
        # The end of the month ``step`` months on: day=31 is clamped to the month's last day.
        current = current + relativedelta(months=step, day=31)
    return dates


@dataclass(frozen=True)
class Deadline:
    """A task judged against an as-of date."""

    overdue: bool
    # The deadline that passed without what it asks for (when overdue).
    missed: dt.date | None
    # The next deadline on or after the as-of date, if any.
    next_due: dt.date | None


def deadline(
    status: str, due: dict[str, Any], notes: Iterable[dict[str, Any]], as_of: dt.date
) -> Deadline:
    """Whether a task is overdue as of ``as_of`` (the rule is in the module docstring)."""
    kind = due.get("kind")
    if kind == "once":
        date = dt.date.fromisoformat(due["date"])
        upcoming = date if date >= as_of else None
        if status == "done":
            return Deadline(False, None, None)
        return Deadline(date < as_of, date if date < as_of else None, upcoming)
    if kind != "recurring":
        return Deadline(False, None, None)
    dates = occurrences(due)
    upcoming = next((d for d in dates if d >= as_of), None)
    if status == "done":
        return Deadline(False, None, None)
    passed = [d for d in dates if d < as_of]
    if not passed:
        return Deadline(False, None, upcoming)
    since = passed[-2] if len(passed) > 1 else None
    note_dates = [dt.date.fromisoformat(n["date"]) for n in notes]
    reported = any((since is None or d > since) and d <= as_of for d in note_dates)
    return Deadline(not reported, None if reported else passed[-1], upcoming)


def schedule(
    due: dict[str, Any], notes: Iterable[dict[str, Any]], as_of: dt.date
) -> list[dict[str, Any]]:
    """Each occurrence of a recurring task: its date, whether it has passed, and whether a
    note counts for it (dated after the occurrence before it and no later than the next
    one or the as-of date), as the overdue rule counts notes."""
    dates = occurrences(due)
    note_dates = [dt.date.fromisoformat(n["date"]) for n in notes]
    rows = []
    for index, date in enumerate(dates):
        since = dates[index - 1] if index else None
        upto = min(dates[index + 1], as_of) if index + 1 < len(dates) else as_of
        reported = any((since is None or d > since) and d <= upto for d in note_dates)
        rows.append({"date": date.isoformat(), "passed": date < as_of, "reported": reported})
    return rows


# --- loading --------------------------------------------------------------------------------

_TASK_COLUMNS = (
    "section",
    "section_title",
    "subsection",
    "ref",
    "appendix_ref",
    "task",
    "content",
    "content_parts",
    "timeframe",
    "due",
    "lead_units",
    "partner_units",
    "cluster_ids",
    "main_text_cluster_ids",
    "district_codes",
    "flags",
    "source_line",
)
_TASK_REQUIRED = {"id", "section", "section_title", "task", "timeframe", "due", "source_line"}


def plan_loaded(session: Session) -> bool:
    """Whether the plan document, its tasks and its targets are all in the store already."""
    return all(
        session.scalar(select(model).limit(1)) is not None
        for model in (PlanDocument, PlanTask, PlanTarget)
    )


def load_plan(session: Session, doc: dict[str, Any]) -> tuple[int, int]:
    """Load the plan's tasks and targets into empty tables; returns (tasks, targets) loaded.

    Each table is filled only while it is empty, so a restart never overwrites a status,
    a note or a reported value.
    """
    tasks = targets = 0
    header = doc.get("plan") or {}
    if header.get("number") and session.get(PlanDocument, header["number"]) is None:
        session.add(
            PlanDocument(
                number=header["number"],
                date=header["date"],
                title=header["title"],
                issuer=header.get("issuer"),
                signed_by=header.get("signed_by"),
                signer_title=header.get("signer_title"),
                appendix_title=header.get("appendix_title"),
                source=header.get("source"),
            )
        )
    if not session.scalar(select(func.count()).select_from(PlanTask)):
        for position, item in enumerate(doc.get("tasks") or []):
            missing = sorted(_TASK_REQUIRED - set(item))
            if missing or item["section"] not in SECTIONS:
                raise ValueError(f"plan task {item.get('id')!r}: missing {missing} or bad section")
            occurrences(item["due"])  # an unknown recurrence fails the load, not a page
            values = {c: item.get(c) for c in _TASK_COLUMNS}
            for name in ("content_parts", "lead_units", "partner_units", "flags"):
                values[name] = values[name] or []
            for name in ("cluster_ids", "main_text_cluster_ids", "district_codes"):
                values[name] = values[name] or []
            rest = {k: v for k, v in item.items() if k not in _TASK_COLUMNS and k != "id"}
            session.add(
                PlanTask(
                    id=item["id"],
                    position=position,
                    **values,
                    source=rest,
                    status="not_started",
                    notes=[],
                    version=1,
                    history_head="",
                )
            )
            tasks += 1
    if not session.scalar(select(func.count()).select_from(PlanTarget)):
        for position, item in enumerate(doc.get("targets") or []):
            session.add(
                PlanTarget(
                    id=item["id"],
                    position=position,
                    indicator=item["indicator"],
                    name_vi=item["name_vi"],
                    name_en=item["name_en"],
                    unit=item["unit"],
                    kind=item["kind"],
                    scope=item.get("scope") or "province",
                    year=int(item["year"]),
                    range_min=float(item["range"]["min"]),
                    range_max=float(item["range"]["max"]),
                    baseline=item.get("baseline") or {},
                    ref=item.get("ref"),
                    source_line=item.get("source_line"),
                )
            )
            # Published outcomes (the province's statistics) come with the file, cited, so the
            # tracker can say met or not met; an administrator's later row of a year wins.
            for outcome in item.get("outcomes") or []:
                session.add(
                    TargetValue(
                        target_id=item["id"],
                        year=int(outcome["year"]),
                        value=float(outcome["value"]),
                        source=nfc(outcome["source"])[:MAX_SOURCE_LENGTH],
                        entered_by=SEED_ENTERED_BY,
                        entered_at=SEED_ENTERED_AT,
                    )
                )
            targets += 1
    return tasks, targets


def plan_document(session: Session) -> PlanDocument | None:
    """The plan the tasks come from (the first loaded), or None before loading."""
    return session.scalar(select(PlanDocument).order_by(PlanDocument.number).limit(1))


def plan_counts(session: Session) -> tuple[int, int]:
    """How many tasks and targets the store holds."""
    return (
        session.scalar(select(func.count()).select_from(PlanTask)) or 0,
        session.scalar(select(func.count()).select_from(PlanTarget)) or 0,
    )


# --- reading tasks --------------------------------------------------------------------------


@dataclass(frozen=True)
class TaskFilter:
    """What a caller asks for; None and empty tuples mean "any"."""

    lead_unit: str | None = None  # a unit_key
    district: str | None = None
    cluster: str | None = None
    statuses: tuple[str, ...] = ()
    sections: tuple[str, ...] = ()


def all_tasks(session: Session) -> list[PlanTask]:
    """Every task in the plan's order."""
    return list(session.scalars(select(PlanTask).order_by(PlanTask.position, PlanTask.id)))


def get_task(session: Session, task_id: str) -> PlanTask:
    """The task with this id, or NotFound."""
    task = session.get(PlanTask, task_id)
    if task is None:
        raise NotFound("task", task_id)
    return task


def cluster_districts(session: Session) -> dict[str, str | None]:
    """Each cluster's district code, to relate tasks that name clusters to districts."""
    return {cid: code for cid, code in session.execute(select(Cluster.id, Cluster.district_code))}


def task_cluster_ids(task: PlanTask) -> list[str]:
    """Clusters a task concerns: those its appendix line names, then its main-text passage's."""
    return list(dict.fromkeys([*task.cluster_ids, *task.main_text_cluster_ids]))


def related_districts(task: PlanTask, districts_of: dict[str, str | None]) -> list[str]:
    """Districts a task concerns: those it names and those of the clusters it concerns."""
    codes = [*task.district_codes, *(districts_of.get(c) for c in task_cluster_ids(task))]
    return sorted({c for c in codes if c})


def task_dict(task: PlanTask, as_of: dt.date, districts_of: dict[str, str | None]) -> dict:
    """The public form of a task, judged against ``as_of``."""
    judged = deadline(task.status, task.due, task.notes, as_of)
    return {
        "id": task.id,
        "section": task.section,
        "section_title": task.section_title,
        "subsection": task.subsection,
        "ref": task.ref,
        "appendix_ref": task.appendix_ref,
        "task": task.task,
        "content": task.content,
        "content_parts": task.content_parts,
        "timeframe": task.timeframe,
        "due": task.due,
        "schedule": [d.isoformat() for d in occurrences(task.due)],
        "lead_units": task.lead_units,
        "lead_unit_keys": [unit_key(u) for u in task.lead_units],
        "partner_units": task.partner_units,
        "cluster_ids": task.cluster_ids,
        "main_text_cluster_ids": task.main_text_cluster_ids,
        "district_codes": task.district_codes,
        "related_district_codes": related_districts(task, districts_of),
        "flags": task.flags,
        "source_line": task.source_line,
        "status": task.status,
        "overdue": judged.overdue,
        "missed_deadline": judged.missed.isoformat() if judged.missed else None,
        "next_due": judged.next_due.isoformat() if judged.next_due else None,
        "notes": task.notes,
        "version": task.version,
    }


def _matches(task: dict[str, Any], flt: TaskFilter) -> bool:
    if flt.lead_unit is not None and flt.lead_unit not in task["lead_unit_keys"]:
        return False
    if flt.district is not None and flt.district not in task["related_district_codes"]:
        return False
    if flt.cluster is not None and flt.cluster not in (
        task["cluster_ids"] + task["main_text_cluster_ids"]
    ):
        return False
    if flt.sections and task["section"] not in flt.sections:
        return False
    if flt.statuses:
        wanted = task["status"] in flt.statuses or (OVERDUE in flt.statuses and task["overdue"])
        if not wanted:
            return False
    return True


def list_tasks(session: Session, flt: TaskFilter, as_of: dt.date) -> list[dict[str, Any]]:
    """Tasks matching ``flt`` in the plan's order, each judged against ``as_of``.

    Filters run in Python on the judged tasks: overdue depends on the as-of date, and the
    lists of units, clusters and districts are JSON; a plan has tens of tasks.
    """
    districts_of = cluster_districts(session)
    judged = [task_dict(t, as_of, districts_of) for t in all_tasks(session)]
    return [t for t in judged if _matches(t, flt)]


def lead_units(session: Session) -> list[tuple[str, str]]:
    """(key, name) of every lead unit, by name; a unit spelt several ways is listed once,
    under its most frequent spelling (the earliest in the plan on a tie)."""
    spellings: dict[str, Counter[str]] = {}
    first_seen: dict[str, int] = {}
    for position, task in enumerate(all_tasks(session)):
        for name in task.lead_units:
            key = unit_key(name)
            spellings.setdefault(key, Counter())[name] += 1
            first_seen.setdefault(name, position)
    names = {
        key: min(counts, key=lambda n: (-counts[n], first_seen[n]))
        for key, counts in spellings.items()
    }
    return sorted(names.items(), key=lambda kv: fold(kv[1]))


def tasks_of_cluster(session: Session, cluster_id: str, as_of: dt.date) -> list[dict[str, Any]]:
    """Tasks that name a cluster (in the appendix or its main-text passage)."""
    return list_tasks(session, TaskFilter(cluster=cluster_id), as_of)


# --- changing tasks -------------------------------------------------------------------------


@dataclass
class TaskUpdate:
    """What an accepted task update produced (``event`` is None when nothing changed)."""

    task: PlanTask
    event: Any


class TaskChange(BaseModel):
    """The body of a task update: a status and/or a progress note and its date.

    Validated with ``context={"now": <today>}``: a note may not be dated in the future.
    ``note_date`` comes before ``note`` so that the note's check sees the date.
    """

    model_config = ConfigDict(extra="forbid")

    # A null status is refused (not_in_list), so the schema does not offer it.
    status: TaskStatus | SkipJsonSchema[None] = None
    note_date: dt.date | None = None
    note: str | None = None

    @field_validator("status", mode="before")
    @classmethod
    def _status(cls, value: Any) -> str:
        if value == OVERDUE:
            raise PydanticCustomError(
                "overdue_computed", "overdue is computed from the deadline; not set"
            )
        if value not in STATUSES:
            raise PydanticCustomError("not_in_list", f"must be one of {', '.join(STATUSES)}")
        return str(value)

    @field_validator("note_date", mode="before")
    @classmethod
    def _note_date(cls, value: Any, info: ValidationInfo) -> dt.date | None:
        if value in (None, ""):
            return None
        try:
            day = parse_date(value)
        except ValueError as exc:
            refused = date_error("note_date", exc, value)
            raise PydanticCustomError(refused.code, refused.reason, refused.params) from None
        now = _context_today(info)
        if day > now:
            raise PydanticCustomError(
                "after_today", f"is after today ({now})", {"today": now.isoformat()}
            )
        return day

    @field_validator("note", mode="before")
    @classmethod
    def _note(cls, value: Any, info: ValidationInfo) -> str | None:
        if value is not None and not isinstance(value, str):
            raise PydanticCustomError("not_text", "must be text")
        note = nfc(value) if value is not None else ""
        if len(note) > MAX_NOTE_LENGTH:
            raise PydanticCustomError(
                "too_long",
                f"longer than {MAX_NOTE_LENGTH} characters",
                {"limit": MAX_NOTE_LENGTH},
            )
        if not note and info.data.get("note_date") is not None:
            raise PydanticCustomError("note_needs_text", "a dated note needs its text")
        return note or None


def _context_today(info: ValidationInfo) -> dt.date:
    context = info.context or {}
    return context.get("now") or today()


def update_task(
    session: Session,
    actor: Actor,
    task_id: str,
    expected_version: int,
    changes: dict[str, Any],
    *,
    now: dt.date | None = None,
) -> TaskUpdate:
    """Set a task's status and/or add a dated progress note (``note``, ``note_date``).

    Raises NotFound, Forbidden, InvalidInput (422) or StaleVersion and writes nothing then.
    The version check is part of the UPDATE statement, as for clusters.
    """
    task = get_task(session, task_id)
    # Unknown fields first (before scope and version), as for clusters.
    unknown = sorted(set(changes) - TaskChange.model_fields.keys())
    if unknown:
        raise InvalidInput([FieldError(f, "unknown field") for f in unknown], status=422)
    check_task_edit(actor, task.lead_units)
    if task.version != expected_version:
        raise StaleVersion(task.version, changes_since(session, task.id, expected_version))
    now = now or today()
    try:
        change = TaskChange.model_validate(changes, context={"now": now})
    except ValidationError as exc:
        raise InvalidInput(field_errors(exc), status=422) from None
    status = change.status or task.status
    progress = None
    if change.note is not None:
        progress = {"date": (change.note_date or now).isoformat(), "text": change.note}
    changed: list[dict[str, Any]] = []
    if status != task.status:
        changed.append({"field": "status", "from": task.status, "to": status})
    if progress is not None:
        changed.append({"field": "progress_note", "from": None, "to": progress})
    if not changed:
        return TaskUpdate(task, None)
    event = new_event(
        subject_kind="task",
        subject_id=task.id,
        version=task.version + 1,
        actor=actor.username,
        prev_hash=task.history_head,
        changes=changed,
    )
    notes = list(task.notes)
    if progress is not None:
        notes.append({**progress, "by": actor.username, "at": event.at})
    read_version = task.version
    if not apply_versioned(session, PlanTask, task, {"status": status, "notes": notes}, event):
        fresh = get_task(session, task.id)
        raise StaleVersion(fresh.version, changes_since(session, task.id, read_version))
    return TaskUpdate(task, event)


def changes_since(session: Session, task_id: str, version: int) -> list[dict[str, Any]]:
    """A task's events after ``version``, oldest first."""
    return [event_dict(e) for e in events_of(session, "task", task_id) if e.version > version]


def task_history(session: Session, task_id: str) -> list[dict[str, Any]]:
    """Every change of a task, oldest first."""
    get_task(session, task_id)
    return [event_dict(e) for e in events_of(session, "task", task_id)]


# --- targets --------------------------------------------------------------------------------


def _value_dict(value: TargetValue) -> dict[str, Any]:
    return {
        "id": value.id,
        "year": value.year,
        "value": value.value,
        "source": value.source,
        "entered_by": value.entered_by,
        "entered_at": value.entered_at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def target_status(target: PlanTarget, reported: float | None) -> tuple[str, str | None]:
    """(met | not_met | not_reported, below | within | above | None) of a reported value.

    A value at or above the range's lower bound meets the target: every target of the plan
    asks for at least that much (growth, or a share to reach or keep); above the range is
    still met, and ``above`` says so.
    """
    if reported is None:
        return "not_reported", None
    if reported < target.range_min:
        return "not_met", "below"
    return "met", "within" if reported <= target.range_max else "above"


def target_dict(target: PlanTarget, values: list[TargetValue]) -> dict[str, Any]:
    """The public form of a target with its reported values and whether it is met."""
    ordered = sorted(values, key=lambda v: (v.year, v.id))
    current: dict[int, TargetValue] = {}
    for value in ordered:
        current[value.year] = value  # the newest row of a year is the reported value
    reported = current.get(target.year)
    status, position = target_status(target, reported.value if reported else None)
    return {
        "id": target.id,
        "indicator": target.indicator,
        "name_vi": target.name_vi,
        "name_en": target.name_en,
        "unit": target.unit,
        "kind": target.kind,
        "scope": target.scope,
        "year": target.year,
        "range": {"min": target.range_min, "max": target.range_max},
        "baseline": target.baseline,
        "ref": target.ref,
        "source_line": target.source_line,
        "values": [{**_value_dict(v), "current": current.get(v.year) is v} for v in ordered],
        "reported": _value_dict(reported) if reported else None,
        "status": status,
        "position": position,
    }


def list_targets(session: Session) -> list[dict[str, Any]]:
    """Every target in the plan's order, with its values and status."""
    values: dict[str, list[TargetValue]] = {}
    for value in session.scalars(select(TargetValue)):
        values.setdefault(value.target_id, []).append(value)
    targets = session.scalars(select(PlanTarget).order_by(PlanTarget.position))
    return [target_dict(t, values.get(t.id, [])) for t in targets]


def get_target(session: Session, target_id: str) -> PlanTarget:
    """The target with this id, or NotFound."""
    target = session.get(PlanTarget, target_id)
    if target is None:
        raise NotFound("target", target_id)
    return target


class ReportedValue(BaseModel):
    """The body of a target's reported value: the year, the value and its source.

    Validated with ``context={"bounds": (low, high), "unit": <the target's unit>}``.
    """

    model_config = ConfigDict(extra="forbid")

    year: int
    value: float
    source: str

    @field_validator("year", mode="before")
    @classmethod
    def _year(cls, raw: Any) -> int:
        year = None
        if isinstance(raw, int) and not isinstance(raw, bool):
            year = raw
        elif isinstance(raw, str) and raw.strip().isdigit():
            year = int(raw.strip())
        if year is None or not 2000 <= year <= 2100:
            raise PydanticCustomError(
                "out_of_range", "must be a year between 2000 and 2100", {"low": 2000, "high": 2100}
            )
        return year

    @field_validator("value", mode="before")
    @classmethod
    def _value(cls, raw: Any, info: ValidationInfo) -> float:
        if isinstance(raw, str):
            # Vietnamese writes a decimal comma: "5,8".
            raw = raw.strip().replace(",", ".")
        try:
            value = None if isinstance(raw, bool) else float(raw)
        except (TypeError, ValueError):
            value = None
        if value is None or not math.isfinite(value):
            raise PydanticCustomError("not_number", "must be a number")
        context = info.context or {}
        low, high = context.get("bounds", DEFAULT_VALUE_BOUNDS)
        if not low <= value <= high:
            unit = context.get("unit", "")
            raise PydanticCustomError(
                "out_of_range",
                f"must lie between {low:g} and {high:g} {unit}",
                {"low": low, "high": high},
            )
        return value

    @field_validator("source", mode="before")
    @classmethod
    def _source(cls, raw: Any) -> str:
        source = nfc(raw) if isinstance(raw, str) else ""
        if not source or len(source) > MAX_SOURCE_LENGTH:
            raise PydanticCustomError(
                "required_text",
                f"required, at most {MAX_SOURCE_LENGTH} characters",
                {"limit": MAX_SOURCE_LENGTH},
            )
        return source


def add_target_value(
    session: Session, actor: Actor, target_id: str, body: dict[str, Any]
) -> dict[str, Any]:
    """Record a reported value of a target for a year (administrators); returns it.

    The value is in the target's unit (for the domestic-invested share: the change in
    percentage points on the 2015 baseline). Raises Forbidden, NotFound or InvalidInput.
    """
    check_admin(actor)
    target = get_target(session, target_id)
    bounds = VALUE_BOUNDS.get(target.kind, DEFAULT_VALUE_BOUNDS)
    try:
        reported = ReportedValue.model_validate(
            body, context={"bounds": bounds, "unit": target.unit}
        )
    except ValidationError as exc:
        raise InvalidInput(field_errors(exc), status=422) from None
    row = TargetValue(
        target_id=target.id,
        year=reported.year,
        value=reported.value,
        source=reported.source,
        entered_by=actor.username,
        entered_at=utcnow(),
    )
    session.add(row)
    session.flush()
    return _value_dict(row)
