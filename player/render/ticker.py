"""A scrolling headline strip: text rendered once per headline, moved whole pixels per frame."""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Sequence

import pygame

from player.render import textfit
from player.render.fonts import FontBook

log = logging.getLogger(__name__)

SEPARATOR = "   \u2022   "
REFERENCE_LINES = 1080  # ticker speeds are given in px/s at this content height
MAX_HEADLINE = 300  # graphemes; longer headlines (a pasted article, a feed gone wrong) are cut
MAX_HEADLINES = 100


class ScrollStrip:
    """Headlines scrolling right-to-left at a constant speed.

    The scroll position is a whole number of pixels computed from time, so at a steady
    frame rate every frame moves the same distance (no sub-pixel shimmer) and a late
    frame catches up instead of slowing the text. New headlines join at the end of
    the queue, so a feed update never makes the text jump. A headline is rendered when
    it first joins the queue, so a frame renders at most one (of bounded length).
    """

    def __init__(
        self,
        book: FontBook,
        size: tuple[int, int],
        *,
        color: tuple[int, int, int],
        background: tuple[int, int, int],
        speed: float,
        content_height: int,
        font_fraction: float = 0.62,
    ) -> None:
        self.size = size
        self.color = color
        self.background = background
        self.speed = max(1.0, speed) * content_height / REFERENCE_LINES
        self._font = book.font(max(8, round(size[1] * font_fraction)))
        self._surfaces: dict[str, pygame.Surface] = {}
        self._headlines: list[str] = []
        self._next = 0
        self._segments: deque[tuple[int, pygame.Surface]] = deque()
        self._end = 0  # strip position just after the last queued segment
        self._t0: float | None = None

    @property
    def headlines(self) -> list[str]:
        return list(self._headlines)

    def set_headlines(self, headlines: Sequence[str]) -> None:
        headlines = [
            " ".join(textfit.clip(h, MAX_HEADLINE).split()) for h in headlines if h.strip()
        ][:MAX_HEADLINES]
        if headlines == self._headlines:
            return
        self._surfaces = {
            text: self._surfaces[text] for text in headlines if text in self._surfaces
        }
        self._headlines = headlines
        self._next = 0

    def _render(self, text: str) -> pygame.Surface:
        surface = self._font.render(text, True, self.color, self.background)
        try:
            return surface.convert()
        except pygame.error:  # no display mode set (tests of the strip alone)
            return surface

    def position(self, now: float) -> int:
        if self._t0 is None:
            self._t0 = now
        return round(self.speed * (now - self._t0))

    def draw(self, target: pygame.Surface, now: float) -> None:
        """Fill `target` (the bar) with the strip as it is at `now`."""
        width, height = target.get_size()
        target.fill(self.background)
        if not self._headlines:
            return
        p = self.position(now)
        # Strip coordinates visible now: [p - width, p). Queue headlines up to p.
        while self._end < p + 1:
            text = self._headlines[self._next % len(self._headlines)]
            self._next = (self._next + 1) % len(self._headlines)
            surface = self._surfaces.get(text)
            if surface is None:
                surface = self._surfaces[text] = self._render(text + SEPARATOR)
            self._segments.append((self._end, surface))
            self._end += max(1, surface.get_width())
        while (
            self._segments and self._segments[0][0] + self._segments[0][1].get_width() < p - width
        ):
            self._segments.popleft()
        for start, surface in self._segments:
            x = width - p + start
            if x >= width:
                break
            y = (height - surface.get_height()) // 2
            target.blit(surface, (x, y))
