"""Notices wall-clock jumps (NTP at boot, a fixed RTC) and whether the clock can be trusted."""

from __future__ import annotations

import datetime as dt
import logging

from player.schedule.plan import clock_is_trusted
from player.wire.isotime import format_utc
from player.wire.manifest import Manifest

log = logging.getLogger(__name__)

JUMP_SECONDS = 2.0  # wall clock and monotonic clock disagreeing by more than this is a jump


class ClockWatch:
    """Compares the wall clock with the monotonic clock between loop iterations.

    A Pi without an RTC boots with a stale clock and jumps when NTP answers; the
    schedule then has to be asked again at once, or the screen would sit on an item
    whose end is hours away (jump back) or already long past (jump forward).
    """

    def __init__(self, rate: float = 1.0) -> None:
        self.rate = rate  # wall seconds per monotonic second (above 1 in accelerated runs)
        self._last: tuple[float, float] | None = None
        self._trusted: bool | None = None
        self._manifest_seen: int | None = None

    def jumped(self, wall: float, mono: float) -> float | None:
        """Seconds the wall clock jumped since the last call, or None."""
        last, self._last = self._last, (wall, mono)
        if last is None:
            return None
        drift = (wall - last[0]) - (mono - last[1]) * self.rate
        # A fast clock multiplies every scheduling hiccup between the two readings too.
        if abs(drift) <= JUMP_SECONDS * max(1.0, self.rate):
            return None
        log.warning("system clock jumped by %+.1f s: re-planning the schedule now", drift)
        return drift

    def check_trust(self, manifest: Manifest | None, wall: float) -> None:
        """Log once when the clock is earlier than the manifest was published, and on recovery."""
        if manifest is None:
            return
        now = dt.datetime.fromtimestamp(wall, dt.UTC)
        trusted = clock_is_trusted(manifest, now)
        if trusted == self._trusted and manifest.sequence == self._manifest_seen:
            return
        if not trusted and (self._trusted is not False or self._manifest_seen is None):
            log.warning(
                "system clock %s is earlier than the manifest's publication %s: not yet "
                "trustworthy (no RTC, NTP not answered?); dated items are treated "
                "conservatively until it is",
                format_utc(now),
                format_utc(manifest.published_at),
            )
        elif trusted and self._trusted is False:
            log.info("system clock is trustworthy again (%s)", format_utc(now))
        self._trusted = trusted
        self._manifest_seen = manifest.sequence
