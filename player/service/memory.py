"""glibc allocator settings for a player that runs for months: big buffers mapped, heaps trimmed."""

from __future__ import annotations

import ctypes
import logging
import os
import time

log = logging.getLogger(__name__)

M_ARENA_MAX = -8  # glibc mallopt() parameters
M_MMAP_THRESHOLD = -3
MALLOC_ARENAS = 2
MMAP_THRESHOLD = 1024 * 1024  # bytes: anything this big is mapped, and unmapped when freed
TRIM_EVERY = 0.25  # seconds; bounds the cost when switches come many a second


def _libc() -> ctypes.CDLL | None:
    try:
        libc = ctypes.CDLL(None)
        libc.mallopt  # noqa: B018 - only glibc has it
        libc.malloc_trim  # noqa: B018
    except (OSError, AttributeError):
        return None  # not glibc: nothing to tune
    return libc


def tune_malloc(arenas: int = MALLOC_ARENAS, mmap_threshold: int = MMAP_THRESHOLD) -> None:
    """Cap glibc's arenas and fix its mmap threshold, before the threads start.

    MALLOC_ARENA_MAX and MALLOC_MMAP_THRESHOLD_ in the environment still win.
    Arenas: by default every thread that allocates may get its own; decoders and image
    workers come and go, what they free scatters over many arenas, and resident memory
    creeps up for good. Threshold: glibc raises it after each big free, so 1080p posters
    (8 MB surfaces, Pillow's buffers) land in the heaps and fragment them; fixed at 1 MB
    they are mapped and given back whole. Video frames no longer cost anything here: the
    converter writes into reused memory (player/render/convert.py). Measured in
    `python -m bench.bench_app`'s 10,000 switches (docs/BENCHMARKS.md): without arena cap
    and trimming, RSS 327 MB and growing 11.6%; with cap and threshold but no trimming,
    147 MB and 3.5%; with all three, 126 MB and 0.7%, at the same CPU and page faults per
    video frame.
    """
    libc = _libc()
    if libc is None:
        return
    if not os.environ.get("MALLOC_ARENA_MAX") and libc.mallopt(M_ARENA_MAX, arenas) != 1:
        log.debug("mallopt(M_ARENA_MAX, %d) refused", arenas)
    threshold_set = os.environ.get("MALLOC_MMAP_THRESHOLD_")
    if not threshold_set and libc.mallopt(M_MMAP_THRESHOLD, mmap_threshold) != 1:
        log.debug("mallopt(M_MMAP_THRESHOLD, %d) refused", mmap_threshold)


class HeapTrimmer:
    """Hands freed memory back to the system after media are released.

    Decoders and pictures of finished items leave holes in the heaps that glibc keeps
    (resident) unless asked to give them back. Called from the render loop after a
    switch, at most every TRIM_EVERY seconds (measured: RSS flat over 6,000 switches at
    79 a second with 0.25 s; it crept up by a fifth with 2 s). Still needed once video
    frames stopped churning: see tune_malloc for the run without it.
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
