"""Pacing, screenshots and live config: a still slide sleeps, moving content gets every frame."""

import threading
from dataclasses import replace

import numpy as np
import pygame
from PIL import Image

from player.config.model import Region
from player.events import ConfigChanged, ManifestActivated, ScreenshotRequest
from tests.render.helpers import Harness, bbox, make_config, mask_of, publish

RED = (255, 0, 0)


def _red_harness(tmp_path, extra=None, **kw):
    manifest, media = publish(
        tmp_path, [{"id": "red", "type": "image", "color": list(RED), "duration": 60}], extra
    )
    harness = Harness(make_config(tmp_path, **kw.pop("display", {})), media, **kw)
    harness.inbox.put(ManifestActivated(manifest))
    return harness


def test_a_still_slide_is_drawn_once_and_the_loop_sleeps(tmp_path):
    harness = _red_harness(tmp_path)
    first_frames = []
    harness.build().on_first_frame = lambda: first_frames.append(True)
    harness.run(2.5)
    assert harness.loop.frames == 1  # presented once, then left alone
    assert 2 <= harness.ticks <= 8  # woke about once a second for the watchdog, no more
    assert first_frames == [True]


def test_a_ticker_gets_a_frame_every_tick(tmp_path):
    harness = _red_harness(tmp_path, extra={"ticker": {"lines": ["Berita"]}}, display={"fps": 20})
    harness.run(2.0)
    assert 25 <= harness.loop.frames <= 42  # ~20 fps for 2 s (minus start-up, on a busy box)


def test_screenshots_on_request_and_periodically(tmp_path):
    shots = tmp_path / "shots"
    harness = _red_harness(tmp_path, screenshot_dir=shots, screenshot_every=0.4)
    request = ScreenshotRequest(tmp_path / "asked" / "now.png")
    harness.later(0.6, request)
    harness.run(1.5)
    assert request.done.is_set() and request.error is None
    asked = np.asarray(Image.open(request.path))
    assert asked.shape == (180, 320, 3) and (asked == RED).all()
    periodic = sorted(shots.glob("screen-*.png"))
    assert 3 <= len(periodic) <= 5
    assert all((np.asarray(Image.open(p)) == RED).all() for p in periodic)


def test_a_failed_screenshot_reports_why(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    harness = _red_harness(tmp_path)
    request = ScreenshotRequest(blocker / "shot.png")
    harness.later(0.3, request)
    harness.run(0.8)
    assert request.done.is_set() and "cannot write" in request.error


def test_region_rotation_and_size_change_live(tmp_path):
    harness = _red_harness(tmp_path, display={"fit": "stretch"})
    config = harness.config
    moved = replace(config, display=replace(config.display, region=Region(10, 20, 90, 160),
                                            rotation=90))  # fmt: skip
    bigger = replace(moved, display=replace(moved.display, size=(400, 240)))
    grabbed: dict[str, np.ndarray] = {}
    step = threading.Event()

    def probe(loop):
        if loop.frames and "before" not in grabbed:
            grabbed["before"] = pygame.surfarray.array3d(loop.output.screen)
            harness.inbox.put(ConfigChanged(moved))
        elif "before" in grabbed and "moved" not in grabbed and loop.output.geometry.rotation == 90:
            if loop.switcher.showing.shown_at is not None and loop.switcher.pending is None:
                grabbed["moved"] = pygame.surfarray.array3d(loop.output.screen)
                harness.inbox.put(ConfigChanged(bigger))
        elif (
            "moved" in grabbed and loop.output.size == (400, 240) and loop.switcher.pending is None
        ):
            grabbed["bigger"] = pygame.surfarray.array3d(loop.output.screen)
            step.set()
            return True
        return False

    harness.run(5.0, probe)
    assert step.is_set(), f"got only {sorted(grabbed)}"
    assert bbox(mask_of(grabbed["before"], RED)) == (0, 0, 320, 180)
    assert bbox(mask_of(grabbed["moved"], RED)) == (10, 20, 100, 180)
    assert mask_of(grabbed["moved"], RED).sum() == 90 * 160  # the rest went black
    assert grabbed["bigger"].shape[:2] == (400, 240)
    assert bbox(mask_of(grabbed["bigger"], RED)) == (10, 20, 100, 180)
    assert len(harness.plays) == 1  # one play, redrawn; not three plays
