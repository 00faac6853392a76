"""Decoder bench: CPU per 1080p30 frame for decode alone and decode + conversion, per decoder.

Measured against the 33.3 ms a 30 fps clip allows per frame. Software H.264 and HEVC are
measured on this machine; the V4L2 M2M hardware path only where /dev/video10 exists (a
Raspberry Pi 4). The whole player's CPU per frame is bench.bench_render's figure.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import av
import numpy as np

from player.render.video import V4L2M2M_DEVICE

SIZE = (1920, 1080)
FPS = 30
FRAME_MS = 1000 / FPS
BIT_RATE = 6_000_000
ENCODERS = {
    "h264": ("libx264", {"preset": "veryfast"}),
    "hevc": ("libx265", {"preset": "ultrafast", "x265-params": "log-level=error"}),
}


def make_clip(path: Path, encoder: str, options: dict, seconds: float) -> Path:
    """A 1080p30 clip with detail and motion (noise sliding over moving gradients)."""
    width, height = SIZE
    rng = np.random.default_rng(2024)
    texture = rng.integers(0, 128, (height + 600, width + 900, 3), dtype=np.uint8)
    ys, xs = np.mgrid[0:height, 0:width]
    with av.open(str(path), "w") as container:
        stream = container.add_stream(encoder, rate=FPS)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.bit_rate = BIT_RATE
        stream.options = options
        for i in range(round(seconds * FPS)):
            frame = texture[i * 2 % 600 : i * 2 % 600 + height, i * 3 % 900 : i * 3 % 900 + width]
            frame = frame.copy()
            frame[..., 0] += ((xs + i * 8) % 256 // 2).astype(np.uint8)
            frame[..., 1] += ((ys + i * 4) % 256 // 2).astype(np.uint8)
            for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def cpu_ms_per_frame(path: Path, *, convert: bool, decoder: str | None = None) -> float:
    """CPU ms per frame, decoding as the player does (threads AUTO) and, with `convert`,
    turning each frame into 1080p RGB the way the player does (one converter, one thread)."""
    from av.video.reformatter import Interpolation, VideoReformatter

    converter = VideoReformatter()
    frames = 0
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        ctx = stream.codec_context
        if decoder is not None:
            ctx = av.CodecContext.create(decoder, "r")
            ctx.extradata = stream.codec_context.extradata
            ctx.width, ctx.height = stream.codec_context.width, stream.codec_context.height
            ctx.open()
        started = time.process_time()
        for packet in container.demux(stream):
            for frame in ctx.decode(packet):
                frames += 1
                if convert:
                    converter.reformat(
                        frame, *SIZE, format="rgb24",
                        interpolation=Interpolation.FAST_BILINEAR, threads=1,
                    )  # fmt: skip
        spent = time.process_time() - started
    return 1000 * spent / max(1, frames)


def _row(name: str, ms: float) -> dict:
    return {
        "name": name,
        "value": f"{ms:.1f} ({ms / FRAME_MS:.0%} of a frame)",
        "unit": "CPU ms/frame",
        "goal": f"< {FRAME_MS:.1f}",
        "ok": ms < FRAME_MS,
    }


def run(quick: bool = False, smoke: bool = False) -> list[dict]:
    seconds = 0.5 if smoke else 2.0 if quick else 6.0
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-decode-") as tmp:
        for codec, (encoder, options) in ENCODERS.items():
            try:
                av.codec.Codec(encoder, "w")
            except av.FFmpegError:  # an FFmpeg without this encoder: nothing to decode
                rows.append({"name": f"{codec} software", "value": f"no {encoder} here",
                             "unit": "", "goal": "", "ok": True})  # fmt: skip
                continue
            clip = make_clip(Path(tmp) / f"{codec}.mp4", encoder, options, seconds)
            rows.append(
                _row(f"1080p30 {codec} software decode", cpu_ms_per_frame(clip, convert=False))
            )
            rows.append(
                _row(f"1080p30 {codec} software decode + RGB", cpu_ms_per_frame(clip, convert=True))
            )
            if codec == "h264" and V4L2M2M_DEVICE.exists():
                hw = cpu_ms_per_frame(clip, convert=True, decoder="h264_v4l2m2m")
                rows.append(_row("1080p30 h264 h264_v4l2m2m decode + RGB", hw))
            elif codec == "h264":
                rows.append({"name": "1080p30 h264 h264_v4l2m2m decode + RGB",
                             "value": f"not measured: no {V4L2M2M_DEVICE}", "unit": "",
                             "goal": "", "ok": True})  # fmt: skip
    return rows
