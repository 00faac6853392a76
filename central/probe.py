"""Identify media by content, never by name: Pillow for images, PyAV for videos."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

import av
from PIL import Image, UnidentifiedImageError

from central.mediaprofile import VideoTraits

IMAGE_FORMATS = MappingProxyType({"JPEG": "jpeg", "PNG": "png", "WEBP": "webp", "BMP": "bmp"})
VIDEO_CODECS = ("h264", "hevc", "vp8", "vp9", "mpeg4")
MAX_IMAGE_PIXELS = 50_000_000


class ProbeError(ValueError):
    """A media file a player cannot show."""


@dataclass(frozen=True)
class MediaInfo:
    type: str  # image | video
    width: int
    height: int
    codec: str
    duration: float | None = None
    traits: VideoTraits | None = None  # videos: what the target check needs
    # A video's first frame, when asked for: the probe decodes it anyway to prove the stream
    # plays, so the library's poster costs no second open and decode (bench_upload).
    poster: Image.Image | None = field(default=None, compare=False, repr=False)


def _probe_image(path: Path) -> MediaInfo | None:
    fmt = "?"
    try:
        with Image.open(path) as image:
            fmt = image.format or "?"
            if fmt == "MPEG":  # a video Pillow merely recognises
                return None
            if fmt not in IMAGE_FORMATS:
                raise ProbeError(f"{fmt} images are not supported; convert to PNG or JPEG")
            width, height = image.size
            if width * height > MAX_IMAGE_PIXELS:
                raise ProbeError(f"image of {width}x{height} is too large; scale it down")
            image.load()  # decodes every pixel: a truncated or corrupt file fails here
    except UnidentifiedImageError:
        return None
    except ProbeError:
        raise
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        what = f"{fmt} image" if fmt in IMAGE_FORMATS else "image"
        raise ProbeError(f"corrupt or unreadable {what} ({exc})") from None
    return MediaInfo("image", width, height, IMAGE_FORMATS[fmt])


def _probe_video(path: Path, poster: bool) -> MediaInfo:
    try:
        container = av.open(str(path))
    except (av.FFmpegError, OSError, ValueError, EOFError) as exc:
        # FFmpeg's message without the file name: the upload's temporary path means nothing
        # to the person who uploaded it.
        reason = getattr(exc, "strerror", None) or exc
        raise ProbeError(f"not an image or video a player can show ({reason})") from None
    with container:
        if container.format.name == "image2" or container.format.name.endswith("_pipe"):
            # FFmpeg trusted the file name; Pillow already found no picture in the bytes.
            raise ProbeError("not a readable image: the name says picture, the content does not")
        if not container.streams.video:
            raise ProbeError("has no video stream (audio only?); a player shows pictures")
        stream = container.streams.video[0]
        codec = stream.codec_context.name
        if codec not in VIDEO_CODECS:
            raise ProbeError(f"video codec {codec} is not supported; re-encode to H.264")
        width, height = stream.codec_context.width, stream.codec_context.height
        if stream.duration and stream.time_base:
            duration = float(stream.duration * stream.time_base)
        else:
            duration = (container.duration or 0) / av.time_base
        if not width or not height or duration <= 0:
            raise ProbeError(f"video has no size or duration ({width}x{height}, {duration}s)")
        try:
            frame = next(container.decode(stream))
        except (av.FFmpegError, StopIteration, ValueError, EOFError) as exc:
            raise ProbeError(f"corrupt {codec} video: no frame decodes ({exc})") from None
        traits = _traits(container, stream, duration)
        picture = frame.to_image() if poster else None
    return MediaInfo("video", width, height, codec, round(duration, 3), traits, picture)


def _traits(container, stream, duration: float) -> VideoTraits:
    """Codec, size, rate, depth, profile, level and bit rate, as the target check reads them."""
    context = stream.codec_context
    rate = stream.average_rate or stream.guessed_rate
    fmt = context.format
    bits = max((c.bits for c in fmt.components), default=0) if fmt is not None else 0
    level = context.level if isinstance(context.level, int) and context.level > 0 else None
    rate_bits = context.bit_rate or stream.bit_rate or container.bit_rate or None
    if duration < 2:  # over a shorter clip the key frame alone sets the average
        rate_bits = None
    return VideoTraits(
        codec=context.name,
        width=context.width,
        height=context.height,
        fps=round(float(rate), 3) if rate else None,
        pix_fmt=context.pix_fmt,
        bit_depth=bits or None,
        profile=context.profile or None,
        level=level,
        bit_rate=rate_bits,
    )


def probe_media(path: Path, *, poster: bool = False) -> MediaInfo:
    """Identify an image or video by its content (never its extension); ProbeError if unfit.
    `poster`: keep a video's first frame as a picture in `MediaInfo.poster`."""
    return _probe_image(path) or _probe_video(path, poster)
