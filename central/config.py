"""The office side's settings, `central.yaml`: where the broker is and how to log in."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from player.wire.broker import parse_broker_url
from player.wire.smallfile import NotReadable, read_small_file, yaml_too_deep

DEFAULT_PATH = Path("/etc/videotron/central.yaml")
MAX_BYTES = 256 * 1024  # a central.yaml is a page of settings, never megabytes
MAX_DEPTH = 8  # sections of settings: two levels are used
_TOPIC_PREFIX = re.compile(r"^[^#+\s/][^#+\s]*$")
_SECTIONS = {"mqtt": ("url", "username", "password", "ca_bundle", "topic_prefix")}
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
class CentralConfig:
    path: Path
    mqtt: MqttSettings


def _where(path: Path, node: yaml.Node) -> str:
    return f"{path}:{node.start_mark.line + 1}:{node.start_mark.column + 1}"


def _suggest(name: str, known: tuple[str, ...] | set[str]) -> str:
    close = difflib.get_close_matches(name, sorted(known), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _text(path: Path, key: str, node: yaml.Node) -> str:
    if not isinstance(node, yaml.ScalarNode) or node.tag != "tag:yaml.org,2002:str":
        raise CentralConfigError(f"{_where(path, node)}: {key}: must be text")
    return node.value


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
        for name_node, value_node in section_node.value:
            name = name_node.value
            if name not in _SECTIONS[section]:
                raise CentralConfigError(
                    f"{_where(path, name_node)}: unknown key {section}.{name}"
                    f"{_suggest(name, _SECTIONS[section])}"
                )
            values[section][name] = _text(path, f"{section}.{name}", value_node)
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
    return CentralConfig(
        path,
        MqttSettings(
            url=mqtt.get("url"),
            username=mqtt.get("username"),
            password=mqtt.get("password"),
            ca_bundle=(path.parent / ca) if ca else None,
            topic_prefix=mqtt.get("topic_prefix", "videotron"),
        ),
    )
