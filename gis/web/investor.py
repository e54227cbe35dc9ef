"""What investors read of a cluster, ready for a template: distances, readiness, Decree 32.

The core gives figures (``gis.core.places``, ``gis.core.decree32``); this module turns them into
rows of display text in the reader's language, shared by the cluster page, its printable page
and the comparison page. Every text here is plain: the templates escape it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from flask_babel import format_decimal
from flask_babel import gettext as _

from gis.core import decree32
from gis.core.places import INTERCHANGE
from gis.core.schema import INFRASTRUCTURE_COMPONENTS
from gis.store.models import Place
from gis.web import labels
from gis.web.formatting import num
from gis.web.i18n import current_language

# Places in the order an investor scans them: airports, seaports, city centres, interchanges.
KIND_ORDER = ("airport", "port", "city_centre", INTERCHANGE)
# A place without a source for its coordinate is an estimate (data/PLACES_README.md).
APPROXIMATE_PREFIX = "APPROXIMATE"


def place_name(place: Place | Any) -> str:
    """A place's name in the reader's language (cluster names stay Vietnamese; places do not)."""
    return place.name_en if current_language() == "en" else place.name_vi


def ha(value: float | None) -> str | None:
    """Hectares in the reader's language ("12,5 ha"), or None when unknown."""
    return None if value is None else f"{num(value)} {_('ha')}"


def pct(value: float | None) -> str | None:
    """A percentage in the reader's language ("60,5 %"), or None when unknown."""
    return None if value is None else f"{num(value, 1)} %"


def km(value: float | None) -> str | None:
    """Straight-line km, always to the 0.1 km measured ("12,3 km"); None when unknown."""
    return None if value is None else f"{format_decimal(value, format='#,##0.0')} km"


@dataclass
class PlaceRow:
    """One place and a cluster's straight-line distance to it."""

    id: str
    name: str
    kind: str
    km: str | None
    approximate: bool
    coordinate_note: str | None
    nearest_interchange: bool = False


def _kind_rank(place: Place) -> int:
    return KIND_ORDER.index(place.kind) if place.kind in KIND_ORDER else len(KIND_ORDER)


def is_approximate(place: Place) -> bool:
    """Whether the place's point is an unsourced estimate (good to about ±1.5–3 km)."""
    return place.source is None or (place.coordinate_note or "").startswith(APPROXIMATE_PREFIX)


def place_rows(props: dict[str, Any], places: Iterable[Place]) -> list[PlaceRow]:
    """Every place with the cluster's distance, by kind then distance."""
    distances = props.get("distances_km") or {}
    nearest = (props.get("nearest_interchange") or {}).get("id")

    def order(place: Place) -> tuple[int, float, str]:
        distance = distances.get(place.id)
        return (_kind_rank(place), float("inf") if distance is None else distance, place.id)

    return [
        PlaceRow(
            id=p.id,
            name=place_name(p),
            kind=str(labels.PLACE_KIND_LABELS.get(p.kind, p.kind)),
            km=km(distances.get(p.id)),
            approximate=is_approximate(p),
            coordinate_note=p.coordinate_note,
            nearest_interchange=p.id == nearest,
        )
        for p in sorted(places, key=order)
    ]


def nearest_interchange_text(props: dict[str, Any], places: Iterable[Place]) -> str | None:
    """The nearest interchange as "4,1 km to … (straight line)", or None when unknown."""
    nearest = props.get("nearest_interchange")
    if not nearest:
        return None
    names = {p.id: place_name(p) for p in places}
    return _(
        "%(km)s km to %(place)s (straight line)",
        km=format_decimal(nearest["km"], format="#,##0.0"),
        place=names.get(nearest["id"], nearest["id"]),
    )


def field_label(name: str, cluster_names: dict[str, str] | None = None) -> str:
    """The display name of a missing fact: "Industrial land", or "CCN X: Leased land"."""
    if name in labels.FIELD_LABELS:
        return str(labels.FIELD_LABELS[name])
    owner, _dot, rest = name.partition(".")
    if rest and cluster_names is not None and owner in cluster_names:
        return f"{cluster_names[owner]}: {field_label(rest)}"
    return name


def grouped_sources(sources: dict[str, list[str]]) -> list[tuple[str, list[str]]]:
    """Each distinct source once, with the facts it supports (a printed page lists it once)."""
    grouped: dict[str, list[str]] = {}
    for fact, items in sources.items():
        label = str(labels.FACT_LABELS.get(fact, fact))
        for source in items:
            facts = grouped.setdefault(source, [])
            if label not in facts:
                facts.append(label)
    return list(grouped.items())


@dataclass
class CheckRow:
    """One condition of the decree with its figure, its threshold, and what data it lacks."""

    id: str
    rule: str
    value: str | None
    threshold: str
    ok: bool | None
    status: str
    missing: list[str] = field(default_factory=list)
    note: str | None = None
    extra: str | None = None


def _value_text(check: dict[str, Any]) -> str | None:
    value = check["value"]
    if value is None:
        return None
    if check["id"] in ("occupancy", "average_occupancy"):
        return pct(value)
    if check["id"] in ("area", "unleased_land"):
        return ha(value)
    return str(labels.COMPONENT_STATE_LABELS.get(value, value))


def _threshold_text(check: dict[str, Any]) -> str:
    threshold, rule = check["threshold"], check["id"]
    if rule == "occupancy":
        return f"≥ {pct(threshold)}"
    if rule == "average_occupancy":
        return f"> {pct(threshold)}"
    if rule in ("area", "unleased_land"):
        return f"≤ {ha(threshold)}"
    return str(labels.COMPONENT_STATE_LABELS.get(threshold, threshold))


def check_rows(
    result: dict[str, Any], cluster_names: dict[str, str] | None = None
) -> list[CheckRow]:
    """The checks of one Decree 32 answer (expansion or new cluster) as display rows."""
    rows = []
    for check in result["checks"]:
        extra = None
        if check["id"] == "area" and check.get("max_expansion_ha") is not None:
            extra = _("Room to expand: %(ha)s", ha=ha(check["max_expansion_ha"]))
        note = labels.DECREE_NOTE_LABELS.get(check["id"])
        rows.append(
            CheckRow(
                id=check["id"],
                rule=str(labels.DECREE_RULE_LABELS.get(check["id"], check["rule"])),
                value=_value_text(check),
                threshold=_threshold_text(check),
                ok=check["ok"],
                status=str(labels.CHECK_LABELS[check["ok"]]),
                missing=[field_label(m, cluster_names) for m in check["missing"]],
                note=str(note) if note else None,
                extra=extra,
            )
        )
    return rows


def not_assessed(result: dict[str, Any]) -> list[str]:
    """The decree's conditions our data cannot measure, in the reader's language."""
    return [str(labels.DECREE_NOT_ASSESSED_LABELS.get(t, t)) for t in result["not_assessed"]]


def expansion_view(record: dict[str, Any]) -> dict[str, Any]:
    """Could the cluster be expanded (Decree 32, Art. 8(2)): verdict, checks, gaps."""
    result = decree32.expansion(record)
    if result["applicable"]:
        verdict = str(labels.VERDICT_LABELS[result["eligible"]])
    else:
        verdict = _(
            "Not applicable: Decree 32 governs industrial clusters (CCN), not parks or their "
            "sub-zones. The figures are shown for information."
        )
    rows = check_rows(result)
    return {
        "result": result,
        "verdict": verdict,
        "eligible": result["eligible"],
        "applicable": result["applicable"],
        "checks": rows,
        "missing": sorted({m for r in rows for m in r.missing}),
        "not_assessed": not_assessed(result),
    }


def new_cluster_view(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Could a new cluster be established in the district (Decree 32, Art. 8(1)(c))."""
    result = decree32.new_cluster(records)
    names = {r["id"]: r.get("name_vi") or r["id"] for r in records}
    return {
        "result": result,
        "verdict": str(labels.VERDICT_LABELS[result["eligible"]]),
        "eligible": result["eligible"],
        # The per-cluster gaps are listed below the checks, not repeated in each row.
        "checks": [CheckRow(**{**vars(row), "missing": []}) for row in check_rows(result, names)],
        "counted": [names[i] for i in result["cluster_ids"]],
        "missing": [
            {"name": names.get(m["id"], m["id"]), "fields": [field_label(f) for f in m["missing"]]}
            for m in result["clusters_with_missing_data"]
        ],
        "note": str(labels.DECREE_NOTE_LABELS["new_cluster_none"]) if "note" in result else None,
        "not_assessed": not_assessed(result),
    }


# --- Side-by-side comparison ---------------------------------------------------------------


@dataclass
class Cell:
    """One value of one cluster; None text means "not reported"."""

    text: str | None
    ok: bool | None = None
    mark: bool = False  # show ``ok`` as met / not met / unknown


@dataclass
class CompareRow:
    """One fact across the compared clusters."""

    field: str
    label: str
    cells: list[Cell]
    group: str = ""


def _joined(values: Iterable[str] | None) -> str | None:
    values = [v for v in values or [] if v]
    return ", ".join(values) if values else None


def compare_rows(features: list[dict[str, Any]], places: list[Place]) -> list[CompareRow]:
    """The comparison table, one row per fact, in the order of ``core.COMPARE_FIELDS``."""
    props = [f["properties"] for f in features]

    def row(field_id: str, label: str, value: Any, group: str = "") -> CompareRow:
        return CompareRow(field_id, label, [Cell(value(p)) for p in props], group)

    def label_of(mapping: dict[Any, Any], key: Any) -> str | None:
        return None if key is None else str(mapping.get(key, key))

    facts = _("Facts")
    rows = [
        row("kind", _("Kind"), lambda p: label_of(labels.KIND_LABELS, p.get("kind")), facts),
        row("district_name", _("District"), lambda p: p.get("district_name"), facts),
        row("commune", _("Commune"), lambda p: p.get("commune"), facts),
        row("stage", _("Stage"), lambda p: label_of(labels.STAGE_LABELS, p.get("stage")), facts),
    ]
    land = _("Land")
    rows += [
        row("planned_area_ha", _("Planned area"), lambda p: ha(p.get("planned_area_ha")), land),
        row(
            "industrial_land_ha",
            _("Industrial land"),
            lambda p: ha(p.get("industrial_land_ha")),
            land,
        ),
        row("leased_land_ha", _("Leased land"), lambda p: ha(p.get("leased_land_ha")), land),
        row("free_land_ha", _("Free land"), lambda p: ha(p.get("free_land_ha")), land),
        row("occupancy_pct", _("Occupancy"), lambda p: pct(p.get("occupancy_pct")), land),
    ]
    readiness = _("Readiness")
    ready_row = CompareRow(
        "ready",
        _("Ready to build"),
        [Cell(str(labels.READY_LABELS[p.get("ready")]), p.get("ready"), True) for p in props],
        readiness,
    )
    rows += [
        ready_row,
        row(
            "clearance_status",
            _("Site clearance"),
            lambda p: label_of(labels.CLEARANCE_LABELS, p.get("clearance_status")),
            readiness,
        ),
    ]
    for component in INFRASTRUCTURE_COMPONENTS:
        rows.append(
            row(
                f"infrastructure.{component}",
                str(labels.COMPONENT_LABELS[component]),
                lambda p, c=component: label_of(
                    labels.COMPONENT_STATE_LABELS, (p.get("infrastructure") or {}).get(c)
                ),
                readiness,
            )
        )
    distance_group = _("Distances (straight line, not by road)")
    for place in sorted(places, key=_kind_rank):
        label = place_name(place)
        if is_approximate(place):
            label += " " + _("(approximate point)")
        rows.append(
            row(
                f"distances_km.{place.id}",
                label,
                lambda p, pid=place.id: km((p.get("distances_km") or {}).get(pid)),
                distance_group,
            )
        )
    rows.append(
        row(
            "nearest_interchange",
            _("Nearest expressway interchange"),
            lambda p: nearest_interchange_text(p, places),
            distance_group,
        )
    )
    business = _("Business")
    rows += [
        row("industries", _("Industries"), lambda p: _joined(p.get("industries")), business),
        row("investor", _("Investor"), lambda p: p.get("investor"), business),
        row(
            "decision",
            _("Establishment decision"),
            lambda p: (
                " · ".join(v for v in (p.get("decision_number"), p.get("decision_date")) if v)
                or None
            ),
            business,
        ),
    ]
    decree_group = _("Decree 32/2024/NĐ-CP: could it be expanded?")
    views = [expansion_view(p) for p in props]
    rows.append(
        CompareRow(
            "decree32.expansion",
            _("Verdict"),
            [Cell(v["verdict"], v["eligible"], v["applicable"]) for v in views],
            decree_group,
        )
    )
    for index, check in enumerate(views[0]["checks"]):
        cells = []
        for view in views:
            c = view["checks"][index]
            text = c.value or _("Not reported")
            if c.missing:
                text += " · " + _("missing: %(fields)s", fields=", ".join(c.missing))
            cells.append(Cell(text, c.ok, True))
        rows.append(
            CompareRow(
                f"decree32.{check.id}", f"{check.rule} ({check.threshold})", cells, decree_group
            )
        )
    return rows
