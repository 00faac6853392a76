"""PyAVSource on real H.264 files: joining a clip late, or past its end after a late switch."""

from __future__ import annotations

import itertools
import threading

import numpy as np
import pytest

from player.render.video import PyAVSource
from tests.fixtures.media import make_h264
from tests.render.helpers import frame_rgb

WIDTH, HEIGHT, FPS = 320, 180, 25
BAR = WIDTH // 16  # make_h264 draws a white bar at x = (index * BAR) % (WIDTH - BAR)


def bar_x(pixels: np.ndarray) -> int:
    white = np.flatnonzero(pixels[HEIGHT // 2].min(axis=-1) > 200)
    assert white.size, "no white bar in the frame"
    return int(white[0])


@pytest.mark.parametrize(
    ("start", "clip_frame"),
    [(0.0, 0), (0.5, 12), (3.0, 23)],  # 3 s into a 1 s clip: its last frames, not an error
)
def test_joining_late_shows_the_frame_at_the_offset(tmp_path, start, clip_frame) -> None:
    clip = make_h264(tmp_path / "clip.mp4", seconds=1.0, size=(WIDTH, HEIGHT), fps=FPS)
    source = PyAVSource(clip, (WIDTH, HEIGHT), start=start)
    source.open()
    try:
        assert source.wait_first_frame(10)
        assert source.error is None  # a switch that landed late is not a broken file
        frame = source.frame_at(0.0)
        assert frame is not None
        expected = (clip_frame * BAR) % (WIDTH - BAR)
        assert abs(bar_x(frame_rgb(source, frame)) - expected) <= 2
    finally:
        source.close()


def test_a_looping_clip_joined_mid_way_wraps_without_a_jump(tmp_path) -> None:
    clip = make_h264(tmp_path / "clip.mp4", seconds=1.0, size=(WIDTH, HEIGHT), fps=FPS)
    source = PyAVSource(clip, (WIDTH, HEIGHT), start=0.5, loop=True)
    source.open()
    try:
        assert source.wait_first_frame(10)
        times, bars = [], []
        for step in range(40):  # 1.6 s of playback: the second half, then a whole pass
            t = step / FPS
            for _ in range(200):  # the decoder keeps a few frames ahead; give it time
                frame = source.frame_at(t)
                if frame is not None and frame.t >= t - 0.5 / FPS:
                    break
                threading.Event().wait(0.005)
            times.append(frame.t)
            bars.append(bar_x(frame_rgb(source, frame)))
        assert all(0 < b - a < 1.5 / FPS for a, b in itertools.pairwise(times))
        # Clip frames 12..24 first, then the loop starts again at frame 0 (bar at x=0).
        assert bars[0] == (12 * BAR) % (WIDTH - BAR) and bars[13] == 0
        assert source.dropped == 0
    finally:
        source.close()
