"""Personal access tokens in the UI: each user creates, sees once and revokes their own;
administrators list everyone's."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response as WerkzeugResponse

from gis.core import tokens
from gis.core.actors import check_admin
from gis.core.users import get_user
from gis.errors import InvalidInput
from gis.web import get_store
from gis.web.auth import current_actor

bp = Blueprint("tokens", __name__)


def _page(
    issued: str | None = None, errors: list | None = None, status: int = 200
) -> ResponseReturnValue:
    with get_store().session() as session:
        own = tokens.tokens_of(session, current_user.user_id)
        return render_template(
            "auth/tokens.html",
            tokens=[(t, tokens.status(t)) for t in own],
            issued=issued,
            errors=errors or [],
            scopes=tokens.SCOPES,
            default_days=tokens.DEFAULT_DAYS,
            max_days=tokens.MAX_DAYS,
        ), status


@bp.get("/auth/tokens")
@login_required
def own_tokens() -> ResponseReturnValue:
    """The user's tokens, with the form for a new one."""
    return _page()


@bp.post("/auth/tokens")
@login_required
def create() -> ResponseReturnValue:
    """Create a token and show it this once; only its hash is kept."""
    form = request.form
    try:
        days = int(form.get("days", ""))
    except ValueError:
        days = 0
    try:
        with get_store().write() as session:
            user = get_user(session, current_user.user_id)
            issued = tokens.create_token(
                session, user, form.get("name", ""), form.get("scope", ""), days
            )
            secret = issued.secret
    except InvalidInput as exc:
        return _page(errors=exc.errors, status=422)
    response = _page(issued=secret)
    return response


@bp.post("/auth/tokens/<int:token_id>/revoke")
@login_required
def revoke(token_id: int) -> WerkzeugResponse:
    """Revoke one of the user's own tokens at once."""
    with get_store().write() as session:
        token = tokens.revoke(session, current_user.user_id, token_id)
        name = token.name
    flash(_("Token %(name)s revoked.", name=name))
    return redirect(url_for("tokens.own_tokens"))


@bp.get("/admin/tokens")
@login_required
def all_tokens() -> ResponseReturnValue:
    """Administrators: every token, its owner, scope, state and use."""
    check_admin(current_actor())
    with get_store().session() as session:
        rows = [(t, owner, tokens.status(t)) for t, owner in tokens.all_tokens(session)]
        return render_template("admin/tokens.html", rows=rows)
