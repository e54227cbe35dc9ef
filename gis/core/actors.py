"""Who is acting and what they may change: roles and scope, checked in the core."""

from __future__ import annotations

from dataclasses import dataclass

from gis.errors import Forbidden

ROLES = ("admin", "editor", "viewer")

# What an editor may change on a cluster of their own district. Everything else
# (names, kind, district, commune, sources, plan notes) is the province's to change.
EDITOR_FIELDS = frozenset(
    {
        "stage",
        "clearance_status",
        "clearance_cleared_ha",
        "clearance_total_ha",
        "clearance_blocker",
        "infrastructure",
        "industrial_land_ha",
        "leased_land_ha",
        "investor",
        "decision_number",
        "decision_date",
        "as_of",
        "status_note",
        "geometry",
    }
)


@dataclass(frozen=True)
class Actor:
    """The user on whose behalf the core acts (no Flask in here)."""

    username: str
    role: str
    district_code: str | None = None
    lead_unit: str | None = None

    @property
    def is_admin(self) -> bool:
        """True for the province's administrators."""
        return self.role == "admin"


def check_cluster_edit(actor: Actor, district_code: str | None, fields: set[str]) -> None:
    """Raise Forbidden unless ``actor`` may change ``fields`` of a cluster in that district."""
    if actor.is_admin:
        return
    if actor.role != "editor":
        raise Forbidden(f"the {actor.role} role cannot change clusters")
    if actor.district_code is None or actor.district_code != district_code:
        raise Forbidden("this cluster is outside your district")
    not_allowed = sorted(fields - EDITOR_FIELDS)
    if not_allowed:
        raise Forbidden(f"editors cannot change {', '.join(not_allowed)}")


def check_admin(actor: Actor) -> None:
    """Raise Forbidden unless ``actor`` is an administrator."""
    if not actor.is_admin:
        raise Forbidden("only administrators can do this")
