"""Persistence: SQLAlchemy models, engine set-up, and each backend's own SQL (dialects.py)."""
