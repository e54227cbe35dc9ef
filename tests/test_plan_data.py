"""data/plan.json: the tasks of the appendix of Kế hoạch 5/KH-BCĐ (5/4/2020) and its targets.

The task count is checked against the seed itself. Rule for counting appendix task lines
(see ``appendix_task_lines``):

1. Read the seed with ``str.splitlines()``. Its last line (278, appendix row III.6) has no
   trailing newline, so ``wc -l`` reports 277.
2. The appendix table starts at the first line whose first tab-separated cell is ``STT``.
3. Skip blank lines, the repeated header lines (first cell ``STT``) and the column-label
   lines (first four cells empty, fifth cell ``Chủ trì``).
4. A line whose first cell is a Roman numeral (``I``, ``II``, ``III``) opens that section.
   A line whose first cell looks like ``I.1`` is a sub-heading, not a task.
5. Every other line with a non-empty Nhiệm vụ (2nd) or Nội dung (3rd) cell is one task
   line of the current section.
6. Exception: a section-heading line that also carries a Nội dung cell. That content is a
   leftover line of the section before (the seed's line 251 prints a section I training
   task on the heading of section II), so it counts there. plan.json flags it as
   ``misaligned_row``.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from pathlib import Path

import pytest

from tests.helpers import CLUSTERS, DISTRICTS, PLAN, appendix_task_lines, cells, seed_lines

ROOT = Path(__file__).resolve().parents[1]
TASKS = PLAN["tasks"]
BY_ID = {t["id"]: t for t in TASKS}
FLAG_KINDS = {"blank_lead_unit", "date_typo", "inconsistent", "misaligned_row"}
QUARTER_END = {"I": "03-31", "II": "06-30", "III": "09-30", "IV": "12-31"}


def _strings(value: object):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield k
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def test_plan_header() -> None:
    plan = PLAN["plan"]
    assert plan["number"] == "5/KH-BCĐ"
    assert plan["date"] == "2020-04-05"
    assert plan["signed_by"] == "Trần Văn Vĩnh"
    assert plan["source"] == "seed: shared/seed/000_829ec96c5786f6ce.txt"
    assert plan["title"].startswith("Kế hoạch triển khai Chương trình chuyển dịch cơ cấu")


def test_task_ids_are_unique_slugs() -> None:
    ids = [t["id"] for t in TASKS]
    assert [i for i, n in Counter(ids).items() if n > 1] == []
    for tid in ids:
        assert re.fullmatch(r"(i|ii|iii)(-\d+)+(-[a-z])?", tid), tid
    target_ids = [t["id"] for t in PLAN["targets"]]
    assert len(set(target_ids)) == len(target_ids)


def test_every_task_has_the_required_keys() -> None:
    required = {
        "id",
        "section",
        "section_title",
        "ref",
        "task",
        "content",
        "timeframe",
        "due",
        "lead_units",
        "partner_units",
        "cluster_ids",
        "district_codes",
        "flags",
        "source_line",
    }
    for task in TASKS:
        assert required <= set(task), task["id"]
        assert task["section"] in {"I", "II", "III"}
        assert task["id"].split("-")[0] == task["section"].lower()
        assert isinstance(task["lead_units"], list)
        assert isinstance(task["partner_units"], list)
        assert task["timeframe"], task["id"]


def test_task_count_per_section_matches_the_seed_appendix() -> None:
    expected = appendix_task_lines()
    got: dict[str, list[int]] = {}
    for task in TASKS:
        got.setdefault(task["section"], []).append(task["source_line"])
    assert set(got) == set(expected) == {"I", "II", "III"}
    for section, lines in expected.items():
        assert len(got[section]) == len(lines), section
        assert sorted(got[section]) == lines, section


def test_task_text_is_as_written_in_the_seed() -> None:
    for task in TASKS:
        line = cells(task["source_line"])
        assert task["content"] == (line[2] or None), task["id"]
        if task["content"]:
            assert " ".join(task["content_parts"]) == task["content"]
        assert task["task"] == cells(task["row_line"])[1], task["id"]
        values = cells(task["values_from_line"] or task["source_line"])
        assert task["timeframe"] == values[3], task["id"]
        section_line = next(
            i + 1 for i, text in enumerate(seed_lines()) if text.split("\t")[0] == task["section"]
        )
        assert task["section_title"] == cells(section_line)[1]


def test_due_dates_follow_the_timeframe() -> None:
    for task in TASKS:
        tf, due = task["timeframe"], task["due"]
        assert due["kind"] in {"once", "recurring", "unknown"}
        quarters = re.fullmatch(r"Quý ([IV, ]+)/(\d{4})", tf)
        if quarters:
            last = quarters[1].split(", ")[-1]
            assert due == {**due, "kind": "once", "date": f"{quarters[2]}-{QUARTER_END[last]}"}
        elif re.match(r"(Trong năm|Cả năm|Năm) 2020", tf):
            assert (due["kind"], due["date"]) == ("once", "2020-12-31")
        elif tf == "Hàng tháng":
            assert (due["kind"], due["every"], due["until"]) == ("recurring", "month", "2020-12-31")
        elif tf == "định kỳ 06 tháng":
            assert (due["kind"], due["every"]) == ("recurring", "6 months")
        else:
            assert due["kind"] == "unknown", tf
    assert BY_ID["ii-1-d"]["timeframe"] == "Quý III, IV/2019"
    assert BY_ID["ii-1-d"]["due"]["date"] == "2019-12-31"


def test_cluster_ids_exist_and_district_codes_exist() -> None:
    cluster_ids = {f["id"] for f in CLUSTERS["features"]}
    codes = {d["code"] for d in DISTRICTS["districts"]}
    for task in TASKS:
        assert set(task["cluster_ids"]) <= cluster_ids, task["id"]
        assert set(task.get("main_text_cluster_ids", [])) <= cluster_ids, task["id"]
        assert set(task["district_codes"]) <= codes, task["id"]


def test_named_clusters_and_districts() -> None:
    assert BY_ID["ii-1-b"]["cluster_ids"] == [
        "ccn-vlxd-tan-an",
        "ccn-long-phuoc-1",
        "ccn-hung-loc",
        "ccn-phu-tuc",
        "ccn-long-giao",
    ]
    assert BY_ID["ii-1-b"]["district_codes"] == ["735", "736", "738", "739", "740"]
    # "UBND huyện Long Thành" names the district; "KCN CNC Long Thành" is a park, not a district.
    assert BY_ID["i-2-4"]["district_codes"] == ["740"]
    assert BY_ID["i-2-4"]["cluster_ids"] == ["kcn-cnc-long-thanh"]
    assert BY_ID["ii-5-a"]["district_codes"] == ["731"]  # "UBND TP. Biên Hòa"
    assert BY_ID["ii-5-b"]["district_codes"] == []  # only "KCN Biên Hòa 1"


def test_flags() -> None:
    for task in TASKS:
        kinds = [f["kind"] for f in task["flags"]]
        assert set(kinds) <= FLAG_KINDS, task["id"]
        assert all(f["note"] for f in task["flags"])
        assert ("blank_lead_unit" in kinds) == (task["lead_units"] == []), task["id"]
    typo = BY_ID["ii-6-d"]
    assert typo["ref"] == "III.2.3.d"
    assert "date_typo" in [f["kind"] for f in typo["flags"]]
    assert "năm 2029" in seed_lines()[170]
    assert [t["id"] for t in TASKS if any(f["kind"] == "misaligned_row" for f in t["flags"])] == [
        "i-2-5-d",
        "ii-1-a",
    ]


def test_all_text_is_nfc() -> None:
    for text in _strings(PLAN):
        assert unicodedata.is_normalized("NFC", text), text


SIX_TARGETS = {
    "industrial_production_index_growth": (8.0, 9.0, "%", "growth_on_previous_year"),
    "high_tech_industry_share": (5.5, 6.0, "%", "share"),
    "support_industry_share": (21.0, 23.0, "%", "share"),
    "key_industries_share": (86.0, 87.0, "%", "share"),
    "zone_ii_share": (5.5, 6.0, "%", "share"),
    "domestic_invested_share_change": (1.0, 2.0, "percentage points", "share_change_points"),
}


@pytest.mark.parametrize(("indicator", "expected"), SIX_TARGETS.items())
def test_the_six_targets(indicator: str, expected: tuple) -> None:
    (target,) = [t for t in PLAN["targets"] if t["indicator"] == indicator]
    low, high, unit, kind = expected
    assert target["range"] == {"min": low, "max": high}
    assert (target["unit"], target["kind"], target["year"]) == (unit, kind, 2020)
    assert target["name_vi"] in seed_lines()[target["source_line"] - 1]


def test_target_baselines() -> None:
    by = {t["indicator"]: t for t in PLAN["targets"]}
    assert by["domestic_invested_share_change"]["baseline"]["value"] == 15.79
    assert by["domestic_invested_share_change"]["baseline"]["year"] == 2015
    assert by["industrial_production_index_growth"]["baseline"]["year"] == 2019
    for target in PLAN["targets"]:
        assert {"value", "year", "note"} <= set(target["baseline"])
        assert target["range"]["min"] <= target["range"]["max"]
