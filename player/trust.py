"""What the cache knows of its files since the start: sizes and mtimes as stored, hashes, damage."""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path

from player.wire.atomicfile import atomic_write

log = logging.getLogger(__name__)

Ident = tuple[int, int]  # (st_size, st_mtime_ns): how a file looked when last known good

INDEX_FILE = "media-index.json"
# Media up to this size are hashed before their first use after a start (a poster takes
# milliseconds); bigger ones only when they changed since stored, else in the background.
HASH_BEFORE_USE = 16 * 1000**2
# Commits write the index at most this often (the sync saves it when a batch is done): a
# thousand small media must not rewrite it a thousand times. An entry lost in a crash
# only makes its file hashed before use once.
INDEX_SAVE_EVERY = 10.0  # seconds
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class Damage:
    """A cached media found damaged at rest: removed, to be downloaded again."""

    sha: str
    reason: str
    found_at: str  # ISO 8601, UTC
    restored: bool = False  # downloaded again since

    def as_status(self) -> dict:
        return {
            "media": self.sha,
            "reason": self.reason,
            "found_at": self.found_at,
            "restored": self.restored,
        }


class FileTrust:
    """Thread-safe record of each media file: how it looked when stored (the index, kept
    on disk), whether its hash was checked in this run, whether it changed since stored,
    and what was found damaged. It touches no media file; `Cache` does."""

    def __init__(self, index_path: Path) -> None:
        self.index_path = index_path
        self._lock = threading.Lock()
        self._write_lock = threading.Lock()  # one index write at a time, newest last
        self._index: dict[str, Ident] = {}
        self._verified: dict[str, Ident] = {}
        self._suspect: set[str] = set()
        self._damage: dict[str, Damage] = {}
        self._dirty = False
        self._saved_at = float("-inf")
        self._load()

    def _load(self) -> None:
        try:
            media = json.loads(self.index_path.read_bytes())["media"]
            self._index = {
                sha: (int(size), int(mtime))
                for sha, (size, mtime) in media.items()
                if _SHA256.match(sha)
            }
        except FileNotFoundError:
            return
        except (OSError, ValueError, TypeError, KeyError, AttributeError) as exc:
            # Every file then counts as changed and is hashed before use: slower, not unsafe.
            log.warning("ignoring unreadable cache index %s: %s", self.index_path, exc)

    def save(self, *, force: bool = False) -> None:
        """Write the index if anything changed it (or always, with `force`)."""
        with self._write_lock:
            with self._lock:
                if not (self._dirty or force):
                    return
                self._dirty = False
                self._saved_at = time.monotonic()
                media = {sha: list(entry) for sha, entry in self._index.items()}
            data = json.dumps({"version": 1, "media": media}, separators=(",", ":")).encode()
            try:
                # Not durable: a lost index only makes the next start hash files before use.
                atomic_write(self.index_path, data, durable=False)
            except OSError as exc:
                log.warning("cannot save the cache index %s: %s", self.index_path, exc)

    def committed(self, sha: str, ident: Ident) -> None:
        """A file verified while written was just published."""
        with self._lock:
            self._index[sha] = self._verified[sha] = ident
            self._suspect.discard(sha)
            self._dirty = True
            damage = self._damage.get(sha)
            if damage is not None and not damage.restored:
                self._damage[sha] = replace(damage, restored=True)
                log.warning(
                    "cache: media %s… downloaded again after damage; it plays again",
                    sha[:12],
                    extra={"fold": False},
                )
            due = time.monotonic() - self._saved_at >= INDEX_SAVE_EVERY
        if due:
            self.save()

    def recorded(self, sha: str) -> Ident | None:
        with self._lock:
            return self._index.get(sha)

    def changed(self, sha: str) -> None:
        """It does not look as stored: hash it before it is used."""
        with self._lock:
            self._suspect.add(sha)

    def keep_only(self, present: set[str]) -> None:
        """Forget the index entries of files no longer there."""
        with self._lock:
            for sha in set(self._index) - present:
                del self._index[sha]
                self._dirty = True

    def trusted(self, sha: str, ident: Ident) -> bool:
        """Hashed good in this run, and not changed since."""
        with self._lock:
            return self._verified.get(sha) == ident

    def must_hash(self, sha: str, ident: Ident) -> bool:
        """Whether a file must be hashed before its use now (see HASH_BEFORE_USE)."""
        with self._lock:
            return (
                sha in self._suspect or ident[0] <= HASH_BEFORE_USE or self._index.get(sha) != ident
            )

    def proven(self, sha: str, ident: Ident) -> None:
        """Hashed good as it is now; the next start need not hash it before use again."""
        with self._lock:
            self._verified[sha] = ident
            self._suspect.discard(sha)
            if self._index.get(sha) != ident:
                self._index[sha] = ident
                self._dirty = True

    def is_verified(self, sha: str) -> bool:
        with self._lock:
            return sha in self._verified

    def condemned(self, damage: Damage) -> None:
        with self._lock:
            self._damage[damage.sha] = damage
            self._index.pop(damage.sha, None)
            self._verified.pop(damage.sha, None)
            self._suspect.discard(damage.sha)
            self._dirty = True

    def damage_of(self, sha: str) -> Damage | None:
        with self._lock:
            return self._damage.get(sha)

    def damage(self) -> list[Damage]:
        """Damage found since the start, oldest first."""
        with self._lock:
            return list(self._damage.values())
