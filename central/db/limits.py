"""Attempt limits checked and counted in one step: a slot is reserved before the attempt."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Connection, delete, func, insert, select
from sqlalchemy.dialects import postgresql, sqlite

from central.db.schema import limit_attempts, limit_keys

_UPSERT = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}


@dataclass(frozen=True)
class Limit:
    """At most `most` attempts of one kind per key (an account, an address) in `window`."""

    kind: str  # e.g. "login-user"; names the counter, so two limits never share one
    most: int
    window: dt.timedelta


@dataclass(frozen=True)
class Reservation:
    """The attempt slots one `reserve` took: they count until `release` gives them back."""

    ids: tuple[int, ...]


def reserve(
    connection: Connection, claims: Iterable[tuple[Limit, str]], now: dt.datetime
) -> Reservation | None:
    """Take one slot of each (limit, key) in `claims`, or none when any limit is spent.

    Checking and counting are one step, committed before the caller attempts anything:
    a limit that is checked first and counted after the attempt lets every request that
    arrives in between through (50 password guesses sent at once were 50 checks). Each key
    has a row in `limit_keys` that the reservation writes first, so it holds that row's
    lock (PostgreSQL) or the database's write lock (SQLite) while it counts and inserts;
    the next reservation of the key waits and then counts this one. Keys are locked in
    sorted order, so two reservations never wait for each other.

    Call it first in a transaction of its own and commit that before the attempt: the
    slot then counts for everyone, and the lock is not held while the (slow) attempt runs.
    """
    claims = sorted(set(claims), key=lambda claim: (claim[0].kind, claim[1]))
    for limit, key in claims:
        _lock(connection, limit.kind, key, now)
    for limit, key in claims:
        since = now - limit.window
        where = (limit_attempts.c.kind == limit.kind, limit_attempts.c.key == key)
        connection.execute(delete(limit_attempts).where(*where, limit_attempts.c.at < since))
        used = connection.scalar(select(func.count()).select_from(limit_attempts).where(*where))
        if used >= limit.most:
            return None
    ids = tuple(
        connection.scalar(
            insert(limit_attempts)
            .values(kind=limit.kind, key=key, at=now)
            .returning(limit_attempts.c.id)
        )
        for limit, key in claims
    )
    return Reservation(ids)


def release(connection: Connection, reservation: Reservation) -> None:
    """Give the slots back: the attempt did not count against the limit (a good login)."""
    if reservation.ids:
        connection.execute(delete(limit_attempts).where(limit_attempts.c.id.in_(reservation.ids)))


def _lock(connection: Connection, kind: str, key: str, now: dt.datetime) -> None:
    """Write the key's row (made on first use): a write takes the row lock on PostgreSQL
    and, as the transaction's first statement, the write lock on SQLite, before any read."""
    statement = _UPSERT[connection.dialect.name](limit_keys).values(kind=kind, key=key, used_at=now)
    connection.execute(
        statement.on_conflict_do_update(
            index_elements=["kind", "key"], set_={"used_at": statement.excluded.used_at}
        )
    )
