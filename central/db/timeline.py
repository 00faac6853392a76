"""A screen's history: online periods (by the fleet's stale rule), errors, plays, screenshots.

Times in and out are naive UTC, as the collector stores them; an aware `now` or window is
converted. A screen whose last message is older than `stale_after` is "not reporting" from
its last message on (`central.db.fleet` holds that rule).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, and_, or_, select

from central.db.fleet import (
    NOT_REPORTING,
    OFFLINE,
    ONLINE,
    STALE_AFTER,
    UNKNOWN,
    is_stale,
    naive_utc,
)
from central.db.schema import errors, online_periods, plays, screens, screenshots


def first_seen(connection: Connection, player: str) -> dt.datetime | None:
    """When the collector first heard of a screen; None for a screen it never heard of."""
    return connection.scalar(select(screens.c.first_seen).where(screens.c.player == player))


def online_timeline(
    connection: Connection,
    player: str,
    *,
    start: dt.datetime,
    end: dt.datetime,
    now: dt.datetime,
    stale_after: dt.timedelta = STALE_AFTER,
) -> list[dict]:
    """The screen's states from `start` to `end` (clipped to the window and to `now`).

    Returns consecutive periods, oldest first:
    `{"state": "online"|"offline"|"not reporting"|"unknown", "start": datetime,
    "end": datetime, "seconds": float, "reason": str | None}` where `reason` says why an
    offline period began ("connection lost", "stopped", …). "unknown" covers the time
    before the collector first heard of the screen. Empty for a screen never seen, or
    a window that ends before it begins.
    """
    start, end, now = naive_utc(start), naive_utc(end), naive_utc(now)
    end = min(end, now)
    screen = connection.execute(
        select(screens.c.first_seen, screens.c.last_seen).where(screens.c.player == player)
    ).first()
    if screen is None or end <= start:
        return []
    # The period open at `start`, and every one starting within the window.
    query = (
        select(online_periods.c.started_at, online_periods.c.ended_at, online_periods.c.end_reason)
        .where(
            and_(
                online_periods.c.player == player,
                online_periods.c.started_at < end,
                or_(online_periods.c.ended_at.is_(None), online_periods.c.ended_at > start),
            )
        )
        .order_by(online_periods.c.started_at)
    )
    stale = is_stale(screen.last_seen, now, stale_after)
    known: list[tuple[str, dt.datetime, dt.datetime, str | None]] = []
    for began, ended, reason in connection.execute(query):
        if ended is not None:
            known.append((ONLINE, began, ended, reason))
        elif stale:
            # Open, but the screen went quiet without a last will (power cut, cable).
            quiet = max(began, screen.last_seen)
            known.append((ONLINE, began, quiet, None))
            known.append((NOT_REPORTING, quiet, now, "no message since"))
        else:
            known.append((ONLINE, began, now, None))
    # Between online periods the screen was offline, for the reason the previous one ended.
    filled: list[tuple[str, dt.datetime, dt.datetime, str | None]] = []
    cursor, reason_before = start, _reason_before(connection, player, start)
    for state, began, ended, reason in known:
        if began > cursor:
            filled.extend(_gap(cursor, began, screen.first_seen, reason_before))
        filled.append((state, max(began, cursor), ended, None if state == ONLINE else reason))
        cursor, reason_before = max(cursor, ended), reason
    if cursor < end:
        filled.extend(_gap(cursor, end, screen.first_seen, reason_before))
    out = []
    for state, raw_start, raw_end, reason in filled:
        began, ended = max(raw_start, start), min(raw_end, end)
        if ended <= began:
            continue
        if out and out[-1]["state"] == state and out[-1]["end"] == began:
            out[-1]["end"] = ended
            out[-1]["seconds"] = (ended - out[-1]["start"]).total_seconds()
            continue
        seconds = (ended - began).total_seconds()
        out.append(
            {"state": state, "start": began, "end": ended, "seconds": seconds, "reason": reason}
        )
    return out


def _gap(began, ended, first_seen, reason):
    """Offline between two known periods; unknown before the collector first heard of it."""
    if ended <= first_seen:
        return [(UNKNOWN, began, ended, None)]
    if began < first_seen:
        return [(UNKNOWN, began, first_seen, None), (OFFLINE, first_seen, ended, reason)]
    return [(OFFLINE, began, ended, reason)]


def _reason_before(connection: Connection, player: str, start: dt.datetime) -> str | None:
    """Why the screen was offline at `start`: how its last period before then ended."""
    return connection.scalar(
        select(online_periods.c.end_reason)
        .where(and_(online_periods.c.player == player, online_periods.c.ended_at <= start))
        .order_by(online_periods.c.ended_at.desc())
        .limit(1)
    )


def error_history(
    connection: Connection, player: str, *, limit: int = 100, since: dt.datetime | None = None
) -> list[dict]:
    """The screen's errors, most recently seen first.

    Returns `[{"first_at": datetime, "last_at": datetime, "level": str | None,
    "where": str | None, "message": str, "count": int}]`; `count` is how often the player
    saw it (a repeated error is one row).
    """
    query = select(errors).where(errors.c.player == player)
    if since is not None:
        query = query.where(errors.c.last_at >= naive_utc(since))
    query = query.order_by(errors.c.last_at.desc(), errors.c.id.desc()).limit(limit)
    return [
        {
            "first_at": row.first_at,
            "last_at": row.last_at,
            "level": row.level,
            "where": row.where,
            "message": row.message,
            "count": int(row.count),
        }
        for row in connection.execute(query)
    ]


def recent_plays(connection: Connection, player: str, *, limit: int = 50) -> list[dict]:
    """The screen's latest plays the collector has, newest first.

    Returns `[{"started_at": datetime, "ended_at": datetime, "item": str,
    "playlist": str | None, "media": str | None (sha256), "seconds": float,
    "completed": bool}]`. Plays arrive in batches, so the newest may be minutes old.
    """
    query = (
        select(plays)
        .where(plays.c.player == player)
        .order_by(plays.c.started_at.desc(), plays.c.id.desc())
        .limit(limit)
    )
    return [
        {
            "started_at": row.started_at,
            "ended_at": row.ended_at,
            "item": row.item_id,
            "playlist": row.playlist,
            "media": row.media,
            "seconds": round(float(row.duration), 1),
            "completed": bool(row.completed),
        }
        for row in connection.execute(query)
    ]


def screenshot_list(connection: Connection, player: str, *, limit: int = 10) -> list[dict]:
    """The screen's kept screenshots, newest first, without their bytes.

    Returns `[{"id": int, "taken_at": datetime, "received_at": datetime, "item": str | None,
    "playlist": str | None, "width": int | None, "height": int | None}]`; fetch one's JPEG
    with `screenshot_jpeg(connection, id)`.
    """
    query = (
        select(
            screenshots.c.id, screenshots.c.taken_at, screenshots.c.received_at,
            screenshots.c.item, screenshots.c.playlist, screenshots.c.width,
            screenshots.c.height,
        )
        .where(screenshots.c.player == player)
        .order_by(screenshots.c.id.desc())
        .limit(limit)
    )  # fmt: skip
    return [dict(row._mapping) for row in connection.execute(query)]


def screenshot_jpeg(
    connection: Connection, screenshot_id: int, *, player: str | None = None
) -> dict | None:
    """One screenshot with its bytes, or None if it is gone (only the latest few are kept).

    Returns `{"id": int, "player": str, "taken_at": datetime, "item": str | None,
    "jpeg": bytes}`. With `player`, a screenshot of another screen is None too.
    """
    query = select(
        screenshots.c.id, screenshots.c.player, screenshots.c.taken_at,
        screenshots.c.item, screenshots.c.jpeg,
    ).where(screenshots.c.id == screenshot_id)  # fmt: skip
    if player is not None:
        query = query.where(screenshots.c.player == player)
    row = connection.execute(query).first()
    if row is None:
        return None
    shot = dict(row._mapping)
    shot["jpeg"] = bytes(shot["jpeg"])
    return shot
