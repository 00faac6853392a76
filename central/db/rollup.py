"""Plays summed per screen and item, per UTC hour and per local day, kept beside the plays."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Table, case, delete, func, insert, literal, select, text
from sqlalchemy.dialects import postgresql, sqlite

from central.db.schema import play_day_zone, play_days, play_hours, plays

log = logging.getLogger(__name__)

EPOCH = dt.datetime(1970, 1, 1)
HOUR = dt.timedelta(hours=1)
BACKFILL_DAYS = 366  # days per statement when the day sums are rebuilt from the plays
_UPSERT = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}


def hour_of(moment: dt.datetime) -> int:
    """Hours since 1970 of a naive UTC time, truncated (the `play_hours.hour` of a play)."""
    return (moment - EPOCH) // HOUR


def whole_hour(moment: dt.datetime) -> int | None:
    """`hour_of(moment)` when `moment` is exactly on the hour, else None."""
    return hour_of(moment) if (moment - EPOCH) % HOUR == dt.timedelta(0) else None


def day_of(moment: dt.datetime, zone: ZoneInfo) -> str:
    """The local day (YYYY-MM-DD in `zone`) of a naive UTC time: a play's `play_days.day`."""
    return moment.replace(tzinfo=dt.UTC).astimezone(zone).date().isoformat()


def local_midnight(day: dt.date, zone: ZoneInfo) -> dt.datetime:
    """The start of `day` in `zone`, as naive UTC."""
    return dt.datetime.combine(day, dt.time(), zone).astimezone(dt.UTC).replace(tzinfo=None)


def local_day(column, bounds: list):
    """The local calendar day of `column`, as a portable CASE over (day, its start) bounds.

    (Date functions differ per database; comparisons do not.) The CASE halves the days
    at each level, so a month costs five comparisons per row, not thirty.
    """

    def pick(lo: int, hi: int):
        if hi - lo == 1:
            return literal(bounds[lo][0].isoformat())
        mid = (lo + hi) // 2
        return case((column < bounds[mid][1], pick(lo, mid)), else_=pick(mid, hi))

    return pick(0, len(bounds) - 1)


def _sums(rows: Iterable[dict], key) -> dict[tuple, list]:
    sums: dict[tuple, list] = {}
    for row in rows:
        entry = sums.setdefault((key(row), row["player"], row["group"] or "", row["item_id"]),
                                [0, 0.0, 0])  # fmt: skip
        entry[0] += 1
        entry[1] += row["duration"]
        entry[2] += 1 if row["completed"] else 0
    return sums


def _add(connection: Connection, table: Table, first: str, sums: dict[tuple, list]) -> int:
    if not sums:
        return 0
    # In key order: collectors sharing one PostgreSQL database then lock the rows they
    # both touch in the same order and cannot deadlock on them.
    values = [
        {first: when, "player": player, "group": group, "item_id": item,
         "plays": n, "seconds": seconds, "completed": completed}
        for (when, player, group, item), (n, seconds, completed) in sorted(sums.items())
    ]  # fmt: skip
    statement = _UPSERT[connection.dialect.name](table)
    statement = statement.on_conflict_do_update(
        index_elements=[first, "player", "group", "item_id"],
        set_={
            "plays": table.c.plays + statement.excluded.plays,
            "seconds": table.c.seconds + statement.excluded.seconds,
            "completed": table.c.completed + statement.excluded.completed,
        },
    )
    connection.execute(statement, values)
    return len(values)


def day_zone(connection: Connection) -> str | None:
    """The zone `play_days` is kept in, or None when it is not kept."""
    return connection.scalar(select(play_day_zone.c.zone).limit(1))


def add_plays(connection: Connection, rows: Iterable[dict]) -> int:
    """Add new plays (rows of `plays`, each stored once) to their hours and local days.

    Called in the transaction that inserts the plays, with only the plays it inserts, so
    the sums count every play exactly once, as the plays table does. Returns hour rows
    touched.
    """
    rows = list(rows)
    touched = _add(connection, play_hours, "hour", _sums(rows, lambda r: hour_of(r["started_at"])))
    zone = day_zone(connection)
    if zone is not None:
        tz = ZoneInfo(zone)
        _add(connection, play_days, "day", _sums(rows, lambda r: day_of(r["started_at"], tz)))
    return touched


def keep_days_in(connection: Connection, zone: ZoneInfo) -> bool:
    """Keep `play_days` in `zone` from now on; rebuilt from every play when the zone is new.

    The collector calls it at start, in one transaction, before storing anything.
    Returns True when it rebuilt the sums.
    """
    if connection.dialect.name == "postgresql":
        # Collectors sharing the database: new plays wait until the sums are rebuilt (and
        # then read the new zone), and two starting collectors rebuild one after the other.
        connection.execute(text("LOCK TABLE plays IN SHARE ROW EXCLUSIVE MODE"))
    if day_zone(connection) == zone.key:
        return False
    connection.execute(delete(play_day_zone))
    connection.execute(delete(play_days))
    oldest, newest = connection.execute(
        select(func.min(plays.c.started_at), func.max(plays.c.started_at))
    ).one()
    if oldest is not None:
        first = oldest.replace(tzinfo=dt.UTC).astimezone(zone).date()
        last = newest.replace(tzinfo=dt.UTC).astimezone(zone).date()
        while first <= last:
            end = min(last, first + dt.timedelta(days=BACKFILL_DAYS - 1))
            days = [first + dt.timedelta(days=n) for n in range((end - first).days + 2)]
            bounds = [(day, local_midnight(day, zone)) for day in days]
            day = local_day(plays.c.started_at, bounds).label("day")
            group = func.coalesce(plays.c.group, "").label("group")
            summed = (
                select(day, plays.c.player, group, plays.c.item_id, func.count(),
                       func.sum(plays.c.duration),
                       func.sum(case((plays.c.completed, 1), else_=0)))
                .where(plays.c.started_at >= bounds[0][1], plays.c.started_at < bounds[-1][1])
                .group_by(day, plays.c.player, group, plays.c.item_id)
            )  # fmt: skip
            columns = ["day", "player", "group", "item_id", "plays", "seconds", "completed"]
            connection.execute(insert(play_days).from_select(columns, summed))
            first = end + dt.timedelta(days=1)
    connection.execute(insert(play_day_zone).values(zone=zone.key))
    log.info("proof-of-play day sums rebuilt in %s", zone.key)
    return True
