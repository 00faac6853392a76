"""The wire format between publisher and player: types, canonical bytes, digest, replay rule."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field

from player.wire.approval import Approval

FORMAT_VERSION = 1
ITEM_TYPES = ("image", "video", "text", "clock", "ticker", "prayer", "weather")
MEDIA_TYPES = ("image", "video")
# A media entry of this type is a document the player reads (the weather), not a picture:
# listed in `media` so it is fetched, hashed and cached like any file, named by `localinfo`.
DATA_TYPE = "data"
AD_KIND = "ad"  # an item's style.kind marking advertising (held back around the adhan)
FITS = ("contain", "cover", "stretch")
TRANSITIONS = ("cut", "crossfade")
DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
CLOCK_POSITIONS = ("top-left", "top-right", "bottom-left", "bottom-right")
TICKER_POSITIONS = ("bottom", "top")
ALIGNS = ("left", "center", "right")
DEFAULT_DURATION = 10.0  # seconds, for items with no duration and no defaults.duration
DEFAULT_CROSSFADE_MS = 500

# -- bounds: every number, list and string the wire format carries ----------------------
# The publisher refuses values beyond these (central/publish/) and the parser never lets
# them through (player/wire/parse.py), so the player's schedule and render code can do
# plain arithmetic on them. docs/PROTOCOL.md lists them; change both together.
MIN_YEAR, MAX_YEAR = 2000, 2200  # published_at and schedule dates (alerts' times too)
MIN_DURATION = 0.1  # seconds; shorter cannot be seen and would make the schedule spin
MAX_DURATION = 86_400.0  # seconds (one day); longer runs belong in a schedule
MAX_TRANSITION_MS = 10_000
MAX_TICKER_SPEED = 2000.0  # pixels per second; beyond this text cannot be read
MIN_FEED_REFRESH, MAX_FEED_REFRESH = 30.0, 7 * 86_400.0  # seconds between feed fetches
MIN_FRACTION = 0.01  # font_size, ticker height, clock size: fractions of the screen height
MAX_PRIORITY = 1_000_000  # playlist priority, either sign
MAX_SEQUENCE = 2**53 - 1  # exact in every JSON reader; the publisher uses Unix seconds
MAX_MEDIA_SIZE = 10**12  # bytes per media file (1 TB)
MAX_MEDIA_SIDE = 16_384  # pixels, width or height
MAX_PLAYLISTS = 1_000
MAX_ITEMS = 10_000  # per playlist
MAX_TOTAL_ITEMS = 50_000  # in the whole manifest
MAX_MEDIA = 10_000  # media entries
MAX_FEEDS = 20
MAX_FEED_BYTES = 4 * 1024 * 1024  # a feed document, fetched or published with the content
MAX_TICKER_LINES = 200
MAX_HEADLINES = 200  # signed headlines the office publishes with the ticker
MAX_WINDOWS = 48  # daily windows per schedule
MAX_TEXT = 4_000  # characters of a text slide or ticker item
MAX_LINE = 2_000  # characters of one ticker line
MAX_NAME = 128  # characters of an item id, playlist name, codec
MAX_FORMAT = 64  # characters of a clock format
MAX_URL = 2_048  # characters of a media or feed URL
MAX_CAMPAIGNS = 200
MAX_CAMPAIGN_ITEMS = 100  # creatives per campaign, played in turn
MAX_PLAYS_PER_DAY = 86_400  # one a second: beyond that no goal is meant
MAX_TARGETS = 1_000  # groups or screens a campaign names
MAX_PARTNER = 200  # characters of a partner's name
MAX_ALERT_LIFETIME = dt.timedelta(days=31)  # `videotron alert --expires`; longer: a playlist


class ManifestError(ValueError):
    """A manifest (or signed message) that cannot be trusted or understood."""

    def __init__(self, message: str, path: str | None = None) -> None:
        self.path = path  # e.g. "playlists[1].items[3].duration", None for the whole document
        self.reason = message
        super().__init__(f"{path}: {message}" if path else message)


class ManifestProblems(ManifestError):
    """Every problem found in one manifest (the publisher's strict check), first one first."""

    def __init__(self, problems: list[ManifestError]) -> None:
        self.problems = problems
        super().__init__(problems[0].reason, problems[0].path)


@dataclass(frozen=True)
class Media:
    sha256: str  # 64 lowercase hex chars; also the file name under media/
    size: int
    type: str  # image | video | data
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
    # image | video | text | clock | ticker | prayer (times for the screen's place) |
    # weather (the forecast named by the manifest's localinfo.weather)
    type: str
    duration: float | None  # seconds; None only for video = play to its end
    media: str | None = None  # sha256 for image/video
    text: str | None = None  # text slides
    transition: Transition = field(default_factory=Transition)
    fit: str | None = None  # None = display.fit from config
    rules: Rules | None = None
    style: dict = field(default_factory=dict, hash=False)  # color, background, font_size, format…
    approval: Approval | None = None  # who approved it; None when the office did not


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
    # sha256 of a feed file published with the content: the file is signed by the manifest
    # naming its hash. None: a feed the screen fetches unsigned (only where player.yaml says
    # source.allow_unsigned_feeds: true).
    sha256: str | None = None


@dataclass(frozen=True)
class Headline:
    """A ticker headline the office fetched, vetted and signed with the content."""

    text: str
    feed: str  # the feed's URL, where the headline came from
    approver: str  # who approved it, or "auto" for a feed whose headlines are auto-approved
    approved_at: dt.datetime  # aware UTC


@dataclass(frozen=True)
class Ticker:
    lines: tuple[str, ...] = ()
    feeds: tuple[Feed, ...] = ()
    headlines: tuple[Headline, ...] = ()
    speed: float = 120.0  # pixels per second at 1080 lines of output
    position: str = "bottom"  # bottom | top
    height: float = 0.08  # fraction of the content height
    color: str = "#ffffff"
    background: str = "#000000"
    # Who approved `lines` (content_hash of approval.ticker_content(lines)); None when the
    # office did not say: a player with source.require_approval then refuses the lines.
    approval: Approval | None = None

    def signed_lines(self) -> tuple[str, ...]:
        """What the ticker shows of the manifest itself: its lines, then its headlines."""
        return (*self.lines, *(headline.text for headline in self.headlines))


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
class DataRef:
    """A data document in `media` (type "data"), and when the office made it."""

    sha256: str
    fetched_at: dt.datetime  # aware


@dataclass(frozen=True)
class LocalInfo:
    """What the office sends for the screens' public information (`localinfo` key).

    Kept out of the items, so refreshing it changes no item's content or approval.
    """

    weather: DataRef | None = None


@dataclass(frozen=True)
class BrightnessStep:
    """From this moment of the local day on, this level: at a clock time or the sun's."""

    level: int  # percent of full brightness, 0-100
    at: dt.time | None = None  # a wall-clock time in player.timezone, or None for the sun
    sun: str | None = None  # "sunrise" or "sunset" at the screen's location
    offset_minutes: int = 0  # after (+) or before (-) the sun event


@dataclass(frozen=True)
class SensorCurve:
    """Levels by ambient light where the sending card has a sensor: dark to bright, log lux."""

    dark_lux: float
    bright_lux: float
    dark_level: int  # percent at dark_lux and below
    bright_level: int  # percent at bright_lux and above


@dataclass(frozen=True)
class BrightnessPlan:
    """A wall's levels through the day; the sensor's curve instead where there is one."""

    steps: tuple[BrightnessStep, ...]
    sensor: SensorCurve | None = None


@dataclass(frozen=True)
class Brightness:
    """The group's plan (the manifest's `brightness` key) and the screens that differ."""

    plan: BrightnessPlan | None = None
    screens: dict[str, BrightnessPlan] = field(default_factory=dict, hash=False)

    def for_screen(self, player_id: str) -> BrightnessPlan | None:
        """This screen's own plan when the office gave it one, else the group's."""
        return self.screens.get(player_id, self.plan)


@dataclass(frozen=True)
class Goal:
    """What a campaign promises per screen and day: a number of plays, or a share of airtime."""

    plays_per_day: int | None = None
    share: float | None = None  # fraction (0, 1] of the screen's time inside the dayparts


@dataclass(frozen=True)
class Campaign:
    """A partner's content with a goal, spread by the scheduler between the other items."""

    id: str
    partner: str
    items: tuple[Item, ...]  # played in turn, one per planned play
    goal: Goal
    rules: Rules | None = None  # its date range and dayparts (days, windows)
    groups: frozenset[str] | None = None  # None: every group this manifest is for
    screens: frozenset[str] | None = None  # player ids; None: every screen of the group
    back_to_back: bool = False  # two of its plays may follow each other


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
    localinfo: LocalInfo = field(default_factory=LocalInfo)
    brightness: Brightness = field(default_factory=Brightness)
    campaigns: tuple[Campaign, ...] = ()
    # Items the player left out, as "path: reason" (the callers of Checks.skip).
    skipped: tuple[str, ...] = field(default=(), compare=False)

    def items(self):
        """Every item of every playlist, then of every campaign, in order."""
        for playlist in self.playlists:
            yield from playlist.items
        for campaign in self.campaigns:
            yield from campaign.items


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
