"""The `cap:` section of central.yaml: CAP sources, polling, and each screen group's place."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from player.wire.located import Context, Invalid, Located, shown
from player.wire.secret import Secret
from player.wire.settings import (
    Setting,
    boolean,
    did_you_mean,
    file_path,
    integer,
    resolve_path,
    scalar_text,
    whole_seconds,
)

_GROUP_KEYS = ("location", "area", "names", "exercises")
_SOURCE_KINDS = ("url", "folder")
MAX_POLL = 86400


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
    audit_database: Secret | None = None  # the collector's, when central.yaml names one


# --- value types ---------------------------------------------------------------------------


def _lat_lon(v: Located) -> tuple[float, float]:
    text = scalar_text(v, "'latitude,longitude'")
    try:
        lat, lon = (float(part) for part in text.split(","))
    except ValueError:
        lat = lon = 999.0
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise Invalid(f"expected 'latitude,longitude' such as '-6.595,106.816', got {text!r}", v)
    return lat, lon


def _items(v: Located) -> list[Located]:
    if not isinstance(v.value, list):
        raise Invalid(f"expected a list, got {shown(v)}", v)
    return v.value


def _source(v: Located, ctx: Context) -> CapSource:
    entries = v.value if isinstance(v.value, dict) else {}
    if len(entries) != 1 or next(iter(entries)) not in _SOURCE_KINDS:
        raise Invalid("one of 'url: https://…' or 'folder: /path'", v)
    kind, value = next(iter(entries.items()))
    text = scalar_text(value, "a URL or folder").strip()
    if kind == "folder":
        return CapSource(folder=resolve_path(text, ctx))
    if not text.startswith(("http://", "https://")):
        raise Invalid(f"expected http:// or https://, got {text!r}", value, "url")
    return CapSource(url=text)


def sources(v: Located, ctx: Context) -> tuple[CapSource, ...]:
    """`- url: https://…` or `- folder: /path`, one per source."""
    found, errors = [], []
    for index, item in enumerate(_items(v)):
        try:
            found.append(_source(item, ctx))
        except Invalid as exc:
            errors.append(Invalid.joined([exc], f"[{index}]"))
    if errors:
        raise Invalid.joined(errors)
    return tuple(found)


def _place_value(key: str, v: Located, ctx: Context) -> tuple[str, Any]:
    if key == "location":
        return "point", _lat_lon(v)
    if key == "area":
        ring = [_lat_lon(p) for p in _items(v)]
        if len(ring) < 3:
            raise Invalid("at least 3 'latitude,longitude' points", v)
        return "area", (*ring, ring[0]) if ring[0] != ring[-1] else tuple(ring)
    if key == "names":
        return "names", tuple(scalar_text(n, "a name").strip() for n in _items(v))
    try:
        return "exercises", boolean(v, ctx)
    except Invalid:
        raise Invalid(f"true or false, got {shown(v)}", v) from None


def _place(v: Located, ctx: Context) -> GroupPlace:
    if not isinstance(v.value, dict):
        raise Invalid(f"expected location, area, names or exercises below it, got {shown(v)}", v)
    values: dict[str, Any] = {}
    errors = []
    for key, loc in v.value.items():
        if key not in _GROUP_KEYS:
            close = did_you_mean(key, _GROUP_KEYS)
            tip = f"did you mean {close}?" if close else f"valid keys: {', '.join(_GROUP_KEYS)}"
            errors.append(Invalid(f"unknown key {key!r}; {tip}", loc.key_position(), key))
            continue
        try:
            field_name, value = _place_value(key, loc, ctx)
            values[field_name] = value
        except Invalid as exc:
            errors.append(Invalid.joined([exc], key))
    if errors:
        raise Invalid.joined(errors)
    place = GroupPlace(**values)
    if place.point is None and not place.area and not place.names:
        raise Invalid("give a location, an area or names, or no warning can ever reach this group")
    return place


def groups(v: Located, ctx: Context) -> dict[str, GroupPlace]:
    """Each screen group's place: `GROUP: {location, area, names, exercises}`."""
    if not isinstance(v.value, dict):
        raise Invalid(f"expected a mapping of group: place, got {shown(v)}")
    found, errors = {}, []
    for name, loc in v.value.items():
        if not name or any(ch in name for ch in "+#/ "):
            errors.append(Invalid(f"{name!r} is not a group name", loc.key_position()))
            continue
        try:
            found[name] = _place(loc, ctx)
        except Invalid as exc:
            located = [Invalid(message, at or loc, sub) for message, at, sub in exc.items]
            errors.append(Invalid.joined(located, name))
    if errors:
        raise Invalid.joined(errors)
    return found


# --- the declarations ----------------------------------------------------------------------

CAP_SETTINGS: tuple[Setting, ...] = (
    Setting("cap.sources", sources, (), "CAP feeds or folders to poll: - url: … or - folder: …"),
    Setting("cap.poll_interval", whole_seconds(1, MAX_POLL), 60,
            "seconds between polls of one source: 60, 5m"),
    # Below the service's WatchdogSec (90 s), so a stalled fetch ends before it.
    Setting("cap.deadline", whole_seconds(1, 60), 20, "seconds one whole HTTP answer may take"),
    Setting("cap.max_bytes", integer(4096, 64 * 1024 * 1024), 1024 * 1024,
            "bytes one CAP file or index may have"),
    Setting("cap.lifetime", whole_seconds(60, 31 * 86400), 6 * 3600,
            "how long a warning without `expires` stays on screen: 6h"),
    Setting("cap.status_file", file_path, CapSettings.status_file,
            "the status file `videotron cap-watch --status` reads"),
    Setting("cap.state_file", file_path, CapSettings.state_file,
            "what the watcher has sent, kept across restarts"),
    Setting("cap.groups", groups, {}, "each screen group's place: location, area or names"),
)  # fmt: skip


def cap_settings(values: Mapping[str, Any], audit_database: Secret | None) -> CapSettings:
    """CapSettings from the checked `cap.*` values of central.yaml."""
    given = {p.removeprefix("cap."): v for p, v in values.items() if p.startswith("cap.")}
    return CapSettings(**given, audit_database=audit_database)
