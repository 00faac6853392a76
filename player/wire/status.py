"""Status shapes declared once: the status board's sections and the MQTT status message."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypedDict

from player.wire.bounds import INT32_MAX, INT64_MAX, Bound

# Every section is `total=False`: a part writes its fields as it learns them, and a reader
# must cope with any of them missing (a player that has just started, an older player).


class PlayerSection(TypedDict, total=False):
    """Who the player is (written once at start by player/app.py)."""

    id: str
    group: str
    version: str
    pid: int
    started_at: str  # ISO-8601 UTC
    timezone: str  # the config's player.timezone: readers show times on the screen's clock


class RenderFailure(TypedDict):
    """An item that cannot play in this manifest, and why."""

    item: str
    error: str


class RenderSection(TypedDict, total=False):
    """What is on screen and the display in force (written by player/render/)."""

    kind: str  # item | alert | off | idle
    item: str | None  # the item id on screen
    type: str | None  # its type: image, video, text, clock, ticker
    playlist: str | None
    since: str  # ISO-8601 UTC: when this play went on screen (kept across a redraw)
    reason: str  # which rule put it there
    screen: str  # starting | on | black | off | stopped
    splash: str | None  # why the splash shows
    alert: str | None  # the alert id on screen
    alert_level: str | None
    alert_issued_at: str | None
    until: str | None  # when a black (off-hours) screen comes back on
    failures: list[RenderFailure]
    fps: float
    frames: int
    dropped: int
    first_frame: str
    decoder: str
    driver: str
    output: list[int]  # [width, height] of the output
    region: list[int]  # [x, y, w, h] of the picture in the output
    rotation: int
    content: list[int]  # [width, height] content surface: the region, turned by rotation
    stop_reason: str


class SyncProgress(TypedDict, total=False):
    """A download under way."""

    done_bytes: int
    total_bytes: int
    rate: float  # bytes per second
    eta: float | None  # seconds


class RefusedManifest(TypedDict):
    """A manifest the source serves that this screen will not play, and why (the screen
    keeps playing the last one it accepted)."""

    kind: str  # a player.sync.failure kind: signature, manifest, replay, approval, feed
    reason: str  # the one-line reason, e.g. which item has no approval
    at: str  # ISO-8601 UTC: when it was last refused


class SyncSection(TypedDict, total=False):
    """The sync loop's state and the manifest in force (written by player/sync/loop.py)."""

    state: str  # checking | downloading | activating | idle | error
    source: str | None
    last_result: str
    last_attempt_at: str
    last_ok_at: str
    next_attempt_at: str
    hash_mismatches: int
    progress: SyncProgress | None
    manifest_sequence: int
    manifest_published_at: str
    refused: RefusedManifest | None  # None once the source serves what plays


class Damage(TypedDict):
    """A media file found damaged in the cache."""

    media: str
    reason: str
    found_at: str
    restored: bool


class CacheSection(TypedDict, total=False):
    """The media cache's use and health."""

    used_bytes: int
    max_bytes: int
    files: int
    error: str | None
    check: str  # the scrub's progress or result
    damaged: list[Damage]
    manifest_refused: list[str]


class MqttSection(TypedDict, total=False):
    """The MQTT link (written by player/push/client.py)."""

    state: str  # disabled | error | disconnected | connecting | connected
    broker: str | None
    last_error: str | None
    next_attempt_at: float | None
    connected_since: float


class ConfigSection(TypedDict, total=False):
    """The config file and its refused edits (written by player/app.py)."""

    path: str
    errors: list[str]
    on_last_good: bool  # the file does not load at all; the last good copy is in force


class ReportSection(TypedDict, total=False):
    """Proof of play waiting to upload."""

    pending: int
    dropped: int
    last_ack_at: str | None


class ThreadHealth(TypedDict, total=False):
    state: str  # running | stuck | dead | stopped | …
    restarts: int
    last_error: str | None
    stuck_after: float


class Watchdog(TypedDict):
    enabled: bool
    interval: float | None


class HealthSection(TypedDict, total=False):
    """Thread supervision (written by player/service/systemd.py)."""

    healthy: bool
    reason: str
    threads: dict[str, ThreadHealth]
    ready: bool
    watchdog: Watchdog


class BrightnessSection(TypedDict, total=False):
    """The wall's brightness (written by player/led/keeper.py)."""

    level: int  # percent the wall is set to (the sending card's, or the software dimming)
    source: str  # plan, sensor, failsafe, none (no plan in the content)
    reason: str  # "sunset -15 min step", "sensor 340 lux", "sending card not answering"
    output: str  # "novastar /dev/ttyUSB0" or "software" (the picture dimmed by the player)
    link: str  # ok, not answering, none (no sending card configured)
    changed_at: str  # ISO-8601 UTC of the last change of level
    next_change_at: str | None  # ISO-8601 UTC of the plan's next step
    sunrise: str | None  # today's, ISO-8601 UTC
    sunset: str | None
    sun_assumed: bool  # location not set: 06:00 and 18:00 local are assumed
    last_error: str | None


class MachineSection(TypedDict, total=False):
    """The Pi's own health, sampled every minute (written by player/machine/sampler.py).

    None where the machine does not expose a value (no firmware flags off a Raspberry Pi).
    """

    sampled_at: str  # ISO-8601 UTC
    temp_c: float | None  # SoC temperature
    throttled_bits: str  # the firmware's get_throttled, hex
    under_voltage: bool  # now
    freq_capped: bool  # now
    throttled: bool  # now
    soft_temp_limit: bool  # now
    under_voltage_since_boot: bool
    freq_capped_since_boot: bool
    throttled_since_boot: bool
    soft_temp_limit_since_boot: bool
    load_1m: float
    load_5m: float
    load_15m: float
    cpu_count: int | None
    mem_total_bytes: int
    mem_available_bytes: int
    disk_free_bytes: int  # of the cache's file system, for the player's user
    disk_total_bytes: int
    disk_mount: str
    disk_device: str
    sd_read_only: bool  # the cache's file system is mounted read-only
    io_errors: int | None  # I/O error lines in this boot's kernel log; None: log not readable
    uptime_s: float | None  # since boot
    net_interface: str | None  # of the default route
    net_link: str | None  # its operstate: up, down, dormant, …
    wifi_signal_dbm: float  # from /proc/net/wireless
    modem_signal_percent: int | None  # from ModemManager (mmcli), where present
    controller_link: str | None  # the sending card's link, as the brightness keeper saw it


class PowerSection(TypedDict, total=False):
    """The wall's power as its switch confirms it (written by player/led/power.py)."""

    wanted: str  # on | off: off while the screen is off (operating hours, display off)
    state: str  # on | off | unknown: what the sending card or display reports, not the ask
    via: str  # "novastar /dev/ttyUSB0", "hdmi-cec /dev/cec0", or none (not switched)
    error: str | None  # why the state is unknown or not the one wanted
    changed_at: str  # ISO-8601 UTC


class ErrorEntry(TypedDict, total=False):
    """A warning or error, folded by message (written by service/logsetup.py)."""

    level: str
    where: str  # the logger name
    message: str
    at: str  # ISO-8601 UTC of the latest occurrence
    count: int


class ErrorsSection(TypedDict, total=False):
    recent: list[ErrorEntry]


SECTIONS: dict[str, type] = {
    "player": PlayerSection,
    "render": RenderSection,
    "sync": SyncSection,
    "cache": CacheSection,
    "mqtt": MqttSection,
    "config": ConfigSection,
    "report": ReportSection,
    "health": HealthSection,
    "errors": ErrorsSection,
    "brightness": BrightnessSection,
    "machine": MachineSection,
    "power": PowerSection,
}


class StatusDocument(TypedDict, total=False):
    """runtime.dir/status.json: the sections plus who wrote it and when."""

    written_at: str
    written_at_boot: float
    boot_id: str | None
    pid: int
    version: str
    stopped_at: str
    player: PlayerSection
    render: RenderSection
    sync: SyncSection
    cache: CacheSection
    mqtt: MqttSection
    config: ConfigSection
    report: ReportSection
    health: HealthSection
    errors: ErrorsSection
    brightness: BrightnessSection
    machine: MachineSection
    power: PowerSection


class CurrentPlay(TypedDict, total=False):
    item: str | None
    type: str | None
    kind: str
    playlist: str | None
    since: str


class MessageSync(TypedDict, total=False):
    state: str
    last_result: str
    last_ok_at: str
    refused: RefusedManifest | None  # for the console: what this screen will not play, why


class MessageCache(TypedDict, total=False):
    used_bytes: int
    max_bytes: int
    files: int


class MessageHealth(TypedDict, total=False):
    healthy: bool
    reason: str


class MessageDisplay(TypedDict, total=False):
    """The output in force: the office lays alert previews out at the size the screen has."""

    output: list[int]  # [width, height]
    region: list[int]  # [x, y, w, h] of the picture in the output
    rotation: int
    content: list[int]  # [width, height] an alert card fills: the region, turned by rotation


class MessageBrightness(TypedDict, total=False):
    """The wall's brightness as the office sees it: level, why, and through what."""

    level: int
    source: str
    output: str
    link: str


class MessagePower(TypedDict, total=False):
    """The wall's power as the office sees it: asked and confirmed."""

    wanted: str
    state: str
    via: str


class StatusMessage(TypedDict, total=False):
    """The retained MQTT status message (`videotron/player/<id>/status`) the collector keeps."""

    online: bool
    player: str
    group: str
    version: str
    pid: int
    ts: str
    reason: str  # why offline (the last will and a clean stop)
    uptime: float
    current: CurrentPlay
    alert: str | None
    screen: str
    manifest_sequence: int
    sync: MessageSync
    cache: MessageCache
    config_errors: list[str]
    report: ReportSection
    errors: list[ErrorEntry]
    health: MessageHealth
    display: MessageDisplay
    brightness: MessageBrightness
    machine: MachineSection  # sent whole: the office keeps it as health history
    power: MessagePower


# What the collector stores of a status message, each within its bound (central/db/store.py
# refuses a message with a number out of range and cuts longer text). The player's id comes
# from the topic; the whole message is kept as JSON text.
PLAYER_ID = Bound(length=128)
STATUS_BOUNDS: dict[str, Bound] = {
    "group": Bound(length=128),
    "version": Bound(length=64),
    "reason": Bound(length=500),
    "report.dropped": Bound(low=0, high=INT64_MAX),
    "errors[].level": Bound(length=16),
    "errors[].where": Bound(length=128),
    "errors[].message": Bound(length=2000),
    "errors[].count": Bound(low=0, high=INT64_MAX),
    "brightness.level": Bound(low=0, high=100),
    # A reading beyond these is a broken sensor, not a state to store.
    "machine.temp_c": Bound(low=-100, high=300),
    "machine.throttled_bits": Bound(length=16),
    "machine.load_1m": Bound(low=0, high=1e6),
    "machine.load_5m": Bound(low=0, high=1e6),
    "machine.load_15m": Bound(low=0, high=1e6),
    "machine.cpu_count": Bound(low=0, high=INT32_MAX),
    "machine.mem_total_bytes": Bound(low=0, high=INT64_MAX),
    "machine.mem_available_bytes": Bound(low=0, high=INT64_MAX),
    "machine.disk_free_bytes": Bound(low=0, high=INT64_MAX),
    "machine.disk_total_bytes": Bound(low=0, high=INT64_MAX),
    "machine.disk_mount": Bound(length=500),
    "machine.disk_device": Bound(length=500),
    "machine.io_errors": Bound(low=0, high=INT64_MAX),
    "machine.uptime_s": Bound(low=0, high=1e12),
    "machine.net_interface": Bound(length=64),
    "machine.net_link": Bound(length=32),
    "machine.wifi_signal_dbm": Bound(low=-300, high=300),
    "machine.modem_signal_percent": Bound(low=0, high=100),
    "machine.controller_link": Bound(length=64),
}


def keys_of(shape: type) -> frozenset[str]:
    """The keys a TypedDict declares."""
    return frozenset(shape.__required_keys__ | shape.__optional_keys__)


def undeclared(section: str, fields: Mapping[str, Any]) -> list[str]:
    """The keys of `fields` that the section's shape does not declare (all, if no such section)."""
    shape = SECTIONS.get(section)
    if shape is None:
        return sorted(fields) or [f"<section {section!r}>"]
    declared = keys_of(shape)
    return sorted(k for k in fields if k not in declared)


def status_message(snapshot: Mapping[str, Any]) -> StatusMessage:
    """The status message's player-specific part, taken from a status board snapshot."""
    render: RenderSection = snapshot.get("render") or {}
    sync: SyncSection = snapshot.get("sync") or {}
    cache: CacheSection = snapshot.get("cache") or {}
    config: ConfigSection = snapshot.get("config") or {}
    health: HealthSection = snapshot.get("health") or {}
    errors: ErrorsSection = snapshot.get("errors") or {}
    brightness: BrightnessSection = snapshot.get("brightness") or {}
    machine: MachineSection = snapshot.get("machine") or {}
    power: PowerSection = snapshot.get("power") or {}
    message: StatusMessage = {
        "current": {
            "item": render.get("item"),
            "type": render.get("type"),
            "kind": render.get("kind"),
            "playlist": render.get("playlist"),
            "since": render.get("since"),
        },
        "alert": render.get("alert"),
        "screen": render.get("screen"),
        "manifest_sequence": sync.get("manifest_sequence"),
        "sync": {
            "state": sync.get("state"),
            "last_result": sync.get("last_result"),
            "last_ok_at": sync.get("last_ok_at"),
            "refused": sync.get("refused"),
        },
        "cache": {
            "used_bytes": cache.get("used_bytes"),
            "max_bytes": cache.get("max_bytes"),
            "files": cache.get("files"),
        },
        "config_errors": config.get("errors", []),
        "report": snapshot.get("report"),
        "errors": errors.get("recent", []),
        "health": {"healthy": health.get("healthy"), "reason": health.get("reason")},
        "display": {
            "output": render.get("output"),
            "region": render.get("region"),
            "rotation": render.get("rotation"),
            "content": render.get("content"),
        },
        "brightness": {
            "level": brightness.get("level"),
            "source": brightness.get("source"),
            "output": brightness.get("output"),
            "link": brightness.get("link"),
        },
        "machine": machine,
        "power": {
            "wanted": power.get("wanted"),
            "state": power.get("state"),
            "via": power.get("via"),
        },
    }
    return message
