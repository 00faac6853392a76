"""Local folder source: a USB stick or mounted share holding the published tree."""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote, urlsplit

from player.sync.sources import ManifestFetch, NotModified, NotModifiedType, SourceError
from player.wire.manifest import Media

log = logging.getLogger(__name__)

CHUNK = 256 * 1024
MAX_MANIFEST_BYTES = 16 * 1024 * 1024


class FolderMediaStream:
    """Reads a media file from `start`; a vanished or failing stick ends it with SourceError."""

    def __init__(self, path: Path, start: int, stopped: threading.Event) -> None:
        self.path = path
        self.start = start
        self._stopped = stopped
        try:
            self._file = open(path, "rb")  # noqa: SIM115
            self._file.seek(start)
        except OSError as exc:
            raise SourceError(f"cannot read {path}: {exc.strerror or exc}") from exc

    def chunks(self) -> Iterator[bytes]:
        while True:
            if self._stopped.is_set():
                raise SourceError(f"copy of {self.path} stopped")
            try:
                chunk = self._file.read(CHUNK)
            except OSError as exc:
                raise SourceError(
                    f"reading {self.path} failed: {exc.strerror or exc} (stick removed?)"
                ) from exc
            if not chunk:
                return
            yield chunk

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._file.close()


class FolderSource:
    """`root/manifest.json`, `root/manifest.json.sig` and `root/media/<sha256>`."""

    def __init__(self, path: Path) -> None:
        path = Path(path)
        self.manifest_path = path if path.suffix == ".json" else path / "manifest.json"
        self.root = self.manifest_path.parent
        self.signature_path = self.manifest_path.with_name(self.manifest_path.name + ".sig")
        self.description = str(self.manifest_path)
        self._stopped = threading.Event()

    def _missing(self, path: Path) -> SourceError:
        if not self.root.is_dir():
            return SourceError(f"folder {self.root} is not there (stick not inserted or mounted?)")
        return SourceError(f"{path} not found (is the published tree complete?)")

    def fetch_manifest(
        self, etag: str | None = None, last_modified: str | None = None
    ) -> ManifestFetch | NotModifiedType:
        try:
            stat = self.manifest_path.stat()
            # An ETag stand-in: unchanged file identity, size and mtime mean unchanged bytes.
            tag = f"{stat.st_ino:x}-{stat.st_size:x}-{stat.st_mtime_ns:x}"
            if etag and etag == tag:
                return NotModified
            if stat.st_size > MAX_MANIFEST_BYTES:
                raise SourceError(f"{self.manifest_path} is larger than {MAX_MANIFEST_BYTES} bytes")
            data = self.manifest_path.read_bytes()
        except FileNotFoundError as exc:
            raise self._missing(self.manifest_path) from exc
        except OSError as exc:
            raise SourceError(f"cannot read {self.manifest_path}: {exc.strerror or exc}") from exc
        return ManifestFetch(data=data, etag=tag)

    def fetch_signature(self) -> bytes | None:
        try:
            return self.signature_path.read_bytes()
        except FileNotFoundError:
            if not self.root.is_dir():
                raise self._missing(self.signature_path) from None
            return None
        except OSError as exc:
            raise SourceError(f"cannot read {self.signature_path}: {exc.strerror or exc}") from exc

    def media_path(self, media: Media) -> Path:
        parts = urlsplit(media.url)
        if parts.scheme and parts.scheme != "file":
            raise SourceError(
                f"media {media.sha256[:12]}… has URL {media.url!r}, which a folder source "
                "cannot read; publish with relative media URLs for USB use"
            )
        relative = Path(unquote(parts.path))
        path = relative if relative.is_absolute() else self.root / relative
        resolved_root = self.root.resolve()
        if not path.resolve().is_relative_to(resolved_root) and not relative.is_absolute():
            raise SourceError(f"media URL {media.url!r} points outside {self.root}")
        return path

    def open_media(self, media: Media, offset: int = 0) -> FolderMediaStream:
        path = self.media_path(media)
        if not path.exists():
            raise self._missing(path)
        return FolderMediaStream(path, offset, self._stopped)

    def abort(self) -> None:
        self._stopped.set()

    def close(self) -> None:
        self.abort()
