"""The prayer-times board on real pygame surfaces at LED sizes: marked prayer, notice, sizes."""

from __future__ import annotations

import datetime as dt
import os
from zoneinfo import ZoneInfo

import pygame
import pytest

from player.localinfo import prayer
from player.render import prayerboard
from player.render.fonts import FontBook
from player.render.layout import Rect
from player.render.prepare import VisualFactory
from player.schedule.plan import Slot
from player.wire.manifest import Item

MAKASSAR = (-5.1477, 119.4327)
WITA = ZoneInfo("Asia/Makassar")
DAY = dt.date(2026, 12, 7)
OUTPUTS = [(384, 192), (768, 384), (1920, 1080)]


@pytest.fixture(scope="module")
def book():
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    pygame.font.init()
    return FontBook(None)


def times():
    return prayer.prayer_times(DAY, *MAKASSAR, WITA)


def test_board_marks_the_next_prayer_and_words_the_notice():
    dzuhur = times().dzuhur
    calm = prayerboard.board_at(dzuhur - dt.timedelta(minutes=30), *MAKASSAR, WITA)
    assert calm.rows[1] == ("Dzuhur", dzuhur.strftime("%H:%M"))
    assert calm.marked == 1 and not calm.notice
    assert calm.footer == "Waktu WITA · Kemenag RI"
    assert calm.date_line == "Senin, 7 Des 2026 · 27 Jumadil Akhir 1448 H"
    near = prayerboard.board_at(dzuhur - dt.timedelta(minutes=5), *MAKASSAR, WITA)
    assert near.notice and near.footer == "Menjelang Dzuhur · 5 menit lagi"
    adjusted = prayerboard.board_at(dzuhur, *MAKASSAR, WITA, hijri_adjust=-1)
    assert "26 Jumadil Akhir 1448 H" in adjusted.date_line
    # After Isya the board turns to tomorrow, Subuh marked.
    late = prayerboard.board_at(times().isya + dt.timedelta(minutes=1), *MAKASSAR, WITA)
    assert late.marked == 0 and late.date_line.startswith("Selasa, 8 Des 2026")


@pytest.mark.parametrize("size", OUTPUTS)
def test_board_fills_led_sizes_with_the_marked_column_in_amber(book, size, tmp_path):
    at = times().dzuhur - dt.timedelta(minutes=5)
    board = prayerboard.board_at(at, *MAKASSAR, WITA)
    surface = pygame.Surface(size)
    prayerboard.draw_board(surface, book, board)
    w, h = size
    assert surface.get_at((w // 2, 2))[:3] == prayerboard.BLUE  # the title band
    assert surface.get_at((w // 2, h - 2))[:3] == prayerboard.AMBER  # the notice band
    # The marked column (Dzuhur, the second of five) is amber at its edge, Subuh's is not.
    middle_y = round(h * 0.55)
    margin = max(2, round(min(w, h) * 0.03))
    column = (w - 2 * margin) / 5
    assert surface.get_at((round(margin + column) + margin, middle_y))[:3] == prayerboard.AMBER
    assert surface.get_at((2 * margin, middle_y))[:3] == prayerboard.PANEL
    # The times are at least as tall as the alert card's floor (10 % of the height).
    font = prayerboard.fit_font(book, [t for _, t in board.rows], (column, h * 0.26))
    assert font.get_linesize() >= 0.10 * h
    pygame.image.save(surface, str(tmp_path / f"prayer-{w}x{h}.png"))


def test_factory_makes_a_board_that_redraws_only_when_the_minute_changes(book):
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    content = pygame.Surface((384, 192))
    factory = VisualFactory(
        media_path=lambda sha: None, images=None, slides=None, book=book, content=content,
        background=(0, 0, 0), fit="contain", fps=30, tz=WITA,
        splash_lines=lambda reason: [], headlines=lambda: [], place=MAKASSAR,
    )  # fmt: skip
    item = Item("sholat", "prayer", 10.0, style={"notice_minutes": 15})
    visual = factory.make(_slot(item), None, _zone(384, 192))
    assert visual.error is None
    now = (times().dzuhur - dt.timedelta(minutes=14, seconds=30)).timestamp()
    assert visual.draw(content, now, force=False)
    assert visual.shown.footer == "Menjelang Dzuhur · 15 menit lagi"
    assert not visual.draw(content, now + 10, force=False)
    assert visual.next_change(now) == pytest.approx((now // 60 + 1) * 60)
    assert visual.draw(content, now + 60, force=False)
    assert visual.shown.footer == "Menjelang Dzuhur · 14 menit lagi"
    # Without a place in player.yaml the item is skipped with a reason saying what to set.
    factory.place = None
    failed = factory.make(_slot(item), None, _zone(384, 192))
    assert "location.latitude" in failed.error


def _slot(item: Item) -> Slot:
    start = dt.datetime(2026, 12, 7, tzinfo=dt.UTC)
    return Slot(kind="item", start=start, end=start + dt.timedelta(seconds=10), item=item)


def _zone(w, h):
    return Rect(0, 0, w, h)
