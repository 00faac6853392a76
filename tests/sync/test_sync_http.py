"""The sync loop against a real nginx serving a tree made by `videotron publish`."""

from __future__ import annotations

import hashlib
import os
import threading
import time
from dataclasses import replace
from pathlib import Path

import pytest

from tests.fixtures.content import publish_tree
from tests.fixtures.nginx import CuttingProxy, Nginx, make_self_signed
from tests.sync.util import (
    assert_cache_sound,
    config_for,
    make_rig,
    manifest_media,
    noise_item,
)


class Site:
    """A publish folder under nginx's root, and the URL players poll."""

    def __init__(self, nginx: Nginx, key: tuple[Path, str], tmp_path: Path) -> None:
        self.nginx = nginx
        self.key_path, self.public_key = key
        self.out = nginx.root / "screens"
        self.tmp = tmp_path
        self.url = f"{nginx.url}/screens/manifest.json"
        self.publishes = 0

    def publish(self, items: list[dict]) -> Path:
        path = publish_tree(self.out, items, self.key_path)
        # Real publishes are seconds apart; nginx's ETag is mtime (1 s) + size, so give
        # each test publish its own second as a real publisher would have.
        self.publishes += 1
        stamp = time.time() + 10 * self.publishes
        os.utime(path, (stamp, stamp))
        return path

    def config(self, url: str | None = None, **options):
        return config_for(self.tmp / "cache", url or self.url, self.public_key, **options)

    def media_requests(self) -> list:
        return [line for line in self.nginx.requests() if line.uri.startswith("/screens/media/")]


@pytest.fixture
def site(nginx: Nginx, publisher_key, tmp_path: Path) -> Site:
    return Site(nginx, publisher_key, tmp_path)


def wait_until(predicate, timeout: float = 10.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.01)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def three_items(site: Site, changed_seed: int = 1) -> list[dict]:
    return [
        noise_item(site.tmp, "a", seed=0),
        noise_item(site.tmp, "b", seed=changed_seed),
        {"id": "c", "type": "video", "seconds": 0.4, "size": [64, 36]},
    ]


def test_first_sync_fetches_every_media_once_and_activates(site: Site) -> None:
    manifest_path = site.publish(three_items(site))
    rig = make_rig(site.config())

    result = rig.loop.sync_once()

    assert result.ok and result.changed, result.reason
    assert [m.sequence for m in rig.activated] == [rig.store.load_active()[0].sequence]
    assert rig.store.load_active()[1] == manifest_path.read_bytes()
    media = manifest_media(manifest_path)
    assert all(rig.cache.has(sha) for sha in media)
    assert_cache_sound(rig.cache.root)
    fetched = sorted(line.uri.rsplit("/", 1)[1] for line in site.media_requests())
    assert fetched == sorted(media)
    assert all(line.status == 200 for line in site.media_requests())
    status = rig.status.snapshot()
    assert status["sync"]["last_result"] == "ok"
    assert status["sync"]["manifest_sequence"] == rig.activated[0].sequence
    assert status["sync"]["progress"] is None  # done: no "downloading" line left behind
    assert status["cache"]["files"] == 3
    assert status["cache"]["used_bytes"] == sum(media.values())


def test_unchanged_poll_is_one_304_and_no_media_traffic(site: Site) -> None:
    site.publish(three_items(site))
    rig = make_rig(site.config())
    assert rig.loop.sync_once().ok
    site.nginx.clear_log()

    result = rig.loop.sync_once()

    assert result.ok and not result.changed
    requests = site.nginx.requests()
    assert [(r.uri, r.status, r.bytes) for r in requests] == [("/screens/manifest.json", 304, 0)]
    assert requests[0].if_none_match.startswith('"')
    assert len(rig.activated) == 1


def test_one_changed_item_downloads_only_that_item(site: Site) -> None:
    first = manifest_media(site.publish(three_items(site)))
    rig = make_rig(site.config())
    assert rig.loop.sync_once().ok
    site.nginx.clear_log()

    second_path = site.publish(three_items(site, changed_seed=2))
    second = manifest_media(second_path)
    result = rig.loop.sync_once()

    assert result.ok and result.changed, result.reason
    (new_sha,) = set(second) - set(first)
    assert [r.uri for r in site.media_requests()] == [f"/screens/media/{new_sha}"]
    uris = [r.uri for r in site.nginx.requests()]
    assert "/screens/manifest.json.sig" in uris
    assert rig.store.load_active()[1] == second_path.read_bytes()
    assert rig.activated[-1].sequence > rig.activated[0].sequence
    assert (rig.store.dir / "previous.json").exists()


def test_connection_cut_mid_download_resumes_from_the_partial(site: Site) -> None:
    manifest = site.publish([noise_item(site.tmp, "big", size=(400, 300))])
    (sha, size), = manifest_media(manifest).items()  # fmt: skip
    proxy = CuttingProxy(site.nginx.port)
    try:
        url = site.url.replace(site.nginx.url, proxy.url)
        rig = make_rig(site.config(url))
        proxy.cut_after = 2_000 + size // 3  # manifest, signature, and a third of the media

        result = rig.loop.sync_once()

        assert result.ok, result.reason
        assert proxy.cuts == 1
        media = site.media_requests()
        assert len(media) == 2 and media[0].range == "-"
        resumed_at = int(media[1].range.removeprefix("bytes=").rstrip("-"))
        assert 0 < resumed_at < size
        assert media[1].status == 206 and media[1].bytes == size - resumed_at
        # Everything that crossed the wire (headers included) vs what the media needed.
        manifest_bytes = len(manifest.read_bytes()) + 200
        assert proxy.forwarded <= 1.01 * size + manifest_bytes + 3 * 400
        assert rig.cache.has(sha)
        assert_cache_sound(rig.cache.root)
    finally:
        proxy.close()


def test_server_stopped_mid_download_then_the_next_sync_resumes(site: Site) -> None:
    manifest = site.publish([noise_item(site.tmp, "big", size=(400, 300))])
    (sha, size), = manifest_media(manifest).items()  # fmt: skip
    site.nginx.configure(limit_rate=150_000)
    rig = make_rig(site.config())
    results = []
    syncing = threading.Thread(target=lambda: results.append(rig.loop.sync_once()))
    syncing.start()
    wait_until(lambda: rig.cache.partial_size(sha) > 60_000, what="a partial download")
    site.nginx.stop()
    syncing.join(timeout=10)
    assert not syncing.is_alive()
    (failed,) = results
    assert not failed.ok and failed.kind == "network"
    assert rig.store.load_active() is None
    kept = rig.cache.partial_size(sha)
    assert 60_000 < kept < size

    site.nginx.configure(limit_rate=0)
    site.nginx.clear_log()
    site.nginx.start()
    result = rig.loop.sync_once()

    assert result.ok and result.changed, result.reason
    (media,) = site.media_requests()
    assert media.range == f"bytes={kept}-" and media.status == 206
    assert media.bytes == size - kept
    assert rig.cache.has(sha)
    assert_cache_sound(rig.cache.root)


def test_server_ignoring_range_restarts_from_zero(site: Site) -> None:
    manifest = site.publish([noise_item(site.tmp, "big", size=(300, 200))])
    (sha, size), = manifest_media(manifest).items()  # fmt: skip
    served = (site.out / "media" / sha).read_bytes()
    rig = make_rig(site.config())
    (rig.cache.partial_dir / sha).write_bytes(served[:50_000])
    site.nginx.configure(max_ranges=0)

    result = rig.loop.sync_once()

    assert result.ok, result.reason
    (media,) = site.media_requests()
    assert media.range == "bytes=50000-" and media.status == 200 and media.bytes == size
    assert rig.cache.path(sha).read_bytes() == served


def test_media_altered_on_the_server_is_refused_and_never_activated(site: Site) -> None:
    first_path = site.publish(three_items(site))
    first, first_bytes = manifest_media(first_path), first_path.read_bytes()
    rig = make_rig(site.config())
    assert rig.loop.sync_once().ok
    second_path = site.publish(three_items(site, changed_seed=5))
    (new_sha,) = set(manifest_media(second_path)) - set(first)
    served = site.out / "media" / new_sha
    good = served.read_bytes()
    served.write_bytes(good[:-10] + b"tampered!!")  # same size, other bytes

    result = rig.loop.sync_once()

    assert not result.ok and result.kind == "hash", result.reason
    assert "thrown away" in result.reason
    assert rig.store.load_active()[1] == first_bytes
    assert len(rig.activated) == 1
    assert not rig.cache.has(new_sha) and rig.cache.partial_size(new_sha) == 0
    assert rig.status.get("sync")["hash_mismatches"] == 1
    assert_cache_sound(rig.cache.root)

    served.write_bytes(good)  # the publisher repairs it; the next sync gets it
    result = rig.loop.sync_once()
    assert result.ok and result.changed, result.reason
    assert rig.store.load_active()[1] == second_path.read_bytes()


def test_bad_signature_or_replay_is_refused_before_any_download(site: Site, tmp_path) -> None:
    from tests.fixtures.content import write_key

    site.publish(three_items(site))
    _, other_public = write_key(tmp_path / "other.key")
    rig = make_rig(site.config())
    rig.loop.update_config(config_for(site.tmp / "cache", site.url, other_public))
    result = rig.loop.sync_once()
    assert not result.ok and result.kind == "signature"
    assert "signature does not match" in result.reason
    assert site.media_requests() == []
    assert rig.store.load_active() is None

    rig.loop.update_config(site.config())
    assert rig.loop.sync_once().ok
    old_manifest = (site.out / "manifest.json").read_bytes()
    old_sig = (site.out / "manifest.json.sig").read_bytes()
    site.publish(three_items(site, changed_seed=3))
    assert rig.loop.sync_once().changed
    # An attacker (or a stale mirror) serves the older, validly signed manifest again.
    (site.out / "manifest.json.sig").write_bytes(old_sig)
    (site.out / "manifest.json").write_bytes(old_manifest)
    result = rig.loop.sync_once()
    assert not result.ok and result.kind == "replay" and "not newer" in result.reason
    assert result.reason.startswith(f"replay: refused {site.url}: sequence: ")
    assert len(rig.activated) == 2


def test_unsigned_manifest_needs_allow_unsigned(site: Site) -> None:
    publish_tree(site.out, three_items(site), None)
    rig = make_rig(site.config())
    result = rig.loop.sync_once()
    assert not result.ok and result.kind == "signature" and "allow_unsigned" in result.reason
    rig.loop.update_config(site.config(allow_unsigned=True))
    assert rig.loop.sync_once().changed


def test_server_errors_are_retried_with_backoff_and_then_given_up(site: Site) -> None:
    site.publish(three_items(site))
    site.nginx.configure(status_override=500)
    rig = make_rig(site.config(), source_options={"attempts": 3, "backoff": 0.2})
    started = time.monotonic()
    result = rig.loop.sync_once()
    elapsed = time.monotonic() - started
    assert not result.ok and result.kind == "network"
    assert "HTTP 500" in result.reason and "after 3 tries" in result.reason
    assert [r.status for r in site.nginx.requests()] == [500, 500, 500]
    # Two backoffs: at least half of 0.2 s then half of 0.4 s (jitter), at most their sum.
    assert 0.3 <= elapsed < 3.0
    assert rig.status.get("sync")["state"] == "error"


def test_a_stalled_server_times_out_and_does_not_block(site: Site) -> None:
    site.publish(three_items(site))
    proxy = CuttingProxy(site.nginx.port)
    proxy.stall = True
    try:
        url = site.url.replace(site.nginx.url, proxy.url)
        options = {"connect_timeout": 1.0, "read_timeout": 0.5, "attempts": 2, "backoff": 0.05}
        rig = make_rig(site.config(url), source_options=options)
        started = time.monotonic()
        result = rig.loop.sync_once()
        assert time.monotonic() - started < 4.0
        assert not result.ok and result.kind == "network" and "timed out" in result.reason
    finally:
        proxy.close()


def test_run_backs_off_beats_wakes_and_stops_promptly(site: Site) -> None:
    first = site.publish(three_items(site))
    site.nginx.configure(status_override=503)
    rig = make_rig(site.config(poll_interval=600), retry_base=0.2)
    stop = threading.Event()
    beats = []
    runner = threading.Thread(target=rig.loop.run, args=(stop, lambda: beats.append(1)))
    runner.start()
    try:
        wait_until(lambda: len(site.nginx.requests()) >= 8, what="four failed syncs")
        # nginx logs a request before the loop has reported it: wait for the report.
        wait_until(lambda: rig.status.get("sync").get("state") == "error", what="the report")
        times = rig.status.get("sync")
        assert times["state"] == "error" and "HTTP 503" in times["last_result"]

        site.nginx.configure(status_override=None)
        wait_until(lambda: len(rig.activated) == 1, timeout=15, what="recovery")
        assert rig.store.load_active()[1] == first.read_bytes()

        second = site.publish(three_items(site, changed_seed=4))
        rig.loop.wake()  # what an MQTT "manifest changed" message does
        wait_until(lambda: len(rig.activated) == 2, timeout=5, what="a woken sync")
        assert rig.store.load_active()[1] == second.read_bytes()
        assert rig.status.get("sync")["next_attempt_at"]
        assert len(beats) >= 3
    finally:
        stop.set()
        started = time.monotonic()
        runner.join(timeout=5)
    assert not runner.is_alive()
    assert time.monotonic() - started < 2.0


def test_stop_during_a_download_returns_promptly_and_keeps_the_partial(site: Site) -> None:
    manifest = site.publish([noise_item(site.tmp, "big", size=(400, 300))])
    (sha, _), = manifest_media(manifest).items()  # fmt: skip
    site.nginx.configure(limit_rate=50_000)
    rig = make_rig(site.config())
    stop = threading.Event()
    runner = threading.Thread(target=rig.loop.run, args=(stop, lambda: None))
    runner.start()
    wait_until(lambda: rig.cache.partial_size(sha) > 20_000, what="a partial download")
    stop.set()
    started = time.monotonic()
    runner.join(timeout=5)
    assert not runner.is_alive() and time.monotonic() - started < 2.0
    assert rig.cache.partial_size(sha) > 20_000
    assert rig.store.load_active() is None


def test_bearer_token_is_sent_on_every_request(site: Site) -> None:
    site.publish(three_items(site))
    site.nginx.configure(token="s3cret")
    rig = make_rig(site.config())
    result = rig.loop.sync_once()
    assert not result.ok and result.kind == "network"
    assert "HTTP 401" in result.reason and "check source.token" in result.reason

    config = site.config()
    rig.loop.update_config(replace(config, source=replace(config.source, token="s3cret")))
    result = rig.loop.sync_once()
    assert result.ok and result.changed, result.reason
    assert all(line.status in (200, 304) for line in site.nginx.requests()[1:])


def test_wake_with_a_digest_sees_a_publish_the_etag_misses(site: Site) -> None:
    first = site.publish(three_items(site))
    stamp = first.stat().st_mtime
    rig = make_rig(site.config())
    assert rig.loop.sync_once().changed

    # A second publish in the same second with the same size: nginx's ETag does not change.
    second = publish_tree(site.out, three_items(site, changed_seed=9), site.key_path)
    if second.stat().st_size != len(rig.store.load_active()[1]):
        pytest.fail("test setup: publishes differ in size; the ETag would differ anyway")
    os.utime(second, (stamp, stamp))
    assert not rig.loop.sync_once().changed  # the conditional GET is fooled (304)

    rig.loop.wake(digest=hashlib.sha256(second.read_bytes()).hexdigest())
    result = rig.loop.sync_once()
    assert result.ok and result.changed, result.reason
    assert rig.store.load_active()[1] == second.read_bytes()
    site.nginx.clear_log()
    assert not rig.loop.sync_once().changed
    assert [line.status for line in site.nginx.requests()] == [304]  # validators are back


def test_https_with_a_private_ca_bundle(site: Site) -> None:
    cert, key = make_self_signed(site.tmp / "tls")
    site.nginx.configure(tls=(cert, key))
    site.publish(three_items(site))
    url = f"{site.nginx.url}/screens/manifest.json"
    assert url.startswith("https://")
    config = site.config(url)
    rig = make_rig(config)
    result = rig.loop.sync_once()
    assert not result.ok and result.kind == "network"
    assert "certificate_verify_failed" in result.reason

    rig.loop.update_config(replace(config, source=replace(config.source, ca_bundle=cert)))
    result = rig.loop.sync_once()
    assert result.ok and result.changed, result.reason
