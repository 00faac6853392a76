"""The compositor: main zone, ticker bar and clock overlay drawn into the content surface."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pygame

from player.render.display import Output
from player.render.fonts import FontBook, parse_color
from player.render.layout import Rect, Zones, zones
from player.render.noticeband import NoticeBand
from player.render.slides import ClockFace
from player.render.ticker import ScrollStrip
from player.render.visuals import Visual
from player.wire.manifest import Layout

log = logging.getLogger(__name__)

OVERLAY_ALPHA = 150  # dark box behind the clock overlay so it reads over any picture
OUTLINE_ALPHA = 120  # its light edge, so the whole box shows over black bars too


@dataclass
class Fade:
    """A crossfade in progress: the old picture of the zone fading out over `seconds`."""

    snapshot: pygame.Surface
    start: float
    seconds: float

    def progress(self, now: float) -> float:
        return 1.0 if self.seconds <= 0 else max(0.0, min(1.0, (now - self.start) / self.seconds))


class Scene:
    """Draws one frame of whatever is showing, and says which rectangles changed."""

    def __init__(self, output: Output, book: FontBook, background: tuple[int, int, int]) -> None:
        self.output = output
        self.book = book
        self.background = background
        self.layout: Layout | None = None
        self.zones: Zones = zones(output.content_size)
        self.strip: ScrollStrip | None = None
        self.clock: ClockFace | None = None
        self._clock_box: pygame.Surface | None = None
        self._lines: tuple[str, ...] = ()
        self._headlines: list[str] = []
        self.notice: NoticeBand | None = None
        self._notice_text: str | None = None  # the words of the band drawn last, if any

    # -- layout -----------------------------------------------------------------------

    def set_layout(self, layout: Layout | None, tz: ZoneInfo) -> None:
        """Follow the manifest's ticker and clock overlay (None: the whole content is main)."""
        ticker = layout.ticker if layout else None
        clock = layout.clock if layout else None
        self.layout = layout
        self.zones = zones(
            self.output.content_size,
            ticker_height=ticker.height if ticker else None,
            ticker_position=ticker.position if ticker else "bottom",
            clock_size=clock.size if clock else None,
            clock_position=clock.position if clock else "top-right",
            clock_width_chars=len(clock.format.replace("%", "")) + 1 if clock else 5,
        )
        self.strip = None
        if ticker is not None and self.zones.ticker is not None:
            self.strip = ScrollStrip(
                self.book,
                self.zones.ticker.size,
                color=parse_color(ticker.color, (255, 255, 255)),
                background=parse_color(ticker.background, (0, 0, 0)),
                speed=ticker.speed,
                content_height=self.output.content_size[1],
            )
            self._lines = ticker.signed_lines()
            self.strip.set_headlines([*self._lines, *self._headlines])
        self.clock = None
        self._clock_box = None
        if clock is not None and self.zones.clock is not None:
            box = self.zones.clock
            self.clock = ClockFace(self.book, tz, clock.format, box.size, background=None)
            self._clock_box = clock_panel(box.size)

    def set_notice(self, band: NoticeBand | None) -> None:
        """The prayer notice laid over items (None: off)."""
        self.notice = band
        self._notice_text = None

    def set_feed_headlines(self, headlines: Sequence[str]) -> None:
        self._headlines = list(headlines)
        if self.strip is not None:
            self.strip.set_headlines([*self._lines, *self._headlines])

    def zone_for(self, kind: str) -> Rect:
        """Items play in the main zone; alerts, splash and black take the whole content."""
        return self.zones.main if kind == "item" else self.zones.content

    def moving(self, kind: str) -> bool:
        return kind == "item" and self.strip is not None

    def next_change(self, kind: str, now: float) -> float | None:
        if kind != "item":
            return None
        changes = [part.next_change(now) for part in (self.clock, self.notice) if part]
        return min(changes, default=None)

    # -- drawing ----------------------------------------------------------------------

    def surface(self, rect: Rect) -> pygame.Surface:
        return self.output.content.subsurface(rect.astuple())

    def snapshot(self, rect: Rect) -> pygame.Surface:
        return self.surface(rect).copy()

    def compose(
        self, visual: Visual, kind: str, now: float, *, force: bool, fade: Fade | None = None
    ) -> list[Rect]:
        """Draw a frame; returns the content rectangles that changed (empty: nothing to do)."""
        zone = self.zone_for(kind)
        overlays = kind == "item"
        clock_due = (
            overlays and self.clock is not None and self.clock.format(now) != self.clock.text
        )
        # The prayer board words the notice in its own footer: no band over it.
        notice = self.notice if overlays and not getattr(visual, "shows_notice", False) else None
        notice_text = notice.text_at(now) if notice is not None else None
        notice_due = notice_text != self._notice_text
        target = self.surface(zone)
        # The clock box is translucent, so the picture under it is redrawn before the clock;
        # a band that goes away uncovers the picture, which is drawn again.
        main_changed = visual.draw(
            target, now, force or fade is not None or clock_due or notice_due
        )
        dirty: list[Rect] = []
        if fade is not None:
            p = fade.progress(now)
            if p < 1.0:
                fade.snapshot.set_alpha(round(255 * (1.0 - p)))
                target.blit(fade.snapshot, (0, 0))
            main_changed = True
        if main_changed:
            dirty.append(zone)
            if notice_text is not None:
                notice.draw(target, self.book, notice_text)
            self._notice_text = notice_text
        if main_changed and overlays and self.clock is not None and self.zones.clock is not None:
            box = self.zones.clock
            self.surface(box).blit(self._clock_box, (0, 0))
            self.clock.draw(self.surface(box), now, force=True)
        if overlays and self.strip is not None and self.zones.ticker is not None:
            self.strip.draw(self.surface(self.zones.ticker), now)
            dirty.append(self.zones.ticker)
        return dirty

    def clear(self) -> None:
        """Background in the content, black around the region."""
        self.output.clear((0, 0, 0))
        self.output.content.fill(self.background)

    def sample_points(self, kind: str) -> list[tuple[int, int]]:
        """Output pixels at the centre and quarter points of the zone (for the frame log)."""
        zone = self.zone_for(kind)
        points = [(0.5, 0.5), (0.25, 0.25), (0.75, 0.25), (0.25, 0.75), (0.75, 0.75)]
        return [
            self.output.content_point_to_output(
                zone.x + int(zone.w * fx), zone.y + int(zone.h * fy)
            )
            for fx, fy in points
        ]


def clock_panel(size: tuple[int, int]) -> pygame.Surface:
    """The translucent box behind the corner clock, with a light edge.

    Without the edge, the part of the box over a letterbox bar is black on black and the
    box looks cut off at the picture's edge.
    """
    panel = pygame.Surface(size, pygame.SRCALPHA)
    panel.fill((0, 0, 0, OVERLAY_ALPHA))
    edge = max(1, size[1] // 24)
    pygame.draw.rect(panel, (255, 255, 255, OUTLINE_ALPHA), panel.get_rect(), edge)
    return panel
