"""Ticker: constant-speed scrolling, RSS/Atom feeds over real HTTP, offline from the disk cache."""

import datetime as dt
import hashlib
import http.server
import threading
import time
from contextlib import contextmanager
from dataclasses import replace
from itertools import pairwise

import numpy as np
import pygame
import pytest

from central import feeds as office_feeds
from central.publish import authored_feeds
from player.events import ManifestActivated
from player.render.feeds import RETRY_FIRST, FeedReader, cache_file, parse_titles
from player.render.fonts import FontBook
from player.render.ticker import ScrollStrip
from player.wire.manifest import Feed
from tests.render.helpers import Harness, make_config, publish

NOW = dt.datetime.now(dt.UTC)
RSS = b"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Berita</title>
<item><title>Jembatan Merah ditutup untuk perbaikan</title></item>
<item><title>  Pasar murah   di alun-alun  </title></item>
</channel></rss>"""
ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Kabar</title>
<entry><title>Festival budaya dibuka</title><id>1</id></entry></feed>"""


@contextmanager
def feed_server(documents: dict[str, bytes]):
    """A real HTTP server on 127.0.0.1 serving `documents` by path; yields its base URL."""
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append(self.path)
            body = documents.get(self.path)
            self.send_response(200 if body is not None else 404)
            self.send_header("Content-Length", str(len(body or b"")))
            self.end_headers()
            self.wfile.write(body or b"")

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", hits
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def _wait_for(condition, seconds=5.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return False


def test_parse_titles_reads_rss_and_atom_and_rejects_junk():
    assert parse_titles(RSS, "u") == [
        "Jembatan Merah ditutup untuk perbaikan",
        "Pasar murah di alun-alun",
    ]
    assert parse_titles(ATOM, "u") == ["Festival budaya dibuka"]
    with pytest.raises(ValueError, match="http://x/feed: not a usable RSS/Atom feed"):
        parse_titles(b"<html>nope</html>", "http://x/feed")


def test_feeds_are_fetched_cached_and_still_scroll_offline(tmp_path):
    cache = tmp_path / "feeds"
    with feed_server({"/rss": RSS, "/atom": ATOM}) as (base, hits):
        feeds = (Feed(f"{base}/rss", refresh=600), Feed(f"{base}/atom", refresh=600))
        changed = threading.Event()
        reader = FeedReader(cache, timeout=5, on_change=changed.set)
        reader.set_feeds(feeds)
        try:
            assert _wait_for(lambda: len(reader.headlines()) == 3)
        finally:
            reader.close()
        assert changed.is_set() and sorted(hits) == ["/atom", "/rss"]
    assert cache_file(cache, f"{base}/rss").is_file()
    # The server is gone (no network): a new reader has the headlines at once, from disk.
    offline = FeedReader(cache, timeout=1)
    offline.set_feeds(feeds)
    try:
        assert offline.headlines() == reader.headlines()
        assert _wait_for(lambda: len(offline.errors()) == 2)  # it tried, failed, kept them
        assert offline.headlines() == reader.headlines()
    finally:
        offline.close()


def test_a_published_feed_file_shows_only_when_it_is_the_one_the_manifest_signed(tmp_path):
    signed = hashlib.sha256(RSS).hexdigest()
    with feed_server({"/feeds/news.xml": RSS, "/feeds/other.xml": ATOM}) as (base, _):
        good = Feed(f"{base}/feeds/news.xml", refresh=600, sha256=signed)
        swapped = Feed(f"{base}/feeds/other.xml", refresh=600, sha256=signed)  # not its hash
        reader = FeedReader(tmp_path / "feeds", timeout=5)
        reader.set_feeds((good, swapped))
        try:
            assert _wait_for(lambda: len(reader.errors()) == 1 and len(reader.headlines()) == 2)
            assert reader.headlines() == [
                "Jembatan Merah ditutup untuk perbaikan",
                "Pasar murah di alun-alun",
            ]
            (error,) = reader.errors().values()
            assert "does not match the sha256 the signed manifest names" in error
        finally:
            reader.close()
    # From the disk cache, a later publish of the file (another sha256) shows nothing old.
    offline = FeedReader(tmp_path / "feeds", timeout=1)
    offline.set_feeds((replace(good, sha256="0" * 64),))
    try:
        assert offline.headlines() == []
    finally:
        offline.close()


def test_a_failing_feed_is_retried_with_backoff(tmp_path):
    now = [1000.0]
    with feed_server({}) as (base, hits):
        reader = FeedReader(tmp_path, timeout=2, clock=lambda: now[0])
        missing = Feed(f"{base}/missing", refresh=600)
        probe = Feed(f"{base}/probe", refresh=600)
        reader.set_feeds((missing,))
        try:
            assert _wait_for(reader.errors, 10)
            assert "404" in next(iter(reader.errors().values()))
            # Just before the earliest retry (RETRY_FIRST/2), a probe feed is due: the reader
            # takes due feeds in order, so a retry of /missing would come before the probe.
            now[0] += RETRY_FIRST / 2 - 0.1
            reader.set_feeds((missing, probe))
            assert _wait_for(lambda: "/probe" in hits, 10), hits
            assert hits == ["/missing", "/probe"]  # not hammered
            # After the longest first delay the retry comes.
            now[0] += RETRY_FIRST / 2 + 1.0
            reader.set_feeds((missing, probe))  # wakes the reader to read the clock again
            assert _wait_for(lambda: hits.count("/missing") == 2, 10), hits
        finally:
            reader.close()


def test_strip_scrolls_the_same_whole_number_of_pixels_every_frame():
    pygame.display.init()
    pygame.font.init()
    try:
        pygame.display.set_mode((400, 60))
        strip = ScrollStrip(FontBook(None), (400, 40), color=(255, 255, 255),
                            background=(0, 0, 0), speed=120, content_height=1080)  # fmt: skip
        strip.set_headlines(["Satu dua tiga empat lima enam tujuh delapan"])
        bar = pygame.Surface((400, 40))
        frames = []
        for k in range(90):  # 3 s at 30 fps
            strip.draw(bar, 1000.0 + k / 30)
            frames.append(pygame.surfarray.array2d(bar).copy())
        shifts = []
        for a, b in pairwise(frames[60:]):
            # frame b is frame a moved left by s pixels: find s
            s = next(s for s in range(0, 20) if np.array_equal(a[s:], b[: 400 - s]))
            shifts.append(s)
        assert set(shifts) == {4}  # 120 px/s at 30 fps
    finally:
        pygame.display.quit()


def test_a_screen_allowed_unsigned_feeds_reads_them_itself(tmp_path):
    with feed_server({"/rss": RSS}) as (base, _):
        manifest, media = publish(
            tmp_path,
            [{"id": "img", "type": "image", "color": [255, 0, 0], "duration": 5}],
            extra={
                "ticker": {
                    "lines": ["Dari manifest"],
                    "feeds": [{"url": f"{base}/rss", "unsigned": True}],
                }
            },
        )
        config = make_config(tmp_path)
        config = replace(config, source=replace(config.source, allow_unsigned_feeds=True))
        harness = Harness(config, media)
        harness.inbox.put(ManifestActivated(manifest))
        harness.run(5.0, lambda loop: len(loop.scene.strip.headlines) == 3)
        strip = harness.loop.scene.strip
        assert strip.headlines == [
            "Dari manifest",
            "Jembatan Merah ditutup untuk perbaikan",
            "Pasar murah di alun-alun",
        ]


def test_a_relative_feed_url_is_read_from_where_the_manifest_came_from():
    from player.render.feeds import resolve_feed_url

    manifest = "https://cdn.example.go.id/bogor/manifest.json"
    assert resolve_feed_url("feeds/news.xml", manifest) == (
        "https://cdn.example.go.id/bogor/feeds/news.xml"
    )
    assert (
        resolve_feed_url("feeds/news.xml", "/media/usb/bogor") == "/media/usb/bogor/feeds/news.xml"
    )
    assert resolve_feed_url("feeds/news.xml", "file:///media/usb/bogor") == (
        "/media/usb/bogor/feeds/news.xml"
    )
    assert resolve_feed_url("https://example.org/rss", manifest) == "https://example.org/rss"
    assert resolve_feed_url("feeds/n.xml", "/media/usb/bogor/manifest.json") == (
        "/media/usb/bogor/feeds/n.xml"
    )
    assert resolve_feed_url("feeds/n.xml", "https://u:secret@cdn.go.id:8443/b/manifest.json") == (
        "https://cdn.go.id:8443/b/feeds/n.xml"
    )


def _office_publish(tmp_path, feed: dict) -> tuple:
    """Publish one red image with `feed` on the ticker, fetched at the office first."""
    items = [{"id": "img", "type": "image", "color": [255, 0, 0], "duration": 5}]
    extra = {"ticker": {"lines": ["Dari manifest"], "feeds": [feed]}}
    publish(tmp_path, items, extra=extra)  # writes the YAML beside its media
    yaml_path = tmp_path / "published-src" / "playlist.yaml"
    queue_path = yaml_path.parent / office_feeds.HEADLINES_FILE
    queue, errors = office_feeds.refresh(queue_path, authored_feeds(yaml_path), NOW)
    assert errors == {}
    return publish(tmp_path, items, extra=extra), queue_path, queue


def _shown(tmp_path, manifest, media, count: int) -> list[str]:
    """The ticker's lines once `count` of them show on a screen playing `manifest`."""
    harness = Harness(make_config(tmp_path), media)
    harness.inbox.put(ManifestActivated(manifest))
    harness.run(5.0, lambda loop: len(loop.scene.strip.headlines) == count)
    return harness.loop.scene.strip.headlines


def test_an_office_feed_headline_reaches_the_ticker_only_after_approval(tmp_path):
    with feed_server({"/rss": RSS}) as (base, hits):
        feed = {"url": f"{base}/rss", "rules": {"include": ["pasar"]}}
        (manifest, media), queue_path, queue = _office_publish(tmp_path, feed)
    assert hits == ["/rss"]  # the office read it once; the screens never will
    # Only the headline the rules let through is queued, and nothing is on the ticker yet.
    assert [(h["text"], h["state"]) for h in queue] == [("Pasar murah di alun-alun", "queued")]
    assert manifest.layout.ticker.headlines == () and manifest.layout.ticker.feeds == ()
    assert _shown(tmp_path / "before", manifest, media, 1) == ["Dari manifest"]

    approved = office_feeds.approve_headlines(queue, [queue[0]["id"]], "sari", NOW)
    office_feeds.save_queue(queue_path, approved)
    items = [{"id": "img", "type": "image", "color": [255, 0, 0], "duration": 5}]
    extra = {"ticker": {"lines": ["Dari manifest"], "feeds": [feed]}}
    manifest, media = publish(tmp_path, items, extra=extra)
    (headline,) = manifest.layout.ticker.headlines
    assert (headline.text, headline.approver) == ("Pasar murah di alun-alun", "sari")
    shown = _shown(tmp_path / "after", manifest, media, 2)
    assert shown == ["Dari manifest", "Pasar murah di alun-alun"]


def test_an_auto_approved_office_feed_reaches_the_ticker_at_the_next_publish(tmp_path):
    with feed_server({"/rss": RSS}) as (base, _):
        feed = {"url": f"{base}/rss", "rules": {"exclude": ["jembatan"]}, "auto_approve": True}
        (manifest, media), _, queue = _office_publish(tmp_path, feed)
    assert [(h["state"], h["approver"]) for h in queue] == [("approved", "auto")]
    shown = _shown(tmp_path / "screen", manifest, media, 2)
    assert shown == ["Dari manifest", "Pasar murah di alun-alun"]
