"""The quiet windows around each adhan, when advertising is held back: pure, from the times.

A group sets `defaults.adhan_pause: {before: N, after: M}` (minutes, 0-120 each); a screen
with `location` in player.yaml computes, for the days around `now`, the windows from N
minutes before each of the five prayers to M minutes after it. The scheduler
(player/schedule/plan.py) takes the windows as data and skips items marked
`style.kind: ad` inside them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from zoneinfo import ZoneInfo

SETTING = "adhan_pause"
MAX_MINUTES = 120


def pause_from(defaults: Mapping) -> tuple[int, int] | None:
    """(before, after) minutes from a manifest's `defaults.adhan_pause`, None when off or bad."""
    value = defaults.get(SETTING)
    if not isinstance(value, Mapping):
        return None
    minutes = []
    for key in ("before", "after"):
        n = value.get(key, 0)
        if isinstance(n, bool) or not isinstance(n, int) or not 0 <= n <= MAX_MINUTES:
            return None
        minutes.append(n)
    return (minutes[0], minutes[1]) if any(minutes) else None


def adhan_windows(
    now: dt.datetime,
    latitude: float,
    longitude: float,
    tz: ZoneInfo,
    *,
    before: int,
    after: int,
) -> tuple[tuple[dt.datetime, dt.datetime], ...]:
    """(start, end) around each prayer of yesterday, today and tomorrow at the place, in order."""
    # Imported here: the prayer times (astral) are needed only by a screen whose manifest
    # asks for the pause, not by every start (issue 32: content back fast after a cut).
    from player.localinfo import prayer

    day = now.astimezone(tz).date()
    windows = []
    for offset in (-1, 0, 1):
        times = prayer.prayer_times(day + dt.timedelta(days=offset), latitude, longitude, tz)
        for _, at in times.prayers():
            windows.append((at - dt.timedelta(minutes=before), at + dt.timedelta(minutes=after)))
    return tuple(windows)


class QuietWindows:
    """`adhan_windows` for one place and setting, computed once per local day."""

    def __init__(
        self, latitude: float, longitude: float, tz: ZoneInfo, before: int, after: int
    ) -> None:
        self.args = (latitude, longitude, tz, before, after)
        self.tz = tz
        self._day: dt.date | None = None
        self._windows: tuple[tuple[dt.datetime, dt.datetime], ...] = ()

    def __call__(self, now: dt.datetime) -> tuple[tuple[dt.datetime, dt.datetime], ...]:
        day = now.astimezone(self.tz).date()
        if day != self._day:
            latitude, longitude, tz, before, after = self.args
            self._windows = adhan_windows(now, latitude, longitude, tz, before=before, after=after)
            self._day = day
        return self._windows
