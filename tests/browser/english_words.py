"""What counts as English on a Vietnamese page: the catalog's English and known English words."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from babel.messages.pofile import read_po

CATALOG = Path(__file__).resolve().parents[2] / "gis/translations/vi/LC_MESSAGES/messages.po"
# Words that are English and never Vietnamese (none of them is a Vietnamese syllable without
# its marks), and the machine codes a page must never show in place of words.
KNOWN_ENGLISH = (
    "the",
    "and",
    "of",
    "with",
    "month",
    "months",
    "year",
    "years",
    "end",
    "seed",
    "dataset",
    "not reported",
    "unknown",
    "page not found",
    "not found",
    "none",
    "null",
    "undefined",
    "true",
    "false",
    "NaN",
    "planned",
    "established",
    "clearing",
    "building",
    "operating",
    "converting",
    "relocating",
    "removed",
    "surveyed",
    "in_progress",
    "not_started",
    "done",
    "commune_centroid",
    "district_centroid",
    "roads",
    "power",
    "water",
    "wastewater",
    "drainage",
    "fire",
    "overdue",
    "deadline",
    "district",
    "cluster",
    "clusters",
    "park",
    "parks",
    "zone",
    "stage",
    "report",
    "reports",
    "page",
    "source",
    "sources",
    "see",
    "textiles",
    "food",
    "garments",
    "electronics",
    "mechanical",
    "wood",
    "furniture",
)
# A snake_case word is a code or a field name, never text for people.
SNAKE_CASE = re.compile(r"\b[a-z]+_[a-z0-9_]+\b")
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w*\}")
# Proper names and abbreviations the catalog keeps in English-like spelling in Vietnamese too.
SAME_IN_BOTH = {"OpenStreetMap", "GeoJSON", "GeoPackage", "Shapefile", "CSV", "XLSX", "KML"}
# Names of standards, kept as their publishers write them in every language.
PROPER_NAMES = re.compile(r"OGC API\s[–-]\s?Features")
# A web address a printout cites is an address, not text in any language
# ("news_detail.asp?news_id=…" is no English on a Vietnamese page).
WEB_ADDRESS = re.compile(r"https?://\S+")


@lru_cache(maxsize=1)
def english_phrases() -> tuple[str, ...]:
    """Every piece of catalog English whose Vietnamese differs, plus the known words."""
    with CATALOG.open("rb") as handle:
        catalog = read_po(handle)
    phrases: set[str] = set()
    for message in catalog:
        if not message.id or message.fuzzy:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not any(strings) or set(ids) == set(strings):
            continue
        for english in ids:
            for piece in PLACEHOLDER.split(english):
                piece = piece.strip(" .,:;·()–-—…“”\"'/")
                # One short word could be a name or a unit; it is caught by KNOWN_ENGLISH.
                if (
                    len(piece) >= 4
                    and re.search(r"[A-Za-z]{3}", piece)
                    and piece not in SAME_IN_BOTH
                    and not any(piece in s for s in strings)
                ):
                    phrases.add(piece)
    phrases.update(KNOWN_ENGLISH)
    return tuple(sorted(phrases, key=len, reverse=True))


@lru_cache(maxsize=1)
def _pattern() -> re.Pattern[str]:
    words = "|".join(re.escape(p) for p in english_phrases())
    # Whole words only: "Long" inside a Vietnamese name is not English, "months" is.
    return re.compile(rf"(?<![\w\-/.])(?:{words})(?![\w\-/])", re.IGNORECASE)


def english_in(text: str) -> list[str]:
    """The English phrases and codes found in ``text``."""
    text = WEB_ADDRESS.sub(" ", PROPER_NAMES.sub(" ", text))
    found = [m.group(0) for m in _pattern().finditer(text)]
    # A code in KNOWN_ENGLISH is snake_case too: name it once.
    found += [code for code in SNAKE_CASE.findall(text) if code not in found]
    return found
