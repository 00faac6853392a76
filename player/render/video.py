"""Video sources: decode in a worker thread, frames handed out by timestamp to be converted."""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import av
    import pygame

from player.render.convert import RingConverter, SurfacePool, direct_target
from player.render.layout import Rect, crop_box, fit_rect

log = logging.getLogger(__name__)

QUEUE_FRAMES = 3
TRUNCATION_SLACK = 0.5  # seconds a stream may end before its declared duration
DECODERS = ("auto", "software", "v4l2m2m")
# The Pi 4's H.264 block through V4L2 memory-to-memory; FFmpeg names the decoder so.
V4L2M2M_DECODERS = MappingProxyType({"h264": "h264_v4l2m2m"})
V4L2M2M_DEVICE = Path("/dev/video10")  # bcm2835-codec's decode node on Raspberry Pi OS
HW_FIRST_FRAME_PACKETS = 120  # a hardware decoder with no frame after this many is stuck
# Given to the decoders FFmpeg opens only to probe a file's streams: the probe then reads
# packets but decodes none, and the clip's first frame (a key frame, the dearest to
# decode) is decoded once, by the decoder that shows it, instead of twice.
PROBE_WITHOUT_DECODING = MappingProxyType({"skip_frame": "all"})


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
    """One decoded frame, at the time it is due.

    Shown at the size it was decoded, `image` is the decoder's frame (its buffer stays in
    the decoder's pool) and the render loop converts it straight into the screen. A frame
    that is scaled or cropped was converted in the decoder thread into `surface`, one of a
    ring of reused surfaces, and the render loop blits it.
    """

    index: int
    t: float  # seconds since the first frame
    image: av.VideoFrame | None  # to convert when drawn, or
    surface: pygame.Surface | None = None  # already converted at the size shown


@dataclass(frozen=True)
class Placement:
    """Where a clip's frames go: scaled to `size`, the `crop` part shown at `target` in the zone."""

    size: tuple[int, int]
    crop: Rect
    target: Rect


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
    def placement(self) -> Placement | None:
        """Size, crop and place of the frames in the zone (known once the first frame is ready)."""

    @property
    def ended(self) -> bool:
        """Every frame has been handed out (no more will come)."""

    @property
    def dropped(self) -> int: ...

    def frame_at(self, t: float) -> VideoFrame | None:
        """The latest frame whose time is <= t (None before the first one is decoded)."""

    def close(self) -> None:
        """Stop decoding and free the decoder; must return at once (called between frames)."""


class PyAVSource:
    """H.264 (and anything FFmpeg reads) decoded by PyAV in one thread per video.

    Frames shown at their own size stay in the decoder's buffer pool until the render
    loop converts the one it shows straight into the screen (laid out as `layout`, an
    FFmpeg pixel format, None when FFmpeg has none for the display); frames that are
    scaled or cropped are converted here into a ring of surfaces from `pool`. It stays
    at most QUEUE_FRAMES ahead, so a prepared-but-not-yet-shown video costs a few frames
    of memory, not a core.
    """

    def __init__(
        self,
        path: Path,
        zone: tuple[int, int],
        fit: str = "contain",
        *,
        loop: bool = False,
        start: float = 0.0,
        queue_frames: int = QUEUE_FRAMES,
        decoder: str = "auto",
        v4l2_device: Path = V4L2M2M_DEVICE,
        check: Callable[[], object] | None = None,
        layout: str | None = None,
        pool: SurfacePool | None = None,
    ) -> None:
        self.path = path
        self.layout = layout
        self._pool = pool
        self._ring: RingConverter | None = None
        self._ring_holders = {"worker", "loop"}  # the ring goes back once both let go
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
        self._placement: Placement | None = None
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
    def placement(self) -> Placement | None:
        return self._placement

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
        self._release_ring("loop")

    def _release_ring(self, holder: str) -> None:
        """The worker is done writing, or the loop done drawing: the last one returns the ring."""
        with self._cond:
            if holder not in self._ring_holders:
                return  # closed twice
            self._ring_holders.discard(holder)
            ring = self._ring if not self._ring_holders else None
        if ring is not None:
            ring.give_back()

    def join(self, timeout: float) -> bool:
        """Wait for the worker to be gone (after close); True if it is."""
        if self._thread is not None:
            self._thread.join(timeout)
            return not self._thread.is_alive()
        return True

    # -- worker side ------------------------------------------------------------------

    def _room(self) -> bool:
        """Wait until the queue has room (False: closing)."""
        with self._cond:
            while len(self._queue) >= self._queue_frames and not self._closing:
                self._cond.wait(0.5)
            return not self._closing

    def _put(self, frame: VideoFrame) -> bool:
        if not self._room():
            return False
        with self._cond:
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
            if self._ring is not None:
                self._ring.close()
            self._release_ring("worker")
            with self._cond:
                self._decoder_done = True
                self._cond.notify_all()
            # Wake anyone waiting for a first frame that will never come.
            self._first.set()

    def _open(self, av):
        """The container, probed without decoding where its packets say enough (MP4, MOV,
        MKV, WebM, MPEG-TS and raw H.264 state the frame size); opened again and probed
        in full, by decoding, where the size stays unknown."""
        container = av.open(str(self.path), options=dict(PROBE_WITHOUT_DECODING))
        video = container.streams.video
        if not video or (video[0].codec_context.width and video[0].codec_context.height):
            return container
        container.close()
        return av.open(str(self.path))

    def _place(self, stream) -> Placement:
        width, height = stream.codec_context.width, stream.codec_context.height
        if not width or not height:
            raise ValueError("the video stream has no frame size")
        aspect = stream.sample_aspect_ratio
        if aspect and float(aspect) > 0 and float(aspect) != 1.0:
            width = round(width * float(aspect))
        scaled, placement = fit_rect((width, height), self.zone, self.fit)
        source, target = crop_box(placement, self.zone)
        return Placement(scaled, source, target)

    def _decode(self) -> None:
        # PyAV loads in the worker: a player whose first item is a picture shows it sooner.
        import av

        with self._open(av) as container:
            if not container.streams.video:
                raise ValueError("no video stream in the file")
            stream = container.streams.video[0]
            stream.thread_type = "AUTO"
            self._placement = placed = self._place(stream)
            same = placed.size == (stream.codec_context.width, stream.codec_context.height)
            if not (same and direct_target(self.layout, placed.size, placed.crop)):
                # Scaled or cropped: converted here, so the render loop only blits.
                # Two more surfaces than the queue: the one on screen, the one being written.
                self._ring = RingConverter(
                    self._pool or SurfacePool(), placed.size, self.layout or "bgr0",
                    self._queue_frames + 2,
                )  # fmt: skip
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
            plan = _Plan(declared, rate, target)
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
        rate, declared = plan.rate, plan.declared
        resume_after = self._last_t  # set when taking over from a failed hardware decoder
        # A take-over restarts the pass that was playing (a looping clip may be on its
        # third), on the same playback clock, and skips what is already on screen.
        target, offset = self._pass if resume_after is not None else (plan.target, -plan.target)
        if target:
            container.seek(int(target / stream.time_base), stream=stream, backward=True)
        elif resume_after is not None:
            container.seek(0, stream=stream)
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
                if self._ring is None:
                    out = VideoFrame(index=index, t=t, image=frame)
                elif self._room():  # the ring's surface after the queue's is free now
                    out = VideoFrame(
                        index=index, t=t, image=None, surface=self._ring.convert(frame)
                    )
                else:
                    return
                if not self._put(out):
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
    """What one clip's passes share: declared length, frame rate, where to start."""

    declared: float | None
    rate: float
    target: float
