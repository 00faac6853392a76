"""Messages sent to the render loop's inbox from other threads."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path

from player.config.model import Config
from player.wire.alert import Alert
from player.wire.manifest import Manifest

# A message is itself, not its value: none is compared or hashed, so eq=False leaves out
# the __eq__ and __hash__ Python 3.11 would compile for each class at the player's start.


@dataclass(frozen=True, eq=False)
class ManifestActivated:
    manifest: Manifest


@dataclass(frozen=True, eq=False)
class MediaDamaged:
    """A cached media failed its check and was removed: items using it are skipped until
    the sync has downloaded it again (MediaRestored)."""

    sha: str
    reason: str


@dataclass(frozen=True, eq=False)
class MediaRestored:
    """Media of the playing manifest are in the cache again: their items may play."""

    shas: tuple[str, ...]


@dataclass(frozen=True, eq=False)
class AlertsChanged:
    alerts: tuple[Alert, ...]


@dataclass(frozen=True, eq=False)
class ConfigChanged:
    config: Config


@dataclass(frozen=True, eq=False)
class DisplayPower:
    on: bool


@dataclass(eq=False)
class ScreenshotRequest:
    """Save the current presented frame as PNG; `done` is set when written (or failed)."""

    path: Path
    done: threading.Event = field(default_factory=threading.Event)
    error: str | None = None


@dataclass(frozen=True, eq=False)
class Stop:
    reason: str = ""
