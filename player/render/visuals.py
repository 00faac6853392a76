"""What the main zone shows: the Visual interface, and its image and video implementations."""

from __future__ import annotations

import logging
from concurrent.futures import Future
from typing import TYPE_CHECKING

import pygame

from player.render.convert import ConvertError, FrameConverter, SurfacePool

if TYPE_CHECKING:
    from player.render.video import VideoFrame, VideoSource

log = logging.getLogger(__name__)


class Visual:
    """One thing on screen. Subclasses prepare in the background and draw on the main thread.

    Lifecycle: made (preparation starts) → ready() or error → finish() on the main thread
    before its first frame → start(now) at the switch → draw() per frame → close().
    """

    moving = False  # True: needs a new frame every display tick while shown

    def __init__(self, key: str) -> None:
        self.key = key
        self.started: float | None = None

    def ready(self) -> bool:
        return True

    @property
    def error(self) -> str | None:
        return None

    def finish(self) -> None:
        """Last main-thread step of preparation (e.g. convert to the display format)."""

    def start(self, now: float) -> None:
        self.started = now

    def draw(self, target: pygame.Surface, now: float, force: bool) -> bool:
        """Draw into `target` (zone-sized); return whether anything changed."""
        raise NotImplementedError

    def next_change(self, now: float) -> float | None:
        """When draw() would next change the picture for a non-moving visual (None: never)."""
        return None

    def frame_id(self) -> str:
        return self.key

    def pages_shown(self, now: float) -> tuple[int, int] | None:
        """(pages, pages on screen so far) of a paged visual such as an alert card; None
        for one that has no pages."""
        return None

    def close(self) -> None:
        """Free decoders and threads."""


class ImageVisual(Visual):
    """A still picture decoded by the image worker; one blit per redraw."""

    def __init__(self, key: str, future: Future[pygame.Surface]) -> None:
        super().__init__(key)
        self._future = future
        self._surface: pygame.Surface | None = None
        self._drawn = False

    def ready(self) -> bool:
        return self._future.done()

    @property
    def error(self) -> str | None:
        if not self._future.done():
            return None
        exc = self._future.exception()
        return None if exc is None else str(exc)

    def finish(self) -> None:
        if self._surface is None and self.ready() and self.error is None:
            self._surface = self._future.result()

    def draw(self, target: pygame.Surface, now: float, force: bool) -> bool:
        if self._surface is None:
            self.finish()
        if self._surface is None or (self._drawn and not force):
            return False
        target.blit(self._surface, (0, 0))
        self._drawn = True
        return True

    def close(self) -> None:
        self._future.cancel()
        self._surface = None


class VideoVisual(Visual):
    """A playing video: each display tick converts the frame due at that moment into `target`.

    The conversion writes the presented memory itself, so a new frame costs one pass over
    its pixels on this thread and nothing when no new frame is due.
    """

    moving = True

    def __init__(
        self,
        key: str,
        source: VideoSource,
        zone: tuple[int, int],
        background: tuple[int, int, int],
        *,
        tolerance: float,
        pool: SurfacePool | None = None,
    ) -> None:
        super().__init__(key)
        self.source = source
        self.pool = pool
        self._converter: FrameConverter | None = None
        self._broken: str | None = None
        self.zone = zone
        self.background = background
        self.tolerance = tolerance  # half a display frame: a frame due "now" is not a tick late
        self._shown: VideoFrame | None = None
        source.open()

    def ready(self) -> bool:
        return self.source.first_frame_ready or self.source.error is not None

    @property
    def error(self) -> str | None:
        return self._broken or self.source.error

    def finish(self) -> None:
        if self._converter is None and self.error is None:
            try:
                self._converter = FrameConverter(self.pool)
            except ConvertError as exc:
                self._broken = f"cannot show video: {exc}"

    def draw(self, target: pygame.Surface, now: float, force: bool) -> bool:
        started = self.started if self.started is not None else now
        frame = self.source.frame_at(now - started + self.tolerance)
        if frame is None or (frame is self._shown and not force):
            return False
        if self._converter is None:
            self.finish()
            if self._converter is None:
                raise ConvertError(self._broken or "no frame converter")
        placed = self.source.placement
        if placed is None:
            return False
        where = placed.target
        tw, th = target.get_size()
        if where.right > tw or where.bottom > th:
            return False  # prepared for a bigger zone (display changed): its redo is coming
        if (force or self._shown is None) and where.size != target.get_size():
            target.fill(self.background)
        into = target.subsurface(where.astuple())
        if frame.surface is not None:
            into.blit(frame.surface, (0, 0), placed.crop.astuple())
        else:
            self._converter.draw(frame.image, into, placed.size, placed.crop)
        self._shown = frame
        return True

    def frame_id(self) -> str:
        index = self._shown.index if self._shown is not None else -1
        return f"{self.key}#{index}"

    @property
    def dropped(self) -> int:
        return self.source.dropped

    @property
    def decoder(self) -> str:
        """Which decoder runs, and why not the hardware one when that was asked for."""
        used = getattr(self.source, "decoder_used", "software")
        note = getattr(self.source, "decoder_note", None)
        return f"{used} ({note})" if note else used

    def close(self) -> None:
        self.source.close()
        self._shown = None
        if self._converter is not None:
            self._converter.close()
            self._converter = None
