"""The office side's settings, `central.yaml`: broker, database, publishing, CAP, weather."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from central import feeds as office_feeds
from central.campaigns.venues import ROADSIDE_BILLBOARD, VENUE_TYPES
from central.cap.settings import CAP_SETTINGS, CapSettings, cap_settings
from central.notifications.settings import (
    NOTIFICATION_SETTINGS,
    NotificationSettings,
    notification_settings,
)
from central.weather.settings import WEATHER_SETTINGS, WeatherSettings, weather_settings
from player.wire.broker import parse_broker_url
from player.wire.located import Context, Invalid, Located, shown
from player.wire.secret import Secret
from player.wire.settings import (
    Setting,
    SettingsTable,
    byte_size,
    check_tree,
    choice,
    directory,
    file_context,
    file_path,
    integer,
    resolve_path,
    scalar_text,
    secret_text,
    text,
    timezone_name,
    whole_seconds,
)
from player.wire.yamlconfig import ConfigError, ConfigIssue, located_tree, read_config_text

DEFAULT_PATH = Path("/etc/videotron/central.yaml")
MAX_BYTES = 256 * 1024  # a central.yaml is a page of settings, never megabytes
MAX_DEPTH = 8  # sections of settings: two levels are used
DEFAULT_DATABASE = "sqlite:////var/lib/videotron-central/central.sqlite3"
DEFAULT_CLIENT_ID = "videotron-collector"
DEFAULT_UPLOAD_LIMIT = 1_000_000_000  # 1 GB: a few minutes of 1080p H.264 at a screen's bit rate
DEFAULT_HEALTH_KEPT = 30 * 86400  # seconds: a month of minute samples, ~43,000 rows a screen
DEFAULT_FEEDS_EVERY = 900  # 15 minutes: a news ticker stays fresh; a feed server is not pestered
DAY = 86400
MIN_PLAYS_KEPT = 396 * DAY  # 13 months of 30.5 days: what a partner may ask about
DEFAULT_PLAYS_KEPT = 400 * DAY
DEFAULT_DAILY_SUMS_KEPT = 3660 * DAY  # ten years
DEFAULT_SESSION_EXPIRY = 7 * 86400  # seconds the broker keeps the collector's queue
MAX_SESSION_EXPIRY = 0xFFFFFFFF  # MQTT 5's largest session expiry interval
_TOPIC_PREFIX = r"[^#+\s/][^#+\s]*"
_CLIENT_ID = r"[A-Za-z0-9._-]{1,64}"
_CLIENT_ID_DOC = "1 to 64 letters, digits, '.', '_' or '-'"


class CentralConfigError(ConfigError, ValueError):
    """A central.yaml that cannot be used; `issues` names the file, line and key of each problem."""


@dataclass(frozen=True)
class MqttSettings:
    url: str | None = None
    username: str | None = None
    password: Secret | None = None  # reveal() where the broker login is made
    ca_bundle: Path | None = None
    topic_prefix: str = "videotron"


@dataclass(frozen=True)
class CollectorSettings:
    """`videotron collect`: where it keeps what the screens report, and its MQTT session."""

    # SQLAlchemy URL: sqlite:///FILE or postgresql://USER:PASSWORD@…, so a Secret: reveal() it
    # where the engine is made.
    database: Secret = field(default_factory=lambda: Secret(DEFAULT_DATABASE))
    client_id: str = DEFAULT_CLIENT_ID  # fixed, so the broker keeps one session for it
    session_expiry: int = DEFAULT_SESSION_EXPIRY  # seconds; must outlast a restart
    screenshots_kept: int = 5  # latest screenshots kept per screen
    share_group: str | None = None  # several collectors: MQTT shared subscription group
    health_kept: int = DEFAULT_HEALTH_KEPT  # seconds the screens' health history is kept
    # Retention, in seconds: each play (proof of play, alerts shown) at least 13 months as
    # partners' contracts ask; the daily sums longer, for year-on-year answers.
    plays_kept: int = DEFAULT_PLAYS_KEPT
    daily_sums_kept: int = DEFAULT_DAILY_SUMS_KEPT


@dataclass(frozen=True)
class CampaignSettings:
    """Campaigns' exports: the screens' venue type (OpenOOH), for all and per group."""

    venue_type: int = ROADSIDE_BILLBOARD
    venue_types: Mapping[str, int] = field(default_factory=dict)  # group: OpenOOH id


@dataclass(frozen=True)
class PublishSettings:
    """The publisher's key and each group's published folder (its latest manifest.json)."""

    key: Path | None = None
    groups: Mapping[str, Path] = field(default_factory=dict)


@dataclass(frozen=True)
class ConsoleSettings:
    """`videotron console`: where it listens, the office's time zone, cookies behind TLS."""

    listen: str = "127.0.0.1"  # behind nginx; never on every address by default
    port: int = 8080
    timezone: str = "Asia/Jakarta"
    secure_cookies: str = "auto"  # auto: Secure when the request came over https; always
    trusted_proxies: str = "127.0.0.1"  # whose X-Forwarded-Proto/-For is believed
    library: Path | None = None  # uploaded media (content workflow); None: no uploads
    upload_limit: int = DEFAULT_UPLOAD_LIMIT  # bytes per uploaded file
    # The ticker feeds the office reads (fetched, filtered, headlines approved in the console);
    # a group's playlist may put any of them on its ticker.
    feeds: tuple[office_feeds.OfficeFeed, ...] = ()
    feeds_every: int = DEFAULT_FEEDS_EVERY  # seconds between the console's fetches of them


@dataclass(frozen=True)
class CentralConfig:
    path: Path
    mqtt: MqttSettings
    collector: CollectorSettings = CollectorSettings()
    publish: PublishSettings = PublishSettings()
    cap: CapSettings = field(default_factory=CapSettings)
    console: ConsoleSettings = ConsoleSettings()
    weather: WeatherSettings = field(default_factory=WeatherSettings)
    notifications: NotificationSettings = field(default_factory=NotificationSettings)
    campaigns: CampaignSettings = CampaignSettings()

    @property
    def groups(self) -> list[str]:
        """The office's screen groups, from its own configuration only (what it publishes
        for and where cap-watch places a group), never from what a screen reports."""
        return sorted({*self.publish.groups, *self.cap.groups})


# --- value types ---------------------------------------------------------------------------


def broker_url(v: Located, ctx: Context) -> str:
    url = scalar_text(v, "an mqtt:// URL").strip()
    try:
        parse_broker_url(url)
    except ValueError as exc:
        raise Invalid(str(exc).removeprefix("mqtt.url ")) from None
    return url


def database_url(v: Located, ctx: Context) -> Secret:
    """sqlite:///FILE (relative to central.yaml, not the cwd) or postgresql://…; a Secret."""
    url = scalar_text(v, "a database URL").strip()
    scheme = url.split(":", 1)[0].split("+", 1)[0]
    if scheme not in ("sqlite", "postgresql", "postgres") or "://" not in url:
        shown_url = url if scheme == "sqlite" or "@" not in url else f"{scheme}://…"
        raise Invalid(f"{shown_url!r}: use sqlite:////ABSOLUTE/FILE or "
                      "postgresql://USER:PASSWORD@HOST/DATABASE")  # fmt: skip
    if scheme == "sqlite":
        file = url.split("://", 1)[1].removeprefix("/")
        if file and not file.startswith("/") and file != ":memory:":
            return Secret(f"sqlite:///{resolve_path(file, ctx)}")
    return Secret(url)


def publish_groups(v: Located, ctx: Context) -> dict[str, Path]:
    """`GROUP: FOLDER` per published group; folders relative to central.yaml."""
    if not isinstance(v.value, dict):
        raise Invalid(f"expected a mapping of group: folder, got {shown(v)}")
    groups, errors = {}, []
    for name, folder in v.value.items():
        if not name or any(ch in name for ch in "+#/ "):
            message = f"group {name!r} must be one topic level without '+', '#', '/' or spaces"
            errors.append(Invalid(message, folder.key_position()))
            continue
        try:
            groups[name] = file_path(folder, ctx)
        except Invalid as exc:
            errors.append(Invalid.joined([exc], name))
    if errors:
        raise Invalid.joined(errors)
    return groups


def venue_type(v: Located, ctx: Context) -> int:
    """An OpenOOH venue type id of `central.campaigns.venues.VENUE_TYPES`."""
    number = integer(1, 99999)(v, ctx)
    if number not in VENUE_TYPES:
        known = ", ".join(f"{k} ({name})" for k, name in sorted(VENUE_TYPES.items()))
        raise Invalid(
            f"{number} is not an OpenOOH venue type this office knows; use one of {known}"
        )
    return number


def venue_types(v: Located, ctx: Context) -> dict[str, int]:
    """`GROUP: ID` per group whose screens stand in another venue than `venue_type`."""
    if not isinstance(v.value, dict):
        raise Invalid(f"expected a mapping of group: OpenOOH venue type id, got {shown(v)}")
    found, errors = {}, []
    for name, value in v.value.items():
        try:
            found[name] = venue_type(value, ctx)
        except Invalid as exc:
            errors.append(Invalid.joined([exc], name))
    if errors:
        raise Invalid.joined(errors)
    return found


def _unlocated(v: Located) -> object:
    if isinstance(v.value, dict):
        return {key: _unlocated(value) for key, value in v.value.items()}
    if isinstance(v.value, list):
        return [_unlocated(value) for value in v.value]
    return v.value


def feed_list(v: Located, ctx: Context) -> tuple[office_feeds.OfficeFeed, ...]:
    """`- url: https://…` entries with optional rules and auto_approve, as a playlist YAML's
    `ticker: feeds:` has them (central/feeds.py office_feed)."""
    if not isinstance(v.value, list):
        raise Invalid(f"expected a list of feeds (- url: https://…), got {shown(v)}")
    found, errors = [], []
    for entry in v.value:
        plain = _unlocated(entry)
        if isinstance(plain, str):
            plain = {"url": plain}
        if not isinstance(plain, dict):
            errors.append(Invalid("must be a URL or {url, rules, auto_approve}", entry))
            continue
        try:
            found.append(office_feeds.office_feed(plain))
        except office_feeds.FeedError as exc:
            errors.append(Invalid(str(exc), entry))
    if errors:
        raise Invalid.joined(errors)
    urls = [feed.url for feed in found]
    if len(urls) != len(set(urls)):
        raise Invalid("a feed is listed twice")
    return tuple(found)


# --- the declarations ----------------------------------------------------------------------

SETTINGS: tuple[Setting, ...] = (
    Setting("mqtt.url", broker_url, None, "the broker: mqtt://host:1883 or mqtts://host:8883",
            nullable=True),
    Setting("mqtt.username", text(), None, "broker login name", nullable=True),
    Setting("mqtt.password", secret_text, None, "broker password", nullable=True, secret=True),
    Setting("mqtt.ca_bundle", file_path, None, "PEM file of CA certificates for mqtts://",
            nullable=True),
    Setting("mqtt.topic_prefix", text(_TOPIC_PREFIX, "topic levels without '#', '+' or spaces"),
            "videotron", "first level of every MQTT topic"),
    Setting("collector.database", database_url, Secret(DEFAULT_DATABASE),
            "sqlite:////ABSOLUTE/FILE or postgresql://USER:PASSWORD@HOST/DATABASE", secret=True),
    Setting("collector.client_id", text(_CLIENT_ID, _CLIENT_ID_DOC), DEFAULT_CLIENT_ID,
            "the collector's fixed MQTT client id"),
    Setting("collector.session_expiry", whole_seconds(60, MAX_SESSION_EXPIRY),
            DEFAULT_SESSION_EXPIRY, "how long the broker keeps the collector's queue: 12h, 7d"),
    Setting("collector.screenshots_kept", integer(1, 1000), 5, "latest screenshots per screen"),
    Setting("collector.plays_kept", whole_seconds(MIN_PLAYS_KEPT, 36600 * DAY), DEFAULT_PLAYS_KEPT,
            "how long each play and alert shown is kept, at least 396d (13 months): 400d"),
    Setting("collector.daily_sums_kept", whole_seconds(MIN_PLAYS_KEPT, 36600 * DAY),
            DEFAULT_DAILY_SUMS_KEPT, "how long the plays summed per day are kept: 3660d"),
    Setting("campaigns.venue_type", venue_type, ROADSIDE_BILLBOARD,
            "the screens' OpenOOH venue type id in campaign exports (30101: roadside billboard)"),
    Setting("campaigns.venue_types", venue_types, {},
            "per group, another OpenOOH venue type id"),
    Setting("collector.share_group", text(_CLIENT_ID, f"{_CLIENT_ID_DOC} (one MQTT topic level)"),
            None, "several collectors: their MQTT shared subscription group", nullable=True),
    Setting("collector.health_kept", whole_seconds(86400, 10 * 365 * 86400), DEFAULT_HEALTH_KEPT,
            "how long the screens' health history is kept: 30d, 90d"),
    Setting("publish.key", file_path, None, "the publisher's private key file", nullable=True),
    Setting("publish.groups", publish_groups, {}, "each group's published folder"),
    *CAP_SETTINGS,
    *WEATHER_SETTINGS,
    *NOTIFICATION_SETTINGS,
    Setting("console.listen", text(), "127.0.0.1", "address the console listens on"),
    Setting("console.port", integer(1, 65535), 8080, "port the console listens on"),
    Setting("console.timezone", timezone_name, "Asia/Jakarta", "the office's time zone"),
    Setting("console.secure_cookies", choice(("auto", "always")), "auto",
            "auto: Secure cookies when the request came over https; always"),
    Setting("console.trusted_proxies", text(), "127.0.0.1",
            "whose X-Forwarded-Proto/-For is believed"),
    Setting("console.library", directory, None,
            "folder for media uploaded in the console (the content workflow)", nullable=True),
    Setting("console.upload_limit", byte_size(1024**2, 64 * 1024**3), DEFAULT_UPLOAD_LIMIT,
            "largest file the library accepts: 500MB, 2GB"),
    Setting("console.feeds", feed_list, (),
            "ticker feeds the office reads; approvers vet their headlines in the console"),
    Setting("console.feeds_every", whole_seconds(1, 86400), DEFAULT_FEEDS_EVERY,
            "how often the console fetches the feeds, one fetch at a time: 15m, 1h"),
)  # fmt: skip

_PLAYER_CONFIG = "this looks like a player's config: the office side reads central.yaml"
TABLE = SettingsTable(
    SETTINGS,
    top_level=(
        "mqtt",
        "collector",
        "publish",
        "cap",
        "console",
        "weather",
        "notifications",
        "campaigns",
    ),
    file_shape="a mapping of sections such as 'mqtt:' and 'collector:'",
    foreign=MappingProxyType(
        dict.fromkeys(("player", "source", "display", "cache", "operating_hours"), _PLAYER_CONFIG)
    ),
)


def _section(values: Mapping[str, Any], name: str) -> dict[str, Any]:
    return {p.split(".", 1)[1]: v for p, v in values.items() if p.split(".", 1)[0] == name}


def load_central_config(path: Path) -> CentralConfig:
    """Read and check `path`; CentralConfigError lists every problem with file, line and key."""
    path = Path(path)
    try:
        text_ = read_config_text(path, MAX_BYTES, "central", "not found")
        tree, issues = located_tree(text_, path, MAX_DEPTH, "central")
    except ConfigError as exc:
        raise CentralConfigError(exc.issues) from None
    if tree is None:
        return CentralConfig(path, MqttSettings())
    checked = check_tree(tree, TABLE, file_context(path), path)
    issues += checked.issues
    if issues:
        raise CentralConfigError(sorted(issues, key=lambda i: (i.line, i.col)))
    values = checked.values
    database = values.get("collector.database")  # CAP audit records go where the collector's go
    return CentralConfig(
        path,
        MqttSettings(**_section(values, "mqtt")),
        CollectorSettings(**_section(values, "collector")),
        PublishSettings(**_section(values, "publish")),
        cap_settings(values, database),
        ConsoleSettings(**_section(values, "console")),
        weather_settings(values),
        notification_settings(values),
        CampaignSettings(**_section(values, "campaigns")),
    )


__all__ = ["CentralConfig", "CentralConfigError", "ConfigIssue", "load_central_config"]
