"""Each group's latest publish, read from its published folder and checked as a screen checks it.

The manifest is read from the group's folder (central.yaml's `publish.groups`), parsed by
the wire format and its signature verified with the publisher's public key. The console's
content and fleet pages and `videotron report fleet` all read "latest publish" here.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Mapping
from pathlib import Path

from central.config import CentralConfig
from player.schedule.index import item_duration
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
    """Group → sequence of its latest good publish (for `central.db.fleet.fleet_summary`)."""
    return {p["group"]: p["sequence"] for p in publishes if p["ok"]}


def publishes(config: CentralConfig) -> tuple[list[dict], str | None]:
    """Every group's latest publish, and the key problem when signatures cannot be checked."""
    try:
        public_key = publisher_public_key(config.publish.key)
        problem = None
    except KeyFileError as exc:
        public_key, problem = None, str(exc)
    return group_publishes(config.publish.groups, public_key), problem


def latest_good_sequences(config: CentralConfig) -> dict[str, int]:
    """Each group's latest good publish sequence, its signature checked as a screen checks it:
    what the console's fleet and `videotron report fleet` call "latest"."""
    groups, _problem = publishes(config)
    return latest_sequences(groups)
