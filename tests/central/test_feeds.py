"""Ticker feeds at the office: fetched over real HTTP, filtered by rules, queued, approved."""

from __future__ import annotations

import datetime as dt
import http.server
import subprocess
import sys
import threading
from contextlib import contextmanager
from pathlib import Path

import pytest

from central import feeds

NOW = dt.datetime(2026, 1, 5, 10, 0, tzinfo=dt.UTC)
RSS = b"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>ANTARA</title>
<item><guid>1</guid><title>Banjir di Jalan Pajajaran surut</title><category>Daerah</category></item>
<item><guid>2</guid><title>Harga cabai naik</title><category>Ekonomi</category></item>
<item><guid>3</guid><title>Hoaks banjir besar beredar</title><category>Daerah</category></item>
</channel></rss>"""


@contextmanager
def serving(documents: dict[str, bytes]):
    """A real HTTP server on 127.0.0.1 serving `documents` by path; yields its base URL."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
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
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def _texts(entries) -> list[str]:
    return [entry.text for entry in entries]


def test_rules_keep_what_they_name_and_drop_the_rest():
    entries = feeds.parse_entries(RSS, "u")
    rules = feeds.FeedRules(include=("BANJIR",), exclude=("hoaks",), categories=("daerah",))
    approved, queued = feeds.filter_entries(rules, entries)
    assert (approved, _texts(queued)) == ([], ["Banjir di Jalan Pajajaran surut"])
    approved, queued = feeds.filter_entries(feeds.FeedRules(), entries, auto_approve=True)
    assert (len(approved), queued) == (3, [])
    only = feeds.FeedRules(categories=("Ekonomi",))
    assert _texts(feeds.filter_entries(only, entries)[1]) == ["Harga cabai naik"]


def test_a_fetch_queues_headlines_and_decisions_stay_across_fetches(tmp_path):
    feed = feeds.office_feed({"url": "https://x/rss", "rules": {"exclude": ["hoaks"]}})
    entries = feeds.parse_entries(RSS, feed.url)
    queue = feeds.merge_fetch([], feed, entries, NOW)
    assert [h["state"] for h in queue] == ["queued", "queued"]
    assert feeds.approved_for(queue, feed.url) == []
    queue = feeds.approve_headlines(queue, [queue[0]["id"]], "sari", NOW)
    queue = feeds.reject_headlines(queue, [queue[1]["id"]], "sari", NOW)
    feeds.save_queue(tmp_path / "headlines.json", queue)
    queue = feeds.load_queue(tmp_path / "headlines.json")
    # The next fetch keeps both decisions; an entry gone from the feed leaves the queue.
    later = feeds.merge_fetch(queue, feed, entries[:1] + entries[1:2], NOW)
    assert [(h["text"], h["state"]) for h in later] == [
        ("Banjir di Jalan Pajajaran surut", "approved"),
        ("Harga cabai naik", "rejected"),
    ]
    later = feeds.merge_fetch(later, feed, entries[1:2], NOW)
    assert [h["state"] for h in later] == ["rejected"]
    assert feeds.approved_for(queue, feed.url) == [
        {
            "text": "Banjir di Jalan Pajajaran surut",
            "feed": "https://x/rss",
            "approver": "sari",
            "approved_at": "2026-01-05T10:00:00Z",
        }
    ]


def test_approving_needs_a_name_and_known_ids():
    feed = feeds.OfficeFeed("https://x/rss")
    queue = feeds.merge_fetch([], feed, feeds.parse_entries(RSS, feed.url), NOW)
    with pytest.raises(feeds.FeedError, match="approver: give a name"):
        feeds.approve_headlines(queue, [queue[0]["id"]], " ", NOW)
    with pytest.raises(feeds.FeedError, match="kept for auto-approved feeds"):
        feeds.approve_headlines(queue, [queue[0]["id"]], "auto", NOW)
    with pytest.raises(feeds.FeedError, match="no headline 'nope' in the queue"):
        feeds.approve_headlines(queue, ["nope"], "sari", NOW)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"url": "ftp://x/rss"}, "url: must be an http:// or https:// URL"),
        ({"url": "https://x", "rules": {"includ": ["a"]}}, "rules.includ: unknown rule"),
        ({"url": "https://x", "rules": {"include": [1]}}, "rules.include: must be a list of words"),
        ({"url": "https://x", "auto_approve": "yes"}, "auto_approve: must be true or false"),
    ],
)
def test_a_bad_feed_entry_names_its_key(raw, message):
    with pytest.raises(feeds.FeedError, match=message):
        feeds.office_feed(raw)


def test_fetch_reads_a_real_server_and_refuses_a_feed_over_its_cap():
    with serving({"/rss": RSS, "/big": b"x" * 5000}) as base:
        assert feeds.fetch(f"{base}/rss") == RSS
        with pytest.raises(
            feeds.FeedError, match=r"over the limit of 1000 \(the feed size limit\)"
        ):
            feeds.fetch(f"{base}/big", max_bytes=1000)
        with pytest.raises(feeds.FeedError, match="HTTP 404"):
            feeds.fetch(f"{base}/gone")


def test_videotron_feeds_fetches_lists_and_approves(tmp_path: Path):
    def videotron(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "videotron", "feeds", *args],
            capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip

    with serving({"/rss": RSS}) as base:
        playlist = tmp_path / "playlist.yaml"
        playlist.write_text(
            "group: g\nplaylists: [{name: main, items: [{id: a, type: text, text: hi}]}]\n"
            "ticker:\n"
            f"  feeds: [{{url: '{base}/rss', rules: {{include: [banjir], exclude: [hoaks]}}}},\n"
            f"          {{url: '{base}/gone', auto_approve: true}}]\n"
        )
        result = videotron(str(playlist))
    assert result.returncode == 1  # one feed failed; the other's headlines are queued
    assert f"error: {base}/gone: HTTP 404 Not Found (its headlines are kept" in result.stderr
    (line,) = result.stdout.splitlines()
    headline_id, state, text = line.split("  ")
    assert (state, text) == ("queued", "Banjir di Jalan Pajajaran surut")
    result = videotron(str(playlist), "--approve", headline_id)
    assert result.returncode == 2 and "--approver" in result.stderr
    result = videotron(str(playlist), "--approve", headline_id, "--approver", "sari")
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"{headline_id}  approved by sari  Banjir di Jalan Pajajaran surut\n"
    assert "1 approved, 0 queued, 0 rejected" in videotron(str(playlist), "--list").stderr


def test_publish_takes_headlines_from_approved_feeds_only(tmp_path: Path):
    from central.publish import PublishError, publish

    playlist = tmp_path / "playlist.yaml"
    body = "group: g\nplaylists: [{name: m, items: [{id: a, type: text, text: hi}]}]\nticker:\n"
    playlist.write_text(body + "  lines: [x]\n  headlines: [{text: dari YAML}]\n")
    with pytest.raises(PublishError) as caught:
        publish(playlist, tmp_path / "out", None, NOW)
    (problem,) = caught.value.problems
    assert problem.startswith(f"{playlist}:5: layout.ticker.headlines: headlines come from")

    # Nothing approved yet: the ticker is left out, and publish says how to fill it.
    playlist.write_text(body + "  feeds: [https://example.org/rss]\n")
    summary = publish(playlist, tmp_path / "out", None, NOW)
    (warning,) = summary.warnings
    assert "no approved headlines yet (run `videotron feeds playlist.yaml`" in warning
    assert b'"ticker"' not in (tmp_path / "out" / "manifest.json").read_bytes()
