"""The sync loop: poll the source, verify, download what is missing, activate atomically."""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import random
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass

from player.cache import SYNC_HOLDER, Cache, CacheFullError, CacheLock
from player.config.model import Config
from player.service.board import StatusBoard
from player.sync.downloader import Downloader, DownloadReport, Progress
from player.sync.factory import make_source
from player.sync.failure import REFUSALS, SyncFailure
from player.sync.helper import Helper
from player.sync.http import split_login
from player.sync.policy import refusal, refused_reason
from player.sync.sources import ManifestFetch, NotModified, NotModifiedType, Source, SourceError
from player.sync.store import ManifestStore
from player.wire import signing
from player.wire.backoff import backoff_delay
from player.wire.isotime import format_utc
from player.wire.manifest import Manifest, ManifestError, check_sequence
from player.wire.manifest import digest as manifest_digest
from player.wire.parse import parse

log = logging.getLogger(__name__)

BEAT_EVERY = 1.0  # seconds between beat() calls while waiting or downloading
RETRY_BASE = 10.0  # first retry delay after a failure; doubles up to source.poll_interval
POLL_JITTER = 0.2  # ±20% so a fleet of players does not poll in step
SOURCE_CHANGED = "the source changed in the config; syncing again with the new one"


@dataclass(frozen=True)
class SyncResult:
    ok: bool
    reason: str  # one line for logs, status and `videotron sync --once`
    changed: bool  # a new manifest was activated
    kind: SyncFailure | None = None  # why it failed; None when ok


@dataclass(frozen=True)
class _Candidate:
    manifest: Manifest
    data: bytes
    sig: bytes | None
    active: bool  # already the active manifest (only media may be missing)


class _Stopped(Exception):
    pass


@dataclass(frozen=True)
class _Fetched:
    """A fetched manifest and, when it is none the loop holds already, its signature."""

    data: bytes
    etag: str | None
    last_modified: str | None
    signature: bytes | SourceError | None  # None: no signature published (or not fetched)


def _fetch_with_signature(
    source: Source, etag: str | None, last_modified: str | None, held: list[bytes]
) -> _Fetched | NotModifiedType:
    """The manifest, then its signature unless the manifest is one of `held`.

    Both in one call, so a sync hands one blocking call to a helper thread, not two. A
    failed signature fetch is handed back, not raised: the manifest may still be one the
    loop holds, and what to do about it is `_accept`'s to say.
    """
    fetched = source.fetch_manifest(etag, last_modified)
    if fetched is NotModified:
        return NotModified
    assert isinstance(fetched, ManifestFetch)
    signature: bytes | SourceError | None = None
    if fetched.data not in held:
        try:
            signature = source.fetch_signature()
        except SourceError as exc:
            signature = exc
    return _Fetched(fetched.data, fetched.etag, fetched.last_modified, signature)


def _fail(kind: SyncFailure, reason: str) -> SyncResult:
    return SyncResult(ok=False, reason=f"{kind}: {reason}", changed=False, kind=kind)


class SyncLoop:
    """Keeps the cache and the active manifest in step with the configured source.

    One thread owns it: the one that calls `run()` (or `sync_once()`). Other threads only
    hand things in through `wake()` and `update_config()`, which store a value under
    `_lock` and set an event; the owner applies them at the top of its next sync, so one
    sync works with one config from its first request to its last.
    """

    def __init__(  # noqa: PLR0917 - rng stays positional as the app calls it
        self,
        config: Config,
        cache: Cache,
        store: ManifestStore,
        status: StatusBoard,
        on_activated: Callable[[Manifest], None],
        rng: random.Random | None = None,
        *,
        source_options: dict | None = None,
        retry_base: float = RETRY_BASE,
        on_restored: Callable[[list[str]], None] = lambda shas: None,
    ) -> None:
        self.cache = cache
        self.store = store
        self.status = status
        self.on_activated = on_activated
        self.on_restored = on_restored  # media of the active manifest fetched again
        self.retry_base = retry_base
        self.hash_mismatches = 0
        self.last_report: DownloadReport | None = None  # downloads of the last sync, if any
        self._config = config  # replaced only by the owner, between two syncs
        self._rng = rng or random.Random()
        self._source_options = source_options or {}
        self._lock = threading.Lock()  # what other threads hand in: the two fields below
        self._next_config: Config | None = None
        self._wanted_digest: str | None = None
        self._sync_lock = threading.Lock()  # one sync at a time
        self._wake = threading.Event()
        self._source_changed = False  # the running sync was cut short for a new source
        self._last_kind: SyncFailure | None = None  # the hint is logged when the kind changes
        self._abort = threading.Event()  # set when run()'s stop is set: downloads give up
        self._run_stop: threading.Event | None = None
        self._beat: Callable[[], None] = lambda: None
        self._source: Source | None = None
        self._helper: Helper | None = None  # runs source calls; owner only
        self._validators: tuple[str | None, str | None] = (None, None)
        self._pending: _Candidate | None = None
        self._active: tuple[Manifest, bytes] | None = None
        self._active_loaded = False

    # -- control ---------------------------------------------------------------------------

    def wake(self, digest: str | None = None) -> None:
        """Sync as soon as possible (thread-safe; MQTT push calls this).

        `digest` is the announced manifest's sha256, when the notice carries one: if it is
        not the manifest we hold, the next fetch skips If-None-Match, because a static
        server's ETag (mtime in seconds + size) can miss a same-second, same-size publish.
        """
        with self._lock:
            if digest:
                self._wanted_digest = digest.lower()
        self._wake.set()

    def update_config(self, config: Config) -> None:
        """Take a new config (thread-safe; the config watcher calls this).

        Applied by the sync's own thread before its next sync; a sync running meanwhile
        against a source this config changes is cut short at its next beat.
        """
        with self._lock:
            self._next_config = config
        self._wake.set()

    def _apply_config(self) -> None:
        """Owner only, between syncs: take the config other threads handed in, if any."""
        with self._lock:
            config, self._next_config = self._next_config, None
        if config is None:
            return
        old, self._config = self._config, config
        if config.source != old.source:
            log.info("source changed to %s", config.source.url)
            self._drop_source()
            self._pending = None
        if config.cache.max_size != old.cache.max_size:
            self.cache.max_size = config.cache.max_size
        if config.cache.dir != old.cache.dir:
            log.warning("cache.dir changed to %s: takes effect after a restart", config.cache.dir)

    def _drop_source(self) -> None:
        if self._source is not None:
            self._source.close()
        self._source = None
        self._validators = (None, None)

    def _get_source(self) -> Source:
        if self._source is None:
            self._source = make_source(self._config.source, **self._source_options)
        return self._source

    @property
    def active(self) -> tuple[Manifest, bytes] | None:
        if not self._active_loaded:
            # Checked against the key again: a file altered at rest must neither play nor
            # set the sequence that fresh manifests are compared with.
            source = self._config.source
            trusted = self.store.load_trusted(
                source.public_key, source.allow_unsigned, refused_reason(source)
            )
            self._active = (trusted.manifest, trusted.data) if trusted.manifest else None
            self._active_loaded = True
        return self._active

    # -- the loop --------------------------------------------------------------------------

    def run(self, stop: threading.Event, beat: Callable[[], None]) -> None:
        """Sync now, then every poll_interval (±20%); back off after failures."""
        self._run_stop = stop
        self._beat = beat
        self._abort.clear()
        failures = 0
        self.check_cache()
        try:
            while not stop.is_set():
                beat()
                result = self.sync_once()
                if stop.is_set():
                    break
                interval = self._config.source.poll_interval
                if result.ok:
                    failures = 0
                    delay = interval * self._rng.uniform(1 - POLL_JITTER, 1 + POLL_JITTER)
                elif result.kind is SyncFailure.STOPPED:
                    delay = 0.0  # cut short for a new source: start over with it at once
                else:
                    failures += 1
                    delay = backoff_delay(
                        failures - 1, base=self.retry_base, cap=interval, rng=self._rng
                    )
                self.status.update(
                    "sync",
                    next_attempt_at=format_utc(
                        dt.datetime.now(dt.UTC) + dt.timedelta(seconds=delay)
                    ),
                )
                log.debug("next sync in %.1f s", delay)
                self._wait(stop, delay)
        finally:
            self._drop_source()
            self._retire_helper()
            self._run_stop = None
            self._beat = lambda: None
            self._abort.clear()
            self.cache.flush_played()
            self.cache.save_index()

    def check_cache(self) -> None:
        """Cheap start-up check (stat only) unless the app did it before the first frame:
        drop what a power cut or a bad disk left damaged, so this sync fetches it again."""
        if self.cache.checked_at_start:
            return
        active = self.active
        sizes = {sha: m.size for sha, m in active[0].media.items()} if active else {}
        try:
            self.cache.check_at_start(sizes)
        except OSError as exc:
            log.error("cannot check the cache: %s", exc)

    def _wait(self, stop: threading.Event, delay: float) -> None:
        waited = 0.0
        while waited < delay and not stop.is_set():
            step = min(BEAT_EVERY, delay - waited)
            if self._wake.wait(step):
                return
            waited += step
            self._beat()

    def _tick(self) -> None:
        """Called every BEAT_EVERY while a sync blocks: beat, and notice a stop request or
        a new config that fetches from elsewhere (no use finishing with the old source)."""
        self._beat()
        if self._abort.is_set():
            return
        stop = self._run_stop
        with self._lock:
            upcoming = self._next_config
        if upcoming is not None and upcoming.source != self._config.source:
            self._source_changed = True
        elif stop is None or not stop.is_set():
            return
        self._abort.set()
        if self._source is not None:
            self._source.abort()

    def _call(self, fn: Callable, *args):
        """Run a blocking source call in the helper thread, beating meanwhile; all source
        calls are bounded by their own timeouts, this only keeps the loop responsive."""
        if self._helper is None:
            self._helper = Helper("sync-fetch")
        call = self._helper.submit(fn, *args)
        while True:
            done = call.done.wait(BEAT_EVERY)
            self._tick()
            if self._abort.is_set():
                self._retire_helper()  # it may still be in the call: the next gets a new one
                raise _Stopped
            if done:
                return call.result()

    def _retire_helper(self) -> None:
        if self._helper is not None:
            self._helper.retire()
            self._helper = None

    # -- one sync --------------------------------------------------------------------------

    def sync_once(self) -> SyncResult:
        with self._sync_lock:
            self._wake.clear()
            self._apply_config()
            self.last_report = None
            source = split_login(self._config.source.url or "")[0] or None
            self.status.update("sync", state="checking", source=source)
            try:
                result = self._sync()
            except _Stopped:
                reason = SOURCE_CHANGED if self._source_changed else "sync stopped"
                result = _fail(SyncFailure.STOPPED, reason)
                self._drop_source()
            except Exception as exc:
                log.exception("sync failed unexpectedly")
                result = _fail(SyncFailure.ERROR, f"{type(exc).__name__}: {exc}")
            if self._source_changed:  # the next sync starts afresh with the new source
                self._source_changed = False
                self._abort.clear()
            self._report(result)
            return result

    def _report(self, result: SyncResult) -> None:
        fields: dict = {
            "state": "idle" if result.ok else "error",
            "last_result": "ok" if result.ok else result.reason,
            "last_attempt_at": format_utc(dt.datetime.now(dt.UTC)),
            "hash_mismatches": self.hash_mismatches,
        }
        if result.ok:
            fields["last_ok_at"] = fields["last_attempt_at"]
            log.log(logging.INFO if result.changed else logging.DEBUG, "sync: %s", result.reason)
        else:
            log.warning("sync failed: %s", result.reason)
            if result.kind is not self._last_kind and result.kind is not SyncFailure.STOPPED:
                log.info("what to do: %s", result.kind.hint)
        self._last_kind = result.kind
        if result.ok:
            fields["refused"] = None  # the source serves what plays: nothing is refused now
        elif result.kind in REFUSALS:
            fields["refused"] = {
                "kind": str(result.kind),
                "reason": result.reason,
                "at": fields["last_attempt_at"],
            }
        active = self.active
        if active:
            fields["manifest_sequence"] = active[0].sequence
            fields["manifest_published_at"] = active[0].published_at.isoformat()
        self.status.update("sync", **fields)
        self._report_cache(error=result.reason if result.kind is SyncFailure.DISK else None)

    def _report_cache(self, error: str | None = None) -> None:
        try:
            usage = self.cache.usage()
        except OSError as exc:
            self.status.update("cache", error=f"cannot read the cache: {exc}")
            return
        self.status.update(
            "cache",
            used_bytes=usage.used_bytes,
            max_bytes=usage.max_bytes,
            files=usage.files,
            error=error,
            damaged=[d.as_status() for d in self.cache.damage()],
        )

    def _sync(self) -> SyncResult:
        config = self._config
        if not config.source.url:
            return _fail(SyncFailure.CONFIG, "no source configured (set source.url)")
        try:
            source = self._get_source()
        except SourceError as exc:
            return _fail(SyncFailure.CONFIG, str(exc))
        etag, last_modified = self._validators
        with self._lock:
            wanted = self._wanted_digest
        held = [c.data for c in (self._pending, self._active_candidate()) if c]
        if wanted and wanted not in {manifest_digest(data) for data in held}:
            etag = last_modified = None
        try:
            fetched = self._call(_fetch_with_signature, source, etag, last_modified, held)
        except SourceError as exc:
            return _fail(SyncFailure.NETWORK, str(exc))
        with self._lock:
            if self._wanted_digest == wanted:
                self._wanted_digest = None
        if fetched is NotModified:
            candidate = self._pending or self._active_candidate()
            if candidate is None:  # validators without a usable manifest: ask in full
                self._validators = (None, None)
                return _fail(SyncFailure.NETWORK, "server said not modified, but nothing is stored")
        else:
            assert isinstance(fetched, _Fetched)
            candidate_or_failure = self._accept(source, fetched)
            if isinstance(candidate_or_failure, SyncResult):
                return candidate_or_failure
            candidate = candidate_or_failure
        return self._complete(source, candidate)

    def _active_candidate(self) -> _Candidate | None:
        active = self.active
        return _Candidate(active[0], active[1], None, active=True) if active else None

    def _accept(self, source: Source, fetched: _Fetched) -> _Candidate | SyncResult:
        """Verify a freshly fetched manifest; nothing in it is trusted before this passes."""
        config = self._config.source
        active = self.active
        if active and fetched.data == active[1]:
            self._remember(fetched)
            return _Candidate(active[0], active[1], None, active=True)
        if self._pending and fetched.data == self._pending.data:
            self._remember(fetched)
            return self._pending
        if isinstance(fetched.signature, SourceError):
            return _fail(SyncFailure.NETWORK, str(fetched.signature))
        sig = fetched.signature
        if sig is None and not config.allow_unsigned:
            return _fail(
                SyncFailure.SIGNATURE,
                f"no signature beside {source.description} (publish signed, or set "
                "source.allow_unsigned: true for demos)",
            )
        if sig is not None and not config.public_key and not config.allow_unsigned:
            return _fail(
                SyncFailure.CONFIG, "source.public_key is not set; cannot check signatures"
            )
        if sig is not None and config.public_key:
            try:
                signing.verify(fetched.data, sig, config.public_key)
            except ManifestError as exc:
                if not config.allow_unsigned:
                    return _fail(SyncFailure.SIGNATURE, f"{source.description}: {exc}")
                log.warning("accepting %s anyway (allow_unsigned): %s", source.description, exc)
        try:
            manifest = parse(fetched.data)
        except ManifestError as exc:
            return _fail(SyncFailure.MANIFEST, f"{source.description}: {exc}")
        group = self._config.player.group
        if manifest.group != group:
            # Also what keeps replay protection on: sequences only compare within a group.
            return _fail(
                SyncFailure.MANIFEST,
                f"{source.description} is for group {manifest.group!r} but this screen is in "
                f"{group!r}: set player.group, or point source.url at {group!r}'s manifest",
            )
        current = active[0] if active else None
        if current is not None and current.group != group:
            current = None  # the player moved to another group: any sequence is acceptable
        try:
            check_sequence(manifest, current)
        except ManifestError as exc:
            # An older sequence, validly signed: a replay or a stale mirror, not a bad key.
            kind = SyncFailure.REPLAY if exc.path == "sequence" else SyncFailure.MANIFEST
            return _fail(kind, f"refused {source.description}: {exc}")
        refused = refusal(manifest, config)
        if refused is not None:  # signed, but not what this screen's config lets play
            return _fail(refused.kind, f"{source.description}: {refused.reason}")
        candidate = _Candidate(manifest, fetched.data, sig, active=False)
        self._pending = candidate
        self._remember(fetched)
        log.info(
            "new manifest: sequence %d, %d media, published %s",
            manifest.sequence,
            len(manifest.media),
            manifest.published_at.isoformat(),
        )
        return candidate

    def _remember(self, fetched: _Fetched) -> None:
        self._validators = (fetched.etag, fetched.last_modified)

    def _complete(self, source: Source, candidate: _Candidate) -> SyncResult:
        """Download what the candidate lacks, then activate it."""
        medias = list(candidate.manifest.media.values())
        missing = [m for m in medias if not self.cache.has(m.sha256)]
        if missing:
            failure = self._download(source, candidate, missing)
            if failure:
                return failure
        if candidate.active:
            if missing:
                # Media of the playing manifest came back (damaged at rest, or removed):
                # the render tries the items it skipped for them again.
                log.info("sequence %d is complete again", candidate.manifest.sequence)
                self.on_restored([m.sha256 for m in missing])
            return SyncResult(True, f"sequence {candidate.manifest.sequence} is current", False)
        self.status.update("sync", state="activating")
        try:
            self.store.activate(candidate.data, candidate.sig, candidate.manifest)
        except OSError as exc:
            return _fail(SyncFailure.DISK, f"cannot write the active manifest: {exc}")
        self._active = (candidate.manifest, candidate.data)
        self._active_loaded = True
        self._pending = None
        log.info("activated manifest sequence %d", candidate.manifest.sequence)
        self.on_activated(candidate.manifest)
        return SyncResult(True, f"activated sequence {candidate.manifest.sequence}", True)

    def _download(self, source: Source, candidate: _Candidate, missing: list) -> SyncResult | None:
        active = self.active
        keep = set(candidate.manifest.media)
        if active:
            keep |= set(active[0].media)
        partial = {m.sha256: min(m.size, self.cache.partial_size(m.sha256)) for m in missing}
        needed = sum(m.size - partial[m.sha256] for m in missing)
        try:
            self.cache.ensure_space(needed, keep)
        except CacheFullError as exc:
            return _fail(SyncFailure.DISK, str(exc))
        except OSError as exc:
            return _fail(SyncFailure.DISK, f"cannot inspect the cache: {exc}")
        total = sum(m.size for m in missing)
        log.info(
            "sequence %d: %d media missing, %.1f MB to fetch",
            candidate.manifest.sequence,
            len(missing),
            needed / 1e6,
        )
        self.status.update("sync", state="downloading")
        progress = Progress(
            total,
            done=sum(partial.values()),
            publish=lambda snap: self.status.update("sync", progress=snap),
        )
        downloader = Downloader(self.cache, source, stop=self._abort, rng=self._rng)
        report = downloader.download(missing, progress=progress, beat=self._tick)
        self.cache.save_index()
        self.last_report = report
        # Finished downloads leave no "downloading 100%" line behind in status.
        self.status.update("sync", progress=None if report.ok else progress.snapshot())
        self.hash_mismatches += report.hash_mismatches
        if self._abort.is_set():
            raise _Stopped
        if report.ok:
            return None
        kind, reason = report.first_failure()
        count = f"{len(report.failures)} of {len(candidate.manifest.media)}"
        return _fail(kind, f"{count} media not in the cache yet; {reason}")


# -- `videotron sync` ----------------------------------------------------------------------


def build(config: Config, status: StatusBoard, on_activated: Callable[[Manifest], None]):
    """Cache, store and loop for a config (shared by `videotron sync` and the app)."""
    cache = Cache(config.cache.dir, config.cache.max_size)
    store = ManifestStore(config.cache.dir)
    loop = SyncLoop(config, cache, store, status, on_activated)
    return cache, store, loop


def cmd_sync(args: argparse.Namespace) -> int:
    from player.config.loader import ConfigError, load_config

    try:
        config = load_config(args.config_path)
    except ConfigError as exc:
        print(f"videotron sync: {exc}", file=sys.stderr)
        return SyncFailure.CONFIG.exit_code
    logging.basicConfig(
        level=(getattr(args, "log_level", None) or config.log.level).upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    status = StatusBoard()
    lock = CacheLock(config.cache.dir)
    try:
        if not lock.acquire(SYNC_HOLDER):
            print(
                f"videotron sync: a running player uses {config.cache.dir} and syncs it by "
                "itself; to sync now, restart it (systemctl restart videotron) or send it the "
                "MQTT 'sync' command",
                file=sys.stderr,
            )
            return SyncFailure.BUSY.exit_code
        _cache, _store, loop = build(config, status, lambda m: None)
        loop.check_cache()
    except OSError as exc:
        print(f"videotron sync: cannot use cache dir {config.cache.dir}: {exc}", file=sys.stderr)
        return SyncFailure.DISK.exit_code
    if args.once:
        result = loop.sync_once()
        if result.ok:
            print(f"ok: {result.reason}")
            return 0
        print(f"sync failed: {result.reason}", file=sys.stderr)
        return result.kind.exit_code if result.kind else 1
    stop = threading.Event()
    worker = threading.Thread(target=loop.run, args=(stop, lambda: None), name="sync")
    worker.start()
    try:
        while worker.is_alive():
            worker.join(0.5)
    except KeyboardInterrupt:
        log.info("stopping")
        stop.set()
        worker.join(30)
    return 0
