"""Personal access tokens: created and revoked by their owner, stored hashed, scoped to
read or write, expiring, each use recorded.

Desktop GIS clients (QGIS, GDAL, scripts) carry no CSRF token and keep no cookie, so they
send ``Authorization: Bearer <token>``; the token acts as its owner, with the owner's role
and district scope, and never more than its own scope allows.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from gis.errors import FieldError, InvalidInput, NotFound
from gis.store.models import AccessToken, AccessTokenUse, User, utcnow

SCOPES = ("read", "write")
PREFIX = "gisat_"
MAX_DAYS = 366
DEFAULT_DAYS = 90
MAX_NAME = 100


class TokenRefused(Exception):
    """The token is unknown, revoked or expired, or its owner is disabled (401)."""


@dataclass(frozen=True)
class Issued:
    """A new token: the stored row and the token itself, shown to its owner once."""

    token: AccessToken
    secret: str


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def create_token(session: Session, user: User, name: str, scope: str, days: int) -> Issued:
    """A new token of ``user``; InvalidInput names a bad name, scope or lifetime."""
    errors = []
    name = name.strip()
    if not name or len(name) > MAX_NAME:
        errors.append(
            FieldError(
                "name",
                f"give a name of 1 to {MAX_NAME} characters",
                "length",
                {"low": 1, "high": MAX_NAME},
            )
        )
    if scope not in SCOPES:
        errors.append(FieldError("scope", f"one of {', '.join(SCOPES)}", "not_in_list"))
    if not 1 <= days <= MAX_DAYS:
        errors.append(
            FieldError(
                "days", f"from 1 to {MAX_DAYS} days", "out_of_range", {"low": 1, "high": MAX_DAYS}
            )
        )
    if errors:
        raise InvalidInput(errors, status=422)
    secret = PREFIX + secrets.token_urlsafe(32)
    now = utcnow()
    token = AccessToken(
        user_id=user.id,
        name=name,
        token_hash=_hash(secret),
        prefix=secret[: len(PREFIX) + 4],
        scope=scope,
        created_at=now,
        expires_at=now + dt.timedelta(days=days),
        use_count=0,
    )
    session.add(token)
    session.flush()
    return Issued(token, secret)


def _aware(value: dt.datetime) -> dt.datetime:
    # SQLite hands back naive datetimes for what was stored in UTC.
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def status(token: AccessToken, now: dt.datetime | None = None) -> str:
    """ "active", "revoked" or "expired"."""
    now = now or utcnow()
    if token.revoked_at is not None:
        return "revoked"
    if _aware(token.expires_at) <= now:
        return "expired"
    return "active"


def authenticate(session: Session, secret: str) -> tuple[AccessToken, User]:
    """The token and its owner for a presented secret, or TokenRefused saying why."""
    token = session.scalar(select(AccessToken).where(AccessToken.token_hash == _hash(secret)))
    if token is None:
        raise TokenRefused("unknown token")
    state = status(token)
    if state != "active":
        raise TokenRefused(f"the token is {state}")
    user = session.get(User, token.user_id)
    if user is None or not user.active:
        raise TokenRefused("the token's account is disabled")
    return token, user


def record_use(session: Session, token: AccessToken, method: str, path: str, address: str) -> None:
    """Keep one request made with the token."""
    now = utcnow()
    token.last_used_at = now
    token.use_count = (token.use_count or 0) + 1
    session.add(
        AccessTokenUse(token_id=token.id, at=now, method=method, path=path[:300], address=address)
    )


def tokens_of(session: Session, user_id: int) -> list[AccessToken]:
    """A user's tokens, newest first."""
    query = select(AccessToken).where(AccessToken.user_id == user_id)
    return list(session.scalars(query.order_by(AccessToken.id.desc())))


def all_tokens(session: Session) -> list[tuple[AccessToken, str]]:
    """Every token with its owner's username, newest first (administrators)."""
    query = select(AccessToken, User.username).join(User, User.id == AccessToken.user_id)
    return [(t, name) for t, name in session.execute(query.order_by(AccessToken.id.desc()))]


def uses_of(session: Session, token_id: int, limit: int = 20) -> list[AccessTokenUse]:
    """The latest uses of a token."""
    query = select(AccessTokenUse).where(AccessTokenUse.token_id == token_id)
    return list(session.scalars(query.order_by(AccessTokenUse.id.desc()).limit(limit)))


def revoke(session: Session, user_id: int, token_id: int) -> AccessToken:
    """Revoke one of the user's own tokens (NotFound for anyone else's)."""
    token = session.get(AccessToken, token_id)
    if token is None or token.user_id != user_id:
        raise NotFound("token", str(token_id))
    if token.revoked_at is None:
        token.revoked_at = utcnow()
    return token
