"""Whether province approval is on (GIS_APPROVAL): read from the app's configuration."""

from __future__ import annotations

from flask import current_app


def approval_on() -> bool:
    """True when district editors' changes wait for a reviewer's approval."""
    return bool(current_app.config.get("GIS_APPROVAL"))
