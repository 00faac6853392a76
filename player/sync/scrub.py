"""Re-hash every cached media once after a start, at low priority, so damage at rest is found."""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from collections.abc import Callable

from player.cache import Cache, CacheIntegrityError
from player.wire.units import format_size

log = logging.getLogger(__name__)

NICENESS = 19  # the lowest CPU priority: the render loop and decoders always go first
MAX_RATE = 32 * 1000**2  # bytes per second read at most, so video reads keep the SD card


def lower_priority() -> None:
    """Lower this thread's CPU priority (Linux keeps a nice value per thread)."""
    with contextlib.suppress(OSError, AttributeError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), NICENESS)


class Scrubber:
    """One pass over the cache after a start: the media `wanted()` names first (what plays),
    then the rest; files already hashed in this run are skipped. Damage is handled by the
    cache (file removed, `on_damage` called); this only reports progress to `publish`."""

    def __init__(
        self,
        cache: Cache,
        wanted: Callable[[], list[str]],
        publish: Callable[[str], None],
        *,
        max_rate: float = MAX_RATE,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.cache = cache
        self.wanted = wanted
        self.publish = publish
        self.max_rate = max_rate
        self._clock = clock

    def run(self, stop: threading.Event, beat: Callable[[], None]) -> None:
        lower_priority()
        if not stop.is_set():
            self.scrub(stop, beat)
        while not stop.wait(1.0):
            beat()

    def scrub(self, stop: threading.Event, beat: Callable[[], None]) -> int:
        """Hash what is not yet verified; returns how many files were found damaged."""
        present = self.cache.media()
        first = [sha for sha in self.wanted() if sha in present]
        order = first + sorted(set(present) - set(first))
        todo = [sha for sha in order if not self.cache.is_verified(sha)]
        total = sum(present[sha] for sha in todo)
        started = self._clock()
        done = 0
        damaged = 0
        self.publish(f"checking {len(todo)} media ({format_size(total)})")

        def pace(n: int) -> None:
            nonlocal done
            done += n
            beat()
            ahead = done / self.max_rate - (self._clock() - started)
            if ahead > 0 and stop.wait(ahead):
                raise _Stopped

        for index, sha in enumerate(todo, 1):
            if stop.is_set():
                return damaged
            try:
                self.cache.rehash(sha, pace, save=False)
            except CacheIntegrityError:
                damaged += 1  # the cache logged and reported it
            except _Stopped:
                self.cache.save_index()
                return damaged
            except OSError as exc:
                log.warning("cache check: cannot read media %s…: %s", sha[:12], exc)
            if index % 10 == 0:
                self.cache.save_index()
                self.publish(f"checking: {index} of {len(todo)} media hashed")
        self.cache.save_index()
        took = self._clock() - started
        summary = f"{len(todo)} media hashed in {took:.0f} s, {damaged} damaged"
        log.info("cache check done: %s", summary)
        self.publish(f"done: {summary}")
        return damaged


class _Stopped(Exception):
    pass
