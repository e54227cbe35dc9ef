"""The user a session cookie names, loaded at every request with one light statement."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, bindparam, select

from gis.store.models import User

_users = User.__table__
# Every request with a session cookie runs this: one Core statement, built once, no ORM row.
_SESSION_USER = select(
    _users.c.id,
    _users.c.username,
    _users.c.role,
    _users.c.district_code,
    _users.c.lead_unit,
    _users.c.session_generation,
).where(
    _users.c.id == bindparam("user_id"),
    _users.c.active.is_(True),
    _users.c.session_generation == bindparam("generation"),
)


def session_user(connection: Connection, user_id: int, generation: int) -> Any:
    """The active user a session cookie names, if its generation is still current (else None).

    A Row with the attributes ``id``, ``username``, ``role``, ``district_code``,
    ``lead_unit`` and ``session_generation``.
    """
    return connection.execute(_SESSION_USER, {"user_id": user_id, "generation": generation}).first()
