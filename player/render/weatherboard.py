"""The weather board: BMKG's forecast for the group's area now and in the next hours.

What shows is a pure function of the forecast and the minute (`board_at`, None once the
forecast is too old: player/localinfo/weather.py); drawing is a few short texts. The
colours and the title band are the prayer board's and the alert card's (white on the
information blue); the source and the forecast's time are always in the footer, as
BMKG's terms ask.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pygame

from player.localinfo import weather
from player.render.alertcard import MONTHS, zone_name
from player.render.fonts import FontBook
from player.render.prayerboard import BLUE, PANEL, WHITE, blit_centred, draw_text, fit_font
from player.render.visuals import Visual
from player.wire.weather import Forecast

CELL = (0, 44, 88)  # the coming periods: a shade lighter than the panel
TITLE = "CUACA"
# Fractions of the board's height (landscape); every line box is at least the alert
# card's floor of 10 % of the height.
BAND, NOW, SLOT_TIME, SLOT_TEXT, FOOT = 0.18, 0.34, 0.12, 0.12, 0.15


@dataclass(frozen=True)
class Board:
    """What the weather board shows at one minute."""

    title: str  # "CUACA · Kemayoran"
    temperature: str  # "27°C"
    text: str  # "Berawan"
    detail: str  # "Lembap 80%"
    upcoming: tuple[tuple[str, str], ...]  # ("16:00 · 29°", "Hujan Ringan")
    footer: str  # "Sumber: BMKG · 7 Des 07:00 WIB"


def board_at(forecast: Forecast, now: dt.datetime, tz: ZoneInfo) -> Board | None:
    """The board at `now` (aware), or None when the forecast must be hidden."""
    outlook = weather.outlook_at(forecast, now)
    if outlook is None:
        return None
    current = outlook.current
    issued = outlook.issued_at.astimezone(tz)
    area = forecast.area.split(",")[0].strip()
    return Board(
        title=f"{TITLE} · {area}",
        temperature=f"{current.temperature}°C",
        text=current.text,
        detail=f"Lembap {current.humidity}%",  # wind too would not fit a 384-pixel wall
        upcoming=tuple(
            (f"{p.at.astimezone(tz):%H:%M} · {p.temperature}°", p.text) for p in outlook.upcoming
        ),
        footer=(
            f"Sumber: {forecast.source} · {issued.day} {MONTHS['id'][issued.month - 1]} "
            f"{issued:%H:%M} {zone_name(tz, issued)}"
        ),
    )


def draw_board(target: pygame.Surface, book: FontBook, board: Board) -> None:
    """Draw `board` filling `target` (any size; laid out by fractions of its height)."""
    w, h = target.get_size()
    margin = max(2, round(min(w, h) * 0.03))
    target.fill(PANEL)
    band = pygame.Rect(0, 0, w, round(h * BAND))
    target.fill(BLUE, band)
    draw_text(target, book, board.title, band.inflate(-2 * margin, -margin), WHITE, bold=True)
    now_box = pygame.Rect(margin, band.bottom, w - 2 * margin, round(h * NOW))
    left = pygame.Rect(now_box.x, now_box.y, round(now_box.w * 0.42), now_box.h)
    right = pygame.Rect(left.right + margin, now_box.y, now_box.right - left.right - margin, 0)
    draw_text(target, book, board.temperature, left, WHITE, bold=True)
    right.h = now_box.h // 2
    draw_text(target, book, board.text, right, WHITE, bold=True)
    draw_text(target, book, board.detail, right.move(0, right.h), WHITE)
    y = now_box.bottom + margin // 2
    if board.upcoming:
        cell_w = (w - 2 * margin) / len(board.upcoming)
        slot_h, text_h = round(h * SLOT_TIME), round(h * SLOT_TEXT)
        # One size for all times and one for all words, so the columns line up.
        time_font = fit_font(book, [t for t, _ in board.upcoming], (cell_w - margin, slot_h))
        word_font = fit_font(book, [x for _, x in board.upcoming], (cell_w - margin, text_h))
        for i, (when, words) in enumerate(board.upcoming):
            cell = pygame.Rect(round(margin + i * cell_w), y, math.floor(cell_w), slot_h + text_h)
            target.fill(CELL, cell.inflate(-margin // 2, 0))
            time_box = pygame.Rect(cell.x, cell.y, cell.w, slot_h)
            blit_centred(target, time_font.render(when, True, WHITE), time_box)
            words_box = pygame.Rect(cell.x, time_box.bottom, cell.w, text_h)
            blit_centred(target, word_font.render(words, True, WHITE), words_box)
    foot = pygame.Rect(0, h - round(h * FOOT), w, round(h * FOOT))
    target.fill(BLUE, foot)
    draw_text(target, book, board.footer, foot.inflate(-2 * margin, -margin // 2), WHITE)


class WeatherVisual(Visual):
    """The board as a main-zone item; redrawn when the minute's board differs.

    Made only while the forecast may show (the factory refuses a stale one, so the
    item is skipped with the reason in status); should it turn stale while on screen,
    the last board stays until the item ends, at most its duration.
    """

    def __init__(
        self, key: str, book: FontBook, board: Callable[[float], Board | None], first: Board
    ) -> None:
        super().__init__(key)
        self.book = book
        self.board = board  # now (Unix seconds) -> Board, None once too old
        self.last = first
        self.shown: Board | None = None

    def draw(self, target: pygame.Surface, now: float, force: bool) -> bool:
        board = self.board(now) or self.last
        if board == self.shown and not force:
            return False
        draw_board(target, self.book, board)
        self.shown = self.last = board
        return True

    def next_change(self, now: float) -> float:
        return (math.floor(now / 60.0) + 1) * 60.0

    def frame_id(self) -> str:
        return self.key if self.shown is None else f"{self.key}@{self.shown.temperature}"
