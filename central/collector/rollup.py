"""Plays summed per screen, item and UTC hour, kept beside the plays for month-long reports."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import Connection
from sqlalchemy.dialects import postgresql, sqlite

from central.collector.schema import play_hours

EPOCH = dt.datetime(1970, 1, 1)
HOUR = dt.timedelta(hours=1)
_UPSERT = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}


def hour_of(moment: dt.datetime) -> int:
    """Hours since 1970 of a naive UTC time, truncated (the `play_hours.hour` of a play)."""
    return (moment - EPOCH) // HOUR


def whole_hour(moment: dt.datetime) -> int | None:
    """`hour_of(moment)` when `moment` is exactly on the hour, else None."""
    return hour_of(moment) if (moment - EPOCH) % HOUR == dt.timedelta(0) else None


def add_plays(connection: Connection, rows: Iterable[dict]) -> int:
    """Add new plays (rows of `plays`, each stored once) to their hours; returns rows touched.

    Called in the transaction that inserts the plays, with only the plays it inserts, so
    the sums count every play exactly once, as the plays table does.
    """
    sums: dict[tuple[int, str, str, str], list] = {}
    for row in rows:
        key = (hour_of(row["started_at"]), row["player"], row["group"] or "", row["item_id"])
        entry = sums.setdefault(key, [0, 0.0, 0])
        entry[0] += 1
        entry[1] += row["duration"]
        entry[2] += 1 if row["completed"] else 0
    if not sums:
        return 0
    # In key order: collectors sharing one PostgreSQL database then lock the rows they
    # both touch in the same order and cannot deadlock on them.
    values = [
        {"hour": hour, "player": player, "group": group, "item_id": item,
         "plays": n, "seconds": seconds, "completed": completed}
        for (hour, player, group, item), (n, seconds, completed) in sorted(sums.items())
    ]  # fmt: skip
    statement = _UPSERT[connection.dialect.name](play_hours)
    statement = statement.on_conflict_do_update(
        index_elements=["hour", "player", "group", "item_id"],
        set_={
            "plays": play_hours.c.plays + statement.excluded.plays,
            "seconds": play_hours.c.seconds + statement.excluded.seconds,
            "completed": play_hours.c.completed + statement.excluded.completed,
        },
    )
    connection.execute(statement, values)
    return len(values)
