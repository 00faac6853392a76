"""Campaign plays spread evenly through their dayparts: the plan per day, its turns, its limits."""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from player.schedule.index import describe_rules, item_duration
from player.schedule.wallclock import Calendar, WallClock
from player.wire.manifest import Campaign, Manifest

# A campaign this many plays behind (screen off, an alert, a long video) catches up on
# at most this many at once: the rest are not made up, so a backlog never becomes a clump.
MAX_BEHIND = 2
MAX_CHECK_DAYS = 366  # how far ahead the publisher checks a plan
CHECK_DAYS_OPEN = 7  # the days checked of a campaign with no end date

Interval = tuple[float, float]  # [start, end) in Unix seconds


@dataclass(frozen=True)
class Served:
    """How many of a campaign's planned plays of one local day have been played."""

    campaign: str
    day: dt.date
    count: int


@dataclass(frozen=True)
class DayPlan:
    """One campaign on one local day: when each of its plays is due, and why."""

    day: dt.date
    goal: int  # plays the goal asks for this day
    active: float  # seconds of screen time inside its dayparts (and the screen's hours)
    due: tuple[float, ...]  # Unix seconds, ascending: one per planned play
    intervals: tuple[Interval, ...]

    @property
    def gap(self) -> float:
        """Seconds of daypart between two plays: the even spacing."""
        return self.active / len(self.due) if self.due else 0.0


class CampaignIndex:
    """One campaign resolved for one screen: its calendar, its creatives' lengths, its days."""

    __slots__ = ("_days", "calendar", "campaign", "durations", "mean", "phase")

    def __init__(self, campaign: Campaign, manifest: Manifest, clock: WallClock, phase: float):
        self.campaign = campaign
        rules = campaign.rules
        self.calendar = (
            Calendar.from_rules(
                clock,
                rules.valid_from,
                rules.valid_until,
                rules.days,
                ((w.start, w.end) for w in rules.windows),
            )
            if rules is not None
            else Calendar()
        )
        self.durations = [item_duration(manifest, item) for item in campaign.items]
        self.mean = sum(self.durations) / len(self.durations)
        self.phase = phase  # where in its gap each play falls: campaigns apart, not together
        self._days: dict[tuple[dt.date, object], DayPlan] = {}

    def day_plan(self, clock: WallClock, day: dt.date, hours: Calendar | None) -> DayPlan:
        """The plan of `day` (local), cached: the player asks on every switch."""
        key = (day, hours)
        found = self._days.get(key)
        if found is None:
            if len(self._days) > 16:  # a few days of a few hours' settings is all that recurs
                self._days.clear()
            found = self._days[key] = self._plan(clock, day, hours)
        return found

    def _plan(self, clock: WallClock, day: dt.date, hours: Calendar | None) -> DayPlan:
        start, end = clock.midnight(day), clock.midnight(day + dt.timedelta(days=1))
        intervals = _on(self.calendar, clock, start, end)
        if hours is not None:
            intervals = _intersect(intervals, _on(hours, clock, start, end))
        active = sum(b - a for a, b in intervals)
        goal = self.campaign.goal
        if goal.plays_per_day is not None:
            wanted = goal.plays_per_day
        else:
            wanted = round(goal.share * active / self.mean)
        count = wanted if active > 0 else 0
        due: list[float] = []
        if count:
            gap = active / count
            offsets = iter((k + self.phase) * gap for k in range(count))
            offset = next(offsets)
            passed = 0.0
            for a, b in intervals:
                while offset is not None and offset < passed + (b - a):
                    due.append(a + offset - passed)
                    offset = next(offsets, None)
                passed += b - a
        return DayPlan(day, wanted if active > 0 else 0, active, tuple(due), tuple(intervals))

    def describe_goal(self) -> str:
        goal = self.campaign.goal
        if goal.plays_per_day is not None:
            return f"{goal.plays_per_day} plays/day"
        return f"{goal.share:.0%} of airtime"

    def describe(self) -> str:
        rules = describe_rules(self.campaign.rules)
        return rules or "all day"


@dataclass(frozen=True)
class Turn:
    """A campaign play chosen for now: which campaign, which of its day's plays, and why."""

    index: CampaignIndex
    plan: DayPlan
    number: int  # 0-based position in the day's plan

    @property
    def item_number(self) -> int:
        return self.number % len(self.index.campaign.items)


def choose(
    indexes: Sequence[CampaignIndex],
    clock: WallClock,
    now: dt.datetime,
    hours: Calendar | None,
    served: dict[tuple[str, dt.date], int],
    *,
    last_campaign: str | None,
    skip: frozenset[str],
) -> Turn | None:
    """The campaign play owed the longest at `now`, or None when none is due.

    A play is due from its planned instant on and is played at the next switch; a campaign
    never follows itself unless it says `back_to_back: true`.
    """
    t = now.timestamp()
    day = clock.local_date(now)
    best: Turn | None = None
    best_due = 0.0
    for index in indexes:
        campaign = index.campaign
        if campaign.id == last_campaign and not campaign.back_to_back:
            continue
        if not index.calendar.active(clock, now):
            continue
        plan = index.day_plan(clock, day, hours)
        due = bisect_right(plan.due, t)
        if due == 0:
            continue
        # A screen that just started (no record) owes only the latest play, not the morning's.
        done = max(served.get((campaign.id, day), due - 1), due - MAX_BEHIND)
        if done >= due:
            continue
        if campaign.items[done % len(campaign.items)].id in skip:
            continue
        if best is None or plan.due[done] < best_due:
            best, best_due = Turn(index, plan, done), plan.due[done]
    return best


def _on(calendar: Calendar, clock: WallClock, start: dt.datetime, end: dt.datetime) -> list:
    """The stretches of [start, end) in which `calendar` is on, as Unix-second intervals."""
    out: list[Interval] = []
    t = start
    for _ in range(1_000):  # bounded: MAX_WINDOWS windows give at most ~100 edges a day
        if t >= end:
            break
        change = calendar.next_change(clock, t)
        stop = end if change is None or change > end else change
        if calendar.active(clock, t):
            out.append((t.timestamp(), stop.timestamp()))
        t = stop
    return out


def _intersect(a: Iterable[Interval], b: Iterable[Interval]) -> list[Interval]:
    out = []
    for a0, a1 in a:
        for b0, b1 in b:
            lo, hi = max(a0, b0), min(a1, b1)
            if lo < hi:
                out.append((lo, hi))
    return sorted(out)


def build(manifest: Manifest | None, clock: WallClock, screen: str | None) -> list[CampaignIndex]:
    """The campaigns of `manifest` meant for this group and `screen` (None: any screen)."""
    if manifest is None:
        return []
    meant = [
        c
        for c in manifest.campaigns
        if (c.groups is None or manifest.group in c.groups)
        and (c.screens is None or screen is None or screen in c.screens)
    ]
    return [
        CampaignIndex(c, manifest, clock, (k + 1) / (len(meant) + 1)) for k, c in enumerate(meant)
    ]
