"""The administrators' pages: list, create, disable and reset users."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from werkzeug.wrappers import Response as WerkzeugResponse

from gis.core import users as accounts
from gis.core.actors import ROLES, check_admin
from gis.core.districts import all_districts
from gis.core.plan import lead_units
from gis.errors import InvalidInput
from gis.web import get_store
from gis.web.auth import current_actor

bp = Blueprint("admin", __name__)
# Roles in words: the codes are the API's and the command line's.
ROLE_LABELS = {
    "admin": _l("Administrator (province)"),
    "editor": _l("Editor (district or lead unit)"),
    "viewer": _l("Viewer (reads only)"),
}


def _render(
    errors: list | None = None, status: int = 200, form: dict | None = None
) -> ResponseReturnValue:
    with get_store().session() as session:
        return render_template(
            "admin/users.html",
            users=accounts.all_users(session),
            roles=ROLES,
            role_labels=ROLE_LABELS,
            districts=all_districts(session),
            lead_units=[name for _key, name in lead_units(session)],
            errors=errors or [],
            form=form or {},
        ), status


@bp.get("/users")
@login_required
def users() -> ResponseReturnValue:
    """Every account with its role and scope."""
    check_admin(current_actor())
    return _render()


@bp.post("/users")
@login_required
def create_user() -> ResponseReturnValue:
    """Create an account from the form."""
    check_admin(current_actor())
    form = request.form
    try:
        with get_store().write() as session:
            accounts.create_user(
                session,
                form.get("username", ""),
                form.get("password", ""),
                form.get("role", ""),
                form.get("district") or None,
                form.get("lead_unit") or None,
            )
    except InvalidInput as exc:
        return _render(exc.errors, 422, form=form)
    flash(_("User %(name)s created.", name=form.get("username", "").lower()))
    return redirect(url_for("admin.users"))


@bp.post("/users/<int:user_id>/active")
@login_required
def set_active(user_id: int) -> WerkzeugResponse:
    """Disable or enable an account (disabling ends its sessions at once)."""
    check_admin(current_actor())
    with get_store().write() as session:
        user = accounts.get_user(session, user_id)
        accounts.set_active(user, request.form.get("active") == "1")
        name = user.username
    flash(_("User %(name)s updated.", name=name))
    return redirect(url_for("admin.users"))


@bp.post("/users/<int:user_id>/password")
@login_required
def reset_password(user_id: int) -> ResponseReturnValue:
    """Set a new password (the user's sessions end)."""
    check_admin(current_actor())
    try:
        with get_store().write() as session:
            user = accounts.get_user(session, user_id)
            accounts.set_password(session, user, request.form.get("password", ""))
            name = user.username
    except InvalidInput as exc:
        return _render(exc.errors, 422)
    flash(_("Password of %(name)s reset.", name=name))
    return redirect(url_for("admin.users"))
