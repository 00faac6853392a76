"""Proof of play and uptime per day, and the latest screenshot: what reports and pages read."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, and_, case, func, or_, select

from central.db.rollup import day_zone, local_day, whole_hour
from central.db.schema import online_periods, play_days, play_hours, plays, screens, screenshots

MAX_REPORT_DAYS = 366


def day_bounds(first: dt.date, last: dt.date, tz: ZoneInfo) -> list[tuple[dt.date, dt.datetime]]:
    """(day, its local midnight as naive UTC) for first..last and the midnight after last."""
    if last < first:
        raise ValueError(f"--to {last} is before --from {first}")
    if (last - first).days >= MAX_REPORT_DAYS:
        raise ValueError(f"at most {MAX_REPORT_DAYS} days per report; split the range")
    days = [first + dt.timedelta(days=n) for n in range((last - first).days + 2)]
    return [
        (day, dt.datetime.combine(day, dt.time(), tz).astimezone(dt.UTC).replace(tzinfo=None))
        for day in days
    ]


def plays_per_item(
    connection: Connection,
    first: dt.date,
    last: dt.date,
    *,
    tz: ZoneInfo,
    group: str | None = None,
) -> list[dict]:
    """Per local day by screen by item: plays, seconds shown, share of plays that completed.

    A play counts on the day it started. Read from the daily sums (`play_days`) when
    they are kept in `tz`; else from the hourly sums (`play_hours`) when every local
    midnight of the range falls on a UTC hour, as in Indonesia's zones; otherwise (zones
    such as UTC+05:30) from the plays themselves.

    Returns rows ordered by day, screen, item:
    `{"day": "2024-05-01", "player": str, "item": str, "plays": int, "seconds": float
    (seconds on screen, rounded to 0.1), "completed_share": float (0..1, 3 decimals)}`.
    Raises ValueError (message fit to show) when `last` is before `first` or the range is
    longer than a year.
    """
    bounds = day_bounds(first, last, tz)
    hours = [whole_hour(moment) for _, moment in bounds]
    if day_zone(connection) == tz.key:
        day = play_days.c.day.label("day")
        where = [play_days.c.day >= first.isoformat(), play_days.c.day <= last.isoformat()]
        query = _summed(play_days, day, where, group)
    elif None in hours:
        day = local_day(plays.c.started_at, bounds).label("day")
        where = [plays.c.started_at >= bounds[0][1], plays.c.started_at < bounds[-1][1]]
        if group is not None:
            where.append(plays.c.group == group)
        query = select(
            day,
            plays.c.player,
            plays.c.item_id,
            func.count().label("plays"),
            func.sum(plays.c.duration).label("seconds"),
            func.sum(case((plays.c.completed, 1), else_=0)).label("completed"),
        ).where(and_(*where))
    else:
        hour_bounds = [(day, hour) for (day, _), hour in zip(bounds, hours, strict=True)]
        day = local_day(play_hours.c.hour, hour_bounds).label("day")
        where = [play_hours.c.hour >= hours[0], play_hours.c.hour < hours[-1]]
        query = _summed(play_hours, day, where, group)
    keys = list(query.selected_columns)[:3]  # day, player, item_id in every branch
    query = query.group_by(*keys).order_by(*keys)
    return [
        {
            "day": row.day,
            "player": row.player,
            "item": row.item_id,
            "plays": int(row.plays),
            "seconds": round(float(row.seconds or 0), 1),
            "completed_share": round(int(row.completed) / int(row.plays), 3),
        }
        for row in connection.execute(query)
    ]


def _summed(table, day, where: list, group: str | None):
    """The plays, seconds and completed plays kept summed in `table` (daily or hourly)."""
    if group is not None:
        where.append(table.c.group == group)
    return select(
        day,
        table.c.player,
        table.c.item_id,
        func.sum(table.c.plays).label("plays"),
        func.sum(table.c.seconds).label("seconds"),
        func.sum(table.c.completed).label("completed"),
    ).where(and_(*where))


def uptime_per_day(
    connection: Connection,
    first: dt.date,
    last: dt.date,
    *,
    tz: ZoneInfo,
    now: dt.datetime,
    group: str | None = None,
) -> list[dict]:
    """Per screen by local day: seconds online (from the online periods), and the share.

    The share is of the part of the day the screen could have been online: from when
    the office first saw it (or the day's start) to `now` (or the day's end). A screen
    online since it was first seen has a share of 1.0 today, not the hours elapsed / 24.
    """
    bounds = day_bounds(first, last, tz)
    start, end = bounds[0][1], bounds[-1][1]
    query = select(
        online_periods.c.player, online_periods.c.started_at, online_periods.c.ended_at
    ).where(
        and_(
            online_periods.c.started_at < end,
            or_(online_periods.c.ended_at.is_(None), online_periods.c.ended_at > start),
        )
    )
    if group is not None:
        members = select(screens.c.player).where(screens.c.group == group)
        query = query.where(online_periods.c.player.in_(members))
    totals: dict[tuple[str, dt.date], float] = {}
    for player, began, ended_at in connection.execute(query):
        ended = ended_at or now
        for n in range(len(bounds) - 1):
            day, lo, hi = bounds[n][0], bounds[n][1], bounds[n + 1][1]
            overlap = (min(ended, hi) - max(began, lo)).total_seconds()
            if overlap > 0:
                totals[player, day] = totals.get((player, day), 0.0) + overlap
    first_seen = dict(
        connection.execute(
            select(screens.c.player, screens.c.first_seen).where(
                screens.c.player.in_({player for player, _ in totals})
            )
        ).all()
    )
    rows = []
    for (player, day), seconds in sorted(totals.items()):
        index = [b[0] for b in bounds].index(day)
        lo, hi = bounds[index][1], bounds[index + 1][1]
        seen = min(first_seen.get(player) or lo, now)  # a period cannot start before it
        window = (min(hi, now) - max(lo, seen)).total_seconds()
        rows.append(
            {
                "day": day.isoformat(),
                "player": player,
                "online_seconds": round(seconds),
                "share": round(min(1.0, seconds / window), 3) if window > 0 else 1.0,
            }
        )
    return rows


def latest_screenshot(connection: Connection, player: str):
    """(taken_at, item, jpeg bytes) of a screen's newest screenshot, or None."""
    return connection.execute(
        select(screenshots.c.taken_at, screenshots.c.item, screenshots.c.jpeg)
        .where(screenshots.c.player == player)
        .order_by(screenshots.c.id.desc())
        .limit(1)
    ).first()
