"""The "menjelang" notice over other content: when it shows, what it says, where (pixels)."""

from __future__ import annotations

import datetime as dt
import os
import time
from dataclasses import replace
from zoneinfo import ZoneInfo

import pygame
import pytest

from player.config.model import LocationConfig, PlayerConfig
from player.events import ManifestActivated
from player.localinfo import prayer
from player.render import noticeband
from player.render.fonts import FontBook
from player.render.prayerboard import AMBER
from tests.render.helpers import Harness, close_to, make_config, pixel, publish

MAKASSAR = (-5.1477, 119.4327)
WITA = ZoneInfo("Asia/Makassar")
DZUHUR = prayer.prayer_times(dt.date(2026, 12, 7), *MAKASSAR, WITA).dzuhur
RED = (220, 20, 20)


def test_the_words_turn_at_each_minute_and_stop_at_the_prayer_under_an_injected_clock():
    band = noticeband.NoticeBand(*MAKASSAR, WITA, 10)
    at = DZUHUR.timestamp()
    assert band.text_at(at - 10 * 60 - 1) is None
    assert band.text_at(at - 10 * 60) == "Menjelang Dzuhur · 10 menit lagi"
    assert band.text_at(at - 9 * 60 - 59) == "Menjelang Dzuhur · 10 menit lagi"
    assert band.text_at(at - 9 * 60) == "Menjelang Dzuhur · 9 menit lagi"
    assert band.text_at(at - 1) == "Menjelang Dzuhur · 1 menit lagi"
    assert band.text_at(at) is None  # the adhan: the notice has done its work
    assert band.next_change(at - 90) == pytest.approx((at - 90) // 60 * 60 + 60)


@pytest.mark.parametrize(
    ("defaults", "minutes"),
    [({}, 0), ({"prayer_notice_minutes": 15}, 15), ({"prayer_notice_minutes": 500}, 0),
     ({"prayer_notice_minutes": True}, 0), ({"prayer_notice_minutes": "10"}, 0)],
)  # fmt: skip
def test_only_a_whole_number_of_minutes_from_1_to_120_turns_it_on(defaults, minutes):
    assert noticeband.minutes_from(defaults) == minutes


@pytest.mark.parametrize("size", [(384, 192), (768, 384), (1920, 1080)])
def test_the_band_sits_at_the_foot_in_amber_above_the_text_floor(size, tmp_path):
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    pygame.font.init()
    book = FontBook(None)
    zone = pygame.Surface(size)
    zone.fill(RED)
    band = noticeband.NoticeBand(*MAKASSAR, WITA, 10)
    text = band.text_at(DZUHUR.timestamp() - 300)
    rect = band.draw(zone, book, text)
    w, h = size
    assert zone.get_at((1, h - 2))[:3] == AMBER and zone.get_at((1, rect.top - 1))[:3] == RED
    assert rect.h >= 0.10 * h
    pygame.image.save(zone, str(tmp_path / f"notice-{w}x{h}.png"))


def test_the_band_comes_over_a_playing_image_and_goes_at_the_prayer(tmp_path):
    manifest, media = publish(
        tmp_path,
        [{"id": "poster", "type": "image", "color": list(RED), "duration": 600}],
        {"defaults": {"prayer_notice_minutes": 10}},
    )
    config = make_config(tmp_path, size=(384, 192), fit="stretch")
    config = replace(
        config,
        player=PlayerConfig(id="test-screen", timezone="Asia/Makassar"),
        location=LocationConfig(*MAKASSAR),
    )
    # The screen's clock starts 2 s before the notice is due, and 2 s before the adhan later.
    start = time.time()
    offset = [DZUHUR.timestamp() - 10 * 60 - 2 - start]
    harness = Harness(config, media, clock=lambda: time.time() + offset[0])
    harness.inbox.put(ManifestActivated(manifest))
    seen: list[tuple[str, tuple]] = []

    def foot(loop) -> bool:
        colour = pixel(loop, 2, 189)
        phase = "amber" if close_to(colour, AMBER) else "red" if close_to(colour, RED) else None
        if phase is not None and (not seen or seen[-1][0] != phase):  # None: still loading
            seen.append((phase, colour))
            if phase == "amber":  # now jump to just before the adhan
                offset[0] = DZUHUR.timestamp() - 2 - time.time()
        return [p for p, _ in seen] == ["red", "amber", "red"]

    harness.run(20, foot)
    assert [p for p, _ in seen] == ["red", "amber", "red"], seen
