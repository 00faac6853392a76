"""Table tests for the scheduler: every rule, their combinations, DST, alerts and clock jumps."""

from __future__ import annotations

import datetime as dt

import pytest

from player.schedule.plan import (
    Scheduler,
    Slot,
    clock_is_trusted,
    item_duration,
    plan,
    upcoming,
)
from player.wire.manifest import Media
from tests.fixtures.schedule import (
    BERLIN,
    NEW_YORK,
    alert,
    at,
    hours,
    image,
    local,
    loop,
    manifest,
    playlist,
    rules,
    video,
)

S = dt.timedelta(seconds=1)


def chain(m, start, until, **kw) -> list[Slot]:
    return list(upcoming(m, start, until, tz=kw.pop("tz", BERLIN), **kw))


def ids(slots: list[Slot]) -> list[str | None]:
    return [s.item.id if s.item else s.kind for s in slots]


# -- items and durations --------------------------------------------------------------------


def test_loop_plays_items_in_order_for_their_durations():
    m = manifest(loop("base", 3, seconds=10))
    start = at("2024-06-03 12:00")
    slots = chain(m, start, start + 35 * S)
    assert ids(slots) == ["base0", "base1", "base2", "base0"]
    assert [local(s.start) for s in slots] == [
        "Mon 12:00:00",
        "Mon 12:00:10",
        "Mon 12:00:20",
        "Mon 12:00:30",
    ]
    assert all(s.seconds == 10 for s in slots)


def test_video_plays_to_its_end_unless_limited():
    sha, unknown = "b" * 64, "c" * 64
    media = {
        sha: Media(sha, 100, "video", "media/b", duration=42.5),
        unknown: Media(unknown, 100, "video", "media/c"),
    }
    full, limited, blind = video("full", sha), video("limited", sha, 5), video("blind", unknown)
    m = manifest(playlist("p", 0, full, limited, blind), media=media, defaults={"duration": 7})
    assert item_duration(m, full) == 42.5
    assert item_duration(m, limited) == 5
    assert item_duration(m, blind) == 7
    start = at("2024-06-03 12:00")
    slots = chain(m, start, start + 60 * S)
    assert [(s.item.id, s.seconds) for s in slots[:3]] == [
        ("full", 42.5),
        ("limited", 5),
        ("blind", 7),
    ]


# -- windows, weekdays, dates ---------------------------------------------------------------

WINDOW_CASES = [
    # window, weekdays, wall-clock instant, plays?
    ("12:00-13:00", None, "2024-06-03 11:59:59", False),
    ("12:00-13:00", None, "2024-06-03 12:00:00", True),
    ("12:00-13:00", None, "2024-06-03 12:59:59", True),
    ("12:00-13:00", None, "2024-06-03 13:00:00", False),
    ("22:00-02:00", "fri", "2024-06-07 23:00", True),  # Friday night
    ("22:00-02:00", "fri", "2024-06-08 01:59:59", True),  # Saturday early: Friday's window
    ("22:00-02:00", "fri", "2024-06-08 02:00", False),
    ("22:00-02:00", "fri", "2024-06-08 23:00", False),  # Saturday night is not Friday
    ("22:00-02:00", "fri", "2024-06-07 01:00", False),  # Friday early belongs to Thursday
    (None, "mon-fri", "2024-06-07 23:59:59", True),
    (None, "mon-fri", "2024-06-08 00:00", False),
    (None, "mon-fri", "2024-06-10 00:00", True),
    ("00:00-00:00", "sun", "2024-06-09 12:00", True),  # start == end: all day
    ("00:00-00:00", "sun", "2024-06-10 00:00", False),
    ("06:00-09:00,17:00-19:00", "mon-fri", "2024-06-05 18:00", True),
    ("06:00-09:00,17:00-19:00", "mon-fri", "2024-06-05 12:00", False),
]


@pytest.mark.parametrize("level", ["playlist", "item"])
@pytest.mark.parametrize(("window", "on", "when", "plays"), WINDOW_CASES)
def test_windows_and_weekdays(level, window, on, when, plays):
    r = rules(window=window, on=on)
    if level == "playlist":
        ruled = playlist("ruled", 10, image("r"), when=r)
    else:
        ruled = playlist("ruled", 10, image("r", when=r))
    m = manifest(ruled, loop("base", 2))
    slot = plan(m, at(when), tz=BERLIN)
    assert (slot.item.id == "r") is plays, slot.reason


DATE_CASES = [
    # valid_from, valid_until, now, plays?
    (at("2024-06-05 18:00"), None, "2024-06-05 17:59:59", False),
    (at("2024-06-05 18:00"), None, "2024-06-05 18:00", True),
    (None, dt.datetime(2024, 6, 5, 18, 0), "2024-06-05 17:59:59", True),  # naive = Berlin time
    (None, dt.datetime(2024, 6, 5, 18, 0), "2024-06-05 18:00", False),
    (None, dt.datetime(2024, 6, 5, 16, 0, tzinfo=dt.UTC), "2024-06-05 17:59", True),
    (None, dt.datetime(2024, 6, 5, 16, 0, tzinfo=dt.UTC), "2024-06-05 18:00", False),
]


@pytest.mark.parametrize(("start", "until", "when", "plays"), DATE_CASES)
def test_date_ranges(start, until, when, plays):
    m = manifest(
        playlist("campaign", 10, image("c"), when=rules(valid_from=start, valid_until=until)),
        loop("base", 2),
    )
    assert (plan(m, at(when), tz=BERLIN).item.id == "c") is plays


BOUNDARY_CASES = [
    # campaign rules, now, expected playlist, expected end (Berlin wall clock)
    (rules(window="12:00-13:00"), "2024-06-03 11:30", "base", "2024-06-03 12:00"),
    (rules(window="12:00-13:00"), "2024-06-03 12:10", "campaign", "2024-06-03 13:00"),
    (rules(on="mon-fri"), "2024-06-07 23:50", "campaign", "2024-06-08 00:00"),
    (rules(on="mon-fri"), "2024-06-08 10:00", "base", "2024-06-10 00:00"),
    (rules(window="22:00-02:00", on="fri"), "2024-06-07 23:00", "campaign", "2024-06-08 02:00"),
    (rules(window="22:00-02:00", on="fri"), "2024-06-08 03:00", "base", "2024-06-14 22:00"),
    (
        rules(valid_until=dt.datetime(2024, 6, 5, 18, 0)),
        "2024-06-05 17:00",
        "campaign",
        "2024-06-05 18:00",
    ),
    (
        rules(window="08:00-20:00", valid_from=dt.datetime(2024, 6, 5, 12, 0)),
        "2024-06-05 07:00",
        "base",
        "2024-06-05 12:00",
    ),
]


@pytest.mark.parametrize(("when", "now", "expected", "end"), BOUNDARY_CASES)
def test_slot_ends_exactly_when_the_answer_changes(when, now, expected, end):
    week = 7 * 86400.0
    m = manifest(
        playlist("campaign", 10, image("c", week), when=when),
        playlist("base", 0, image("b", week)),
    )
    slot = plan(m, at(now), tz=BERLIN)
    assert slot.playlist == expected
    assert slot.end == at(end)
    after = plan(m, slot.end, tz=BERLIN, previous=slot)
    assert after.playlist != expected


def test_item_window_cuts_the_item_and_the_loop_moves_on():
    m = manifest(
        playlist("p", 0, image("lunch", 600, when=rules(window="12:00-13:00")), image("x", 60))
    )
    slot = plan(m, at("2024-06-03 12:55"), tz=BERLIN)
    assert (slot.item.id, local(slot.end)) == ("lunch", "Mon 13:00:00")
    nxt = plan(m, slot.end, tz=BERLIN, previous=slot)
    assert nxt.item.id == "x"
    assert ids(chain(m, nxt.start, nxt.start + 200 * S, previous=slot)) == ["x", "x", "x", "x"]


# -- priorities and defaults ----------------------------------------------------------------


def test_campaign_takes_over_and_the_loop_resumes_the_interrupted_item():
    m = manifest(
        playlist("campaign", 10, image("c", 15), when=rules(window="12:00-12:01")),
        loop("base", 3, seconds=20),
    )
    slots = chain(m, at("2024-06-03 11:59:50"), at("2024-06-03 12:01:30"))
    got = [(s.item.id, local(s.start), local(s.end)) for s in slots]
    assert got == [
        ("base0", "Mon 11:59:50", "Mon 12:00:00"),  # cut by the take-over
        ("c", "Mon 12:00:00", "Mon 12:00:15"),
        ("c", "Mon 12:00:15", "Mon 12:00:30"),
        ("c", "Mon 12:00:30", "Mon 12:00:45"),
        ("c", "Mon 12:00:45", "Mon 12:01:00"),
        ("base0", "Mon 12:01:00", "Mon 12:01:20"),  # interrupted item starts again
        ("base1", "Mon 12:01:20", "Mon 12:01:40"),
    ]


def test_loop_resumes_after_the_last_completed_item():
    m = manifest(
        playlist("campaign", 10, image("c", 60), when=rules(window="12:00-12:01")),
        loop("base", 3, seconds=20),
    )
    slots = chain(m, at("2024-06-03 11:59:40"), at("2024-06-03 12:01:10"))
    assert ids(slots) == ["base0", "c", "base1"]  # base0 completed at 12:00 exactly


def test_highest_priority_with_nothing_playable_yields_to_the_next():
    expired = rules(valid_until=at("2024-06-01 00:00"))
    m = manifest(
        playlist("top", 30, image("gone", when=expired)),
        playlist("first", 20, image("f")),
        playlist("second", 20, image("s")),  # same priority: the one listed first wins
        loop("base", 1),
    )
    slot = plan(m, at("2024-06-03 12:00"), tz=BERLIN)
    assert slot.playlist == "first"


def test_default_playlist_plays_only_when_nothing_else_is_valid():
    m = manifest(
        playlist("fallback", 100, image("d"), default=True),
        playlist("noon", 1, image("n"), when=rules(window="12:00-13:00")),
    )
    noon = plan(m, at("2024-06-03 12:30"), tz=BERLIN)
    late = plan(m, at("2024-06-03 14:00"), tz=BERLIN)
    assert noon.playlist == "noon"
    assert late.playlist == "fallback"
    assert "nothing else valid" in late.reason
    # the fallback gives way when noon comes round again
    assert late.end <= at("2024-06-04 12:00")


def test_nothing_valid_is_idle_until_something_becomes_valid():
    m = manifest(playlist("noon", 1, image("n"), when=rules(window="12:00-13:00", on="mon")))
    slot = plan(m, at("2024-06-04 12:30"), tz=BERLIN)  # Tuesday
    assert slot.kind == "idle"
    assert slot.end == at("2024-06-10 12:00")
    empty = plan(None, at("2024-06-04 12:30"), tz=BERLIN)
    assert (empty.kind, empty.reason) == ("idle", "no manifest yet")
    assert empty.end > at("2024-06-04 12:30")


def test_reason_names_the_rule():
    m = manifest(
        playlist(
            "morning",
            10,
            *(image(f"m{k}") for k in range(5)),
            when=rules(window="06:00-09:00", on="mon-fri"),
        ),
    )
    slot = plan(m, at("2024-06-03 06:00:15"), tz=BERLIN)
    assert slot.reason.startswith(
        "playlist 'morning' (priority 10, window 06:00-09:00 mon-fri) item 1/5 'm0'"
    )


# -- alerts ---------------------------------------------------------------------------------


def test_alert_overrides_until_it_expires_then_the_loop_resumes():
    m = manifest(loop("base", 3, seconds=20))
    first = plan(m, at("2024-06-03 11:59:50"), tz=BERLIN)
    a = alert("flood", at("2024-06-03 12:05"))
    shown = plan(m, at("2024-06-03 12:00"), tz=BERLIN, alerts=[a], previous=first)
    assert (shown.kind, shown.alert, shown.end) == ("alert", a, at("2024-06-03 12:05"))
    assert "emergency alert 'flood'" in shown.reason
    # re-planned while still showing: same alert, same start
    again = plan(m, at("2024-06-03 12:03"), tz=BERLIN, alerts=[a], previous=shown)
    assert (again.start, again.end) == (shown.start, shown.end)
    after = plan(m, shown.end, tz=BERLIN, alerts=[a], previous=again)
    assert (after.kind, after.item.id, after.start) == ("item", "base0", at("2024-06-03 12:05"))


def test_most_severe_then_newest_alert_shows_and_slot_ends_at_first_expiry():
    m = manifest(loop("base", 1))
    warn = alert("w", at("2024-06-03 12:10"), level="warning", issued=at("2024-06-03 11:00"))
    emerg = alert("e", at("2024-06-03 12:05"), level="emergency", issued=at("2024-06-03 10:00"))
    newer = alert("w2", at("2024-06-03 12:20"), level="warning", issued=at("2024-06-03 11:30"))
    stale = alert("old", at("2024-06-03 11:00"))
    alerts = [warn, emerg, newer, stale]
    slots = chain(m, at("2024-06-03 12:00"), at("2024-06-03 12:21"), alerts=alerts)
    got = [(s.alert.id if s.alert else s.item.id, local(s.end)) for s in slots[:4]]
    assert got == [
        ("e", "Mon 12:05:00"),
        ("w2", "Mon 12:10:00"),  # warning w expiring changes nothing shown but is re-checked
        ("w2", "Mon 12:20:00"),
        ("base0", "Mon 12:20:10"),
    ]
    assert slots[1].start == slots[2].start  # one continuous showing of w2


def test_only_emergency_alerts_light_the_screen_outside_operating_hours():
    m = manifest(loop("base", 1))
    closed = hours({"mon-fri": "07:00-22:00"})
    info = alert("i", at("2024-06-04 08:00"), level="info")
    emerg = alert("e", at("2024-06-04 08:00"), level="emergency")
    night = at("2024-06-03 23:00")
    assert plan(m, night, tz=BERLIN, hours=closed, alerts=[info]).kind == "off"
    off = plan(m, night, tz=BERLIN, hours=closed, alerts=[info])
    assert off.end == at("2024-06-04 07:00")  # the info alert shows when the screen is on
    assert plan(m, off.end, tz=BERLIN, hours=closed, alerts=[info]).alert == info
    assert plan(m, night, tz=BERLIN, hours=closed, alerts=[emerg]).alert == emerg


# -- operating hours ------------------------------------------------------------------------

HOURS = {"mon-fri": "07:00-22:00", "sat": "10:00-02:00"}
HOURS_CASES = [
    # now, kind, end (for "off": the next on-time)
    ("2024-06-03 06:59", "off", "2024-06-03 07:00"),
    ("2024-06-03 07:00", "item", None),
    ("2024-06-07 22:00", "off", "2024-06-08 10:00"),
    ("2024-06-08 23:00", "item", None),
    ("2024-06-09 01:59", "item", None),  # Sunday early: Saturday's window
    ("2024-06-09 02:00", "off", "2024-06-10 07:00"),
]


@pytest.mark.parametrize(("now", "kind", "end"), HOURS_CASES)
def test_operating_hours(now, kind, end):
    m = manifest(loop("base", 2))
    slot = plan(m, at(now), tz=BERLIN, hours=hours(HOURS))
    assert slot.kind == kind
    if end:
        assert slot.end == at(end)
        assert slot.reason == "outside operating hours"


def test_item_is_cut_when_the_screen_goes_off():
    m = manifest(playlist("long", 0, image("l", 86400)))
    slot = plan(m, at("2024-06-08 23:00"), tz=BERLIN, hours=hours(HOURS))
    assert slot.end == at("2024-06-09 02:00")
    assert plan(m, at("2024-06-03 23:00"), tz=BERLIN, hours=hours({})).kind == "item"


# -- DST ------------------------------------------------------------------------------------


def test_windows_follow_wall_clock_across_spring_forward():
    m = manifest(
        playlist("night", 10, image("n", 86400), when=rules(window="01:00-04:00")),
        playlist("gap", 5, image("g", 86400), when=rules(window="02:30-05:00")),
        playlist("base", 0, image("b", 86400)),
    )
    before = plan(m, at("2024-03-31 00:59"), tz=BERLIN)
    assert (before.playlist, before.end) == ("base", at("2024-03-31 01:00"))
    night = plan(m, before.end, tz=BERLIN, previous=before)
    # 01:00 CET to 04:00 CEST is two real hours: 02:00-03:00 does not exist that night
    assert night.playlist == "night"
    assert night.end - night.start == dt.timedelta(hours=2)
    gap = plan(m, night.end, tz=BERLIN, previous=night)
    assert (gap.playlist, local(gap.end)) == ("gap", "Sun 05:00:00")


def test_window_opening_in_the_skipped_hour_opens_at_the_transition():
    m = manifest(
        playlist("gap", 5, image("g", 86400), when=rules(window="02:30-05:00")),
        playlist("base", 0, image("b", 86400)),
    )
    slot = plan(m, at("2024-03-31 01:30"), tz=BERLIN)
    assert slot.end == dt.datetime(2024, 3, 31, 1, 0, tzinfo=dt.UTC)  # 03:00 CEST
    assert plan(m, slot.end, tz=BERLIN).playlist == "gap"


def test_windows_follow_wall_clock_across_fall_back():
    m = manifest(
        playlist("night", 10, image("n", 86400), when=rules(window="00:00-06:00")),
        playlist("base", 0, image("b", 86400)),
    )
    slot = plan(m, at("2024-10-27 00:00"), tz=BERLIN)
    assert slot.end == at("2024-10-27 06:00")
    assert slot.end - slot.start == dt.timedelta(hours=7)  # the repeated hour is inside
    repeated = at("2024-10-27 02:30", fold=1)
    assert plan(m, repeated, tz=BERLIN).playlist == "night"


def test_new_york_daily_window_keeps_local_hours_over_dst():
    m = manifest(
        playlist("am", 10, image("a", 86400), when=rules(window="08:00-09:00")),
        playlist("base", 0, image("b", 86400)),
    )
    for day in ("2024-03-09", "2024-03-10", "2024-03-11", "2024-11-03"):
        slot = plan(m, at(f"{day} 08:30", NEW_YORK), tz=NEW_YORK)
        assert slot.playlist == "am"
        assert slot.end.astimezone(NEW_YORK).strftime("%H:%M") == "09:00"
        assert slot.end == at(f"{day} 09:00", NEW_YORK)


# -- skip -----------------------------------------------------------------------------------


def test_skipped_items_are_never_returned():
    m = manifest(loop("top", 3, priority=5), loop("base", 2))
    start = at("2024-06-03 12:00")
    assert ids(chain(m, start, start + 35 * S, skip=frozenset({"top1"}))) == [
        "top0",
        "top2",
        "top0",
        "top2",
    ]
    all_top = frozenset({"top0", "top1", "top2"})
    assert plan(m, start, tz=BERLIN, skip=all_top).playlist == "base"
    everything = all_top | {"base0", "base1"}
    assert plan(m, start, tz=BERLIN, skip=everything).kind == "idle"


def test_aligned_mode_stands_in_for_a_skipped_item_and_stays_in_step():
    m = manifest(loop("p", 3))
    now = at("2024-06-03 12:00:03")
    clean = plan(m, now, tz=BERLIN, aligned=True)
    skipped = plan(m, now, tz=BERLIN, aligned=True, skip=frozenset({clean.item.id}))
    assert skipped.item.id != clean.item.id
    assert (skipped.start, skipped.end) == (clean.start, clean.end)
    assert "standing in for" in skipped.reason


# -- clock trust (no RTC) -------------------------------------------------------------------

PUBLISHED_LATE = at("2024-06-10 00:00")
EXPIRED = rules(valid_until=at("2024-06-05 00:00"))  # over before publication
RANGED = rules(valid_from=at("2024-06-01 00:00"), valid_until=at("2024-06-30 00:00"))
STARTED = rules(valid_from=at("2024-06-01 00:00"))  # began before publication, never ends
UNTRUSTED_CASES = [
    # playlists (name, rules); expected playlist (None = idle)
    ([("expired", EXPIRED), ("base", None)], "base"),
    ([("ranged", RANGED), ("base", None)], "base"),
    ([("started", STARTED), ("base", None)], "started"),
    ([("ranged", RANGED)], "ranged"),  # nothing certain: what was valid at publication
    ([("expired", EXPIRED)], None),
]


@pytest.mark.parametrize(("spec", "expected"), UNTRUSTED_CASES)
def test_untrusted_clock_holds_back_dated_content(spec, expected):
    pls = [
        playlist(name, 10 if name != "base" else 0, image(name, 86400 * 30), when=r)
        for name, r in spec
    ]
    m = manifest(*pls, published=PUBLISHED_LATE)
    now = at("2024-06-03 12:00")  # stale clock: before the manifest was published
    assert not clock_is_trusted(m, now)
    slot = plan(m, now, tz=BERLIN)
    assert slot.playlist == expected
    assert "clock not trusted" in slot.reason
    assert slot.end <= PUBLISHED_LATE  # re-evaluated once the clock could be right


def test_trusted_clock_override_and_trust_after_publication():
    m = manifest(
        playlist("expired", 10, image("e"), when=EXPIRED),
        loop("base", 1),
        published=PUBLISHED_LATE,
    )
    now = at("2024-06-03 12:00")
    assert plan(m, now, tz=BERLIN, clock_trusted=True).playlist == "expired"
    ranged = manifest(
        playlist("ranged", 10, image("r"), when=RANGED), loop("base", 1), published=PUBLISHED_LATE
    )
    assert plan(ranged, PUBLISHED_LATE, tz=BERLIN).playlist == "ranged"


# -- clock jumps and manifest changes -------------------------------------------------------


def test_clock_jump_forward_moves_on_without_replaying_the_past():
    m = manifest(loop("base", 3))
    first = plan(m, at("2024-06-03 12:00"), tz=BERLIN)
    jumped = at("2024-06-05 09:00")
    slot = plan(m, jumped, tz=BERLIN, previous=first)
    assert (slot.item.id, slot.start, slot.end) == ("base1", jumped, jumped + 10 * S)


def test_clock_jump_back_ignores_a_previous_slot_from_the_future():
    m = manifest(loop("base", 3))
    future = chain(m, at("2024-06-03 12:00"), at("2024-06-03 12:00:15"))[1]
    assert future.item.id == "base1"
    back = at("2024-06-01 08:00")
    slot = plan(m, back, tz=BERLIN, previous=future)
    # not continued from its (future) start, but the loop keeps its place: base1 again
    assert (slot.item.id, slot.start, slot.end) == ("base1", back, back + 10 * S)
    slots = chain(m, back, back + 30 * S, previous=future)
    assert [(s.item.id, s.start) for s in slots] == [
        ("base1", back),
        ("base2", back + 10 * S),
        ("base0", back + 20 * S),
    ]


def test_a_previous_slot_with_a_far_future_end_does_not_freeze_the_chain():
    m = manifest(loop("base", 2))
    now = at("2024-06-03 12:00")
    odd = Slot(
        "item",
        now - 5 * S,
        now + dt.timedelta(days=400),
        item=m.playlists[0].items[0],
        playlist="base",
        index=0,
    )
    slot = plan(m, now, tz=BERLIN, previous=odd)
    assert (slot.item.id, slot.end) == ("base0", now + 5 * S)


def test_new_manifest_mid_item_continues_it_and_withdrawn_item_is_replaced():
    old = manifest(playlist("p", 0, image("a"), image("b"), image("c")))
    b = chain(old, at("2024-06-03 12:00"), at("2024-06-03 12:00:15"))[1]
    assert b.item.id == "b"
    moved = manifest(playlist("p", 0, image("a"), image("x"), image("b"), image("c")))
    mid = plan(moved, b.start + 4 * S, tz=BERLIN, previous=b)
    assert (mid.item.id, mid.index, mid.start, mid.end) == ("b", 2, b.start, b.end)
    withdrawn = manifest(playlist("p", 0, image("a"), image("c")))
    assert plan(withdrawn, b.end, tz=BERLIN, previous=b).item.id == "c"
    assert plan(withdrawn, b.start + 4 * S, tz=BERLIN, previous=b).item.id == "c"


# -- aligned mode ---------------------------------------------------------------------------


def test_aligned_players_agree_whatever_they_played_before():
    m = manifest(loop("p", 4, seconds=7.5))
    now = at("2024-06-03 12:34:56.789")
    sched = Scheduler(m, BERLIN)
    reference = sched.plan(now, aligned=True)
    others = [
        plan(m, now, tz=BERLIN, aligned=True, previous=p)
        for p in chain(m, now - 40 * S, now - 10 * S)
    ]
    assert all(o == reference for o in others)
    assert reference.start <= now < reference.end


def test_aligned_loop_starts_when_its_window_opens():
    m = manifest(
        loop("morning", 4, seconds=10, priority=10, when=rules(window="06:00-09:00")),
        loop("base", 1),
    )
    first = plan(m, at("2024-06-03 06:00"), tz=BERLIN, aligned=True)
    assert (first.item.id, first.start) == ("morning0", at("2024-06-03 06:00"))
    later = plan(m, at("2024-06-03 06:00:25"), tz=BERLIN, aligned=True)
    assert (later.item.id, later.start, later.end) == (
        "morning2",
        at("2024-06-03 06:00:20"),
        at("2024-06-03 06:00:30"),
    )


def test_following_predicts_the_next_slot_for_preloading():
    m = manifest(
        playlist("noon", 10, image("n", 30), when=rules(window="12:00-13:00")), loop("base", 2)
    )
    sched = Scheduler(m, BERLIN)
    now = sched.plan(at("2024-06-03 11:59:55"))
    nxt = sched.following(now)
    assert (now.item.id, nxt.item.id, nxt.start) == ("base0", "n", at("2024-06-03 12:00"))
    assert nxt == sched.plan(now.end, previous=now)


def test_plan_wants_an_aware_now():
    with pytest.raises(ValueError, match="timezone-aware"):
        plan(manifest(loop("p", 1)), dt.datetime(2024, 6, 3, 12), tz=BERLIN)


# -- numbers the parser would refuse: planning must still never raise ------------------------


@pytest.mark.parametrize("aligned", [False, True])
def test_an_item_lasting_ten_thousand_years_ends_never_instead_of_raising(aligned):
    m = manifest(playlist("main", 0, image("huge", 3e11), image("next", 5)))
    now = at("2024-06-03 12:00")
    slot = plan(m, now, tz=BERLIN, aligned=aligned)
    assert slot.end > now
    after = plan(m, now + 60 * S, tz=BERLIN, aligned=aligned, previous=slot)
    assert after.kind == "item" and after.end > now + 60 * S
    if not aligned:
        assert (slot.item.id, slot.end.year) == ("huge", 9999)


def test_a_clock_at_the_end_of_time_still_gets_an_answer():
    m = manifest(playlist("main", 0, image("a", 10)))
    now = dt.datetime(9999, 12, 31, 23, 59, 55, tzinfo=dt.UTC)
    slot = plan(m, now, tz=dt.UTC)
    assert slot.item.id == "a" and slot.end > now
