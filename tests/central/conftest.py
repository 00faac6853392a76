"""The collector's database, on SQLite and on PostgreSQL, for the office side's tests."""

import pytest

from central.db.database import open_engine, upgrade


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request, tmp_path):
    """The same schema and queries on both databases the collector supports."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'central.sqlite3'}"
    else:
        url = request.getfixturevalue("postgres").url
    engine = open_engine(url)
    upgrade(engine)
    try:
        yield engine
    finally:
        engine.dispose()
