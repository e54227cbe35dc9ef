"""Alembic environment: runs on the connection gis.store.migrate hands over.

There is no alembic.ini: gis.store.migrate.alembic_config() builds the configuration and
puts the app's connection in ``config.attributes["connection"]``, so migrations always run
against the database the app uses (``flask --app app db upgrade``).
"""

from __future__ import annotations

from alembic import context

from gis.store.migrate import include_object
from gis.store.models import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through gis.store.migrate (flask --app app db upgrade)")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    include_object=include_object,
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
