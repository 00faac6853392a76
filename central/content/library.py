"""The media library: accept an upload (probe, check, thumbnail, deduplicate), list, find uses."""

from __future__ import annotations

import datetime as dt
import io
import logging
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from PIL import Image
from sqlalchemy import Connection

from central import mediaprofile
from central.content.upload import Received, UploadError
from central.db import content as stored
from central.db.audit import record
from central.probe import MediaInfo, ProbeError, probe_media
from player.wire.atomicfile import replace_file

log = logging.getLogger(__name__)

THUMBNAIL = (320, 180)
MAX_TAGS = 512


@dataclass(frozen=True)
class Accepted:
    sha256: str
    new: bool  # False: the same bytes were already in the library (nothing added)
    warnings: tuple[str, ...] = ()


def media_path(folder: Path, sha256: str) -> Path:
    """Where a library file lives: content-addressed, as on the screens."""
    return folder / sha256


def _date(text: str, field: str) -> dt.datetime | None:
    text = (text or "").strip()
    if not text:
        return None
    try:
        return dt.datetime.combine(dt.date.fromisoformat(text), dt.time())  # naive: a day
    except ValueError:
        raise UploadError(f"{field} {text!r} is not a date (YYYY-MM-DD)") from None


def check_playable(info: MediaInfo) -> tuple[str, ...]:
    """Refuse what the screens cannot play (publish's default target, the weakest screen);
    return the warnings about what only some screens play."""
    if info.traits is None:
        return ()
    verdict = mediaprofile.check(info.traits, mediaprofile.DEFAULT_TARGET)
    if verdict.refuse:
        command = mediaprofile.ffmpeg_command("FILE", info.traits)
        raise UploadError(
            f"this video will not play smoothly on the screens ({mediaprofile.DEFAULT_TARGET}): "
            f"{'; '.join(verdict.refuse)}. Re-encode it, e.g.: {command}"
        )
    return verdict.warn


def _sync_data(path: Path) -> None:
    """fsync a file written elsewhere (its data and size), through a descriptor of its own."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def make_thumbnail(path: Path, info: MediaInfo) -> bytes:
    """A small JPEG: the image itself, or a video's first frame (its poster), the one the
    probe decoded (`probe_media(path, poster=True)`): no second open and decode."""
    if info.type == "video":
        if info.poster is None:
            raise ValueError("make_thumbnail needs probe_media(path, poster=True) for a video")
        picture = info.poster
    else:
        with Image.open(path) as image:
            image.draft("RGB", THUMBNAIL)  # JPEG: decode at a reduced size, cheaply
            picture = image.convert("RGB")
    picture.thumbnail(THUMBNAIL)
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


def accept(
    connection: Connection, folder: Path, received: Received, uploader: str, now: dt.datetime
) -> Accepted:
    """Keep a received file in the library, or raise UploadError saying why not.

    The temporary file is renamed to `folder/<sha256>` only when the file is fit and new;
    in every other case it is removed: a refused upload leaves nothing behind.
    """
    assert received.path is not None
    syncer = ThreadPoolExecutor(1, thread_name_prefix="library-fsync")
    try:
        valid_from = _date(received.fields.get("valid_from", ""), "show from")
        valid_until = _date(received.fields.get("valid_until", ""), "show until")
        if valid_from and valid_until and valid_until <= valid_from:
            raise UploadError("'show until' must be after 'show from'")
        if stored.media_by_sha(connection, received.sha256) is not None:
            return Accepted(received.sha256, new=False)
        # The fsync (little left: the upload wrote behind) beside the probe and the poster.
        syncing = syncer.submit(_sync_data, received.path)
        try:
            info = probe_media(received.path, poster=True)
        except ProbeError as exc:
            raise UploadError(f"{received.filename or 'the file'}: {exc}") from None
        warnings = check_playable(info)
        thumbnail = make_thumbnail(received.path, info)
        tags = " ".join(received.fields.get("tags", "").replace(",", " ").split())[:MAX_TAGS]
        entry = {
            "sha256": received.sha256, "name": received.filename or received.sha256[:12],
            "type": info.type, "codec": info.codec, "width": info.width, "height": info.height,
            "duration": info.duration, "size": received.size, "uploader": uploader,
            "uploaded_at": now, "tags": tags, "valid_from": valid_from,
            "valid_until": valid_until, "warnings": list(warnings),
        }  # fmt: skip
        stored.add_media(connection, entry, thumbnail)
        detail = {"name": entry["name"], "type": info.type, "size": received.size}
        record(connection, now, uploader, "media-uploaded", received.sha256, detail=detail)
        # Last, so a failure above (the database included) keeps nothing on disk; its data
        # on the disk first, so a power cut cannot leave a kept name with missing bytes.
        syncing.result()
        replace_file(received.path, media_path(folder, received.sha256), durable=True)
        log.info("library: %s uploaded %s (%s)", uploader, entry["name"], received.sha256[:12])
        return Accepted(received.sha256, new=True, warnings=warnings)
    finally:
        syncer.shutdown(wait=True)
        received.path.unlink(missing_ok=True)


def refused(connection: Connection, uploader: str, filename: str, reason: str,
            now: dt.datetime) -> None:  # fmt: skip
    """Audit a refused upload (the file itself is already gone)."""
    record(connection, now, uploader, "media-refused", filename[:200] or None,
           detail={"reason": reason[:500]})  # fmt: skip


def library_rows(connection: Connection) -> list[dict]:
    """Every library entry with where it is used: `uses` = ["GROUP (published)",
    "GROUP (#N pending)"]."""
    uses: dict[str, list[str]] = {}
    groups = {s["group"] for s in stored.recent_submissions(connection, limit=1000)}
    for group in sorted(groups):
        latest = stored.latest_approved(connection, group)
        for sha in {item["media"] for item in (latest or {}).get("items", [])}:
            uses.setdefault(sha, []).append(f"{group} ✓")
    for pending in stored.recent_submissions(connection, state=stored.PENDING):
        for sha in {item["media"] for item in pending["items"]}:
            uses.setdefault(sha, []).append(f"{pending['group']} #{pending['id']} …")
    rows = stored.all_media(connection)
    for row in rows:
        row["uses"] = uses.get(row["sha256"], [])
    return rows
