"""Per-manifest lookups the scheduler builds once: items grouped by rules, durations, positions."""

from __future__ import annotations

import datetime as dt
from heapq import heapify, heappop, heappush
from itertools import accumulate

from player.schedule.wallclock import Calendar, WallClock, format_days, format_windows
from player.wire.manifest import Item, Manifest, Playlist, Rules

DEFAULT_ITEM_SECONDS = 10.0  # videos of unknown length when the manifest sets no default
MIN_ITEM_SECONDS = 0.1  # a zero-length item would make the schedule spin

# How date ranges are judged: by the clock, or (clock not trusted) against published_at.
TRUSTED, CERTAIN, PLAUSIBLE = "trusted", "certain", "plausible"

Span = tuple[dt.datetime, bool, dt.datetime | None]


def item_duration(manifest: Manifest | None, item: Item) -> float:
    """Seconds an item plays: its own duration, else its video's length, else the default."""
    if item.duration is not None:
        return max(float(item.duration), MIN_ITEM_SECONDS)
    if manifest is not None and item.media is not None:
        media = manifest.media.get(item.media)
        if media is not None and media.duration:
            return max(float(media.duration), MIN_ITEM_SECONDS)
    default = DEFAULT_ITEM_SECONDS
    if manifest is not None:
        default = float(manifest.defaults.get("duration", DEFAULT_ITEM_SECONDS))
    return max(default, MIN_ITEM_SECONDS)


def clock_is_trusted(manifest: Manifest | None, now: dt.datetime) -> bool:
    """False while `now` is earlier than the manifest's publication (a Pi without RTC)."""
    return manifest is None or now >= manifest.published_at


def describe_rules(rules: Rules | None) -> str:
    """'window 06:00-09:00 mon-fri, from 2024-06-01 00:00' (empty when unrestricted)."""
    if rules is None:
        return ""
    when = []
    if rules.windows:
        when.append("window " + format_windows((w.start, w.end) for w in rules.windows))
    if rules.days is not None:
        when.append(format_days(rules.days))
    dates = []
    if rules.valid_from is not None:
        dates.append(f"from {rules.valid_from:%Y-%m-%d %H:%M}")
    if rules.valid_until is not None:
        dates.append(f"until {rules.valid_until:%Y-%m-%d %H:%M}")
    return ", ".join(part for part in (" ".join(when), " ".join(dates)) if part)


class When:
    """One Rules object resolved in one zone; remembers the stretch of time it last judged."""

    __slots__ = ("_calendar", "_clock", "_published_at", "_spans", "rules")

    def __init__(self, rules: Rules, clock: WallClock, published_at: dt.datetime):
        self.rules = rules
        self._clock = clock
        self._published_at = published_at
        self._calendar: Calendar | None = None  # resolved on first use: most rules never are
        self._spans: dict[str, Span] = {}

    @property
    def calendar(self) -> Calendar:
        if self._calendar is None:
            r = self.rules
            self._calendar = Calendar.from_rules(
                self._clock,
                r.valid_from,
                r.valid_until,
                r.days,
                ((w.start, w.end) for w in r.windows),
            )
        return self._calendar

    def active(self, t: dt.datetime, tier: str) -> bool:
        return self._span(t, tier)[1]

    def next_change(self, t: dt.datetime, tier: str) -> dt.datetime | None:
        return self._span(t, tier)[2]

    def _dates_allowed(self, tier: str) -> bool:
        """Without a trusted clock, real time is only known to be after published_at."""
        cal = self.calendar
        started = cal.start is None or cal.start <= self._published_at
        if tier == CERTAIN:
            return started and cal.end is None
        return started and (cal.end is None or cal.end > self._published_at)

    def _span(self, t: dt.datetime, tier: str) -> Span:
        """(since, active, next change); reused while `t` stays inside the same stretch."""
        span = self._spans.get(tier)
        if span is not None and span[0] <= t and (span[2] is None or t < span[2]):
            return span
        cal, clock = self.calendar, self._clock
        if tier == TRUSTED:
            span = (t, cal.active(clock, t), cal.next_change(clock, t))
        elif self._dates_allowed(tier):
            span = (t, cal.active(clock, t, dated=False), cal.next_change(clock, t, dated=False))
        else:
            span = (t, False, None)  # its dates cannot be established: held back throughout
        self._spans[tier] = span
        return span


class RulesResolver:
    """Hands out one shared When per distinct Rules value (items often share their rules)."""

    def __init__(self, clock: WallClock, published_at: dt.datetime):
        self._clock = clock
        self._published_at = published_at
        self._seen: dict[Rules, When] = {}
        # The same Rules object is often shared by many items: look it up by identity first
        # (the manifest keeps every one alive, so ids stay unique while this exists).
        self._by_id: dict[int, When] = {}

    def __call__(self, rules: Rules | None) -> When | None:
        if rules is None:
            return None
        found = self._by_id.get(id(rules))
        if found is None:
            found = self._seen.get(rules)
            if found is None:
                found = self._seen[rules] = When(rules, self._clock, self._published_at)
            self._by_id[id(rules)] = found
        return found


class Group:
    """The items of one playlist that share the same rules (when=None: unrestricted)."""

    __slots__ = ("_distinct", "ids", "indexes", "when")

    def __init__(self, when: When | None, indexes: list[int], ids: list[str]):
        self.when = when
        self.indexes = indexes  # ascending positions in the playlist
        self.ids = ids
        self._distinct = -1

    def has_unskipped(self, skip: frozenset[str]) -> bool:
        """Any item of the group not in `skip` (usually answered without a scan)."""
        if not skip:
            return bool(self.ids)
        if self._distinct < 0:
            self._distinct = len(set(self.ids))
        return len(skip) < self._distinct or any(i not in skip for i in self.ids)


class GroupState:
    """Which groups of one playlist are valid, kept current as time moves forward."""

    __slots__ = ("active", "heap", "since")

    def __init__(self, since: dt.datetime, active: set[int], heap: list):
        self.since = since
        self.active = active
        self.heap = heap  # (next change, group) for every restricted group


class PlaylistIndex:
    """One playlist, precomputed: rules groups, item positions, durations and their sums in µs."""

    def __init__(
        self,
        playlist: Playlist,
        order: int,
        *,
        when: When | None,
        durations: list[int],
        groups: list[Group],
        group_of: list[int],
    ):
        self.playlist = playlist
        self.name = playlist.name
        self.order = order  # position in the manifest: breaks priority ties
        self.when = when
        self.durations = durations
        self.prefix = [0, *accumulate(durations)]
        self.groups = groups
        self.group_of = group_of  # item index -> its group in self.groups
        self._position: dict[str, int] | None = None
        self._states: dict[str, GroupState] = {}

    def active_groups(self, t: dt.datetime, tier: str) -> tuple[set[int], dt.datetime | None]:
        """Groups valid at `t`, and the first instant after it at which that set may change.

        Moving forward only re-judges the groups whose rules changed since the last call,
        so a playlist with thousands of differently scheduled items stays cheap to ask.
        """
        state = self._states.get(tier)
        if state is None or t < state.since:
            active, heap = set(), []
            for k, group in enumerate(self.groups):
                when = group.when
                if when is None or when.active(t, tier):
                    active.add(k)
                change = when.next_change(t, tier) if when is not None else None
                if change is not None:
                    heap.append((change, k))
            heapify(heap)
            state = self._states[tier] = GroupState(t, active, heap)
        else:
            heap = state.heap
            while heap and heap[0][0] <= t:
                k = heappop(heap)[1]
                when = self.groups[k].when
                if when.active(t, tier):
                    state.active.add(k)
                else:
                    state.active.discard(k)
                change = when.next_change(t, tier)
                if change is not None:
                    heappush(heap, (change, k))
            state.since = t
        return state.active, state.heap[0][0] if state.heap else None

    def find(self, item_id: str, index: int) -> int | None:
        """Where item `item_id` is now: at `index` if still there, else its first position."""
        items = self.playlist.items
        if 0 <= index < len(items) and items[index].id == item_id:
            return index
        if self._position is None:  # only after a manifest change moved things around
            self._position = {items[i].id: i for i in range(len(items) - 1, -1, -1)}
        return self._position.get(item_id)

    @classmethod
    def build(
        cls, manifest: Manifest, playlist: Playlist, order: int, when_of: RulesResolver
    ) -> PlaylistIndex:
        items = playlist.items
        durations = [
            round(d * 1e6)
            if (d := item.duration) is not None and d >= MIN_ITEM_SECONDS
            else round(item_duration(manifest, item) * 1e6)
            for item in items
        ]
        free = [i for i, item in enumerate(items) if item.rules is None]
        groups = [Group(None, free, [items[i].id for i in free])] if free else []
        group_of = [0] * len(items)
        if len(free) < len(items):
            number: dict[int, int] = {}  # id(When) -> group
            for i, item in enumerate(items):
                if item.rules is None:
                    continue
                when = when_of(item.rules)
                k = number.get(id(when))
                if k is None:
                    k = number[id(when)] = len(groups)
                    groups.append(Group(when, [], []))
                groups[k].indexes.append(i)
                groups[k].ids.append(item.id)
                group_of[i] = k
        return cls(
            playlist,
            order,
            when=when_of(playlist.rules),
            durations=durations,
            groups=groups,
            group_of=group_of,
        )

    def label(self) -> str:
        pl = self.playlist
        rules = describe_rules(pl.rules)
        extra = f", {rules}" if rules else ""
        kind = "default playlist" if pl.default else "playlist"
        return f"{kind} '{pl.name}' (priority {pl.priority}{extra})"
