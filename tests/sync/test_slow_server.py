"""Servers that answer too slowly: an overall deadline, a minimum rate, old content kept."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from player.render.feeds import FeedReader, fetch_bytes
from player.sync.deadline import Watchdog, deadline_session
from player.wire.manifest import Feed
from tests.fixtures.nginx import Nginx
from tests.fixtures.trickle import TrickleServer, run_bounded
from tests.sync.test_sync_http import Site
from tests.sync.util import make_rig, manifest_media, noise_item

DEADLINE = 2.0  # seconds; today's code waits on a trickle for as long as it lasts
BOUND = 30.0  # the test's own limit: far above the deadline, far below the trickle's length


@pytest.fixture
def site(nginx: Nginx, publisher_key, tmp_path: Path) -> Site:
    return Site(nginx, publisher_key, tmp_path)


def slow_config(site: Site, url: str, **source):
    config = site.config(url)
    return replace(config, source=replace(config.source, deadline=DEADLINE, **source))


def serve_tree(trickle: TrickleServer, out: Path) -> str:
    """The published tree under trickle's /screens/; returns the manifest URL."""
    for path in [out / "manifest.json", out / "manifest.json.sig", *(out / "media").iterdir()]:
        trickle.files["/screens/" + path.relative_to(out).as_posix()] = path.read_bytes()
    return trickle.url("/screens/manifest.json")


@pytest.mark.parametrize("headers", [False, True], ids=["body", "headers"])
def test_a_trickled_manifest_fails_within_the_deadline_while_the_old_content_stays(
    site: Site, trickle_server: TrickleServer, headers: bool
) -> None:
    site.publish([noise_item(site.tmp, "a", size=(40, 30))])
    rig = make_rig(site.config())
    assert rig.loop.sync_once().ok
    active = rig.store.load_active()[1]

    site.publish([noise_item(site.tmp, "b", size=(40, 30), seed=3)])
    url = serve_tree(trickle_server, site.out)
    trickle_server.trickle = {"/screens/manifest.json"}
    trickle_server.trickle_headers = headers
    rig.loop.update_config(slow_config(site, url))

    result, elapsed = run_bounded(rig.loop.sync_once, BOUND)

    assert not result.ok and result.kind == "network"
    assert "server too slow" in result.reason and url in result.reason
    assert elapsed < DEADLINE + 10
    last = rig.status.snapshot()["sync"]["last_result"]
    assert last.startswith("network: server too slow:"), last
    assert rig.store.load_active()[1] == active  # the old content plays on
    assert len(rig.activated) == 1


def test_a_trickled_media_fails_within_the_deadline_and_keeps_its_partial(
    site: Site, trickle_server: TrickleServer
) -> None:
    manifest = site.publish([noise_item(site.tmp, "big", size=(200, 150))])
    ((sha, size),) = manifest_media(manifest).items()
    url = serve_tree(trickle_server, site.out)
    trickle_server.trickle = {f"/screens/media/{sha}"}
    rig = make_rig(slow_config(site, url, min_rate=10_000))

    result, elapsed = run_bounded(rig.loop.sync_once, BOUND)

    assert not result.ok and "server too slow" in result.reason, result.reason
    assert elapsed < DEADLINE + 10
    # Given up at once (no retry trickling as slowly), the bytes so far kept for a resume.
    assert trickle_server.requests.count(f"/screens/media/{sha}") == 1
    assert 0 < rig.cache.partial_size(sha) < size
    assert rig.store.load_active() is None


def test_a_slow_but_steady_download_is_not_given_up_on(site: Site) -> None:
    manifest = site.publish([noise_item(site.tmp, "big", size=(600, 300))])
    ((sha, size),) = manifest_media(manifest).items()
    assert size > 500_000
    # 100 kB/s: the media takes over twice the floor, above the minimum rate all along.
    site.nginx.configure(limit_rate=100_000)
    rig = make_rig(slow_config(site, site.url, min_rate=20_000))

    result, elapsed = run_bounded(rig.loop.sync_once, 60)

    assert result.ok, result.reason
    assert elapsed > 2 * DEADLINE  # slower than the floor alone would have allowed
    assert rig.cache.has(sha)


def test_a_trickled_ticker_feed_is_given_up_on(trickle_server: TrickleServer, tmp_path) -> None:
    feed = b"<rss><channel><item><title>Banjir di Bandung</title></item></channel></rss>"
    trickle_server.files["/feed.xml"] = feed
    trickle_server.trickle = {"/feed.xml"}
    watchdog = Watchdog()
    session = deadline_session(watchdog)
    try:
        with pytest.raises(OSError, match="server too slow"):
            run_bounded(
                lambda: fetch_bytes(trickle_server.url("/feed.xml"), 1.0, session, watchdog),
                BOUND,
            )
    finally:
        session.close()
        watchdog.close()

    # The reader keeps its cached headlines and says why in its errors.
    reader = FeedReader(tmp_path / "feeds", timeout=1.0)
    try:
        reader.set_feeds([Feed(url=trickle_server.url("/feed.xml"), refresh=600)])
        _, elapsed = run_bounded(lambda: wait_error(reader), BOUND)
    finally:
        reader.close()
    assert elapsed < BOUND


def wait_error(reader: FeedReader) -> str:
    import time

    for _ in range(600):
        errors = reader.errors()
        if errors:
            (error,) = errors.values()
            assert "server too slow" in error
            return error
        time.sleep(0.05)
    raise AssertionError(f"no error from the feed reader: {json.dumps(reader.errors())}")


def test_requests_through_an_http_proxy_are_watched_too() -> None:
    watchdog = Watchdog()
    session = deadline_session(watchdog)
    try:
        adapter = session.get_adapter("https://example.invalid/")
        manager = adapter.proxy_manager_for("http://127.0.0.1:3128")
        pools = manager.pool_classes_by_scheme
        assert [cls.ConnectionCls.__name__ for cls in pools.values()] == [
            "WatchedHTTPConnection",
            "WatchedHTTPSConnection",
        ]
    finally:
        session.close()
        watchdog.close()


def test_a_slow_https_server_is_cut_too(nginx: Nginx, tmp_path: Path) -> None:
    from player.config.model import SourceConfig
    from player.sync.http import HttpSource
    from player.sync.sources import TooSlow
    from tests.fixtures.nginx import make_self_signed

    (nginx.root / "manifest.json").write_bytes(b"{}" * 5000)
    cert, key = make_self_signed(tmp_path / "tls")
    nginx.configure(tls=(cert, key), limit_rate=100)  # 10 kB at 100 bytes/s: 100 s
    source = HttpSource(
        SourceConfig(url=f"{nginx.url}/manifest.json", ca_bundle=cert, deadline=DEADLINE)
    )
    try:
        with pytest.raises(TooSlow, match="server too slow: https://"):
            run_bounded(source.fetch_manifest, BOUND)
    finally:
        source.close()
