"""Video sources: decode in a worker thread, scaled there, frames handed out by timestamp."""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    import av
    import numpy as np

from player.render.layout import Rect, crop_box, fit_rect

log = logging.getLogger(__name__)

QUEUE_FRAMES = 3
TRUNCATION_SLACK = 0.5  # seconds a stream may end before its declared duration
DECODERS = ("auto", "software", "v4l2m2m")
# The Pi 4's H.264 block through V4L2 memory-to-memory; FFmpeg names the decoder so.
V4L2M2M_DECODERS = MappingProxyType({"h264": "h264_v4l2m2m"})
V4L2M2M_DEVICE = Path("/dev/video10")  # bcm2835-codec's decode node on Raspberry Pi OS
HW_FIRST_FRAME_PACKETS = 120  # a hardware decoder with no frame after this many is stuck


class HardwareDecodeError(Exception):
    """The hardware decoder cannot be used for this file; software takes over."""


def hardware_decoder(codec_name: str, preference: str, device: Path = V4L2M2M_DEVICE):
    """(FFmpeg decoder name, None) to try, or (None, why software decodes this file)."""
    if preference == "software":
        return None, None
    name = V4L2M2M_DECODERS.get(codec_name)
    if name is None:
        return None, f"no V4L2 M2M decoder for {codec_name}"
    if not device.exists():
        return None, f"{name} unavailable: no {device} (not a Pi 4, or no access to it)"
    return name, None


@dataclass(frozen=True)
class VideoFrame:
    """One decoded frame, already at the size it is shown at.

    `pixels` is (height, width) uint32 in the display's pixel layout for the fast
    copy path, or (height, width, 3) uint8 RGB otherwise. `keep` holds whatever
    owns the memory `pixels` views.
    """

    index: int
    t: float  # seconds since the first frame
    pixels: np.ndarray
    keep: Any = None


class VideoSource(Protocol):
    """What the render loop needs from a video; a hardware decoder can implement the same."""

    def open(self) -> None:
        """Start decoding in the background; returns at once."""

    @property
    def first_frame_ready(self) -> bool: ...

    @property
    def error(self) -> str | None: ...

    @property
    def duration(self) -> float | None: ...

    @property
    def target(self) -> Rect | None:
        """Where in the zone the frames go (known once the first frame is ready)."""

    @property
    def ended(self) -> bool:
        """Every frame has been handed out (no more will come)."""

    @property
    def dropped(self) -> int: ...

    def frame_at(self, t: float) -> VideoFrame | None:
        """The latest frame whose time is <= t (None before the first one is decoded)."""

    def close(self) -> None:
        """Stop decoding and free the decoder; must return at once (called between frames)."""


def _frame_pixels(frame: av.VideoFrame, fmt: str) -> np.ndarray:
    """A zero-copy view of a converted frame's pixels, without row padding."""
    import numpy as np  # the worker imports it before the first frame reaches the screen

    plane = frame.planes[0]
    width, height, stride = frame.width, frame.height, plane.line_size
    raw = np.frombuffer(plane, dtype=np.uint8)[: stride * height].reshape(height, stride)
    if fmt == "rgb24":
        return raw[:, : width * 3].reshape(height, width, 3)
    return raw[:, : width * 4].view(np.uint32)


class PyAVSource:
    """H.264 (and anything FFmpeg reads) decoded by PyAV in one thread per video.

    The worker converts each frame to the output size and pixel layout, so the main
    loop only copies it once into the screen. It stays at most QUEUE_FRAMES ahead,
    so a prepared-but-not-yet-shown video costs a few frames of memory, not a core.
    """

    def __init__(
        self,
        path: Path,
        zone: tuple[int, int],
        fit: str = "contain",
        *,
        pixel_format: str = "rgb24",
        loop: bool = False,
        start: float = 0.0,
        queue_frames: int = QUEUE_FRAMES,
        decoder: str = "auto",
        v4l2_device: Path = V4L2M2M_DEVICE,
        check: Callable[[], object] | None = None,
    ) -> None:
        self.path = path
        self._check = check  # run by the worker before the file is opened; may refuse it
        self.decoder = decoder if decoder in DECODERS else "auto"
        self.v4l2_device = v4l2_device
        # Written by the worker, read for status: which decoder runs and why not hardware.
        self.decoder_used = "software"
        self.decoder_note: str | None = None
        self._last_t: float | None = None
        self._last_index = -1
        self._pass = (0.0, 0.0)  # (clip start, playback offset) of the pass being decoded
        self.zone = zone
        self.fit = fit
        self._target: Rect | None = None
        self.pixel_format = pixel_format
        self.loop = loop
        self.start = max(0.0, start)
        self._queue: deque[VideoFrame] = deque()
        self._queue_frames = max(2, queue_frames)
        self._cond = threading.Condition()
        self._closing = False
        self._first = threading.Event()
        self._decoder_done = False
        self._error: str | None = None
        self._duration: float | None = None
        self._current: VideoFrame | None = None
        self._dropped = 0
        self._thread: threading.Thread | None = None

    # -- main thread side -------------------------------------------------------------

    def open(self) -> None:
        self._thread = threading.Thread(
            target=self._run, name=f"video-{self.path.name[:12]}", daemon=True
        )
        self._thread.start()

    @property
    def first_frame_ready(self) -> bool:
        return self._first.is_set()

    def wait_first_frame(self, timeout: float) -> bool:
        return self._first.wait(timeout)

    @property
    def error(self) -> str | None:
        return self._error

    @property
    def duration(self) -> float | None:
        return self._duration

    @property
    def target(self) -> Rect | None:
        return self._target

    @property
    def ended(self) -> bool:
        with self._cond:
            return self._decoder_done and not self._queue

    @property
    def dropped(self) -> int:
        return self._dropped

    def frame_at(self, t: float) -> VideoFrame | None:
        with self._cond:
            popped = 0
            while self._queue and self._queue[0].t <= t:
                self._current = self._queue.popleft()
                popped += 1
            if popped:
                self._dropped += popped - 1
                self._cond.notify_all()
            return self._current

    def close(self) -> None:
        """Stop the decoder; returns at once (the worker closes the file as it exits)."""
        with self._cond:
            self._closing = True
            self._queue.clear()
            self._cond.notify_all()

    def join(self, timeout: float) -> bool:
        """Wait for the worker to be gone (after close); True if it is."""
        if self._thread is not None:
            self._thread.join(timeout)
            return not self._thread.is_alive()
        return True

    # -- worker side ------------------------------------------------------------------

    def _put(self, frame: VideoFrame) -> bool:
        with self._cond:
            while len(self._queue) >= self._queue_frames and not self._closing:
                self._cond.wait(0.5)
            if self._closing:
                return False
            self._queue.append(frame)
            self._last_t, self._last_index = frame.t, frame.index
        self._first.set()
        return True

    def _run(self) -> None:
        try:
            if self._check is not None:
                self._check()
        except Exception as exc:  # a file that fails its check is never opened
            self._error = str(exc)
            self._first.set()
            with self._cond:
                self._decoder_done = True
            return
        try:
            self._decode()
        except Exception as exc:  # any decoder failure means: skip this video
            self._error = f"{self.path}: cannot decode video: {exc}"
        finally:
            with self._cond:
                self._decoder_done = True
                self._cond.notify_all()
            # Wake anyone waiting for a first frame that will never come.
            self._first.set()

    def _placement(self, stream) -> tuple[tuple[int, int], Rect, Rect]:
        width, height = stream.codec_context.width, stream.codec_context.height
        if not width or not height:
            raise ValueError("the video stream has no frame size")
        aspect = stream.sample_aspect_ratio
        if aspect and float(aspect) > 0 and float(aspect) != 1.0:
            width = round(width * float(aspect))
        scaled, placement = fit_rect((width, height), self.zone, self.fit)
        source, target = crop_box(placement, self.zone)
        return scaled, source, target

    def _decode(self) -> None:
        # PyAV loads in the worker: a player whose first item is a picture shows it sooner.
        import av

        with av.open(str(self.path)) as container:
            if not container.streams.video:
                raise ValueError("no video stream in the file")
            stream = container.streams.video[0]
            stream.thread_type = "AUTO"
            (width, height), crop, self._target = self._placement(stream)
            declared = None
            if stream.duration is not None and stream.time_base is not None:
                declared = float(stream.duration * stream.time_base)
            elif container.duration:
                declared = container.duration / 1_000_000
            self._duration = declared
            rate = float(stream.average_rate or 25)
            if self.start > 0 and declared:
                # Joining past the end (a late switch) still shows the last frame rather
                # than finding no frame at all and calling the file broken.
                last = max(0.0, declared - 2 / rate)
                target = self.start % declared if self.loop else min(self.start, last)
            else:
                target = 0.0
            plan = _Plan(width, height, crop, declared, rate, target)
            name, why = hardware_decoder(stream.codec_context.name, self.decoder, self.v4l2_device)
            if name is not None:
                try:
                    self._play(container, stream, plan, self._hardware_context(av, name, stream))
                    return
                except HardwareDecodeError as exc:
                    why = f"{name} failed ({exc})"
                    log.warning("%s: %s; decoding in software", self.path.name, why)
            elif self.decoder == "v4l2m2m":
                log.warning("%s: %s; decoding in software", self.path.name, why)
            self.decoder_used, self.decoder_note = "software", why
            self._play(container, stream, plan, stream.codec_context)

    def _hardware_context(self, av, name: str, stream):
        try:
            ctx = av.CodecContext.create(name, "r")
            ctx.extradata = stream.codec_context.extradata
            ctx.width, ctx.height = stream.codec_context.width, stream.codec_context.height
            ctx.open()
        except Exception as exc:  # any refusal of the device or the codec
            raise HardwareDecodeError(f"cannot open: {exc}") from None
        self.decoder_used, self.decoder_note = "v4l2m2m", None
        return ctx

    def _frames(self, container, stream, ctx):
        """Decoded frames of one pass; a hardware decoder's failure becomes HardwareDecodeError.

        Frames up to the last one already handed out are skipped, so a pass that takes
        over from a failed hardware decoder continues where the screen is, not from the start.
        """
        hardware = ctx is not stream.codec_context
        produced = 0
        for packets, packet in enumerate(container.demux(stream), 1):
            try:
                frames = ctx.decode(packet)
            except Exception as exc:
                if hardware:
                    raise HardwareDecodeError(f"broken frame: {exc}") from None
                raise
            for frame in frames:
                produced += 1
                yield frame
            if hardware and not produced and packets > HW_FIRST_FRAME_PACKETS:
                raise HardwareDecodeError(f"no frame after {packets} packets")

    def _play(self, container, stream, plan: _Plan, ctx) -> None:
        from av.video.reformatter import Interpolation, VideoReformatter

        width, height, crop = plan.width, plan.height, plan.crop
        rate, declared = plan.rate, plan.declared
        resume_after = self._last_t  # set when taking over from a failed hardware decoder
        # A take-over restarts the pass that was playing (a looping clip may be on its
        # third), on the same playback clock, and skips what is already on screen.
        target, offset = self._pass if resume_after is not None else (plan.target, -plan.target)
        if target:
            container.seek(int(target / stream.time_base), stream=stream, backward=True)
        elif resume_after is not None:
            container.seek(0, stream=stream)
        cropped = crop.size != (width, height)
        converter = VideoReformatter()
        # At 1:1 there is nothing to interpolate but chroma, where the fast path
        # looks the same and costs a fraction; real scaling keeps bilinear quality.
        same_size = (width, height) == (stream.codec_context.width, stream.codec_context.height)
        interpolation = Interpolation.FAST_BILINEAR if same_size else Interpolation.BILINEAR
        index = self._last_index + 1
        while True:
            self._pass = (target, offset)  # offset: playback time of the pass's first frame
            first_pts: float | None = None
            last_t = None
            decoded = 0
            for frame in self._frames(container, stream, ctx):
                pts = frame.time if frame.time is not None else decoded / rate
                decoded += 1
                if first_pts is None:
                    first_pts = 0.0 if target else pts
                if pts < target - 0.5 / rate:
                    continue  # decoded only to reach the seek target
                t = pts - first_pts + offset
                last_t = pts - first_pts
                if resume_after is not None and t <= resume_after:
                    continue  # already on screen before the hardware decoder gave up
                out = _convert(
                    converter,
                    frame,
                    (width, height),
                    fmt=self.pixel_format,
                    interpolation=interpolation,
                )
                pixels = _frame_pixels(out, self.pixel_format)
                if cropped:
                    pixels = pixels[crop.y : crop.bottom, crop.x : crop.right]
                if not self._put(VideoFrame(index=index, t=t, pixels=pixels, keep=out)):
                    return
                index += 1
            if decoded == 0 and index == 0:
                raise ValueError("no frame could be decoded")
            played = (last_t or 0.0) + 1 / rate
            if declared and played < declared - TRUNCATION_SLACK and not target:
                raise ValueError(
                    f"stream ends at {played:.2f} s of its declared {declared:.2f} s"
                    " (truncated file?)"
                )
            if not self.loop:
                return
            # This pass ran from `target` to `played` in clip time, i.e. it ended at
            # offset + played on the playback clock; the next pass starts there.
            offset += played
            target = 0.0
            resume_after = None
            container.seek(0, stream=stream)
            if ctx is not stream.codec_context:
                ctx.flush_buffers()


@dataclass(frozen=True)
class _Plan:
    """What one clip's passes share: output size, crop, declared length, rate, start."""

    width: int
    height: int
    crop: Rect
    declared: float | None
    rate: float
    target: float


def _convert(converter, frame, size: tuple[int, int], *, fmt: str, interpolation):
    """The frame at the size shown, in the display's layout.

    One converter per clip (its context is cached), single-threaded: the decoder already
    uses the other cores.
    """
    width, height = size
    return converter.reformat(
        frame, width, height, format=fmt, interpolation=interpolation, threads=1
    )
