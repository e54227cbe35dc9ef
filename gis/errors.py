"""Domain errors, raised by the core and turned into HTTP answers by the web layer."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


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
    params: dict[str, Any] = field(default_factory=dict)


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


class StoreBusy(DomainError):
    """The store could not start (or finish) a write in time; the client may retry."""

    def __init__(self, retry_after: int, reason: str = "the database is busy") -> None:
        super().__init__(f"{reason}; try again in {retry_after} s")
        self.retry_after = retry_after
