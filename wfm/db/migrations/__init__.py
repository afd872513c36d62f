"""Alembic migrations of the WFM schema (SQLite and PostgreSQL)."""
