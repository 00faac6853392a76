"""How long the office keeps what the screens report: each play 13 months or more, sums longer."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, delete

from central.db.rollup import hour_of
from central.db.schema import (
    alert_plays,
    brightness_spans,
    play_days,
    play_hours,
    plays,
    screenshots,
)


def prune(
    connection: Connection, now: dt.datetime, *, plays_kept: dt.timedelta,
    daily_sums_kept: dt.timedelta,
) -> dict[str, int]:  # fmt: skip
    """Delete plays, alerts shown, brightness spans, hourly sums and screenshots older than
    `plays_kept` before `now` (naive UTC), and daily sums older than `daily_sums_kept`;
    returns rows deleted per table. The hourly sums go with the plays: an older period
    reads the days."""
    plays_before = now - plays_kept
    sums_before = (now - daily_sums_kept).date().isoformat()
    deleted = {}
    for name, statement in (
        ("plays", delete(plays).where(plays.c.started_at < plays_before)),
        ("alert_plays", delete(alert_plays).where(alert_plays.c.started_at < plays_before)),
        (
            "brightness_spans",
            delete(brightness_spans).where(brightness_spans.c.started_at < plays_before),
        ),
        ("play_hours", delete(play_hours).where(play_hours.c.hour < hour_of(plays_before))),
        ("screenshots", delete(screenshots).where(screenshots.c.taken_at < plays_before)),
        ("play_days", delete(play_days).where(play_days.c.day < sums_before)),
    ):
        deleted[name] = connection.execute(statement).rowcount or 0
    return deleted
