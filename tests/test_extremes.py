"""The whole player against extreme inputs: signed manifests beyond the bounds, bad config files."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from player.wire.manifest import to_json
from player.wire.signing import load_private_key, sign
from tests.fixtures.content import publish_tree
from tests.fixtures.player import VIDEOTRON, PlayerProcess
from tests.test_app import write_config

RED = (220, 20, 20)
GREEN = (20, 200, 20)


def resign(site: Path, key_path: Path, change) -> None:
    """Rewrite the published manifest with `change(raw)` applied and sign it again.

    This is a manifest the publisher would refuse: what a leaked key, an older publisher or
    a hand edit could put on the server.
    """
    raw = json.loads((site / "manifest.json").read_bytes())
    change(raw)
    data = to_json(raw)
    (site / "manifest.json").write_bytes(data)
    (site / "manifest.json.sig").write_bytes(sign(data, load_private_key(key_path)))


def test_a_signed_manifest_beyond_the_bounds_plays_what_it_can_and_survives_restarts(
    tmp_path: Path, publisher_key
) -> None:
    key_path, public_key = publisher_key
    site = tmp_path / "site"
    items = [
        {"id": "huge", "type": "image", "color": list(RED), "duration": 60},
        {"id": "forever", "type": "text", "text": "x", "duration": 5},
        {"id": "green", "type": "image", "color": list(GREEN), "duration": 60},
    ]
    publish_tree(site, items, key_path)

    def beyond(raw: dict) -> None:
        huge, forever, _ = raw["playlists"][0]["items"]
        huge["duration"] = 3e11  # the class: ~9,500 years overflowed the schedule's datetimes
        forever["schedule"] = {"valid_from": "2024-01-01", "valid_until": "9999-12-30"}

    resign(site, key_path, beyond)
    config = tmp_path / "player.yaml"
    write_config(config, tmp_path, site, public_key)
    player = PlayerProcess(config, tmp_path / "run", tmp_path / "player.log")
    try:
        sequence = json.loads((site / "manifest.json").read_bytes())["sequence"]
        for _ in range(2):  # the second start reads the cached manifest: the old restart loop
            player.start()
            # The sync's part of the status comes a moment after the first frame.
            status = player.wait_for(
                "'green' on screen from the published sequence",
                lambda s: (
                    s.get("render", {}).get("item") == "green"
                    and s.get("sync", {}).get("manifest_sequence") == sequence
                ),
                60,
            )
            (said,) = [e for e in status["errors"]["recent"] if "left out" in e["message"]]
            assert "2 item(s) left out" in said["message"]
            assert player.stop() == 0
        logs = player.logs.read_text(errors="replace")
        assert "playlists[0].items[0].duration: must be <= 86400" in logs
        assert "playlists[0].items[1].schedule.valid_until: year 9999" in logs
        assert "Traceback" not in logs
    finally:
        if player.proc is not None and player.proc.poll() is None:
            player.stop()


def test_a_signed_manifest_dated_year_9999_is_refused_and_the_last_good_one_plays(
    tmp_path: Path, publisher_key
) -> None:
    key_path, public_key = publisher_key
    site = tmp_path / "site"
    publish_tree(
        site, [{"id": "red", "type": "image", "color": list(RED), "duration": 60}], key_path
    )
    config = tmp_path / "player.yaml"
    write_config(config, tmp_path, site, public_key)
    player = PlayerProcess(config, tmp_path / "run", tmp_path / "player.log")
    player.start()
    try:
        player.wait_item("red", timeout=60)
        assert player.stop() == 0

        def far_future(raw: dict) -> None:
            raw["sequence"] += 1
            raw["published_at"] = "9999-12-31T23:59:59+00:00"

        resign(site, key_path, far_future)
        player.start()  # the cached manifest plays; the new one is fetched and refused
        status = player.wait_for(
            "the refusal in status",
            lambda s: "published_at" in json.dumps(s.get("sync", {})),
            timeout=60,
        )
        assert "year 9999 is outside 2000-2200" in json.dumps(status["sync"])
        assert status["render"]["item"] == "red"
        assert player.stop() == 0
    finally:
        if player.proc is not None and player.proc.poll() is None:
            player.stop()


def test_a_player_started_on_a_config_that_is_no_config_plays_its_last_good_copy(
    tmp_path: Path, publisher_key, monkeypatch
) -> None:
    key_path, public_key = publisher_key
    site = tmp_path / "site"
    publish_tree(
        site, [{"id": "red", "type": "image", "color": list(RED), "duration": 60}], key_path
    )
    monkeypatch.setenv("STATE_DIRECTORY", str(tmp_path / "state"))  # as systemd sets it
    config = tmp_path / "player.yaml"
    write_config(config, tmp_path, site, public_key)
    player = PlayerProcess(config, tmp_path / "run", tmp_path / "player.log")
    player.start()
    try:
        player.wait_item("red", timeout=60)  # this start keeps the good copy
        assert player.stop() == 0
        broken = {
            "nested 5,000 deep": lambda: config.write_text(
                "player:\n  id: " + "[" * 5000 + "]" * 5000 + "\n"
            ),
            "a FIFO": lambda: os.mkfifo(config),
            "/dev/zero": lambda: config.symlink_to("/dev/zero"),
            "2 MB": lambda: config.write_bytes(b"# padding\n" * 200_000),
        }
        reasons = {
            "nested 5,000 deep": "nested more than 16 levels deep",
            "a FIFO": "is a named pipe (FIFO), not a regular file",
            "/dev/zero": "is a device, not a regular file",
            "2 MB": "is over 256 KiB",
        }
        for kind, make in broken.items():
            config.unlink()
            make()
            player.start()
            status = player.wait_item("red", timeout=60)
            (error,) = status["config"]["errors"]
            assert error.startswith(str(config)) and reasons[kind] in error, kind
            assert player.stop() == 0
        assert "Traceback" not in player.logs.read_text(errors="replace")
    finally:
        if player.proc is not None and player.proc.poll() is None:
            player.stop()


def test_a_broken_config_with_its_own_cache_dir_comes_back_on_its_last_good_copy(
    tmp_path: Path, publisher_key, monkeypatch
) -> None:
    """By hand or from a desktop session (no systemd state folder), cache.dir not the default:
    the copy is found from the config's path alone, and status does not call it healthy."""
    key_path, public_key = publisher_key
    site = tmp_path / "site"
    publish_tree(
        site, [{"id": "red", "type": "image", "color": list(RED), "duration": 60}], key_path
    )
    monkeypatch.delenv("STATE_DIRECTORY", raising=False)
    config = tmp_path / "etc" / "player.yaml"
    config.parent.mkdir()
    write_config(config, tmp_path, site, public_key)  # cache.dir: tmp/cache
    player = PlayerProcess(config, tmp_path / "run", tmp_path / "player.log")
    player.start()
    try:
        player.wait_item("red", timeout=60)
        assert player.stop() == 0
        config.write_text("player:\n  id: " + "[" * 5000 + "]" * 5000 + "\n")  # a bad edit
        player.start()  # then a power cut
        status = player.wait_item("red", timeout=60)
        assert status["config"]["on_last_good"] is True
        result = subprocess.run(
            [*VIDEOTRON, "--config", str(config), "status"],
            capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        assert result.returncode == 1, result.stdout + result.stderr
        assert "running, CONFIG REFUSED:" in result.stdout
        assert "playing its last good config" in result.stdout
        assert "healthy" not in result.stdout
        assert player.stop() == 0
    finally:
        if player.proc is not None and player.proc.poll() is None:
            player.stop()
