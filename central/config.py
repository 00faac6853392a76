"""The office side's settings, `central.yaml`: broker, collector database, publishing, CAP."""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from central.cap.settings import CapSettings, CapSettingsError, parse_cap_section
from player.wire.broker import parse_broker_url
from player.wire.smallfile import NotReadable, read_small_file, yaml_too_deep
from player.wire.units import parse_duration

DEFAULT_PATH = Path("/etc/videotron/central.yaml")
MAX_BYTES = 256 * 1024  # a central.yaml is a page of settings, never megabytes
MAX_DEPTH = 8  # sections of settings: two levels are used
DEFAULT_DATABASE = "sqlite:////var/lib/videotron-central/central.sqlite3"
DEFAULT_CLIENT_ID = "videotron-collector"
DEFAULT_SESSION_EXPIRY = 7 * 86400  # seconds the broker keeps the collector's queue
_TOPIC_PREFIX = re.compile(r"^[^#+\s/][^#+\s]*$")
_CLIENT_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_SECTIONS = {
    "mqtt": ("url", "username", "password", "ca_bundle", "topic_prefix"),
    "collector": ("database", "client_id", "session_expiry", "screenshots_kept", "share_group"),
    "publish": ("key", "groups"),
    "cap": (),  # checked by central.cap.settings
    "console": ("listen", "port", "timezone", "secure_cookies", "trusted_proxies"),
}
_PLAYER_SECTIONS = {"player", "source", "display", "cache", "operating_hours", "render"}


class CentralConfigError(ValueError):
    """A central.yaml that cannot be used; the message names the file, line and key."""


@dataclass(frozen=True)
class MqttSettings:
    url: str | None = None
    username: str | None = None
    password: str | None = None
    ca_bundle: Path | None = None
    topic_prefix: str = "videotron"


@dataclass(frozen=True)
class CollectorSettings:
    """`videotron collect`: where it keeps what the screens report, and its MQTT session."""

    database: str = DEFAULT_DATABASE  # SQLAlchemy URL: sqlite:///FILE or postgresql://…
    client_id: str = DEFAULT_CLIENT_ID  # fixed, so the broker keeps one session for it
    session_expiry: int = DEFAULT_SESSION_EXPIRY  # seconds; must outlast a restart
    screenshots_kept: int = 5  # latest screenshots kept per screen
    share_group: str | None = None  # several collectors: MQTT shared subscription group


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


@dataclass(frozen=True)
class CentralConfig:
    path: Path
    mqtt: MqttSettings
    collector: CollectorSettings = CollectorSettings()
    publish: PublishSettings = PublishSettings()
    cap: CapSettings = field(default_factory=CapSettings)
    console: ConsoleSettings = ConsoleSettings()


def _where(path: Path, node: yaml.Node) -> str:
    return f"{path}:{node.start_mark.line + 1}:{node.start_mark.column + 1}"


def _suggest(name: str, known: tuple[str, ...] | set[str]) -> str:
    close = difflib.get_close_matches(name, sorted(known), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _text(path: Path, key: str, node: yaml.Node) -> str:
    if not isinstance(node, yaml.ScalarNode) or node.tag != "tag:yaml.org,2002:str":
        raise CentralConfigError(f"{_where(path, node)}: {key}: must be text")
    return node.value


def _scalar(path: Path, key: str, node: yaml.Node) -> str:
    """Text or a number, as written (durations and counts may be either)."""
    if not isinstance(node, yaml.ScalarNode) or node.tag not in (
        "tag:yaml.org,2002:str",
        "tag:yaml.org,2002:int",
    ):
        raise CentralConfigError(f"{_where(path, node)}: {key}: must be a number or text")
    return node.value


def _seconds(path: Path, key: str, node: yaml.Node, low: int) -> int:
    try:
        value = round(parse_duration(_scalar(path, key, node)))
    except ValueError:
        value = -1
    if value < low:
        raise CentralConfigError(
            f"{_where(path, node)}: {key}: expected a duration of at least {low} s such as "
            f"3600, 12h or 7d, got {node.value!r}"
        )
    return value


def _count(path: Path, key: str, node: yaml.Node, low: int, high: int) -> int:
    text = _scalar(path, key, node)
    if not text.isdigit() or not low <= int(text) <= high:
        raise CentralConfigError(
            f"{_where(path, node)}: {key}: expected a whole number from {low} to {high}, "
            f"got {text!r}"
        )
    return int(text)


def _relative(path: Path, value: str) -> Path:
    return path.parent / value  # an absolute value stays as it is


def _database_url(path: Path, node: yaml.Node) -> str:
    url = _text(path, "collector.database", node).strip()
    scheme = url.split(":", 1)[0].split("+", 1)[0]
    if scheme not in ("sqlite", "postgresql", "postgres") or "://" not in url:
        raise CentralConfigError(
            f"{_where(path, node)}: collector.database {url!r}: use sqlite:////ABSOLUTE/FILE "
            "or postgresql://USER:PASSWORD@HOST/DATABASE"
        )
    if scheme == "sqlite":
        file = url.split("://", 1)[1].removeprefix("/")
        if file and not file.startswith("/") and file != ":memory:":
            return f"sqlite:///{_relative(path, file)}"  # relative to this file, not the cwd
    return url


def _groups(path: Path, node: yaml.Node) -> dict[str, Path]:
    if not isinstance(node, yaml.MappingNode):
        raise CentralConfigError(
            f"{_where(path, node)}: publish.groups: must be a mapping of group: folder"
        )
    groups = {}
    for name_node, folder_node in node.value:
        name = _text(path, "publish.groups key", name_node)
        if not name or any(ch in name for ch in "+#/ "):
            raise CentralConfigError(
                f"{_where(path, name_node)}: publish.groups: group {name!r} must be one topic "
                "level without '+', '#', '/' or spaces"
            )
        folder = _text(path, f"publish.groups.{name}", folder_node)
        groups[name] = _relative(path, folder)
    return groups


def load_central_config(path: Path) -> CentralConfig:
    """Read and check `path`; CentralConfigError says what is wrong and where."""
    try:
        data = read_small_file(
            path, MAX_BYTES, "the central config"
        )  # a FIFO or /dev/zero must not hang a command
    except FileNotFoundError:
        raise CentralConfigError(f"{path}: not found") from None
    except NotReadable as exc:
        raise CentralConfigError(f"{path}: {exc}") from None
    except OSError as exc:
        raise CentralConfigError(f"{path}: cannot read ({exc.strerror or exc})") from None
    try:
        text = data.decode("utf-8")
        deep = yaml_too_deep(text, MAX_DEPTH)
        if deep is not None:
            raise CentralConfigError(
                f"{path}:{deep.line + 1}:{deep.column + 1}: nested more than {MAX_DEPTH} "
                "levels deep; this is not a central config"
            )
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except (yaml.YAMLError, UnicodeDecodeError, RecursionError) as exc:
        raise CentralConfigError(f"{path}: not valid YAML ({exc})".replace("\n", " ")) from None
    values: dict[str, dict[str, str]] = {"mqtt": {}}
    collector: dict[str, object] = {}
    publish: dict[str, object] = {}
    cap_node: yaml.Node | None = None
    console: dict[str, object] = {}
    if root is None:
        return CentralConfig(path, MqttSettings())
    if not isinstance(root, yaml.MappingNode):
        raise CentralConfigError(f"{_where(path, root)}: the file must be a mapping of sections")
    for key_node, section_node in root.value:
        section = key_node.value
        if section not in _SECTIONS:
            hint = _suggest(section, set(_SECTIONS))
            if section in _PLAYER_SECTIONS:
                hint = "; this looks like a player's config: the office side reads central.yaml"
            raise CentralConfigError(f"{_where(path, key_node)}: unknown section {section!r}{hint}")
        if not isinstance(section_node, yaml.MappingNode):
            raise CentralConfigError(f"{_where(path, section_node)}: {section}: must be a mapping")
        if section == "cap":
            cap_node = section_node  # read last: it needs to know the collector's database
            continue
        for name_node, value_node in section_node.value:
            name = name_node.value
            if name not in _SECTIONS[section]:
                raise CentralConfigError(
                    f"{_where(path, name_node)}: unknown key {section}.{name}"
                    f"{_suggest(name, _SECTIONS[section])}"
                )
            key = f"{section}.{name}"
            if section == "collector":
                collector[name] = _collector_value(path, key, value_node)
                continue
            if section == "console":
                console[name] = _console_value(path, key, value_node)
                continue
            if section == "publish":
                if name == "groups":
                    publish["groups"] = _groups(path, value_node)
                else:
                    publish["key"] = _relative(path, _text(path, key, value_node))
                continue
            values[section][name] = _text(path, key, value_node)
            if section == "mqtt" and name == "url":
                try:
                    parse_broker_url(value_node.value)
                except ValueError as exc:
                    raise CentralConfigError(f"{_where(path, value_node)}: {exc}") from None
            if name == "topic_prefix" and not _TOPIC_PREFIX.match(value_node.value):
                raise CentralConfigError(
                    f"{_where(path, value_node)}: mqtt.topic_prefix: topic levels without "
                    "'#', '+' or spaces"
                )
    mqtt = values["mqtt"]
    ca = mqtt.get("ca_bundle")
    cap = CapSettings()
    if cap_node is not None:
        try:
            cap = parse_cap_section(path, cap_node, collector.get("database"))  # type: ignore[arg-type]
        except CapSettingsError as exc:
            raise CentralConfigError(str(exc)) from None
    return CentralConfig(
        path,
        MqttSettings(
            url=mqtt.get("url"),
            username=mqtt.get("username"),
            password=mqtt.get("password"),
            ca_bundle=(path.parent / ca) if ca else None,
            topic_prefix=mqtt.get("topic_prefix", "videotron"),
        ),
        CollectorSettings(**collector),
        PublishSettings(**publish),
        cap,
        ConsoleSettings(**console),
    )


def _console_value(path: Path, key: str, node: yaml.Node) -> object:
    name = key.split(".", 1)[1]
    if name == "port":
        return _count(path, key, node, 1, 65535)
    text = _text(path, key, node).strip()
    if name == "timezone":
        try:
            ZoneInfo(text)
        except (ZoneInfoNotFoundError, ValueError):
            raise CentralConfigError(
                f"{_where(path, node)}: {key}: unknown time zone {text!r}; use a name such as "
                "Asia/Jakarta, Asia/Makassar or Asia/Jayapura"
            ) from None
    if name == "secure_cookies" and text not in ("auto", "always"):
        raise CentralConfigError(
            f"{_where(path, node)}: {key}: 'auto' (Secure over https) or 'always', got {text!r}"
        )
    return text


def _collector_value(path: Path, key: str, node: yaml.Node) -> object:
    name = key.split(".", 1)[1]
    if name == "database":
        return _database_url(path, node)
    if name == "session_expiry":
        return _seconds(path, key, node, low=60)
    if name == "screenshots_kept":
        return _count(path, key, node, 1, 1000)
    client_id = _text(path, key, node)
    if name == "share_group" and not _CLIENT_ID.match(client_id):
        raise CentralConfigError(
            f"{_where(path, node)}: {key}: 1 to 64 letters, digits, '.', '_' or '-' "
            f"(one MQTT topic level), got {client_id!r}"
        )
    if not _CLIENT_ID.match(client_id):
        raise CentralConfigError(
            f"{_where(path, node)}: {key}: 1 to 64 letters, digits, '.', '_' or '-', "
            f"got {client_id!r}"
        )
    return client_id
