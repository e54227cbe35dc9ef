"""English data text shown on pages has its Vietnamese in data/text_vi.json, and pages use it."""

from __future__ import annotations

import json
import unicodedata

from tests.browser.english_words import english_in
from tests.conftest import ROOT

DATA = ROOT / "data"
CLUSTERS = json.loads((DATA / "clusters.geojson").read_text(encoding="utf-8"))
PLAN = json.loads((DATA / "plan.json").read_text(encoding="utf-8"))
VI = json.loads((DATA / "text_vi.json").read_text(encoding="utf-8"))["vi"]
# The notes a cluster page and its printout show through the data_text filter.
NOTE_FIELDS = ("area_note", "location_note", "status_note", "investor", "clearance_blocker")


def _shown_data_text() -> list[str]:
    texts = [
        f["properties"][field]
        for f in CLUSTERS["features"]
        for field in NOTE_FIELDS
        if f["properties"].get(field)
    ]
    texts += [o["source"] for t in PLAN["targets"] for o in t.get("outcomes", [])]
    return texts


def test_every_english_note_and_outcome_source_has_its_vietnamese() -> None:
    missing = [t for t in _shown_data_text() if english_in(t) and t not in VI]
    assert missing == []


def test_the_vietnamese_texts_are_nfc_and_read_as_vietnamese() -> None:
    for english, vietnamese in VI.items():
        assert unicodedata.is_normalized("NFC", vietnamese), english
        assert english_in(vietnamese) == [], english


def test_a_park_page_and_the_plan_show_the_vietnamese_text(client) -> None:
    park = client.get("/clusters/kcn-nhon-trach-1?lang=vi").get_data(as_text=True)
    assert "448,5 ha năm 2025" in park and "the newest figure is kept" not in park
    plan = client.get("/plan?lang=vi").get_data(as_text=True)
    assert "số liệu công bố tại buổi họp báo cuối năm của tỉnh" in plan
    assert "year-end press conference" not in plan
    english = client.get("/plan?lang=en").get_data(as_text=True)
    assert "year-end press conference" in english
