"""The whole player (`videotron run --headless`) driven over a real mosquitto.

Notify → the player syncs and shows new content; an alert appears and goes at its
expiry; plays are reported to the central side.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from player.wire.isotime import parse_utc
from tests.fixtures.content import publish_tree, write_key

ROOT = Path(__file__).resolve().parents[2]
GROUP = "lobby"
PLAYER = "lobby-screen"


def videotron(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "videotron", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


class Screen:
    """A running headless player and its status file."""

    def __init__(self, work: Path, site: Path, public_key: str, broker_url: str) -> None:
        work.mkdir(parents=True, exist_ok=True)
        self.status_path = work / "run" / "status.json"
        self.config = work / "player.yaml"
        self.config.write_text(
            f"player:\n  id: {PLAYER}\n  group: {GROUP}\n"
            f"source:\n  url: {site}\n  public_key: {public_key}\n  poll_interval: 86400\n"
            f"cache:\n  dir: {work / 'cache'}\n"
            f"runtime:\n  dir: {work / 'run'}\n"
            "display:\n  size: 320x180\n  driver: dummy\n  fps: 20\n"
            f"mqtt:\n  url: {broker_url}\n  topic_prefix: vt\n",
            encoding="utf-8",
        )
        self.log = work / "player.log"
        env = {**os.environ, "SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy"}
        with self.log.open("wb") as log_file:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "videotron", "--config", str(self.config), "run",
                 "--headless"],
                cwd=ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT,
            )  # fmt: skip

    def render(self) -> dict:
        try:
            return json.loads(self.status_path.read_bytes()).get("render", {})
        except (OSError, ValueError):
            return {}

    def wait_render(self, what: str, timeout: float, **expected) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            render = self.render()
            if all(render.get(k) == v for k, v in expected.items()):
                return render
            if self.proc.poll() is not None:
                pytest.fail(
                    f"player exited ({self.proc.returncode}): {self.log.read_text()[-2000:]}"
                )
            if time.monotonic() > deadline:
                pytest.fail(f"{what} not on screen in {timeout}s; render={render}")
            time.sleep(0.05)

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
            pytest.fail("player did not stop within 20 s of SIGTERM")


def test_notify_alert_and_proof_of_play_end_to_end(mosquitto, mqtt_probe, tmp_path):
    key_path, public_key = write_key(tmp_path / "keys" / "publisher.key")
    site = tmp_path / "site"
    first = [{"id": "first", "type": "image", "color": [200, 0, 0], "size": [64, 36],
              "duration": 600}]  # fmt: skip
    publish_tree(site, first, key_path, group=GROUP)
    central = tmp_path / "central.yaml"
    central.write_text(
        f"mqtt:\n  url: {mosquitto.url}\n  topic_prefix: vt\n",
        encoding="utf-8",
    )
    mqtt_probe.subscribe(f"vt/player/{PLAYER}/pop")
    screen = Screen(tmp_path / "screen", site, public_key, mosquitto.url)
    try:
        screen.wait_render("the first item", 60, item="first")
        mqtt_probe.subscribe(f"vt/player/{PLAYER}/status")
        mqtt_probe.wait_for(lambda m: m.topic.endswith("/status") and m.json()["online"], 10)

        # New content with new media: only the push can make it show (poll is a day).
        second = [{"id": "second", "type": "image", "color": [0, 200, 0], "size": [64, 36],
                   "duration": 600}]  # fmt: skip
        publish_tree(site, second, key_path, group=GROUP)
        result = videotron(
            "--config", str(central), "notify", "--manifest", str(site / "manifest.json")
        )
        assert result.returncode == 0, result.stderr
        screen.wait_render("the notified content", 30, item="second")

        result = videotron(
            "--config", str(central), "alert", "Evakuasi: banjir", "--group", GROUP,
            "--expires", "10s", "--key", str(key_path), "--id", "flood-7",
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        # The alert's own expiry, as the command printed it ("…, until <expires_at>: text").
        expires = parse_utc(result.stdout.split(" until ", 1)[1].split(": ", 1)[0].strip())
        # Shown before it expires, even on a busy machine (the push takes milliseconds).
        screen.wait_render("the alert", 10, alert="flood-7")
        screen.wait_render("the schedule after the alert expired", 30, alert=None, item="second")
        # It stayed up until its expiry: the screen never takes an alert off early (the
        # player's clock is this machine's; a frame's worth of slack).
        assert dt.datetime.now(dt.UTC) >= expires - dt.timedelta(seconds=0.1)

        # "first" was cut short by the notified content: its play reached the central side.
        play = mqtt_probe.wait_for(
            lambda m: (
                m.topic.endswith("/pop")
                and any(r["item_id"] == "first" for r in m.json()["records"])
            ),
            timeout=30,
        )
        record = next(r for r in play.json()["records"] if r["item_id"] == "first")
        assert record["completed"] is False and record["media"]
    finally:
        code = screen.stop()
    assert code == 0, screen.log.read_text()[-2000:]
    offline = mqtt_probe.wait_for(
        lambda m: m.topic.endswith("/status") and m.json()["online"] is False, 30
    )
    assert offline.json()["reason"] == "stopped"
