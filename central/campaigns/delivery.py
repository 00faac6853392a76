"""Planned against delivered plays of a campaign per screen and day, and why a day fell short.

Pure: the plan comes from the screens' own scheduler (`Scheduler.campaign_days`), the
plays and the lost time from central.db, `now` from the caller. The office does not know
a screen's operating hours, so the plan is the goal over the campaign's dayparts; time a
screen was black is one of the causes of a shortfall instead.

Only plays that ran to their end count toward the goal; a play cut short (an alert, the
display off, a stop) is counted apart. Days before the campaign's first publish are "not
yet published": nothing was planned on them (the screens had not been given it), and the
day of the first publish is planned from that moment on.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from player.schedule.campaigns import DayPlan
from player.schedule.plan import Scheduler
from player.wire.manifest import Campaign, Manifest

# A day is short when it misses its plan by more than this share and by more than one play:
# a screen running all day meets its goal within 1 %, and the play due as a day ends (or as
# the report is made) may fall just after.
TOLERANCE = 0.01
CAUSES = ("offline", "display off", "alert")  # what the office can see, most likely first


@dataclass(frozen=True)
class Target:
    """One screen a campaign runs on, with the manifest (its group's latest) that says so."""

    player: str
    group: str
    manifest: Manifest


@dataclass(frozen=True)
class ScreenDay:
    """One campaign on one screen on one local day: planned so far, delivered, and why not."""

    player: str
    group: str
    day: dt.date
    planned: int  # plays due by the end of the day, or by `now` today (after the first publish)
    delivered: int  # plays that ran to their end
    seconds: float  # on screen, as the completed plays report it
    lost: Mapping[str, float] = field(default_factory=dict)  # seconds per cause, in dayparts
    short: bool = False
    cause: str | None = None  # the cause with the most lost seconds when short, if any
    cut_short: int = 0  # plays that began but did not complete: not delivered
    published: bool = True  # False: a day before the campaign's first publish


def find(manifests: Mapping[str, Manifest], campaign_id: str) -> Campaign | None:
    """The campaign of that id in the first group's manifest that has it, or None."""
    for group in sorted(manifests):
        for campaign in manifests[group].campaigns:
            if campaign.id == campaign_id:
                return campaign
    return None


def targets(
    manifests: Mapping[str, Manifest], campaign_id: str, screens: Iterable[tuple[str, str]]
) -> list[Target]:
    """The screens (player, group) a campaign of `campaign_id` runs on, per its group's manifest."""
    out = []
    for player, group in screens:
        manifest = manifests.get(group)
        if manifest is None:
            continue
        campaign = next((c for c in manifest.campaigns if c.id == campaign_id), None)
        if campaign is None or (campaign.groups is not None and group not in campaign.groups):
            continue
        if campaign.screens is None or player in campaign.screens:
            out.append(Target(player, group, manifest))
    return out


def days(first: dt.date, last: dt.date, tz: ZoneInfo, now: dt.datetime) -> list[dt.date]:
    """The days of first..last that have begun by `now` (aware)."""
    today = now.astimezone(tz).date()
    count = (min(last, today) - first).days + 1
    return [first + dt.timedelta(days=n) for n in range(max(0, count))]


def delivery(
    campaign_id: str,
    screens: Sequence[Target],
    plays: Iterable[Mapping],
    lost: Mapping[str, Mapping[str, Sequence[tuple[dt.datetime, dt.datetime]]]],
    *,
    tz: ZoneInfo,
    first: dt.date,
    last: dt.date,
    now: dt.datetime,
    published: dt.datetime | None = None,
) -> list[ScreenDay]:
    """Per screen and day of first..last (up to today), ordered by screen then day.

    `plays`: rows of `central.db.campaigns.campaign_plays` (naive UTC); `lost`: its
    `lost_spans`; `now` aware. Today is planned up to `now`; later days are left out.
    `published` (aware): the campaign's first publish, when the office knows it; days
    before it are not yet published, plays due before it on its day are not planned.
    """
    delivered: dict[tuple[str, dt.date], list[float]] = {}
    for play in plays:
        day = play["started_at"].replace(tzinfo=dt.UTC).astimezone(tz).date()
        sums = delivered.setdefault((play["player"], day), [0, 0.0, 0])
        if play["completed"]:
            sums[0] += 1
            sums[1] += float(play["duration"])
        else:
            sums[2] += 1
    t = now.timestamp()
    since = published.timestamp() if published is not None else None
    out = []
    for target in screens:
        scheduler = Scheduler(target.manifest, tz, screen=target.player)
        for day in days(first, last, tz, now):
            plan = _plan(scheduler, campaign_id, day)
            if plan is None:
                continue
            count, seconds, cut = delivered.get((target.player, day), (0, 0.0, 0))
            if since is not None and clock_day(since, tz) > day:
                out.append(ScreenDay(target.player, target.group, day, 0, int(count),
                                     round(seconds, 1), cut_short=cut,
                                     published=False))  # fmt: skip
                continue
            planned = (
                plan.count if plan.intervals and plan.intervals[-1][1] <= t else plan.due_by(t)
            )
            if since is not None:
                planned -= plan.due_by(min(since, t))  # due before the screens had it
            lost_seconds = {
                kind: round(_overlap(plan.intervals, spans, t), 1)
                for kind, spans in lost.get(target.player, {}).items()
            }
            short = planned - count > max(1, planned * TOLERANCE)
            cause = None
            if short:
                known = [(lost_seconds.get(kind, 0.0), -n, kind) for n, kind in enumerate(CAUSES)]
                best = max(known)
                cause = best[2] if best[0] > 0 else None
            out.append(
                ScreenDay(
                    target.player,
                    target.group,
                    day,
                    planned,
                    int(count),
                    round(seconds, 1),
                    {k: v for k, v in lost_seconds.items() if v > 0},
                    short,
                    cause,
                    cut,
                )
            )
    return out


def clock_day(t: float, tz: ZoneInfo) -> dt.date:
    """The local day of Unix time `t`."""
    return dt.datetime.fromtimestamp(t, tz).date()


def _plan(scheduler: Scheduler, campaign_id: str, day: dt.date) -> DayPlan | None:
    for index, plan in scheduler.campaign_days(day):
        if index.campaign.id == campaign_id:
            return plan
    return None


def _overlap(intervals: Sequence[tuple[float, float]], spans, until: float) -> float:
    """Seconds of `spans` (naive UTC datetimes) inside `intervals` (Unix seconds) before `until`."""
    total = 0.0
    for a, b in spans:
        lo = a.replace(tzinfo=dt.UTC).timestamp()
        hi = min(b.replace(tzinfo=dt.UTC).timestamp(), until)
        for x, y in intervals:
            total += max(0.0, min(hi, y) - max(lo, x))
    return total
