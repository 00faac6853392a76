"""What each target screen plays smoothly: a table of limits and a pure check per video."""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

TARGETS = ("pi4", "pi5", "any")
DEFAULT_TARGET = "pi4"  # the weakest screen we support: what plays there plays everywhere


@dataclass(frozen=True)
class VideoTraits:
    """What publish learns about a video stream (from PyAV); None when the file does not say."""

    codec: str  # FFmpeg's decoder name: h264, hevc, vp9, av1, ...
    width: int
    height: int
    fps: float | None = None
    pix_fmt: str | None = None  # yuv420p, yuv420p10le, yuv422p, ...
    bit_depth: int | None = None
    profile: str | None = None  # "High", "Main 10", ...
    level: int | None = None  # H.264: 41 means 4.1
    bit_rate: int | None = None  # bits per second, the stream's or the container's


@dataclass(frozen=True)
class CodecLimits:
    """The most one decoder path on one screen plays in real time."""

    decoder: str  # how the screen decodes it, for messages and docs
    max_width: int
    max_height: int
    max_fps: float
    max_bit_depth: int
    max_bit_rate: int  # bits per second
    chroma: tuple[str, ...] = ("yuv420p", "yuvj420p")  # 4:2:0 (4:2:2/4:4:4 are not)
    max_level: int | None = None
    profiles: tuple[str, ...] | None = None  # None: any profile of the codec


@dataclass(frozen=True)
class ScreenProfile:
    """One kind of screen controller: the codecs it plays smoothly, and why not the others."""

    name: str
    summary: str
    plays: MappingProxyType  # codec -> CodecLimits
    refuses: MappingProxyType  # codec -> why not (any codec missing from both: not played)


_H264_8BIT = ("Baseline", "Constrained Baseline", "Main", "High")
_MBIT = 1_000_000
PI4_H264 = CodecLimits(
    decoder="hardware (h264_v4l2m2m), software fallback",
    max_width=1920,
    max_height=1080,
    max_fps=60,
    max_bit_depth=8,
    max_bit_rate=40 * _MBIT,
    max_level=42,
    profiles=_H264_8BIT,
)
PI5_H264 = CodecLimits(
    decoder="software",
    max_width=1920,
    max_height=1080,
    max_fps=60,
    max_bit_depth=10,
    max_bit_rate=40 * _MBIT,
    max_level=42,
)
PI5_VP9 = CodecLimits(
    decoder="software",
    max_width=1920,
    max_height=1080,
    max_fps=30,
    max_bit_depth=8,
    max_bit_rate=20 * _MBIT,
)
PROFILES = MappingProxyType(
    {
        "pi4": ScreenProfile(
            "pi4",
            "Raspberry Pi 4: H.264 in hardware (h264_v4l2m2m) up to 1080p60, 8-bit 4:2:0",
            MappingProxyType({"h264": PI4_H264}),
            MappingProxyType(
                {
                    "hevc": "a Pi 4 decodes HEVC in hardware only through v4l2-request, which "
                    "the player's FFmpeg does not have, and too slowly in software",
                    "vp9": "a Pi 4 has no VP9 decoder and is too slow for it in software",
                    "av1": "a Pi 4 has no AV1 decoder and is far too slow for it in software",
                }
            ),
        ),
        "pi5": ScreenProfile(
            "pi5",
            "Raspberry Pi 5: H.264 in software up to 1080p60; VP9 in software up to 1080p30",
            MappingProxyType({"h264": PI5_H264, "vp9": PI5_VP9}),
            MappingProxyType(
                {
                    "hevc": "the Pi 5's HEVC decoder needs Raspberry Pi's own FFmpeg "
                    "(v4l2-request), which no PyPI or Debian build has",
                    "av1": "a Pi 5 has no AV1 decoder and is too slow for 1080p AV1 in software",
                }
            ),
        ),
    }
)


def _level_text(level: int) -> str:
    return f"{level // 10}.{level % 10}"


def problems(traits: VideoTraits, target: ScreenProfile) -> list[str]:
    """Why `target` cannot play this video smoothly; [] when it can."""
    limits = target.plays.get(traits.codec)
    if limits is None:
        why = target.refuses.get(traits.codec, f"{target.name} screens do not play it")
        return [f"{traits.codec.upper()} video: {why}"]
    found = []
    if traits.width > limits.max_width or traits.height > limits.max_height:
        found.append(
            f"{traits.width}x{traits.height} is larger than {limits.max_width}x{limits.max_height}"
        )
    if traits.fps is not None and traits.fps > limits.max_fps + 0.01:
        found.append(f"{traits.fps:g} frames a second is more than {limits.max_fps:g}")
    if traits.bit_depth is not None and traits.bit_depth > limits.max_bit_depth:
        found.append(
            f"{traits.bit_depth}-bit colour ({traits.pix_fmt}) "
            f"is more than {limits.max_bit_depth}-bit"
        )
    elif traits.pix_fmt and traits.bit_depth == 8 and traits.pix_fmt not in limits.chroma:
        found.append(f"pixel format {traits.pix_fmt} is not 4:2:0 (yuv420p)")
    if limits.profiles is not None and traits.profile and traits.profile not in limits.profiles:
        found.append(f"profile {traits.profile} is not one of {', '.join(limits.profiles)}")
    if limits.max_level is not None and traits.level and traits.level > limits.max_level:
        found.append(f"level {_level_text(traits.level)} is above {_level_text(limits.max_level)}")
    if traits.bit_rate and traits.bit_rate > limits.max_bit_rate:
        found.append(
            f"{traits.bit_rate / 1e6:.1f} Mbit/s is more than {limits.max_bit_rate / 1e6:g}"
        )
    return [f"{traits.codec.upper()} {reason}" for reason in found]


def ffmpeg_command(source: str, traits: VideoTraits, fps_limit: float = 60) -> str:
    """A command line that re-encodes `source` into what every target plays."""
    stem = source.rsplit(".", 1)[0] if "." in source.rsplit("/", 1)[-1] else source
    parts = [f"ffmpeg -i {_quote(source)} -c:v libx264 -profile:v high -level 4.1"]
    parts.append("-pix_fmt yuv420p")
    if traits.width > 1920 or traits.height > 1080:
        wide = traits.width * 1080 > traits.height * 1920
        parts.append("-vf scale=1920:-2" if wide else "-vf scale=-2:1080")
    if traits.fps is None or traits.fps > fps_limit + 0.01:
        parts.append("-r 30")
    parts.append("-b:v 8M -an")
    parts.append(_quote(f"{stem}-h264.mp4"))
    return " ".join(parts)


def _quote(text: str) -> str:
    plain = all(c.isalnum() or c in "-_./+=:," for c in text)
    return text if plain and text else "'" + text.replace("'", "'\\''") + "'"


@dataclass(frozen=True)
class Verdict:
    """`refuse`: the target cannot play it; `warn`: with target any, some screens cannot."""

    refuse: tuple[str, ...] = ()
    warn: tuple[str, ...] = ()


def check(traits: VideoTraits, target_name: str) -> Verdict:
    """Refuse what the target cannot play; for `any`, refuse what no screen plays and warn
    about what only some play."""
    if target_name != "any":
        return Verdict(refuse=tuple(problems(traits, PROFILES[target_name])))
    found = {name: problems(traits, target) for name, target in PROFILES.items()}
    failing = [name for name, reasons in found.items() if reasons]
    if len(failing) == len(found):
        return Verdict(refuse=tuple(found[DEFAULT_TARGET]))
    return Verdict(warn=tuple(f"{name} screens: {'; '.join(found[name])}" for name in failing))
