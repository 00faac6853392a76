"""The running player: the office's plan dims the picture when no sending card is set."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import yaml
from PIL import Image

from tests.fixtures.content import publish_tree
from tests.fixtures.player import PlayerProcess

RED = (220, 20, 20)


def write_config(path: Path, tmp_path: Path, site: Path, public_key: str, **brightness) -> None:
    config = {
        "player": {"id": "led-1", "group": "test"},
        "source": {"url": str(site), "public_key": public_key, "poll_interval": 3600},
        "cache": {"dir": str(tmp_path / "cache")},
        "runtime": {"dir": str(tmp_path / "run")},
        "display": {"size": "320x180", "fps": 10},
        "brightness": brightness,
    }
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")


def close(a: tuple, b: tuple) -> bool:
    return all(abs(x - y) <= 3 for x, y in zip(a, b, strict=True))


def centre(config: Path, out: Path) -> tuple:
    subprocess.run(
        [sys.executable, "-m", "videotron", "--config", str(config), "screenshot", str(out)],
        check=True, capture_output=True, timeout=30,
    )  # fmt: skip
    with Image.open(out) as image:
        return image.convert("RGB").getpixel((160, 90))


def test_the_plan_dims_the_picture_in_software_and_a_new_ceiling_applies_live(
    tmp_path: Path, publisher_key
) -> None:
    key_path, public_key = publisher_key
    site = tmp_path / "site"
    plan = {"steps": [{"at": "00:00", "level": 50}]}
    items = [{"id": "red", "type": "image", "color": list(RED), "duration": 60}]
    publish_tree(site, items, key_path, extra={"brightness": plan})
    config = tmp_path / "player.yaml"
    write_config(config, tmp_path, site, public_key)
    player = PlayerProcess(config, tmp_path / "run", tmp_path / "player.log")
    player.start()
    try:
        status = player.wait_for(
            "the plan's level in status",
            lambda s: s.get("brightness", {}).get("level") == 50,
            timeout=60,
        )
        assert status["brightness"]["output"] == "software"
        assert status["brightness"]["reason"] == "00:00 step"
        # The frame after the level reached the render loop is dimmed to half.
        half = tuple(c // 2 for c in RED)
        deadline = time.monotonic() + 10
        shown = centre(config, tmp_path / "a.png")
        while not close(shown, half) and time.monotonic() < deadline:
            shown = centre(config, tmp_path / "a.png")
        assert close(shown, half), shown
        # The technician lowers the ceiling: applied live, below the plan's level.
        write_config(config, tmp_path, site, public_key, ceiling=25)
        player.wait_for(
            "the ceiling in status", lambda s: s.get("brightness", {}).get("level") == 25, 15
        )
        assert (
            "brightness 25% (plan: 00:00 step) via software"
            in (tmp_path / "player.log").read_text()
        )
        assert player.stop() == 0
    finally:
        if player.proc is not None and player.proc.poll() is None:
            player.stop()
