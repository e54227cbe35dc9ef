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


# Characters no text of ours may hold: C0 and C1 control characters and DEL (PostgreSQL
# refuses NUL in text, and the others garble exports and logs), and lone UTF-16 surrogates
# (a JSON "\ud800" decodes to one; it cannot be encoded as UTF-8 to be stored). Multi-line
# text keeps tab, line feed and carriage return.
_UNSAFE_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_UNSAFE_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def unsafe_character(value: str, *, multiline: bool = False) -> str | None:
    """Why ``value`` cannot be accepted as text ("contains U+0000 ..."), or None when it can.

    ``multiline`` allows tab, line feed and carriage return (free text from a form or JSON);
    one-line values such as query parameters and path segments allow no control character.
    """
    found = (_UNSAFE_TEXT if multiline else _UNSAFE_LINE).search(value)
    if found is None:
        return None
    code = ord(found.group())
    kind = "a lone surrogate" if 0xD800 <= code <= 0xDFFF else "a control character"
    return f"contains {kind} (U+{code:04X}), which is not accepted in text"
