"""The /plan page in a real browser: filters, overdue as of a chosen date, updating a task."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.conftest import PageWatch, save_screenshot
from tests.conftest import PASSWORD
from tests.helpers import patch_task

XSS = "<img src=x onerror=alert(1)>"


def _rows(page: Page) -> list[str]:
    return page.locator("tr.task-row").evaluate_all("rows => rows.map(r => r.dataset.task)")


def _login(page: Page, base: str, username: str) -> None:
    page.goto(base + "/auth/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def test_filters_narrow_the_tasks_and_are_kept_in_the_url(
    page: Page, live_server: str, client, watch: PageWatch
) -> None:
    page.goto(live_server + "/plan")
    expect(page.locator("tr.task-row")).to_have_count(33)
    expect(page.locator("section.plan-section")).to_have_count(3)
    form = page.locator("#plan-filters")
    form.locator("select[name=lead_unit]").select_option("so-cong-thuong")
    form.locator("button[type=submit]").click()
    expect(page.locator("tr.task-row")).to_have_count(9)
    assert "lead_unit=so-cong-thuong" in page.url
    expected = [
        t["id"] for t in client.get("/api/plan/tasks?lead_unit=so-cong-thuong").get_json()["tasks"]
    ]
    assert _rows(page) == expected
    # The form shows the filter it applied; add a district: nothing led by Sở Công Thương there.
    expect(form.locator("select[name=lead_unit]")).to_have_value("so-cong-thuong")
    form.locator("select[name=district]").select_option("740")
    form.locator("button[type=submit]").click()
    expect(page.locator("#no-tasks")).to_be_visible()
    page.locator("#plan-filters a").click()  # clear
    # Each step waits for the page it loads: a read right after a click can meet the old one.
    expect(form.locator("select[name=lead_unit]")).to_have_value("")
    form.locator("select[name=cluster]").select_option("kcn-bien-hoa-1")
    form.locator("button[type=submit]").click()
    expect(page.locator("tr.task-row")).to_have_count(2)
    assert _rows(page) == ["ii-5-a", "ii-5-b"]
    # Each task links to its clusters' pages and to the map.
    link = page.locator('tr[data-task="ii-5-a"] .cluster-link a').first
    expect(link).to_have_attribute("href", "/clusters/kcn-bien-hoa-1")
    page.locator('tr[data-task="ii-5-a"] .cluster-link a.on-map').first.click()
    page.wait_for_selector("body[data-ready]")
    expect(page.locator("#cluster-list li")).to_have_count(1)
    expect(page.locator('#cluster-list button[data-id="kcn-bien-hoa-1"]')).to_have_count(1)
    assert watch.errors == []


def test_overdue_is_marked_as_of_a_chosen_date_and_today(
    page: Page, live_server: str, client, watch: PageWatch
) -> None:
    page.goto(live_server + "/plan")
    # Judged against today (years after the plan), every task with a date is late.
    expect(page.locator('tr.task-row[data-overdue-today="true"]')).to_have_count(32)
    expect(page.locator(".overdue-mark.as-of")).to_have_count(0)
    page.locator("#plan-filters input[name=as_of]").fill("2020-04-01")
    page.locator("#plan-filters button[type=submit]").click()
    assert "as_of=2020-04-01" in page.url
    late = client.get("/api/plan/tasks?status=overdue&as_of=2020-04-01").get_json()["tasks"]
    assert {t["id"] for t in late} == {"i-1-1", "ii-1-a", "ii-1-d", "ii-5-a", "ii-6-d"}
    marked = page.locator("tr.task-row:has(.overdue-mark.as-of)")
    expect(marked).to_have_count(len(late))
    assert set(marked.evaluate_all("rows => rows.map(r => r.dataset.task)")) == {
        t["id"] for t in late
    }
    # A task due at the end of 2020 is on time on 1 April 2020 but late today: one mark.
    row = page.locator('tr[data-task="i-2-2"]')
    expect(row.locator(".overdue-mark.as-of")).to_have_count(0)
    expect(row.locator(".overdue-mark.today")).to_have_count(1)
    # Only what is overdue as of the date, with the status filter.
    page.locator("#plan-filters select[name=status]").select_option("overdue")
    page.locator("#plan-filters button[type=submit]").click()
    expect(page.locator("tr.task-row")).to_have_count(len(late))
    save_screenshot(page, "plan-overdue-as-of")
    assert watch.errors == []


def test_a_lead_unit_editor_updates_a_task(
    page: Page, live_server: str, accounts, client, api_as, watch: PageWatch
) -> None:
    _login(page, live_server, "sct-editor")
    page.goto(live_server + "/plan?lead_unit=so-cong-thuong")
    # Update links only where the editor's unit leads the task.
    expect(page.locator("a.update-link")).to_have_count(9)
    page.goto(live_server + "/plan")
    expect(page.locator('tr[data-task="i-2-4"] a.update-link')).to_have_count(0)
    page.locator('tr[data-task="i-1-2"] a.update-link').click()
    form = page.locator("#task-form")
    form.locator("select[name=status]").select_option("in_progress")
    form.locator("input[name=note_date]").fill("2020-06-25")
    form.locator("textarea[name=note]").fill(XSS)
    form.locator("button[type=submit]").click()
    expect(page.locator(".flashes")).to_be_visible()
    expect(page.locator("#notes .note-text")).to_have_text(XSS)  # shown as text
    assert page.locator("img[src=x]").count() == 0
    expect(page.locator('.schedule tr[data-date="2020-06-30"]')).not_to_have_class("overdue")
    task = client.get("/api/plan/tasks/i-1-2?as_of=2020-07-15").get_json()
    assert task["status"] == "in_progress" and not task["overdue"]
    assert task["notes"][0]["date"] == "2020-06-25"

    # Someone else changes the task while the form is open: the typed note is kept.
    page.goto(live_server + "/plan/tasks/i-1-2")
    form.locator("textarea[name=note]").fill("Báo cáo 6 tháng cuối năm")
    form.locator("input[name=note_date]").fill("2020-12-20")
    assert patch_task(api_as("admin"), "i-1-2", {"status": "done"}).status_code == 200
    form.locator("button[type=submit]").click()
    conflict = page.locator("#conflict")
    expect(conflict).to_contain_text("admin")
    expect(form.locator("textarea[name=note]")).to_have_value("Báo cáo 6 tháng cuối năm")
    expect(form.locator("input[name=note_date]")).to_have_value("2020-12-20")
    save_screenshot(page, "plan-task-conflict")
    form.locator("button[type=submit]").click()  # a deliberate second save
    expect(page.locator("#notes li")).to_have_count(2)
    final = client.get("/api/plan/tasks/i-1-2").get_json()
    assert final["status"] == "done"  # the admin's status stays: this form did not change it
    assert [n["text"] for n in final["notes"]] == [XSS, "Báo cáo 6 tháng cuối năm"]
    assert watch.errors == [] and watch.dialogs == []


def test_an_editor_of_another_unit_gets_no_form(page: Page, live_server: str, accounts) -> None:
    _login(page, live_server, "lt-editor")
    page.goto(live_server + "/plan/tasks/i-1-1")
    expect(page.locator("#task-form")).to_have_count(0)
    page.goto(live_server + "/plan/tasks/i-2-4")
    expect(page.locator("#task-form")).to_have_count(1)
