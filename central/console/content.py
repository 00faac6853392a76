"""Each group's latest publish as the console shows it, and its schedule for the next hours.

The manifest is read from the group's published folder (central.yaml's `publish.groups`)
and checked the way a screen checks it: parsed by the wire format, its signature verified
with the publisher's public key. The preview runs the screens' own scheduler.
"""

from __future__ import annotations

import base64
import datetime as dt
import logging
from collections.abc import Mapping
from pathlib import Path
from zoneinfo import ZoneInfo

from player.schedule.index import item_duration
from player.schedule.listing import merged
from player.schedule.plan import Scheduler, Slot
from player.wire.manifest import Manifest, ManifestError
from player.wire.parse import parse
from player.wire.signing import (
    KeyFileError,
    SignatureError,
    load_private_key,
    load_public_key,
    public_key_b64,
    verify,
)
from player.wire.smallfile import NotReadable, read_small_file

log = logging.getLogger(__name__)

MAX_MANIFEST_BYTES = 16 * 1024 * 1024  # as the players' sources accept
MAX_PREVIEW_HOURS = 7 * 24
# What a signature check found: checked and good, none published, does not match, no key.
VALID, UNSIGNED, BAD, NOT_CHECKED = "valid", "unsigned", "bad", "not checked"


def publisher_public_key(key_path: Path | None) -> str | None:
    """The publisher's public key (base64), or None when central.yaml names no `publish.key`.

    Read from `KEY.pub` beside the key file (written by `videotron keygen`), else derived
    from the private key. Raises KeyFileError (message fit to show) when neither is usable.
    """
    if key_path is None:
        return None
    public = key_path.with_name(key_path.name + ".pub")
    try:
        text = read_small_file(public, 4096, "a public key file").decode("utf-8")
    except FileNotFoundError:
        return public_key_b64(load_private_key(key_path))
    except (OSError, UnicodeDecodeError, NotReadable) as exc:
        raise KeyFileError(f"{public}: cannot read the public key ({exc})") from None
    try:
        return public_key_b64_of(text)
    except KeyFileError as exc:
        raise KeyFileError(f"{public}: {exc}") from None


def public_key_b64_of(text: str) -> str:
    """The base64 of a public key given as a `.pub` file's text or bare base64."""
    return base64.b64encode(bytes(load_public_key(text))).decode("ascii")


def read_publish(group: str, folder: Path, public_key: str | None) -> dict:
    """One group's latest publish in `folder` (its manifest.json, .sig and media/).

    Returns `{"group": str, "folder": str, "ok": bool, "problems": [str],
    "signature": "valid"|"unsigned"|"bad"|"not checked", "manifest": Manifest | None,
    "sequence": int | None, "published_at": aware datetime | None,
    "playlists": [{"name", "priority", "default", "items": int}],
    "items": [{"id", "kind", "playlist", "duration": float seconds (a video's own length
    when the item gives none), "media": sha256 | None, "media_type", "size": bytes | None,
    "present": bool (the media file is in the folder), "text": str | None}],
    "media_count": int, "media_bytes": int (each file counted once),
    "missing_media": int}`. `ok` is False, with `problems` saying what and what to do,
    when the manifest is missing or unreadable, invalid, of another group, unsigned
    or badly signed while a key is known; what could be read is still filled in.
    """
    manifest_path = folder / "manifest.json"
    entry: dict = {
        "group": group, "folder": str(folder), "ok": False, "problems": [],
        "signature": NOT_CHECKED, "manifest": None, "sequence": None, "published_at": None,
        "playlists": [], "items": [], "media_count": 0, "media_bytes": 0, "missing_media": 0,
    }  # fmt: skip
    problems = entry["problems"]
    try:
        data = read_small_file(manifest_path, MAX_MANIFEST_BYTES, "a manifest")
    except FileNotFoundError:
        problems.append(
            f"{manifest_path}: not found; publish the group with "
            f"`videotron publish PLAYLIST.yaml {folder} --key KEY` or fix publish.groups"
        )
        return entry
    except (OSError, NotReadable) as exc:
        problems.append(f"{manifest_path}: cannot read ({exc})")
        return entry
    entry["signature"] = _signature(manifest_path, data, public_key, problems)
    try:
        manifest = parse(data)
    except ManifestError as exc:
        problems.append(f"{manifest_path}: not a valid manifest: {exc}; publish it again")
        return entry
    if manifest.group != group:
        problems.append(
            f"{manifest_path}: published for group {manifest.group!r}, not {group!r}; "
            "check publish.groups in central.yaml"
        )
    _describe(entry, manifest, folder)
    entry["ok"] = not problems
    return entry


def _signature(path: Path, data: bytes, public_key: str | None, problems: list[str]) -> str:
    sig_path = path.with_name(path.name + ".sig")
    try:
        sig = read_small_file(sig_path, 4096, "a signature file")
    except FileNotFoundError:
        if public_key is not None:
            problems.append(
                f"{sig_path}: missing: the manifest is unsigned and screens with a public key "
                "refuse it; publish with --key"
            )
        return UNSIGNED
    except (OSError, NotReadable) as exc:
        problems.append(f"{sig_path}: cannot read ({exc})")
        return BAD
    if public_key is None:
        return NOT_CHECKED
    try:
        verify(data, sig, public_key)
    except SignatureError as exc:
        log.warning("%s: %s", path, exc)
        problems.append(
            f"{path}: {exc}; screens refuse this manifest and keep the last good one: "
            "publish again with the publisher key"
        )
        return BAD
    return VALID


def _describe(entry: dict, manifest: Manifest, folder: Path) -> None:
    entry.update(
        manifest=manifest,
        sequence=manifest.sequence,
        published_at=manifest.published_at,
        media_count=len(manifest.media),
        media_bytes=sum(m.size for m in manifest.media.values()),
    )
    present = {
        sha: (folder / "media" / sha).is_file()
        and (folder / "media" / sha).stat().st_size == media.size
        for sha, media in manifest.media.items()
    }
    entry["missing_media"] = sum(not ok for ok in present.values())
    for playlist in manifest.playlists:
        entry["playlists"].append(
            {
                "name": playlist.name,
                "priority": playlist.priority,
                "default": playlist.default,
                "items": len(playlist.items),
            }
        )
        for item in playlist.items:
            media = manifest.media.get(item.media) if item.media else None
            entry["items"].append(
                {
                    "id": item.id,
                    "kind": item.type,
                    "playlist": playlist.name,
                    "duration": round(item_duration(manifest, item), 1),
                    "media": item.media,
                    "media_type": media.type if media else None,
                    "size": media.size if media else None,
                    "present": present.get(item.media, True) if item.media else True,
                    "text": item.text,
                }
            )


def group_publishes(groups: Mapping[str, Path], public_key: str | None) -> list[dict]:
    """`read_publish` for every group of central.yaml's `publish.groups`, in name order."""
    return [read_publish(name, groups[name], public_key) for name in sorted(groups)]


def latest_sequences(publishes: list[dict]) -> dict[str, int]:
    """Group → sequence of its latest good publish (for `timeline.fleet_summary`)."""
    return {p["group"]: p["sequence"] for p in publishes if p["ok"]}


def schedule_preview(
    manifest: Manifest,
    *,
    now: dt.datetime,
    hours: float,
    tz: ZoneInfo,
    every_item: bool = False,
) -> dict:
    """What screens of the group will show from `now` for `hours`, by the players' scheduler.

    Runs as `videotron schedule --manifest M --at NOW --hours H` does for a screen in `tz`
    with the default config: the screen always on, playlists not aligned to the clock, no
    live alert. Returns `{"start": aware datetime, "until": aware datetime, "tz": str,
    "now": {"kind", "item", "playlist", "until": aware datetime} (what plays at `now`),
    "rows": [...]}`, a row per run of one loop (per play with `every_item`):
    `{"start", "end": aware datetime in tz, "seconds": float, "kind": "item"|"alert"|"off"|
    "idle", "playlist": str | None, "priority": int | None, "default": bool,
    "rules": Rules | None (the playlist's), "items": [item ids, first play order],
    "plays": int, "alert": {"id", "level"} | None}` — data, so the console words it in
    the reader's language. Raises ValueError for a naive `now` or hours out of range.
    """
    if now.tzinfo is None:
        raise ValueError("schedule_preview: now must be timezone-aware")
    if not 0 < hours <= MAX_PREVIEW_HOURS:
        raise ValueError(f"hours {hours:g} must be more than 0 and at most {MAX_PREVIEW_HOURS}")
    start = now.astimezone(tz)
    until = start + dt.timedelta(hours=hours)
    slots = list(
        merged(Scheduler(manifest, tz).upcoming(start, until, aligned=False, clock_trusted=True))
    )
    playlists = {p.name: p for p in manifest.playlists}
    first = slots[0] if slots else None
    return {
        "start": start,
        "until": until,
        "tz": tz.key,
        "now": {
            "kind": first.kind if first else "idle",
            "item": first.item.id if first and first.item else None,
            "playlist": first.playlist if first else None,
            "until": first.end if first else until,
        },
        "rows": [_preview_row(run, playlists, tz) for run in _runs(slots, every_item)],
    }


def _runs(slots: list[Slot], every_item: bool) -> list[list[Slot]]:
    """Consecutive slots of one loop (same kind, playlist and alert) together."""
    runs: list[list[Slot]] = []
    for slot in slots:
        key = (slot.kind, slot.playlist, slot.alert.id if slot.alert else None)
        last = runs[-1][-1] if runs else None
        if not every_item and last is not None and key == (
            last.kind, last.playlist, last.alert.id if last.alert else None
        ):  # fmt: skip
            runs[-1].append(slot)
        else:
            runs.append([slot])
    return runs


def _preview_row(run: list[Slot], playlists: Mapping, tz: ZoneInfo) -> dict:
    first, last = run[0], run[-1]
    playlist = playlists.get(first.playlist) if first.playlist else None
    return {
        "start": first.start.astimezone(tz),
        "end": last.end.astimezone(tz),
        "seconds": (last.end - first.start).total_seconds(),
        "kind": first.kind,
        "playlist": first.playlist,
        "priority": playlist.priority if playlist else None,
        "default": bool(playlist and playlist.default),
        "rules": playlist.rules if playlist else None,
        "items": list(dict.fromkeys(s.item.id for s in run if s.item is not None)),
        "plays": sum(s.item is not None for s in run),
        "alert": {"id": first.alert.id, "level": first.alert.level} if first.alert else None,
    }
