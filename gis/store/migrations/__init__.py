"""Alembic migrations of the store's schema (run through gis.store.migrate)."""
