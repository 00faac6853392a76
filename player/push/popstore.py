"""Proof-of-play store: plays, alerts shown, brightness spans; committed at once, uploaded later."""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
import uuid
from pathlib import Path

from player.wire.atomicfile import replace_file
from player.wire.proofofplay import (
    AlertPlay,
    AlertPlayRecord,
    BrightnessSpan,
    BrightnessSpanRecord,
    Play,
    PlayRecord,
    alert_play_fields,
    brightness_span_fields,
    play_fields,
)

log = logging.getLogger(__name__)

PAGE_CACHE_KB = 256

_SCHEMA = """
CREATE TABLE IF NOT EXISTS plays (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    record TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS alerts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    record TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS brightness (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    record TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
"""


class PopStore:
    """Plays waiting for upload, in `path` (SQLite, WAL); oldest dropped beyond `max_records`.

    Alerts shown are kept the same way in a table of their own, with their own ids and the
    same cap: a collector that predates them leaves them waiting while plays go on.
    Brightness spans likewise, in a third table.

    One connection guarded by a lock: the render thread records, the push thread reads
    and deletes. Every `record` is its own committed transaction (not synced: a power cut
    may lose the last few plays, never one already sent). `store_id` is a random id made
    with the file so
    the central side can dedupe on (player, store_id, record id) even if the file is
    ever recreated and ids start again.
    """

    def __init__(self, path: Path, max_records: int) -> None:
        if max_records < 1:
            raise ValueError(f"report.max_records must be at least 1, got {max_records}")
        self.path = Path(path)
        self.max_records = max_records
        self._lock = threading.Lock()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._db = self._open()
        except sqlite3.DatabaseError as exc:
            # A corrupt store must not stop playback: keep the bad file for inspection.
            aside = self.path.with_name(self.path.name + ".corrupt")
            log.error(
                "proof-of-play store %s is unreadable (%s); moved it to %s and started a new one",
                self.path,
                exc,
                aside,
            )
            for suffix in ("", "-wal", "-shm"):
                src = Path(str(self.path) + suffix)
                if src.exists():
                    replace_file(src, Path(str(aside) + suffix), durable=False)
            self._db = self._open()
        self._pending = self._db.execute("SELECT COUNT(*) FROM plays").fetchone()[0]
        self._pending_alerts = self._db.execute("SELECT COUNT(*) FROM alerts").fetchone()[0]
        self._pending_brightness = self._db.execute("SELECT COUNT(*) FROM brightness").fetchone()[0]
        self._dropped = int(self._meta("dropped", "0"))
        self._alerts_dropped = int(self._meta("alerts_dropped", "0"))
        self.store_id = self._meta("store_id", "")
        if not self.store_id:
            self.store_id = uuid.uuid4().hex
            with self._db:
                self._set_meta("store_id", self.store_id)
        self._enforce_cap()

    def _open(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, check_same_thread=False, timeout=5.0, isolation_level=None)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            # NORMAL with WAL never corrupts the file and a commit does not wait for the SD
            # card on the render thread; a power cut may lose the last plays. pending()
            # checkpoints (syncs) before a batch leaves, so no play the office may already
            # hold is ever rolled back and its id given to another play.
            db.execute("PRAGMA synchronous=NORMAL")
            # Plays are appended and read oldest first, a batch at a time: a few pages do.
            # SQLite's default 2 MB page cache filled up over the first ~8,000 plays of every
            # start, which read as memory creeping up (docs/BENCHMARKS.md, P6).
            db.execute(f"PRAGMA cache_size=-{PAGE_CACHE_KB}")
            db.executescript(_SCHEMA)
            db.execute("SELECT COUNT(*) FROM plays").fetchone()
        except sqlite3.DatabaseError:
            db.close()
            raise
        db.isolation_level = "DEFERRED"
        return db

    def _meta(self, key: str, default: str) -> str:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else default

    def _set_meta(self, key: str, value: str) -> None:
        self._db.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    def record(self, record: PlayRecord) -> int:
        """Store one play (committed before returning); returns its id."""
        text = json.dumps(play_fields(record), separators=(",", ":"))
        with self._lock, self._db:
            cursor = self._db.execute("INSERT INTO plays (record) VALUES (?)", (text,))
            self._pending += 1
            self._enforce_cap_locked()
            return int(cursor.lastrowid)

    def record_alert(self, record: AlertPlayRecord) -> int:
        """Store one alert's time on screen (committed before returning); returns its id."""
        text = json.dumps(alert_play_fields(record), separators=(",", ":"))
        with self._lock, self._db:
            cursor = self._db.execute("INSERT INTO alerts (record) VALUES (?)", (text,))
            self._pending_alerts += 1
            self._enforce_alerts_cap_locked()
            return int(cursor.lastrowid)

    def record_brightness(self, record: BrightnessSpanRecord) -> int:
        """Store one brightness span (committed before returning); returns its id."""
        text = json.dumps(brightness_span_fields(record), separators=(",", ":"))
        with self._lock, self._db:
            cursor = self._db.execute("INSERT INTO brightness (record) VALUES (?)", (text,))
            self._pending_brightness += 1
            self._enforce_brightness_cap_locked()
            return int(cursor.lastrowid)

    def _enforce_cap(self) -> None:
        with self._lock, self._db:
            self._enforce_cap_locked()
            self._enforce_alerts_cap_locked()
            self._enforce_brightness_cap_locked()

    def _enforce_brightness_cap_locked(self) -> None:
        # A span is at most an hour: the cap is years of them, reached only when the
        # collector never stores them. The oldest go, once said, and nothing is counted.
        excess = self._pending_brightness - self.max_records
        if excess <= 0:
            return
        self._db.execute(
            "DELETE FROM brightness WHERE id IN (SELECT id FROM brightness ORDER BY id LIMIT ?)",
            (excess,),
        )
        self._pending_brightness -= excess
        log.warning(
            "proof-of-play store %s holds %d brightness spans: dropped the oldest %d "
            "(is the collector older than this player?)",
            self.path,
            self.max_records,
            excess,
        )

    def _enforce_alerts_cap_locked(self) -> None:
        excess = self._pending_alerts - self.max_records
        if excess <= 0:
            return
        self._db.execute(
            "DELETE FROM alerts WHERE id IN (SELECT id FROM alerts ORDER BY id LIMIT ?)", (excess,)
        )
        self._pending_alerts -= excess
        if self._alerts_dropped == 0:
            log.warning(
                "proof-of-play store %s holds %d alert records: dropping the oldest "
                "(is the collector older than this player?)",
                self.path,
                self.max_records,
            )
        self._alerts_dropped += excess
        self._set_meta("alerts_dropped", str(self._alerts_dropped))

    def _enforce_cap_locked(self) -> None:
        excess = self._pending - self.max_records
        if excess <= 0:
            return
        self._db.execute(
            "DELETE FROM plays WHERE id IN (SELECT id FROM plays ORDER BY id LIMIT ?)", (excess,)
        )
        self._pending -= excess
        if self._dropped == 0:
            log.warning(
                "proof-of-play store %s is full (%d records): dropping the oldest plays",
                self.path,
                self.max_records,
            )
        self._dropped += excess
        self._set_meta("dropped", str(self._dropped))

    def pending(self, limit: int) -> list[tuple[int, Play]]:
        """The oldest `limit` plays not yet acknowledged, as (id, play).

        Everything committed so far is made durable first: the collector dedupes on the
        record id, so a sent play rolled back by a power cut would let a later play reuse
        its id and be taken for a repeat.
        """
        with self._lock:
            self._db.execute("PRAGMA wal_checkpoint(PASSIVE)")
            rows = self._db.execute(
                "SELECT id, record FROM plays ORDER BY id LIMIT ?", (max(0, limit),)
            ).fetchall()
        return [(int(row_id), json.loads(text)) for row_id, text in rows]

    def pending_alerts(self, limit: int) -> list[tuple[int, AlertPlay]]:
        """The oldest `limit` alert records not yet acknowledged, as (id, record); made
        durable first, for the reason `pending` gives."""
        with self._lock:
            self._db.execute("PRAGMA wal_checkpoint(PASSIVE)")
            rows = self._db.execute(
                "SELECT id, record FROM alerts ORDER BY id LIMIT ?", (max(0, limit),)
            ).fetchall()
        return [(int(row_id), json.loads(text)) for row_id, text in rows]

    def pending_brightness(self, limit: int) -> list[tuple[int, BrightnessSpan]]:
        """The oldest `limit` brightness spans not yet acknowledged, as (id, span); made
        durable first, for the reason `pending` gives."""
        with self._lock:
            self._db.execute("PRAGMA wal_checkpoint(PASSIVE)")
            rows = self._db.execute(
                "SELECT id, record FROM brightness ORDER BY id LIMIT ?", (max(0, limit),)
            ).fetchall()
        return [(int(row_id), json.loads(text)) for row_id, text in rows]

    def delete(self, ids: list[int] | tuple[int, ...]) -> None:
        """Forget plays the central side has acknowledged."""
        if not ids:
            return
        with self._lock, self._db:
            before = self._db.total_changes
            self._db.executemany("DELETE FROM plays WHERE id = ?", [(int(i),) for i in ids])
            self._pending -= self._db.total_changes - before

    def delete_alerts(self, ids: list[int] | tuple[int, ...]) -> None:
        """Forget alert records the central side has acknowledged."""
        if not ids:
            return
        with self._lock, self._db:
            before = self._db.total_changes
            self._db.executemany("DELETE FROM alerts WHERE id = ?", [(int(i),) for i in ids])
            self._pending_alerts -= self._db.total_changes - before

    def delete_brightness(self, ids: list[int] | tuple[int, ...]) -> None:
        """Forget brightness spans the central side has acknowledged."""
        if not ids:
            return
        with self._lock, self._db:
            before = self._db.total_changes
            self._db.executemany("DELETE FROM brightness WHERE id = ?", [(int(i),) for i in ids])
            self._pending_brightness -= self._db.total_changes - before

    def stats(self) -> dict:
        """{"pending": plays waiting upload, "pending_alerts": alert records waiting,
        "pending_brightness": brightness spans waiting, "dropped": plays lost to the cap
        since the store began}."""
        with self._lock:
            return {
                "pending": self._pending,
                "pending_alerts": self._pending_alerts,
                "pending_brightness": self._pending_brightness,
                "dropped": self._dropped,
            }

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> PopStore:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
