"""End to end with real processes on loopback: publish → nginx → player ← mosquitto push."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from PIL import Image

from tests.fixtures.media import make_image

VIDEOTRON = [sys.executable, "-m", "player"]
RED, BLUE, GREEN = (220, 20, 20), (20, 20, 220), (20, 200, 20)
SIZE = (320, 180)


def videotron(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [*VIDEOTRON, *args], capture_output=True, text=True, timeout=timeout, check=False
    )
    assert result.returncode == 0, f"videotron {' '.join(args)}: {result.stderr}"
    return result


def publish(src: Path, out: Path, key: Path, items: list[tuple[str, tuple]]) -> None:
    """Publish one image item per (id, colour) into `out` with the real CLI."""
    entries = []
    for item_id, color in items:
        make_image(src / f"{item_id}.png", size=SIZE, color=color)
        entries.append({"id": item_id, "type": "image", "file": f"{item_id}.png", "duration": 30})
    playlist = {"group": "e2e", "playlists": [{"name": "main", "priority": 0, "items": entries}]}
    (src / "playlist.yaml").write_text(yaml.safe_dump(playlist), encoding="utf-8")
    videotron("publish", str(src / "playlist.yaml"), "--key", str(key), "--out", str(out))


class PlayerProcess:
    """`videotron run --headless` in a subprocess, observed through its status file."""

    def __init__(self, config: Path, runtime: Path, logs: Path) -> None:
        self.config = config
        self.status_path = runtime / "status.json"
        self.logs = logs
        self.proc: subprocess.Popen | None = None

    def start(self) -> float:
        self.status_path.unlink(missing_ok=True)
        env = {**os.environ, "SDL_VIDEODRIVER": "dummy"}
        with self.logs.open("ab") as log:
            self.proc = subprocess.Popen(
                [*VIDEOTRON, "--config", str(self.config), "run", "--headless"],
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
            )
        return time.monotonic()

    def status(self) -> dict:
        try:
            return json.loads(self.status_path.read_text())
        except (OSError, ValueError):
            return {}

    def wait_for(self, what: str, check: Callable[[dict], bool], timeout: float) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc is not None and self.proc.poll() is None, (
                f"player exited ({self.proc.returncode}) while waiting for {what}:\n"
                + self.logs.read_text(errors="replace")[-3000:]
            )
            status = self.status()
            if check(status):
                return status
            time.sleep(0.05)
        pytest.fail(
            f"timed out after {timeout} s waiting for {what}; status: "
            f"{json.dumps(self.status().get('render'))}\n"
            + self.logs.read_text(errors="replace")[-3000:]
        )

    def wait_item(self, item_id: str, timeout: float) -> dict:
        return self.wait_for(
            f"item {item_id!r} on screen",
            lambda s: s.get("render", {}).get("item") == item_id,
            timeout,
        )

    def stop(self) -> int:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)
            pytest.fail("player did not stop within 20 s of SIGTERM")


def screen_color(config: Path, out: Path) -> tuple[int, int, int]:
    """Ask the running player for its frame (`videotron screenshot`) and read the centre."""
    videotron("--config", str(config), "screenshot", str(out), "--timeout", "10")
    with Image.open(out) as image:
        return image.convert("RGB").getpixel((image.width // 2, image.height // 2))


def near(actual: tuple[int, ...], expected: tuple[int, ...], tolerance: int = 12) -> bool:
    return all(abs(a - e) <= tolerance for a, e in zip(actual, expected, strict=True))


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
            "--config", str(config), "notify", "--manifest", str(nginx.root / "manifest.json")
        )
        player.wait_item("blue", timeout=15)
        assert time.monotonic() - notified < 15
        assert near(screen_color(config, tmp_path / "shot2.png"), BLUE)
        assert any(line.uri.endswith("/manifest.json") for line in nginx.requests())

        # The server goes away: playback goes on, and a sync attempt fails cleanly.
        nginx.stop()
        publish(src, nginx.root, key, [("blue", BLUE)])  # a new sequence the player cannot fetch
        videotron(
            "--config", str(config), "notify", "--manifest", str(nginx.root / "manifest.json")
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
        assert time.monotonic() - started < 20
        assert near(screen_color(config, tmp_path / "shot4.png"), BLUE)

        # The server comes back and the next publish arrives through push.
        nginx.start()
        publish(src, nginx.root, key, [("green", GREEN)])
        videotron(
            "--config", str(config), "notify", "--manifest", str(nginx.root / "manifest.json")
        )
        player.wait_item("green", timeout=30)
        assert near(screen_color(config, tmp_path / "shot5.png"), GREEN)
    finally:
        if player.proc is not None and player.proc.poll() is None:
            player.stop()
