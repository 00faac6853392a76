"""A real player whose server starts to trickle: the sync gives up, the screen plays on."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import yaml

from tests.fixtures.content import publish_tree
from tests.fixtures.nginx import Nginx
from tests.fixtures.player import PlayerProcess, near, screen_color
from tests.fixtures.trickle import TrickleServer

RED = (220, 20, 20)


def write_config(path: Path, tmp_path: Path, url: str, public_key: str) -> None:
    path.write_text(
        yaml.safe_dump(
            {
                "player": {"id": "slow-1", "group": "test"},
                "source": {
                    "url": url,
                    "public_key": public_key,
                    "poll_interval": 3600,
                    "deadline": "5s",
                },
                "cache": {"dir": str(tmp_path / "cache")},
                "runtime": {"dir": str(tmp_path / "run")},
                "display": {"size": "320x180", "fps": 10},
            }
        ),
        encoding="utf-8",
    )


def test_a_trickling_server_is_reported_too_slow_while_the_old_content_plays(
    tmp_path: Path, nginx: Nginx, publisher_key, trickle_server: TrickleServer
) -> None:
    key_path, public_key = publisher_key
    out = nginx.root / "screens"
    publish_tree(
        out, [{"id": "red", "type": "image", "color": list(RED), "duration": 60}], key_path
    )
    config = tmp_path / "player.yaml"
    write_config(config, tmp_path, f"{nginx.url}/screens/manifest.json", public_key)
    player = PlayerProcess(config, tmp_path / "run", tmp_path / "player.log")
    player.start()
    try:
        player.wait_item("red", timeout=60)

        # The server now answers one byte at a time (a new publish behind a bad link).
        publish_tree(out, [{"id": "blue", "type": "image", "duration": 60}], key_path)
        trickle_server.files["/m.json"] = (out / "manifest.json").read_bytes()
        trickle_server.trickle = {"/m.json"}
        write_config(config, tmp_path, trickle_server.url("/m.json"), public_key)
        changed = time.monotonic()
        status = player.wait_for(
            "the sync to give up on the trickle",
            lambda s: "server too slow" in str(s.get("sync", {}).get("last_result")),
            60,
        )
        assert time.monotonic() - changed < 40  # a 5 s deadline; without one, minutes of trickle
        assert status["render"]["item"] == "red"
        assert near(screen_color(config, tmp_path / "a.png"), RED)
        text = subprocess.run(
            [sys.executable, "-m", "videotron", "--config", str(config), "status"],
            capture_output=True, text=True, timeout=30, check=False,
        ).stdout  # fmt: skip
        assert "last result: network: server too slow:" in text, text
        assert player.stop() == 0
    finally:
        if player.proc is not None and player.proc.poll() is None:
            player.stop()
