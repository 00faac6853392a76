"""Wall-clock jumps (NTP answering after a boot without RTC) re-plan the screen at once."""

from __future__ import annotations

import datetime as dt
import logging
import time

from player.events import ManifestActivated
from tests.render.helpers import Harness, make_config, publish, showing_id

RED, BLUE = (255, 0, 0), (0, 0, 255)
DAY = [
    {
        "name": "day",
        "priority": 10,
        "schedule": {"from": "06:00", "until": "18:00"},
        "items": [{"id": "day", "type": "image", "color": list(RED), "duration": 3600}],
    }
]


class JumpingClock:
    """Real time shifted by an offset that the test changes to make the clock jump."""

    def __init__(self, start: dt.datetime) -> None:
        self.offset = start.timestamp() - time.time()

    def __call__(self) -> float:
        return time.time() + self.offset

    def jump_to(self, moment: dt.datetime) -> None:
        self.offset = moment.timestamp() - time.time()


def run_with_jump(tmp_path, start: dt.datetime, to: dt.datetime, first: str, then: str):
    night = [{"id": "night", "type": "image", "color": list(BLUE), "duration": 3600}]
    manifest, media = publish(tmp_path, night, {"playlists": DAY})
    clock = JumpingClock(start)
    harness = Harness(make_config(tmp_path), media, clock=clock)
    harness.inbox.put(ManifestActivated(manifest))
    seen: dict[str, float] = {}

    def probe(loop) -> bool:
        shown = showing_id(loop)
        if shown == first and first not in seen:
            seen[first] = time.monotonic()
            clock.jump_to(to)
        if shown == then and first in seen:
            seen[then] = time.monotonic()
            return True
        return False

    harness.run(10.0, probe)
    return seen


def test_clock_jumping_back_replans_instead_of_freezing(tmp_path, caplog) -> None:
    caplog.set_level(logging.WARNING)
    day = dt.date(2026, 11, 28)
    seen = run_with_jump(
        tmp_path,
        dt.datetime.combine(day, dt.time(20, 0), dt.UTC),  # night item, until 06:00
        dt.datetime.combine(day, dt.time(12, 0), dt.UTC),  # back to midday: day item
        "night",
        "day",
    )
    assert "day" in seen, "the screen stayed on the night item after the clock went back"
    assert seen["day"] - seen["night"] < 1.5
    assert any("clock jumped by -28800" in r.getMessage() for r in caplog.records)


def test_clock_jumping_forward_replans_at_once(tmp_path) -> None:
    day = dt.date(2026, 11, 28)
    seen = run_with_jump(
        tmp_path,
        dt.datetime.combine(day, dt.time(12, 0), dt.UTC),
        dt.datetime.combine(day, dt.time(20, 0), dt.UTC),
        "day",
        "night",
    )
    assert "night" in seen and seen["night"] - seen["day"] < 1.5


def test_an_untrusted_clock_is_logged_once_and_its_recovery_too(tmp_path, caplog) -> None:
    from player.render.clockwatch import ClockWatch

    caplog.set_level(logging.INFO, logger="player.render.clockwatch")
    manifest, _ = publish(tmp_path, [{"id": "a", "type": "image", "color": [1, 2, 3]}])
    published = manifest.published_at.timestamp()
    watch = ClockWatch()
    for second in range(5):  # a Pi booted with its clock at 1970-ish, then NTP answers
        watch.check_trust(manifest, 1_000_000.0 + second)
    watch.check_trust(manifest, published + 60)
    watch.check_trust(manifest, published + 61)
    messages = [r.getMessage() for r in caplog.records]
    assert sum("not yet trustworthy" in m for m in messages) == 1
    assert sum("trustworthy again" in m for m in messages) == 1
