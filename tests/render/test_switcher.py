"""The Switcher on its own: switching, skipping, manifests, alerts and hours, driven by `now`."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from concurrent.futures import Future
from zoneinfo import ZoneInfo

from player.render.layout import Rect
from player.render.prepare import FailedVisual
from player.render.switcher import (
    POLL_LATE,
    POLL_PREPARING,
    PREPARE_AHEAD,
    Switcher,
    to_datetime,
)
from player.render.visuals import ImageVisual
from player.schedule.plan import Scheduler, Slot
from player.service.board import StatusBoard
from player.wire.manifest import Item, Transition
from player.wire.proofofplay import PlayRecord
from tests.fixtures.schedule import alert, campaign, hours, manifest, playlist

UTC = ZoneInfo("UTC")
ZONE = Rect(0, 0, 320, 180)
# Monday 2024-06-03 12:00 UTC: inside the 06:00-22:00 hours used below.
NOON = dt.datetime(2024, 6, 3, 12, 0, tzinfo=dt.UTC).timestamp()


def item(item_id: str, seconds: float = 10.0, media: str = "a" * 64, **kw) -> Item:
    return Item(item_id, "image", seconds, media=media, **kw)


class Stage:
    """Makes visuals as the factory does: images decoded by a worker (a Future settled here).

    `slow` items stay unprepared until `ready(id)`; `broken` ones fail as an undecodable
    file would. The "pixels" are an opaque handle: the Switcher never looks inside.
    """

    def __init__(self, *, slow: set[str] = frozenset(), broken: set[str] = frozenset()) -> None:
        self.slow, self.broken = set(slow), set(broken)
        self.futures: dict[str, Future] = {}
        self.made: list[str] = []

    def make(self, slot: Slot, zone: Rect, offset: float):
        key = slot.item.id if slot.item is not None else slot.kind
        self.made.append(key)
        if key in self.broken:
            return FailedVisual(f"item:{key}", f"cannot decode {key}")
        future: Future = Future()
        self.futures[key] = future
        if key not in self.slow:
            future.set_result(f"pixels of {key}")
        return ImageVisual(f"item:{key}", future)

    def ready(self, key: str) -> None:
        self.futures[key].set_result(f"pixels of {key}")


def switcher(*items: Item, stage: Stage | None = None, **kw) -> tuple[Switcher, list, Stage]:
    stage = stage or Stage()
    plays: list[PlayRecord] = []
    s = Switcher(stage.make, lambda kind: ZONE, StatusBoard(), on_play=plays.append, **kw)
    if items:
        s.new_manifest(Scheduler(manifest(playlist("main", 0, *items)), UTC), NOON)
    return s, plays, stage


def on_screen(s: Switcher) -> str | None:
    cur = s.showing
    if cur is None:
        return None
    return cur.slot.item.id if cur.slot.item is not None else cur.slot.kind


def run(s: Switcher, start: float, end: float, step: float = 0.5) -> list[tuple[float, str]]:
    """Advance as the loop would, one frame per `step`; (time, what) at every switch."""
    switches = []
    t = start
    while t <= end + 1e-9:
        switched = s.advance(t)
        if switched is not None:
            switched.showing.shown_at = t  # the loop presents its first frame at once
            switches.append((round(t - NOON, 3), on_screen(s)))
        if s.pending is None:
            s.plan_next(t)
        s.take_retired()
        t += step
    return switches


def test_items_follow_each_other_at_their_boundaries() -> None:
    s, plays, _ = switcher(item("a"), item("b"), item("c"))
    assert run(s, NOON, NOON + 30) == [(0.0, "a"), (10.0, "b"), (20.0, "c"), (30.0, "a")]
    assert [(p.item_id, p.completed) for p in plays] == [("a", True), ("b", True), ("c", True)]
    assert plays[0].ended_at - plays[0].started_at == dt.timedelta(seconds=10)
    render = s.status.get("render")
    assert render["item"] == "a" and render["kind"] == "item" and render["screen"] == "on"
    assert render["since"] == "2024-06-03T12:00:30+00:00"


def test_the_next_item_is_prepared_ahead_and_not_before() -> None:
    s, _, stage = switcher(item("a"), item("b"))
    run(s, NOON, NOON + 10 - PREPARE_AHEAD - 0.5)
    assert stage.made == ["a"]  # nothing held in memory an hour ahead
    run(s, NOON + 10 - PREPARE_AHEAD, NOON + 10 - PREPARE_AHEAD)
    assert stage.made == ["a", "b"] and on_screen(s) == "a"


def test_a_late_item_keeps_the_last_frame_until_it_is_ready() -> None:
    s, _, stage = switcher(item("a"), item("b"), stage=Stage(slow={"b"}))
    switches = run(s, NOON, NOON + 12)
    assert switches == [(0.0, "a")]  # b is due at 10 s but not decoded: a stays, no black
    stage.ready("b")
    assert run(s, NOON + 12.5, NOON + 12.5) == [(12.5, "b")]


def test_an_item_that_fails_to_prepare_is_skipped_named_once_and_retried_later(
    caplog,
) -> None:
    bad = item("bad", media="b" * 64)
    s, _, _ = switcher(item("a"), bad, item("c"), stage=Stage(broken={"bad"}))
    with caplog.at_level(logging.ERROR):
        switches = run(s, NOON, NOON + 60)
    # Found out while "a" played: "c" is prepared in its place and follows without a gap.
    assert switches[:3] == [(0.0, "a"), (10.0, "c"), (20.0, "a")]
    assert "bad" not in {what for _, what in switches}
    assert caplog.text.count("skipping item 'bad': cannot decode bad") == 1
    assert s.status.get("render")["failures"] == [{"item": "bad", "error": "cannot decode bad"}]
    # Its media is downloaded again: status forgets it (it plays again, see below).
    s.media_restored(["b" * 64], NOON + 60.2)
    assert s.status.get("render")["failures"] == []


def test_a_restored_item_plays_again_at_its_next_turn() -> None:
    bad = item("bad", media="b" * 64)
    stage = Stage(broken={"bad"})
    s, _, _ = switcher(item("a"), bad, stage=stage)
    assert {w for _, w in run(s, NOON, NOON + 30)} == {"a"}  # only "a", again and again
    stage.broken.clear()  # the file is good again
    s.media_restored(["b" * 64], NOON + 30.2)
    assert "bad" in [w for _, w in run(s, NOON + 30.5, NOON + 60)]


def test_a_new_manifest_keeps_the_item_on_screen_and_drops_what_was_prepared() -> None:
    s, _, _ = switcher(item("a"), item("b"))
    run(s, NOON, NOON + 7)  # "b" is prepared
    assert s.pending is not None and s.pending.slot.item.id == "b"
    newer = manifest(playlist("main", 0, item("a"), item("new")))
    s.new_manifest(Scheduler(newer, UTC), NOON + 7.2)
    assert on_screen(s) == "a" and s.pending is None
    assert run(s, NOON + 7.5, NOON + 21) == [(10.0, "new"), (20.0, "a")]


def test_a_new_manifest_without_the_item_on_screen_switches_at_once() -> None:
    s, _, _ = switcher(item("a"), item("b"))
    run(s, NOON, NOON + 3)
    newer = manifest(playlist("main", 0, item("x"), item("y")))
    s.new_manifest(Scheduler(newer, UTC), NOON + 3.2)
    assert run(s, NOON + 3.5, NOON + 3.5) == [(3.5, "x")]


def test_an_alert_takes_over_and_gives_back() -> None:
    s, plays, _ = switcher(item("a", 30), item("b", 30))
    run(s, NOON, NOON + 5)
    warning = alert("flood", dt.datetime(2024, 6, 3, 12, 1, tzinfo=dt.UTC), level="warning")
    s.set_alerts([warning], NOON + 5.2)
    assert run(s, NOON + 5.5, NOON + 5.5) == [(5.5, "alert")]
    render = s.status.get("render")
    assert render["alert"] == "flood" and render["alert_level"] == "warning"
    assert plays[-1].item_id == "a" and plays[-1].completed is False  # cut short
    s.set_alerts([], NOON + 20.2)
    back = run(s, NOON + 20.5, NOON + 20.5)
    assert back and back[0][1] in ("a", "b")
    assert s.status.get("render")["alert"] is None


def test_operating_hours_turn_the_screen_black_and_back_on() -> None:
    late = dt.datetime(2024, 6, 3, 21, 59, 50, tzinfo=dt.UTC).timestamp()
    s, _, _ = switcher()
    s.hours = hours({"mon-sun": "06:00-22:00"})
    s.new_manifest(Scheduler(manifest(playlist("main", 0, item("a"))), UTC), late)
    run(s, late, late + 9)
    assert on_screen(s) == "a"
    run(s, late + 9.5, late + 11)
    assert on_screen(s) == "off"
    render = s.status.get("render")
    assert render["screen"] == "black" and render["until"] == "2024-06-04T06:00:00+00:00"
    morning = dt.datetime(2024, 6, 4, 6, 0, tzinfo=dt.UTC).timestamp()
    s.replan(morning - 1, "clock jumped")  # the loop wakes at least every second anyway
    run(s, morning - 1, morning + 1)
    assert on_screen(s) == "a" and s.status.get("render")["screen"] == "on"


def test_display_off_shows_black_until_display_on() -> None:
    s, _, _ = switcher(item("a"))
    run(s, NOON, NOON + 2)
    s.set_power(False, NOON + 2.2)
    run(s, NOON + 2.5, NOON + 30)
    assert on_screen(s) == "off" and s.status.get("render")["screen"] == "off"
    s.set_power(True, NOON + 30.2)
    run(s, NOON + 30.5, NOON + 31)
    assert on_screen(s) == "a"


def test_the_splash_shows_when_nothing_can_play() -> None:
    s, _, _ = switcher()
    assert run(s, NOON, NOON + 1) == [(0.0, "idle")]
    render = s.status.get("render")
    assert render["kind"] == "idle" and render["splash"]


def test_a_redraw_goes_on_from_the_same_start() -> None:
    s, plays, _ = switcher(item("a", 20))
    run(s, NOON, NOON + 5)
    since = s.status.get("render")["since"]
    s.redo_current(NOON + 5.2)  # the display changed: the same play in a new visual
    switched = s.advance(NOON + 5.5)
    assert switched is not None and switched.redraw and on_screen(s) == "a"
    assert s.status.get("render")["since"] == since and plays == []


def test_a_crossfade_is_asked_for_between_two_items_in_the_same_zone() -> None:
    fade = Transition("crossfade", 500)
    s, _, _ = switcher(item("a"), dataclasses.replace(item("b"), transition=fade))
    run(s, NOON, NOON + 9.5)
    s.plan_next(NOON + 9.5)
    switched = s.advance(NOON + 10)
    assert switched is not None and switched.crossfade == 0.5 and not switched.redraw


def test_the_loop_is_woken_when_there_is_switching_to_do() -> None:
    s, _, stage = switcher(item("a"), item("b"), stage=Stage(slow={"b"}))
    run(s, NOON, NOON + 1)
    assert s.wake_at(NOON + 1) == NOON + 10 - PREPARE_AHEAD  # time to prepare "b"
    run(s, NOON + 5, NOON + 5)
    assert s.wake_at(NOON + 6) == NOON + 6 + POLL_PREPARING  # "b" still decoding
    assert s.wake_at(NOON + 10) == NOON + 10 + POLL_LATE  # due: look again soon
    stage.ready("b")
    assert s.wake_at(NOON + 8) == NOON + 10  # ready: the boundary itself
    s.set_power(False, NOON + 8)
    run(s, NOON + 8, NOON + 8)
    assert s.wake_at(NOON + 9) is None  # black until display-on: nothing to plan


def test_a_new_manifest_starts_with_no_skipped_items() -> None:
    bad = item("bad", media="b" * 64)
    s, _, _ = switcher(item("a"), bad, stage=Stage(broken={"bad"}))
    run(s, NOON, NOON + 12)
    assert [f["item"] for f in s.status.get("render")["failures"]] == ["bad"]
    newer = manifest(playlist("main", 0, item("a"), item("c")))
    s.new_manifest(Scheduler(newer, UTC), NOON + 12.2)
    assert s.status.get("render")["failures"] == [] and s.failures == {}


# -- what tests/render/test_playback.py once timed on the wall clock ---------------------


def test_an_alert_ends_by_itself_at_its_expiry() -> None:
    s, _, _ = switcher(item("a", 30))
    run(s, NOON, NOON + 4)
    expires = dt.datetime.fromtimestamp(NOON + 9, dt.UTC)
    s.set_alerts([alert("flood", expires)], NOON + 4.2)
    # Taken over at the next frame; given back exactly at expiry, with no message needed.
    assert run(s, NOON + 4.5, NOON + 12) == [(4.5, "alert"), (9.0, "a")]
    assert s.status.get("render")["alert"] is None


def test_a_new_version_of_the_alert_on_screen_replaces_it() -> None:
    s, _, stage = switcher(item("a", 60))
    run(s, NOON, NOON + 2)
    until = dt.datetime(2024, 6, 3, 12, 5, tzinfo=dt.UTC)
    first = alert("flood", until, level="warning", issued=dt.datetime.fromtimestamp(NOON, dt.UTC))
    s.set_alerts([first], NOON + 2.2)
    assert run(s, NOON + 2.5, NOON + 2.5) == [(2.5, "alert")]
    second = dataclasses.replace(
        first, text="Banjir: evakuasi", level="emergency",
        issued_at=dt.datetime.fromtimestamp(NOON + 3, dt.UTC),
    )  # fmt: skip
    s.set_alerts([second], NOON + 3.2)
    assert run(s, NOON + 3.5, NOON + 3.5) == [(3.5, "alert")]  # drawn anew
    assert stage.made.count("alert") == 2
    assert s.status.get("render")["alert_level"] == "emergency"


def test_display_off_cuts_the_play_short_and_display_on_starts_a_new_one() -> None:
    s, plays, _ = switcher(item("a", 10))
    run(s, NOON, NOON + 2)
    s.set_power(False, NOON + 2.2)
    assert run(s, NOON + 2.5, NOON + 3) == [(2.5, "off")]
    s.set_power(True, NOON + 3.2)
    assert run(s, NOON + 3.5, NOON + 4) == [(3.5, "a")]
    s.close(NOON + 4)
    assert [(p.item_id, p.completed) for p in plays] == [("a", False), ("a", False)]


def test_a_kept_item_finishes_and_a_withdrawn_one_is_cut_short() -> None:
    s, plays, _ = switcher(item("x"), item("y"))
    run(s, NOON, NOON + 4)
    kept = manifest(playlist("main", 0, item("x"), item("z")))
    s.new_manifest(Scheduler(kept, UTC), NOON + 4.2)
    assert run(s, NOON + 4.5, NOON + 12) == [(10.0, "z")]  # x plays on; z, not y, follows
    assert [(p.item_id, p.completed) for p in plays] == [("x", True)]
    withdrawn = manifest(playlist("main", 0, item("w")))
    s.new_manifest(Scheduler(withdrawn, UTC), NOON + 12.2)
    assert run(s, NOON + 12.5, NOON + 13) == [(12.5, "w")]  # at the next frame
    assert [(p.item_id, p.completed) for p in plays] == [("x", True), ("z", False)]


def test_a_broken_item_between_two_good_ones_is_skipped_without_a_gap() -> None:
    bad = item("bad", 4, media="b" * 64)
    s, plays, _ = switcher(item("red", 4), bad, item("blue", 4), stage=Stage(broken={"bad"}))
    # blue starts when bad would have started, and the loop goes on red, blue, red, blue
    assert run(s, NOON, NOON + 16) == [(0.0, "red"), (4.0, "blue"), (8.0, "red"), (12.0, "blue"),
                                      (16.0, "red")]  # fmt: skip
    assert {p.item_id for p in plays} == {"red", "blue"}


def test_each_alert_version_on_screen_is_recorded_until_it_is_taken_off() -> None:
    """Replaced by a new version, cancelled, expired, display off, stop: each ends a record."""
    shown: list = []
    s, plays, _ = switcher(item("a", 300), on_alert=shown.append)
    run(s, NOON, NOON + 1)
    until = dt.datetime.fromtimestamp(NOON + 60, dt.UTC)
    first = alert("flood", until, level="warning", issued=dt.datetime.fromtimestamp(NOON, dt.UTC))
    s.set_alerts([first], NOON + 1.2)
    run(s, NOON + 1.5, NOON + 1.5)
    second = dataclasses.replace(first, text="Banjir: evakuasi", level="emergency",
                                 issued_at=dt.datetime.fromtimestamp(NOON + 3, dt.UTC))  # fmt: skip
    s.set_alerts([second], NOON + 3.2)
    run(s, NOON + 3.5, NOON + 3.5)
    s.set_alerts([], NOON + 5.2)  # cancelled
    run(s, NOON + 5.5, NOON + 5.5)
    expires = dt.datetime.fromtimestamp(NOON + 9, dt.UTC)
    s.set_alerts([alert("fire", expires)], NOON + 6.2)
    run(s, NOON + 6.5, NOON + 10)  # taken off at its expiry, with no message
    s.set_alerts([alert("fire-2", until)], NOON + 10.2)
    run(s, NOON + 10.5, NOON + 10.5)
    s.set_power(False, NOON + 12.2)
    run(s, NOON + 12.5, NOON + 12.5)
    s.set_power(True, NOON + 13.2)
    run(s, NOON + 13.5, NOON + 13.5)
    s.close(NOON + 14)

    def seconds(moment: dt.datetime) -> float:
        return round(moment.timestamp() - NOON, 3)

    got = [
        (r.alert_id, r.level, seconds(r.started_at), seconds(r.ended_at), r.completed)
        for r in shown
    ]
    assert got == [
        ("flood", "warning", 1.5, 3.5, False),  # replaced
        ("flood", "emergency", 3.5, 5.5, False),  # cancelled
        ("fire", "emergency", 6.5, 9.0, True),  # expired
        ("fire-2", "emergency", 10.5, 12.5, False),  # display off
        ("fire-2", "emergency", 13.5, 14.0, False),  # the player stopped
    ]
    assert shown[1].issued_at == dt.datetime.fromtimestamp(NOON + 3, dt.UTC)
    assert shown[1].headline == "Banjir: evakuasi"
    assert all(p.item_id == "a" for p in plays)  # alerts are not plays


def test_the_screen_plays_the_campaign_plays_the_scheduler_plans() -> None:
    spot = item("spot", 15.0)
    offer = manifest(
        playlist("main", 0, item("a"), item("b"), item("c")),
        campaigns=(campaign("c1", spot, plays=288),),  # one every 5 min: due at 12:02:30, 12:07:30
    )
    s, plays, _ = switcher()
    s.new_manifest(Scheduler(offer, UTC), NOON)
    switches = run(s, NOON, NOON + 480)
    # 11:57:30's play is owed at the start; the next two come at the first switch once due
    assert [t for t, what in switches if what == "spot"] == [0.0, 155.0, 450.0]
    noon = to_datetime(NOON)
    planned = Scheduler(offer, UTC).upcoming(noon, noon + dt.timedelta(seconds=480.5))
    assert switches == [((p.start - noon).total_seconds(), p.item.id) for p in planned]
    loop = [what for _, what in switches if what != "spot"]
    assert loop == ["a", "b", "c"] * (len(loop) // 3) + ["a", "b", "c"][: len(loop) % 3]
    spots = [p for p in plays if p.item_id == "spot"]
    assert [p.ended_at - p.started_at for p in spots[:2]] == [dt.timedelta(seconds=15)] * 2
