"""End to end with real processes on loopback: publish → nginx → player ← mosquitto push."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import yaml

from tests.fixtures.media import make_image
from tests.fixtures.player import PlayerProcess, near, screen_color, videotron

RED, BLUE, GREEN = (220, 20, 20), (20, 20, 220), (20, 200, 20)
SIZE = (320, 180)


def publish(src: Path, out: Path, key: Path, items: list[tuple[str, tuple]]) -> None:
    """Publish one image item per (id, colour) into `out` with the real CLI."""
    entries = []
    for item_id, color in items:
        make_image(src / f"{item_id}.png", size=SIZE, color=color)
        entries.append({"id": item_id, "type": "image", "file": f"{item_id}.png", "duration": 30})
    playlist = {"group": "e2e", "playlists": [{"name": "main", "priority": 0, "items": entries}]}
    (src / "playlist.yaml").write_text(yaml.safe_dump(playlist), encoding="utf-8")
    videotron("publish", str(src / "playlist.yaml"), "--key", str(key), "--out", str(out))


@pytest.mark.slow
def test_publish_push_offline_and_restart_from_cache(tmp_path: Path, nginx, mosquitto) -> None:
    key = tmp_path / "publisher.key"
    public_line = videotron("keygen", str(key)).stdout
    public_key = next(
        line.split(":", 1)[1].strip()
        for line in public_line.splitlines()
        if line.startswith("public_key:")
    )
    src = tmp_path / "src"
    publish(src, nginx.root, key, [("red", RED)])

    runtime = tmp_path / "run"
    config = tmp_path / "player.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "player": {"id": "e2e-1", "group": "e2e"},
                # A poll this slow proves that the updates below came through push.
                "source": {
                    "url": f"{nginx.url}/manifest.json",
                    "public_key": public_key,
                    "poll_interval": 3600,
                },
                "cache": {"dir": str(tmp_path / "cache")},
                "runtime": {"dir": str(runtime)},
                "display": {"size": f"{SIZE[0]}x{SIZE[1]}", "fps": 10},
                "mqtt": {"url": mosquitto.url},
            }
        ),
        encoding="utf-8",
    )
    central = tmp_path / "central.yaml"
    central.write_text(yaml.safe_dump({"mqtt": {"url": mosquitto.url}}), encoding="utf-8")
    player = PlayerProcess(config, runtime, tmp_path / "player.log")
    player.start()
    try:
        player.wait_item("red", timeout=60)
        assert near(screen_color(config, tmp_path / "shot1.png"), RED)
        player.wait_for(
            "MQTT connected", lambda s: s.get("mqtt", {}).get("state") == "connected", 20
        )

        # Republish without "red": the item on screen is withdrawn, so the new one
        # must show at once, not after red's 30 s.
        publish(src, nginx.root, key, [("blue", BLUE)])
        nginx.clear_log()
        notified = time.monotonic()
        videotron(
            "--config", str(central), "notify", "--manifest", str(nginx.root / "manifest.json")
        )
        player.wait_item("blue", timeout=15)
        # Polling is hourly and nothing has failed yet: only the push can be this quick.
        assert time.monotonic() - notified < 5
        assert near(screen_color(config, tmp_path / "shot2.png"), BLUE)
        assert any(line.uri.endswith("/manifest.json") for line in nginx.requests())

        # The server goes away: playback goes on, and a sync attempt fails cleanly.
        nginx.stop()
        publish(src, nginx.root, key, [("blue", BLUE)])  # a new sequence the player cannot fetch
        videotron(
            "--config", str(central), "notify", "--manifest", str(nginx.root / "manifest.json")
        )
        player.wait_for(
            "a failed sync while nginx is down",
            lambda s: s.get("sync", {}).get("last_result", "ok").startswith("network"),
            timeout=30,
        )
        assert player.status()["render"]["item"] == "blue"
        assert near(screen_color(config, tmp_path / "shot3.png"), BLUE)
        assert player.stop() == 0

        # Restart with the server still down: the cached manifest plays at once.
        started = player.start()
        player.wait_item("blue", timeout=20)
        assert time.monotonic() - started < 10
        assert near(screen_color(config, tmp_path / "shot4.png"), BLUE)

        # The server comes back and the next publish arrives (announced over MQTT; the
        # sync that the notices woke may be the one retrying when nginx answers again).
        nginx.start()
        publish(src, nginx.root, key, [("green", GREEN)])
        videotron(
            "--config", str(central), "notify", "--manifest", str(nginx.root / "manifest.json")
        )
        player.wait_item("green", timeout=30)
        assert near(screen_color(config, tmp_path / "shot5.png"), GREEN)
    finally:
        if player.proc is not None and player.proc.poll() is None:
            player.stop()
