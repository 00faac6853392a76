"""The prayer-times board: today's five times, the next one marked, the notice before it.

What shows is a pure function of the minute (`board_at`); drawing it is a handful of
short, fixed texts, cheap enough for the render thread once a minute. Colours and the
band follow the alert card (player/render/alertcard.py): white on the information blue,
black on amber for what needs attention now.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pygame

from player.localinfo import hijri, prayer
from player.render.alertcard import LEVEL_COLORS, MONTHS, PANEL, zone_name
from player.render.fonts import FontBook
from player.render.visuals import Visual

BLUE, WHITE = LEVEL_COLORS["info"]
AMBER, BLACK = LEVEL_COLORS["warning"]
DAYS = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
TITLE = "JADWAL SHOLAT"
MIN_FONT = 8
NOTICE_MINUTES = 10  # default for an item's style.notice_minutes
# Fractions of the board's height (landscape) for each band; the text floor of the alert
# card (10 % of the short side) holds for every line on a landscape board.
BAND, DATE, NAME, TIME, FOOT = 0.20, 0.14, 0.16, 0.26, 0.18


@dataclass(frozen=True)
class Board:
    """What the board shows at one minute."""

    title: str
    date_line: str  # "Senin, 7 Des 2026 · 27 Jumadil Akhir 1448 H"
    rows: tuple[tuple[str, str], ...]  # (name, "HH:MM") for the five prayers
    marked: int  # index into rows: the next prayer
    footer: str
    notice: bool  # the footer is the "menjelang" notice (amber)


def board_at(
    now: dt.datetime,
    latitude: float,
    longitude: float,
    tz: ZoneInfo,
    *,
    notice_minutes: int = NOTICE_MINUTES,
    hijri_adjust: int = 0,
) -> Board:
    """The board at `now` (aware) for a place: pure, for the screen and for tests."""
    local = now.astimezone(tz)
    today = prayer.prayer_times(local.date(), latitude, longitude, tz)
    tomorrow = prayer.prayer_times(local.date() + dt.timedelta(days=1), latitude, longitude, tz)
    key, _ = prayer.next_prayer(local, today, tomorrow)
    shown = today if key != "subuh" or local < today.subuh else tomorrow
    rows = tuple((prayer.NAMES[k], at.strftime("%H:%M")) for k, at in shown.prayers())
    day = shown.date
    date_line = (
        f"{DAYS[day.weekday()]}, {day.day} {MONTHS['id'][day.month - 1]} {day.year}"
        f" · {hijri.hijri_date(day, hijri_adjust).text()}"
    )
    warning = prayer.notice(local, today, tomorrow, notice_minutes)
    if warning is not None:
        footer = f"Menjelang {prayer.NAMES[warning.prayer]} · {warning.minutes_left} menit lagi"
    else:
        footer = f"Waktu {zone_name(tz, local)} · Kemenag RI"
    return Board(
        title=TITLE,
        date_line=date_line,
        rows=rows,
        marked=prayer.PRAYERS.index(key),
        footer=footer,
        notice=warning is not None,
    )


def draw_board(target: pygame.Surface, book: FontBook, board: Board) -> None:
    """Draw `board` filling `target` (any size; laid out by fractions of its height)."""
    w, h = target.get_size()
    margin = max(2, round(min(w, h) * 0.03))
    target.fill(PANEL)
    y = 0
    band = pygame.Rect(0, y, w, round(h * BAND))
    target.fill(BLUE, band)
    draw_text(target, book, board.title, band.inflate(-2 * margin, -margin), WHITE, bold=True)
    y = band.bottom
    date_box = pygame.Rect(margin, y, w - 2 * margin, round(h * DATE))
    draw_text(target, book, board.date_line, date_box, WHITE)
    y = date_box.bottom + margin
    cell_h = round(h * (NAME + TIME))
    cell_w = (w - 2 * margin) / len(board.rows)
    # One size for every name and one for every time, so the columns line up.
    name_font = fit_font(book, [n for n, _ in board.rows], (cell_w - margin, h * NAME))
    time_font = fit_font(book, [t for _, t in board.rows], (cell_w - margin, h * TIME))
    for i, (name, time_text) in enumerate(board.rows):
        cell = pygame.Rect(round(margin + i * cell_w), y, math.floor(cell_w), cell_h)
        color = WHITE
        if i == board.marked:
            target.fill(AMBER, cell.inflate(-margin // 2, 0))
            color = BLACK
        name_box = pygame.Rect(cell.x, cell.y, cell.w, round(h * NAME))
        time_box = pygame.Rect(cell.x, name_box.bottom, cell.w, cell.h - name_box.h)
        blit_centred(target, name_font.render(name, True, color), name_box)
        blit_centred(target, time_font.render(time_text, True, color), time_box)
    foot = pygame.Rect(0, h - round(h * FOOT), w, round(h * FOOT))
    if board.notice:
        target.fill(AMBER, foot)
    draw_text(
        target, book, board.footer, foot.inflate(-2 * margin, -margin),
        BLACK if board.notice else WHITE, bold=board.notice,
    )  # fmt: skip


def draw_text(target, book, text, box: pygame.Rect, color, *, bold: bool = False) -> None:
    """`text` on one line, as large as fits in `box`, centred (the boards share this)."""
    font = fit_font(book, [text], box.size, bold=bold)
    blit_centred(target, font.render(text, True, color), box)


def fit_font(book: FontBook, texts, box, *, bold: bool = False) -> pygame.font.Font:
    """The largest font at which each text fits on one line in `box` (bisected)."""

    def fits(size: int) -> bool:
        font = book.font(size, bold=bold)
        return font.get_linesize() <= box[1] and all(font.size(t)[0] <= box[0] for t in texts)

    low, high = MIN_FONT, max(MIN_FONT, int(box[1]))
    while low < high:
        middle = (low + high + 1) // 2
        low, high = (middle, high) if fits(middle) else (low, middle - 1)
    return book.font(low, bold=bold)


def blit_centred(target: pygame.Surface, rendered: pygame.Surface, box: pygame.Rect) -> None:
    """`rendered` centred in `box`."""
    target.blit(
        rendered,
        (
            box.x + (box.w - rendered.get_width()) // 2,
            box.y + (box.h - rendered.get_height()) // 2,
        ),
    )


class PrayerVisual(Visual):
    """The board as a main-zone item; redrawn when the minute's board differs."""

    shows_notice = True  # its footer is the notice: the scene lays no band over it

    def __init__(self, key: str, book: FontBook, board: Callable[[float], Board]) -> None:
        super().__init__(key)
        self.book = book
        self.board = board  # now (Unix seconds) -> Board
        self.shown: Board | None = None

    def draw(self, target: pygame.Surface, now: float, force: bool) -> bool:
        board = self.board(now)
        if board == self.shown and not force:
            return False
        draw_board(target, self.book, board)
        self.shown = board
        return True

    def next_change(self, now: float) -> float:
        return (math.floor(now / 60.0) + 1) * 60.0

    def frame_id(self) -> str:
        return self.key if self.shown is None else f"{self.key}@{self.shown.footer}"
