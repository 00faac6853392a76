"""Alembic migrations of the collector's database, run by the collector at start."""
