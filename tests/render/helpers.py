"""Shared helpers for render tests: publish real content, run a real RenderLoop headless."""

from __future__ import annotations

import json
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import av
import numpy as np
import pygame

from player.config.model import CacheConfig, Config, DisplayConfig, PlayerConfig
from player.led.software import SoftwareDimmer
from player.render.loop import RenderLoop
from player.service.board import StatusBoard
from player.wire.manifest import Manifest
from player.wire.parse import parse
from player.wire.proofofplay import PlayRecord
from tests.fixtures.content import publish_tree

BACKGROUND = (0, 0, 0)
RED, GREEN, BLUE, WHITE = (255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 255)
TOL = 28  # H.264 and 4:2:0 chroma are lossy; a wrong layout or channel order is far off


def publish(tmp_path: Path, items: list[dict], extra: dict | None = None) -> tuple[Manifest, Path]:
    """Publish `items` (tests/fixtures/content.py specs) unsigned; (manifest, media dir)."""
    out = tmp_path / "published"
    manifest_path = publish_tree(out, items, extra=extra)
    return parse(manifest_path.read_bytes()), out / "media"


def make_config(tmp_path: Path, **display) -> Config:
    display.setdefault("size", (320, 180))
    display.setdefault("fps", 30)
    return Config(
        player=PlayerConfig(id="test-screen", timezone="UTC"),
        cache=CacheConfig(dir=tmp_path / "cache"),
        display=DisplayConfig(**display),
    )


@dataclass
class Harness:
    """A RenderLoop on the SDL dummy driver with everything it reports collected."""

    config: Config
    media_dir: Path
    clock: Callable[[], float] = time.time
    frame_log: Path | None = None
    screenshot_dir: Path | None = None
    screenshot_every: float = 5.0
    inbox: queue.Queue = field(default_factory=queue.Queue)
    status: StatusBoard = field(default_factory=StatusBoard)
    plays: list[PlayRecord] = field(default_factory=list)
    ticks: int = 0
    loop: RenderLoop | None = None
    render_status: dict = field(default_factory=dict)  # the "render" section when captured
    dimmer: SoftwareDimmer | None = None

    def build(self) -> RenderLoop:
        self.loop = RenderLoop(
            self.config,
            lambda sha: self.media_dir / sha,
            self.status,
            self.inbox,
            clock=self.clock,
            on_play=self.plays.append,
            on_tick=self._tick,
            headless=True,
            frame_log=self.frame_log,
            screenshot_dir=self.screenshot_dir,
            screenshot_every=self.screenshot_every,
            dimmer=self.dimmer,
        )
        return self.loop

    def _tick(self) -> None:
        self.ticks += 1
        if self.probe is not None and self.probe(self.loop):
            self.stop.set()

    probe: Callable[[RenderLoop], bool] | None = None
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self, seconds: float, probe: Callable[[RenderLoop], bool] | None = None) -> RenderLoop:
        """Run on this (main) thread until `probe(loop)` says True or `seconds` pass."""
        self.probe = probe
        loop = self.loop or self.build()
        loop.run(self.stop, exit_after=seconds)
        return loop

    def later(self, delay: float, message) -> threading.Timer:
        """Put `message` in the inbox after `delay` seconds (from another thread)."""
        timer = threading.Timer(delay, self.inbox.put, (message,))
        timer.daemon = True
        timer.start()
        return timer


def pixel(loop: RenderLoop, x: int, y: int) -> tuple[int, int, int]:
    return tuple(loop.output.screen.get_at((x, y)))[:3]


def close_to(a, b, tol: int = 24) -> bool:
    return all(abs(int(p) - int(q)) <= tol for p, q in zip(a, b, strict=True))


def read_frame_log(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def showing_id(loop: RenderLoop) -> str | None:
    cur = loop.switcher.showing
    if cur is None or cur.shown_at is None:
        return None
    return cur.slot.item.id if cur.slot.item else cur.slot.kind


def capture_when(
    harness: Harness, want: str, *, seconds: float = 5.0, after: float = 0.0
) -> np.ndarray:
    """Run until item (or slot kind) `want` has been on screen for `after` s; the output pixels.

    Returns a copy of the screen as an (x, y, 3) array; fails if it never showed.
    """
    grabbed: list[np.ndarray] = []

    def probe(loop: RenderLoop) -> bool:
        if showing_id(loop) == want and loop.clock() - loop.switcher.showing.shown_at >= after:
            grabbed.append(pygame.surfarray.array3d(loop.output.screen))
            harness.render_status = harness.status.get("render")
            return True
        return False

    harness.run(seconds, probe)
    assert grabbed, f"{want!r} was never shown; status: {harness.status.get('render')}"
    return grabbed[0]


def box_color(pixels: np.ndarray, x0: int, y0: int, x1: int, y1: int) -> set[tuple[int, ...]]:
    """Distinct colours in output box [x0, x1) x [y0, y1)."""
    area = pixels[x0:x1, y0:y1].reshape(-1, 3)
    return {tuple(int(c) for c in p) for p in np.unique(area, axis=0)}


def mask_of(pixels: np.ndarray, color, tol: int = 0) -> np.ndarray:
    """(x, y) boolean mask of the pixels within `tol` of `color`."""
    return (np.abs(pixels.astype(int) - np.array(color)) <= tol).all(axis=2)


def bbox(mask: np.ndarray) -> tuple[int, int, int, int] | None:
    """(x0, y0, x1, y1) exclusive bounds of the True pixels of an (x, y) mask."""
    xs, ys = np.nonzero(mask)
    if not len(xs):
        return None
    return int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1


def capture_series(
    harness: Harness, want: str, offsets: list[float], *, seconds: float = 6.0
) -> list[np.ndarray]:
    """Screens at `offsets` seconds after `want` first showed (one run of the loop)."""
    grabbed: list[np.ndarray] = []

    def probe(loop: RenderLoop) -> bool:
        if showing_id(loop) != want:
            return False
        if loop.clock() - loop.switcher.showing.shown_at >= offsets[len(grabbed)]:
            grabbed.append(pygame.surfarray.array3d(loop.output.screen))
        return len(grabbed) == len(offsets)

    harness.run(seconds, probe)
    assert len(grabbed) == len(offsets), f"{want!r}: got {len(grabbed)} of {len(offsets)} shots"
    return grabbed


def frame_rgb(source, frame) -> np.ndarray:
    """A decoded frame as the screen would show it: (height, width, 3) RGB at the size shown.

    Converted by the player's own converter into a surface, as the render loop does.
    """
    from player.render.convert import XRGB_MASKS, FrameConverter

    placed = source.placement
    surface = pygame.Surface(placed.target.size, 0, 32, XRGB_MASKS)
    if frame.surface is not None:
        surface.blit(frame.surface, (0, 0), placed.crop.astuple())
    else:
        converter = FrameConverter()
        try:
            converter.draw(frame.image, surface, placed.size, placed.crop)
        finally:
            converter.close()
    return pygame.surfarray.array3d(surface).transpose(1, 0, 2)


def make_quadrants(path: Path, size: tuple[int, int], seconds: float = 1.0, fps: int = 25):
    """A still H.264 clip: red, green / blue, white quadrants (which way up, which channel)."""
    width, height = size
    picture = np.empty((height, width, 3), np.uint8)
    picture[: height // 2, : width // 2] = RED
    picture[: height // 2, width // 2 :] = GREEN
    picture[height // 2 :, : width // 2] = BLUE
    picture[height // 2 :, width // 2 :] = WHITE
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.options = {"preset": "ultrafast", "crf": "12"}
        for _ in range(round(seconds * fps)):
            frame = av.VideoFrame.from_ndarray(picture, format="rgb24")
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def first_frame(path: Path) -> av.VideoFrame:
    with av.open(str(path)) as container:
        return next(container.decode(video=0))


def quadrant_colors(px: np.ndarray, box: tuple[int, int, int, int]) -> list[tuple]:
    """Colours at the centres of the four quadrants of `box` (x, y, w, h) in (x, y, 3) pixels."""
    x, y, w, h = box
    points = [(x + w // 4, y + h // 4), (x + 3 * w // 4, y + h // 4),
              (x + w // 4, y + 3 * h // 4), (x + 3 * w // 4, y + 3 * h // 4)]  # fmt: skip
    return [tuple(int(c) for c in px[p]) for p in points]


def close(colors, expected) -> bool:
    return all(
        all(abs(a - b) <= TOL for a, b in zip(got, want, strict=True))
        for got, want in zip(colors, expected, strict=True)
    )
