"""The level the render loop dims the picture to when no sending card takes the brightness."""

from __future__ import annotations

import threading


class SoftwareDimmer:
    """Set by the brightness keeper's thread, read by the render loop once per frame."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._percent = 100

    @property
    def percent(self) -> int:
        with self._lock:
            return self._percent

    def set(self, percent: int) -> None:
        with self._lock:
            self._percent = max(0, min(100, percent))
