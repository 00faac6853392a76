"""The wire format between publisher and player: parse, validate, sign, verify."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

FORMAT_VERSION = 1
ITEM_TYPES = ("image", "video", "text", "clock", "ticker")
MEDIA_TYPES = ("image", "video")
FITS = ("contain", "cover", "stretch")
TRANSITIONS = ("cut", "crossfade")


class ManifestError(ValueError):
    """A manifest (or signed message) that cannot be trusted or understood."""


@dataclass(frozen=True)
class Media:
    sha256: str  # 64 lowercase hex chars; also the file name under media/
    size: int
    type: str  # image | video
    url: str  # relative to the manifest URL, or absolute
    width: int | None = None
    height: int | None = None
    duration: float | None = None  # seconds, videos only
    codec: str | None = None


@dataclass(frozen=True)
class Transition:
    kind: str = "cut"  # cut | crossfade
    ms: int = 0


@dataclass(frozen=True)
class DailyWindow:
    """Local wall-clock window; `end <= start` crosses midnight."""

    start: dt.time
    end: dt.time


@dataclass(frozen=True)
class Rules:
    """When a playlist or an item may play. Empty fields do not restrict."""

    # Aware datetimes, or naive ones meaning wall-clock time in player.timezone.
    valid_from: dt.datetime | None = None
    valid_until: dt.datetime | None = None
    days: frozenset[int] | None = None  # 0=Monday … 6=Sunday
    windows: tuple[DailyWindow, ...] = ()


@dataclass(frozen=True)
class Item:
    id: str
    type: str  # image | video | text | clock | ticker
    duration: float | None  # seconds; None only for video = play to its end
    media: str | None = None  # sha256 for image/video
    text: str | None = None  # text slides
    transition: Transition = field(default_factory=Transition)
    fit: str | None = None  # None = display.fit from config
    rules: Rules | None = None
    style: dict = field(default_factory=dict, hash=False)  # color, background, font_size, format…


@dataclass(frozen=True)
class Playlist:
    name: str
    priority: int
    items: tuple[Item, ...]
    rules: Rules | None = None
    default: bool = False  # played when nothing else is valid


@dataclass(frozen=True)
class Feed:
    url: str
    refresh: float = 600.0


@dataclass(frozen=True)
class Ticker:
    lines: tuple[str, ...] = ()
    feeds: tuple[Feed, ...] = ()
    speed: float = 120.0  # pixels per second at 1080 lines of output
    position: str = "bottom"  # bottom | top
    height: float = 0.08  # fraction of the content height
    color: str = "#ffffff"
    background: str = "#000000"


@dataclass(frozen=True)
class ClockOverlay:
    position: str = "top-right"  # top-left | top-right | bottom-left | bottom-right
    format: str = "%H:%M"
    size: float = 0.06  # fraction of the content height


@dataclass(frozen=True)
class Layout:
    ticker: Ticker | None = None
    clock: ClockOverlay | None = None


@dataclass(frozen=True)
class Manifest:
    version: int
    group: str
    published_at: dt.datetime  # aware
    sequence: int
    media: dict[str, Media] = field(hash=False)
    playlists: tuple[Playlist, ...]
    layout: Layout = field(default_factory=Layout)
    defaults: dict = field(default_factory=dict, hash=False)

    def items(self):
        """Every item of every playlist, in order."""
        for playlist in self.playlists:
            yield from playlist.items
