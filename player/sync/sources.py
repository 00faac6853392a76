"""Where manifests and media come from: one small interface for HTTP(S) and local folders."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

from player.wire.manifest import Media


class SourceError(Exception):
    """The source could not be read (network down, server error, stick pulled out)."""


class TooSlow(SourceError):
    """The server answers, but too slowly to finish within the deadline (a trickle)."""


class RangeNotSatisfiable(SourceError):
    """The server refused the resume offset; the partial should be restarted from 0."""


@dataclass(frozen=True)
class ManifestFetch:
    data: bytes
    etag: str | None = None
    last_modified: str | None = None


class NotModifiedType:
    """The manifest did not change since the validators we sent."""

    def __repr__(self) -> str:
        return "NotModified"


NotModified = NotModifiedType()


class MediaStream(Protocol):
    """An open media body. `start` is the offset the bytes really begin at (0 when the
    server ignored our Range request)."""

    start: int

    def chunks(self) -> Iterator[bytes]: ...

    def close(self) -> None: ...


class Source(Protocol):
    description: str

    def fetch_manifest(
        self, etag: str | None = None, last_modified: str | None = None
    ) -> ManifestFetch | NotModifiedType: ...

    def fetch_signature(self) -> bytes | None:
        """The detached signature, or None when the source has none."""

    def open_media(self, media: Media, offset: int = 0) -> MediaStream: ...

    def abort(self) -> None:
        """Interrupt blocking reads from another thread (used on stop)."""

    def close(self) -> None: ...
