"""The media files an authoring file names: hashed, probed and held against the target screens."""

from __future__ import annotations

import difflib
import hashlib
from pathlib import Path
from types import MappingProxyType

from central import mediaprofile
from central.probe import MediaInfo, probe_media
from central.publish.authoring import Authoring
from player.wire.manifest import ManifestError, Media

CHUNK = 1024 * 1024
# Stand-ins for media that failed, so the rest of the file still gets checked in one go.
PLACEHOLDERS = MappingProxyType({"image": "0" * 64, "video": "0" * 63 + "1"})


def sha256_file(path: Path) -> str:
    hasher = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            hasher.update(chunk)
    return hasher.hexdigest()


def verify_media_file(path: Path, media: Media) -> None:
    """Raise ManifestError unless the file at `path` is exactly `media` (size and sha256)."""
    try:
        size = path.stat().st_size
        actual = sha256_file(path) if size == media.size else None
    except OSError as exc:
        raise ManifestError(f"cannot read {path}: {exc}", f"media.{media.sha256}") from None
    if size != media.size:
        raise ManifestError(f"{path} has {size} bytes, manifest says {media.size}", "media")
    if actual != media.sha256:
        raise ManifestError(f"{path} content does not match its sha256 {media.sha256}", "media")


class MediaCheck:
    """The manifest's `media` list as the items name their files; problems and warnings go
    to the lists the builder shares, in the order the items are read."""

    def __init__(self, doc: Authoring, problems: list[str], warnings: list[str]) -> None:
        self.doc = doc
        self.problems = problems
        self.warnings = warnings
        self.media: dict[str, dict] = {}
        self.files: dict[str, Path] = {}  # sha256 -> source file
        self.probed: dict[Path, tuple[str, MediaInfo]] = {}
        self.target = mediaprofile.DEFAULT_TARGET
        self.checked: set[Path] = set()  # videos already held against the target

    def set_target(self, value: object) -> None:
        """Which screens play this group (`target:`): what they cannot play is refused."""
        if value in mediaprofile.TARGETS:
            self.target = value
            return
        close = difflib.get_close_matches(str(value), mediaprofile.TARGETS, n=1)
        hint = f"did you mean {close[0]!r}?" if close else "the default is pi4, the weakest"
        known = " | ".join(mediaprofile.TARGETS)
        self.problems.append(self.doc.at("target", f"must be {known}, not {value!r} ({hint})"))

    def _check_target(self, name: str, source: Path, info: MediaInfo, path: str) -> None:
        if info.traits is None or source in self.checked:
            return
        self.checked.add(source)
        verdict = mediaprofile.check(info.traits, self.target)
        if verdict.refuse:
            command = mediaprofile.ffmpeg_command(name, info.traits)
            self.problems.append(
                self.doc.at(
                    path,
                    f"{name} will not play smoothly on target {self.target}: "
                    f"{'; '.join(verdict.refuse)}. Re-encode it: {command}",
                )
            )
        for warning in verdict.warn:
            self.warnings.append(self.doc.at(path, f"{name} will not play on {warning}"))

    def placeholder(self, kind: object) -> str:
        kind = kind if kind in ("image", "video") else "image"
        self.media[PLACEHOLDERS[kind]] = {"size": 1, "type": kind, "url": "media/x"}
        return PLACEHOLDERS[kind]

    def add(self, name: object, kind: object, path: str, item: dict) -> str:
        """The sha256 of the file `name` (relative to the YAML) listed in `media`, or a
        placeholder after noting what is wrong; sets the item's type when it gave none."""
        if not isinstance(name, str) or not name:
            self.problems.append(self.doc.at(path, "must be a file path relative to the YAML"))
            return self.placeholder(kind)
        source = (self.doc.path.parent / name).resolve()
        try:
            if source.exists() and not source.is_file():  # a FIFO would hang the hashing
                self.problems.append(self.doc.at(path, f"{name}: not a regular file"))
                return self.placeholder(kind)
            if source not in self.probed:
                self.probed[source] = (sha256_file(source), probe_media(source))
            sha, info = self.probed[source]
        except FileNotFoundError:
            self.problems.append(self.doc.at(path, f"media file not found: {source}"))
            return self.placeholder(kind)
        except (OSError, ValueError) as exc:  # ProbeError is a ValueError
            self.problems.append(self.doc.at(path, f"{name}: {exc}"))
            return self.placeholder(kind)
        if kind is None:
            item["type"] = kind = info.type
        if kind != info.type:
            self.problems.append(
                self.doc.at(path, f"{name} is {info.type} ({info.codec}), item type is {kind}")
            )
            return self.placeholder(kind)
        self._check_target(name, source, info, path)
        entry = {"size": source.stat().st_size, "type": info.type, "url": f"media/{sha}"}
        entry.update(width=info.width, height=info.height, codec=info.codec)
        if info.duration is not None:
            entry["duration"] = info.duration
        self.media[sha] = entry
        self.files[sha] = source
        return sha
