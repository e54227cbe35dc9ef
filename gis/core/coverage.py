"""Coverage of the data: how many features of each kind report each fact, as a Markdown table."""

from __future__ import annotations

import re
from typing import Any

from gis.core.schema import free_land_ha, occupancy_pct

# The facts an investor or the tracker asks for, in the order the table lists them. Each is
# known when the feature holds a value that is not merely our reading (``inferred``).
FIELDS: tuple[str, ...] = (
    "geometry",
    "commune",
    "planned_area_ha",
    "industrial_land_ha",
    "leased_land_ha",
    "occupancy_reported_pct",
    "occupancy_pct",
    "free_land_ha",
    "investor",
    "decision_number",
    "decision_date",
    "industries",
    "stage",
    "clearance_status",
    "clearance_cleared_ha",
    "infrastructure",
    "status_note",
    "as_of",
)
# What each computed column is computed from, so the table says it is not typed.
COMPUTED = {
    "occupancy_pct": "computed: leased / industrial land, else the reported percentage",
    "free_land_ha": "computed: industrial land − leased (or × (100 − reported %) / 100)",
}
# Parks first, then clusters, then the sub-zones inside parks: every kind of the schema.
COLUMNS = {"KCN": "KCN (parks)", "CCN": "CCN (clusters)", "CNHT": "CNHT (sub-zones)"}
START = "<!-- coverage:start (written by `flask --app app clusters coverage --write`) -->"
END = "<!-- coverage:end -->"
_SECTION = re.compile(re.escape(START) + r".*?" + re.escape(END), re.DOTALL)


def _value(feature: dict[str, Any], name: str) -> Any:
    props = feature.get("properties") or {}
    if name == "geometry":
        return feature.get("geometry")
    industrial = props.get("industrial_land_ha")
    leased = props.get("leased_land_ha")
    reported = props.get("occupancy_reported_pct")
    if name == "occupancy_pct":
        return occupancy_pct(industrial, leased, reported)
    if name == "free_land_ha":
        return free_land_ha(industrial, leased, reported)
    if name in (props.get("inferred") or []):
        return None
    value = props.get(name)
    if name == "infrastructure":
        return [v for v in (value or {}).values() if v is not None]
    return value


def _known(value: Any) -> bool:
    return value not in (None, [], {}, "")


def coverage(features: list[dict[str, Any]]) -> dict[str, dict[str, tuple[int, int]]]:
    """{field: {kind: (known, total)}} over the features, for every kind of COLUMNS."""
    by_kind = {
        k: [f for f in features if (f.get("properties") or {}).get("kind") == k] for k in COLUMNS
    }
    return {
        name: {
            kind: (sum(_known(_value(f, name)) for f in items), len(items))
            for kind, items in by_kind.items()
        }
        for name in FIELDS
    }


def coverage_table(features: list[dict[str, Any]]) -> str:
    """The coverage as a Markdown table between its markers (parks and clusters apart)."""
    table = coverage(features)
    header = f"| field | {' | '.join(COLUMNS.values())} | note |"
    lines = [START, "", header, "| --- " * (len(COLUMNS) + 2) + "|"]
    for name, counts in table.items():
        cells = " | ".join(f"{known} / {total}" for known, total in counts.values())
        lines.append(f"| `{name}` | {cells} | {COMPUTED.get(name, '')} |")
    lines += ["", END]
    return "\n".join(lines)


def replace_section(text: str, table: str) -> str:
    """``text`` with its coverage section replaced by ``table`` (ValueError if it has none)."""
    if not _SECTION.search(text):
        raise ValueError("no coverage section: add the start and end markers first")
    return _SECTION.sub(lambda _: table, text, count=1)


def section_of(text: str) -> str | None:
    """The coverage section of ``text`` as written, or None."""
    match = _SECTION.search(text)
    return match.group(0) if match else None
