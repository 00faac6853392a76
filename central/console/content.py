"""A group's schedule for the next hours as the console previews it: the screens' scheduler.

The manifest comes from `central.publishes` (each group's latest publish, checked as a
screen checks it); the preview runs the screens' own scheduler over it.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from zoneinfo import ZoneInfo

from player.schedule.listing import merged
from player.schedule.plan import Scheduler, Slot
from player.wire.manifest import Manifest

log = logging.getLogger(__name__)

MAX_PREVIEW_HOURS = 7 * 24


def schedule_preview(
    manifest: Manifest,
    *,
    now: dt.datetime,
    hours: float,
    tz: ZoneInfo,
    every_item: bool = False,
) -> dict:
    """What screens of the group will show from `now` for `hours`, by the players' scheduler.

    Runs as `videotron schedule --manifest M --at NOW --hours H` does for a screen in `tz`
    with the default config: the screen always on, playlists not aligned to the clock, no
    live alert. Returns `{"start": aware datetime, "until": aware datetime, "tz": str,
    "now": {"kind", "item", "playlist", "until": aware datetime} (what plays at `now`),
    "rows": [...]}`, a row per run of one loop (per play with `every_item`):
    `{"start", "end": aware datetime in tz, "seconds": float, "kind": "item"|"alert"|"off"|
    "idle", "playlist": str | None, "priority": int | None, "default": bool,
    "rules": Rules | None (the playlist's), "items": [item ids, first play order],
    "plays": int, "alert": {"id", "level"} | None}` — data, so the console words it in
    the reader's language. Raises ValueError for a naive `now` or hours out of range.
    """
    if now.tzinfo is None:
        raise ValueError("schedule_preview: now must be timezone-aware")
    if not 0 < hours <= MAX_PREVIEW_HOURS:
        raise ValueError(f"hours {hours:g} must be more than 0 and at most {MAX_PREVIEW_HOURS}")
    start = now.astimezone(tz)
    until = start + dt.timedelta(hours=hours)
    slots = list(
        merged(Scheduler(manifest, tz).upcoming(start, until, aligned=False, clock_trusted=True))
    )
    playlists = {p.name: p for p in manifest.playlists}
    first = slots[0] if slots else None
    return {
        "start": start,
        "until": until,
        "tz": tz.key,
        "now": {
            "kind": first.kind if first else "idle",
            "item": first.item.id if first and first.item else None,
            "playlist": first.playlist if first else None,
            "until": first.end if first else until,
        },
        "rows": [_preview_row(run, playlists, tz) for run in _runs(slots, every_item)],
    }


def _runs(slots: list[Slot], every_item: bool) -> list[list[Slot]]:
    """Consecutive slots of one loop (same kind, playlist and alert) together."""
    runs: list[list[Slot]] = []
    for slot in slots:
        key = (slot.kind, slot.playlist, slot.alert.id if slot.alert else None)
        last = runs[-1][-1] if runs else None
        if not every_item and last is not None and key == (
            last.kind, last.playlist, last.alert.id if last.alert else None
        ):  # fmt: skip
            runs[-1].append(slot)
        else:
            runs.append([slot])
    return runs


def _preview_row(run: list[Slot], playlists: Mapping, tz: ZoneInfo) -> dict:
    first, last = run[0], run[-1]
    playlist = playlists.get(first.playlist) if first.playlist else None
    return {
        "start": first.start.astimezone(tz),
        "end": last.end.astimezone(tz),
        "seconds": (last.end - first.start).total_seconds(),
        "kind": first.kind,
        "playlist": first.playlist,
        "priority": playlist.priority if playlist else None,
        "default": bool(playlist and playlist.default),
        "rules": playlist.rules if playlist else None,
        "items": list(dict.fromkeys(s.item.id for s in run if s.item is not None)),
        "plays": sum(s.item is not None for s in run),
        "alert": {"id": first.alert.id, "level": first.alert.level} if first.alert else None,
    }
