"""The content-addressed cache on a real temp dir: atomic verified writes, resume, quota."""

from __future__ import annotations

import errno
import hashlib
import os
from pathlib import Path

import pytest

from player import cache as cache_module
from player.cache import Cache, CacheFullError, CacheIntegrityError


def blob(n: int, seed: int = 0) -> tuple[bytes, str]:
    data = hashlib.sha256(str(seed).encode()).digest() * (n // 32 + 1)
    data = data[:n]
    return data, hashlib.sha256(data).hexdigest()


def put(cache: Cache, tmp_path: Path, n: int, seed: int) -> str:
    data, sha = blob(n, seed)
    src = tmp_path / f"src-{seed}"
    src.write_bytes(data)
    cache.put_file(src, sha, n)
    return sha


def test_put_file_publishes_only_verified_bytes(tmp_path: Path) -> None:
    cache = Cache(tmp_path / "c", 10**9)
    data, sha = blob(1000)
    src = tmp_path / "src"
    src.write_bytes(data)
    assert cache.put_file(src, sha, 1000) == cache.path(sha)
    assert cache.has(sha)
    assert cache.path(sha).read_bytes() == data

    _, other_sha = blob(1000, seed=1)
    with pytest.raises(CacheIntegrityError, match="expected 1000 bytes"):
        cache.put_file(src, other_sha, 1000)
    assert not cache.has(other_sha)
    assert cache.partial_size(other_sha) == 0
    assert sorted(os.listdir(cache.media_dir)) == sorted([".partial", sha])


def test_writer_resumes_from_a_partial_and_rehashes_it(tmp_path: Path) -> None:
    cache = Cache(tmp_path, 10**9)
    data, sha = blob(300_000)
    with cache.writer(sha, len(data)) as writer:
        writer.write(data[:120_000])
    assert cache.partial_size(sha) == 120_000
    assert not cache.has(sha)

    # A fresh Cache (a restart) sees the partial and continues where it stopped.
    cache = Cache(tmp_path, 10**9)
    with cache.writer(sha, len(data)) as writer:
        assert writer.offset == 120_000
        writer.write(data[120_000:])
        writer.commit()
    assert cache.path(sha).read_bytes() == data
    assert cache.partial_size(sha) == 0


def test_corrupt_partial_is_thrown_away_at_commit(tmp_path: Path) -> None:
    cache = Cache(tmp_path, 10**9)
    data, sha = blob(5000)
    (cache.partial_dir / sha).write_bytes(b"\0" * 2000)  # e.g. zeros after a power cut
    writer = cache.writer(sha, len(data))
    assert writer.offset == 2000
    writer.write(data[2000:])
    with pytest.raises(CacheIntegrityError):
        writer.commit()
    assert not cache.has(sha)
    assert cache.partial_size(sha) == 0


def test_restart_and_oversize(tmp_path: Path) -> None:
    cache = Cache(tmp_path, 10**9)
    data, sha = blob(4000)
    with cache.writer(sha, len(data)) as writer:
        writer.write(b"x" * 100)
        writer.restart()
        writer.write(data)
        writer.commit()
    assert cache.has(sha)

    data2, sha2 = blob(100, seed=2)
    writer = cache.writer(sha2, 100)
    with pytest.raises(CacheIntegrityError, match="more than the 100 bytes"):
        writer.write(data2 + b"extra")
    assert cache.partial_size(sha2) == 0


def test_eviction_is_least_recently_played_first_and_spares_referenced(tmp_path: Path) -> None:
    cache = Cache(tmp_path / "c", 10_000)
    a, b, c, d = (put(cache, tmp_path, 2000, seed) for seed in range(4))
    cache.mark_played(a, when=300.0)
    cache.mark_played(b, when=100.0)  # least recently played
    cache.mark_played(c, when=200.0)
    cache.mark_played(d, when=50.0)  # oldest of all, but referenced
    assert cache.usage().used_bytes == 8000

    evicted = cache.ensure_space(4000, keep={d})
    assert evicted == [b]
    assert not cache.has(b) and cache.has(a) and cache.has(c) and cache.has(d)

    evicted = cache.ensure_space(7000, keep={d})
    assert evicted == [c, a]
    assert cache.has(d)


def test_referenced_media_are_never_evicted_and_the_error_says_what_to_do(tmp_path: Path) -> None:
    cache = Cache(tmp_path / "c", 5000)
    keep = {put(cache, tmp_path, 2000, seed) for seed in range(2)}
    with pytest.raises(CacheFullError) as info:
        cache.ensure_space(2000, keep=keep)
    message = str(info.value)
    assert message.startswith("cache quota of 5.0 kB (cache.max_size) is too small")
    assert "needs 2.0 kB, 1.0 kB available" in message
    assert all(cache.has(sha) for sha in keep)


def test_stale_partials_of_unreferenced_media_are_dropped(tmp_path: Path) -> None:
    cache = Cache(tmp_path, 10_000)
    data, sha = blob(3000)
    with cache.writer(sha, 3000) as writer:
        writer.write(data[:1000])
    cache.ensure_space(0, keep=set())
    assert cache.partial_size(sha) == 0


def test_play_times_survive_a_restart(tmp_path: Path) -> None:
    cache = Cache(tmp_path / "c", 6000)
    a, b, c = (put(cache, tmp_path, 2000, seed) for seed in range(3))
    cache.mark_played(a, when=10.0)
    cache.mark_played(b, when=30.0)
    cache.mark_played(c, when=20.0)
    cache.flush_played()
    cache = Cache(tmp_path / "c", 6000)
    assert cache.ensure_space(2000, keep=set()) == [a]


def test_low_disk_space_is_a_clear_error(tmp_path: Path, monkeypatch) -> None:
    cache = Cache(tmp_path, 10**12)
    real = cache_module.shutil.disk_usage(tmp_path)
    fake = type(real)(real.total, real.total - 1000, 1000)
    monkeypatch.setattr(cache_module.shutil, "disk_usage", lambda _: fake)
    with pytest.raises(CacheFullError, match="not enough free disk under"):
        cache.ensure_space(10_000, keep=set())


def test_enospc_while_writing_is_cache_full(tmp_path: Path) -> None:
    cache = Cache(tmp_path, 10**9)
    data, sha = blob(1000)
    writer = cache.writer(sha, 1000)
    writer.write(data[:100])

    class FullDisk:  # the fault a real full SD card gives: write() fails with ENOSPC
        def __init__(self, real) -> None:
            self.real = real
            self.closed = False

        def write(self, _data: bytes) -> int:
            raise OSError(errno.ENOSPC, "No space left on device")

        def close(self) -> None:
            self.closed = True
            self.real.close()

    writer._file = FullDisk(writer._file)
    with pytest.raises(CacheFullError, match="disk full writing media"):
        writer.write(data[100:])
    assert not cache.has(sha)
    assert cache.partial_size(sha) == 100  # kept for a resume once there is room


def test_verify_all_removes_what_does_not_match(tmp_path: Path) -> None:
    cache = Cache(tmp_path, 10**9)
    good = put(cache, tmp_path, 1000, 1)
    sized = put(cache, tmp_path, 1000, 2)
    flipped = put(cache, tmp_path, 1000, 3)
    with open(cache.path(flipped), "r+b") as f:
        f.write(b"X")  # same size, different content
    (cache.media_dir / "notes.txt").write_text("stray")
    (cache.partial_dir / "junk.tmp").write_text("stray")

    removed = cache.verify_all({sized: 999})
    assert set(removed) == {sized, "notes.txt", ".partial/junk.tmp"}
    assert cache.has(flipped)  # cheap check: sizes only

    assert cache.verify_all(full=True) == [flipped]
    assert cache.has(good) and cache.media() == {good: 1000}
