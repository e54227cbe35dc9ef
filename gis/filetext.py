"""Text made safe for the files people open: spreadsheet cells and XML documents.

A spreadsheet treats a cell that starts with = + - @ (or a tab or carriage return before
one) as a formula: user text exported as is can run commands or leak data when the file is
opened (CSV injection). OWASP's advice is followed: such a cell gets a leading apostrophe,
which spreadsheets show as text. A text that starts with an apostrophe gets a second one,
so ``spreadsheet_text`` is reversible (``from_spreadsheet_text``) and an import of our own
CSV gives back exactly what was exported.

XML 1.0 forbids most C0 control characters (and U+FFFE, U+FFFF and lone surrogates): no
parser reads a document holding one, whatever the escaping. They are replaced by U+FFFD.
"""

from __future__ import annotations

import re
from typing import Any

# Characters that make a spreadsheet read a cell as a formula (OWASP, "CSV Injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
APOSTROPHE = "'"
_ESCAPED_STARTS = (*FORMULA_STARTS, APOSTROPHE)
# Everything XML 1.0 does not allow in a document (its "Char" production).
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
REPLACEMENT = "\ufffd"


def xml_text(value: str) -> str:
    """``value`` with every character XML 1.0 forbids replaced by U+FFFD."""
    return _NOT_XML.sub(REPLACEMENT, value)


def spreadsheet_text(value: Any) -> Any:
    """A cell value safe to open in a spreadsheet: text that could start a formula gets a
    leading apostrophe, and characters XML forbids (XLSX is XML) are replaced.

    Numbers, booleans and None pass unchanged.
    """
    if not isinstance(value, str):
        return value
    value = xml_text(value)
    return APOSTROPHE + value if value.startswith(_ESCAPED_STARTS) else value


def from_spreadsheet_text(value: Any) -> Any:
    """The text ``spreadsheet_text`` was given back: one escaping apostrophe removed."""
    if isinstance(value, str) and value[:1] == APOSTROPHE and value[1:].startswith(_ESCAPED_STARTS):
        return value[1:]
    return value
