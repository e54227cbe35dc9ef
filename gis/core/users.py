"""Accounts: creation, passwords (slow hash), disabling, and throttling failed logins."""

from __future__ import annotations

import functools
import re
import time

from sqlalchemy import case, delete, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from gis.core.actors import ROLES, Actor, unit_key
from gis.core.plan import lead_units
from gis.errors import FieldError, InvalidInput, NotFound
from gis.store.dialects import Dialect
from gis.store.models import District, LoginThrottle, User
from gis.text import nfc

# werkzeug's default, memory-hard; the test suite swaps in a cheap one except where it tests
# the hashing itself (tests/conftest.py), since five scrypt hashes cost about a second.
PASSWORD_HASH_METHOD = "scrypt"
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{2,39}$")
MIN_PASSWORD, MAX_PASSWORD = 8, 128


@functools.cache
def _dummy_hash(method: str) -> str:
    """A hash of a random password by ``method``, checked when the user does not exist so
    that a wrong username costs as much time as a wrong password."""
    # Made at the first login, not at import: every process (each gunicorn worker, each
    # CLI command) paid a scrypt hash, about 0.17 s, to start.
    return generate_password_hash("not-a-real-password-4e0c", method=method)


# Throttling, not lock-out: failures are counted per account *and* address (so guessing
# from one place never locks the real user out elsewhere) and per address (one place
# trying many accounts). Past the free attempts, each further one waits twice as long as
# the one before, up to MAX_DELAY_S; a count is forgotten FORGET_AFTER_S after its last
# failure, and a successful login clears its account-and-address count.
FREE_FAILURES_PER_PAIR = 3
FREE_FAILURES_PER_ADDRESS = 20
MAX_DELAY_S = 15 * 60
FORGET_AFTER_S = 60 * 60


def _password_errors(password: str) -> list[FieldError]:
    if not isinstance(password, str) or not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        return [
            FieldError(
                "password",
                f"must be {MIN_PASSWORD} to {MAX_PASSWORD} characters",
                "length",
                {"low": MIN_PASSWORD, "high": MAX_PASSWORD},
            )
        ]
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
        errors.append(
            FieldError(
                "username", "3–40 characters: a–z, 0–9, dot, dash, underscore", "username_form"
            )
        )
    elif session.scalar(select(User).where(User.username == username)):
        errors.append(FieldError("username", "is already taken", "username_taken"))
    if role not in ROLES:
        errors.append(FieldError("role", f"must be one of {', '.join(ROLES)}", "not_in_list"))
    if role == "editor" and not district_code and not lead_unit:
        errors.append(
            FieldError(
                "district", "an editor needs a district (or a lead unit)", "editor_needs_district"
            )
        )
    if district_code and not session.get(District, district_code):
        errors.append(
            FieldError("district", f"{district_code!r} is not a district code", "unknown_district")
        )
    if lead_unit:
        known_units = {key for key, _name in lead_units(session)}
        if known_units and unit_key(lead_unit) not in known_units:
            # A misspelt unit would give its editor no task at all, silently.
            errors.append(
                FieldError(
                    "lead_unit",
                    f"{lead_unit[:80]!r} leads no task of the plan",
                    "unknown_lead_unit",
                )
            )
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
    ok = check_password_hash(
        user.password_hash if user else _dummy_hash(PASSWORD_HASH_METHOD), password or ""
    )
    return user if ok and user is not None and user.active else None


def _keys(username: str, address: str) -> dict[str, int]:
    """The throttle keys of an attempt, each with its number of free failures."""
    # Printable characters only: a NUL (which PostgreSQL refuses in text) names no account.
    account = "".join(c for c in nfc(username or "").lower()[:120] if c.isprintable())
    return {
        f"pair:{account} {address}": FREE_FAILURES_PER_PAIR,
        f"addr:{address}": FREE_FAILURES_PER_ADDRESS,
    }


def delay_after(failures: int, free: int) -> int:
    """Seconds to wait after ``failures`` counted failures: 0, then 1, 2, 4 … MAX_DELAY_S."""
    if failures < free:
        return 0
    return min(2 ** min(failures - free, 20), MAX_DELAY_S)


def login_wait(session: Session, username: str, address: str, now: float | None = None) -> int:
    """Whole seconds this attempt must wait before its password is checked (0: go ahead)."""
    now = time.time() if now is None else now
    keys = _keys(username, address)
    rows = session.execute(
        select(LoginThrottle.key, LoginThrottle.failures, LoginThrottle.last_failure).where(
            LoginThrottle.key.in_(keys)
        )
    )
    wait = 0.0
    for key, failures, last in rows:
        if now - last < FORGET_AFTER_S:
            wait = max(wait, last + delay_after(failures, keys[key]) - now)
    return max(0, -int(-wait // 1))  # rounded up


def record_failure(
    session: Session, dialect: Dialect, username: str, address: str, now: float | None = None
) -> dict[str, int]:
    """Count a failed login against its account-and-address and its address; the counts.

    One INSERT … ON CONFLICT DO UPDATE per key: the database adds the failure to what is
    stored, so parallel failures (threads or worker processes) are each counted once.
    """
    now = time.time() if now is None else now
    counts = {}
    for key in _keys(username, address):
        statement = dialect.insert(LoginThrottle).values(key=key, failures=1, last_failure=now)
        upsert = statement.on_conflict_do_update(
            index_elements=[LoginThrottle.key],
            set_={
                # A count idle for FORGET_AFTER_S starts again from this failure.
                "failures": case(
                    (LoginThrottle.last_failure < now - FORGET_AFTER_S, 1),
                    else_=LoginThrottle.failures + 1,
                ),
                "last_failure": now,
            },
        ).returning(LoginThrottle.failures)
        counts[key] = session.execute(upsert).scalar_one()
    # Forgotten counts are only clutter.
    session.execute(delete(LoginThrottle).where(LoginThrottle.last_failure < now - FORGET_AFTER_S))
    return counts


def clear_failures(session: Session, username: str, address: str) -> None:
    """After a successful login: forget this account-and-address's failures."""
    pair = next(iter(_keys(username, address)))
    session.execute(delete(LoginThrottle).where(LoginThrottle.key == pair))


def failure_count(session: Session, key: str) -> int:
    """The stored failure count of a throttle key (0 when none)."""
    return session.scalar(select(LoginThrottle.failures).where(LoginThrottle.key == key)) or 0


def actor_of(user: User) -> Actor:
    """The core's view of a user."""
    return Actor(
        username=user.username,
        role=user.role,
        district_code=user.district_code,
        lead_unit=user.lead_unit,
    )
