"""What each screen showed in a time window: its plays and its alerts, in time order."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, and_, select

from central.db.schema import alert_plays, plays

MAX_WINDOW = dt.timedelta(days=7)  # a week of a fleet's plays is already a big listing


def local_window(
    day: dt.date, start: dt.time, end: dt.time, tz: ZoneInfo
) -> tuple[dt.datetime, dt.datetime]:
    """`day` from `start` to `end` in the office's zone as naive UTC; an `end` at or before
    `start` is on the next day (a window across midnight)."""
    first = dt.datetime.combine(day, start, tz)
    last = dt.datetime.combine(day + dt.timedelta(days=1) if end <= start else day, end, tz)
    return _utc(first), _utc(last)


def _utc(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.UTC).replace(tzinfo=None)


def local_text(moment: dt.datetime, tz: ZoneInfo) -> str:
    """A naive UTC time as the office reads it: `2024-05-01 15:00:00.250` in `tz`."""
    local = moment.replace(tzinfo=dt.UTC).astimezone(tz)
    return f"{local:%Y-%m-%d %H:%M:%S}.{local.microsecond // 1000:03d}"


def on_screen(
    connection: Connection,
    start: dt.datetime,
    end: dt.datetime,
    *,
    tz: ZoneInfo,
    group: str | None = None,
    player: str | None = None,
) -> list[dict]:
    """Every play and every alert interval on a screen between `start` and `end` (naive UTC),
    screen by screen, each screen's in the order they went on screen.

    An interval counts when any part of it falls in the window; its times are given
    whole. Rows: `{"screen", "kind": "play" | "alert", "start", "end" (local text in `tz`),
    "started_at", "ended_at" (naive UTC), "seconds", "item" (item id, or alert id),
    "playlist", "alert_version" (the alert's issued_at, naive UTC), "level", "headline",
    "pages", "pages_shown", "completed"}`; what does not apply to a kind is None.
    Raises ValueError (fit to show) when the window is empty or longer than MAX_WINDOW.
    """
    if end <= start:
        raise ValueError(f"the window ends ({end:%Y-%m-%d %H:%M}) before it starts")
    if end - start > MAX_WINDOW:
        raise ValueError(f"at most {MAX_WINDOW.days} days per listing; narrow the window")
    rows = []
    for table, kind in ((plays, "play"), (alert_plays, "alert")):
        where = [table.c.started_at < end, table.c.ended_at > start]
        if group is not None:
            where.append(table.c.group == group)
        if player is not None:
            where.append(table.c.player == player)
        for row in connection.execute(select(table).where(and_(*where))).mappings():
            rows.append(_row(kind, row, tz))
    rows.sort(key=lambda r: (r["screen"], r["started_at"], r["kind"] == "play", r["ended_at"]))
    return rows


def _row(kind: str, row, tz: ZoneInfo) -> dict:
    alert = kind == "alert"
    return {
        "screen": row["player"],
        "kind": kind,
        "start": local_text(row["started_at"], tz),
        "end": local_text(row["ended_at"], tz),
        "started_at": row["started_at"],
        "ended_at": row["ended_at"],
        "seconds": round(row["duration"], 3),
        "item": row["alert_id"] if alert else row["item_id"],
        "playlist": None if alert else row["playlist"],
        "alert_version": row["issued_at"] if alert else None,
        "level": row["level"] if alert else None,
        "headline": row["headline"] if alert else None,
        "pages": row["pages"] if alert else None,
        "pages_shown": row["pages_shown"] if alert else None,
        "completed": bool(row["completed"]),
    }


def per_screen(rows: list[dict]) -> list[dict]:
    """`on_screen` rows grouped for a page: `[{"screen", "rows", "alerts", "alert_seconds"}]`."""
    screens: dict[str, dict] = {}
    for row in rows:
        screen = screens.setdefault(
            row["screen"], {"screen": row["screen"], "rows": [], "alerts": 0, "alert_seconds": 0.0}
        )
        screen["rows"].append(row)
        if row["kind"] == "alert":
            screen["alerts"] += 1
            screen["alert_seconds"] += row["seconds"]
    return list(screens.values())
