"""Damage at rest on real temp dirs: the start check, checks before use, the background pass."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from player import trust as trust_module
from player.cache import Cache, CacheIntegrityError
from player.sync.scrub import NICENESS, Scrubber, lower_priority
from player.sync.store import ManifestStore
from player.trust import Damage
from player.wire.signing import generate_keypair, sign
from tests.sync.test_cache import blob


def filled(root: Path, sizes: list[int], damaged: list[Damage]) -> tuple[Cache, list[str]]:
    cache = Cache(root, 10**9, on_damage=damaged.append)
    shas = []
    for seed, n in enumerate(sizes):
        data, sha = blob(n, seed)
        src = root.parent / f"src-{seed}"
        src.write_bytes(data)
        cache.put_file(src, sha, n)
        shas.append(sha)
    cache.save_index()  # as the sync does after each batch of downloads
    return cache, shas


def flip(path: Path, at: int, *, keep_mtime: bool) -> None:
    before = path.stat()
    data = bytearray(path.read_bytes())
    data[at] ^= 0x01
    path.write_bytes(bytes(data))
    if keep_mtime:
        os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))


def test_a_restart_checks_sizes_at_once_and_hashes_changed_files_before_use(
    tmp_path: Path,
) -> None:
    damaged: list[Damage] = []
    cache, (cut, touched, rotten, good) = filled(tmp_path / "c", [5000] * 4, damaged)
    with open(cache.path(cut), "r+b") as f:
        f.truncate(2000)
    flip(cache.path(touched), 100, keep_mtime=False)
    flip(cache.path(rotten), 100, keep_mtime=True)

    restarted = Cache(tmp_path / "c", 10**9, on_damage=damaged.append)
    found = restarted.check_at_start({})

    # The size is wrong: gone before anything plays (reported by the caller, not on_damage).
    assert [d.sha for d in found] == [cut] and "size is 2000 bytes" in found[0].reason
    assert not restarted.has(cut) and damaged == []
    # Changed since stored (mtime): hashed before use, found bad, removed, reported.
    with pytest.raises(CacheIntegrityError, match=r"damaged on disk.*downloading it again"):
        restarted.check_before_use(touched)
    assert not restarted.has(touched)
    # Same size and mtime but small: hashed before its first use anyway.
    with pytest.raises(CacheIntegrityError):
        restarted.check_before_use(rotten)
    assert [d.sha for d in damaged] == [touched, rotten]
    assert restarted.check_before_use(good) == restarted.path(good)
    with pytest.raises(CacheIntegrityError, match=r"not in the cache.*removed"):
        restarted.check_before_use(touched)
    assert {d.sha for d in restarted.damage()} == {cut, touched, rotten}


def test_a_big_unchanged_file_plays_at_once_and_the_background_pass_finds_its_rot(
    tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setattr(trust_module, "HASH_BEFORE_USE", 1000)
    damaged: list[Damage] = []
    cache, (big, other) = filled(tmp_path / "c", [300_000, 200_000], damaged)
    flip(cache.path(big), 150_000, keep_mtime=True)
    restarted = Cache(tmp_path / "c", 10**9, on_damage=damaged.append)
    assert restarted.check_at_start({}) == []
    # Indexed, unchanged and big: no hashing on the way to the screen.
    assert restarted.check_before_use(big) == restarted.path(big)

    published: list[str] = []
    scrubber = Scrubber(restarted, lambda: [big], published.append)
    stop = threading.Event()
    assert scrubber.scrub(stop, lambda: None) == 1

    assert [d.sha for d in damaged] == [big] and not restarted.has(big)
    assert restarted.is_verified(other)
    assert published[0].startswith("checking 2 media") and published[-1].startswith("done: 2")
    # Downloaded again: the damage is marked restored and the file is trusted.
    data, _ = blob(300_000, 0)
    src = tmp_path / "again"
    src.write_bytes(data)
    restarted.put_file(src, big, len(data))
    assert restarted.damage()[0].restored and restarted.is_verified(big)


def test_the_background_pass_runs_at_the_lowest_priority(tmp_path: Path) -> None:
    seen: list[int] = []

    def probe() -> None:
        lower_priority()
        seen.append(os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))

    thread = threading.Thread(target=probe)
    thread.start()
    thread.join(10)
    assert seen == [NICENESS]
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) != NICENESS


def test_a_lost_index_makes_every_file_hashed_before_use(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(trust_module, "HASH_BEFORE_USE", 1000)
    damaged: list[Damage] = []
    cache, (sha,) = filled(tmp_path / "c", [50_000], damaged)
    flip(cache.path(sha), 10, keep_mtime=True)
    (tmp_path / "c" / trust_module.INDEX_FILE).write_text("{not json")
    restarted = Cache(tmp_path / "c", 10**9, on_damage=damaged.append)
    restarted.check_at_start({})
    with pytest.raises(CacheIntegrityError):
        restarted.check_before_use(sha)


MANIFEST = b'{"version": 1, "group": "test", "sequence": %d, "published_at": "2026-01-01T00:00:00Z", "media": {}, "playlists": []}'  # noqa: E501


def test_stored_manifests_are_checked_again_at_every_start(tmp_path: Path) -> None:
    key, public = generate_keypair()
    store = ManifestStore(tmp_path)
    first, second = MANIFEST % 1, MANIFEST % 2
    store.activate(first, sign(first, key))
    store.activate(second, sign(second, key))
    assert store.load_trusted(public, False).manifest.sequence == 2

    (tmp_path / "manifests" / "active.json").write_bytes(second.replace(b"2,", b"9,"))
    trusted = store.load_trusted(public, False)
    assert trusted.manifest.sequence == 1 and trusted.name == "previous.json"
    (line,) = trusted.refused
    assert "active.json: signature check failed" in line and "set aside" in line
    assert (tmp_path / "manifests" / "active.json.refused").exists()
    # Refused once: the next load (the sync loop's) goes straight to the good pair.
    assert store.load_trusted(public, False).refused == []

    # A new activation keeps the good previous pair, not the refused one.
    third = MANIFEST % 3
    store.activate(third, sign(third, key))
    assert (tmp_path / "manifests" / "previous.json").read_bytes() == first

    _, stranger = generate_keypair()
    refused = store.load_trusted(stranger, False)
    assert refused.manifest is None and len(refused.refused) == 2
    assert store.load_trusted(stranger, False).manifest is None  # nothing left to play


def test_an_unsigned_store_plays_only_when_the_config_allows_it(tmp_path: Path) -> None:
    _, public = generate_keypair()
    store = ManifestStore(tmp_path)
    store.activate(MANIFEST % 1, None)
    assert store.load_trusted(public, True).manifest is not None
    assert store.load_trusted(None, False).manifest is not None  # no key: cannot check
    refused = store.load_trusted(public, False)
    assert refused.manifest is None and "no signature" in refused.refused[0]


def test_the_sync_fetches_what_the_check_removed_without_a_new_manifest(
    nginx, publisher_key, tmp_path: Path
) -> None:
    from tests.sync.test_sync_http import Site, three_items
    from tests.sync.util import assert_cache_sound, make_rig, manifest_media

    site = Site(nginx, publisher_key, tmp_path)
    media = manifest_media(site.publish(three_items(site)))
    restored: list[list[str]] = []
    rig = make_rig(site.config(), on_restored=restored.append)
    assert rig.loop.sync_once().ok
    sha = next(iter(media))
    flip(rig.cache.path(sha), 50, keep_mtime=False)
    with pytest.raises(CacheIntegrityError):
        rig.cache.check_before_use(sha)
    site.nginx.clear_log()

    result = rig.loop.sync_once()

    assert result.ok and not result.changed, result.reason
    # The manifest did not change (304); only the removed media came again.
    assert [(r.uri, r.status) for r in site.nginx.requests()] == [
        ("/screens/manifest.json", 304),
        (f"/screens/media/{sha}", 200),
    ]
    assert rig.cache.has(sha) and rig.cache.is_verified(sha)
    assert_cache_sound(rig.cache.root)
    # The render hears about it and tries the skipped item again; nothing was re-activated.
    assert restored == [[sha]] and len(rig.activated) == 1
    (damage,) = rig.status.snapshot()["cache"]["damaged"]
    assert damage["media"] == sha and damage["restored"]


def test_a_touched_file_proven_good_is_trusted_by_its_size_and_mtime_next_time(
    tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setattr(trust_module, "HASH_BEFORE_USE", 1000)
    cache, (sha,) = filled(tmp_path / "c", [50_000], [])
    os.utime(cache.path(sha))  # copied or touched: same bytes, new mtime
    second = Cache(tmp_path / "c", 10**9)
    second.check_at_start({})
    assert second.check_before_use(sha) == second.path(sha)  # hashed: still good

    # Rot after that, mtime kept: the third start trusts size and mtime as just recorded,
    # so only the background pass (hashing everything) can find it.
    flip(second.path(sha), 10, keep_mtime=True)
    third = Cache(tmp_path / "c", 10**9)
    third.check_at_start({})
    assert third.check_before_use(sha) == third.path(sha)
    assert Scrubber(third, list, lambda _: None).scrub(threading.Event(), lambda: None) == 1


def test_a_file_replaced_while_the_background_pass_hashes_it_is_not_removed(tmp_path: Path):
    # The slow background hash of a damaged file can still be running when a decoder has
    # already condemned it and the sync put a good copy in its place: that copy stays.
    damaged: list[Damage] = []
    cache, (sha,) = filled(tmp_path / "c", [3 * 1024 * 1024], damaged)
    good = cache.path(sha).read_bytes()
    flip(cache.path(sha), 10, keep_mtime=True)
    replaced = []

    def pace(_n: int) -> None:
        if not replaced:  # midway: a good copy lands, as the sync commits it
            fresh = tmp_path / "fresh"
            fresh.write_bytes(good)
            os.replace(fresh, cache.path(sha))
            replaced.append(True)

    assert cache.rehash(sha, pace) is False
    assert cache.path(sha).read_bytes() == good
    assert damaged == []
