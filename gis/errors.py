"""Domain errors, raised by the core and turned into HTTP answers by the web layer."""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import ValidationError


@dataclass
class FieldError:
    """One invalid field (or request parameter) and why."""

    field: str
    reason: str


# pydantic's wording where ours differs (the API says "unknown field" everywhere).
_REASONS = {"missing": "required", "extra_forbidden": "unknown field"}


def field_errors(exc: ValidationError) -> list[FieldError]:
    """One FieldError per pydantic error: its dotted location and reason."""
    return [
        FieldError(
            ".".join(str(p) for p in e["loc"]) or "(record)",
            _REASONS.get(e["type"], e["msg"]),
        )
        for e in exc.errors()
    ]


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
    """The actor may not do this; the message says why."""


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
