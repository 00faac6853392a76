"""The brightness each screen's wall ran at, hour by hour, from the spans the players report."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, and_, select

from central.db.schema import brightness_spans

HOUR = dt.timedelta(hours=1)


def brightness_per_hour(
    connection: Connection, player: str, day: dt.date, *, tz: ZoneInfo
) -> list[dict]:
    """The 24 (23, 25 on a clock change) local hours of `day` in `tz` for screen `player`.

    Each row: `{"hour": "2026-12-07 14:00" (local), "level": time-weighted mean percent
    (1 decimal) or None when nothing was recorded, "lowest": int | None, "highest":
    int | None, "recorded": seconds the spans cover (a player's span comes once its level
    changed or its hour ended; a gap is a screen off, stopped or not yet reported),
    "spans": "80% plan via novastar 2700s; 20% failsafe via novastar 900s"}`.
    """
    start = _utc(dt.datetime.combine(day, dt.time(), tz))
    end = _utc(dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tz))
    spans = connection.execute(
        select(
            brightness_spans.c.level, brightness_spans.c.source, brightness_spans.c.via,
            brightness_spans.c.started_at, brightness_spans.c.ended_at,
        )
        .where(and_(
            brightness_spans.c.player == player,
            brightness_spans.c.started_at < end,
            brightness_spans.c.ended_at > start,
        ))
        .order_by(brightness_spans.c.started_at, brightness_spans.c.record_id)
    ).all()  # fmt: skip
    rows = []
    hour = start
    while hour < end:
        after = hour + HOUR
        held = []
        for span in spans:
            seconds = (min(span.ended_at, after) - max(span.started_at, hour)).total_seconds()
            if seconds > 0:
                held.append((span, seconds))
        recorded = sum(seconds for _, seconds in held)
        local = hour.replace(tzinfo=dt.UTC).astimezone(tz)
        rows.append({
            "hour": f"{local:%Y-%m-%d %H:%M}",
            "level": (
                round(sum(s.level * seconds for s, seconds in held) / recorded, 1)
                if recorded else None
            ),
            "lowest": min((s.level for s, _ in held), default=None),
            "highest": max((s.level for s, _ in held), default=None),
            "recorded": round(recorded, 1),
            "spans": "; ".join(
                f"{s.level}% {s.source} via {s.via} {seconds:.0f}s" for s, seconds in held
            ),
        })  # fmt: skip
        hour = after
    return rows


def _utc(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.UTC).replace(tzinfo=None)
