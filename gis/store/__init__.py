"""Persistence: SQLAlchemy models, engine set-up and the few dialect-specific statements."""
