"""The published folder: the manifest checked, media copied, then signature and manifest written."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

from nacl.signing import SigningKey

from central.publish.authoring import Authoring, PublishError
from central.publish.builder import Builder
from central.publish.media import CHUNK, sha256_file
from player.wire.atomicfile import atomic_write, atomic_writer, fsync_dir
from player.wire.manifest import Manifest, ManifestError, ManifestProblems, digest, to_json
from player.wire.parse import parse
from player.wire.signing import sign

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PublishSummary:
    manifest_path: Path
    group: str
    sequence: int
    signed: bool
    sha256: str  # of the manifest bytes, as announced over MQTT
    playlists: int
    items: int
    media: int
    new_files: int = 0
    new_bytes: int = 0
    reused_files: int = 0
    reused_bytes: int = 0
    campaigns: tuple[str, ...] = ()  # the ids of the campaigns the manifest carries
    warnings: tuple[str, ...] = field(default=())


def _copy_media(source: Path, target: Path, sha: str) -> None:
    hasher = hashlib.sha256()
    with open(source, "rb") as src, atomic_writer(target, durable=True, mode=0o644) as dst:
        while chunk := src.read(CHUNK):
            hasher.update(chunk)
            dst.write(chunk)
        if hasher.hexdigest() != sha:  # raised inside: the half-made copy is removed
            raise PublishError([f"{source}: changed while publishing; run publish again"])


def next_sequence(out_dir: Path, now: dt.datetime) -> int:
    """Previous sequence + 1, but never below the Unix time: a fresh folder still wins."""
    previous = -1
    try:
        previous = int(json.loads((out_dir / "manifest.json").read_bytes())["sequence"])
    except FileNotFoundError:
        pass
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.warning("%s/manifest.json unreadable (%s); sequence from the clock", out_dir, exc)
    return max(previous + 1, int(now.timestamp()))


def write_manifest(out_dir: Path, data: bytes, private_key: SigningKey | None) -> None:
    """Write the signature, then the manifest bytes: the publish becomes visible last."""
    sig_path = out_dir / "manifest.json.sig"
    if private_key is not None:
        atomic_write(sig_path, sign(data, private_key), durable=True, mode=0o644)
    else:
        sig_path.unlink(missing_ok=True)  # a stale signature would fail every player
    atomic_write(out_dir / "manifest.json", data, durable=True, mode=0o644)


def carried_localinfo(out_dir: Path) -> tuple[dict, dict]:
    """The previous publish's `localinfo` (the weather) and its data media, to publish again.

    The weather is refreshed apart from the content (`videotron weather`), so a content
    publish keeps what the last refresh put there rather than dropping it until the next.
    Only entries whose file is still in `media/` with its hash are carried.
    """
    try:
        previous = json.loads((out_dir / "manifest.json").read_bytes())
        localinfo, media = previous.get("localinfo") or {}, previous.get("media") or {}
    except (OSError, ValueError, AttributeError):
        return {}, {}
    kept_info, kept_media = {}, {}
    for name, ref in localinfo.items() if isinstance(localinfo, dict) else ():
        sha = ref.get("sha256") if isinstance(ref, dict) else None
        entry = media.get(sha) if isinstance(sha, str) else None
        path = out_dir / "media" / str(sha)
        if not isinstance(entry, dict) or entry.get("type") != "data" or not path.is_file():
            continue
        if sha256_file(path) == sha:
            kept_info[name], kept_media[sha] = ref, entry
    return kept_info, kept_media


def stamped(manifest: dict, out_dir: Path, now: dt.datetime) -> dict:
    """`manifest` with the folder's next sequence and the publish time."""
    published_at = now.astimezone(dt.UTC).isoformat(timespec="seconds")
    return {**manifest, "sequence": next_sequence(out_dir, now), "published_at": published_at}


def check(doc: Authoring, builder: Builder, manifest: dict) -> tuple[bytes, Manifest]:
    """The manifest's bytes and parsed form; PublishError with every problem found."""
    data, parsed = b"", None
    try:
        data = to_json(manifest)
        parsed = parse(data, strict=True)
    except ManifestProblems as exc:
        # Duplicate ids were reported above, with both places, whatever else was wrong.
        builder.problems.extend(
            doc.at(p.path or "", p.reason)
            for p in exc.problems
            if not p.reason.startswith("duplicate item id")
        )
    except ManifestError as exc:
        builder.problems.append(doc.at(exc.path or "", exc.reason))
    except (TypeError, ValueError) as exc:  # YAML-only values: !!binary, !!set, .nan
        builder.problems.append(f"{doc.path}: a value cannot be expressed in JSON ({exc})")
    if builder.problems or parsed is None:
        raise PublishError(builder.problems)
    return data, parsed


def write_tree(
    doc: Authoring,
    builder: Builder,
    manifest: dict,
    *,
    out_dir: Path,
    private_key: SigningKey | None,
    now: dt.datetime,
) -> PublishSummary:
    """The locked part of `publish`: previous sequence and weather read, media, manifest."""
    localinfo, data_media = carried_localinfo(out_dir)
    if localinfo and isinstance(manifest.get("media"), dict):
        manifest["localinfo"] = localinfo
        manifest["media"] = {**manifest["media"], **data_media}
    data, parsed = check(doc, builder, stamped(manifest, out_dir, now))
    media_dir = out_dir / "media"
    media_dir.mkdir(parents=True, exist_ok=True)
    for stale in media_dir.glob(".*.tmp"):  # left by a publish that was killed mid-copy
        stale.unlink(missing_ok=True)
    counts = {"new_files": 0, "new_bytes": 0, "reused_files": 0, "reused_bytes": 0}
    for sha, source in builder.media.files.items():
        target = media_dir / sha
        size = parsed.media[sha].size
        if target.is_file() and target.stat().st_size == size and sha256_file(target) == sha:
            counts["reused_files"] += 1
            counts["reused_bytes"] += size
            continue
        _copy_media(source, target, sha)
        counts["new_files"] += 1
        counts["new_bytes"] += size
    fsync_dir(media_dir)
    feed_files = builder.ticker.feed_files
    if feed_files:
        feeds_dir = out_dir / "feeds"
        feeds_dir.mkdir(exist_ok=True)
        for name, source in feed_files.items():
            data_of_feed = source.read_bytes()
            if hashlib.sha256(data_of_feed).hexdigest() != builder.ticker.feed_hashes[name]:
                raise PublishError([f"{source}: changed while publishing; run publish again"])
            atomic_write(feeds_dir / name, data_of_feed, durable=True, mode=0o644)
    write_manifest(out_dir, data, private_key)
    log.info("published %s sequence %d to %s", parsed.group, parsed.sequence, out_dir)
    return PublishSummary(
        manifest_path=out_dir / "manifest.json",
        group=parsed.group,
        sequence=parsed.sequence,
        signed=private_key is not None,
        sha256=digest(data),
        playlists=len(parsed.playlists),
        items=sum(1 for _ in parsed.items()),
        media=len(parsed.media),
        warnings=tuple(builder.warnings),
        campaigns=tuple(campaign.id for campaign in parsed.campaigns),
        **counts,
    )
