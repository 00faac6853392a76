"""Campaigns spread through their dayparts: goals met per day, plays spread, loops kept, limits."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import replace
from functools import cache
from itertools import pairwise

from player.schedule import campaigns
from player.schedule.listing import merged
from player.schedule.plan import Scheduler
from player.schedule.wallclock import WallClock
from player.wire.manifest import MAX_CAMPAIGNS, MAX_PLAYS_PER_DAY, Goal
from tests.fixtures.schedule import JAKARTA, at, campaign, image, loop, manifest, rules

MONDAY = at("2024-06-03 00:00", JAKARTA)
WEEK = 7


def three_campaigns():
    """480 plays/day of a 15 s spot, 10 % of airtime, 60 plays in a weekday morning daypart."""
    return manifest(
        loop("main", 7, 10.0),
        campaigns=(
            campaign("spot", image("spot-15s", 15), plays=480),
            campaign("share", image("share-a", 20), image("share-b", 10), share=0.10),
            campaign(
                "morning", image("morning-20s", 20), plays=60, when=rules("07:00-10:00", "mon-fri")
            ),
        ),
    )


@cache
def week_of_slots() -> tuple:
    """A week planned slot after slot, as the player asks (each at the previous one's end)."""
    scheduler = Scheduler(three_campaigns(), JAKARTA)
    return tuple(scheduler.upcoming(MONDAY, MONDAY + dt.timedelta(days=WEEK), clock_trusted=True))


def test_each_goal_is_met_within_one_percent_every_day_of_a_week() -> None:
    plays: Counter = Counter()
    seconds: Counter = Counter()
    for slot in week_of_slots():
        if slot.campaign is not None:
            day = slot.start.astimezone(JAKARTA).date()
            plays[slot.campaign, day] += 1
            seconds[slot.campaign, day] += slot.seconds
    for n in range(WEEK):
        day = (MONDAY + dt.timedelta(days=n)).date()
        assert abs(plays["spot", day] - 480) <= 4.8, (day, plays["spot", day])
        assert abs(seconds["share", day] / 86_400 - 0.10) <= 0.001, (day, seconds["share", day])
        wanted = 60 if day.weekday() < 5 else 0
        assert abs(plays["morning", day] - wanted) <= 0.6, (day, plays["morning", day])


def test_plays_are_spread_no_gap_longer_than_one_and_a_half_even_gaps() -> None:
    scheduler = Scheduler(three_campaigns(), JAKARTA)
    starts = defaultdict(list)
    for slot in week_of_slots():
        if slot.campaign is not None:
            starts[slot.campaign, slot.start.astimezone(JAKARTA).date()].append(slot.start)
    checked = 0
    for index in scheduler.campaigns:
        for (name, day), times in starts.items():
            if name != index.campaign.id:
                continue
            even = index.day_plan(scheduler.clock, day, None).gap
            gaps = [(b - a).total_seconds() for a, b in pairwise(times)]
            assert max(gaps) <= 1.5 * even, (name, day, max(gaps), even)
            # the first play comes within one even gap of the daypart's start
            first = index.day_plan(scheduler.clock, day, None).intervals[0][0]
            assert times[0].timestamp() - first <= 1.5 * even
            checked += 1
    assert checked == 7 + 7 + 5


def test_no_campaign_follows_itself_and_the_loop_keeps_its_order() -> None:
    slots = week_of_slots()
    for a, b in pairwise(slots):
        assert a.campaign is None or a.campaign != b.campaign, (a.reason, b.reason)
    loop_ids = [s.item.id for s in slots if s.campaign is None]
    assert loop_ids[:7] == [f"main{k}" for k in range(7)]
    for a, b in pairwise(loop_ids):
        assert int(b[4:]) == (int(a[4:]) + 1) % 7, (a, b)


def test_a_campaign_play_says_which_play_it_is_when_it_was_due_and_the_goal() -> None:
    slot = next(s for s in week_of_slots() if s.campaign == "morning")
    assert slot.start.astimezone(JAKARTA).strftime("%H:%M") >= "07:00"
    assert "campaign 'morning' of partner of morning: play 1/60 of Mon 2024-06-03" in slot.reason
    assert "one every 3m00s of window 07:00-10:00 mon-fri" in slot.reason
    assert "goal 60 plays/day" in slot.reason


def test_back_to_back_is_allowed_when_the_campaign_asks_for_it() -> None:
    alone = manifest(
        loop("main", 1, 600.0),
        campaigns=(campaign("dense", image("d", 10), plays=4_000, back_to_back=True),),
    )
    slots = list(Scheduler(alone, JAKARTA).upcoming(MONDAY, MONDAY + dt.timedelta(hours=1)))
    pairs = pairwise(slots)
    assert any(a.campaign == b.campaign == "dense" for a, b in pairs)


def test_a_screen_that_starts_late_owes_only_the_latest_play_not_the_morning() -> None:
    scheduler = Scheduler(three_campaigns(), JAKARTA)
    noon = at("2024-06-03 12:00", JAKARTA)
    # the next plays fall due 45 s (spot) and 75 s (share) after noon
    slots = list(scheduler.upcoming(noon, noon + dt.timedelta(seconds=40), clock_trusted=True))
    assert Counter(s.campaign for s in slots if s.campaign) == {"spot": 1, "share": 1}


def test_campaigns_for_other_screens_or_groups_are_left_out() -> None:
    offer = manifest(
        loop("main", 2),
        campaigns=(
            campaign("here", image("h", 15), plays=480, screens=frozenset({"p1"})),
            campaign("there", image("t", 15), plays=480, groups=frozenset({"other"})),
        ),
    )
    assert [c.campaign.id for c in Scheduler(offer, JAKARTA, screen="p1").campaigns] == ["here"]
    assert Scheduler(offer, JAKARTA, screen="p2").campaigns == []


def test_an_impossible_plan_is_reported_with_the_numbers() -> None:
    crowded = manifest(
        loop("main", 3),
        campaigns=(
            campaign("a", image("a1", 30), plays=1_440),  # 50 % of the day
            campaign("b", image("b1", 30), plays=960, when=rules("18:00-22:00")),  # 200 %
        ),
    )
    today = dt.date(2024, 6, 3)
    problems = campaigns.check(crowded, WallClock(JAKARTA), today)
    texts = [p.message for p in problems]
    assert any(
        t.startswith("Mon 2024-06-03 18:00-22:00: campaigns 'a' 1440 plays of 30s, one every 1m00s:"
                     " 50%, 'b' 960 plays of 30s, one every 15s: 200% need 250%")
        and "(and 6 more days through Sun 2024-06-09)" in t
        for t in texts
    ), texts  # fmt: skip
    assert any(p.campaigns == ("b",) and "back_to_back: true" in p.message for p in problems)
    assert campaigns.check(three_campaigns(), WallClock(JAKARTA), today) == []


def test_the_largest_plan_the_wire_allows_is_planned_and_refused_without_lists_of_plays() -> None:
    most = manifest(
        loop("main", 1),
        campaigns=tuple(
            campaign(f"c{k}", image(f"i{k}", 0.1), plays=MAX_PLAYS_PER_DAY)
            for k in range(MAX_CAMPAIGNS)
        ),
    )
    slot = Scheduler(most, JAKARTA).plan(at("2024-06-03 12:00", JAKARTA), clock_trusted=True)
    assert slot.campaign == "c0" and "play 43200/86400" in slot.reason
    (problem,) = campaigns.check(most, WallClock(JAKARTA), dt.date(2024, 6, 3))
    assert problem.message.startswith("Mon 2024-06-03 00:00-24:00: campaigns 'c0' 86400 plays")
    assert "need 2000% of the screen's time there" in problem.message


def test_a_new_goal_mid_day_goes_on_from_the_new_plan_without_a_stall() -> None:
    before = three_campaigns()
    noon = at("2024-06-03 12:00", JAKARTA)
    slots = list(Scheduler(before, JAKARTA).upcoming(MONDAY, noon, clock_trusted=True))
    halved = replace(
        before, campaigns=(replace(before.campaigns[0], goal=Goal(plays_per_day=240)),)
    )
    after = list(
        Scheduler(halved, JAKARTA).upcoming(
            noon, noon + dt.timedelta(minutes=20), previous=slots[-1], clock_trusted=True
        )
    )
    # 240 plays at noon have had 120 due, the old plan served 240: play 120 of 240 comes first
    plays = [s.reason for s in after if s.campaign == "spot"]
    assert "play 120/240" in plays[0] and len(plays) >= 3, plays


def test_a_campaign_play_asked_again_mid_play_goes_on_and_lists_as_one_play() -> None:
    scheduler = Scheduler(three_campaigns(), JAKARTA)
    noon = at("2024-06-03 12:00", JAKARTA)
    first = scheduler.plan(noon, clock_trusted=True)  # the play owed at the start
    again = scheduler.plan(noon + dt.timedelta(seconds=5), previous=first, clock_trusted=True)
    assert (again.campaign, again.start, again.end) == (first.campaign, first.start, first.end)
    (listed,) = merged([first, again])
    assert (listed.campaign, listed.seconds) == (first.campaign, first.seconds)
