"""`videotron status` of a running player: what is on screen, since when, and the display
in force after the technician edits the config file."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import yaml

from tests.fixtures.content import publish_tree
from tests.fixtures.player import PlayerProcess


def write_config(path: Path, tmp_path: Path, site: Path, public_key: str, region: dict) -> None:
    path.write_text(
        yaml.safe_dump(
            {
                "player": {"id": "status-1", "group": "test"},
                "source": {"url": str(site), "public_key": public_key, "poll_interval": 3600},
                "cache": {"dir": str(tmp_path / "cache")},
                "runtime": {"dir": str(tmp_path / "run")},
                "display": {"size": "320x180", "fps": 10, "region": region},
            },
            sort_keys=False,
        ),
        encoding="utf-8",
    )


def status_lines(config: Path) -> dict[str, str]:
    """`videotron status` as {label: text}, e.g. {"playing": "red (image) …"}."""
    shown = subprocess.run(
        [sys.executable, "-m", "videotron", "--config", str(config), "status"],
        capture_output=True, text=True, timeout=30, check=False,
    )  # fmt: skip
    assert shown.returncode == 0, shown.stdout + shown.stderr
    lines = {}
    for line in shown.stdout.splitlines():
        match = re.match(r"  (\S+(?: \S+)?)\s{2,}(.*)", line)
        if match:
            lines.setdefault(match[1], match[2])
    return lines


def test_status_shows_the_item_on_screen_and_the_geometry_after_a_live_edit(
    tmp_path: Path, publisher_key
) -> None:
    key_path, public_key = publisher_key
    site = tmp_path / "site"
    publish_tree(
        site, [{"id": "red", "type": "image", "color": [220, 20, 20], "duration": 120}], key_path
    )
    config = tmp_path / "player.yaml"
    write_config(config, tmp_path, site, public_key, {"x": 0, "y": 0, "w": 200, "h": 180})
    player = PlayerProcess(config, tmp_path / "run", tmp_path / "player.log")
    player.start()
    try:
        player.wait_for(
            "red on screen, its first frame shown",
            lambda s: (
                s.get("render", {}).get("item") == "red" and s.get("render", {}).get("first_frame")
            ),
            timeout=60,
        )
        before = status_lines(config)
        assert before["playing"].startswith("red (image) from playlist main, since ")
        since = before["playing"].split(", since ")[1].split(" (")[0]
        assert before["picture"] == "200x180 at x=0, y=0, rotation 0"
        assert before["screen"] == "on"

        # The LED card now captures the right part: the technician edits the file live.
        write_config(config, tmp_path, site, public_key, {"x": 160, "y": 0, "w": 160, "h": 180})
        player.wait_for(
            "the new region in the status file",
            lambda s: s.get("render", {}).get("region") == [160, 0, 160, 180],
            timeout=20,
        )
        after = status_lines(config)
        assert after["picture"] == "160x180 at x=160, y=0, rotation 0"
        # The same play goes on in the new place: same item, same start.
        assert after["playing"].startswith(f"red (image) from playlist main, since {since} (")
        assert player.stop() == 0
    finally:
        if player.proc is not None and player.proc.poll() is None:
            player.stop()
