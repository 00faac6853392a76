"""Alembic migrations of the office's database, run by the collector at start.

A schema change is a new file in versions/ (next number, `down_revision` = the previous
one) written with `alembic.op`, never an edit of a shipped migration; schema.py changes
with it, and tests/central/test_collector_store.py runs every migration on SQLite and
PostgreSQL.
"""
