"""Frame pacing for moving content, and what the loop tells status about its frames."""

from __future__ import annotations

import logging

from player.render.switcher import EARLY
from player.service.board import StatusBoard

log = logging.getLogger(__name__)

STATUS_EVERY = 5.0  # seconds between frame counters in status


class FrameReport:
    """Frame counters in status every STATUS_EVERY seconds; the video decoder on change."""

    def __init__(self, status: StatusBoard) -> None:
        self.status = status
        self._mark = (0.0, 0)  # (time, frames) of the last report
        self._at = float("-inf")
        self._decoder: str | None = None  # the video decoder last reported

    def due(self, now: float) -> bool:
        return now - self._at >= STATUS_EVERY

    def counters(self, now: float, frames: int, dropped: int) -> None:
        mark_t, mark_frames = self._mark
        fps = (frames - mark_frames) / (now - mark_t) if mark_t and now > mark_t else 0.0
        self._mark = (now, frames)
        self._at = now
        self.status.update("render", fps=round(fps, 1), frames=frames, dropped=dropped)

    def decoder(self, visual: object) -> None:
        """Status and log say which video decoder runs (and why not hardware), on change.

        The last video's decoder stays in status while pictures play in between.
        """
        decoder = getattr(visual, "decoder", None)
        if decoder is not None and decoder != self._decoder:
            self._decoder = decoder
            self.status.update("render", decoder=decoder)
            log.info("video decoder: %s", decoder)


class Pacer:
    """Display ticks for moving content: even steps in time, late ticks counted as dropped."""

    def __init__(self) -> None:
        self.next_tick: float | None = None
        self.dropped = 0  # ticks that came too late to be drawn

    def reset(self) -> None:
        self.next_tick = None

    def early(self, now: float) -> bool:
        """Whether the next tick is still ahead (a wake-up EARLY before it counts as on time)."""
        return self.next_tick is not None and now < self.next_tick - EARLY

    def draw_time(self, now: float, fps: int) -> float:
        """Moving content is drawn for the tick's time, so steps between frames stay even."""
        tick = self.next_tick
        return tick if tick is not None and abs(now - tick) < 0.5 / fps else now

    def step(self, now: float, fps: int) -> None:
        interval = 1.0 / fps
        if self.next_tick is None or now - self.next_tick > interval:
            if self.next_tick is not None:
                self.dropped += int((now - self.next_tick) / interval)
            self.next_tick = now + interval
        else:
            self.next_tick += interval
