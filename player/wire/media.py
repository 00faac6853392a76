"""The manifest's media list parsed, and the local data (the weather) that points into it."""

from __future__ import annotations

from player.wire import fields
from player.wire.checks import Checks
from player.wire.fields import parse_datetime
from player.wire.manifest import (
    DATA_TYPE,
    MAX_MEDIA,
    MAX_MEDIA_SIDE,
    MAX_MEDIA_SIZE,
    MEDIA_TYPES,
    DataRef,
    LocalInfo,
    ManifestError,
    ManifestProblems,
    Media,
)


def _media_entry(key: str, value: object) -> Media:
    if not fields.SHA256_HEX.fullmatch(key):
        raise ManifestError(
            f"key {fields.show(key)} is not a sha256 (64 lowercase hex chars)", "media"
        )
    path = f"media.{key}"
    entry = fields.obj(value, path)
    found: list[ManifestError] = []
    optional = {}
    for name in ("width", "height"):
        if entry.get(name) is not None:
            optional[name] = fields.noted(
                found, fields.integer, entry[name], f"{path}.{name}", 1, MAX_MEDIA_SIDE
            )
    if entry.get("duration") is not None:  # a video's length: an item's play time
        optional["duration"] = fields.noted(
            found, fields.duration, entry["duration"], f"{path}.duration"
        )
    if entry.get("codec") is not None:
        optional["codec"] = fields.noted(found, fields.string, entry["codec"], f"{path}.codec")
    size = fields.noted(found, fields.integer, entry.get("size"), f"{path}.size", 1, MAX_MEDIA_SIZE)
    kind = fields.noted(
        found, fields.choice, entry.get("type"), f"{path}.type", (*MEDIA_TYPES, DATA_TYPE)
    )
    url = fields.noted(found, fields.media_url, entry.get("url", f"media/{key}"), f"{path}.url")
    if found:
        raise ManifestProblems(found)
    return Media(sha256=key, size=size, type=kind, url=url, **optional)


def media_from_raw(raw: object, checks: Checks) -> dict[str, Media]:
    raw = fields.obj(raw, "media")
    if len(raw) > MAX_MEDIA:
        raise ManifestError(f"may hold at most {MAX_MEDIA} entries, got {len(raw)}", "media")
    result = {}
    for key, value in raw.items():
        try:
            result[key] = _media_entry(key, value)
        except ManifestError as exc:
            checks.refuse(exc)
    return result


def localinfo_from_raw(raw: object, media: dict[str, Media]) -> LocalInfo:
    raw = fields.obj(raw, "localinfo")
    weather = None
    if raw.get("weather") is not None:
        entry = fields.obj(raw["weather"], "localinfo.weather")
        sha = entry.get("sha256")
        if not isinstance(sha, str) or sha not in media or media[sha].type != DATA_TYPE:
            raise ManifestError(
                f"{fields.show(sha)} is not a data entry of media", "localinfo.weather.sha256"
            )
        fetched_at = parse_datetime(entry.get("fetched_at"), "localinfo.weather.fetched_at")
        if fetched_at.tzinfo is None:
            raise ManifestError("must carry a UTC offset", "localinfo.weather.fetched_at")
        weather = DataRef(sha, fetched_at)
    return LocalInfo(weather=weather)
