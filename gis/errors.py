"""Domain errors, raised by the core and turned into HTTP answers by the web layer."""

from __future__ import annotations

from dataclasses import dataclass, field
from dataclasses import field as dataclass_field
from typing import Any

from pydantic import ValidationError


@dataclass
class FieldError:
    """One invalid field (or request parameter) and why.

    ``reason`` is English for people reading the API; ``code`` names the reason for
    programs and for the pages, which word it in the reader's language with ``params``
    (the figures and names it cites). Codes are listed in gis/web/reason_text.py.
    """

    field: str
    reason: str
    code: str = "invalid"
    params: dict[str, Any] = dataclass_field(default_factory=dict)


# pydantic's wording where ours differs (the API says "unknown field" everywhere).
_REASONS = {"missing": "required", "extra_forbidden": "unknown field"}
# pydantic's error types (stable across its versions) → our reason codes, and the limit
# each one cites in its context.
_PYDANTIC_CODES: dict[str, tuple[str, str | None]] = {
    "greater_than_equal": ("too_small", "ge"),
    "greater_than": ("too_small", "gt"),
    "less_than_equal": ("too_large", "le"),
    "less_than": ("too_large", "lt"),
    "string_too_long": ("too_long", "max_length"),
    "too_long": ("too_long", "max_length"),
    "string_too_short": ("empty", None),
    "literal_error": ("not_in_list", None),
    "enum": ("not_in_list", None),
    "date_parsing": ("not_date", None),
    "date_type": ("not_date", None),
    "date_from_datetime_parsing": ("not_date", None),
    "date_from_datetime_inexact": ("not_date", None),
    "float_parsing": ("not_number", None),
    "float_type": ("not_number", None),
    "finite_number": ("not_number", None),
    "int_parsing": ("not_number", None),
    "int_type": ("not_number", None),
    "string_type": ("not_text", None),
    "bool_type": ("not_yes_no", None),
    "bool_parsing": ("not_yes_no", None),
    "missing": ("required", None),
    "extra_forbidden": ("unknown_field", None),
    "string_pattern_mismatch": ("bad_format", None),
    "value_error": ("invalid", None),
}


def _code_and_params(error: Any) -> tuple[str, dict[str, Any]]:
    context = error.get("ctx") or {}
    if error["type"] in _PYDANTIC_CODES:
        code, limit_key = _PYDANTIC_CODES[error["type"]]
        limit = context.get(limit_key) if limit_key else None
        return code, ({"limit": limit} if isinstance(limit, (int, float)) else {})
    # Our own validators raise PydanticCustomError(code, reason, params): the code is the type.
    params = {k: v for k, v in context.items() if isinstance(v, (str, int, float))}
    return error["type"], params


def field_errors(exc: ValidationError) -> list[FieldError]:
    """One FieldError per pydantic error: its dotted location, reason, code and figures."""
    errors = []
    for e in exc.errors():
        code, params = _code_and_params(e)
        name = ".".join(str(p) for p in e["loc"]) or "(record)"
        errors.append(FieldError(name, _REASONS.get(e["type"], e["msg"]), code, params))
    return errors


class DomainError(Exception):
    """Base of the errors the core raises on purpose."""


class NotFound(DomainError):
    """The named object does not exist."""

    def __init__(self, what: str, ident: str) -> None:
        super().__init__(f"{what} {ident!r} not found")
        self.what = what
        self.ident = ident


@dataclass
class InvalidInput(DomainError):
    """Input failed validation; ``errors`` names each field and the reason.

    ``status`` is 400 for a malformed request (query parameters, JSON syntax) and 422 for a
    well-formed body whose values are not acceptable.
    """

    errors: list[FieldError] = field(default_factory=list)
    status: int = 400

    def __str__(self) -> str:
        return "; ".join(f"{e.field}: {e.reason}" for e in self.errors)


class Forbidden(DomainError):
    """The actor may not do this; the message says why (English), ``code`` names it for pages."""

    def __init__(
        self, message: str, code: str = "forbidden", params: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.code = code
        self.params = params or {}


class StaleVersion(DomainError):
    """The caller's version is not the current one: someone changed the object meanwhile."""

    def __init__(self, current_version: int, changes_since: list[dict]) -> None:
        super().__init__(f"version is stale: the current version is {current_version}")
        self.current_version = current_version
        self.changes_since = changes_since


class ProposalConflict(DomainError):
    """A proposed change cannot be decided as asked: already decided, or stale.

    ``stale`` is True when the cluster was changed after the proposal was made: it must be
    re-proposed on the current version before it can be approved.
    """

    def __init__(self, message: str, *, stale: bool = False, current_version: int | None = None):
        super().__init__(message)
        self.stale = stale
        self.current_version = current_version


class StoreBusy(DomainError):
    """The store could not start (or finish) a write in time; the client may retry."""

    def __init__(self, retry_after: int, reason: str = "the database is busy") -> None:
        super().__init__(f"{reason}; try again in {retry_after} s")
        self.retry_after = retry_after
