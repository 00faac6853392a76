"""Turn a schedule Slot into a Visual that starts preparing at once (decode, open, render)."""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import pygame

from player.render.convert import SurfacePool, surface_pixel_format
from player.render.fonts import FontBook
from player.render.images import ImageDecoder
from player.render.layout import Rect
from player.render.slides import (
    BlackVisual,
    ClockFace,
    ClockVisual,
    SlideWorker,
    TickerVisual,
    alert_visual,
    style_colors,
    text_visual,
)
from player.render.splash import SplashVisual
from player.render.ticker import ScrollStrip
from player.render.visuals import ImageVisual, VideoVisual, Visual
from player.schedule.plan import Slot
from player.wire.manifest import Manifest, ManifestError
from player.wire.smallfile import NotReadable, read_small_file

if TYPE_CHECKING:
    from player.render.prayerboard import Board

log = logging.getLogger(__name__)

TICKER_ITEM_BAND = 0.2  # a ticker item's text band, as a fraction of the zone height


class FailedVisual(Visual):
    """Stands for an item that cannot be shown; the loop skips it and reports why."""

    def __init__(self, key: str, error: str) -> None:
        super().__init__(key)
        self._error = error

    @property
    def error(self) -> str | None:
        return self._error

    def draw(self, target: pygame.Surface, now: float, force: bool) -> bool:
        return False


class VisualFactory:
    """Knows the display, fonts, media store and decoders; makes the Visual for a slot."""

    def __init__(
        self,
        *,
        media_path: Callable[[str], Path],
        media_check: Callable[[str], object] | None = None,
        images: ImageDecoder,
        slides: SlideWorker,
        book: FontBook,
        content: pygame.Surface,
        background: tuple[int, int, int],
        fit: str,
        fps: int,
        tz: ZoneInfo,
        splash_lines: Callable[[str], list[tuple[str, str]]],
        headlines: Callable[[], list[str]],
        video_decoder: str = "auto",
        alert_language: str = "id",
        place: tuple[float, float] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.clock = clock  # the render loop's (an accelerated one in soak runs)
        self.place = place  # (latitude, longitude) from player.yaml's location, for prayer times
        self.alert_language = alert_language
        self.video_decoder = video_decoder
        self.media_path = media_path
        # Run in the decoder threads before a media file is read (the cache's integrity
        # check, which may hash the file); None for media that need no check (a folder).
        self.media_check = media_check
        self.images = images
        self.slides = slides
        self.book = book
        self.content = content
        # A 1x1 surface in the display's pixel format, for workers to convert images to.
        self.template = pygame.Surface((1, 1), 0, content)
        # Surfaces for video frames converted at another size than decoded, shared by the
        # clips this factory makes: a clip after another of the same size reuses them.
        self.video_pool = SurfacePool()
        self.background = background
        self.fit = fit
        self.fps = fps
        self.tz = tz
        self.splash_lines = splash_lines
        self.headlines = headlines

    def make(
        self, slot: Slot, manifest: Manifest | None, zone: Rect, *, offset: float = 0.0
    ) -> Visual:
        size = zone.size
        if slot.kind == "off":
            return BlackVisual("off")
        if slot.kind == "idle":
            reason = slot.reason or "nothing to play"
            return SplashVisual(
                self.book,
                size,
                lambda: self.splash_lines(reason),
                reason,
                worker=self.slides,
                template=self.template,
            )
        if slot.kind == "alert" and slot.alert is not None:
            return alert_visual(
                self.slides, self.book, slot.alert, size, language=self.alert_language, tz=self.tz
            )
        item = slot.item
        if slot.kind != "item" or item is None:
            return FailedVisual(f"slot:{slot.kind}", f"nothing to draw for a {slot.kind} slot")
        key = f"item:{item.id}"
        try:
            return self._item(key, item, manifest, size, offset)
        except Exception as exc:  # one bad item is skipped; it must not stop the player
            return FailedVisual(key, str(exc))  # the caller names the item

    def _media_file(self, item, manifest: Manifest | None) -> Path:
        if not item.media:
            raise ValueError(f"a {item.type} item needs a media hash")
        if manifest is not None and item.media not in manifest.media:
            raise ValueError(f"media {item.media[:12]} is not listed in the manifest")
        path = self.media_path(item.media)
        if not path.is_file():
            raise ValueError(f"media {item.media[:12]} is not in the cache ({path})")
        return path

    def _check(self, sha: str) -> Callable[[], object] | None:
        check = self.media_check
        return None if check is None else lambda: check(sha)

    def _item(self, key: str, item, manifest: Manifest | None, size, offset: float) -> Visual:
        fit = item.fit or self.fit
        style = item.style or {}
        if item.type == "image":
            path = self._media_file(item, manifest)
            _, background = style_colors(style, self.background)
            future = self.images.submit(
                path, size, fit, background, self.template, check=self._check(item.media)
            )
            return ImageVisual(key, future)
        if item.type == "video":
            # Imported by the first video: a screen whose first item is an image lights
            # up without it (issue 32).
            from player.render.video import PyAVSource

            path = self._media_file(item, manifest)
            source = PyAVSource(
                path,
                size,
                fit,
                # an explicit duration longer than the clip repeats it; none plays it once
                loop=item.duration is not None,
                start=offset,
                decoder=self.video_decoder,
                check=self._check(item.media),
                layout=surface_pixel_format(self.content),
                pool=self.video_pool,
            )
            return VideoVisual(
                key, source, size, self.background, tolerance=0.5 / self.fps, pool=self.video_pool
            )
        if item.type == "text":
            return text_visual(
                key,
                self.slides,
                self.book,
                item.text or "",
                zone=size,
                template=self.template,
                style=style,
                background=self.background,
                content_height=self.content.get_height(),
            )
        if item.type == "clock":
            color, background = style_colors(style, self.background)
            face = ClockFace(
                self.book, self.tz, str(style.get("format") or "%H:%M"), size,
                color=color, background=background,
            )  # fmt: skip
            return ClockVisual(key, face)
        if item.type == "ticker":
            lines = [line for line in (item.text or "").splitlines() if line.strip()]
            color, background = style_colors(style, self.background)
            band = (size[0], max(8, round(size[1] * TICKER_ITEM_BAND)))
            strip = ScrollStrip(
                self.book, band, color=color, background=background,
                speed=float(style.get("speed") or 120.0), content_height=self.content.get_height(),
            )  # fmt: skip
            strip.set_headlines(lines or self.headlines())
            return TickerVisual(key, strip, size, background)
        if item.type == "prayer":
            return self._prayer(key, style, manifest)
        if item.type == "weather":
            return self._weather(key, manifest)
        raise ValueError(f"unknown item type {item.type!r}")

    def _prayer(self, key: str, style: dict, manifest: Manifest | None) -> Visual:
        # Imported here: prayer times (astral) and the Hijri calendar (hijridate) are not
        # needed to light the screen after a power cut, only by screens that show them.
        from player.localinfo import hijri
        from player.render.noticeband import MAX_NOTICE_MINUTES
        from player.render.prayerboard import NOTICE_MINUTES, PrayerVisual, board_at

        if self.place is None:
            raise ValueError(
                "a prayer item needs the screen's place: set location.latitude and "
                "location.longitude in player.yaml"
            )
        latitude, longitude = self.place
        minutes = style.get("notice_minutes", NOTICE_MINUTES)
        if isinstance(minutes, bool) or not isinstance(minutes, int):
            minutes = NOTICE_MINUTES
        minutes = max(0, min(MAX_NOTICE_MINUTES, minutes))
        adjust = hijri.adjust_from(manifest.defaults if manifest else {})
        tz = self.tz

        def board(now: float) -> Board:
            return board_at(
                dt.datetime.fromtimestamp(now, tz), latitude, longitude, tz,
                notice_minutes=minutes, hijri_adjust=adjust,
            )  # fmt: skip

        return PrayerVisual(key, self.book, board)

    def _weather(self, key: str, manifest: Manifest | None) -> Visual:
        # Imported here, as for prayer items: only screens that show the weather need them.
        from player.localinfo.weather import hidden_because
        from player.render.weatherboard import WeatherVisual
        from player.render.weatherboard import board_at as weather_board_at
        from player.wire.weather import MAX_WEATHER_BYTES, parse_forecast

        ref = manifest.localinfo.weather if manifest is not None else None
        if ref is None:
            raise ValueError(
                "a weather item needs the office's forecast: the manifest names none "
                "(localinfo.weather); run `videotron weather` at the office"
            )
        path = self.media_path(ref.sha256)
        try:  # a few kB, checked against its hash by the sync before the manifest activated
            forecast = parse_forecast(read_small_file(path, MAX_WEATHER_BYTES, "a forecast"))
        except (OSError, NotReadable, ManifestError) as exc:
            raise ValueError(f"weather forecast {ref.sha256[:12]} unusable: {exc}") from None
        tz = self.tz

        def board(now: float):
            return weather_board_at(forecast, dt.datetime.fromtimestamp(now, tz), tz)

        now = self.clock()
        first = board(now)
        if first is None:
            reason = hidden_because(forecast, dt.datetime.fromtimestamp(now, tz))
            raise ValueError(reason or "the weather forecast cannot show now")
        return WeatherVisual(key, self.book, board, first)
