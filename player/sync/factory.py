"""The source for a configured `source.url`: an HTTP(S) server or a folder (a USB stick)."""

from __future__ import annotations

from pathlib import Path

from player.config.model import SourceConfig
from player.sync.folder import FolderSource
from player.sync.http import HttpSource
from player.sync.sources import Source, SourceError


def is_http_url(url: str) -> bool:
    return url.startswith(("http://", "https://"))


def make_source(config: SourceConfig, **http_options) -> Source:
    """The source for `source.url`: http(s) URL → HttpSource, anything else → FolderSource."""
    if not config.url:
        raise SourceError("no source configured: set source.url to a manifest URL or a folder")
    if is_http_url(config.url):
        return HttpSource(config, **http_options)
    path = config.url.removeprefix("file://")
    return FolderSource(Path(path))
