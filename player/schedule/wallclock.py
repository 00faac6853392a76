"""Local wall-clock windows, weekdays and date ranges as exact UTC instants (DST-safe)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol
from zoneinfo import ZoneInfo

UTC = dt.UTC
MIDNIGHT = dt.time(0)
# start == end means "24 hours from start", so this is one whole local day.
WHOLE_DAY: tuple[tuple[dt.time, dt.time], ...] = ((MIDNIGHT, MIDNIGHT),)
WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

Windows = tuple[tuple[dt.time, dt.time], ...]
Span = tuple[dt.datetime, dt.datetime]

_SEARCH_DAYS = 9  # a weekly pattern always shows an edge within 8 days of any instant
_MAX_STEPS = 1000  # bounds the walk over abutting windows (edges where nothing changes)
_CACHE_LIMIT = 4096


class DailyOn(Protocol):
    """A daily window with `start` and `end` times (`end <= start` crosses midnight)."""

    @property
    def start(self) -> dt.time: ...

    @property
    def end(self) -> dt.time: ...


class ScreenHours(Protocol):
    """When the screen is on, as the player's config states it (its `operating_hours`).

    Declared here rather than imported so that the scheduler stands on the wire format
    alone and the office side can run it too.
    """

    @property
    def always_on(self) -> bool: ...

    @property
    def days(self) -> Mapping[int, Sequence[DailyOn]]: ...


class WallClock:
    """Converts wall-clock times in one zone to UTC instants; memoises per-day window instants.

    The memo lives in the instance (one per scheduler), never at module level.
    """

    def __init__(self, tz: ZoneInfo):
        self.tz = tz
        self._occurrences: dict[
            tuple[Windows, dt.date], tuple[tuple[dt.datetime, dt.datetime], ...]
        ]
        self._occurrences = {}

    def local(self, t: dt.datetime) -> dt.datetime:
        return t.astimezone(self.tz)

    def local_date(self, t: dt.datetime) -> dt.date:
        return t.astimezone(self.tz).date()

    def instant(self, wall: dt.datetime) -> dt.datetime:
        """The first instant at which the local clock reads `wall` or later.

        A time repeated when clocks go back maps to its first occurrence; a time skipped
        when clocks go forward maps to the transition itself (the clock jumps past it).
        """
        t = wall.replace(tzinfo=self.tz, fold=0).astimezone(UTC)
        if t.astimezone(self.tz).replace(tzinfo=None) == wall:
            return t
        other = wall.replace(tzinfo=self.tz, fold=1).astimezone(UTC)
        lo, hi = int(min(t, other).timestamp()), int(max(t, other).timestamp())
        # zone transitions fall on whole seconds: bisect for the first second at/after wall
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if dt.datetime.fromtimestamp(mid, self.tz).replace(tzinfo=None) >= wall:
                hi = mid
            else:
                lo = mid
        return dt.datetime.fromtimestamp(hi, UTC)

    def to_instant(self, value: dt.datetime) -> dt.datetime:
        """An aware datetime as UTC; a naive one read as wall-clock time in this zone."""
        if value.tzinfo is None:
            return self.instant(value)
        return value.astimezone(UTC)

    def midnight(self, day: dt.date) -> dt.datetime:
        return self.instant(dt.datetime.combine(day, MIDNIGHT))

    def occurrences(self, windows: Windows, day: dt.date) -> tuple[Span, ...]:
        """[start, end) instants of each window that starts on local `day`."""
        key = (windows, day)
        found = self._occurrences.get(key)
        if found is not None:
            return found
        spans = []
        for start, end in windows:
            end_day = day if end > start else day + dt.timedelta(days=1)
            spans.append(
                (
                    self.instant(dt.datetime.combine(day, start)),
                    self.instant(dt.datetime.combine(end_day, end)),
                )
            )
        found = tuple(spans)
        if len(self._occurrences) >= _CACHE_LIMIT:
            self._occurrences.clear()
        self._occurrences[key] = found
        return found


@dataclass(frozen=True)
class Calendar:
    """When something is on: an optional [start, end) date range and daily windows per weekday.

    A window that ends at or before its start crosses midnight and belongs to the weekday on
    which it starts (Friday 22:00-02:00 covers Saturday 01:00).
    """

    start: dt.datetime | None = None  # UTC
    end: dt.datetime | None = None  # UTC
    by_weekday: tuple[Windows, ...] = (WHOLE_DAY,) * 7  # () = off all that day

    @property
    def all_days(self) -> bool:
        return all(w == WHOLE_DAY for w in self.by_weekday)

    @property
    def dated(self) -> bool:
        return self.start is not None or self.end is not None

    @classmethod
    def from_rules(
        cls,
        clock: WallClock,
        valid_from: dt.datetime | None,
        valid_until: dt.datetime | None,
        days: Iterable[int] | None,
        windows: Iterable[tuple[dt.time, dt.time]],
    ) -> Calendar:
        spans: Windows = tuple(windows) or WHOLE_DAY
        allowed = set(range(7)) if days is None else set(days)
        return cls(
            start=clock.to_instant(valid_from) if valid_from is not None else None,
            end=clock.to_instant(valid_until) if valid_until is not None else None,
            by_weekday=tuple(spans if wd in allowed else () for wd in range(7)),
        )

    @classmethod
    def from_hours(cls, days: Mapping[int, Iterable[tuple[dt.time, dt.time]]]) -> Calendar:
        return cls(by_weekday=tuple(tuple(days.get(wd, ())) for wd in range(7)))

    def in_range(self, t: dt.datetime) -> bool:
        return (self.start is None or t >= self.start) and (self.end is None or t < self.end)

    def in_windows(self, clock: WallClock, t: dt.datetime) -> bool:
        if self.all_days:
            return True
        return self._containing(clock, t) is not None

    def active(self, clock: WallClock, t: dt.datetime, dated: bool = True) -> bool:
        """On at `t`; with dated=False the date range is not looked at."""
        if dated and not self.in_range(t):
            return False
        return self.in_windows(clock, t)

    def next_change(
        self, clock: WallClock, t: dt.datetime, dated: bool = True
    ) -> dt.datetime | None:
        """The first instant after `t` at which `active` changes; None if it never does."""
        limit = None
        if dated:
            if self.end is not None and (
                t >= self.end or (self.start is not None and self.start >= self.end)
            ):
                return None
            if self.start is not None and t < self.start:
                return self.start
            limit = self.end
        if self.all_days:
            return limit
        state = self.in_windows(clock, t)
        # The pattern repeats weekly: no change within 8 days means none ever.
        horizon = t + dt.timedelta(days=_SEARCH_DAYS - 1)
        cursor = t
        for _ in range(_MAX_STEPS):
            edge = self._next_edge(clock, cursor)
            if edge is None or edge > horizon or (limit is not None and edge >= limit):
                return limit
            if self.in_windows(clock, edge) != state:
                return edge
            cursor = edge
        return cursor  # not reached for sane windows: re-check there

    def period_start(self, clock: WallClock, t: dt.datetime) -> dt.datetime | None:
        """Start of the window occurrence containing `t` (None when not restricted by windows)."""
        if self.all_days:
            return None
        return self._containing(clock, t)

    def _containing(self, clock: WallClock, t: dt.datetime) -> dt.datetime | None:
        day = clock.local_date(t)
        best = None
        for d in (day - dt.timedelta(days=1), day):
            for start, end in clock.occurrences(self.by_weekday[d.weekday()], d):
                if start <= t < end and (best is None or start > best):
                    best = start
        return best

    def _next_edge(self, clock: WallClock, t: dt.datetime) -> dt.datetime | None:
        day = clock.local_date(t) - dt.timedelta(days=1)
        best = None
        for _ in range(_SEARCH_DAYS + 1):
            if best is not None and clock.midnight(day) > best:
                break
            for start, end in clock.occurrences(self.by_weekday[day.weekday()], day):
                for edge in (start, end):
                    if edge > t and (best is None or edge < best):
                        best = edge
            day += dt.timedelta(days=1)
        return best


def format_days(days: Iterable[int]) -> str:
    """{0,1,2,3,4} -> 'mon-fri'; {0,2} -> 'mon,wed'."""
    ordered = sorted(set(days))
    runs: list[list[int]] = []
    for d in ordered:
        if runs and runs[-1][-1] == d - 1:
            runs[-1].append(d)
        else:
            runs.append([d])
    parts = []
    for run in runs:
        if len(run) >= 3:
            parts.append(f"{WEEKDAY_NAMES[run[0]]}-{WEEKDAY_NAMES[run[-1]]}")
        else:
            parts.extend(WEEKDAY_NAMES[d] for d in run)
    return ",".join(parts) or "no days"


def format_windows(windows: Iterable[tuple[dt.time, dt.time]]) -> str:
    return ",".join(f"{s:%H:%M}-{e:%H:%M}" for s, e in windows)
