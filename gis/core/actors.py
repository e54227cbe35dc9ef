"""Who is acting and what they may change: roles and scope, checked in the core."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from gis.errors import Forbidden
from gis.text import fold

# A reviewer is the province's checker under approval (GIS_APPROVAL): reads everything,
# approves or rejects district editors' proposals, and changes nothing itself.
ROLES = ("admin", "editor", "reviewer", "viewer")

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
        # Who moves a point says how precise its new place is.
        "location_precision",
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
        raise Forbidden(f"the {actor.role} role cannot change clusters", "role_cannot_edit")
    if actor.district_code is None or actor.district_code != district_code:
        raise Forbidden("this cluster is outside your district", "outside_your_district")
    not_allowed = sorted(fields - EDITOR_FIELDS)
    if not_allowed:
        raise Forbidden(
            f"editors cannot change {', '.join(not_allowed)}",
            "fields_not_editable",
            {"fields": not_allowed},
        )


def check_review(actor: Actor) -> None:
    """Raise Forbidden unless ``actor`` may approve or reject proposed changes."""
    if actor.role not in ("admin", "reviewer"):
        raise Forbidden("only reviewers and administrators decide on proposed changes")


def check_admin(actor: Actor) -> None:
    """Raise Forbidden unless ``actor`` is an administrator."""
    if not actor.is_admin:
        raise Forbidden("only administrators can do this")


# The plan spells one unit several ways ("Sở Kế hoạch - Đầu tư", "Sở Kế hoạch và Đầu tư",
# "Sở Kế hoạch Đầu tư"; "Ban Quản lý các KCN" and "... các Khu công nghiệp"). Scope and
# grouping compare these keys, so a unit's editor is not locked out by the plan's spelling.
_UNIT_ABBREVIATIONS = {"kcn": "khu cong nghiep", "ccn": "cum cong nghiep", "tp": "thanh pho"}
_UNIT_FILLERS = frozenset({"va"})


def unit_key(name: str) -> str:
    """A spelling-insensitive key of a unit's name ("Sở Kế hoạch - Đầu tư": so-ke-hoach-dau-tu)."""
    words = re.split(r"[^a-z0-9]+", fold(name or ""))
    expanded = " ".join(_UNIT_ABBREVIATIONS.get(w, w) for w in words if w).split()
    return "-".join(w for w in expanded if w not in _UNIT_FILLERS)


def check_task_edit(actor: Actor, lead_units: Iterable[str]) -> None:
    """Raise Forbidden unless ``actor`` may change a plan task led by ``lead_units``.

    Admins may change every task; an editor whose lead unit is one of the task's lead
    units may change it (the lead-unit scope, beside the district scope of clusters).
    """
    if actor.is_admin:
        return
    if actor.role != "editor":
        raise Forbidden(f"the {actor.role} role cannot change plan tasks")
    if not actor.lead_unit:
        raise Forbidden("your account answers for no lead unit of the plan")
    if unit_key(actor.lead_unit) not in {unit_key(u) for u in lead_units}:
        raise Forbidden("this task is led by another unit")
