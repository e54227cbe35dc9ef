"""Vietnamese text handling: NFC normalisation and diacritic-insensitive search keys."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from anyascii import anyascii

_SPACES = re.compile(r"\s+")


def nfc(value: str) -> str:
    """Return ``value`` in Unicode NFC with surrounding whitespace removed."""
    return unicodedata.normalize("NFC", value).strip()


def fold(value: str) -> str:
    """Fold text to a lowercase ASCII search key: "Đồng Nai" -> "dong nai".

    A transliteration library is used rather than stripping combining marks after NFD,
    because đ/Đ has no decomposition and would survive such stripping.
    """
    ascii_text = anyascii(unicodedata.normalize("NFC", value)).casefold()
    return _SPACES.sub(" ", ascii_text).strip()


def search_key(parts: Iterable[str | None]) -> str:
    """Join the non-empty parts into one folded search key."""
    return " | ".join(fold(p) for p in parts if p)


def query_tokens(query: str) -> list[str]:
    """Split a user's search query into folded tokens, all of which must match."""
    return [t for t in fold(query).split(" ") if t]
