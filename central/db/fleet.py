"""Who is online, not reporting or offline, and who is behind: the one fleet rule for all.

The console's pages and `videotron report fleet` read the fleet through `fleet_summary`, so
they never disagree. A screen whose last message is older than `STALE_AFTER` is "not
reporting" from its last message on: its last will may never have reached the broker
(power cut, cable), and its last happy status must not be shown as the present. Times in
and out are naive UTC, as the collector stores them; an aware `now` is converted.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping

from sqlalchemy import Connection, func, select

from central.db.schema import errors, screens, screenshots
from player.wire.machinehealth import disk_free_share, health_warnings
from player.wire.status import (
    CurrentPlay,
    MachineSection,
    MessageCache,
    MessageHealth,
    MessageSync,
    StatusMessage,
)

# Players send their status at least every minute; three missed ones mean it stopped
# reporting, even when its last will never reached the broker.
STALE_AFTER = dt.timedelta(minutes=3)
ONLINE, OFFLINE, NOT_REPORTING, UNKNOWN = "online", "offline", "not reporting", "unknown"


def naive_utc(moment: dt.datetime) -> dt.datetime:
    """`moment` as naive UTC (an aware time is converted; a naive one is taken as UTC)."""
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(dt.UTC).replace(tzinfo=None)


def is_stale(
    last_seen: dt.datetime | None, now: dt.datetime, stale_after: dt.timedelta = STALE_AFTER
) -> bool:
    """True when nothing came from a screen for longer than `stale_after` before `now`."""
    return last_seen is None or naive_utc(now) - last_seen > stale_after


def _query(now: dt.datetime, group: str | None):
    """Every screen's row with its errors of the last day and its latest screenshot's time."""
    day_ago = now - dt.timedelta(days=1)
    recent_errors = (
        select(errors.c.player, func.count().label("n"))
        .where(errors.c.last_at >= day_ago)
        .group_by(errors.c.player)
        .subquery()
    )
    last_shot = (
        select(screenshots.c.player, func.max(screenshots.c.taken_at).label("at"))
        .group_by(screenshots.c.player)
        .subquery()
    )
    query = (
        select(screens, recent_errors.c.n, last_shot.c.at.label("screenshot_at"))
        .outerjoin(recent_errors, recent_errors.c.player == screens.c.player)
        .outerjoin(last_shot, last_shot.c.player == screens.c.player)
        .order_by(screens.c.group, screens.c.player)
    )
    if group is not None:
        query = query.where(screens.c.group == group)
    return query


def _screen(row, status: StatusMessage, latest_sequences: Mapping[str, int]) -> dict:
    """One `fleet_now` row from the screen's database row and its last status."""
    sync: MessageSync = status.get("sync") or {}
    cache: MessageCache = status.get("cache") or {}
    current: CurrentPlay = status.get("current") or {}
    health: MessageHealth = status.get("health") or {}
    machine: MachineSection = status.get("machine") or {}
    if not isinstance(machine, dict):
        machine = {}
    sequence = status.get("manifest_sequence")
    latest = latest_sequences.get(row.group or "")
    return {
        "player": row.player,
        "group": row.group,
        "version": row.version,
        "online": bool(row.online),
        "since": row.online_since,
        "offline_reason": None if row.online else row.offline_reason,
        "last_seen": row.last_seen,
        "item": current.get("item"),
        "screen": status.get("screen"),
        "kind": current.get("kind"),
        "alert": status.get("alert"),
        "content_size": _content_size(status.get("display")),
        "display": _display(status.get("display")),
        "manifest_sequence": sequence,
        "latest_sequence": latest,
        "current": None if latest is None or sequence is None else sequence >= latest,
        "last_sync": sync.get("last_ok_at"),
        "sync_result": sync.get("last_result"),
        "cache_used": cache.get("used_bytes"),
        "cache_max": cache.get("max_bytes"),
        "healthy": health.get("healthy"),
        "machine": machine,
        "health_warnings": health_warnings(machine),
        "disk_free_share": disk_free_share(machine),
        "config_errors": len(status.get("config_errors") or []),
        "errors_24h": int(row.n or 0),
        "dropped_plays": int(row.dropped or 0),
        "screenshot_at": row.screenshot_at,
    }


def _counted(row, status: StatusMessage, latest_sequences: Mapping[str, int]) -> dict:
    """The part of a `fleet_now` row the fleet rule and the counts read, and no more: a
    screen on another page of the console costs the fleet page only this."""
    health: MessageHealth = status.get("health") or {}
    sequence = status.get("manifest_sequence")
    latest = latest_sequences.get(row.group or "")
    return {
        "group": row.group,
        "online": bool(row.online),
        "since": row.online_since,
        "last_seen": row.last_seen,
        "current": None if latest is None or sequence is None else sequence >= latest,
        "healthy": health.get("healthy"),
        "config_errors": len(status.get("config_errors") or []),
        "errors_24h": int(row.n or 0),
    }


def fleet_now(
    connection: Connection,
    *,
    now: dt.datetime,
    latest_sequences: Mapping[str, int] | None = None,
    group: str | None = None,
) -> list[dict]:
    """Every screen as it is now: online or since when not, what it shows, how current."""
    latest_sequences = latest_sequences or {}
    return [
        _screen(row, _json(row.status), latest_sequences)
        for row in connection.execute(_query(now, group))
    ]


def fleet_summary(
    connection: Connection,
    *,
    now: dt.datetime,
    stale_after: dt.timedelta = STALE_AFTER,
    latest_sequences: Mapping[str, int] | None = None,
    group: str | None = None,
    page: int = 1,
    page_size: int | None = None,
) -> dict:
    """Every screen as it is now (or one page of them), with counts for the fleet page.

    Returns `{"screens": [...], "counts": {"total", "online", "offline", "not_reporting",
    "behind", "with_errors": int}, "groups": [group names in order], "page": {"number",
    "pages", "first", "last", "total"}}`. With `page_size`, "screens" holds the screens of
    page `page` (taken within 1..pages; "first" and "last" are their 1-based positions in
    the fleet), the counts and groups are still the whole fleet's. Each screen is a
    `fleet_now` row (player, group, version, online, since, offline_reason,
    last_seen, item, screen, kind (item | alert | off | idle), alert, content_size ((width,
    height) an alert card fills, or None), display (((width, height) output, (x, y, w, h)
    region, rotation) as reported, or None), manifest_sequence, latest_sequence, current, last_sync,
    sync_result, cache_used, cache_max, healthy, machine (the last `machine` health sample,
    {} if none), health_warnings (player.wire.machinehealth.HealthWarning, worst first),
    disk_free_share (0..1 or None), config_errors, errors_24h,
    dropped_plays, screenshot_at) plus:
    `"stale": bool` (no message for longer than `stale_after`), `"state": "online" |
    "offline" | "not reporting"`, `"state_since": datetime` (for "not reporting" the last
    message), `"behind": bool` (its manifest sequence is older than the group's latest
    publish) and `"has_errors": bool` (errors in the last 24 h, config errors, or unhealthy).
    A stale screen counts as offline and as not reporting, never as online; its item and
    alert are what it last reported, not what it shows now.
    """
    now = naive_utc(now)
    latest_sequences = latest_sequences or {}
    rows = connection.execute(_query(now, group)).all()
    size = page_size or max(1, len(rows))
    pages = max(1, -(-len(rows) // size))
    number = min(max(page, 1), pages)
    first = (number - 1) * size
    shown = range(first, min(first + size, len(rows)))
    counts = dict.fromkeys(
        ("total", "online", "offline", "not_reporting", "behind", "with_errors"), 0
    )
    groups: list[str] = []
    fleet = []
    for index, row in enumerate(rows):
        status = _json(row.status)
        screen = (_screen if index in shown else _counted)(row, status, latest_sequences)
        stale = is_stale(screen["last_seen"], now, stale_after)
        if screen["online"] and stale:
            state, since = NOT_REPORTING, screen["last_seen"]
        else:
            state, since = (ONLINE if screen["online"] else OFFLINE), screen["since"]
        behind = screen["current"] is False
        has_errors = bool(
            screen["errors_24h"] or screen["config_errors"] or screen["healthy"] is False
        )
        counts["total"] += 1
        counts["online" if state == ONLINE else "offline"] += 1
        counts["not_reporting"] += state == NOT_REPORTING
        counts["behind"] += behind
        counts["with_errors"] += has_errors
        if not groups or groups[-1] != screen["group"]:  # the rows come by group
            groups.append(screen["group"])
        if index in shown:
            screen.update(
                stale=stale, state=state, state_since=since, behind=behind, has_errors=has_errors
            )
            fleet.append(screen)
    page_of = {"number": number, "pages": pages, "first": first + 1,
               "last": first + len(shown), "total": len(rows)}  # fmt: skip
    return {"screens": fleet, "counts": counts, "groups": groups, "page": page_of}


def _content_size(display: object) -> tuple[int, int] | None:
    """The size an alert card fills on a screen, as it reported it; None if it did not."""
    content = display.get("content") if isinstance(display, dict) else None
    if (
        isinstance(content, list)
        and len(content) == 2
        and all(type(n) is int and 0 < n <= 100_000 for n in content)
    ):
        return (content[0], content[1])
    return None


def _sides(value: object, count: int, least: int) -> tuple[int, ...] | None:
    if (
        isinstance(value, list)
        and len(value) == count
        and all(type(n) is int and least <= n <= 100_000 for n in value)
    ):
        return tuple(value)
    return None


def _display(display: object) -> tuple | None:
    """((width, height) output, (x, y, w, h) region, rotation) as a screen reported them;
    None if it reported no usable output."""
    if not isinstance(display, dict):
        return None
    output = _sides(display.get("output"), 2, 1)
    rotation = display.get("rotation", 0)
    if output is None or rotation not in (0, 90, 180, 270) or type(rotation) is not int:
        return None
    region = _sides(display.get("region"), 4, 0)
    if region is not None and (region[2] < 1 or region[3] < 1):
        region = None
    return (output, region, rotation)


def _json(text: str | None) -> dict:
    try:
        value = json.loads(text) if text else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
