"""A USB stick (local folder) source: same tree, same guarantees, stick pulled mid-copy."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.fixtures.content import publish_tree
from tests.sync.util import assert_cache_sound, config_for, make_rig, manifest_media, noise_item


@pytest.fixture
def stick(tmp_path: Path, publisher_key):
    """A 'mounted stick' folder and a function publishing onto it."""
    key_path, public = publisher_key
    root = tmp_path / "media-usb"
    state = {"n": 0}

    def publish(items: list[dict]) -> Path:
        path = publish_tree(root, items, key_path)
        state["n"] += 1  # distinct mtimes, as copies made minutes apart would have
        stamp = path.stat().st_mtime + 10 * state["n"]
        os.utime(path, (stamp, stamp))
        return path

    config = config_for(tmp_path / "cache", str(root), public)
    return root, publish, config


def test_folder_source_syncs_polls_and_updates_like_http(stick, tmp_path: Path) -> None:
    _, publish, config = stick
    items = [noise_item(tmp_path, "a", seed=1), noise_item(tmp_path, "b", seed=2)]
    first = manifest_media(publish(items))
    rig = make_rig(config)

    result = rig.loop.sync_once()
    assert result.ok and result.changed, result.reason
    assert sorted(rig.loop.last_report.completed) == sorted(first)

    result = rig.loop.sync_once()  # unchanged stick: nothing read but the manifest's stat
    assert result.ok and not result.changed and rig.loop.last_report is None

    second_path = publish([items[0], noise_item(tmp_path, "b", seed=3)])
    result = rig.loop.sync_once()
    assert result.ok and result.changed, result.reason
    (new_sha,) = set(manifest_media(second_path)) - set(first)
    assert rig.loop.last_report.completed == [new_sha]
    assert rig.store.load_active()[1] == second_path.read_bytes()
    assert_cache_sound(rig.cache.root)


def test_stick_pulled_mid_copy_then_reinserted_resumes(stick, tmp_path: Path) -> None:
    root, publish, config = stick
    manifest_path = publish([noise_item(tmp_path, "big", size=(400, 300), seed=4)])
    (sha, size), = manifest_media(manifest_path).items()  # fmt: skip
    on_stick = root / "media" / sha
    whole = on_stick.read_bytes()
    rig = make_rig(config)

    # The stick goes away while the file is being read: the copy sees a short file.
    on_stick.write_bytes(whole[: size * 2 // 5])
    result = rig.loop.sync_once()
    assert not result.ok and result.kind == "network"
    assert "will resume" in result.reason
    kept = rig.cache.partial_size(sha)
    assert kept == size * 2 // 5
    assert rig.store.load_active() is None and not rig.cache.has(sha)

    pulled = tmp_path / "elsewhere"
    root.rename(pulled)  # no stick at all
    result = rig.loop.sync_once()
    assert not result.ok and result.kind == "network"
    assert "stick not inserted" in result.reason
    assert rig.cache.partial_size(sha) == kept

    (pulled / "media" / sha).write_bytes(whole)
    pulled.rename(root)  # reinserted, complete this time
    result = rig.loop.sync_once()
    assert result.ok and result.changed, result.reason
    assert rig.loop.last_report.fetched_bytes == size - kept
    assert rig.cache.path(sha).read_bytes() == whole
    assert_cache_sound(rig.cache.root)


def test_corrupt_file_on_the_stick_is_refused(stick, tmp_path: Path) -> None:
    root, publish, config = stick
    manifest_path = publish([noise_item(tmp_path, "a", seed=5)])
    (sha, _), = manifest_media(manifest_path).items()  # fmt: skip
    with open(root / "media" / sha, "r+b") as f:
        f.seek(1000)
        f.write(b"\xff" * 8)
    rig = make_rig(config)
    result = rig.loop.sync_once()
    assert not result.ok and result.kind == "hash"
    assert rig.store.load_active() is None
    assert not rig.cache.has(sha) and rig.cache.partial_size(sha) == 0


def test_a_damaged_cached_file_is_dropped_at_start_and_fetched_again(stick, tmp_path: Path) -> None:
    _, publish, config = stick
    manifest_path = publish([noise_item(tmp_path, "a", seed=6), noise_item(tmp_path, "b", seed=7)])
    rig = make_rig(config)
    assert rig.loop.sync_once().changed
    sha = next(iter(manifest_media(manifest_path)))
    with open(rig.cache.path(sha), "r+b") as f:
        f.truncate(1000)  # what a power cut during a copy-by-hand could leave

    rig = make_rig(config)  # a restart
    rig.loop.check_cache()
    assert not rig.cache.has(sha)
    result = rig.loop.sync_once()
    assert result.ok and not result.changed  # same manifest, its missing media fetched again
    assert rig.loop.last_report.completed == [sha]
    assert_cache_sound(rig.cache.root)


def test_a_manifest_for_another_group_is_refused_and_nothing_is_fetched(
    stick, tmp_path: Path
) -> None:
    root, _, config = stick
    key_path = tmp_path / "keys" / "publisher.key"  # the publisher_key fixture's, signed well
    publish_tree(root, [noise_item(tmp_path, "a", seed=1)], key_path, group="other")
    rig = make_rig(config)
    result = rig.loop.sync_once()
    assert not result.ok and result.kind == "manifest"
    assert "group 'other'" in result.reason and "player.group" in result.reason
    assert rig.activated == [] and rig.store.load_active() is None
    assert not any((config.cache.dir / "media").glob("[0-9a-f]*"))
