"""Display names (translatable) and colours of the plan's statuses, flags and targets."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

STATUS_LABELS = {
    "not_started": _l("Not started"),
    "in_progress": _l("In progress"),
    "done": _l("Done"),
    "overdue": _l("Overdue"),
}
# Colour-blind-safe (Okabe–Ito), in the order of the statuses.
STATUS_COLORS = {
    "not_started": "#999999",
    "in_progress": "#0072B2",
    "done": "#009E73",
    "overdue": "#D55E00",
}
TARGET_STATUS_LABELS = {
    "met": _l("Met"),
    "not_met": _l("Not met"),
    "not_reported": _l("Not reported"),
}
TARGET_STATUS_COLORS = {"met": "#009E73", "not_met": "#D55E00", "not_reported": "#999999"}
FLAG_LABELS = {
    "blank_lead_unit": _l("No lead unit in the plan"),
    "date_typo": _l("Date typo in the plan"),
    "inconsistent": _l("Inconsistent in the plan"),
    "misaligned_row": _l("Misaligned row in the plan"),
}
UNIT_LABELS = {
    "%": _l("%"),
    "percentage points": _l("percentage points"),
}


def flag_label(kind: str) -> str:
    """The display name of a data flag's kind (the kind itself when it is new)."""
    return str(FLAG_LABELS.get(kind, kind))


# Short names of the targets for charts and tables; the full wording is the plan's.
TARGET_SHORT_LABELS = {
    "industrial_production_index_growth": _l("Industrial production index growth"),
    "national_industrial_production_index_growth": _l("National index growth (quoted)"),
    "high_tech_industry_share": _l("High-tech industry share"),
    "support_industry_share": _l("Support industry share"),
    "key_industries_share": _l("Key industries share"),
    "zone_ii_share": _l("Zone II share"),
    "domestic_invested_share_change": _l("Domestic-invested share, change"),
    "local_industrial_growth_uplift": _l("Local industrial growth, uplift"),
}


def target_label(indicator: str) -> str:
    """The short display name of a target's indicator."""
    return str(TARGET_SHORT_LABELS.get(indicator, indicator))
