"""Domain errors, raised by the core and turned into HTTP answers by the web layer."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class FieldError:
    """One invalid field (or request parameter) and why."""

    field: str
    reason: str


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
    """Input failed validation; ``errors`` names each field and the reason."""

    errors: list[FieldError] = field(default_factory=list)

    def __str__(self) -> str:
        return "; ".join(f"{e.field}: {e.reason}" for e in self.errors)
