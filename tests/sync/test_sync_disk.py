"""Quota and full disk during a sync: eviction order, referenced media kept, clear errors."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from player import cache as cache_module
from tests.fixtures.content import publish_tree
from tests.sync.util import config_for, make_rig, manifest_media, noise_item


@pytest.fixture
def folder(tmp_path: Path, publisher_key):
    key_path, public = publisher_key
    root = tmp_path / "pub"
    state = {"n": 0}

    def publish(*seeds: int) -> dict[str, int]:
        items = [noise_item(tmp_path, f"m{seed}", seed=seed) for seed in seeds]
        path = publish_tree(root, items, key_path)
        state["n"] += 1
        stamp = path.stat().st_mtime + 10 * state["n"]
        os.utime(path, (stamp, stamp))
        return manifest_media(path)

    return root, public, publish


def test_quota_evicts_unreferenced_least_recently_played_and_never_referenced(
    folder, tmp_path: Path
) -> None:
    root, public, publish = folder
    v1 = publish(1, 2)
    size = max(v1.values())
    config = config_for(tmp_path / "cache", str(root), public, max_size=int(5.5 * size))
    rig = make_rig(config)
    assert rig.loop.sync_once().changed
    a, b = v1
    rig.cache.mark_played(a, when=2000.0)  # a was on screen more recently than b
    rig.cache.mark_played(b, when=1000.0)

    v2 = publish(3, 4)
    assert rig.loop.sync_once().changed  # 4 files fit; v1 is "previous" only now

    v3 = publish(5, 6)
    result = rig.loop.sync_once()
    assert result.ok and result.changed, result.reason
    assert rig.cache.has(a) and not rig.cache.has(b)
    assert all(rig.cache.has(sha) for sha in [*v2, *v3])

    # A manifest whose own media exceed the quota: refused clearly, and nothing is evicted
    # for it (not even the unreferenced v2 media), since it could never fit anyway.
    publish(7, 8, 9, 10, 11)
    result = rig.loop.sync_once()
    assert not result.ok and result.kind == "disk"
    assert "cache.max_size" in result.reason
    assert rig.status.get("cache")["error"] == result.reason
    assert rig.store.load_active()[0].sequence == rig.activated[-1].sequence
    assert all(rig.cache.has(sha) for sha in [*v2, *v3])
    assert rig.cache.usage().used_bytes <= config.cache.max_size


def test_disk_full_while_writing_is_reported_not_a_crash(
    folder, tmp_path: Path, monkeypatch
) -> None:
    root, public, publish = folder
    publish(1, 2)
    rig = make_rig(config_for(tmp_path / "cache", str(root), public))
    real_open = open

    class FullCard:
        """A file on a card that fills up after a few kilobytes (ENOSPC from write)."""

        def __init__(self, f) -> None:
            self._f = f
            self.left = 4096

        def write(self, data: bytes) -> int:
            if len(data) > self.left:
                raise OSError(errno.ENOSPC, "No space left on device")
            self.left -= len(data)
            return self._f.write(data)

        def __getattr__(self, name):
            return getattr(self._f, name)

    def card_open(path, mode="r", *args, **kwargs):
        f = real_open(path, mode, *args, **kwargs)
        return FullCard(f) if ".partial" in str(path) and "b" in mode else f

    monkeypatch.setattr(cache_module, "open", card_open, raising=False)
    result = rig.loop.sync_once()
    assert not result.ok and result.kind == "disk"
    assert "disk full writing media" in result.reason and "free disk space" in result.reason
    assert rig.status.get("cache")["error"] == result.reason
    assert rig.status.get("sync")["state"] == "error"
    assert rig.store.load_active() is None

    monkeypatch.undo()  # space freed: the next sync completes from the partials
    result = rig.loop.sync_once()
    assert result.ok and result.changed, result.reason
    assert rig.status.get("cache")["error"] is None


def test_low_free_disk_is_checked_before_downloading(folder, tmp_path: Path, monkeypatch) -> None:
    root, public, publish = folder
    publish(1)
    rig = make_rig(config_for(tmp_path / "cache", str(root), public))
    real = cache_module.shutil.disk_usage(tmp_path)
    tiny = type(real)(real.total, real.total - 10_000, 10_000)
    monkeypatch.setattr(cache_module.shutil, "disk_usage", lambda _: tiny)
    result = rig.loop.sync_once()
    assert not result.ok and result.kind == "disk" and "not enough free disk" in result.reason
    assert rig.cache.media() == {} and rig.cache.usage().partial_bytes == 0
