"""Login, logout and the current user (Flask-Login), with sessions that can be ended."""

from __future__ import annotations

from typing import Protocol, cast
from urllib.parse import urlsplit, urlunsplit

from flask import (
    Blueprint,
    Flask,
    Request,
    Response,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface, SessionMixin
from flask_babel import gettext as _
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFProtect
from werkzeug.wrappers import Response as WerkzeugResponse
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from gis.core import tokens, users
from gis.core.actors import Actor
from gis.core.session_user import session_user
from gis.errors import DomainError, FieldError
from gis.store.models import User
from gis.text import unsafe_character
from gis.web import get_store
from gis.web.errors import problem

bp = Blueprint("auth", __name__)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
login_manager = LoginManager()
csrf = CSRFProtect()


class NotAuthenticated(DomainError):
    """The request needs a logged-in user."""


class UserFields(Protocol):
    """What a session needs of a user: a User row, or the row of ``session_user.session_user``."""

    id: int
    username: str
    role: str
    district_code: str | None
    lead_unit: str | None
    session_generation: int


class SessionUser(UserMixin):
    """The logged-in user as Flask-Login sees it; its id carries the session generation."""

    def __init__(self, user: UserFields) -> None:
        self.user_id = user.id
        self.username = user.username
        self.role = user.role
        self.district_code = user.district_code
        self.lead_unit = user.lead_unit
        self.generation = user.session_generation

    def get_id(self) -> str:
        """ "<id>:<generation>": a cookie from before a logout or password change won't load."""
        return f"{self.user_id}:{self.generation}"

    @property
    def actor(self) -> Actor:
        """The core's view of this user."""
        return Actor(self.username, self.role, self.district_code, self.lead_unit)


@login_manager.user_loader
def _load_user(token: str) -> SessionUser | None:
    user_id, _sep, generation = token.partition(":")
    if not user_id.isdigit() or not generation.isdigit() or len(user_id + generation) > 20:
        return None
    # Every request of a logged-in user loads them: one light statement on a pooled
    # connection, no session or ORM row (it was a tenth of a write's CPU). Still read at
    # every request, so a logout, disable or password change ends every copy of a cookie.
    with get_store().engine.connect() as connection:
        row = session_user(connection, int(user_id), int(generation))
    return SessionUser(cast(UserFields, row)) if row is not None else None


class TokenUser(SessionUser):
    """A user acting through a personal access token, limited to the token's scope."""

    def __init__(self, user: User, scope: str) -> None:
        super().__init__(user)
        self.token_scope = scope


def bearer_token(req: Request) -> str | None:
    """The personal access token of ``Authorization: Bearer …``, if the request has one."""
    header = req.headers.get("Authorization", "")
    if header[:7].lower() == "bearer ":
        return header[7:].strip()
    return None


class TokenlessSessionInterface(SecureCookieSessionInterface):
    """Cookie sessions, except that a request with a token neither reads nor gets one."""

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        """An empty session for a token request (its cookie, if any, is ignored)."""
        if bearer_token(request) is not None:
            return self.session_class()
        return super().open_session(app, request)

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        """No Set-Cookie for a token request."""
        if bearer_token(request) is not None:
            return
        super().save_session(app, session, response)


READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
TOKEN_PATHS = ("/api/", "/ogc/", "/ogc")


def _token_refused(reason: str, status: int = 401) -> Response:
    title = "Unauthorized" if status == 401 else "Forbidden"
    response = problem(status, title, reason, [FieldError("Authorization", reason)])
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer error="invalid_token"'
    return response


def _authenticate() -> Response | None:
    """A token request acts as the token's owner and skips CSRF (no cookie can carry it);
    every other request that changes something needs the CSRF token."""
    secret = bearer_token(request)
    if secret is None:
        csrf.protect(apply_exemptions=True)
        return None
    if not request.path.startswith(TOKEN_PATHS):
        # Tokens serve the data APIs; the pages (a token list, the user admin) need a login.
        return _token_refused("access tokens are for /api and /ogc only")
    with get_store().write() as session:
        try:
            token, user = tokens.authenticate(session, secret)
        except tokens.TokenRefused as exc:
            return _token_refused(str(exc))
        tokens.record_use(session, token, request.method, request.full_path, _client_address())
        scope = token.scope
        g._login_user = TokenUser(user, scope)  # what Flask-Login's current_user reads
    if scope != "write" and request.method not in READ_METHODS:
        return _token_refused("this token may only read; a change needs a write token", 403)
    return None


def current_actor() -> Actor:
    """The acting user, or NotAuthenticated."""
    if not current_user.is_authenticated:
        raise NotAuthenticated("log in first")
    return current_user.actor


def optional_actor() -> Actor | None:
    """The acting user, or None for an anonymous client."""
    return current_user.actor if current_user.is_authenticated else None


class LoginForm(FlaskForm):
    """Username and password (the CSRF token comes with FlaskForm)."""

    username = StringField("username", validators=[DataRequired(), Length(max=80)])
    password = PasswordField("password", validators=[DataRequired(), Length(max=128)])


def _client_address() -> str:
    return request.remote_addr or "unknown"


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | WerkzeugResponse | tuple[str, int] | tuple[str, int, dict[str, str]]:
    """The login form; repeated failures are slowed per account-and-address and per address.

    The password is checked outside any write transaction (scrypt is slow), and the
    throttle's counts are written without bumping the store revision: logging in leaves
    every cached answer valid.
    """
    form = LoginForm()
    status = 200
    headers: dict[str, str] = {}
    if form.validate_on_submit():
        username, password = form.username.data or "", form.password.data or ""
        address = _client_address()
        store = get_store()
        with store.session() as session:
            wait = users.login_wait(session, username, address)
            user = None if wait else users.authenticate(session, username, password)
            session_user = SessionUser(user) if user is not None else None
        if wait:
            form.form_errors.append(
                _("Too many failed logins. Try again in %(seconds)s s.", seconds=wait)
            )
            status, headers = 429, {"Retry-After": str(wait)}
        elif session_user is None:
            with store.write(revision=False) as session:
                users.record_failure(session, store.sql, username, address)
            form.form_errors.append(_("Wrong username or password."))
            status = 401
        else:
            with store.write(revision=False) as session:
                users.clear_failures(session, username, address)
            login_user(session_user)
            return redirect(safe_next(request.args.get("next")))
    elif request.method == "POST":
        status = 400
    return render_template("auth/login.html", form=form), status, headers


def safe_next(target: str | None) -> str:
    r"""``next`` as a path on this site, or the map: never another site after login.

    Read as a browser reads a Location: WHATWG URL parsing drops tab, CR and LF and takes a
    backslash for a slash, so "/\t/evil.example" and "/\\evil.example" name another host.
    The target is normalised that way, then kept only when it has neither scheme nor host and
    its path is absolute; what is returned is rebuilt from those parts, so no control
    character reaches the Location header.
    """
    fallback = url_for("web.index")
    if not target:
        return fallback
    normalised = "".join(c for c in target if c not in "\t\r\n").replace("\\", "/")
    if unsafe_character(normalised) is not None:
        return fallback
    parts = urlsplit(normalised)
    if parts.scheme or parts.netloc or not parts.path.startswith("/"):
        return fallback
    if parts.path.startswith("//"):
        return fallback
    return urlunsplit(("", "", parts.path, parts.query, parts.fragment))


@bp.route("/logout", methods=["GET", "POST"])
def logout() -> str | WerkzeugResponse:
    """Log out (POST); ends every session of this user, copied cookies included."""
    if request.method == "GET":
        return render_template("auth/logout.html")
    if current_user.is_authenticated:
        with get_store().write() as session:
            users.end_sessions(users.get_user(session, current_user.user_id))
    logout_user()
    flash(_("You are logged out."))
    return redirect(url_for("web.index"))


def init_app(app: Flask) -> None:
    """Wire Flask-Login, CSRF protection and secure cookie settings."""
    production = app.config["GIS_ENV"] == "production"
    for prefix in ("SESSION_COOKIE", "REMEMBER_COOKIE"):
        app.config[f"{prefix}_HTTPONLY"] = True
        app.config[f"{prefix}_SAMESITE"] = app.config.get(f"{prefix}_SAMESITE") or "Lax"
        app.config[f"{prefix}_SECURE"] = bool(app.config.get(f"{prefix}_SECURE")) or production
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    # CSRF is checked in _authenticate, which knows a token request from a cookie one.
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False

    @app.before_request
    def _api_writes_need_a_login() -> Response | None:
        # Registered before the CSRF check: an anonymous write to the API is told to log
        # in (401), not that its CSRF token is missing. Every API write needs a login or an
        # access token (which _authenticate checks); an unknown route or method (no
        # url_rule) is left to its 404 or 405.
        if (
            request.method not in SAFE_METHODS
            and request.url_rule is not None
            and request.path.startswith(("/api/", "/ogc/"))
            and bearer_token(request) is None
            and not current_user.is_authenticated
        ):
            return problem(401, "Unauthorized", "log in first")
        return None

    csrf.init_app(app)
    app.session_interface = TokenlessSessionInterface()
    app.before_request(_authenticate)

    @login_manager.unauthorized_handler
    def _unauthorized() -> Response | WerkzeugResponse:
        if request.path.startswith(("/api/", "/ogc/")):
            response = problem(401, "Unauthorized", "log in, or send a personal access token")
            response.headers["WWW-Authenticate"] = "Bearer"
            return response
        return redirect(url_for("auth.login", next=request.full_path))

    @app.errorhandler(NotAuthenticated)
    def _not_authenticated(_exc: NotAuthenticated) -> Response | WerkzeugResponse:
        return _unauthorized()
