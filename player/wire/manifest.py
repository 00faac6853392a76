"""The wire format between publisher and player: types, canonical bytes, digest, replay rule."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field

FORMAT_VERSION = 1
ITEM_TYPES = ("image", "video", "text", "clock", "ticker")
MEDIA_TYPES = ("image", "video")
FITS = ("contain", "cover", "stretch")
TRANSITIONS = ("cut", "crossfade")
DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
CLOCK_POSITIONS = ("top-left", "top-right", "bottom-left", "bottom-right")
TICKER_POSITIONS = ("bottom", "top")
ALIGNS = ("left", "center", "right")
DEFAULT_DURATION = 10.0  # seconds, for items with no duration and no defaults.duration
DEFAULT_CROSSFADE_MS = 500
MAX_TRANSITION_MS = 10_000


class ManifestError(ValueError):
    """A manifest (or signed message) that cannot be trusted or understood."""

    def __init__(self, message: str, path: str | None = None) -> None:
        self.path = path  # e.g. "playlists[1].items[3].duration", None for the whole document
        self.reason = message
        super().__init__(f"{path}: {message}" if path else message)


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
    # valid_from is inclusive, valid_until exclusive (a date-only valid_until in the
    # wire format means "through that day" and is stored as the next midnight).
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


# -- public API ------------------------------------------------------------------------


def to_json(manifest_dict: dict) -> bytes:
    """Canonical bytes: sorted keys, compact separators, UTF-8. What gets signed."""
    return json.dumps(
        manifest_dict, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def digest(data: bytes) -> str:
    """sha256 hex of manifest bytes, as announced over MQTT."""
    return hashlib.sha256(data).hexdigest()


def check_sequence(new: Manifest, current: Manifest | None) -> None:
    """Refuse a manifest that does not supersede the current one (replay, other group).

    An equal sequence is refused too: a caller that re-reads the very same bytes should
    compare `digest()`s first and treat that as "already current". Pass current=None
    when the player's group changed.
    """
    if current is None:
        return
    if new.group != current.group:
        raise ManifestError(
            f"manifest is for group {new.group!r}, the current one is for {current.group!r}",
            "group",
        )
    if new.sequence <= current.sequence:
        raise ManifestError(
            f"{new.sequence} is not newer than the current {current.sequence} "
            "(an old manifest replayed, or the publisher's sequence went back)",
            "sequence",
        )
