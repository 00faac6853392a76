"""Proof-of-play store: commits at once, survives reopen, caps and counts, thread-safe, small."""

from __future__ import annotations

import datetime as dt
import sqlite3
import subprocess
import sys
import threading
import time

import pytest

from player.push.popstore import PopStore
from player.wire.proofofplay import AlertPlayRecord, BrightnessSpanRecord, PlayRecord

T0 = dt.datetime(2024, 5, 1, 8, 0, tzinfo=dt.UTC)


def play(n: int, completed: bool = True) -> PlayRecord:
    start = T0 + dt.timedelta(seconds=10 * n)
    return PlayRecord(
        item_id=f"item-{n}",
        media="ab" * 32,
        started_at=start,
        ended_at=start + dt.timedelta(seconds=9.5),
        completed=completed,
        playlist="main",
    )


def test_record_is_readable_by_another_connection_at_once(tmp_path):
    store = PopStore(tmp_path / "pop.sqlite3", max_records=100)
    store.record(play(1, completed=False))
    # A second connection (another process, a crash right after) sees the committed row.
    with sqlite3.connect(tmp_path / "pop.sqlite3") as other:
        assert other.execute("SELECT COUNT(*) FROM plays").fetchone()[0] == 1
        assert other.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    [(_row_id, record)] = store.pending(10)
    assert record == {
        "item_id": "item-1",
        "media": "ab" * 32,
        "playlist": "main",
        "started_at": "2024-05-01T08:00:10.000Z",
        "ended_at": "2024-05-01T08:00:19.500Z",
        "duration": 9.5,
        "completed": False,
    }
    store.close()


def test_pending_oldest_first_and_delete_after_ack(tmp_path):
    store = PopStore(tmp_path / "pop.sqlite3", max_records=100)
    ids = [store.record(play(n)) for n in range(5)]
    batch = store.pending(3)
    assert [row_id for row_id, _ in batch] == ids[:3]
    assert [r["item_id"] for _, r in batch] == ["item-0", "item-1", "item-2"]
    store.delete([row_id for row_id, _ in batch])
    assert [row_id for row_id, _ in store.pending(10)] == ids[3:]
    assert store.stats() == {
        "pending": 2,
        "pending_alerts": 0,
        "pending_brightness": 0,
        "dropped": 0,
    }


def test_survives_reopen_with_ids_never_reused(tmp_path):
    path = tmp_path / "pop.sqlite3"
    store = PopStore(path, max_records=100)
    first = [store.record(play(n)) for n in range(3)]
    store.delete(first[:2])
    store_id = store.store_id
    store.close()

    reopened = PopStore(path, max_records=100)
    assert reopened.store_id == store_id
    assert reopened.stats() == {
        "pending": 1,
        "pending_alerts": 0,
        "pending_brightness": 0,
        "dropped": 0,
    }
    new_id = reopened.record(play(9))
    assert new_id > max(first)  # central dedupe on ids stays sound across restarts
    assert [r["item_id"] for _, r in reopened.pending(10)] == ["item-2", "item-9"]


def test_cap_drops_oldest_and_counts_persistently(tmp_path):
    path = tmp_path / "pop.sqlite3"
    store = PopStore(path, max_records=3)
    for n in range(7):
        store.record(play(n))
    assert [r["item_id"] for _, r in store.pending(10)] == ["item-4", "item-5", "item-6"]
    assert store.stats() == {
        "pending": 3,
        "pending_alerts": 0,
        "pending_brightness": 0,
        "dropped": 4,
    }
    store.close()

    smaller = PopStore(path, max_records=2)  # a lowered cap applies at open
    assert smaller.stats() == {
        "pending": 2,
        "pending_alerts": 0,
        "pending_brightness": 0,
        "dropped": 5,
    }
    assert [r["item_id"] for _, r in smaller.pending(10)] == ["item-5", "item-6"]


def test_concurrent_writers_and_uploader(tmp_path):
    store = PopStore(tmp_path / "pop.sqlite3", max_records=10_000)
    uploaded: list[int] = []
    done = threading.Event()

    def writer(base: int) -> None:
        for n in range(100):
            store.record(play(base + n))

    def uploader() -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            batch = store.pending(25)
            uploaded.extend(row_id for row_id, _ in batch)
            store.delete([row_id for row_id, _ in batch])
            if done.is_set() and not batch:
                return

    writers = [threading.Thread(target=writer, args=(k * 1000,)) for k in range(3)]
    up = threading.Thread(target=uploader)
    for t in [*writers, up]:
        t.start()
    for t in writers:
        t.join(30)
    done.set()
    up.join(30)
    assert sorted(uploaded) == sorted(set(uploaded))
    assert len(uploaded) == 300
    assert store.stats() == {
        "pending": 0,
        "pending_alerts": 0,
        "pending_brightness": 0,
        "dropped": 0,
    }


def test_corrupt_store_is_moved_aside_and_replaced(tmp_path):
    path = tmp_path / "pop.sqlite3"
    path.write_bytes(b"this is not a database" * 100)
    store = PopStore(path, max_records=10)
    store.record(play(1))
    assert store.stats() == {
        "pending": 1,
        "pending_alerts": 0,
        "pending_brightness": 0,
        "dropped": 0,
    }
    assert (tmp_path / "pop.sqlite3.corrupt").exists()


def test_naive_times_are_refused(tmp_path):
    store = PopStore(tmp_path / "pop.sqlite3", max_records=10)
    bad = PlayRecord("x", None, dt.datetime(2024, 1, 1), dt.datetime(2024, 1, 1), True)
    with pytest.raises(ValueError, match="timezone"):
        store.record(bad)
    assert store.stats()["pending"] == 0


def test_plays_are_in_the_main_file_before_they_are_sent(tmp_path):
    # A power cut may drop a WAL that was never synced. Whatever pending() hands out for
    # sending must already be in the database file itself, or a rolled-back id could be
    # given to a later play that the collector would then take for a repeat.
    import shutil

    path = tmp_path / "pop.sqlite3"
    store = PopStore(path, max_records=100)
    ids = [store.record(play(n)) for n in range(3)]
    batch = store.pending(10)
    assert [row_id for row_id, _ in batch] == ids
    survivor = tmp_path / "after-power-cut.sqlite3"
    shutil.copyfile(path, survivor)  # the main file alone, as if the WAL were lost
    with sqlite3.connect(survivor) as db:
        assert [r[0] for r in db.execute("SELECT id FROM plays ORDER BY id")] == ids
        assert db.execute("SELECT seq FROM sqlite_sequence WHERE name = 'plays'").fetchone()[
            0
        ] == max(ids)
    store.close()


RSS_PROBE = """
import datetime as dt, resource, sys
from pathlib import Path
from player.wire.proofofplay import PlayRecord
from player.push.popstore import PopStore

def rss():
    return int(Path("/proc/self/statm").read_text().split()[1]) * resource.getpagesize()

store = PopStore(Path(sys.argv[1]), 500_000)
now = dt.datetime.now(dt.UTC)
record = PlayRecord("item-1", "a" * 64, now, now, True, "main")
for _ in range(200):  # SQLite and the first pages settle
    store.record(record)
before = rss()
for _ in range(12_000):
    store.record(record)
print(rss() - before)
"""


def test_memory_stays_flat_over_many_plays(tmp_path):
    """A screen records a play every few seconds for months: the store must not grow in memory
    with the plays it holds on disk (SQLite's default page cache grew by 2 MB)."""
    result = subprocess.run(
        [sys.executable, "-c", RSS_PROBE, str(tmp_path / "pop.sqlite3")],
        capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    grown = int(result.stdout)
    assert grown < 600 * 1024, f"RSS grew {grown / 1024:.0f} KB over 12,000 plays"


def alert_shown(n: int, *, issued: dt.datetime = T0) -> AlertPlayRecord:
    start = T0 + dt.timedelta(seconds=60 * n)
    return AlertPlayRecord(
        alert_id="banjir-bogor",
        issued_at=issued,
        level="emergency",
        headline="Banjir di Kota Bogor",
        started_at=start,
        ended_at=start + dt.timedelta(seconds=30.5),
        pages=2,
        pages_shown=2,
        completed=False,
    )


def test_alert_records_are_committed_at_once_apart_from_plays(tmp_path):
    store = PopStore(tmp_path / "pop.sqlite3", max_records=100)
    play_id = store.record(play(1))
    alert_id = store.record_alert(alert_shown(1))
    with sqlite3.connect(tmp_path / "pop.sqlite3") as other:  # committed, for another reader
        assert other.execute("SELECT COUNT(*) FROM alerts").fetchone()[0] == 1
    assert (play_id, alert_id) == (1, 1)  # a sequence of their own
    [(row_id, record)] = store.pending_alerts(10)
    assert row_id == alert_id
    assert record["alert_id"] == "banjir-bogor" and record["duration"] == 30.5
    assert record["issued_at"] == "2024-05-01T08:00:00.000Z"
    assert store.stats() == {
        "pending": 1,
        "pending_alerts": 1,
        "pending_brightness": 0,
        "dropped": 0,
    }
    store.delete_alerts([alert_id])
    assert store.pending_alerts(10) == [] and [i for i, _ in store.pending(10)] == [play_id]
    store.close()
    reopened = PopStore(tmp_path / "pop.sqlite3", max_records=100)
    assert reopened.stats() == {
        "pending": 1,
        "pending_alerts": 0,
        "pending_brightness": 0,
        "dropped": 0,
    }
    assert reopened.record_alert(alert_shown(2)) == 2  # ids are never given out twice
    reopened.close()


def test_alert_records_are_capped_oldest_first(tmp_path):
    store = PopStore(tmp_path / "pop.sqlite3", max_records=3)
    ids = [store.record_alert(alert_shown(n)) for n in range(5)]
    assert [i for i, _ in store.pending_alerts(10)] == ids[2:]
    assert store.stats()["pending_alerts"] == 3
    store.close()


def span(n: int, level: int = 80) -> BrightnessSpanRecord:
    start = T0 + dt.timedelta(minutes=10 * n)
    return BrightnessSpanRecord(level, "plan", "novastar", start, start + dt.timedelta(minutes=10))


def test_brightness_spans_are_committed_at_once_in_a_sequence_of_their_own(tmp_path):
    store = PopStore(tmp_path / "pop.sqlite3", max_records=3)
    store.record(play(1))
    ids = [store.record_brightness(span(n, level=10 * n)) for n in range(5)]
    with sqlite3.connect(tmp_path / "pop.sqlite3") as other:  # committed, for another reader
        assert other.execute("SELECT COUNT(*) FROM brightness").fetchone()[0] == 3  # capped
    assert ids == [1, 2, 3, 4, 5]
    assert [(i, s["level"]) for i, s in store.pending_brightness(10)] == [(3, 20), (4, 30), (5, 40)]
    assert store.pending_brightness(1)[0][1] == {
        "level": 20, "source": "plan", "via": "novastar",
        "started_at": "2024-05-01T08:20:00.000Z", "ended_at": "2024-05-01T08:30:00.000Z",
    }  # fmt: skip
    store.delete_brightness([3, 4])
    assert store.stats()["pending_brightness"] == 1 and store.stats()["pending"] == 1
    store.close()
    with PopStore(tmp_path / "pop.sqlite3", max_records=3) as reopened:
        assert reopened.stats()["pending_brightness"] == 1
        assert reopened.record_brightness(span(6)) == 6  # ids are never given out twice
