"""What the office knows of a campaign's days: its plays, screens, and why a screen lost time."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Collection

from sqlalchemy import Connection, and_, or_, select

from central.db.schema import (
    alert_plays,
    online_periods,
    plays,
    screens,
    screenshots,
    status_changes,
)

# The columns of one campaign play, in the order the fingerprint and the export read them.
PLAY_FIELDS = (
    "player", "store", "record_id", "item_id", "media", "started_at", "ended_at", "duration",
    "completed",
)  # fmt: skip
Span = tuple[dt.datetime, dt.datetime]  # naive UTC, [start, end)


def screens_in_groups(connection: Connection, groups: Collection[str]) -> list[tuple[str, str]]:
    """(player, group) of every screen the office has seen in `groups`, by player id."""
    query = (
        select(screens.c.player, screens.c.group)
        .where(screens.c.group.in_(list(groups)))
        .order_by(screens.c.player)
    )
    return [(row.player, row.group) for row in connection.execute(query)]


def campaign_plays(
    connection: Connection,
    item_ids: Collection[str],
    players: Collection[str],
    start: dt.datetime,
    end: dt.datetime,
) -> list[dict]:
    """Every campaign play of `item_ids` on `players` that started in [start, end) (naive UTC).

    A campaign play is recorded with its item id (unique in the manifest) and no playlist.
    Rows (`PLAY_FIELDS` keys) in one canonical order, the fingerprint's: player, start,
    store, record id.
    """
    if not item_ids or not players:
        return []
    query = (
        select(*(plays.c[name] for name in PLAY_FIELDS))
        .where(
            and_(
                plays.c.item_id.in_(list(item_ids)),
                plays.c.playlist.is_(None),
                plays.c.player.in_(list(players)),
                plays.c.started_at >= start,
                plays.c.started_at < end,
            )
        )
        .order_by(plays.c.player, plays.c.started_at, plays.c.store, plays.c.record_id)
    )
    return [dict(row._mapping) for row in connection.execute(query)]


def lost_spans(
    connection: Connection,
    players: Collection[str],
    start: dt.datetime,
    end: dt.datetime,
    now: dt.datetime,
) -> dict[str, dict[str, list[Span]]]:
    """Per screen, the spans of [start, min(end, now)) in which it could not play a campaign.

    Three kinds, as the collector keeps them: "offline" (no online period: no power, no
    player, or no network, which a screen plays through but cannot report), "display off"
    (its status said the screen was black, outside its operating hours) and "alert" (an
    alert card on screen, from the alerts' own proof of play). Spans of a kind may overlap
    spans of another.
    """
    stop = min(end, now)
    found: dict[str, dict[str, list[Span]]] = {p: {} for p in players}
    if not players or stop <= start:
        return found
    online: dict[str, list[Span]] = {p: [] for p in players}
    query = select(
        online_periods.c.player, online_periods.c.started_at, online_periods.c.ended_at
    ).where(
        and_(
            online_periods.c.player.in_(list(players)),
            online_periods.c.started_at < stop,
            or_(online_periods.c.ended_at.is_(None), online_periods.c.ended_at > start),
        )
    )
    for row in connection.execute(query):
        online[row.player].append((max(row.started_at, start), min(row.ended_at or stop, stop)))
    for player, spans in online.items():
        found[player]["offline"] = _gaps(sorted(spans), start, stop)
    changes: dict[str, list[tuple[dt.datetime, bool]]] = {}
    for player in players:
        columns = (status_changes.c.at, status_changes.c.status)
        mine = status_changes.c.player == player
        before = (
            select(*columns)
            .where(and_(mine, status_changes.c.at <= start))
            .order_by(status_changes.c.at.desc())
            .limit(1)
        )
        inside = (
            select(*columns)
            .where(and_(mine, status_changes.c.at > start, status_changes.c.at < stop))
            .order_by(status_changes.c.at)
        )
        rows = [*connection.execute(before), *connection.execute(inside)]
        changes[player] = [(row.at, _display_off(row.status)) for row in rows]
    for player, marks in changes.items():
        found[player]["display off"] = _runs(marks, start, stop)
    query = select(alert_plays.c.player, alert_plays.c.started_at, alert_plays.c.ended_at).where(
        and_(
            alert_plays.c.player.in_(list(players)),
            alert_plays.c.started_at < stop,
            alert_plays.c.ended_at > start,
        )
    )
    for row in connection.execute(query):
        spans = found[row.player].setdefault("alert", [])
        spans.append((max(row.started_at, start), min(row.ended_at, stop)))
    return found


def _display_off(text: str) -> bool:
    try:
        current = json.loads(text).get("current") or {}
    except (ValueError, AttributeError):
        return False
    return isinstance(current, dict) and current.get("kind") == "off"


def _gaps(spans: list[Span], start: dt.datetime, stop: dt.datetime) -> list[Span]:
    out, t = [], start
    for a, b in spans:
        if a > t:
            out.append((t, a))
        t = max(t, b)
    if t < stop:
        out.append((t, stop))
    return out


def _runs(marks: list[tuple[dt.datetime, bool]], start: dt.datetime, stop: dt.datetime) -> list:
    """Spans in which the latest status change said "off" (the earlier ones set the state)."""
    out = []
    for (at, off), following in zip(marks, [*marks[1:], (stop, False)], strict=True):
        a, b = max(at, start), min(following[0], stop)
        if off and a < b:
            out.append((a, b))
    return out


def campaign_screenshots(
    connection: Connection,
    item_ids: Collection[str],
    players: Collection[str],
    limit: int,
    *,
    start: dt.datetime,
    end: dt.datetime,
) -> list[dict]:
    """The newest screenshots taken in [start, end) (naive UTC) of screens showing one of
    `item_ids`: `{player, taken_at, item, jpeg}`, newest first, at most `limit`."""
    if not item_ids or not players:
        return []
    query = (
        select(screenshots.c.player, screenshots.c.taken_at, screenshots.c.item, screenshots.c.jpeg)
        .where(
            and_(
                screenshots.c.item.in_(list(item_ids)),
                screenshots.c.player.in_(list(players)),
                screenshots.c.taken_at >= start,
                screenshots.c.taken_at < end,
            )
        )
        .order_by(screenshots.c.taken_at.desc(), screenshots.c.id.desc())
        .limit(limit)
    )
    return [dict(row._mapping) for row in connection.execute(query)]
