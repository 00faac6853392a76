"""The alert card: an alert laid out for LED walls read from 10-50 m, in pages shown in turn.

Depends on pygame, the standard library, `player.wire` and the two pure text modules
`player.render.fonts` and `player.render.textfit` only, so the office can draw the very
same card headless for its preview. Layout happens once (`layout_card`, off the render
thread); which page and which title language show is a pure function of the time since
the card went on screen (`AlertCard.frame_at`), and drawing a frame is a few blits.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from types import MappingProxyType
from zoneinfo import ZoneInfo

import pygame

from player.render import textfit
from player.render.fonts import FontBook
from player.wire.alert import Alert

WHITE = (255, 255, 255)
BLACK = (0, 0, 0)
# The house panel: the dark blue body of the prayer and weather boards and of a text slide
# with no background of its own, so the information blue band stands out against it.
PANEL = (0, 28, 56)
LEVEL_COLORS = MappingProxyType(
    {  # background, text
        "emergency": ((200, 0, 0), WHITE),
        "warning": ((255, 176, 0), BLACK),
        "info": ((0, 82, 160), WHITE),
    }
)
LANGUAGES = ("id", "en", "both")  # display.alert_language: "both" alternates the two
TITLES = MappingProxyType(
    {
        "id": {"emergency": "DARURAT", "warning": "PERINGATAN", "info": "INFORMASI"},
        "en": {"emergency": "EMERGENCY", "warning": "WARNING", "info": "INFORMATION"},
    }
)
MARKS = MappingProxyType(
    {"id": {"exercise": "LATIHAN", "test": "UJI"}, "en": {"exercise": "EXERCISE", "test": "TEST"}}
)
UNTIL = MappingProxyType({"id": "berlaku sampai", "en": "valid until"})
MONTHS = MappingProxyType(
    {
        "id": tuple(
            ["Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"]
        ),
        "en": tuple(
            ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        ),
    }
)
# Indonesia's three zones by their own names; elsewhere the zone's abbreviation.
ZONE_NAMES = MappingProxyType(
    {
        "Asia/Jakarta": "WIB",
        "Asia/Pontianak": "WIB",
        "Asia/Makassar": "WITA",
        "Asia/Ujung_Pandang": "WITA",
        "Asia/Jayapura": "WIT",
    }
)

# Sizes are line boxes (the height of a rendered line of text) as fractions of the
# card's short side. Legibility guidance for signs asks about 1 inch of letter height
# per 10 ft of viewing distance (1:120): a body legible at 30 m needs capitals 25 cm
# tall. A typical roadside videotron is about 4 m tall (4 x 8 m), so capitals of 6.25 %
# of its height; DejaVu Sans Bold's capitals are 0.73 em in a 1.16 em line box, so a
# line box of 10 % of the height. The short side stands for the height because a
# portrait wall is as narrow as a landscape one is low. Headline and title are larger,
# for 45-60 m; docs/ALERTS.md, "On the screen", has the table.
FLOOR = 0.10  # the smallest text anywhere on the card
BODY_MAX = 0.12  # description and instruction of a short alert, one page
HEADLINE_CAP = 0.14  # a short alert never grows past this (it must not dwarf its title)
TITLE = 0.15  # the level title in its band
MARGIN = 0.03
# A passer-by reads a sign more slowly than a page at a desk (about 4 words a second):
# they look away and back, and Indonesian words are long. Each page stays for its
# words at 2 a second, and never less than 5 s, so a change of page is noticed first.
WORDS_PER_SECOND = 2.0
MIN_PAGE_SECONDS = 5.0
LANGUAGE_SECONDS = 4.0  # "both": the title and footer switch language this often
SHORT_TEXT = 90  # a text-only alert this short is laid out as a headline
MAX_LINES = 400  # bounded work whatever the text (the parts are bounded by the wire)


@dataclass(frozen=True)
class Line:
    """One rendered line of text and where it goes on the card."""

    role: str  # title | headline | area | description | instruction | footer | page
    text: str
    surface: pygame.Surface
    at: tuple[int, int]

    @property
    def rect(self) -> pygame.Rect:
        return pygame.Rect(self.at, self.surface.get_size())


@dataclass(frozen=True)
class Page:
    lines: tuple[Line, ...]
    bars: tuple[pygame.Rect, ...]  # the instruction's bar beside it
    seconds: float
    label: Line | None  # "2/3", None on a card of one page


@dataclass(frozen=True)
class Frame:
    page: int
    language: int  # index into AlertCard.languages


@dataclass(frozen=True)
class AlertCard:
    """A laid-out alert: pages of body lines, the title and footer per language."""

    size: tuple[int, int]
    background: tuple[int, int, int]
    band: pygame.Rect
    band_color: tuple[int, int, int]
    rule: pygame.Rect  # the line above the footer
    text_color: tuple[int, int, int]
    area: pygame.Rect  # where the pages' lines go
    floor: int  # pixels: no line box on the card is lower
    languages: tuple[str, ...]
    titles: tuple[tuple[Line, ...], ...]  # per language
    footers: tuple[tuple[Line, ...], ...]  # per language
    pages: tuple[Page, ...]

    def frame_at(self, elapsed: float) -> Frame:
        """The page and language shown `elapsed` seconds after the card went on screen."""
        elapsed = max(0.0, elapsed)
        cycle = sum(page.seconds for page in self.pages)
        t = math.fmod(elapsed, cycle) if len(self.pages) > 1 else 0.0
        page = 0
        while page < len(self.pages) - 1 and t >= self.pages[page].seconds:
            t -= self.pages[page].seconds
            page += 1
        language = int(elapsed // LANGUAGE_SECONDS) % len(self.languages)
        return Frame(page, language)

    def next_change(self, elapsed: float) -> float | None:
        """When, in seconds since the card went on screen, frame_at next changes."""
        changes = []
        if len(self.languages) > 1:
            changes.append((math.floor(elapsed / LANGUAGE_SECONDS) + 1) * LANGUAGE_SECONDS)
        if len(self.pages) > 1:
            cycle = sum(page.seconds for page in self.pages)
            start = math.floor(elapsed / cycle) * cycle
            for page in self.pages:
                start += page.seconds
                if start > elapsed:
                    changes.append(start)
                    break
        return min(changes) if changes else None

    def lines(self, frame: Frame) -> tuple[Line, ...]:
        """Every line drawn for `frame`: title, page, footer and page label."""
        page = self.pages[frame.page]
        label = (page.label,) if page.label else ()
        return self.titles[frame.language] + page.lines + self.footers[frame.language] + label

    def draw(self, target: pygame.Surface, frame: Frame) -> None:
        target.fill(self.background)
        target.fill(self.band_color, self.band)
        target.fill(self.text_color, self.rule)
        for bar in self.pages[frame.page].bars:
            target.fill(self.text_color, bar)
        for line in self.lines(frame):
            target.blit(line.surface, line.at)

    def render(self, frame: Frame, template: pygame.Surface | None = None) -> pygame.Surface:
        """`frame` on a surface of its own (a preview, a test picture)."""
        surface = pygame.Surface(self.size, 0, template) if template else pygame.Surface(self.size)
        self.draw(surface, frame)
        return surface


def zone_name(tz: ZoneInfo, moment: dt.datetime) -> str:
    """WIB, WITA or WIT for Indonesia's zones, else the zone's own abbreviation."""
    return ZONE_NAMES.get(tz.key) or moment.astimezone(tz).strftime("%Z")


def until_text(alert: Alert, tz: ZoneInfo, language: str) -> str:
    """'berlaku sampai 16:30 WIB', with the day when it ends on another day than it began."""
    if alert.valid_until is None:
        return ""
    end = alert.valid_until.astimezone(tz)
    began = (alert.issued_at or alert.valid_until).astimezone(tz)
    day = "" if end.date() == began.date() else f"{end.day} {MONTHS[language][end.month - 1]} "
    return f"{UNTIL[language]} {day}{end:%H:%M} {zone_name(tz, end)}"


def title_text(alert: Alert, language: str) -> str:
    title = TITLES[language].get(alert.level, TITLES[language]["warning"])
    mark = MARKS[language].get(alert.status)
    return f"{mark} \u00b7 {title}" if mark else title


def _blocks(alert: Alert) -> list[tuple[str, str]]:
    """(role, text) in reading order; a text-only alert is one headline or description."""
    if not alert.structured:
        text = alert.text.strip()
        return [("headline" if len(text) <= SHORT_TEXT else "description", text)]
    parts = [
        ("headline", alert.headline),
        ("area", alert.area),
        ("description", alert.description),
        ("instruction", alert.instruction),
    ]
    return [(role, text.strip()) for role, text in parts if text.strip()]


class _Typesetter:
    """Bold fonts by size, sizes by line-box height, lines wrapped and rendered."""

    def __init__(self, book: FontBook, room: int, color, background) -> None:
        self.book = book
        self.room = room
        self.color = color
        self.background = background
        self._ratio = book.font(100, bold=True).get_height() / 100

    def font(self, size: int) -> pygame.font.Font:
        return self.book.font(size, bold=True)

    def size_for(self, box: int) -> int:
        """The smallest font size whose rendered lines are at least `box` pixels high."""
        size = max(textfit.MIN_SIZE, math.floor(box / self._ratio))
        while self.font(size).get_height() < box:
            size += 1
        return size

    def fit(self, text: str, room: int, lines: int, low: int, high: int) -> tuple[int, tuple]:
        """(size, lines): the largest size in low…high at which `text` takes at most `lines`."""
        fitted = textfit.fit(
            text,
            (room, lines * self.font(high).get_linesize()),
            width=lambda size, s: self.font(size).size(s)[0],
            line_height=lambda size: self.font(size).get_linesize(),
            max_size=high,
            min_size=low,
        )
        return fitted.size, fitted.lines

    def wrap(self, text: str, size: int, room: int) -> list[str]:
        font = self.font(size)
        widths: dict[str, int] = {}

        def measure(s: str) -> int:
            if s not in widths:
                widths[s] = font.size(s)[0]
            return widths[s]

        lines, _ = textfit.wrap(text, room, measure, MAX_LINES)
        return lines[:MAX_LINES]

    def line(self, role: str, text: str, size: int, at: tuple[int, int], *, inverse=False):
        color, background = self.color, self.background
        if inverse:
            color, background = background, color
        surface = self.font(size).render(text, True, color, background)
        room = self.room - (at[0] - self.left)
        if surface.get_width() > room:  # kerning beyond the words' sum: a pixel or two
            surface = pygame.transform.smoothscale(surface, (max(1, room), surface.get_height()))
        return Line(role, text, surface, at)

    left = 0  # x of the text column; set by layout_card


def layout_card(
    book: FontBook,
    alert: Alert,
    size: tuple[int, int],
    *,
    language: str = "id",
    tz: ZoneInfo | None = None,
) -> AlertCard:
    """Lay `alert` out for a card of `size` pixels (the content surface, rotation applied)."""
    tz = tz or ZoneInfo("Asia/Jakarta")
    w, h = size
    short = min(w, h)
    margin = max(2, round(short * MARGIN))
    background, color = LEVEL_COLORS.get(alert.level, LEVEL_COLORS["warning"])
    ts = _Typesetter(book, max(1, w - 2 * margin), color, background)
    ts.left = margin
    floor_size = ts.size_for(max(1, math.ceil(short * FLOOR)))
    floor_font = ts.font(floor_size)
    floor, step = floor_font.get_height(), floor_font.get_linesize()
    pad = max(1, floor // 4)
    languages = ("id", "en") if language == "both" else (language if language in TITLES else "id",)

    # The band: the title in the level's colour on the text colour, at most two lines.
    # The page label ("2/3") sits at the band's right end: the title leaves room for it.
    label_room = floor_font.size("88/88")[0] + margin
    title_size = max(floor_size, ts.size_for(round(short * TITLE)))
    title_room = max(1, ts.room - label_room)
    fitted = [
        ts.fit(title_text(alert, lang), title_room, 2, floor_size, title_size) for lang in languages
    ]
    label_in_band = all(
        " ".join(lines).split() == title_text(alert, lang).split()
        for (_, lines), lang in zip(fitted, languages, strict=True)
    )
    if not label_in_band:  # a narrow card: the title takes the whole band, the label goes below
        fitted = [
            ts.fit(title_text(alert, lang), ts.room, 2, floor_size, title_size)
            for lang in languages
        ]
        title_room = ts.room
    title_cap = min(size for size, _ in fitted)  # a headline never outgrows its title
    band_h = max(ts.font(s).get_linesize() * len(lines) for s, lines in fitted) + 2 * pad
    band = pygame.Rect(0, 0, w, band_h)
    titles = []
    for title_size_used, lines in fitted:
        font = ts.font(title_size_used)
        top = (band_h - font.get_linesize() * len(lines)) // 2
        placed = []
        for i, text in enumerate(lines):
            width = font.size(text)[0]
            x = (w - width) // 2  # centred, unless that would reach into the label's room
            if x + width > margin + title_room:
                x = margin + (title_room - width) // 2
            placed.append(
                ts.line(
                    "title",
                    text,
                    title_size_used,
                    (max(margin, x), top + i * font.get_linesize()),
                    inverse=True,
                )
            )
        titles.append(tuple(placed))

    # The footer: source and validity at the floor, at most two lines.
    footer_texts = [
        " \u00b7 ".join(p for p in (alert.sender.strip(), until_text(alert, tz, lang)) if p)
        for lang in languages
    ]
    footer_wraps = [
        ts.fit(text, ts.room - (0 if label_in_band else label_room), 2, floor_size, floor_size)[1]
        if text
        else ()
        for text in footer_texts
    ]
    footer_n = max(len(lines) for lines in footer_wraps)
    top = band.bottom + pad
    pages: list[Page] = []
    if footer_n == 0:  # nothing to say below: the page takes the room unless it needs paging
        area = pygame.Rect(margin, top, ts.room, h - margin - top)
        pages = _pages(ts, alert, area, floor_size, short, title=title_cap)
    if len(pages) != 1:
        footer_n = max(1, footer_n)
        footer_top = h - margin - footer_n * step
        thickness = max(1, floor // 12)
        rule = pygame.Rect(margin, footer_top - pad - thickness, ts.room, thickness)
        area = pygame.Rect(margin, top, ts.room, max(step, rule.top - pad - top))
        pages = _pages(ts, alert, area, floor_size, short, title=title_cap)
    else:
        footer_top, rule = h, pygame.Rect(0, h, 0, 0)
    footers = tuple(
        tuple(
            ts.line("footer", text, floor_size, (margin, footer_top + i * step))
            for i, text in enumerate(lines)
        )
        for lines in footer_wraps
    )
    if len(pages) > 1:
        for number, page in enumerate(pages, 1):
            text = f"{number}/{len(pages)}"
            x = w - margin - floor_font.size(text)[0]
            y = (band.h - floor) // 2 if label_in_band else footer_top
            label = ts.line("page", text, floor_size, (x, y), inverse=label_in_band)
            pages[number - 1] = Page(page.lines, page.bars, page.seconds, label)
    return AlertCard(
        size=size, background=background, band=band, band_color=color, rule=rule,
        text_color=color, area=area, floor=floor, languages=languages,
        titles=tuple(titles), footers=footers, pages=tuple(pages),
    )  # fmt: skip


def _flow(ts: _Typesetter, alert: Alert, body: int, headline: int) -> list[tuple]:
    """(role, text, size, indent, gap before) per line, in reading order."""
    bar = max(2, ts.font(body).get_height() // 6)
    flow = []
    for role, text in _blocks(alert):
        size = headline if role == "headline" else body
        indent = 3 * bar if role == "instruction" else 0
        gap = ts.font(body).get_linesize() // (2 if role == "instruction" else 3)
        for i, line in enumerate(ts.wrap(text, size, ts.room - indent)):
            flow.append((role, line, size, indent, gap if i == 0 and flow else 0))
    return flow


def _pages(
    ts: _Typesetter, alert: Alert, area: pygame.Rect, floor: int, short: int, *, title: int
) -> list[Page]:
    """The alert's body in pages of `area`: one page at the largest size that fits, else
    pages at the floor. Sizes step down by about 8 % between tries (bounded work)."""
    cap = max(floor, min(title, ts.size_for(round(short * HEADLINE_CAP))))
    body = max(floor, ts.size_for(round(short * BODY_MAX)))
    while True:
        headline = min(cap, max(body, round(body * 1.3)))
        flow = _flow(ts, alert, body, headline)
        height = sum(gap + ts.font(size).get_linesize() for _, _, size, _, gap in flow)
        if height <= area.h or body == floor:
            break
        body = max(floor, min(body - 1, round(body * 0.92)))
    # Greedy pages: a line goes on the next page when it would pass the area's bottom;
    # a headline or an instruction that fits on a page is kept whole on one.
    placed: list[list[tuple]] = [[]]
    y = 0
    for index, (role, text, size, indent, gap_before) in enumerate(flow):
        step = ts.font(size).get_linesize()
        if gap_before or index == 0:
            block = [row for row in flow[index:] if row[0] == role]
            whole = sum(ts.font(row[2]).get_linesize() for row in block)
            keep = role in ("headline", "instruction") and whole <= area.h
            if placed[-1] and keep and y + gap_before + whole > area.h:
                placed.append([])
                y = 0
        if placed[-1] and y + gap_before + step > area.h:
            placed.append([])
            y = 0
        gap = gap_before if placed[-1] else 0  # a page starts at its top
        placed[-1].append((role, text, size, indent, y + gap))
        y += gap + step
    pages = []
    for rows in placed:
        used = max((top + ts.font(size).get_linesize() for _, _, size, _, top in rows), default=0)
        shift = (area.h - used) // 2 if len(placed) == 1 else 0  # one page: centred
        lines = tuple(
            ts.line(row[0], row[1], row[2], (_left(ts, area, row), area.y + shift + row[4]))
            for row in rows
        )
        bars = _bars(ts, lines, body)
        words = sum(len(line.text.split()) for line in lines)
        seconds = max(MIN_PAGE_SECONDS, words / WORDS_PER_SECOND)
        pages.append(Page(lines, bars, seconds, None))
    return pages


def _left(ts: _Typesetter, area: pygame.Rect, row: tuple) -> int:
    """Where a line starts: the headline centred, the rest from the left (after the bar)."""
    role, text, size, indent, _ = row
    if role != "headline":
        return area.x + indent
    return area.x + max(0, (area.w - ts.font(size).size(text)[0]) // 2)


def _bars(ts: _Typesetter, lines: tuple[Line, ...], body: int) -> tuple[pygame.Rect, ...]:
    """The bar beside the instruction, from its first line on the page to its last."""
    rows = [line.rect for line in lines if line.role == "instruction"]
    if not rows:
        return ()
    width = max(2, ts.font(body).get_height() // 6)
    return (pygame.Rect(ts.left, rows[0].top, width, rows[-1].bottom - rows[0].top),)
