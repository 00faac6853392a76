"""Download missing media into the cache, two at a time, resuming partials, with progress."""

from __future__ import annotations

import logging
import queue
import random
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from player.cache import Cache, CacheFullError, CacheIntegrityError
from player.sync.failure import Failed, SyncFailure
from player.sync.sources import RangeNotSatisfiable, Source, SourceError, TooSlow
from player.wire.backoff import backoff_delay
from player.wire.manifest import Media
from player.wire.units import format_size

log = logging.getLogger(__name__)

MAX_PARALLEL = 2
RETRY_CAP = 30.0  # seconds; the same cap as a request's own retries (sync/http.py)
LOG_EVERY_S = 5.0
LOG_EVERY_FRACTION = 0.10
STATUS_EVERY_S = 1.0
STOPPED = Failed(SyncFailure.STOPPED, "sync stopped")


class Progress:
    """Bytes done / total for one sync, with a smoothed rate and ETA; thread-safe.

    Logs every LOG_EVERY_S seconds or LOG_EVERY_FRACTION of the total, whichever comes
    first, and hands a small dict to `publish` at most once a second (for the status board).
    """

    def __init__(
        self,
        total: int,
        done: int = 0,
        *,
        publish: Callable[[dict], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.total = total
        self.done = done
        self.fetched = 0  # bytes that really came over the wire this sync
        self._publish = publish or (lambda _: None)
        self._clock = clock
        self._lock = threading.Lock()
        now = clock()
        self._sample = (now, done)
        self._rate = 0.0
        self._logged_at = now
        self._logged_done = done
        self._published_at = float("-inf")

    def add(self, n: int) -> None:
        self._advance(n, fetched=n)

    def rewind(self, n: int) -> None:
        """Bytes we counted as done were thrown away (restart from 0 or a bad hash)."""
        self._advance(-n, fetched=0)

    def _advance(self, n: int, *, fetched: int) -> None:
        with self._lock:
            self.done = max(0, self.done + n)
            self.fetched += fetched
            now = self._clock()
            sample_t, sample_done = self._sample
            if now - sample_t >= 1.0:
                instant = max(0.0, (self.done - sample_done) / (now - sample_t))
                self._rate = instant if self._rate == 0 else 0.7 * self._rate + 0.3 * instant
                self._sample = (now, self.done)
            should_log = (
                now - self._logged_at >= LOG_EVERY_S
                or self.done - self._logged_done >= LOG_EVERY_FRACTION * self.total
            )
            if should_log:
                self._logged_at, self._logged_done = now, self.done
            should_publish = now - self._published_at >= STATUS_EVERY_S
            if should_publish:
                self._published_at = now
            snapshot = self._snapshot_locked()
        if should_log:
            log.info("%s", self.describe(snapshot))
        if should_publish:
            self._publish(snapshot)

    def _snapshot_locked(self) -> dict:
        remaining = max(0, self.total - self.done)
        eta = round(remaining / self._rate, 1) if self._rate > 0 else None
        return {
            "done_bytes": self.done,
            "total_bytes": self.total,
            "rate": round(self._rate, 1),
            "eta": eta,
        }

    def snapshot(self) -> dict:
        with self._lock:
            return self._snapshot_locked()

    @staticmethod
    def describe(snapshot: dict) -> str:
        total = snapshot["total_bytes"] or 1
        eta = f", ETA {snapshot['eta']:.0f} s" if snapshot["eta"] is not None else ""
        return (
            f"downloading: {format_size(snapshot['done_bytes'])} of "
            f"{format_size(snapshot['total_bytes'])} "
            f"({100 * snapshot['done_bytes'] / total:.0f}%), "
            f"{format_size(snapshot['rate'])}/s{eta}"
        )


@dataclass
class DownloadReport:
    completed: list[str] = field(default_factory=list)
    failures: dict[str, Failed] = field(default_factory=dict)  # by sha256
    hash_mismatches: int = 0
    fetched_bytes: int = 0

    @property
    def ok(self) -> bool:
        return not self.failures

    def first_failure(self) -> Failed:
        # Disk and hash problems need a human more than a flaky link does: report them first.
        for kind in (SyncFailure.DISK, SyncFailure.HASH, SyncFailure.NETWORK):
            for failure in self.failures.values():
                if failure.kind is kind:
                    return failure
        return next(iter(self.failures.values()))


class Downloader:
    """Fetches media from a source into the cache with at most MAX_PARALLEL transfers."""

    def __init__(
        self,
        cache: Cache,
        source: Source,
        *,
        stop: threading.Event,
        attempts: int = 3,
        backoff: float = 1.0,
        rng: random.Random | None = None,
        max_parallel: int = MAX_PARALLEL,
    ) -> None:
        self.cache = cache
        self.source = source
        self.stop = stop
        self.attempts = max(1, attempts)
        self.backoff = backoff
        self.max_parallel = max(1, min(max_parallel, MAX_PARALLEL))
        self._rng = rng or random.Random()
        self._rng_lock = threading.Lock()

    def download(
        self,
        medias: Iterable[Media],
        *,
        progress: Progress,
        beat: Callable[[], None] = lambda: None,
        beat_every: float = 1.0,
    ) -> DownloadReport:
        """Fetch every media; calls beat() from this thread while workers run."""
        todo: queue.Queue[Media] = queue.Queue()
        for media in medias:
            todo.put(media)
        report = DownloadReport()
        lock = threading.Lock()
        workers = [
            threading.Thread(
                target=self._worker,
                args=(todo, report, lock, progress),
                name=f"download-{n}",
                daemon=True,
            )
            for n in range(min(self.max_parallel, todo.qsize()))
        ]
        for worker in workers:
            worker.start()
        for worker in workers:
            while worker.is_alive():
                beat()
                worker.join(beat_every)
        report.fetched_bytes = progress.fetched
        return report

    def _worker(
        self,
        todo: queue.Queue[Media],
        report: DownloadReport,
        lock: threading.Lock,
        progress: Progress,
    ) -> None:
        while not self.stop.is_set():
            try:
                media = todo.get_nowait()
            except queue.Empty:
                return
            try:
                outcome = self._fetch_with_retries(media, progress)
            except Exception as exc:  # a bug must not kill the pool silently
                log.exception("unexpected error downloading %s", media.sha256)
                outcome = Failed(SyncFailure.ERROR, f"{type(exc).__name__}: {exc}")
            with lock:
                if outcome is None:
                    report.completed.append(media.sha256)
                else:
                    report.failures[media.sha256] = outcome
                    if outcome.kind is SyncFailure.HASH:
                        report.hash_mismatches += 1
        with lock:
            while True:
                try:
                    media = todo.get_nowait()
                except queue.Empty:
                    break
                report.failures[media.sha256] = STOPPED

    def _fetch_with_retries(self, media: Media, progress: Progress) -> Failed | None:
        """None on success, else why not."""
        reason = ""
        for attempt in range(self.attempts):
            if self.stop.is_set():
                return STOPPED
            try:
                self._fetch(media, progress)
                return None
            except RangeNotSatisfiable as exc:
                reason = str(exc)
                progress.rewind(self.cache.partial_size(media.sha256))
                self.cache.discard_partial(media.sha256)
                continue
            except CacheIntegrityError as exc:
                log.warning("%s; will retry at the next sync", exc)
                return Failed(SyncFailure.HASH, str(exc))
            except CacheFullError as exc:
                return Failed(SyncFailure.DISK, str(exc))
            except TooSlow as exc:
                # Not retried now: another try would trickle as slowly. The partial is kept,
                # so the sync loop's next attempt (with backoff) resumes where this one ended.
                log.warning("media %s…: %s", media.sha256[:12], exc)
                return Failed(SyncFailure.NETWORK, str(exc))
            except SourceError as exc:
                reason = str(exc)
                log.info("media %s…: %s", media.sha256[:12], reason)
            except OSError as exc:
                return Failed(SyncFailure.DISK, f"cannot write to the cache: {exc}")
            if attempt + 1 < self.attempts:
                with self._rng_lock:
                    delay = backoff_delay(attempt, base=self.backoff, cap=RETRY_CAP, rng=self._rng)
                if self.stop.wait(delay):
                    return STOPPED
        return Failed(SyncFailure.NETWORK, reason)

    def _fetch(self, media: Media, progress: Progress) -> None:
        if self.cache.has(media.sha256):
            return
        with self.cache.writer(media.sha256, media.size) as writer:
            if writer.complete:
                writer.commit()  # a finished partial from before a crash: verify and publish
                return
            stream = self.source.open_media(media, writer.offset)
            try:
                if stream.start != writer.offset:
                    progress.rewind(writer.offset)
                    writer.restart()
                for chunk in stream.chunks():
                    if self.stop.is_set():
                        raise SourceError("sync stopped")
                    before = writer.offset
                    try:
                        writer.write(chunk)
                    except CacheIntegrityError:
                        progress.rewind(before)
                        raise
                    progress.add(len(chunk))
            finally:
                stream.close()
            if not writer.complete:
                raise SourceError(
                    f"media {media.sha256[:12]}…: source ended at byte {writer.offset} of "
                    f"{media.size}; will resume"
                )
            try:
                writer.commit()
            except CacheIntegrityError:
                progress.rewind(media.size)
                raise
