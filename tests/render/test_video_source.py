"""PyAVSource on real H.264 files: containers, the probe, joining late or past the end."""

from __future__ import annotations

import itertools
import threading
from types import SimpleNamespace

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


def played_bars(source: PyAVSource, frames: int) -> list[int]:
    """The bar position of each of the first `frames` frames, asked for in turn."""
    bars = []
    for index in range(frames):
        frame = None
        for _ in range(400):  # bounded: 2 s for the decoder to get a frame ahead
            frame = source.frame_at(index / FPS)
            if frame is not None and frame.index == index:
                break
            threading.Event().wait(0.005)
        assert frame is not None and frame.index == index, f"frame {index} never came"
        bars.append(bar_x(frame_rgb(source, frame)))
    return bars


@pytest.mark.parametrize("name", ["clip.mp4", "clip.mkv", "clip.mov", "clip.ts", "clip.h264"])
def test_every_container_plays_from_its_first_frame(tmp_path, name) -> None:
    clip = make_h264(tmp_path / name, seconds=0.6, size=(WIDTH, HEIGHT), fps=FPS)
    source = PyAVSource(clip, (WIDTH, HEIGHT))
    source.open()
    try:
        assert source.wait_first_frame(10)
        assert source.error is None
        assert source.placement.size == (WIDTH, HEIGHT)
        frames = round(0.6 * FPS)
        assert played_bars(source, frames) == [(i * BAR) % (WIDTH - BAR) for i in range(frames)]
    finally:
        source.close()


def test_the_probe_decodes_no_frame(tmp_path) -> None:
    """Opening a clip does not decode its first frame once to probe it, then again to show it.

    A decoded frame would have told the probe the pixel format; without one it stays unknown
    until the decoder that shows the clip decodes it.
    """
    import av

    clip = make_h264(tmp_path / "clip.mp4", seconds=0.2, size=(WIDTH, HEIGHT), fps=FPS)
    with PyAVSource(clip, (WIDTH, HEIGHT))._open(av) as container:
        context = container.streams.video[0].codec_context
        assert (context.width, context.height) == (WIDTH, HEIGHT)
        assert context.format is None
    with av.open(str(clip)) as probed_in_full:
        assert probed_in_full.streams.video[0].codec_context.format.name == "yuv420p"


def test_a_header_without_a_frame_size_is_probed_in_full(tmp_path) -> None:
    """Where the probe alone leaves the size unknown, the file is opened again and probed
    by decoding (faked: every container this player gets states its size)."""
    import av

    clip = make_h264(tmp_path / "clip.mp4", seconds=0.2, size=(WIDTH, HEIGHT), fps=FPS)
    opened = []

    def size_unknown_at_first(path, **kwargs):
        opened.append(kwargs)
        if len(opened) > 1:
            return av.open(path, **kwargs)
        context = SimpleNamespace(width=0, height=0)
        return SimpleNamespace(
            streams=SimpleNamespace(video=[SimpleNamespace(codec_context=context)]),
            close=lambda: None,
        )

    fake_av = SimpleNamespace(open=size_unknown_at_first)
    with PyAVSource(clip, (WIDTH, HEIGHT))._open(fake_av) as container:
        assert container.streams.video[0].codec_context.width == WIDTH
    assert opened == [{"options": {"skip_frame": "all"}}, {}]
