"""Content-addressed media store: atomic verified writes, resumable partials, quota, eviction."""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import hashlib
import json
import logging
import os
import re
import shutil
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from player.trust import INDEX_FILE, Damage, FileTrust
from player.wire.atomicfile import atomic_write, fsync_dir, replace_file, sweep_temp_files
from player.wire.isotime import format_utc
from player.wire.units import format_size

log = logging.getLogger(__name__)

SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
CHUNK = 256 * 1024
# Headroom kept free on the filesystem beyond what a download needs, so logs,
# the proof-of-play database and the OS never hit a full disk because of media.
DISK_RESERVE = 64 * 1024 * 1024
PLAYED_FILE = "played.json"
PLAYED_FLUSH_INTERVAL = 3600.0  # seconds; play times are advisory, SD writes are not free
STALE_TEMP_SECONDS = 3600.0  # a temp file untouched this long belongs to a write that was cut


class CacheError(Exception):
    """Something went wrong in the media cache."""


class CacheIntegrityError(CacheError):
    """Bytes whose size or sha256 does not match what they claim to be."""


class CacheFullError(CacheError):
    """Not enough room (quota or disk) for the media a manifest needs."""


@dataclass(frozen=True)
class CacheUsage:
    used_bytes: int  # verified media plus partial downloads
    files: int  # verified media files
    partial_bytes: int
    max_bytes: int


def _check_sha(sha: str) -> str:
    if not SHA256_RE.match(sha):
        raise ValueError(f"not a sha256 (64 lowercase hex characters): {sha!r}")
    return sha


def _full_error(what: str, needed: int, free: int, exc: BaseException | None = None) -> str:
    detail = f" ({exc})" if exc else ""
    return (
        f"{what}: needs {format_size(needed)}, {format_size(free)} available{detail}; "
        "free disk space, raise cache.max_size, or publish less media"
    )


class MediaWriter:
    """Writes one media into media/.partial/<sha>, hashing as it goes; commit() publishes it.

    Opening resumes an existing partial: its bytes are re-read to rebuild the hash state,
    so a resume after a crash or a cut costs a local read, not a re-download.
    """

    def __init__(self, cache: Cache, sha: str, size: int, *, resume: bool = True) -> None:
        self._cache = cache
        self.sha = _check_sha(sha)
        self.size = size
        self.partial = cache.partial_dir / sha
        self._hash = hashlib.sha256()
        cache.partial_dir.mkdir(parents=True, exist_ok=True)
        offset = 0
        if resume and self.partial.exists():
            offset = self._rehash_partial()
        self._file = open(self.partial, "r+b" if offset else "wb")  # noqa: SIM115
        self._file.truncate(offset)
        self._file.seek(offset)
        self.offset = offset

    def _rehash_partial(self) -> int:
        with open(self.partial, "rb") as existing:
            done = 0
            while done < self.size:
                chunk = existing.read(min(CHUNK, self.size - done))
                if not chunk:
                    break
                self._hash.update(chunk)
                done += len(chunk)
        # Bytes beyond the announced size are cut off; commit() judges the rest.
        return done

    def restart(self) -> None:
        """Throw away the bytes so far (the source cannot resume) and start from 0."""
        self._hash = hashlib.sha256()
        self._file.seek(0)
        self._file.truncate(0)
        self.offset = 0

    def write(self, data: bytes) -> None:
        if self.offset + len(data) > self.size:
            self.discard()
            raise CacheIntegrityError(
                f"media {self.sha[:12]}…: source sent more than the {self.size} bytes "
                "the manifest announces; download thrown away"
            )
        try:
            self._file.write(data)
        except OSError as exc:
            if exc.errno in (errno.ENOSPC, errno.EDQUOT):
                self.close()
                free = shutil.disk_usage(self._cache.root).free
                raise CacheFullError(
                    _full_error(f"disk full writing media {self.sha[:12]}…", len(data), free, exc)
                ) from exc
            raise
        self._hash.update(data)
        self.offset += len(data)

    @property
    def complete(self) -> bool:
        return self.offset == self.size

    def commit(self) -> Path:
        """Publish as media/<sha> if size and hash match; otherwise delete and raise."""
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()
        digest = self._hash.hexdigest()
        if self.offset != self.size or digest != self.sha:
            with contextlib.suppress(FileNotFoundError):
                self.partial.unlink()
            raise CacheIntegrityError(
                f"media {self.sha[:12]}…: got {self.offset} bytes with sha256 {digest[:12]}…, "
                f"expected {self.size} bytes with sha256 {self.sha[:12]}…; thrown away"
            )
        target = self._cache.path(self.sha)
        replace_file(self.partial, target, durable=True)
        self._cache._committed(self.sha, target)
        return target

    def close(self) -> None:
        """Stop writing but keep the partial for a later resume."""
        if not self._file.closed:
            with contextlib.suppress(OSError):
                self._file.close()

    def discard(self) -> None:
        self.close()
        with contextlib.suppress(FileNotFoundError):
            self.partial.unlink()

    def __enter__(self) -> MediaWriter:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class Cache:
    """media/<sha256> holds verified files only; media/.partial/<sha256> resumable downloads."""

    def __init__(
        self,
        root: Path,
        max_size: int,
        *,
        on_damage: Callable[[Damage], None] | None = None,
    ) -> None:
        self.root = Path(root)
        self.max_size = max_size
        self.media_dir = self.root / "media"
        self.partial_dir = self.media_dir / ".partial"
        self._on_damage = on_damage or (lambda damage: None)
        self._lock = threading.Lock()
        self._played: dict[str, float] = {}
        self._played_dirty = False
        self._played_flushed_at = time.monotonic()
        self.checked_at_start = False
        self.media_dir.mkdir(parents=True, exist_ok=True)
        self.partial_dir.mkdir(parents=True, exist_ok=True)
        swept = sweep_temp_files(self.root, now=time.time(), older_than=STALE_TEMP_SECONDS)
        if swept:
            log.info("removed %d temp file(s) a cut write left in %s", swept, self.root)
        self.trust = FileTrust(self.root / INDEX_FILE)
        self._load_played()

    # -- lookup ----------------------------------------------------------------------------

    def path(self, sha: str) -> Path:
        return self.media_dir / _check_sha(sha)

    def has(self, sha: str) -> bool:
        return self.path(sha).is_file()

    def partial_size(self, sha: str) -> int:
        try:
            return (self.partial_dir / _check_sha(sha)).stat().st_size
        except FileNotFoundError:
            return 0

    def media(self) -> dict[str, int]:
        """sha -> size of every verified-looking file under media/."""
        found = {}
        with os.scandir(self.media_dir) as entries:
            for entry in entries:
                if SHA256_RE.match(entry.name) and entry.is_file(follow_symlinks=False):
                    found[entry.name] = entry.stat().st_size
        return found

    def _partials(self) -> dict[str, int]:
        found = {}
        with contextlib.suppress(FileNotFoundError), os.scandir(self.partial_dir) as entries:
            for entry in entries:
                if entry.is_file(follow_symlinks=False):
                    found[entry.name] = entry.stat().st_size
        return found

    def usage(self) -> CacheUsage:
        media = self.media()
        partials = self._partials()
        partial_bytes = sum(partials.values())
        return CacheUsage(
            used_bytes=sum(media.values()) + partial_bytes,
            files=len(media),
            partial_bytes=partial_bytes,
            max_bytes=self.max_size,
        )

    # -- writing ---------------------------------------------------------------------------

    def writer(self, sha: str, size: int, *, resume: bool = True) -> MediaWriter:
        return MediaWriter(self, sha, size, resume=resume)

    def put_file(self, src: Path, sha: str, size: int) -> Path:
        """Copy a local file in, verifying size and sha256 on the way."""
        if self.has(sha):
            return self.path(sha)
        with self.writer(sha, size, resume=False) as writer, open(src, "rb") as source:
            while chunk := source.read(CHUNK):
                writer.write(chunk)
            return writer.commit()

    def discard_partial(self, sha: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            (self.partial_dir / _check_sha(sha)).unlink()

    # -- play times and eviction -----------------------------------------------------------

    def mark_played(self, sha: str, when: float | None = None) -> None:
        """Record a play (in memory; flushed at most hourly to spare the SD card)."""
        with self._lock:
            self._played[sha] = time.time() if when is None else when
            self._played_dirty = True
            due = time.monotonic() - self._played_flushed_at > PLAYED_FLUSH_INTERVAL
        if due:
            self.flush_played()

    def flush_played(self) -> None:
        with self._lock:
            if not self._played_dirty:
                return
            data = json.dumps(self._played, separators=(",", ":")).encode()
            self._played_dirty = False
            self._played_flushed_at = time.monotonic()
        target = self.root / PLAYED_FILE
        try:
            atomic_write(target, data, durable=False)  # advisory: a lost file costs nothing
        except OSError as exc:
            log.warning("cannot save play times to %s: %s", target, exc)

    def _load_played(self) -> None:
        target = self.root / PLAYED_FILE
        try:
            loaded = json.loads(target.read_bytes())
        except FileNotFoundError:
            return
        except (OSError, ValueError) as exc:
            log.warning("ignoring unreadable play times %s: %s", target, exc)
            return
        if isinstance(loaded, dict):
            self._played = {
                k: float(v) for k, v in loaded.items() if isinstance(v, int | float) and k
            }

    def _last_played(self, sha: str, mtime: float) -> float:
        # Never played: fall back to the download time so new files outlive old ones.
        return self._played.get(sha, mtime)

    def ensure_space(self, needed_bytes: int, keep: Iterable[str]) -> list[str]:
        """Make room for `needed_bytes` more, evicting unreferenced media least-recently-played
        first. Media in `keep` (active and pending manifests) are never evicted. Returns the
        evicted shas; raises CacheFullError when the quota or the disk still cannot fit it."""
        keep = set(keep)
        evicted: list[str] = []
        with self._lock:
            for sha in self._partials():
                if sha not in keep:
                    self._remove(self.partial_dir / sha)
            usage = self.usage()
            candidates = []
            for sha, size in self.media().items():
                if sha in keep:
                    continue
                try:
                    mtime = self.path(sha).stat().st_mtime
                except FileNotFoundError:
                    continue
                candidates.append((self._last_played(sha, mtime), sha, size))
            candidates.sort()
            used = usage.used_bytes
            free = shutil.disk_usage(self.root).free
            # Evict nothing when even evicting everything allowed would not be enough:
            # a manifest that cannot fit must not cost the screen its cached content.
            evictable = sum(size for _, _, size in candidates)
            self._check_room(used - evictable, free + evictable, needed_bytes)
            for _, sha, size in candidates:
                if used + needed_bytes <= self.max_size and free - needed_bytes >= DISK_RESERVE:
                    break
                self._remove(self.path(sha))
                self._played.pop(sha, None)
                used -= size
                free += size
                evicted.append(sha)
                log.info("evicted media %s… (%d bytes) to make room", sha[:12], size)
            if evicted:
                fsync_dir(self.media_dir)
                self._played_dirty = True
        self._check_room(used, shutil.disk_usage(self.root).free, needed_bytes)
        return evicted

    def _check_room(self, used: int, free: int, needed_bytes: int) -> None:
        if used + needed_bytes > self.max_size:
            raise CacheFullError(
                _full_error(
                    f"cache quota of {format_size(self.max_size)} (cache.max_size) is too small",
                    needed_bytes,
                    max(0, self.max_size - used),
                )
            )
        if free - needed_bytes < DISK_RESERVE:
            raise CacheFullError(
                _full_error(
                    f"not enough free disk under {self.root} "
                    f"(keeping {format_size(DISK_RESERVE)} in reserve)",
                    needed_bytes,
                    max(0, free - DISK_RESERVE),
                )
            )

    @staticmethod
    def _remove(path: Path) -> None:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()

    # -- integrity -------------------------------------------------------------------------

    def verify_all(
        self, sizes: Mapping[str, int] | None = None, *, full: bool = False
    ) -> list[str]:
        """Remove anything under media/ that is not a verified file: stray names, sizes that
        differ from `sizes` (the manifests' view) and, with `full`, wrong hashes. Cheap
        without `full` (directory listing and stat), so it can run at every start."""
        sizes = sizes or {}
        removed = []
        with os.scandir(self.media_dir) as entries:
            listing = [(e.name, e.is_file(follow_symlinks=False)) for e in entries]
        for name, is_file in listing:
            if name == ".partial":
                continue
            path = self.media_dir / name
            reason = None
            if not SHA256_RE.match(name) or not is_file:
                reason = "not a media file name"
            elif name in sizes and path.stat().st_size != sizes[name]:
                reason = f"size {path.stat().st_size} != {sizes[name]}"
            elif full and self._hash_file(path) != name:
                reason = "sha256 does not match its name"
            if reason:
                log.warning("removing %s from the cache: %s", path, reason)
                if is_file or path.is_symlink():
                    self._remove(path)
                else:
                    shutil.rmtree(path, ignore_errors=True)
                removed.append(name)
        for name in self._partials():
            if not SHA256_RE.match(name):
                self._remove(self.partial_dir / name)
                removed.append(f".partial/{name}")
        if removed:
            fsync_dir(self.media_dir)
        return removed

    @staticmethod
    def _hash_file(path: Path, pace: Callable[[int], None] | None = None) -> str:
        with open(path, "rb") as f:
            return Cache._hash_stream(f, pace)

    @staticmethod
    def _hash_stream(f, pace: Callable[[int], None] | None = None) -> str:
        digest = hashlib.sha256()
        while chunk := f.read(CHUNK):
            digest.update(chunk)
            if pace is not None:
                pace(len(chunk))
        return digest.hexdigest()

    # -- damage at rest --------------------------------------------------------------------
    #
    # A file is trusted only as far as it was checked in this run: at start every file is
    # compared (stat only) with the size and mtime recorded when it was committed; a file
    # whose size is wrong is removed at once, one that changed otherwise is hashed before
    # it is used. Small files are hashed before their first use anyway, the rest by a
    # low-priority background pass (player/sync/scrub.py). Whatever fails is removed, so
    # the sync downloads it again, and reported through `on_damage`.

    def _committed(self, sha: str, path: Path) -> None:
        st = path.stat()
        self.trust.committed(sha, (st.st_size, st.st_mtime_ns))

    def check_at_start(self, sizes: Mapping[str, int]) -> list[Damage]:
        """The cheap check (stat only) before anything plays: stray names and files whose
        size is wrong go at once; files that changed since committed are hashed before
        use. `sizes` are the stored manifests' sizes."""
        self.checked_at_start = True
        self.verify_all()  # stray names and partials
        found: list[Damage] = []
        changed = 0
        media = self.media()
        for sha, size in media.items():
            try:
                st = self.path(sha).stat()
            except FileNotFoundError:
                continue
            recorded = self.trust.recorded(sha)
            expected = sizes.get(sha, recorded[0] if recorded else None)
            if expected is not None and size != expected:
                reason = f"its size is {size} bytes, {expected} expected"
                found.append(self._condemn(sha, reason, notify=False))
            elif recorded != (st.st_size, st.st_mtime_ns):
                changed += 1
                self.trust.changed(sha)
                # Not indexed is normal once (a cache older than the index): not worth a line.
                log.log(
                    logging.DEBUG if recorded is None else logging.INFO,
                    "cache: media %s… changed since it was stored (%s): it is hashed before use",
                    sha[:12],
                    "not in the index" if recorded is None else "modification time differs",
                )
        self.trust.keep_only(set(media))
        log.info(
            "cache check at start: %d media, %d changed since stored (hashed before use), "
            "%d damaged (removed)",
            len(media),
            changed,
            len(found),
        )
        self.trust.save()
        return found

    def check_before_use(self, sha: str) -> Path:
        """The path of a media that passed its check in this run; hashes it first when it
        is small or changed since committed. Raises CacheIntegrityError otherwise (a
        damaged file is removed first). Called from decoder threads, never the render."""
        path = self.path(sha)
        try:
            st = path.stat()
        except FileNotFoundError:
            damage = self.trust.damage_of(sha)
            why = f" (removed: {damage.reason}; downloading it again)" if damage else ""
            raise CacheIntegrityError(f"media {sha[:12]}… is not in the cache{why}") from None
        ident = (st.st_size, st.st_mtime_ns)
        if not self.trust.trusted(sha, ident) and self.trust.must_hash(sha, ident):
            self.rehash(sha)
        return path

    def rehash(
        self, sha: str, pace: Callable[[int], None] | None = None, *, save: bool = True
    ) -> bool:
        """Hash a cached file; False if it was not there. A mismatch removes the file,
        reports the damage and raises CacheIntegrityError. `pace(n)` runs per chunk read.
        A good file is recorded as it is now; with `save` False the index is written
        later by `save_index()`."""
        path = self.path(sha)
        try:
            with open(path, "rb") as handle:
                st = os.fstat(handle.fileno())
                digest = self._hash_stream(handle, pace)
        except FileNotFoundError:
            return False
        if digest != sha:
            try:
                now = path.stat()
            except FileNotFoundError:
                return False
            if (now.st_dev, now.st_ino) != (st.st_dev, st.st_ino):
                # Replaced while it was hashed (condemned by another thread, downloaded
                # again): the bad bytes are gone, and the new file is not ours to judge.
                return False
            damage = self._condemn(sha, f"its sha256 is now {digest[:12]}…")
            raise CacheIntegrityError(
                f"media {sha[:12]}… is damaged on disk ({damage.reason}): removed from the "
                "cache, downloading it again"
            )
        self.trust.proven(sha, (st.st_size, st.st_mtime_ns))
        if save:
            self.trust.save()
        return True

    def save_index(self) -> None:
        """Write the index of sizes and mtimes if it changed since last written."""
        self.trust.save()

    def is_verified(self, sha: str) -> bool:
        return self.trust.is_verified(sha)

    def damage(self) -> list[Damage]:
        """Damage found since the start, oldest first."""
        return self.trust.damage()

    def _condemn(self, sha: str, reason: str, *, notify: bool = True) -> Damage:
        damage = Damage(sha, reason, format_utc(dt.datetime.now(dt.UTC)))
        log.error(
            "cache: media %s… is damaged (%s): removed; it will be downloaded again",
            sha[:12],
            reason,
            extra={"fold": False},  # one line per file: never folded with another file's
        )
        self._remove(self.path(sha))
        fsync_dir(self.media_dir)
        self.trust.condemned(damage)
        if notify:
            self.trust.save()
            self._on_damage(damage)
        return damage


# How the holders of a CacheLock name themselves in its file; a player refuses to start
# beside another player, and plays on beside a `videotron sync` (which ends by itself).
PLAYER_HOLDER = "videotron run"
SYNC_HOLDER = "videotron sync"


class CacheLock:
    """An advisory lock on the cache folder, so two processes never sync into it at once.

    The running player holds it; `videotron sync` on the same cache refuses instead of
    racing the player over partial downloads and the active manifest, and so does a
    second player. The holder writes "PID WHAT" into the file, so the refused one can
    name it. The kernel drops the lock when the holder dies, so a crash never leaves it
    stuck.
    """

    def __init__(self, root: Path) -> None:
        self.path = Path(root) / ".lock"
        self._fd: int | None = None

    def acquire(self, holder: str = "") -> bool:
        """Take the lock, noting `holder` (what this process is) in the file; False if held."""
        import fcntl

        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self._fd = fd
        with contextlib.suppress(OSError):  # the note is for messages; the lock is the flock
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()} {holder}".strip().encode() + b"\n", 0)
        return True

    def holder(self) -> tuple[int | None, str]:
        """(pid, what) of the process holding the lock, as it wrote them; (None, "") unknown."""
        try:
            with open(self.path, "rb") as handle:
                text = handle.read(1024).decode("utf-8", "replace").strip()
        except OSError:
            return None, ""
        pid, _, what = text.partition(" ")
        return (int(pid), what) if pid.isdigit() else (None, "")

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing drops the flock
            self._fd = None
