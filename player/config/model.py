"""Typed, immutable configuration objects that the rest of the player reads."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from player.wire.secret import Secret

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class PlayerConfig:
    id: str = "videotron"
    group: str = "default"
    timezone: str = "Asia/Jakarta"


@dataclass(frozen=True)
class LocationConfig:
    """Where the screen stands; prayer-time items need both (None: not set)."""

    latitude: float | None = None
    longitude: float | None = None


@dataclass(frozen=True)
class SourceConfig:
    # An http(s) URL of a manifest.json, or a local folder (USB stick) holding the same tree.
    url: str | None = None
    public_key: str | None = None  # Ed25519 public key, base64 (32 raw bytes)
    allow_unsigned: bool = False
    # Refuse a manifest with an item no one approved (or changed since): issue 27's rule
    # that nothing plays which no one but its author approved.
    require_approval: bool = False
    # Let the screen read ticker feeds a manifest names by URL, unsigned, from the internet.
    allow_unsigned_feeds: bool = False
    token: Secret | None = None  # reveal() where the header is made
    ca_bundle: Path | None = None
    poll_interval: float = 300.0
    # A request may take `deadline` seconds plus the time its bytes would take at `min_rate`:
    # a trickling server is given up on, a slow but steady 4G download is not.
    deadline: float = 30.0
    min_rate: int = 4000  # bytes per second


@dataclass(frozen=True)
class CacheConfig:
    dir: Path = Path("/var/lib/videotron")
    max_size: int = 8 * 1000**3  # bytes


@dataclass(frozen=True)
class Region:
    x: int
    y: int
    w: int
    h: int


@dataclass(frozen=True)
class DisplayConfig:
    size: tuple[int, int] | None = None  # None means auto-detect the output
    region: Region | None = None  # None means the whole output
    rotation: int = 0  # 0, 90, 180, 270 (clockwise)
    fit: str = "contain"  # contain, cover, stretch
    background: tuple[int, int, int] = (0, 0, 0)
    fps: int = 30
    driver: str = "auto"  # auto, kmsdrm, wayland, x11, dummy
    font: Path | None = None  # TTF/OTF for text, clock and ticker; None = bundled DejaVu Sans
    alert_language: str = "id"  # alert titles and labels: id, en, or both in turn


@dataclass(frozen=True)
class BrightnessConfig:
    """The site's own limits on the wall's brightness, and the sending card that sets it."""

    controller: str = "none"  # none (dim the picture in software) or novastar
    port: Path | None = None  # the sending card's serial port, e.g. /dev/ttyUSB0
    ceiling: int = 100  # percent: no plan or sensor goes above it
    floor: int = 0  # percent: nor below it
    failsafe: int = 60  # percent, while the sensor or the sending card does not answer


@dataclass(frozen=True)
class PowerConfig:
    """What switches the wall off while the screen is off (operating hours)."""

    switch: str = "none"  # none, controller (the sending card) or cec (the display's HDMI-CEC)
    cec_device: Path = Path("/dev/cec0")


@dataclass(frozen=True)
class VideoConfig:
    decoder: str = "auto"  # auto (hardware where there is one), software, v4l2m2m


@dataclass(frozen=True)
class MqttConfig:
    url: str | None = None  # mqtt://host:1883 or mqtts://host:8883; None disables push
    username: str | None = None
    password: Secret | None = None
    topic_prefix: str = "videotron"
    ca_bundle: Path | None = None


@dataclass(frozen=True)
class TimeWindow:
    """A daily on-window; `end <= start` means it crosses midnight."""

    start: dt.time
    end: dt.time


@dataclass(frozen=True)
class OperatingHours:
    """Screen-on windows per weekday (0=Monday). Empty mapping means always on."""

    days: dict[int, tuple[TimeWindow, ...]] = field(default_factory=dict)

    @property
    def always_on(self) -> bool:
        return not self.days


@dataclass(frozen=True)
class ScheduleConfig:
    aligned: bool = False  # derive playlist position from the wall clock (screens in step)


@dataclass(frozen=True)
class ReportConfig:
    max_records: int = 500_000  # proof-of-play store cap; oldest dropped and counted beyond it
    batch_size: int = 200
    ack_timeout: float = 30.0  # first resend of an unacknowledged batch; doubles, capped
    thumbnail_every: float = 0.0  # seconds between screenshots sent unasked; 0 = off


@dataclass(frozen=True)
class RuntimeConfig:
    dir: Path = Path("/run/videotron")  # status.json and the control socket live here


@dataclass(frozen=True)
class LogConfig:
    level: str = "INFO"


@dataclass(frozen=True)
class Config:
    player: PlayerConfig = field(default_factory=PlayerConfig)
    location: LocationConfig = field(default_factory=LocationConfig)
    source: SourceConfig = field(default_factory=SourceConfig)
    cache: CacheConfig = field(default_factory=CacheConfig)
    display: DisplayConfig = field(default_factory=DisplayConfig)
    brightness: BrightnessConfig = field(default_factory=BrightnessConfig)
    power: PowerConfig = field(default_factory=PowerConfig)
    video: VideoConfig = field(default_factory=VideoConfig)
    mqtt: MqttConfig = field(default_factory=MqttConfig)
    operating_hours: OperatingHours = field(default_factory=OperatingHours)
    schedule: ScheduleConfig = field(default_factory=ScheduleConfig)
    report: ReportConfig = field(default_factory=ReportConfig)
    runtime: RuntimeConfig = field(default_factory=RuntimeConfig)
    log: LogConfig = field(default_factory=LogConfig)
    path: Path | None = None  # the file this was loaded from, if any
