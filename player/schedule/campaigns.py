"""Campaign plays spread evenly through their dayparts: the plan per day, its turns, its limits."""

from __future__ import annotations

import datetime as dt
import math
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from itertools import accumulate, pairwise

from player.schedule.index import describe_rules, item_duration
from player.schedule.wallclock import Calendar, WallClock
from player.wire.manifest import Campaign, Manifest
from player.wire.units import format_duration

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
    """One campaign on one local day: how many plays, and when each falls due.

    Play k falls due `(k + phase) * gap` seconds into the day's active time (its dayparts
    laid end to end), computed when asked: a day of 86,400 plays costs no list.
    """

    day: dt.date
    count: int  # plays planned (the goal's, or 0 on a day the campaign does not run)
    active: float  # seconds of screen time inside its dayparts (and the screen's hours)
    phase: float
    intervals: tuple[Interval, ...]  # Unix seconds, ascending
    starts: tuple[float, ...]  # of the intervals, for bisecting
    passed: tuple[float, ...]  # active seconds before each interval

    @property
    def gap(self) -> float:
        """Seconds of daypart between two plays: the even spacing."""
        return self.active / self.count if self.count else 0.0

    def inside(self, t: float) -> bool:
        """`t` lies in one of the day's dayparts (an owed play is never shown outside them)."""
        k = bisect_right(self.starts, t) - 1
        return k >= 0 and t < self.intervals[k][1]

    def due_by(self, t: float) -> int:
        """How many of the day's plays have fallen due at or before `t`."""
        k = bisect_right(self.starts, t) - 1
        if not self.count or k < 0:
            return 0
        a, b = self.intervals[k]
        elapsed = self.passed[k] + min(t, b) - a
        # a hair of tolerance: a play due on an item boundary plays there, not one item later
        return max(0, min(self.count, math.floor(elapsed / self.gap - self.phase + 1e-9) + 1))

    def due_at(self, k: int) -> float:
        """When play `k` (0-based) falls due, in Unix seconds."""
        offset = (k + self.phase) * self.gap
        j = max(0, bisect_right(self.passed, offset) - 1)
        return self.intervals[j][0] + offset - self.passed[j]


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
        passed = tuple(accumulate((b - a for a, b in intervals), initial=0.0))
        goal = self.campaign.goal
        if goal.plays_per_day is not None:
            count = goal.plays_per_day
        else:
            count = round(goal.share * passed[-1] / self.mean)
        return DayPlan(
            day,
            count if passed[-1] > 0 else 0,
            passed[-1],
            self.phase,
            tuple(intervals),
            tuple(a for a, _ in intervals),
            passed[:-1],
        )

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
    served: Sequence[Served],
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
        plan = index.day_plan(clock, day, hours)
        due = plan.due_by(t)
        if due == 0 or not plan.inside(t):
            continue
        done = next((s.count for s in served if s.campaign == campaign.id and s.day == day), None)
        if done is None or done > due:
            # No record (a screen that just started), or one ahead of the plan (a new goal,
            # the clock set back): only the latest due play is owed, not the morning's.
            done = due - 1
        done = max(done, due - MAX_BEHIND)
        if done >= due:
            continue
        if campaign.items[done % len(campaign.items)].id in skip:
            continue
        due_at = plan.due_at(done)
        if best is None or due_at < best_due:
            best, best_due = Turn(index, plan, done), due_at
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


OVERLOADED = "overloaded"  # campaigns together need more than all of the screen's time
CROWDED = "crowded"  # one campaign's plays leave less than its own length between them
DARK = "dark"  # the screen is off through all of a campaign's dayparts


@dataclass(frozen=True)
class Need:
    """One campaign's part in a PlanProblem: its plays of the day, and how many would fit."""

    campaign: str
    plays: int  # wanted on the day (its goal's)
    fit: int  # of those, how many the stretch leaves room for (the others keeping theirs)
    seconds: float  # the mean length of its items
    gap: float  # seconds between two of its plays (0: it cannot play at all)

    @property
    def share(self) -> float:
        """Of the screen's time inside its dayparts (1.0: all of it)."""
        return self.seconds / self.gap if self.gap else 0.0


@dataclass(frozen=True)
class PlanProblem:
    """A goal the screens cannot meet: what kind, which stretch of which days, and the numbers
    of each campaign in it; `message` says it in English (the publisher's and the log's words,
    the console words it in the page's language from the same fields)."""

    kind: str  # OVERLOADED, CROWDED or DARK
    span: str  # "HH:MM-HH:MM", the screens' wall clock
    needs: tuple[Need, ...]  # the first one is where the publisher points
    days: tuple[dt.date, ...]  # every day it happens, ascending
    load: float = 0.0  # OVERLOADED: the campaigns' shares together (1.0: all of the time)
    goal: str = ""  # DARK: the goal as the screens' log says it ("10 plays/day")

    @property
    def campaigns(self) -> tuple[str, ...]:
        return tuple(need.campaign for need in self.needs)

    @property
    def message(self) -> str:
        first, last = self.days[0], self.days[-1]
        more = f" (and {len(self.days) - 1} more days through {last:%a %Y-%m-%d})"
        return f"{first:%a %Y-%m-%d} {self._english()}" + (more if len(self.days) > 1 else "")

    def _english(self) -> str:
        if self.kind == DARK:
            return (
                f"{self.span}: '{self.needs[0].campaign}' wants {self.goal} but the screen "
                "is off through all of its dayparts (operating_hours); move its dayparts "
                "or the screen's hours"
            )
        if self.kind == CROWDED:
            return (
                f"{self.span}: {_needs(self.needs[0])} leaves less than its own length between "
                "two of its plays for the other content; lower its goal, widen its daypart, or "
                "allow back_to_back: true"
            )
        return (
            f"{self.span}: campaigns "
            + ", ".join(_needs(need) for need in self.needs)
            + f" need {self.load:.0%} of the screen's time there; lower a goal, widen a "
            "daypart, or move a campaign to other hours or days"
        )


def check(
    manifest: Manifest,
    clock: WallClock,
    today: dt.date,
    *,
    hours: Calendar | None = None,
    screen: str | None = None,
) -> list[PlanProblem]:
    """Every stretch of the coming days in which the campaigns ask for more than there is.

    Checked from `today` through the last campaign's end (at most MAX_CHECK_DAYS; a week of
    a campaign with no end). Three kinds: campaigns together needing more than all of the
    screen's time in a stretch, one campaign so dense that its plays could not have
    anything else between them, and (with `hours`) one the screen is off for.
    """
    indexes = build(manifest, clock, screen)
    if not indexes:
        return []
    last = today
    for index in indexes:
        end = index.calendar.end
        last_day = clock.local_date(end - dt.timedelta(microseconds=1)) if end else None
        last = max(last, last_day if last_day else today + dt.timedelta(days=CHECK_DAYS_OPEN - 1))
    last = min(last, today + dt.timedelta(days=MAX_CHECK_DAYS - 1))
    found: dict[PlanProblem, list[dt.date]] = {}  # the same stretch and numbers: one problem
    day = today
    while day <= last:
        plans = [(index, index.day_plan(clock, day, hours)) for index in indexes]
        dark = _dark(plans, clock, day) if hours is not None else []
        for key in dark + _crowded(plans, clock) + _overloaded(plans, clock):
            found.setdefault(key, []).append(day)
        day += dt.timedelta(days=1)
    return [replace(key, days=tuple(days)) for key, days in found.items()]


def _needs(need: Need) -> str:
    return (
        f"'{need.campaign}' {need.plays} plays of {need.seconds:g}s, one every "
        f"{format_duration(need.gap)}: {need.share:.0%}"
    )


def _need(index: CampaignIndex, plan: DayPlan, fit: int) -> Need:
    return Need(index.campaign.id, plan.count, fit, index.mean, plan.gap)


def _dark(plans, clock: WallClock, day: dt.date) -> list[PlanProblem]:
    """Campaigns that run this day while the screen is off through all of their dayparts."""
    out = []
    for index, plan in plans:
        wanted = index.day_plan(clock, day, None)
        if not plan.count and wanted.count:
            out.append(
                PlanProblem(
                    DARK,
                    _clock_span(clock, wanted.intervals[0][0], wanted.intervals[-1][1]),
                    (Need(index.campaign.id, wanted.count, 0, index.mean, 0.0),),
                    (),
                    goal=index.describe_goal(),
                )
            )
    return out


def _crowded(plans, clock: WallClock) -> list[PlanProblem]:
    out = []
    for index, plan in plans:
        if index.campaign.back_to_back or not plan.count or plan.gap >= 2 * index.mean:
            continue  # back to back allowed: only the sum over all campaigns can be too much
        fit = math.floor(plan.active / (2 * index.mean) + 1e-9)  # a gap of its own length
        out.append(
            PlanProblem(
                CROWDED,
                _clock_span(clock, plan.intervals[0][0], plan.intervals[-1][1]),
                (_need(index, plan, fit),),
                (),
            )
        )
    return out


def _overloaded(plans, clock: WallClock) -> list[PlanProblem]:
    """Stretches where the campaigns' shares of the screen's time add up to more than all."""
    edges = sorted({t for _, plan in plans if plan.count for iv in plan.intervals for t in iv})
    out = []
    stretch: tuple[float, float, frozenset[int], float] | None = None
    for a, b in pairwise(edges):
        mid = (a + b) / 2
        inside = frozenset(
            k
            for k, (_, plan) in enumerate(plans)
            if plan.count and any(x <= mid < y for x, y in plan.intervals)
        )
        load = sum(plans[k][0].mean / plans[k][1].gap for k in inside)
        if load <= 1.0:
            inside = frozenset()
        if stretch is not None and stretch[2] == inside and stretch[1] == a:
            stretch = (stretch[0], b, inside, load)
            continue
        if stretch is not None and stretch[2]:
            out.append(_overload(plans, clock, stretch))
        stretch = (a, b, inside, load)
    if stretch is not None and stretch[2]:
        out.append(_overload(plans, clock, stretch))
    return out


def _overload(plans, clock: WallClock, stretch) -> PlanProblem:
    start, end, inside, load = stretch
    needs = []
    for index, plan in (plans[k] for k in sorted(inside)):
        share = index.mean / plan.gap
        room = max(0.0, 1.0 - (load - share))  # what the others leave it
        fit = math.floor(plan.count * room / share + 1e-9)  # 0.8 * 200 is 160, not 159
        needs.append(_need(index, plan, min(plan.count, fit)))
    return PlanProblem(OVERLOADED, _clock_span(clock, start, end), tuple(needs), (), load=load)


def _clock_span(clock: WallClock, start: float, end: float) -> str:
    a = clock.local(dt.datetime.fromtimestamp(start, dt.UTC))
    b = clock.local(dt.datetime.fromtimestamp(end, dt.UTC))
    return f"{a:%H:%M}-{'24:00' if b.date() > a.date() and b.time() == dt.time() else f'{b:%H:%M}'}"
