"""Open the office's database (SQLite file in WAL mode, or PostgreSQL) and migrate it."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import InterfaceError, OperationalError

from player.wire.secret import Secret, reveal

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).with_name("migrations")
SQLITE_BUSY_MS = 5000
CONNECT_TIMEOUT = 10  # seconds to reach PostgreSQL


# PostgreSQL error classes that say the server, not the statement, is at fault: connection,
# read-only transaction (a standby), insufficient resources (disk full), operator
# intervention (shutting down), system error.
SERVER_STATE_CLASSES = ("08", "25", "53", "57", "58")
# Of those, the ones where the server still answers reads: read-only, insufficient resources.
WRITES_REFUSED_CLASSES = ("25", "53")
# SQLite's words for a file that can be read but not written now.
SQLITE_WRITES_REFUSED = ("disk is full", "disk i/o error", "readonly database", "is locked")
WRITE_STATEMENTS = ("INSERT", "UPDATE", "DELETE")


class DatabaseError(Exception):
    """The database cannot be opened or migrated; the message says which and what to do."""


def engine_url(url: str | Secret) -> str:
    """The SQLAlchemy URL for a central.yaml `collector.database` (psycopg 3 for PostgreSQL)."""
    parsed = make_url(reveal(url))
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    # WAL: the report and the console read while the collector writes. FULL: a play is
    # acknowledged to the player (which then deletes it) only once it survives a power cut.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_MS}")
    cursor.close()


def open_engine(url: str | Secret) -> Engine:
    """An engine for `url`; a SQLite file's folder is made if missing."""
    full = engine_url(url)
    parsed = make_url(full)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(full)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    # connect_timeout: an unreachable server must fail a transaction, not hang the writer
    # until the watchdog fires.
    return create_engine(
        full,
        pool_pre_ping=True,
        pool_size=2,
        max_overflow=2,
        connect_args={"connect_timeout": CONNECT_TIMEOUT},
    )


def exists(url: str | Secret) -> bool:
    """Whether there may be a database at `url`: a SQLite file that is missing is none (it
    is made by `videotron collect`); a server is taken to hold one until asked."""
    parsed = make_url(engine_url(url))
    if parsed.get_backend_name() != "sqlite":
        return True
    return (
        bool(parsed.database) and parsed.database != ":memory:" and Path(parsed.database).is_file()
    )


def alembic_config() -> AlembicConfig:
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest migration shipped with this version (a no-op if there)."""
    before = current_revision(engine)
    head = head_revision()
    if before == head:
        return
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    log.info("database schema migrated from %s to %s", before or "empty", head)


def display(url: str | Secret) -> str:
    """The URL without its password, for logs."""
    return make_url(reveal(url)).render_as_string(hide_password=True)


def unavailable(error: BaseException) -> bool:
    """The database as a whole refuses (down, full, read-only), not this statement's content."""
    if isinstance(error, OperationalError | InterfaceError):
        return True
    return _sqlstate(error)[:2] in SERVER_STATE_CLASSES


def refuses_writes(error: BaseException) -> bool:
    """Of `unavailable` errors, those where the database may still be read: a full disk, a
    read-only file or server, a lock held too long."""
    if _sqlstate(error)[:2] in WRITES_REFUSED_CLASSES:
        return True
    message = str(getattr(error, "orig", None) or error).lower()
    return any(words in message for words in SQLITE_WRITES_REFUSED)


def on_writes(engine: Engine, wrote: Callable[[], None]) -> None:
    """Call `wrote()` on the thread that ran it, after each INSERT, UPDATE or DELETE the
    engine sends (whether it is committed is the caller's to see)."""

    def executed(_conn, _cursor, statement: str, *_rest) -> None:
        if statement.lstrip()[:6].upper() in WRITE_STATEMENTS:
            wrote()

    event.listen(engine, "after_cursor_execute", executed)


def first_line(error: BaseException) -> str:
    """The error's first line, short enough for one log line."""
    text = str(error).strip()
    return text.splitlines()[0][:300] if text else type(error).__name__


def _sqlstate(error: BaseException) -> str:
    return getattr(getattr(error, "orig", None), "sqlstate", None) or ""
