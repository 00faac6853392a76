"""Brightness spans for proof of play: the level held, cut at each change, each hour's end, stop."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from player.wire.proofofplay import BrightnessSpanRecord

HOUR = dt.timedelta(hours=1)


def next_hour(at: dt.datetime) -> dt.datetime:
    """The start of the UTC hour after `at` (aware)."""
    return at.astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0) + HOUR


class BrightnessSpans:
    """Turns the keeper's level, told every tick, into spans handed to `record` as they end.

    A span ends when the level, its source or the output changes, at the end of each UTC
    hour (so an hour's record is complete once it is over, whatever a later power cut takes,
    and the office's hours need no splitting), and at `end` (the keeper stops). Only the
    keeper's thread calls it.
    """

    def __init__(self, record: Callable[[BrightnessSpanRecord], object]) -> None:
        self._record = record
        self._open: tuple[int, str, str, dt.datetime] | None = None  # level, source, via, from

    def held(self, level: int, source: str, via: str, at: dt.datetime) -> None:
        """The wall is at `level` from `source` through `via` at `at` (aware)."""
        self.passed(at)
        if self._open is not None and self._open[:3] == (level, source, via):
            return
        self.end(at)
        self._open = (level, source, via, at)

    def passed(self, at: dt.datetime) -> None:
        """Time went on to `at`: the span open is cut at each hour's end before it."""
        while self._open is not None and next_hour(self._open[3]) <= at:
            level, source, via, started = self._open
            boundary = next_hour(started)
            self._record(BrightnessSpanRecord(level, source, via, started, boundary))
            self._open = (level, source, via, boundary)

    def end(self, at: dt.datetime) -> None:
        """The span open, if any, ends at `at`."""
        if self._open is None:
            return
        level, source, via, started = self._open
        self._open = None
        # A span of no time says nothing (a change at an hour's end); one that would end
        # before it began (the clock set back) cannot be told right: neither is recorded.
        if at > started:
            self._record(BrightnessSpanRecord(level, source, via, started, at))
