"""glibc allocator settings for a player that plays for months: capped arenas, trimmed heaps."""

from __future__ import annotations

import ctypes
import logging
import os
import time

log = logging.getLogger(__name__)

M_ARENA_MAX = -8  # glibc mallopt() parameter
MALLOC_ARENAS = 2
TRIM_EVERY = 0.25  # seconds; bounds the cost when switches come many a second


def _libc() -> ctypes.CDLL | None:
    try:
        libc = ctypes.CDLL(None)
        libc.mallopt  # noqa: B018 - only glibc has it
        libc.malloc_trim  # noqa: B018
    except (OSError, AttributeError):
        return None  # not glibc: nothing to tune
    return libc


def limit_malloc_arenas(arenas: int = MALLOC_ARENAS) -> None:
    """Cap glibc's malloc arenas before the threads start (MALLOC_ARENA_MAX still wins).

    By default every thread that allocates may get its own arena; video decoders and
    image workers come and go, the frames they free scatter over many arenas, and
    resident memory creeps up for good (about 5 MB a minute in tests/test_soak.py at
    35 item switches a second; flat with two arenas).
    """
    libc = _libc()
    if libc is None or os.environ.get("MALLOC_ARENA_MAX"):
        return
    if libc.mallopt(M_ARENA_MAX, arenas) != 1:
        log.debug("mallopt(M_ARENA_MAX, %d) refused", arenas)


class HeapTrimmer:
    """Hands freed memory back to the system after media are released.

    A 1080p frame is 8 MB; decoders and frames of finished items leave holes in the
    heap that glibc keeps (resident) unless asked to give them back. Called from the
    render loop after a switch, at most every TRIM_EVERY seconds (measured: RSS flat over
    6,000 switches at 79 a second with 0.25 s; it crept up by a fifth with 2 s).
    """

    def __init__(self, every: float = TRIM_EVERY) -> None:
        self.every = every
        self._libc = _libc()
        self._last = 0.0
        self._due = False

    def released(self) -> None:
        """Something big was freed: trim at the next chance."""
        self._due = True

    def maybe_trim(self) -> None:
        if not self._due or self._libc is None:
            return
        now = time.monotonic()
        if now - self._last < self.every:
            return
        self._last = now
        self._due = False
        self._libc.malloc_trim(0)
