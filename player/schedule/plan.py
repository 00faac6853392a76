"""What plays now, until when, and why: pure scheduling over a manifest at a given instant."""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left, bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from zoneinfo import ZoneInfo

from player.schedule import campaigns
from player.schedule.campaigns import CampaignIndex, Served
from player.schedule.index import (
    CERTAIN,
    PLAUSIBLE,
    TRUSTED,
    PlaylistIndex,
    RulesResolver,
    clock_is_trusted,
    describe_rules,
    item_duration,
)
from player.schedule.wallclock import UTC, Calendar, ScreenHours, WallClock
from player.wire.alert import Alert
from player.wire.manifest import AD_KIND, Item, Manifest
from player.wire.units import format_duration

__all__ = [
    "Resume",
    "Scheduler",
    "Slot",
    "clock_is_trusted",
    "describe_rules",
    "item_duration",
    "plan",
    "upcoming",
]

RECHECK = dt.timedelta(days=1)  # when nothing can change, ask again after this long
ALIGN_EPOCH = dt.datetime(2000, 1, 1, tzinfo=UTC)
LAST = dt.datetime.max.replace(tzinfo=UTC)  # "no end": what a sum past year 9999 becomes
ALERT_LEVELS = MappingProxyType({"info": 0, "warning": 1, "emergency": 2})


@dataclass(frozen=True)
class Resume:
    """Where a playlist that was interrupted continues: after (done) or at its item."""

    playlist: str
    item_id: str
    index: int
    done: bool


@dataclass(frozen=True)
class Slot:
    """One answer of the scheduler: what the screen shows from `start` until `end`."""

    kind: str  # "item" | "alert" | "off" (outside operating hours) | "idle" (nothing playable)
    start: dt.datetime  # aware (UTC); when this play began (may be before `now`)
    end: dt.datetime  # aware (UTC); next instant the answer can change; always after `now`
    item: Item | None = None
    alert: Alert | None = None
    playlist: str | None = None
    index: int = -1  # position in the playlist
    reason: str = ""  # which rule put it there, for technicians
    # Positions of interrupted playlists, carried along the chain so they resume in place.
    resume: tuple[Resume, ...] = field(default=(), compare=False)
    campaign: str | None = None  # the campaign whose play this is (then `index` is its number)
    # Campaign plays already made today, carried along the chain like `resume`.
    served: tuple[Served, ...] = field(default=(), compare=False)

    @property
    def seconds(self) -> float:
        return (self.end - self.start).total_seconds()


@dataclass(frozen=True)
class _Ask:
    """One plan() question, passed between the helpers that answer it."""

    now: dt.datetime
    tier: str
    skip: frozenset[str]
    aligned: bool
    previous: Slot | None
    resume: tuple[Resume, ...]
    limits: list[dt.datetime | None]
    hours: Calendar | None = None


class Scheduler:
    """Answers "what plays at instant t" for one manifest in one zone; build once, ask often."""

    def __init__(self, manifest: Manifest | None, tz: ZoneInfo, *, screen: str | None = None):
        """`screen`: this player's id, for campaigns meant for some screens (None: any)."""
        self.manifest = manifest
        self.tz = tz
        self.clock = WallClock(tz)
        self._playlists: list[PlaylistIndex] = []
        self._aligned_cache: dict[tuple[int, tuple[int, ...]], tuple[list[int], list[int]]] = {}
        self.ads: frozenset[str] = frozenset()  # ids of the items marked style.kind: ad
        self.campaigns: list[CampaignIndex] = campaigns.build(manifest, self.clock, screen)
        if manifest is None:
            return
        self.ads = frozenset(i.id for i in manifest.items() if i.style.get("kind") == AD_KIND)
        when_of = RulesResolver(self.clock, manifest.published_at)
        self._playlists = [
            PlaylistIndex.build(manifest, pl, order, when_of)
            for order, pl in enumerate(manifest.playlists)
        ]
        # Highest priority first; ties go to the one listed first; defaults only as fallback.
        self._playlists.sort(key=lambda p: (p.playlist.default, -p.playlist.priority, p.order))

    # -- public --------------------------------------------------------------------------

    def plan(
        self,
        now: dt.datetime,
        *,
        alerts: Sequence[Alert] = (),
        hours: ScreenHours | None = None,
        aligned: bool = False,
        previous: Slot | None = None,
        skip: frozenset[str] = frozenset(),
        clock_trusted: bool | None = None,
        quiet: Sequence[tuple[dt.datetime, dt.datetime]] = (),
    ) -> Slot:
        """The slot playing at `now`; `previous` is the slot that was playing before it.

        `quiet`: (start, end) windows in which items marked `style.kind: ad` are held back
        (the caller computes them, e.g. around each adhan: player/localinfo/adhan.py).
        """
        if now.tzinfo is None or now.utcoffset() is None:
            raise ValueError(f"plan(): now={now!r} must be timezone-aware")
        now = now.astimezone(UTC)
        slot = self._decide(
            now,
            alerts=alerts,
            hours=hours,
            aligned=aligned,
            previous=previous,
            skip=skip,
            clock_trusted=clock_trusted,
            quiet=quiet,
        )
        if not self.campaigns:
            return slot
        return replace(slot, served=self._served(slot, previous, now))

    def _decide(self, now, *, alerts, hours, aligned, previous, skip, clock_trusted, quiet) -> Slot:
        resume = _carry(previous, now, self.manifest)
        if previous is not None and previous.start > now:
            previous = None  # the clock went back before that play began: only `resume` counts
        clock = self.clock

        hours_cal = hours_calendar(hours)
        screen_on = hours_cal is None or hours_cal.active(clock, now)
        hours_change = hours_cal.next_change(clock, now) if hours_cal is not None else None

        live = [a for a in alerts if a.expires_at > now]
        shown = [a for a in live if screen_on or a.level == "emergency"]
        if shown:
            limits = [a.expires_at.astimezone(UTC) for a in live]
            if any(a.level != "emergency" for a in live):
                limits.append(hours_change)  # non-emergency alerts follow operating hours
            return self._alert_slot(now, shown, limits, previous, resume)
        if not screen_on:
            start = previous.start if previous is not None and previous.kind == "off" else now
            return Slot(
                "off",
                start,
                _end(now, [hours_change]),
                reason="outside operating hours",
                resume=resume,
            )

        trusted = clock_is_trusted(self.manifest, now) if clock_trusted is None else clock_trusted
        tiers = (TRUSTED,) if trusted else (CERTAIN, PLAUSIBLE)
        limits = [hours_change]
        if quiet and self.ads:
            inside = [end for start, end in quiet if start <= now < end]
            if inside:
                skip = skip | self.ads
            limits.extend(inside)
            limits.extend(start for start, _ in quiet if start > now)
        if not trusted and self.manifest is not None and self.manifest.published_at > now:
            limits.append(self.manifest.published_at.astimezone(UTC))
        for tier in tiers:
            for rank, pl in enumerate(self._playlists):
                if self._playable(pl, now, tier, skip):
                    ask = _Ask(now, tier, skip, aligned, previous, resume, limits, hours_cal)
                    turn = self._campaign_slot(ask) if tier == TRUSTED and self.campaigns else None
                    return turn or self._item_slot(pl, rank, ask)
        # Nothing playable: any playlist becoming valid changes the answer.
        limits.extend(self._changes(self._playlists, now, tiers[-1]))
        start = previous.start if previous is not None and previous.kind == "idle" else now
        why = "nothing playable now" if self.manifest is not None else "no manifest yet"
        if not trusted:
            why += "; clock not trusted yet (before the manifest's published_at)"
        return Slot("idle", start, _end(now, limits), reason=why, resume=resume)

    def campaign_days(
        self, day: dt.date, hours: ScreenHours | None = None
    ) -> list[tuple[CampaignIndex, campaigns.DayPlan]]:
        """Each campaign of this screen with its plan of `day` (local), as plan() follows it."""
        cal = hours_calendar(hours)
        return [(c, c.day_plan(self.clock, day, cal)) for c in self.campaigns]

    def following(self, slot: Slot, **kwargs) -> Slot:
        """What comes after `slot` if nothing else changes (for preloading the next item)."""
        return self.plan(slot.end, previous=slot, **kwargs)

    def upcoming(self, start: dt.datetime, until: dt.datetime, **kwargs) -> Iterator[Slot]:
        """Slots from `start` until `until`, each planned at the end of the one before."""
        previous = kwargs.pop("previous", None)
        now = start
        for _ in range(1_000_000):
            if now >= until:
                return
            slot = self.plan(now, previous=previous, **kwargs)
            yield slot
            previous, now = slot, slot.end

    # -- internals -----------------------------------------------------------------------

    def _playable(self, pl: PlaylistIndex, now: dt.datetime, tier: str, skip) -> bool:
        if pl.when is not None and not pl.when.active(now, tier):
            return False
        active, _ = pl.active_groups(now, tier)
        return any(pl.groups[k].has_unskipped(skip) for k in active)

    def _changes(self, playlists, now: dt.datetime, tier: str) -> list[dt.datetime | None]:
        """Instants at which any of these playlists (or their items) may change validity."""
        out: list[dt.datetime | None] = []
        for pl in playlists:
            if pl.when is not None:
                out.append(pl.when.next_change(now, tier))
                if not pl.when.active(now, tier):
                    continue  # its items cannot matter before the playlist itself turns on
            out.append(pl.active_groups(now, tier)[1])
        return out

    def _alert_slot(self, now, shown, limits, previous, resume) -> Slot:
        alert = max(
            shown,
            key=lambda a: (
                ALERT_LEVELS.get(a.level, 1),
                a.issued_at.timestamp() if a.issued_at else float("-inf"),
                a.id,
            ),
        )
        same = previous is not None and previous.alert is not None
        start = previous.start if same and previous.alert.id == alert.id else now
        local = alert.expires_at.astimezone(self.tz)
        return Slot(
            "alert",
            start,
            _end(now, limits),
            alert=alert,
            reason=f"{alert.level} alert '{alert.id}' until {local:%a %Y-%m-%d %H:%M}",
            resume=resume,
        )

    def _item_slot(self, pl: PlaylistIndex, rank: int, ask: _Ask) -> Slot:
        now, tier = ask.now, ask.tier
        items = pl.playlist.items
        notes = []
        if ask.aligned:
            index, start, length = self._aligned_position(pl, ask)
            end = _later(start, dt.timedelta(microseconds=length))
            if not self._item_ok(pl, index, ask):
                # stand in for an undecodable item so the loop stays in step with the group
                notes.append(f"standing in for '{items[index].id}'")
                index = self._next_playable(pl, index + 1, ask)
            notes.append("aligned to the wall clock")
        else:
            index, start = self._sequential_position(pl, ask)
            end = _later(start, dt.timedelta(microseconds=pl.durations[index]))
        item = items[index]
        limits = [*ask.limits, end]
        if pl.when is not None:
            limits.append(pl.when.next_change(now, tier))
        group = pl.groups[pl.group_of[index]]
        if group.when is not None:
            limits.append(group.when.next_change(now, tier))
        # a higher-ranked playlist turning valid takes over; in aligned mode the loop's
        # make-up changes when any of its own items changes validity
        limits.extend(self._changes(self._playlists[:rank], now, tier))
        if ask.aligned:
            limits.extend(self._changes([pl], now, tier))
        if tier != TRUSTED:
            notes.append("clock not trusted yet: dated content held back")
        reason = f"{pl.label()} item {index + 1}/{len(items)} '{item.id}'"
        item_rules = describe_rules(item.rules)
        if item_rules:
            reason += f" ({item_rules})"
        if pl.playlist.default:
            reason += ", nothing else valid"
        if notes:
            reason += "; " + "; ".join(notes)
        return Slot(
            "item",
            start,
            _end(now, limits),
            item=item,
            playlist=pl.name,
            index=index,
            reason=reason,
            resume=tuple(r for r in ask.resume if r.playlist != pl.name),
        )

    def _campaign_slot(self, ask: _Ask) -> Slot | None:
        """A campaign play, when one is due and the item before it has played to its end."""
        now, previous = ask.now, ask.previous
        if previous is not None and previous.kind == "item" and previous.item is not None:
            length = dt.timedelta(seconds=item_duration(self.manifest, previous.item))
            natural_end = _later(previous.start, length)
            if now < natural_end:
                if previous.campaign is None:
                    return None  # the item on screen plays to its end first
                # a play once begun finishes, even past its daypart's end
                if previous.item.id not in ask.skip and any(
                    c.campaign.id == previous.campaign for c in self.campaigns
                ):
                    end = _end(now, [*ask.limits, natural_end])
                    return replace(previous, end=end, resume=ask.resume)
        turn = campaigns.choose(
            self.campaigns,
            self.clock,
            now,
            ask.hours,
            previous.served if previous is not None else (),
            last_campaign=previous.campaign if previous is not None else None,
            skip=ask.skip,
        )
        if turn is None:
            return None
        campaign, plan = turn.index.campaign, turn.plan
        item = campaign.items[turn.item_number]
        length = dt.timedelta(seconds=turn.index.durations[turn.item_number])
        due = dt.datetime.fromtimestamp(plan.due_at(turn.number), UTC)
        late = (now - due).total_seconds()
        reason = (
            f"campaign '{campaign.id}' of {campaign.partner}: play {turn.number + 1}/"
            f"{plan.count} of {plan.day:%a %Y-%m-%d}, due {due.astimezone(self.tz):%H:%M:%S}"
            f" (one every {format_duration(plan.gap)} of {turn.index.describe()}; "
            f"goal {turn.index.describe_goal()})"
        )
        if late >= 1:
            reason += f", {format_duration(late)} after it fell due (the item before ended then)"
        if len(campaign.items) > 1:
            reason += f"; creative {turn.item_number + 1}/{len(campaign.items)}"
        return Slot(
            "item",
            now,
            _end(now, [*ask.limits, _later(now, length)]),
            item=item,
            index=turn.number,
            reason=reason,
            resume=ask.resume,
            campaign=campaign.id,
        )

    def _served(self, slot: Slot, previous: Slot | None, now: dt.datetime) -> tuple[Served, ...]:
        """The campaign plays made so far, with `slot`'s own when it is one; today's only."""
        carried = previous.served if previous is not None else ()
        oldest = self.clock.local_date(now) - dt.timedelta(days=1)
        if slot.campaign is None and all(s.day >= oldest for s in carried):
            return carried  # nothing played, nothing to drop: the common case, kept cheap
        kept = {(s.campaign, s.day): s for s in carried if s.day >= oldest}
        if slot.campaign is not None:
            day = self.clock.local_date(slot.start)
            kept[(slot.campaign, day)] = Served(slot.campaign, day, slot.index + 1)
        return tuple(kept.values())

    def _item_ok(self, pl: PlaylistIndex, index: int, ask: _Ask) -> bool:
        if pl.playlist.items[index].id in ask.skip:
            return False
        return pl.group_of[index] in pl.active_groups(ask.now, ask.tier)[0]

    def _next_playable(self, pl: PlaylistIndex, start: int, ask: _Ask) -> int:
        """First playable item at or after `start`, wrapping around (the playlist has one)."""
        n = len(pl.playlist.items)
        start %= n
        active = [pl.groups[k] for k in pl.active_groups(ask.now, ask.tier)[0]]
        for _ in range(n):
            best = n * 2
            for g in active:
                j = bisect_left(g.indexes, start)
                best = min(best, g.indexes[j] if j < len(g.indexes) else g.indexes[0] + n)
            index = best % n
            if pl.playlist.items[index].id not in ask.skip:
                return index
            start = (index + 1) % n
        raise AssertionError(f"playlist {pl.name!r} was playable but has no playable item")

    def _sequential_position(self, pl: PlaylistIndex, ask: _Ask) -> tuple[int, dt.datetime]:
        now, previous = ask.now, ask.previous
        if previous is not None and previous.kind == "item" and previous.playlist == pl.name:
            found = pl.find(previous.item.id, previous.index)
            if found is not None:
                natural_end = _later(previous.start, dt.timedelta(microseconds=pl.durations[found]))
                if now < natural_end and self._item_ok(pl, found, ask):
                    return found, previous.start
                return self._next_playable(pl, found + 1, ask), now
            # withdrawn: whatever took its place comes next
            return self._next_playable(pl, previous.index, ask), now
        for r in ask.resume:
            if r.playlist == pl.name:
                found = pl.find(r.item_id, r.index)
                want = r.index if found is None else found + (1 if r.done else 0)
                return self._next_playable(pl, want, ask), now
        return self._next_playable(pl, 0, ask), now

    def _aligned_position(self, pl: PlaylistIndex, ask: _Ask) -> tuple[int, dt.datetime, int]:
        """(index, start, length µs) of the item the wall clock points at in the loop."""
        clock, now = self.clock, ask.now
        active = tuple(sorted(pl.active_groups(now, ask.tier)[0]))
        if len(active) == len(pl.groups):
            indexes, prefix = range(len(pl.durations)), pl.prefix
        else:
            key = (pl.order, active)
            cached = self._aligned_cache.get(key)
            if cached is None:
                chosen = sorted(i for k in active for i in pl.groups[k].indexes)
                sums = [0]
                for i in chosen:
                    sums.append(sums[-1] + pl.durations[i])
                if len(self._aligned_cache) > 64:
                    self._aligned_cache.clear()
                cached = self._aligned_cache[key] = (chosen, sums)
            indexes, prefix = cached
        # The loop restarts when the playlist's own window opens, else runs from a fixed epoch.
        anchor = ALIGN_EPOCH
        if pl.when is not None:
            period = pl.when.calendar.period_start(clock, now)
            if period is not None:
                anchor = period
            elif ask.tier == TRUSTED and pl.when.calendar.start is not None:
                anchor = pl.when.calendar.start
        offset = ((now - anchor) // dt.timedelta(microseconds=1)) % prefix[-1]
        k = bisect_right(prefix, offset) - 1
        start = now - dt.timedelta(microseconds=offset - prefix[k])
        return indexes[k], start, pl.durations[indexes[k]]


def hours_calendar(hours: ScreenHours | None) -> Calendar | None:
    """The screen's operating hours as a Calendar; None when it is always on."""
    if hours is None or hours.always_on:
        return None
    return Calendar.from_hours(
        {wd: tuple((w.start, w.end) for w in ws) for wd, ws in hours.days.items()}
    )


def _carry(previous: Slot | None, now: dt.datetime, manifest: Manifest | None) -> tuple:
    """Resume positions after `previous`, including the item it was playing."""
    if previous is None:
        return ()
    resume = {r.playlist: r for r in previous.resume}
    if previous.kind == "item" and previous.item is not None and previous.playlist is not None:
        length = dt.timedelta(seconds=item_duration(manifest, previous.item))
        # a play from "the future" (clock went back) was not seen through: play it again
        done = previous.start <= now and now >= _later(previous.start, length)
        resume[previous.playlist] = Resume(
            previous.playlist, previous.item.id, previous.index, done
        )
    return tuple(resume.values())


def _end(now: dt.datetime, limits: Sequence[dt.datetime | None]) -> dt.datetime:
    future = [t for t in limits if t is not None and t > now]
    return min(future) if future else _later(now, RECHECK)


def _later(t: dt.datetime, delta: dt.timedelta) -> dt.datetime:
    """`t + delta`, or LAST where that passes year 9999.

    The parser bounds durations and dates, so this is a second line: a slot may end
    "never", but planning must not raise, or the render loop would exit on every start.
    """
    try:
        return t + delta
    except OverflowError:
        return LAST


def plan(
    manifest: Manifest | None,
    now: dt.datetime,
    *,
    tz: ZoneInfo,
    alerts: Sequence[Alert] = (),
    hours: ScreenHours | None = None,
    aligned: bool = False,
    previous: Slot | None = None,
    skip: frozenset[str] = frozenset(),
    clock_trusted: bool | None = None,
    quiet: Sequence[tuple[dt.datetime, dt.datetime]] = (),
) -> Slot:
    """The slot playing at `now` (see Scheduler.plan); builds the index on every call."""
    return Scheduler(manifest, tz).plan(
        now,
        alerts=alerts,
        hours=hours,
        aligned=aligned,
        previous=previous,
        skip=skip,
        clock_trusted=clock_trusted,
        quiet=quiet,
    )


def upcoming(
    manifest: Manifest | None, start: dt.datetime, until: dt.datetime, *, tz: ZoneInfo, **kwargs
) -> Iterator[Slot]:
    """plan() chained from `start` to `until`: each slot planned at the previous one's end."""
    return Scheduler(manifest, tz).upcoming(start, until, **kwargs)
