"""The weather board on real pygame surfaces at LED sizes, and the item hidden when stale."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import os
from pathlib import Path
from zoneinfo import ZoneInfo

import pygame
import pytest

from central.weather.bmkg import parse_bmkg
from player.render import weatherboard
from player.render.fonts import FontBook
from player.render.layout import Rect
from player.render.prepare import VisualFactory
from player.schedule.plan import Slot
from player.wire.manifest import DataRef, Item, LocalInfo, Manifest
from player.wire.weather import forecast_json

SAMPLE = Path(__file__).parents[1] / "localinfo" / "bmkg-31.71.03.1001.json"
WIB = ZoneInfo("Asia/Jakarta")
ISSUED = dt.datetime(2026, 12, 7, 0, 0, tzinfo=dt.UTC)
AT = ISSUED + dt.timedelta(hours=4, minutes=30)  # 11:30 WIB
OUTPUTS = [(384, 192), (768, 384), (1920, 1080)]


@pytest.fixture(scope="module")
def book():
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    pygame.font.init()
    return FontBook(None)


def forecast():
    return parse_bmkg(SAMPLE.read_bytes(), "31.71.03.1001", ISSUED + dt.timedelta(minutes=65))


def test_the_board_words_the_period_now_the_next_three_and_the_source_with_its_time():
    board = weatherboard.board_at(forecast(), AT, WIB)
    assert board.title == "CUACA · Gunung Sahari Selatan"
    assert (board.temperature, board.text, board.detail) == ("29°C", "Berawan", "Lembap 75%")
    assert board.upcoming == (
        ("13:00 · 31°", "Berawan"),
        ("16:00 · 30°", "Hujan Sedang"),
        ("19:00 · 28°", "Hujan Ringan"),
    )
    assert board.footer == "Sumber: BMKG · 7 Des 07:00 WIB"
    assert (
        weatherboard.board_at(forecast(), ISSUED + dt.timedelta(hours=24, minutes=1), WIB) is None
    )


@pytest.mark.parametrize("size", OUTPUTS)
def test_the_board_fills_led_sizes_in_the_alert_cards_colours(book, size, tmp_path):
    board = weatherboard.board_at(forecast(), AT, WIB)
    surface = pygame.Surface(size)
    weatherboard.draw_board(surface, book, board)
    w, h = size
    assert surface.get_at((w // 2, 1))[:3] == weatherboard.BLUE  # the title band
    assert surface.get_at((1, h - 2))[:3] == weatherboard.BLUE  # the source's footer
    margin = max(2, round(min(w, h) * 0.03))
    cell_y = round(h * weatherboard.BAND) + round(h * weatherboard.NOW) + margin // 2
    assert surface.get_at((margin + margin // 2 + 1, cell_y + 1))[:3] == weatherboard.CELL
    # Every line is at least the alert card's floor, 10 % of the height of a 2:1 wall (a
    # 16:9 output is as wide as a 2:1 one 960 pixels high: its words are width-bound).
    cell_w = (w - 2 * margin) / 3
    for texts, box in [
        ([board.footer], (w - 2 * margin, h * weatherboard.FOOT - margin // 2)),
        ([t for t, _ in board.upcoming], (cell_w - margin, h * weatherboard.SLOT_TIME)),
        ([x for _, x in board.upcoming], (cell_w - margin, h * weatherboard.SLOT_TEXT)),
        ([board.title], (w - 2 * margin, h * weatherboard.BAND - margin)),
    ]:
        assert weatherboard.fit_font(book, texts, box).get_linesize() >= 0.10 * min(h, w / 2) - 1, (
            texts
        )
    pygame.image.save(surface, str(tmp_path / f"weather-{w}x{h}.png"))


def test_the_factory_shows_a_fresh_forecast_and_skips_a_stale_one_saying_why(book, tmp_path):
    document = forecast_json(forecast())
    sha = hashlib.sha256(document).hexdigest()
    (tmp_path / sha).write_bytes(document)
    now = [AT.timestamp()]
    content = pygame.Surface((384, 192))
    factory = VisualFactory(
        media_path=lambda s: tmp_path / s, images=None, slides=None, book=book, content=content,
        background=(0, 0, 0), fit="contain", fps=30, tz=WIB,
        splash_lines=lambda reason: [], headlines=lambda: [], clock=lambda: now[0],
    )  # fmt: skip
    start = ISSUED
    item = Item("cuaca", "weather", 10.0)
    slot = Slot(kind="item", start=start, end=start + dt.timedelta(seconds=10), item=item)
    manifest = Manifest(
        version=1, group="g", published_at=ISSUED, sequence=1, media={}, playlists=(),
        localinfo=LocalInfo(DataRef(sha, ISSUED)),
    )  # fmt: skip
    visual = factory.make(slot, manifest, Rect(0, 0, 384, 192))
    assert visual.error is None
    assert visual.draw(content, now[0], force=False)
    assert content.get_at((192, 1))[:3] == weatherboard.BLUE
    assert not visual.draw(content, now[0] + 5, force=False)
    now[0] = (ISSUED + dt.timedelta(hours=25)).timestamp()
    stale = factory.make(slot, manifest, Rect(0, 0, 384, 192))
    assert "25 h old" in stale.error and "hidden" in stale.error
    bare = dataclasses.replace(manifest, localinfo=LocalInfo())
    missing = factory.make(slot, bare, Rect(0, 0, 384, 192))
    assert "videotron weather" in missing.error
