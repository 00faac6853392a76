"""Approval and signed feeds enforced at the screen: a real player refuses, says why, plays on."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import yaml

from player.config.model import SourceConfig
from player.sync.policy import refusal
from player.wire.manifest import to_json
from player.wire.parse import parse
from player.wire.status import status_message
from tests.fixtures.content import publish_tree
from tests.fixtures.nginx import Nginx
from tests.fixtures.player import PlayerProcess, near, screen_color
from tests.wire.test_manifest import with_campaign

RED, GREEN = (220, 20, 20), (20, 200, 40)
APPROVED = {"approver": "sari", "approved_at": "2026-01-05T09:00:00Z"}


def write_config(path: Path, tmp_path: Path, url: str, public_key: str, **source) -> None:
    path.write_text(
        yaml.safe_dump(
            {
                "player": {"id": "approval-1", "group": "test"},
                "source": {"url": url, "public_key": public_key, "poll_interval": 5, **source},
                "cache": {"dir": str(tmp_path / "cache")},
                "runtime": {"dir": str(tmp_path / "run")},
                "display": {"size": "320x180", "fps": 10},
            }
        ),
        encoding="utf-8",
    )


def item(name: str, color: tuple, approval: dict | None) -> dict:
    spec = {"id": name, "type": "image", "color": list(color), "duration": 2}
    return {**spec, "approval": approval} if approval else spec


def videotron(config: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "videotron", "--config", str(config), *args],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip


def test_a_require_approval_player_refuses_an_unapproved_item_and_plays_the_last_good(
    tmp_path: Path, nginx: Nginx, publisher_key
) -> None:
    key_path, public_key = publisher_key
    out = nginx.root / "screens"
    config = tmp_path / "player.yaml"
    url = f"{nginx.url}/screens/manifest.json"
    write_config(config, tmp_path, url, public_key, require_approval=True)
    publish_tree(out, [item("red", RED, APPROVED)], key_path)
    player = PlayerProcess(config, tmp_path / "run", tmp_path / "player.log")
    player.start()
    try:
        player.wait_item("red", timeout=60)
        good = json.loads((out / "manifest.json").read_bytes())["sequence"]

        # Validly signed, but the new item carries no approval: refused at the next poll.
        publish_tree(out, [item("green", GREEN, None)], key_path)
        status = player.wait_for(
            "the unapproved manifest refused",
            lambda s: (s.get("sync", {}).get("refused") or {}).get("kind") == "approval",
            60,
        )
        reason = status["sync"]["refused"]["reason"]
        assert "item 'green' of playlist 'main' has no approval" in reason
        assert "source.require_approval" in reason
        assert status["sync"]["manifest_sequence"] == good
        assert status["render"]["item"] == "red"
        assert near(screen_color(config, tmp_path / "a.png"), RED)
        shown = videotron(config, "status").stdout
        assert "MANIFEST REFUSED" in shown and "has no approval" in shown
        assert "approve the items named in the console" in shown  # what to do

        # Approved: it plays, and the refusal clears.
        publish_tree(out, [item("green", GREEN, APPROVED)], key_path)
        status = player.wait_item("green", timeout=60)
        assert status["sync"].get("refused") is None
        assert near(screen_color(config, tmp_path / "b.png"), GREEN)
        assert "MANIFEST REFUSED" not in videotron(config, "status").stdout
        assert player.stop() == 0
    finally:
        if player.proc is not None and player.proc.poll() is None:
            player.stop()


def test_a_manifest_naming_an_unsigned_feed_is_refused_unless_the_screen_allows_it(
    tmp_path: Path, nginx: Nginx, publisher_key
) -> None:
    key_path, public_key = publisher_key
    out = nginx.root / "screens"
    feed = {"url": "https://example.org/rss", "unsigned": True}
    publish_tree(
        out,
        [item("red", RED, None)],
        key_path,
        extra={"ticker": {"lines": ["Selamat datang"], "feeds": [feed]}},
    )
    config = tmp_path / "player.yaml"
    url = f"{nginx.url}/screens/manifest.json"
    write_config(config, tmp_path, url, public_key)
    result = videotron(config, "sync", "--once")
    assert result.returncode == 12, result.stdout + result.stderr
    shown = result.stdout + result.stderr
    assert "feed: " in shown and "layout.ticker.feeds names https://example.org/rss" in shown
    assert "source.allow_unsigned_feeds" in shown
    assert not (tmp_path / "cache" / "manifests" / "active.json").exists()

    write_config(config, tmp_path, url, public_key, allow_unsigned_feeds=True)
    result = videotron(config, "sync", "--once")
    assert result.returncode == 0, result.stdout + result.stderr
    assert (tmp_path / "cache" / "manifests" / "active.json").exists()


def test_after_require_approval_is_switched_on_a_stored_unapproved_manifest_does_not_play(
    tmp_path: Path, nginx: Nginx, publisher_key
) -> None:
    key_path, public_key = publisher_key
    out = nginx.root / "screens"
    config = tmp_path / "player.yaml"
    url = f"{nginx.url}/screens/manifest.json"
    write_config(config, tmp_path, url, public_key)  # approval not required yet
    publish_tree(out, [item("green", GREEN, APPROVED)], key_path)
    assert videotron(config, "sync", "--once").returncode == 0
    publish_tree(out, [item("red", RED, None)], key_path)
    assert videotron(config, "sync", "--once").returncode == 0  # active now; green previous

    nginx.stop()  # offline: only what is stored can play
    write_config(config, tmp_path, url, public_key, require_approval=True)
    player = PlayerProcess(config, tmp_path / "run", tmp_path / "player.log")
    player.start()
    try:
        status = player.wait_item("green", timeout=60)  # the last approved content
        (refused,) = status["cache"]["manifest_refused"]
        assert "active.json: not played: approval:" in refused
        assert "item 'red' of playlist 'main' has no approval" in refused
        assert near(screen_color(config, tmp_path / "a.png"), GREEN)
        assert "MANIFEST REFUSED" in videotron(config, "status").stdout
        # Kept as it was (nothing is wrong with the file): playable again without the rule.
        assert (tmp_path / "cache" / "manifests" / "active.json").exists()
        assert player.stop() == 0
    finally:
        if player.proc is not None and player.proc.poll() is None:
            player.stop()


def test_the_status_message_to_the_office_carries_the_refusal() -> None:
    refused = {
        "kind": "approval",
        "reason": "item 'x' … has no approval",
        "at": "2026-01-05T10:00:00Z",
    }
    message = status_message({"sync": {"state": "error", "refused": refused}})
    assert message["sync"]["refused"] == refused
    assert status_message({"sync": {"state": "idle"}})["sync"]["refused"] is None


def test_an_unapproved_campaign_item_is_refused_like_a_playlist_item() -> None:
    manifest = replace(parse(to_json(with_campaign())), playlists=())
    failed = refusal(manifest, SourceConfig(require_approval=True))
    assert "item 'imunisasi-15s' of campaign 'imunisasi' has no approval" in failed.reason
