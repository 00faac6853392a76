"""Choosing the H.264 decoder: the Pi 4's V4L2 M2M block when there, software otherwise.

No machine here has a V4L2 device, so the hardware path fails for real (FFmpeg's
h264_v4l2m2m refuses to open) and these tests watch the software take over.
"""

from __future__ import annotations

import itertools
import threading

import numpy as np
import pytest

from player.render.video import PyAVSource, hardware_decoder
from tests.fixtures.media import make_h264
from tests.render.helpers import frame_rgb

WIDTH, HEIGHT, FPS = 320, 180, 25
BAR = WIDTH // 16  # make_h264 draws a white bar at x = (index * BAR) % (WIDTH - BAR)


def bar_x(pixels: np.ndarray) -> int:
    white = np.flatnonzero(pixels[HEIGHT // 2].min(axis=-1) > 200)
    assert white.size, "no white bar in the frame"
    return int(white[0])


def test_the_choice_follows_the_config_the_codec_and_the_device(tmp_path):
    missing, present = tmp_path / "video10", tmp_path / "present"
    present.touch()
    assert hardware_decoder("h264", "software", present) == (None, None)
    assert hardware_decoder("h264", "auto", present) == ("h264_v4l2m2m", None)
    assert hardware_decoder("h264", "v4l2m2m", present) == ("h264_v4l2m2m", None)
    name, why = hardware_decoder("h264", "auto", missing)
    assert name is None and f"h264_v4l2m2m unavailable: no {missing}" in why
    name, why = hardware_decoder("hevc", "v4l2m2m", present)
    assert name is None and why == "no V4L2 M2M decoder for hevc"


def _play_all(source: PyAVSource, frames: int) -> list[int]:
    """Every frame of the clip through frame_at, in order; the bar positions seen."""
    assert source.wait_first_frame(20), source.error
    seen = []
    for index in range(frames):
        t = index / FPS
        frame = None
        for _ in range(400):  # bounded: the decoder keeps a few frames ahead
            frame = source.frame_at(t + 0.25 / FPS)  # as the render loop asks: a bit ahead
            if frame is not None and frame.t >= t - 0.5 / FPS:
                break
            threading.Event().wait(0.005)
        assert frame is not None, f"no frame for t={t}"
        seen.append(bar_x(frame_rgb(source, frame)))
    return seen


@pytest.mark.parametrize("preference", ["auto", "v4l2m2m"])
def test_a_hardware_decoder_that_fails_to_open_hands_over_to_software(tmp_path, preference):
    clip = make_h264(tmp_path / "clip.mp4", seconds=1.0, size=(WIDTH, HEIGHT), fps=FPS)
    device = tmp_path / "video10"
    device.touch()  # a node is there, so FFmpeg's real h264_v4l2m2m is tried, and refuses
    source = PyAVSource(clip, (WIDTH, HEIGHT), decoder=preference, v4l2_device=device)
    source.open()
    try:
        bars = _play_all(source, 25)
        assert source.error is None
        assert source.decoder_used == "software"
        assert source.decoder_note.startswith("h264_v4l2m2m failed (cannot open")
        # Every frame, in order, from the first: nothing lost in the hand-over.
        assert bars == [(i * BAR) % (WIDTH - BAR) for i in range(25)]
    finally:
        source.close()


def test_asking_for_v4l2m2m_where_there_is_none_plays_in_software_and_says_why(tmp_path):
    clip = make_h264(tmp_path / "clip.mp4", seconds=1.0, size=(WIDTH, HEIGHT), fps=FPS)
    source = PyAVSource(
        clip, (WIDTH, HEIGHT), decoder="v4l2m2m", v4l2_device=tmp_path / "no-such-video10"
    )
    source.open()
    try:
        assert len(_play_all(source, 25)) == 25
        assert source.decoder_used == "software"
        assert "h264_v4l2m2m unavailable: no " in source.decoder_note
    finally:
        source.close()


def test_software_asked_for_is_software_without_a_note(tmp_path):
    clip = make_h264(tmp_path / "clip.mp4", seconds=0.4, size=(WIDTH, HEIGHT), fps=FPS)
    source = PyAVSource(clip, (WIDTH, HEIGHT), decoder="software")
    source.open()
    try:
        assert len(_play_all(source, 10)) == 10
        assert (source.decoder_used, source.decoder_note) == ("software", None)
    finally:
        source.close()


def test_the_player_asked_for_v4l2m2m_without_one_plays_with_no_black_frame(tmp_path):
    from dataclasses import replace

    from player.config.model import VideoConfig
    from player.events import ManifestActivated
    from tests.render.helpers import Harness, close_to, make_config, publish, read_frame_log

    blue, white = (0, 0, 255), (255, 255, 255)
    manifest, media = publish(
        tmp_path,
        [
            {"id": "poster", "type": "image", "color": [255, 0, 0], "duration": 0.5},
            {"id": "clip", "type": "video", "color": list(blue), "seconds": 1.0},
        ],
    )
    config = replace(make_config(tmp_path, fps=30), video=VideoConfig(decoder="v4l2m2m"))
    log_path = tmp_path / "frames.jsonl"
    harness = Harness(config, media, frame_log=log_path)
    harness.inbox.put(ManifestActivated(manifest))
    harness.run(3.2)
    clip_rows = [r for r in read_frame_log(log_path) if r["item"] == "clip"]
    assert len(clip_rows) > 20
    # Every frame of the clip shows the clip (blue with its white bar), never black.
    for row in clip_rows:
        assert all(close_to(px, blue, 40) or close_to(px, white, 40) for px in row["px"]), row
    decoder = harness.status.get("render")["decoder"]
    assert decoder.startswith("software (h264_v4l2m2m unavailable: no /dev/video10")


class _BreaksAfter:
    """A real H.264 decoder that fails like a hardware one after `packets` packets.

    No machine here has a V4L2 block to break mid-clip, so the fault is injected; the
    frames before it, and the software decoder that takes over, are real.
    """

    def __init__(self, av, stream, packets: int) -> None:
        self._ctx = av.CodecContext.create("h264", "r")
        self._ctx.extradata = stream.codec_context.extradata
        self._left = packets

    def decode(self, packet):
        self._left -= 1
        if self._left < 0:
            raise RuntimeError("broken frame (injected)")
        return self._ctx.decode(packet)

    def flush_buffers(self) -> None:
        self._ctx.flush_buffers()


def test_a_hardware_decoder_breaking_in_a_later_loop_hands_over_on_the_same_clock(tmp_path):
    clip = make_h264(tmp_path / "clip.mp4", seconds=1.0, size=(WIDTH, HEIGHT), fps=FPS)
    device = tmp_path / "video10"
    device.touch()

    handed: list[float] = []

    class Breaking(PyAVSource):
        def _hardware_context(self, av, name, stream):
            self.decoder_used, self.decoder_note = "v4l2m2m", None
            return _BreaksAfter(av, stream, packets=40)  # in the second pass of the loop

        def _put(self, frame):
            handed.append(frame.t)
            return super()._put(frame)

    source = Breaking(clip, (WIDTH, HEIGHT), loop=True, decoder="v4l2m2m", v4l2_device=device)
    source.open()
    try:
        bars = _play_all(source, 75)  # three passes of the 25-frame clip
        assert source.decoder_used == "software" and "broken frame" in source.decoder_note
        # Every frame at its time, in order, across the hand-over and the loop boundaries:
        # the clock never goes back (frames due earlier would be dropped in a burst).
        assert bars == [((i % 25) * BAR) % (WIDTH - BAR) for i in range(75)]
        assert all(b > a for a, b in itertools.pairwise(handed)), handed
        assert source.dropped == 0
    finally:
        source.close()
