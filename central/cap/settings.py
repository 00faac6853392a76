"""The `cap:` section of central.yaml: CAP sources, polling, and each screen group's place."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from player.wire.units import parse_duration

_KEYS = (
    "sources",
    "poll_interval",
    "deadline",
    "max_bytes",
    "lifetime",
    "status_file",
    "state_file",
    "groups",
)
_GROUP_KEYS = ("location", "area", "names", "exercises")
_SOURCE_KINDS = ("url", "folder")
MAX_POLL = 86400


class CapSettingsError(ValueError):
    """A `cap:` setting that cannot be used; the message names file, line and key."""


@dataclass(frozen=True)
class GroupPlace:
    """Where a screen group stands: a point, an area, names of its regions; exercises wanted."""

    point: tuple[float, float] | None = None  # (lat, lon)
    area: tuple[tuple[float, float], ...] = ()  # (lat, lon) ring
    names: tuple[str, ...] = ()  # matched against areaDesc and geocode values
    exercises: bool = False  # Exercise and Test messages reach this group too


@dataclass(frozen=True)
class CapSource:
    url: str | None = None
    folder: Path | None = None

    @property
    def name(self) -> str:
        return self.url or str(self.folder)


@dataclass(frozen=True)
class CapSettings:
    sources: tuple[CapSource, ...] = ()
    poll_interval: int = 60  # seconds between polls of one source
    deadline: int = 20  # seconds one whole HTTP answer may take
    max_bytes: int = 1024 * 1024  # one CAP file or index; BMKG's are a few KiB
    lifetime: int = 6 * 3600  # on screen this long when a warning has no `expires`
    status_file: Path = Path("/run/videotron-cap/status.json")
    state_file: Path = Path("/var/lib/videotron-central/cap-state.json")
    groups: Mapping[str, GroupPlace] = field(default_factory=dict)
    audit_database: str | None = None  # the collector's database, when central.yaml names one


def _where(path: Path, node: yaml.Node) -> str:
    return f"{path}:{node.start_mark.line + 1}:{node.start_mark.column + 1}"


def _fail(path: Path, node: yaml.Node, message: str) -> CapSettingsError:
    return CapSettingsError(f"{_where(path, node)}: {message}")


def _scalar(path: Path, key: str, node: yaml.Node) -> str:
    if not isinstance(node, yaml.ScalarNode) or node.tag not in (
        "tag:yaml.org,2002:str",
        "tag:yaml.org,2002:int",
        "tag:yaml.org,2002:float",
        "tag:yaml.org,2002:bool",
    ):
        raise _fail(path, node, f"{key}: must be a single value")
    return node.value


def _seconds(path: Path, key: str, node: yaml.Node, low: int, high: int) -> int:
    try:
        value = round(parse_duration(_scalar(path, key, node)))
    except ValueError:
        value = -1
    if not low <= value <= high:
        raise _fail(
            path, node, f"{key}: expected a duration from {low} s to {high} s such as 60, 5m "
            f"or 6h, got {node.value!r}"
        )  # fmt: skip
    return value


def _lat_lon(path: Path, key: str, node: yaml.Node) -> tuple[float, float]:
    text = _scalar(path, key, node)
    try:
        lat, lon = (float(part) for part in text.split(","))
    except ValueError:
        lat = lon = 999.0
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise _fail(
            path, node, f"{key}: expected 'latitude,longitude' such as '-6.595,106.816', "
            f"got {text!r}"
        )  # fmt: skip
    return lat, lon


def _list(path: Path, key: str, node: yaml.Node) -> list[yaml.Node]:
    if not isinstance(node, yaml.SequenceNode):
        raise _fail(path, node, f"{key}: must be a list")
    return node.value


def _mapping(path: Path, key: str, node: yaml.Node) -> list[tuple[yaml.Node, yaml.Node]]:
    if not isinstance(node, yaml.MappingNode):
        raise _fail(path, node, f"{key}: must be a mapping")
    return node.value


def _unknown(path: Path, node: yaml.Node, key: str, known: tuple[str, ...]) -> CapSettingsError:
    import difflib

    close = difflib.get_close_matches(node.value, known, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else f"; known: {', '.join(known)}"
    return _fail(path, node, f"unknown key {key}{hint}")


def _source(path: Path, index: int, node: yaml.Node) -> CapSource:
    key = f"cap.sources[{index}]"
    entries = _mapping(path, key, node)
    if len(entries) != 1 or entries[0][0].value not in _SOURCE_KINDS:
        raise _fail(path, node, f"{key}: one of 'url: https://…' or 'folder: /path'")
    kind_node, value_node = entries[0]
    value = _scalar(path, f"{key}.{kind_node.value}", value_node).strip()
    if kind_node.value == "folder":
        return CapSource(folder=path.parent / value)
    if not value.startswith(("http://", "https://")):
        raise _fail(path, value_node, f"{key}.url: expected http:// or https://, got {value!r}")
    return CapSource(url=value)


def _group(path: Path, name: str, node: yaml.Node) -> GroupPlace:
    values: dict[str, object] = {}
    for key_node, value_node in _mapping(path, f"cap.groups.{name}", node):
        key = f"cap.groups.{name}.{key_node.value}"
        if key_node.value not in _GROUP_KEYS:
            raise _unknown(path, key_node, key, _GROUP_KEYS)
        if key_node.value == "location":
            values["point"] = _lat_lon(path, key, value_node)
        elif key_node.value == "area":
            ring = [_lat_lon(path, key, p) for p in _list(path, key, value_node)]
            if len(ring) < 3:
                raise _fail(path, value_node, f"{key}: at least 3 'latitude,longitude' points")
            values["area"] = (*ring, ring[0]) if ring[0] != ring[-1] else tuple(ring)
        elif key_node.value == "names":
            values["names"] = tuple(
                _scalar(path, key, n).strip() for n in _list(path, key, value_node)
            )
        else:
            if value_node.tag != "tag:yaml.org,2002:bool":
                raise _fail(path, value_node, f"{key}: true or false")
            values["exercises"] = value_node.value.lower() in ("true", "yes", "on")
    place = GroupPlace(**values)  # type: ignore[arg-type]
    if place.point is None and not place.area and not place.names:
        raise _fail(
            path, node, f"cap.groups.{name}: give a location, an area or names, or no "
            "warning can ever reach this group"
        )  # fmt: skip
    return place


def parse_cap_section(path: Path, node: yaml.Node, audit_database: str | None) -> CapSettings:
    """CapSettings from the `cap:` mapping node of central.yaml at `path`."""
    values: dict[str, object] = {"audit_database": audit_database}
    for key_node, value_node in _mapping(path, "cap", node):
        name = key_node.value
        key = f"cap.{name}"
        if name not in _KEYS:
            raise _unknown(path, key_node, key, _KEYS)
        if name == "sources":
            items = _list(path, key, value_node)
            values[name] = tuple(_source(path, i, item) for i, item in enumerate(items))
        elif name == "groups":
            groups = {}
            for group_node, place_node in _mapping(path, key, value_node):
                group = _scalar(path, "cap.groups key", group_node)
                if not group or any(ch in group for ch in "+#/ "):
                    raise _fail(path, group_node, f"cap.groups: {group!r} is not a group name")
                groups[group] = _group(path, group, place_node)
            values[name] = groups
        elif name == "poll_interval":
            values[name] = _seconds(path, key, value_node, 1, MAX_POLL)
        elif name == "deadline":
            # below the service's WatchdogSec (90 s), so a stalled fetch ends before it
            values[name] = _seconds(path, key, value_node, 1, 60)
        elif name == "lifetime":
            values[name] = _seconds(path, key, value_node, 60, 31 * 86400)
        elif name == "max_bytes":
            text = _scalar(path, key, value_node)
            if not text.isdigit() or not 4096 <= int(text) <= 64 * 1024 * 1024:
                raise _fail(path, value_node, f"{key}: bytes from 4096 to 67108864")
            values[name] = int(text)
        else:
            values[name] = path.parent / _scalar(path, key, value_node)
    return CapSettings(**values)  # type: ignore[arg-type]
