"""Property tests: the scheduler never plays an item outside its rules and never answers late."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from player.config.model import OperatingHours, TimeWindow
from player.schedule.plan import Scheduler, Slot, plan
from player.wire.manifest import DailyWindow, Item, Manifest, Playlist, Rules
from tests.fixtures.schedule import BERLIN, JAKARTA, NEW_YORK, manifest

ZONES = (BERLIN, NEW_YORK, JAKARTA)
# Around both DST changes of Berlin and New York, and an ordinary week.
BASES = tuple(
    dt.datetime(*d, tzinfo=dt.UTC)
    for d in ((2024, 3, 31), (2024, 10, 27), (2024, 3, 10), (2024, 11, 3), (2024, 6, 5))
)
SPREAD = 4 * 86400
PROPS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

times = st.builds(dt.time, st.integers(0, 23), st.sampled_from([0, 15, 30, 45]))
windows = st.lists(st.builds(DailyWindow, times, times), max_size=2).map(tuple)
weekdays = st.none() | st.frozensets(st.integers(0, 6), max_size=7)


@st.composite
def rules(draw, base: dt.datetime, tz: ZoneInfo) -> Rules | None:
    if draw(st.integers(0, 2)) == 0:
        return None

    def moment():
        at = base + dt.timedelta(minutes=draw(st.integers(-SPREAD // 60, SPREAD // 60)))
        if draw(st.booleans()):
            return at.astimezone(tz).replace(tzinfo=None)  # naive: wall clock in tz
        return at

    start = moment() if draw(st.booleans()) else None
    until = moment() if draw(st.booleans()) else None
    return Rules(valid_from=start, valid_until=until, days=draw(weekdays), windows=draw(windows))


@st.composite
def scenarios(draw):
    tz = draw(st.sampled_from(ZONES))
    base = draw(st.sampled_from(BASES))
    count = 0
    playlists = []
    for p in range(draw(st.integers(1, 3))):
        items = []
        for _ in range(draw(st.integers(1, 4))):
            seconds = draw(st.sampled_from([1.0, 7.5, 60.0, 3600.0]))
            items.append(Item(f"i{count}", "image", seconds, rules=draw(rules(base, tz))))
            count += 1
        playlists.append(
            Playlist(
                f"p{p}",
                draw(st.integers(0, 3)),
                tuple(items),
                rules=draw(rules(base, tz)),
                default=draw(st.integers(0, 4)) == 0,
            )
        )
    m = manifest(*playlists)
    now = base + dt.timedelta(seconds=draw(st.integers(-SPREAD, SPREAD)))
    skip = draw(st.frozensets(st.sampled_from([f"i{k}" for k in range(count)]), max_size=2))
    hours = None
    if draw(st.booleans()):
        hours = OperatingHours(
            {d: tuple(TimeWindow(w.start, w.end) for w in draw(windows)) for d in range(7)}
        )
    return tz, m, now, skip, hours


def ambiguous(t: dt.datetime, tz: ZoneInfo) -> bool:
    """Wall-clock readings repeated when clocks go back (the oracle reads wall clocks)."""
    wall = t.astimezone(tz).replace(tzinfo=None)
    return (
        wall.replace(tzinfo=tz, fold=0).utcoffset() != wall.replace(tzinfo=tz, fold=1).utcoffset()
    )


def in_windows(wins, allowed, wall: dt.datetime) -> bool:
    """Oracle on wall-clock readings: windows belong to the weekday they start on."""
    spans = [(w.start, w.end) for w in wins] or [(dt.time(0), dt.time(0))]
    for day in (wall.date() - dt.timedelta(days=1), wall.date()):
        if allowed is not None and day.weekday() not in allowed:
            continue
        for s, e in spans:
            begin = dt.datetime.combine(day, s)
            end = dt.datetime.combine(day if e > s else day + dt.timedelta(days=1), e)
            if begin <= wall < end:
                return True
    return False


def rules_ok(r: Rules | None, t: dt.datetime, tz: ZoneInfo) -> bool:
    if r is None:
        return True
    wall = t.astimezone(tz).replace(tzinfo=None)

    def before(limit: dt.datetime) -> bool:
        return wall < limit if limit.tzinfo is None else t < limit

    if r.valid_from is not None and before(r.valid_from):
        return False
    if r.valid_until is not None and not before(r.valid_until):
        return False
    return in_windows(r.windows, r.days, wall)


def hours_on(hours: OperatingHours | None, t: dt.datetime, tz: ZoneInfo) -> bool:
    if hours is None or hours.always_on:
        return True
    wall = t.astimezone(tz).replace(tzinfo=None)
    for day in (wall.date() - dt.timedelta(days=1), wall.date()):
        for w in hours.days.get(day.weekday(), ()):
            begin = dt.datetime.combine(day, w.start)
            end_day = day if w.end > w.start else day + dt.timedelta(days=1)
            if begin <= wall < dt.datetime.combine(end_day, w.end):
                return True
    return False


def playable(pl: Playlist, t, tz, skip) -> bool:
    return rules_ok(pl.rules, t, tz) and any(
        it.id not in skip and rules_ok(it.rules, t, tz) for it in pl.items
    )


def outranks(a: Playlist, b: Playlist, m: Manifest) -> bool:
    key = {id(p): (p.default, -p.priority, k) for k, p in enumerate(m.playlists)}
    return key[id(a)] < key[id(b)]


def check_slot(slot: Slot, now: dt.datetime, case) -> None:
    tz, m, _, skip, hours = case
    assert slot.start <= now < slot.end, slot
    if slot.kind == "off":
        assert not hours_on(hours, now, tz)
        return
    assert hours_on(hours, now, tz)
    winner = next((p for p in m.playlists if p.name == slot.playlist), None)
    if slot.kind == "idle":
        assert not any(playable(p, now, tz, skip) for p in m.playlists)
        return
    assert winner is not None and slot.item is not None
    assert slot.item.id not in skip
    assert winner.items[slot.index] == slot.item
    # valid from now to the end of the slot, not only at `now`
    for t in (now, now + (slot.end - now) / 2, slot.end - dt.timedelta(microseconds=1)):
        if ambiguous(t, tz):
            continue
        assert rules_ok(winner.rules, t, tz), (t, winner.rules)
        assert rules_ok(slot.item.rules, t, tz), (t, slot.item.rules)
        assert hours_on(hours, t, tz)
    for other in m.playlists:
        if outranks(other, winner, m):
            assert not playable(other, now, tz, skip), (other.name, slot.reason)


@PROPS
@given(scenarios(), st.booleans())
def test_never_an_item_outside_its_rules_and_never_a_boundary_in_the_past(case, aligned):
    tz, m, now, skip, hours = case
    assume(not ambiguous(now, tz))
    sched = Scheduler(m, tz)
    slot = sched.plan(now, hours=hours, skip=skip, aligned=aligned)
    check_slot(slot, now, case)
    # follow the chain a few steps: every answer is valid and time always moves on
    previous = slot
    for _ in range(5):
        now = previous.end
        slot = sched.plan(now, hours=hours, skip=skip, aligned=aligned, previous=previous)
        if not ambiguous(now, tz):
            check_slot(slot, now, case)
        assert slot.end > now
        previous = slot


@PROPS
@given(scenarios(), st.integers(1, 20_000), st.integers(-SPREAD, SPREAD))
def test_aligned_players_agree_at_the_same_instant(case, history, jump):
    tz, m, now, skip, hours = case
    fresh = plan(m, now, tz=tz, hours=hours, skip=skip, aligned=True)
    # a second player with a different past (and a scheduler that answered other questions)
    sched = Scheduler(m, tz)
    earlier = sched.plan(now - dt.timedelta(seconds=history), hours=hours, skip=skip, aligned=True)
    sched.plan(now + dt.timedelta(seconds=jump), hours=hours, skip=skip, aligned=True)
    other = sched.plan(now, hours=hours, skip=skip, aligned=True, previous=earlier)
    assert (fresh.kind, fresh.item, fresh.alert, fresh.end) == (
        other.kind,
        other.item,
        other.alert,
        other.end,
    )
    if fresh.kind == "item":  # idle and off stretches remember when they began
        assert fresh.start == other.start


@PROPS
@given(scenarios(), st.integers(-SPREAD, SPREAD))
def test_a_reused_scheduler_answers_like_a_fresh_one(case, jump):
    tz, m, now, skip, hours = case
    sched = Scheduler(m, tz)
    sched.plan(now + dt.timedelta(seconds=jump), hours=hours, skip=skip)
    assert sched.plan(now, hours=hours, skip=skip) == plan(m, now, tz=tz, hours=hours, skip=skip)


@PROPS
@given(scenarios(), st.integers(0, 30 * 86400))
def test_untrusted_clock_never_plays_content_dated_after_publication(case, early):
    tz, m, now, skip, hours = case
    published = now + dt.timedelta(seconds=early + 1)
    m = Manifest(m.version, m.group, published, m.sequence, m.media, m.playlists)
    slot = plan(m, now, tz=tz, hours=hours, skip=skip)
    assert now < slot.end
    if slot.kind == "off":  # operating hours do not depend on dated content
        return
    assert slot.end <= published  # re-planned once the clock may be right
    if slot.kind == "idle":
        return
    pl = next(p for p in m.playlists if p.name == slot.playlist)
    for r in (pl.rules, slot.item.rules):
        if r is None:
            continue
        for limit, must_be_before in ((r.valid_from, True), (r.valid_until, False)):
            if limit is None:
                continue
            aware = limit if limit.tzinfo else limit.replace(tzinfo=tz)
            # valid_from must have passed by publication; valid_until must not have
            assert (aware <= published) if must_be_before else (aware > published)
