"""Accounts: creation, passwords (slow hash), disabling, and throttling failed logins."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from gis.core.actors import ROLES, Actor, unit_key
from gis.core.plan import lead_units
from gis.errors import FieldError, InvalidInput, NotFound
from gis.store.models import District, LoginFailure, User, utcnow
from gis.text import nfc

# werkzeug's default, memory-hard; the test suite swaps in a cheap one except where it tests
# the hashing itself (tests/conftest.py), since five scrypt hashes cost about a second.
PASSWORD_HASH_METHOD = "scrypt"
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{2,39}$")
MIN_PASSWORD, MAX_PASSWORD = 8, 128
# A hash of a random password, checked when the user does not exist so that a wrong
# username costs as much time as a wrong password.
_DUMMY_HASH = generate_password_hash("not-a-real-password-4e0c")

FAILURE_WINDOW = dt.timedelta(minutes=15)
MAX_FAILURES_PER_ACCOUNT = 5
MAX_FAILURES_PER_ADDRESS = 20


def _password_errors(password: str) -> list[FieldError]:
    if not isinstance(password, str) or not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        return [FieldError("password", f"must be {MIN_PASSWORD} to {MAX_PASSWORD} characters")]
    return []


def create_user(
    session: Session,
    username: str,
    password: str,
    role: str,
    district_code: str | None = None,
    lead_unit: str | None = None,
) -> User:
    """Create an account; raises InvalidInput naming each bad field."""
    username = nfc(username or "").lower()
    errors = _password_errors(password)
    if not USERNAME.match(username):
        errors.append(FieldError("username", "3–40 characters: a–z, 0–9, dot, dash, underscore"))
    elif session.scalar(select(User).where(User.username == username)):
        errors.append(FieldError("username", "is already taken"))
    if role not in ROLES:
        errors.append(FieldError("role", f"must be one of {', '.join(ROLES)}"))
    if role == "editor" and not district_code and not lead_unit:
        errors.append(FieldError("district", "an editor needs a district (or a lead unit)"))
    if district_code and not session.get(District, district_code):
        errors.append(FieldError("district", f"{district_code!r} is not a district code"))
    known_units = {key for key, _name in lead_units(session)}
    if lead_unit and known_units and unit_key(lead_unit) not in known_units:
        # A misspelt unit would give its editor no task at all, silently.
        errors.append(FieldError("lead_unit", f"{lead_unit[:80]!r} leads no task of the plan"))
    if errors:
        raise InvalidInput(errors, status=422)
    user = User(
        username=username,
        password_hash=generate_password_hash(password, method=PASSWORD_HASH_METHOD),
        role=role,
        district_code=district_code or None,
        lead_unit=nfc(lead_unit) if lead_unit else None,
        active=True,
        session_generation=0,
    )
    session.add(user)
    session.flush()
    return user


def get_user(session: Session, user_id: int) -> User:
    """The user with this id, or NotFound."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("user", str(user_id))
    return user


def all_users(session: Session) -> list[User]:
    """Every account, by username."""
    return list(session.scalars(select(User).order_by(User.username)))


def set_password(session: Session, user: User, password: str) -> None:
    """Change a password; the user's existing sessions end."""
    errors = _password_errors(password)
    if errors:
        raise InvalidInput(errors, status=422)
    user.password_hash = generate_password_hash(password, method=PASSWORD_HASH_METHOD)
    end_sessions(user)


def set_active(user: User, active: bool) -> None:
    """Enable or disable an account; disabling ends its sessions."""
    user.active = active
    end_sessions(user)


def end_sessions(user: User) -> None:
    """Invalidate every session cookie issued to ``user`` so far."""
    user.session_generation = (user.session_generation or 0) + 1


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The active user with these credentials, or None (same work either way)."""
    user = session.scalar(select(User).where(User.username == nfc(username or "").lower()))
    ok = check_password_hash(user.password_hash if user else _DUMMY_HASH, password or "")
    return user if ok and user is not None and user.active else None


def _recent_failures(session: Session, key: str) -> int:
    since = utcnow() - FAILURE_WINDOW
    return (
        session.scalar(
            select(func.count())
            .select_from(LoginFailure)
            .where(LoginFailure.key == key, LoginFailure.at >= since)
        )
        or 0
    )


def throttled(session: Session, username: str, address: str) -> bool:
    """True when this account or this address failed too often in the last 15 minutes."""
    return (
        _recent_failures(session, f"user:{nfc(username or '').lower()}") >= MAX_FAILURES_PER_ACCOUNT
        or _recent_failures(session, f"addr:{address}") >= MAX_FAILURES_PER_ADDRESS
    )


def record_failure(session: Session, username: str, address: str) -> None:
    """Count a failed login against the account and the address (kept in the database,
    so every worker process sees the same counts)."""
    now = utcnow()
    session.add(LoginFailure(key=f"user:{nfc(username or '').lower()}", at=now))
    session.add(LoginFailure(key=f"addr:{address}", at=now))
    session.execute(delete(LoginFailure).where(LoginFailure.at < now - 4 * FAILURE_WINDOW))


def actor_of(user: User) -> Actor:
    """The core's view of a user."""
    return Actor(
        username=user.username,
        role=user.role,
        district_code=user.district_code,
        lead_unit=user.lead_unit,
    )
