"""Slides drawn from text: text and alert card (laid out by a worker), clock, ticker item, black."""

from __future__ import annotations

import datetime as dt
import logging
import math
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from zoneinfo import ZoneInfo

import pygame

from player.render import textfit
from player.render.alertcard import LEVEL_COLORS, PANEL, AlertCard, Frame, layout_card
from player.render.fonts import FontBook, fit_text, parse_color, render_block
from player.render.ticker import ScrollStrip
from player.render.visuals import ImageVisual, Visual
from player.wire.alert import Alert

log = logging.getLogger(__name__)

WHITE = (255, 255, 255)
BLACK = (0, 0, 0)
BAND = LEVEL_COLORS["info"][0]  # a text slide in the house look: the information blue band
SECONDS_CODES = ("%S", "%T", "%X", "%c", "%r", "%s")
MAX_CLOCK_TEXT = 64  # graphemes: a clock is redrawn on the render thread every tick
# A text item whose style names no background is drawn in the house look of the alert card
# and the prayer board (dark blue panel, a band in the information blue, bold type), so it
# sits among the styled posters; an explicit style.background keeps the plain slide.
TEXT_BAND = 0.04  # the band along the slide's foot, a fraction of its height


def _margin(size: tuple[int, int], fraction: float = 0.05) -> int:
    return max(2, round(min(size) * fraction))


class SlideWorker:
    """One thread that lays out and draws text slides while the render loop presents.

    Text comes from outside (manifests, alerts); even bounded, laying out a long text
    takes longer than a frame on a Pi, so it never runs on the render thread. Alerts
    have a worker of their own rather than the image decoder's, so an alert never
    waits behind a big picture.
    """

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="text-layout")

    def submit(self, fn: Callable[..., pygame.Surface], *args, **kwargs) -> Future[pygame.Surface]:
        return self._pool.submit(fn, *args, **kwargs)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


def _canvas(size: tuple[int, int], template: pygame.Surface, fill) -> pygame.Surface:
    surface = pygame.Surface(size, 0, template)
    surface.fill(fill)
    return surface


def draw_text(
    book: FontBook,
    text: str,
    zone: tuple[int, int],
    template: pygame.Surface,
    *,
    color: tuple[int, int, int] = WHITE,
    background: tuple[int, int, int] = BLACK,
    max_size: int | None = None,
    bold: bool = False,
    align: str = "center",
    band: tuple[int, int, int] | None = None,
) -> pygame.Surface:
    """A text slide: wrapped text at the largest size that fits (worker thread); with
    `band`, a strip of that colour along its foot that the text keeps clear of."""
    surface = _canvas(zone, template, background)
    margin = _margin(zone)
    band_h = max(2, round(zone[1] * TEXT_BAND)) if band is not None else 0
    if band is not None:
        surface.fill(band, pygame.Rect(0, zone[1] - band_h, zone[0], band_h))
    box = pygame.Rect(margin, margin, zone[0] - 2 * margin, zone[1] - 2 * margin - band_h)
    if text.strip() and box.w > 0 and box.h > 0:
        font, lines = fit_text(book, text, box.size, bold=bold, max_size=max_size)
        render_block(surface, font, lines, box, color, align=align)
    return surface


def style_colors(
    style: dict, background: tuple[int, int, int]
) -> tuple[tuple[int, int, int], tuple[int, int, int]]:
    return (
        parse_color(style.get("color"), WHITE),
        parse_color(style.get("background"), background),
    )


def text_visual(
    key: str,
    worker: SlideWorker,
    book: FontBook,
    text: str,
    *,
    zone,
    template: pygame.Surface,
    style: dict,
    background,
    content_height: int,
) -> ImageVisual:
    """A text slide per the item's style; font_size is a fraction of the content height.

    Without a style.background it takes the house look (TEXT_BAND); an explicit style
    (color, background, bold) always wins."""
    plain = style.get("background") is not None
    color, bg = style_colors(style, background if plain else PANEL)
    size = style.get("font_size")
    max_size = None
    if isinstance(size, int | float) and 0 < size <= 1:
        max_size = max(8, round(size * content_height))
    align = style.get("align") if style.get("align") in ("left", "center", "right") else "center"
    future = worker.submit(
        draw_text, book, text, zone, template, color=color, background=bg, max_size=max_size,
        bold=bool(style.get("bold", not plain)), align=align, band=None if plain else BAND,
    )  # fmt: skip
    return ImageVisual(key, future)


class ClockFace:
    """Formats and draws the time in a box; sized once so digits do not make it jump."""

    def __init__(
        self,
        book: FontBook,
        tz: ZoneInfo,
        fmt: str,
        box: tuple[int, int],
        *,
        color: tuple[int, int, int] = WHITE,
        background: tuple[int, int, int] | None = BLACK,
    ) -> None:
        self.book = book
        self.tz = tz
        self.fmt = fmt or "%H:%M"
        self.box = box
        self.color = color
        self.background = background
        self.text: str | None = None
        self._font: pygame.font.Font | None = None
        self._sized_for = -1
        self.ticks_seconds = any(code in self.fmt for code in SECONDS_CODES)

    def format(self, now: float) -> str:
        try:
            text = dt.datetime.fromtimestamp(now, self.tz).strftime(self.fmt)
        except ValueError:
            return dt.datetime.fromtimestamp(now, self.tz).strftime("%H:%M")
        return text if len(text) <= MAX_CLOCK_TEXT else textfit.clip(text, MAX_CLOCK_TEXT)

    def draw(self, target: pygame.Surface, now: float, force: bool) -> bool:
        text = self.format(now)
        if text == self.text and not force:
            return False
        if self._font is None or len(text) != self._sized_for:
            margin = max(1, self.box[1] // 10)
            sample = "".join("0" if c.isdigit() else c for c in text)
            self._font, _ = fit_text(
                self.book, sample, (self.box[0] - 2 * margin, self.box[1] - 2 * margin)
            )
            self._sized_for = len(text)
        if self.background is not None:
            target.fill(self.background)
        rendered = self._font.render(text, True, self.color)
        w, h = target.get_size()
        target.blit(rendered, ((w - rendered.get_width()) // 2, (h - rendered.get_height()) // 2))
        self.text = text
        return True

    def next_change(self, now: float) -> float:
        step = 1.0 if self.ticks_seconds else 60.0
        return (math.floor(now / step) + 1) * step


class ClockVisual(Visual):
    """A full-zone clock in player.timezone; redraws only when the shown text changes."""

    def __init__(self, key: str, face: ClockFace) -> None:
        super().__init__(key)
        self.face = face

    def draw(self, target: pygame.Surface, now: float, force: bool) -> bool:
        return self.face.draw(target, now, force)

    def next_change(self, now: float) -> float:
        return self.face.next_change(now)

    def frame_id(self) -> str:
        return f"{self.key}@{self.face.text}"


class TickerVisual(Visual):
    """A ticker as a main-zone item: big headlines scrolling across the middle."""

    moving = True

    def __init__(
        self,
        key: str,
        strip: ScrollStrip,
        zone: tuple[int, int],
        background: tuple[int, int, int],
    ) -> None:
        super().__init__(key)
        self.strip = strip
        self.background = background
        band = strip.size[1]
        self.band = pygame.Rect(0, (zone[1] - band) // 2, zone[0], band)

    def draw(self, target: pygame.Surface, now: float, force: bool) -> bool:
        if force or self.started == now:
            target.fill(self.background)
        if not target.get_rect().contains(self.band):
            return False  # prepared for a bigger zone (display changed): its redo is coming
        self.strip.draw(target.subsurface(self.band), now)
        return True


class AlertVisual(Visual):
    """The full-screen alert card (laid out by the worker), its pages turned by `now`.

    Which page shows is a pure function of the time since the card went on screen
    (`AlertCard.frame_at`), so a redraw at any moment shows what should be there.
    """

    def __init__(self, key: str, future: Future[AlertCard]) -> None:
        super().__init__(key)
        self._future = future
        self._card: AlertCard | None = None
        self._shown: Frame | None = None

    def ready(self) -> bool:
        return self._future.done()

    @property
    def error(self) -> str | None:
        if not self._future.done():
            return None
        exc = self._future.exception()
        return None if exc is None else f"the alert cannot be laid out: {exc}"

    def finish(self) -> None:
        if self._card is None and self.ready() and self.error is None:
            self._card = self._future.result()

    def _elapsed(self, now: float) -> float:
        return now - self.started if self.started is not None else 0.0

    def draw(self, target: pygame.Surface, now: float, force: bool) -> bool:
        self.finish()
        if self._card is None:
            return False
        frame = self._card.frame_at(self._elapsed(now))
        if frame == self._shown and not force:
            return False
        self._card.draw(target, frame)
        self._shown = frame
        return True

    def next_change(self, now: float) -> float | None:
        if self._card is None or self.started is None:
            return None
        change = self._card.next_change(self._elapsed(now))
        return None if change is None else self.started + change

    def pages_shown(self, now: float) -> tuple[int, int] | None:
        """Pages turn in order, so those shown so far follow from the time on screen."""
        if self._card is None:
            return None
        pages = len(self._card.pages)
        elapsed = self._elapsed(now)
        if pages == 1 or elapsed >= sum(page.seconds for page in self._card.pages):
            return pages, pages
        return pages, self._card.frame_at(elapsed).page + 1

    def frame_id(self) -> str:
        if self._card is None or self._shown is None or len(self._card.pages) == 1:
            return self.key
        return f"{self.key}@{self._shown.page + 1}/{len(self._card.pages)}"

    def close(self) -> None:
        self._future.cancel()
        self._card = None


def alert_visual(
    worker: SlideWorker,
    book: FontBook,
    alert: Alert,
    size,
    *,
    language: str,
    tz: ZoneInfo,
) -> AlertVisual:
    """The alert card, laid out by the worker; the loop keeps presenting until it is ready."""
    future = worker.submit(layout_card, book, alert, size, language=language, tz=tz)
    return AlertVisual(f"alert:{alert.id}", future)  # the version is in the render status


class BlackVisual(Visual):
    """Deliberate black: outside operating hours or display turned off."""

    def __init__(self, key: str = "black") -> None:
        super().__init__(key)
        self._drawn = False

    def draw(self, target: pygame.Surface, now: float, force: bool) -> bool:
        if self._drawn and not force:
            return False
        target.fill(BLACK)
        self._drawn = True
        return True
