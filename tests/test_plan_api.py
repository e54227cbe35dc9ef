"""The plan's tasks and targets: store contents, filters, deadlines, updates, scope, history."""

from __future__ import annotations

import datetime as dt
import re
import threading
from collections import Counter

import pytest
from sqlalchemy import delete, func, select, text

from app import create_app
from gis.core import plan
from gis.store.models import ChangeEvent, PlanTask, TargetValue
from tests.conftest import ApiClient, login
from tests.helpers import PLAN, appendix_task_lines, patch_task, post_value, task_form

SCT_TASK = "i-1-1"  # led by Sở Công Thương, due Quý I/2020
MONTHLY = "i-1-4"  # Sở Công Thương, "Hàng tháng"
HALF_YEARLY = "i-1-2"  # Sở Công Thương, "định kỳ 06 tháng"
LT_TASK = "i-2-4"  # UBND huyện Long Thành
KHDT_TASK = "ii-3"  # "Sở Kế hoạch - Đầu tư"


def _tasks(client, **params) -> dict:
    response = client.get("/api/plan/tasks", query_string=params)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def _ids(client, **params) -> list[str]:
    return [t["id"] for t in _tasks(client, **params)["tasks"]]


def _task_events(store, task_id: str | None = None) -> int:
    query = select(func.count()).select_from(ChangeEvent).where(ChangeEvent.subject_kind == "task")
    if task_id:
        query = query.where(ChangeEvent.subject_id == task_id)
    with store.session() as session:
        return session.scalar(query)


# --- what the store holds -------------------------------------------------------------------


def test_every_task_and_target_of_the_appendix_is_in_the_store(client, store) -> None:
    expected = appendix_task_lines()  # the seed's own appendix, counted by test_plan_data
    tasks = _tasks(client)["tasks"]
    per_section = Counter(t["section"] for t in tasks)
    assert per_section == {section: len(lines) for section, lines in expected.items()}
    assert sorted(t["source_line"] for t in tasks) == sorted(
        line for lines in expected.values() for line in lines
    )
    assert [t["id"] for t in tasks] == [t["id"] for t in PLAN["tasks"]]
    targets = client.get("/api/plan/targets").get_json()["targets"]
    assert [t["id"] for t in targets] == [t["id"] for t in PLAN["targets"]]
    assert len([t for t in targets if t["scope"] == "province"]) == 6
    with store.session() as session:
        assert plan.plan_counts(session) == (33, len(PLAN["targets"]))


def test_tasks_keep_the_plan_text_and_flags(client) -> None:
    by_id = {t["id"]: t for t in _tasks(client)["tasks"]}
    for source in PLAN["tasks"]:
        task = by_id[source["id"]]
        for key in ("task", "content", "timeframe", "due", "lead_units", "partner_units"):
            assert task[key] == source[key], (source["id"], key)
        assert task["flags"] == source["flags"]
        assert task["status"] == "not_started" and task["notes"] == [] and task["version"] == 1
    assert [f["kind"] for f in by_id["ii-6-d"]["flags"]] == [
        "blank_lead_unit",
        "date_typo",
        "inconsistent",
    ]
    assert by_id[MONTHLY]["schedule"][:2] == ["2020-04-30", "2020-05-31"]
    assert len(by_id[MONTHLY]["schedule"]) == 9
    assert by_id[HALF_YEARLY]["schedule"] == ["2020-06-30", "2020-12-31"]


def test_targets_carry_range_baseline_and_unit(client) -> None:
    targets = {t["indicator"]: t for t in client.get("/api/plan/targets").get_json()["targets"]}
    domestic = targets["domestic_invested_share_change"]
    assert domestic["range"] == {"min": 1.0, "max": 2.0}
    assert domestic["unit"] == "percentage points"
    assert domestic["baseline"]["value"] == 15.79 and domestic["baseline"]["year"] == 2015
    # Only outcomes that data/plan.json cites are reported before anyone enters a value.
    seeded = {t["indicator"] for t in PLAN["targets"] if t.get("outcomes")}
    assert seeded == {"industrial_production_index_growth"}
    for indicator, target in targets.items():
        if indicator not in seeded:
            assert target["status"] == "not_reported" and target["reported"] is None


def test_a_restart_keeps_statuses_and_a_plan_less_store_gets_the_plan(
    app, api_as, store, database_url
) -> None:
    sct = api_as("sct-editor")
    assert patch_task(sct, SCT_TASK, {"status": "done"}).status_code == 200
    again = create_app({"TESTING": True, "DATABASE_URL": database_url, "SECRET_KEY": "x"})
    try:
        with again.extensions["store"].session() as session:
            assert plan.get_task(session, SCT_TASK).status == "done"
    finally:
        again.extensions["store"].dispose()
    with store.write() as session:
        session.execute(delete(ChangeEvent))
        session.execute(delete(PlanTask))
    again = create_app({"TESTING": True, "DATABASE_URL": database_url, "SECRET_KEY": "x"})
    try:
        with again.extensions["store"].session() as session:
            assert plan.plan_counts(session) == (33, len(PLAN["targets"]))
    finally:
        again.extensions["store"].dispose()


# --- filters --------------------------------------------------------------------------------


def test_filter_by_lead_unit_ignores_the_plans_spellings(client) -> None:
    sct = _ids(client, lead_unit="Sở Công Thương")
    assert sct == _ids(client, lead_unit="so-cong-thuong")
    assert len(sct) == 9 and SCT_TASK in sct
    # "Sở Kế hoạch - Đầu tư" (5), "Sở Kế hoạch Đầu tư" (iii-5): one department.
    khdt = _ids(client, lead_unit="Sở Kế hoạch và Đầu tư")
    assert len(khdt) == 6 and "iii-5" in khdt and KHDT_TASK in khdt
    assert _ids(client, lead_unit="Ban Quản lý các Khu công nghiệp") == _ids(
        client, lead_unit="Ban Quản lý các KCN"
    )


def test_filter_by_district_cluster_section_and_status(client) -> None:
    # Long Thành: named (i-2-4, ii-1-b) and through its clusters.
    assert _ids(client, district="740") == ["i-2-4", "ii-1-b"]
    # Biên Hòa: "UBND TP. Biên Hòa" (ii-5-a) and KCN Biên Hòa 1 (ii-5-b).
    assert _ids(client, district="731") == ["ii-5-a", "ii-5-b"]
    assert _ids(client, cluster="ccn-long-phuoc-1") == ["ii-1-b"]
    # Named only in the main text's passage for the task: listed too.
    assert _ids(client, cluster="ccn-xuan-hung") == ["ii-6-a"]
    assert len(_ids(client, section="III")) == 7
    assert len(_ids(client, section="I,II")) == 26
    assert _ids(client, status="done") == []
    assert len(_ids(client, status="not_started")) == 33
    assert _ids(client, lead_unit="so-cong-thuong", section="II", as_of="2020-04-06") == [
        "ii-1-c",
        "ii-1-d",
        "ii-2",
        "ii-6-a",
    ]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"as_of": "2020-02-30"}, "as_of"),
        ({"as_of": "yesterday"}, "as_of"),
        ({"as_of": "1999-01-01"}, "as_of"),
        ({"status": "late"}, "status"),
        ({"section": "IV"}, "section"),
        ({"district": "999"}, "district"),
        ({"cluster": "ccn-nowhere"}, "cluster"),
        ({"lead_unit": "Sở Ngoại giao"}, "lead_unit"),
        ({"lead_unit": "x" * 5000}, "lead_unit"),
    ],
)
def test_bad_parameters_get_400_naming_them(client, params: dict, field: str) -> None:
    response = client.get("/api/plan/tasks", query_string=params)
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    assert [e["field"] for e in response.get_json()["errors"]] == [field]


# --- deadlines ------------------------------------------------------------------------------


def _overdue(client, as_of: str) -> set[str]:
    return set(_ids(client, status="overdue", as_of=as_of))


def test_one_off_tasks_are_overdue_the_day_after_their_due_date(client) -> None:
    assert SCT_TASK not in _overdue(client, "2020-03-31")  # due that day: still on time
    assert SCT_TASK in _overdue(client, "2020-04-01")
    task = client.get(f"/api/plan/tasks/{SCT_TASK}?as_of=2020-04-01").get_json()
    assert task["overdue"] and task["missed_deadline"] == "2020-03-31" and task["next_due"] is None
    assert "ii-1-d" in _overdue(client, "2020-04-05")  # "Quý III, IV/2019", carried over
    # Unknown deadline ("Theo Kế hoạch 14814/KH-UBND ...") is never overdue.
    assert "iii-5" not in _overdue(client, "2030-01-01")
    assert len(_overdue(client, "2030-01-01")) == 32


def test_overdue_defaults_to_today_in_viet_nam(client) -> None:
    body = _tasks(client)
    assert body["as_of"] == plan.today().isoformat()
    assert plan.today() == dt.datetime.now(dt.timezone(dt.timedelta(hours=7))).date()


def test_recurring_rule_counts_a_note_in_the_period_or_late() -> None:
    due = {"kind": "recurring", "every": "month", "first": "2020-04-30", "until": "2020-12-31"}

    def judged(as_of: str, *note_dates: str) -> plan.Deadline:
        notes = [{"date": d, "text": "x"} for d in note_dates]
        return plan.deadline("in_progress", due, notes, dt.date.fromisoformat(as_of))

    assert judged("2020-04-30") == plan.Deadline(False, None, dt.date(2020, 4, 30))  # not due
    assert judged("2020-05-01").overdue and judged("2020-05-01").missed == dt.date(2020, 4, 30)
    assert not judged("2020-05-01", "2020-04-20").overdue  # the first period: any date
    assert not judged("2020-05-10", "2020-05-03").overdue  # April's report, a few days late
    assert judged("2020-06-01", "2020-04-20").overdue  # May has none
    assert not judged("2020-06-15", "2020-05-28").overdue  # written before the month's end
    assert judged("2020-06-15", "2020-06-20").overdue  # dated after the as-of date
    assert judged("2021-03-01", "2020-11-15").missed == dt.date(2020, 12, 31)
    assert not judged("2021-03-01", "2020-12-10").overdue
    assert plan.deadline("done", due, [], dt.date(2021, 1, 1)).overdue is False
    half = {"kind": "recurring", "every": "6 months", "first": "2020-06-30", "until": "2020-12-31"}
    assert plan.occurrences(half) == [dt.date(2020, 6, 30), dt.date(2020, 12, 31)]
    feb = {"kind": "recurring", "every": "month", "first": "2020-01-31", "until": "2020-03-31"}
    assert plan.occurrences(feb) == [
        dt.date(2020, 1, 31),
        dt.date(2020, 2, 29),
        dt.date(2020, 3, 31),
    ]


def test_a_progress_note_keeps_a_recurring_task_on_time(api_as, client) -> None:
    assert HALF_YEARLY in _overdue(client, "2020-07-15")
    sct = api_as("sct-editor")
    response = patch_task(
        sct, HALF_YEARLY, {"note": "Đã cập nhật danh sách", "note_date": "2020-06-20"}
    )
    assert response.status_code == 200, response.get_json()
    assert HALF_YEARLY not in _overdue(client, "2020-07-15")
    late = client.get(f"/api/plan/tasks/{HALF_YEARLY}?as_of=2021-01-05").get_json()
    assert late["overdue"] and late["missed_deadline"] == "2020-12-31"


# --- updates --------------------------------------------------------------------------------


def test_lead_unit_editor_updates_own_task_with_a_dated_note(api_as, client, store) -> None:
    sct = api_as("sct-editor")
    before = client.get(f"/api/plan/tasks/{SCT_TASK}")
    response = patch_task(
        sct,
        SCT_TASK,
        {"status": "in_progress", "note": "Dự thảo kế hoạch CNHT", "note_date": "2020-03-20"},
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["status"] == "in_progress" and body["version"] == 2
    assert body["notes"][0]["date"] == "2020-03-20"
    assert body["notes"][0]["text"] == "Dự thảo kế hoạch CNHT"
    assert body["notes"][0]["by"] == "sct-editor"
    assert response.headers["ETag"] != before.headers["ETag"]
    history = sct.client.get(f"/api/plan/tasks/{SCT_TASK}/history").get_json()["events"]
    assert len(history) == 1
    assert history[0]["actor"] == "sct-editor"
    assert history[0]["changes"] == [
        {"field": "status", "from": "not_started", "to": "in_progress"},
        {
            "field": "progress_note",
            "from": None,
            "to": {"date": "2020-03-20", "text": "Dự thảo kế hoạch CNHT"},
        },
    ]
    # The new ETag is the one to send next.
    again = patch_task(sct, SCT_TASK, {"status": "done"}, etag=response.headers["ETag"])
    assert again.status_code == 200
    assert _task_events(store, SCT_TASK) == 2


def test_a_note_without_a_date_is_dated_today(api_as) -> None:
    body = patch_task(api_as("sct-editor"), SCT_TASK, {"note": "Đang triển khai"}).get_json()
    assert body["notes"][-1]["date"] == plan.today().isoformat()


def test_scope_is_the_lead_unit(api_as, store) -> None:
    assert patch_task(api_as("sct-editor"), LT_TASK, {"status": "done"}).status_code == 403
    assert patch_task(api_as("lt-editor"), SCT_TASK, {"status": "done"}).status_code == 403
    assert patch_task(api_as("bh-editor"), LT_TASK, {"status": "done"}).status_code == 403
    assert patch_task(api_as("viewer"), LT_TASK, {"status": "done"}).status_code == 403
    # A task with no lead unit is the province's.
    assert patch_task(api_as("lt-editor"), "ii-4", {"status": "done"}).status_code == 403
    assert _task_events(store) == 0
    assert patch_task(api_as("lt-editor"), LT_TASK, {"status": "done"}).status_code == 200
    # ii-1-b is led by five district committees, Long Thành's among them.
    assert patch_task(api_as("lt-editor"), "ii-1-b", {"status": "in_progress"}).status_code == 200
    assert patch_task(api_as("admin"), "ii-4", {"status": "in_progress"}).status_code == 200


def test_lead_unit_scope_ignores_the_plans_spelling(app, store) -> None:
    from gis.core.users import create_user

    with store.write() as session:
        create_user(
            session, "khdt", "correct horse battery", "editor", lead_unit="Sở Kế hoạch và Đầu tư"
        )
    api = ApiClient(app.test_client(), "khdt")
    assert patch_task(api, KHDT_TASK, {"status": "in_progress"}).status_code == 200  # "- Đầu tư"
    assert patch_task(api, "iii-5", {"status": "in_progress"}).status_code == 200  # "Đầu tư"
    assert patch_task(api, SCT_TASK, {"status": "in_progress"}).status_code == 403


def test_anonymous_gets_401_and_no_if_match_428_and_stale_412(api_as, client, store) -> None:
    token_client = api_as("sct-editor")
    anonymous = client.patch(
        f"/api/plan/tasks/{SCT_TASK}",
        json={"status": "done"},
        headers={"If-Match": '"x"', "X-CSRFToken": "nothing"},
    )
    assert anonymous.status_code in (400, 401)
    assert patch_task(token_client, SCT_TASK, {"status": "done"}, etag=None).status_code == 428
    old = client.get(f"/api/plan/tasks/{SCT_TASK}").headers["ETag"]
    assert (
        patch_task(token_client, SCT_TASK, {"status": "in_progress"}, etag=old).status_code == 200
    )
    stale = patch_task(token_client, SCT_TASK, {"status": "done"}, etag=old)
    assert stale.status_code == 412
    body = stale.get_json()
    assert body["current_version"] == 2
    assert body["changes_since"][0]["changes"][0]["to"] == "in_progress"
    # Another task's ETag does not stand for this one.
    other = client.get(f"/api/plan/tasks/{MONTHLY}").headers["ETag"]
    assert patch_task(token_client, SCT_TASK, {"status": "done"}, etag=other).status_code == 412
    assert _task_events(store, SCT_TASK) == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"status": "finished"}, "status"),
        ({"status": "overdue"}, "status"),
        ({"status": None}, "status"),
        ({"note": 5}, "note"),
        ({"note": "x" * 2001}, "note"),
        ({"note": "ok", "note_date": "2020-02-30"}, "note_date"),
        ({"note": "ok", "note_date": "2018-12-31"}, "note_date"),
        ({"note": "ok", "note_date": "2999-01-01"}, "note_date"),
        ({"note": "ok", "note_date": 20200101}, "note_date"),
        ({"note": "   ", "note_date": "2020-05-01"}, "note"),
        ({"version": 3}, "version"),
        ({"lead_units": ["Sở Công Thương"]}, "lead_units"),
    ],
)
def test_bad_input_gets_422_naming_the_field_and_writes_nothing(
    api_as, client, store, body: dict, field: str
) -> None:
    before = client.get(f"/api/plan/tasks/{SCT_TASK}").get_json()
    response = patch_task(api_as("sct-editor"), SCT_TASK, body)
    assert response.status_code == 422, response.get_json()
    assert response.mimetype == "application/problem+json"
    assert field in [e["field"] for e in response.get_json()["errors"]]
    assert client.get(f"/api/plan/tasks/{SCT_TASK}").get_json() == before
    assert _task_events(store) == 0


@pytest.mark.parametrize("raw", ["{not json", "[1, 2]", ""])
def test_malformed_bodies_get_400(api_as, store, raw: str) -> None:
    response = patch_task(api_as("sct-editor"), SCT_TASK, raw)
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    assert _task_events(store) == 0


def test_unknown_task_is_404(api_as, client) -> None:
    assert client.get("/api/plan/tasks/ix-9").status_code == 404
    response = patch_task(api_as("admin"), "ix-9", {"status": "done"}, etag='"ix-9-v1-rx"')
    assert response.status_code == 404


def test_an_unchanged_status_writes_nothing(api_as, store) -> None:
    response = patch_task(api_as("sct-editor"), SCT_TASK, {"status": "not_started"})
    assert response.status_code == 200
    assert response.get_json()["version"] == 1
    assert _task_events(store) == 0


def test_concurrent_task_writers_never_lose_an_update(app, accounts, store) -> None:
    threads, updates = 6, 25
    clients = [ApiClient(app.test_client(), "sct-editor") for _ in range(threads)]
    accepted: list[int] = []
    statuses: Counter[int] = Counter()
    lock = threading.Lock()
    start = threading.Barrier(threads)

    def writer(index: int, api: ApiClient) -> None:
        etag = api.client.get(f"/api/plan/tasks/{MONTHLY}").headers["ETag"]
        start.wait()
        for i in range(updates):
            if i % 2:
                etag = api.client.get(f"/api/plan/tasks/{MONTHLY}").headers["ETag"]
            response = patch_task(
                api, MONTHLY, {"note": f"{index}-{i}", "note_date": "2020-05-01"}, etag=etag
            )
            with lock:
                statuses[response.status_code] += 1
                if response.status_code == 200:
                    accepted.append(response.get_json()["version"])
            if response.status_code == 200:
                etag = response.headers["ETag"]

    workers = [threading.Thread(target=writer, args=(i, c)) for i, c in enumerate(clients)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert set(statuses) <= {200, 412}, statuses
    assert sorted(accepted) == list(range(2, 2 + len(accepted)))
    with store.session() as session:
        task = plan.get_task(session, MONTHLY)
        assert len(task.notes) == len(accepted) == task.version - 1
    assert app.test_cli_runner().invoke(args=["history", "verify"]).exit_code == 0


def test_history_verify_checks_task_chains_and_heads(api_as, runner, store) -> None:
    sct = api_as("sct-editor")
    for status in ("in_progress", "done", "in_progress"):
        assert patch_task(sct, SCT_TASK, {"status": status}).status_code == 200
    result = runner.invoke(args=["history", "verify"])
    assert result.exit_code == 0 and "3 change(s) verified" in result.output
    with store.write() as session:
        session.execute(
            text(
                "UPDATE change_events SET actor = 'someone-else' "
                "WHERE subject_kind = 'task' AND version = 3"
            )
        )
    result = runner.invoke(args=["history", "verify"])
    assert result.exit_code == 1
    assert f"task {SCT_TASK}: change" in result.output
    with store.write() as session:
        session.execute(
            text("UPDATE change_events SET actor = 'sct-editor' WHERE subject_kind = 'task'")
        )
        session.execute(
            text("DELETE FROM change_events WHERE subject_kind = 'task' AND version = 4")
        )
    result = runner.invoke(args=["history", "verify"])
    assert result.exit_code == 1
    assert f"task {SCT_TASK}: head: latest event is missing or was replaced" in result.output


def test_task_history_is_for_logged_in_users(client, api_as) -> None:
    assert client.get(f"/api/plan/tasks/{SCT_TASK}/history").status_code == 401
    assert api_as("viewer").client.get(f"/api/plan/tasks/{SCT_TASK}/history").status_code == 200


# --- targets --------------------------------------------------------------------------------


def test_admin_reports_values_and_met_is_computed(api_as, client) -> None:
    admin = api_as("admin")
    response = post_value(
        admin, "industrial-production-index", {"year": 2020, "value": 7.2, "source": "Cục Thống kê"}
    )
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["target"]["status"] == "not_met"
    # A correction: the newest entry of the year counts; the first stays listed.
    fixed = post_value(
        admin, "industrial-production-index", {"year": 2020, "value": "8,4", "source": "Niên giám"}
    ).get_json()["target"]
    assert fixed["status"] == "met" and fixed["position"] == "within"
    assert fixed["reported"]["value"] == 8.4 and fixed["reported"]["entered_by"] == "admin"
    # The cited outcome of data/plan.json stays listed, under the administrator's rows.
    assert [v["current"] for v in fixed["values"]] == [False, False, True]
    assert fixed["values"][0]["entered_by"] == "data/plan.json"
    above = post_value(admin, "high-tech-share", {"year": 2020, "value": 6.5, "source": "x"})
    assert above.get_json()["target"]["position"] == "above"
    assert above.get_json()["target"]["status"] == "met"
    # A value for another year is listed but does not decide the 2020 target.
    other = post_value(admin, "zone-ii-share", {"year": 2019, "value": 9, "source": "x"})
    assert other.get_json()["target"]["status"] == "not_reported"
    statuses = {t["id"]: t["status"] for t in client.get("/api/plan/targets").get_json()["targets"]}
    assert statuses["industrial-production-index"] == "met"


def test_only_admins_report_values(api_as, client, store) -> None:
    body = {"year": 2020, "value": 8.5, "source": "x"}
    for name in ("viewer", "sct-editor", "lt-editor"):
        assert post_value(api_as(name), "industrial-production-index", body).status_code == 403
    assert client.post(
        "/api/plan/targets/industrial-production-index/values", json=body
    ).status_code in (400, 401)
    with store.session() as session:
        entered = select(func.count()).select_from(TargetValue)
        assert session.scalar(entered.where(TargetValue.entered_by != "data/plan.json")) == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"year": 2020, "value": "lots", "source": "x"}, "value"),
        ({"year": 2020, "value": 150, "source": "x"}, "value"),
        ({"year": 2020, "value": True, "source": "x"}, "value"),
        ({"year": 2020, "value": "nan", "source": "x"}, "value"),
        ({"year": 1900, "value": 5, "source": "x"}, "year"),
        ({"year": "next", "value": 5, "source": "x"}, "year"),
        ({"year": 2020, "value": 5}, "source"),
        ({"year": 2020, "value": 5, "source": " "}, "source"),
        ({"year": 2020, "value": 5, "source": "x" * 501}, "source"),
        ({"year": 2020, "value": 5, "source": "x", "unit": "%"}, "unit"),
    ],
)
def test_bad_values_get_422_naming_the_field(api_as, store, body: dict, field: str) -> None:
    response = post_value(api_as("admin"), "high-tech-share", body)
    assert response.status_code == 422
    assert field in [e["field"] for e in response.get_json()["errors"]]
    with store.session() as session:
        entered = select(func.count()).select_from(TargetValue)
        assert session.scalar(entered.where(TargetValue.entered_by != "data/plan.json")) == 0


def test_unknown_target_is_404(api_as) -> None:
    response = post_value(api_as("admin"), "gdp", {"year": 2020, "value": 1, "source": "x"})
    assert response.status_code == 404


# --- pages ----------------------------------------------------------------------------------


def _page(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def _rows(html: str) -> list[str]:
    return re.findall(r'<tr id="task-([a-z0-9-]+)"', html)


def test_plan_page_groups_by_section_and_filters(client) -> None:
    html = _page(client, "/plan?lang=en")
    assert re.findall(r'<section class="plan-section" data-section="([IV]+)"', html) == [
        "I",
        "II",
        "III",
    ]
    assert len(_rows(html)) == 33
    assert _rows(_page(client, "/plan?district=740")) == ["i-2-4", "ii-1-b"]
    assert _rows(_page(client, "/plan?cluster=kcn-bien-hoa-1")) == ["ii-5-a", "ii-5-b"]
    assert len(_rows(_page(client, "/plan?lead_unit=so-cong-thuong&section=I"))) == 3
    assert _rows(_page(client, "/plan?status=done")) == []
    assert client.get("/plan?district=999").status_code == 400


def test_plan_page_marks_overdue_as_of_a_chosen_date_and_today(client) -> None:
    html = _page(client, "/plan?as_of=2020-04-01&lang=en")
    row = re.search(r'<tr id="task-i-1-1".*?</tr>', html, re.S)[0]
    assert 'data-overdue="true"' in row and "Overdue as of 01/04/2020" in row
    assert 'data-overdue-today="true"' in row and "Overdue today" in row
    later = re.search(r'<tr id="task-i-2-2".*?</tr>', html, re.S)[0]  # due 2020-12-31
    assert 'data-overdue="false"' in later and "Overdue as of" not in later
    assert 'data-overdue-today="true"' in later


def test_cluster_page_lists_its_tasks(client) -> None:
    html = _page(client, "/clusters/ccn-long-phuoc-1?lang=en")
    section = re.search(r'<ul class="plan-tasks-of-cluster".*?</ul>', html, re.S)[0]
    assert 'data-task="ii-1-b"' in section and "/plan/tasks/ii-1-b" in section
    assert "No task of the plan names this cluster." in _page(
        client, "/clusters/ccn-binh-an?lang=en"
    )


def test_the_task_form_updates_and_records(client, accounts, store) -> None:
    assert login(client, "sct-editor").status_code == 302
    form = task_form(client, SCT_TASK)
    response = client.post(
        f"/plan/tasks/{SCT_TASK}?lang=en",
        data={**form, "status": "done", "note": "Đã ban hành", "note_date": "2020-04-20"},
    )
    assert response.status_code == 302
    html = _page(client, f"/plan/tasks/{SCT_TASK}?lang=en")
    assert "Đã ban hành" in html and "Task updated." in html
    with store.session() as session:
        task = plan.get_task(session, SCT_TASK)
        assert (task.status, task.notes[0]["date"]) == ("done", "2020-04-20")


def test_a_stale_form_shows_what_changed_and_keeps_the_typed_text(
    client, accounts, api_as, store
) -> None:
    assert login(client, "sct-editor").status_code == 302
    form = task_form(client, SCT_TASK)
    # Meanwhile the province sets the status.
    assert patch_task(api_as("admin"), SCT_TASK, {"status": "done"}).status_code == 200
    typed = "Báo cáo <b>quý I</b>"
    response = client.post(
        f"/plan/tasks/{SCT_TASK}?lang=en", data={**form, "note": typed, "note_date": "2020-04-02"}
    )
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    conflict = re.search(r'<div class="edit-message conflict".*?</div>', html, re.S)[0]
    assert "admin" in conflict and "Done" in conflict
    assert "Báo cáo &lt;b&gt;quý I&lt;/b&gt;</textarea>" in html  # kept, escaped
    assert 'name="version" value="2"' in html
    # The status was not touched here: the form now shows the admin's, and saving again
    # adds the note and keeps that status.
    again = dict(re.findall(r'name="(csrf_token|version|status_read)" value="([^"]*)"', html))
    selected = re.search(r'<option value="([a-z_]+)" selected>', html)[1]
    assert selected == again["status_read"] == "done"
    response = client.post(
        f"/plan/tasks/{SCT_TASK}",
        data={**again, "status": selected, "note": typed, "note_date": "2020-04-02"},
    )
    assert response.status_code == 302
    with store.session() as session:
        task = plan.get_task(session, SCT_TASK)
        assert task.status == "done" and task.notes[-1]["text"] == typed


def test_a_status_chosen_in_a_stale_form_is_applied_on_top(client, accounts, api_as, store) -> None:
    assert login(client, "sct-editor").status_code == 302
    form = task_form(client, SCT_TASK)
    assert patch_task(api_as("admin"), SCT_TASK, {"status": "done"}).status_code == 200
    response = client.post(f"/plan/tasks/{SCT_TASK}", data={**form, "status": "in_progress"})
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert re.search(r'<option value="([a-z_]+)" selected>', html)[1] == "in_progress"
    again = dict(re.findall(r'name="(csrf_token|version|status_read)" value="([^"]*)"', html))
    response = client.post(f"/plan/tasks/{SCT_TASK}", data={**again, "status": "in_progress"})
    assert response.status_code == 302
    with store.session() as session:
        assert plan.get_task(session, SCT_TASK).status == "in_progress"


def test_a_bad_form_is_shown_again_with_the_error(client, accounts, store) -> None:
    assert login(client, "sct-editor").status_code == 302
    form = task_form(client, SCT_TASK)
    response = client.post(
        f"/plan/tasks/{SCT_TASK}",
        data={**form, "note": "Ghi chú", "note_date": "2999-01-01"},
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'data-field="note_date"' in html and "Ghi chú</textarea>" in html
    assert _task_events(store) == 0


def test_the_form_is_shown_only_within_scope(client, accounts) -> None:
    assert 'id="task-form"' not in _page(client, f"/plan/tasks/{SCT_TASK}")
    assert login(client, "lt-editor").status_code == 302
    assert 'id="task-form"' not in _page(client, f"/plan/tasks/{SCT_TASK}")
    assert 'id="task-form"' in _page(client, f"/plan/tasks/{LT_TASK}")


def test_user_text_on_plan_pages_is_escaped(api_as, client) -> None:
    xss = "<img src=x onerror=alert(1)>"
    assert patch_task(api_as("sct-editor"), SCT_TASK, {"note": xss}).status_code == 200
    for path in ("/plan", f"/plan/tasks/{SCT_TASK}"):
        html = _page(client, path)
        assert xss not in html and "&lt;img src=x onerror=alert(1)&gt;" in html


def test_an_account_lead_unit_must_lead_a_task(runner, store) -> None:
    result = runner.invoke(
        args=[
            "users",
            "create",
            "ngoai-vu",
            "--role",
            "editor",
            "--lead-unit",
            "Sở Ngoại vụ",
            "--password-stdin",
        ],
        input="a long password\n",
    )
    assert result.exit_code == 1 and "lead_unit" in result.output
    result = runner.invoke(
        args=[
            "users",
            "create",
            "khdt",
            "--role",
            "editor",
            "--lead-unit",
            "Sở Kế hoạch và Đầu tư",
            "--password-stdin",
        ],
        input="a long password\n",
    )
    assert result.exit_code == 0, result.output
    targets = len(PLAN["targets"])
    assert f"33 plan tasks, {targets} targets" in runner.invoke(args=["db", "init"]).output
