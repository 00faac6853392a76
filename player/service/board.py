"""Thread-safe live status board shared by the player's parts."""

from __future__ import annotations

import copy
import logging
import threading
from collections.abc import Callable, Mapping

from player.wire.status import undeclared

log = logging.getLogger(__name__)


class StatusBoard:
    """Sections of plain JSON-able values; parts update theirs, readers take snapshots.

    Listeners are called (outside the lock) after a change, so the status file and the
    MQTT status message can be refreshed on change rather than on a timer only.
    Sections and their keys are the shapes in player/wire/status.py; another key is
    dropped and logged (a running screen must not stop over a status typo), so every key
    a reader looks for is one some part can write.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sections: dict[str, dict] = {}
        self._listeners: list[Callable[[str], None]] = []
        self._version = 0

    def update(self, section: str, **fields) -> None:
        fields = _declared(section, fields)
        with self._lock:
            current = self._sections.setdefault(section, {})
            changed = any(current.get(k, object()) != v for k, v in fields.items())
            if not changed:
                return
            current.update(fields)
            self._version += 1
            listeners = list(self._listeners)
        for listener in listeners:
            listener(section)

    def replace(self, section: str, values: dict) -> None:
        values = _declared(section, values)
        with self._lock:
            if self._sections.get(section) == values:
                return
            self._sections[section] = dict(values)
            self._version += 1
            listeners = list(self._listeners)
        for listener in listeners:
            listener(section)

    def get(self, section: str) -> dict:
        with self._lock:
            return copy.deepcopy(self._sections.get(section, {}))

    def snapshot(self) -> dict:
        with self._lock:
            return copy.deepcopy(self._sections)

    @property
    def version(self) -> int:
        with self._lock:
            return self._version

    def subscribe(self, listener: Callable[[str], None]) -> None:
        with self._lock:
            self._listeners.append(listener)


def _declared(section: str, fields: Mapping[str, object]) -> dict:
    unknown = undeclared(section, fields)
    if unknown:
        log.error(
            "status section %r declares no %s: not shown; add it to the section's shape "
            "in player/wire/status.py",
            section,
            ", ".join(unknown),
        )
    return {k: v for k, v in fields.items() if k not in unknown}
