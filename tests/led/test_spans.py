"""Brightness spans: one per level held, cut at each change, each UTC hour's end and the stop."""

from __future__ import annotations

import datetime as dt

from player.led.spans import BrightnessSpans, next_hour
from player.wire.proofofplay import BrightnessSpanRecord

T0 = dt.datetime(2026, 12, 7, 13, 40, tzinfo=dt.UTC)


def at(minutes: float) -> dt.datetime:
    return T0 + dt.timedelta(minutes=minutes)


def test_a_span_ends_at_a_change_at_each_hour_and_at_the_stop() -> None:
    recorded: list[BrightnessSpanRecord] = []
    spans = BrightnessSpans(recorded.append)
    spans.held(80, "plan", "novastar", at(0))
    spans.held(80, "plan", "novastar", at(5))  # the same level told again: nothing ends
    assert recorded == []
    spans.held(30, "failsafe", "novastar", at(10))
    spans.passed(at(95))  # the keeper ticks on: the hours ended at 14:00 and 15:00
    spans.held(30, "failsafe", "software", at(100))
    spans.end(at(110))
    assert [(s.level, s.source, s.via, s.started_at, s.ended_at) for s in recorded] == [
        (80, "plan", "novastar", at(0), at(10)),
        (30, "failsafe", "novastar", at(10), at(20)),
        (30, "failsafe", "novastar", at(20), at(80)),
        (30, "failsafe", "novastar", at(80), at(100)),
        (30, "failsafe", "software", at(100), at(110)),
    ]
    spans.end(at(120))  # nothing open: nothing more
    assert len(recorded) == 5


def test_a_span_of_no_time_or_one_ending_before_it_began_is_not_recorded() -> None:
    recorded: list[BrightnessSpanRecord] = []
    spans = BrightnessSpans(recorded.append)
    spans.held(50, "plan", "software", at(10))
    spans.held(60, "plan", "software", at(0))  # the clock set back
    spans.held(70, "plan", "software", at(20))  # at 14:00 the hour is cut, then 70 begins
    spans.held(80, "plan", "software", at(20))
    spans.end(at(30))
    assert [(s.level, s.started_at, s.ended_at) for s in recorded] == [
        (60, at(0), at(20)),
        (80, at(20), at(30)),
    ]


def test_the_next_hour_is_in_utc() -> None:
    local = dt.datetime(2026, 12, 7, 20, 40, tzinfo=dt.timezone(dt.timedelta(hours=5, minutes=30)))
    assert next_hour(local) == dt.datetime(2026, 12, 7, 16, 0, tzinfo=dt.UTC)
