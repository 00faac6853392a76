"""Decoded video frames converted by libswscale straight into a pygame Surface's pixels."""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os
import sys
import threading
import time
from collections.abc import Callable
from ctypes import POINTER, c_char_p, c_int, c_void_p
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pygame

if TYPE_CHECKING:
    import av

from player.render.layout import Rect

log = logging.getLogger(__name__)

SWS_FAST_BILINEAR = 1
SWS_BILINEAR = 2
AVCOL_RANGE_JPEG = 2
AVCOL_SPC_YCGCO = 8  # libswscale has no coefficients for it; the default ones are close enough
PLANES = 4
# pygame's 32-bit layouts (R, G, B masks) and FFmpeg's name for the same bytes in memory.
LITTLE_ENDIAN_FORMATS = {(0xFF0000, 0xFF00, 0xFF): "bgr0", (0xFF, 0xFF00, 0xFF0000): "rgb0"}
BIG_ENDIAN_FORMATS = {(0xFF0000, 0xFF00, 0xFF): "0rgb", (0xFF, 0xFF00, 0xFF0000): "0bgr"}
XRGB_MASKS = (0xFF0000, 0xFF00, 0xFF, 0)  # the layout a frame takes when the target has none
# libswscale's SIMD converters write whole blocks of pixels, so a few past a row's end
# when the width is not a multiple (FFmpeg pads its own buffers for this; here it showed
# as a stripe beside a 100-pixel-wide frame): they write straight into a target only
# when its width is a whole number of blocks, and scratch rows are padded to one.
BLOCK = 64
# A ring given back and not taken again for this long is freed: after the last video a
# poster may stay for an hour, and at 1080p a ring of five surfaces is 40 MB.
IDLE_RING_SECONDS = 30.0


class ConvertError(RuntimeError):
    """libswscale could not be loaded or refused a conversion."""


def surface_pixel_format(surface: pygame.Surface) -> str | None:
    """The FFmpeg pixel format whose bytes equal `surface`'s pixels (None: no such format)."""
    if surface.get_bitsize() != 32 or surface.get_bytesize() != 4:
        return None
    table = LITTLE_ENDIAN_FORMATS if sys.byteorder == "little" else BIG_ENDIAN_FORMATS
    return table.get(tuple(surface.get_masks()[:3]))


def _loaded_library(stem: str) -> str | None:
    """Path of the shared library `stem` this process has loaded (PyAV's own copy), if any.

    PyAV's wheels bundle FFmpeg under hashed names (libswscale-88e9f973.so.9); converting
    with the very library PyAV decodes with keeps one FFmpeg in the process.
    """
    try:
        lines = Path("/proc/self/maps").read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        path = line.rsplit(None, 1)[-1] if line.count(" ") >= 5 else ""
        name = os.path.basename(path)
        if name.startswith((f"{stem}-", f"{stem}.so")):
            return path
    return None


class _Libraries:
    """The few libswscale and libavutil functions the converter calls, typed for ctypes."""

    def __init__(self) -> None:
        import av  # noqa: F401 - loads FFmpeg's libraries, found below by name

        paths = {}
        for stem in ("libswscale", "libavutil"):
            path = _loaded_library(stem) or ctypes.util.find_library(stem.removeprefix("lib"))
            if path is None:
                raise ConvertError(f"{stem} not found (PyAV's FFmpeg libraries)")
            paths[stem] = path
        try:
            # CDLL releases the GIL during each call: the decoder's Python side keeps running.
            sws = ctypes.CDLL(paths["libswscale"])
            util = ctypes.CDLL(paths["libavutil"])
            sws.sws_getCachedContext.restype = c_void_p
            sws.sws_getCachedContext.argtypes = [c_void_p, c_int, c_int, c_int, c_int, c_int, c_int,
                                                 c_int, c_void_p, c_void_p, c_void_p]  # fmt: skip
            sws.sws_scale.restype = c_int
            sws.sws_scale.argtypes = [c_void_p, POINTER(c_void_p), POINTER(c_int), c_int, c_int,
                                      POINTER(c_void_p), POINTER(c_int)]  # fmt: skip
            sws.sws_getCoefficients.restype = c_void_p
            sws.sws_getCoefficients.argtypes = [c_int]
            sws.sws_setColorspaceDetails.restype = c_int
            sws.sws_setColorspaceDetails.argtypes = [c_void_p, c_void_p, c_int, c_void_p, c_int,
                                                     c_int, c_int, c_int]  # fmt: skip
            sws.sws_freeContext.restype = None
            sws.sws_freeContext.argtypes = [c_void_p]
            util.av_get_pix_fmt.restype = c_int
            util.av_get_pix_fmt.argtypes = [c_char_p]
        except (OSError, AttributeError) as exc:  # a library without the calls used here
            raise ConvertError(f"libswscale cannot be used: {exc}") from None
        self.sws, self.util = sws, util

    def pix_fmt(self, name: str) -> int:
        value = self.util.av_get_pix_fmt(name.encode())
        if value < 0:
            raise ConvertError(f"FFmpeg has no pixel format {name!r}")
        return value


def direct_target(fmt: str | None, size: tuple[int, int], crop: Rect) -> bool:
    """Whether frames scaled to `size` and cut to `crop` may be converted into the screen."""
    whole = crop.size == size and crop.x == 0 and crop.y == 0
    return fmt is not None and whole and size[0] % BLOCK == 0


def _masks(fmt: str) -> tuple[int, int, int, int]:
    table = LITTLE_ENDIAN_FORMATS if sys.byteorder == "little" else BIG_ENDIAN_FORMATS
    rgb = next((masks for masks, name in table.items() if name == fmt), XRGB_MASKS[:3])
    return (*rgb, 0)


class FrameConverter:
    """Converts frames into a pygame Surface's pixels with libswscale, allocating nothing.

    `draw` converts into the memory that is presented (the screen, or the rotated content
    surface) on the thread that presents it: one pass over the pixels, no copy after it.
    `convert` fills a surface of a SurfacePool ring in the decoder's thread, for frames
    that are scaled or cropped (the render thread then only blits them). One converter
    per thread and clip; close() frees libswscale's context.
    """

    def __init__(self, pool: SurfacePool | None = None) -> None:
        self._pool = pool if pool is not None else SurfacePool()
        self._libs = self._pool.libraries()
        self._scratch: Ring | None = None
        self._ctx: int | None = None
        self._key: tuple | None = None
        self._formats: dict[str, int] = {}
        self._src = (c_void_p * PLANES)()
        self._src_stride = (c_int * PLANES)()
        self._dst = (c_void_p * PLANES)()
        self._dst_stride = (c_int * PLANES)()

    def draw(self, frame: av.VideoFrame, target: pygame.Surface, size: tuple[int, int],
             crop: Rect) -> None:  # fmt: skip
        """Scale `frame` to `size`, and put its `crop` part at (0, 0) of `target`."""
        fmt = surface_pixel_format(target)
        if direct_target(fmt, size, crop) and target.get_size() == size:
            target.lock()
            try:
                self.convert(frame, target, size, fmt)
            finally:
                target.unlock()
            return
        # Not the layout or size the source expected (the display changed under it).
        fmt = fmt or "bgr0"
        if self._scratch is None or (self._scratch.size, self._scratch.fmt) != (size, fmt):
            self._give_scratch()
            self._scratch = self._pool.take(size, fmt, 1)
        scratch = self._scratch.surfaces[0]
        self.convert(frame, scratch, size, fmt)
        target.blit(scratch, (0, 0), crop.astuple())

    def convert(self, frame: av.VideoFrame, surface: pygame.Surface, size: tuple[int, int],
                fmt: str) -> None:  # fmt: skip
        """Scale `frame` to `size` into the top-left corner of `surface`, laid out as `fmt`."""
        width, height = surface.get_size()
        if width < size[0] or height < size[1]:
            raise ConvertError(f"a {size} frame cannot go into a {width}x{height} surface")
        ctx = self._context(frame, size, fmt)
        planes = frame.planes
        for i in range(PLANES):
            plane = planes[i] if i < len(planes) else None
            self._src[i] = plane.buffer_ptr if plane is not None else None
            self._src_stride[i] = plane.line_size if plane is not None else 0
        # The address of a software surface's pixels (pygame 2.1.2 and 2.6 alike); it
        # stays put for the surface's life, and the caller keeps the surface alive.
        self._dst[0] = surface._pixels_address
        self._dst_stride[0] = surface.get_pitch()
        rows = self._libs.sws.sws_scale(
            ctx, self._src, self._src_stride, 0, frame.height, self._dst, self._dst_stride
        )
        if rows <= 0:
            raise ConvertError(f"libswscale wrote no rows ({rows}) for a {frame.format.name} frame")

    def _pix_fmt(self, name: str) -> int:
        value = self._formats.get(name)
        if value is None:
            value = self._formats[name] = self._libs.pix_fmt(name)
        return value

    def _context(self, frame: av.VideoFrame, size: tuple[int, int], fmt: str) -> int:
        space = frame.colorspace if frame.colorspace != AVCOL_SPC_YCGCO else 2
        full = frame.color_range == AVCOL_RANGE_JPEG or frame.format.name.startswith("yuvj")
        key = (frame.width, frame.height, frame.format.name, size, fmt, space, full)
        if key == self._key and self._ctx:
            return self._ctx
        sws = self._libs.sws
        # At 1:1 only chroma is interpolated, where the fast path looks the same at a
        # fraction of the cost; real scaling keeps bilinear quality.
        same = size == (frame.width, frame.height)
        ctx = sws.sws_getCachedContext(
            self._ctx, frame.width, frame.height, self._pix_fmt(frame.format.name),
            size[0], size[1], self._pix_fmt(fmt),
            SWS_FAST_BILINEAR if same else SWS_BILINEAR, None, None, None,
        )  # fmt: skip
        if not ctx:
            self._ctx = self._key = None
            raise ConvertError(
                f"libswscale cannot convert {frame.format.name} {frame.width}x{frame.height}"
                f" to {fmt} {size[0]}x{size[1]}"
            )
        coefficients = sws.sws_getCoefficients(space)
        # Limited-range YUV (what H.264 carries unless it says otherwise) to full-range RGB.
        sws.sws_setColorspaceDetails(ctx, coefficients, int(full), coefficients, 1, 0,
                                     1 << 16, 1 << 16)  # fmt: skip
        self._ctx, self._key = ctx, key
        return ctx

    def _give_scratch(self) -> None:
        self._pool.give(self._scratch)
        self._scratch = None

    def close(self) -> None:
        self._give_scratch()
        if self._ctx:
            self._libs.sws.sws_freeContext(self._ctx)
        self._ctx = self._key = None


@dataclass(frozen=True)
class Ring:
    """Surfaces that one clip converts its frames into, in turn."""

    size: tuple[int, int]  # the frame's size; the surfaces' rows are padded beyond it
    fmt: str
    surfaces: tuple[pygame.Surface, ...]


class SurfacePool:
    """Surfaces for converted frames, handed out in rings and taken back for the next clip.

    Kept by the visual factory, so a clip after another of the same size reuses its
    surfaces instead of allocating fresh 8 MB buffers. Rows are padded to whole converter
    blocks; a frame fills a surface's top-left corner. Keeps at most `keep` rings given
    back, none of them longer than `idle` seconds (release_idle); safe to use from the
    decoder threads. Also loads libswscale once for all clips (finding it reads
    /proc/self/maps: not something to do on the render thread per clip).
    """

    def __init__(
        self,
        keep: int = 2,
        idle: float = IDLE_RING_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.keep = keep
        self.idle = idle
        self._clock = clock
        self._free: list[tuple[float, Ring]] = []  # (given back at, ring), oldest first
        self._lock = threading.Lock()
        self._libs: _Libraries | None = None

    def libraries(self) -> _Libraries:
        with self._lock:
            if self._libs is None:
                self._libs = _Libraries()
            return self._libs

    def take(self, size: tuple[int, int], fmt: str, count: int) -> Ring:
        """`count` surfaces for `size` frames laid out as `fmt`, reused when there are."""
        with self._lock:
            for i, (_, ring) in enumerate(self._free):
                if (ring.size, ring.fmt, len(ring.surfaces)) == (size, fmt, count):
                    return self._free.pop(i)[1]
        padded = (-(-size[0] // BLOCK) * BLOCK, size[1])
        return Ring(
            size, fmt, tuple(pygame.Surface(padded, 0, 32, _masks(fmt)) for _ in range(count))
        )

    def give(self, ring: Ring | None) -> None:
        """A ring no longer drawn from nor written to, for the next clip to take."""
        if ring is None:
            return
        with self._lock:
            self._free.append((self._clock(), ring))
            del self._free[: max(0, len(self._free) - self.keep)]

    @property
    def spare(self) -> int:
        """Rings given back and kept for the next clip."""
        with self._lock:
            return len(self._free)

    def release_idle(self) -> int:
        """Free the rings given back more than `idle` seconds ago; how many were freed."""
        cutoff = self._clock() - self.idle
        with self._lock:
            kept = [(at, ring) for at, ring in self._free if at > cutoff]
            freed = len(self._free) - len(kept)
            self._free = kept
        return freed


class RingConverter:
    """One clip's frames converted in its decoder thread, in turn, into a pooled ring.

    A surface is written again only after the frames behind it in the ring were handed
    on: the caller converts only when its queue has room, so with `count` at least the
    queue's length plus two, the frame on screen and those queued are never written over.
    """

    def __init__(self, pool: SurfacePool, size: tuple[int, int], fmt: str, count: int) -> None:
        self._pool = pool
        self._converter = FrameConverter(pool)
        self.ring: Ring | None = pool.take(size, fmt, count)
        self._next = 0

    def convert(self, frame: av.VideoFrame) -> pygame.Surface:
        ring = self.ring
        if ring is None:
            raise ConvertError("the frame ring was already given back")
        surface = ring.surfaces[self._next]
        self._next = (self._next + 1) % len(ring.surfaces)
        self._converter.convert(frame, surface, ring.size, ring.fmt)
        return surface

    def close(self) -> None:
        """Free the converter; the ring goes back with give_back() once nothing draws it."""
        self._converter.close()

    def give_back(self) -> None:
        self._pool.give(self.ring)
        self.ring = None
