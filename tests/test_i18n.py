"""Languages: Vietnamese by default, English on request, and a complete Vietnamese catalog."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo

from tests.conftest import map_config
from tests.helpers import VI_PO, read_vi_po

ROOT = Path(__file__).resolve().parent.parent
VI_MO = VI_PO.with_suffix(".mo")
# The same input directories and keywords as the `pybabel extract` command in babel.cfg.
SOURCE_DIRS = ("gis", "templates")
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]|\{[a-z_]+\}")
COMPILE = "pybabel compile -d gis/translations"


def _html_lang(html: str) -> str:
    match = re.search(r'<html lang="([^"]+)">', html)
    assert match, "no <html lang=...> in the page"
    return match.group(1)


def _page(client, path: str = "/", **kwargs) -> str:
    response = client.get(path, **kwargs)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _map_texts(html: str) -> dict[str, str]:
    """The texts the page hands to the map script (JSON, so non-ASCII is \\u-escaped)."""
    return map_config(html)["labels"]["text"]


def _assert_vietnamese(html: str) -> None:
    assert _html_lang(html) == "vi"
    # The legend: a template string and the lazy stage labels from gis/web/labels.py.
    assert "<h2>Chú giải</h2>" in html, f"untranslated page; is the catalog compiled? ({COMPILE})"
    assert "Đang hoạt động" in html
    assert "<h2>Legend</h2>" not in html


def _assert_english(html: str) -> None:
    assert _html_lang(html) == "en"
    assert "<h2>Legend</h2>" in html
    assert "Operating" in html
    assert "Chú giải" not in html


# --- language selection ---------------------------------------------------------------------


def test_vietnamese_by_default(client) -> None:
    html = _page(client)
    _assert_vietnamese(html)
    # The labels the map script gets are translated per request too.
    texts = _map_texts(html)
    assert texts["occupancy"] == "Tỷ lệ lấp đầy"
    assert texts["shown"] == "Đang hiển thị {count}/{total}"


def test_english_with_lang_parameter(client) -> None:
    html = _page(client, "/?lang=en")
    _assert_english(html)
    assert _map_texts(html)["shown"] == "{count} of {total} shown"


def test_unknown_lang_parameter_falls_back_to_vietnamese(client) -> None:
    _assert_vietnamese(_page(client, "/?lang=fr"))
    assert client.get_cookie("lang") is None


def test_choice_is_remembered_by_cookie(client) -> None:
    _assert_english(_page(client, "/?lang=en"))
    cookie = client.get_cookie("lang")
    assert cookie is not None and cookie.value == "en"
    # The next request, without the parameter, stays in English.
    _assert_english(_page(client))
    # Choosing Vietnamese again replaces the remembered choice.
    _assert_vietnamese(_page(client, "/?lang=vi"))
    assert client.get_cookie("lang").value == "vi"
    _assert_vietnamese(_page(client))


def test_cookie_wins_over_browser_language(client) -> None:
    client.set_cookie("lang", "vi")
    _assert_vietnamese(_page(client, headers={"Accept-Language": "en-US,en;q=0.9"}))


def test_english_browser_gets_english(client) -> None:
    _assert_english(_page(client, headers={"Accept-Language": "en-US,en;q=0.9"}))


def test_other_browser_language_gets_vietnamese(client) -> None:
    _assert_vietnamese(_page(client, headers={"Accept-Language": "fr"}))


def test_cluster_page_is_translated(client) -> None:
    cluster_id = client.get("/api/clusters").get_json()["features"][0]["id"]
    html = _page(client, f"/clusters/{cluster_id}")
    assert _html_lang(html) == "vi"
    assert "Quay lại bản đồ" in html
    assert "Diện tích quy hoạch" in html
    html = _page(client, f"/clusters/{cluster_id}?lang=en")
    assert _html_lang(html) == "en"
    assert "Back to the map" in html


# --- the catalog ----------------------------------------------------------------------------


def _source_msgids() -> set[str]:
    """Every msgid in the code and templates, extracted as `pybabel extract` does."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as f:
        method_map, options_map = parse_mapping_cfg(f)
    msgids: set[str] = set()
    for directory in SOURCE_DIRS:
        for _filename, _lineno, message, _comments, _context in extract_from_dir(
            str(ROOT / directory), method_map, options_map, keywords=KEYWORDS
        ):
            msgids.add(message if isinstance(message, str) else message[0])
    return msgids


def test_every_source_string_is_in_the_catalog() -> None:
    missing = _source_msgids() - {m.id for m in read_vi_po() if m.id}
    assert not missing, (
        f"strings not in {VI_PO.relative_to(ROOT)}: {sorted(missing)}; run pybabel extract "
        "(see babel.cfg) and pybabel update -i gis/translations/messages.pot "
        "-d gis/translations, then translate them"
    )


def test_every_msgid_has_a_vietnamese_translation() -> None:
    catalog = read_vi_po()
    messages = [m for m in catalog if m.id]
    assert messages, "the Vietnamese catalog is empty"
    untranslated = [m.id for m in messages if not (m.string and str(m.string).strip())]
    fuzzy = [m.id for m in messages if m.fuzzy]
    assert not untranslated, f"untranslated: {untranslated}"
    assert not fuzzy, f"fuzzy (review, then remove the fuzzy flag): {fuzzy}"


def test_translations_keep_placeholders_and_are_nfc() -> None:
    catalog = read_vi_po()
    problems = [(m.id, [str(e) for e in errors]) for m, errors in catalog.check()]
    assert not problems, problems
    for m in catalog:
        if not m.id:
            continue
        assert sorted(PLACEHOLDER.findall(m.id)) == sorted(PLACEHOLDER.findall(m.string)), m.id
        assert unicodedata.normalize("NFC", m.string) == m.string, f"not NFC: {m.string!r}"


def test_compiled_catalog_matches_the_po() -> None:
    if not VI_MO.exists():
        pytest.fail(f"{VI_MO.relative_to(ROOT)} is missing; run {COMPILE}")
    with VI_MO.open("rb") as f:
        compiled = {m.id: m.string for m in read_mo(f) if m.id}
    source = {m.id: m.string for m in read_vi_po() if m.id}
    assert compiled == source, f"the .mo is stale; run {COMPILE}"
