"""The whole player process and its config: live edits and a broken file at boot."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import yaml
from PIL import Image

from tests.fixtures.content import publish_tree
from tests.fixtures.player import PlayerProcess

RED = (220, 20, 20)


def write_config(path: Path, tmp_path: Path, site: Path, public_key: str, **display) -> None:
    path.write_text(
        yaml.safe_dump(
            {
                "player": {"id": "app-1", "group": "test"},
                "source": {"url": str(site), "public_key": public_key, "poll_interval": 3600},
                "cache": {"dir": str(tmp_path / "cache")},
                "runtime": {"dir": str(tmp_path / "run")},
                "display": {"size": "320x180", "fps": 10, **display},
            },
            sort_keys=False,
        ),
        encoding="utf-8",
    )


def left_and_right(config: Path, out: Path) -> tuple[tuple, tuple]:
    subprocess.run(
        [sys.executable, "-m", "videotron", "--config", str(config), "screenshot", str(out)],
        check=True,
        capture_output=True,
        timeout=30,
    )
    with Image.open(out) as image:
        rgb = image.convert("RGB")
        return rgb.getpixel((100, 90)), rgb.getpixel((300, 90))


def test_live_config_edits_apply_and_a_bad_edit_keeps_playing(
    tmp_path: Path, publisher_key, monkeypatch
) -> None:
    key_path, public_key = publisher_key
    site = tmp_path / "site"
    publish_tree(
        site, [{"id": "red", "type": "image", "color": list(RED), "duration": 60}], key_path
    )
    config = tmp_path / "player.yaml"
    # The LED card captures the left part of the output at first; later the right part.
    left = {"x": 0, "y": 0, "w": 200, "h": 180}
    right = {"x": 160, "y": 0, "w": 160, "h": 180}
    write_config(config, tmp_path, site, public_key, region=left)
    player = PlayerProcess(config, tmp_path / "run", tmp_path / "player.log")
    player.start()
    try:
        player.wait_item("red", timeout=60)
        assert left_and_right(config, tmp_path / "a.png") == (RED, (0, 0, 0))

        # A technician saves a typo: refused with file and line, the screen plays on.
        text = config.read_text()
        config.write_text(text.replace("fps: 10", "fps: fast"), encoding="utf-8")
        status = player.wait_for(
            "the config error in status", lambda s: s.get("config", {}).get("errors"), 15
        )
        (error,) = status["config"]["errors"]
        line = next(n for n, t in enumerate(config.read_text().splitlines(), 1) if "fps:" in t)
        assert f"player.yaml:{line}:" in error and "display.fps" in error
        assert status["render"]["item"] == "red"
        # `videotron status` with that broken file still finds the running player (its
        # runtime.dir is read leniently) and shows the refused edit, not "NOT RUNNING";
        # exit 1: running, but a technician's edit needs fixing.
        shown = subprocess.run(
            [sys.executable, "-m", "videotron", "--config", str(config), "status"],
            capture_output=True, text=True, timeout=30, check=False,
        )  # fmt: skip
        assert shown.returncode == 1, shown.stdout + shown.stderr
        assert "CONFIG REFUSED" in shown.stdout and "display.fps" in shown.stdout
        assert "red" in shown.stdout
        assert left_and_right(config, tmp_path / "a2.png") == (RED, (0, 0, 0))

        # The fix, with the region moved: applied live, errors cleared.
        write_config(config, tmp_path, site, public_key, region=right)
        player.wait_for(
            "errors cleared", lambda s: s.get("config", {}).get("errors") == [], timeout=15
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            shown = left_and_right(config, tmp_path / "b.png")
            if shown != (RED, (0, 0, 0)):
                break
        assert shown == ((0, 0, 0), RED)
        # `videotron status` shows the geometry in force, not the one at start.
        now = player.wait_for(
            "the new region in status",
            lambda s: s.get("render", {}).get("region") == [right["x"], 0, right["w"], 180],
            timeout=10,
        )
        assert now["render"]["rotation"] == 0
        summary = subprocess.run(
            [sys.executable, "-m", "videotron", "--config", str(config), "status"],
            capture_output=True, text=True, timeout=30, check=False,
        ).stdout  # fmt: skip
        assert f"picture         {right['w']}x180 at x={right['x']}, y=0, rotation 0" in summary
        log = (tmp_path / "player.log").read_text()
        assert f"display.region: 200x180 at x=0, y=0 → {right['w']}x180 at x={right['x']}" in log
        assert player.stop() == 0

        # The file is broken at boot: the player starts on the last good copy it kept
        # beside the cache that the broken file still names.
        monkeypatch.delenv("STATE_DIRECTORY", raising=False)
        config.write_text(text.replace("player:", "playr:"), encoding="utf-8")
        player.start()
        status = player.wait_item("red", timeout=30)
        assert any("playr" in e and "did you mean" in e for e in status["config"]["errors"])
        # A client config naming only the runtime dir reaches it despite the broken file.
        client = tmp_path / "client.yaml"
        client.write_text(yaml.safe_dump({"runtime": {"dir": str(tmp_path / "run")}}))
        assert left_and_right(client, tmp_path / "c.png") == ((0, 0, 0), RED)
    finally:
        if player.proc is not None and player.proc.poll() is None:
            player.stop()


def test_an_unusable_cache_dir_falls_back_to_a_temporary_one_with_a_clear_error(
    tmp_path: Path, caplog
) -> None:
    from player.app import usable_cache_dir

    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should be")
    chosen = usable_cache_dir(blocker / "videotron")
    assert chosen != blocker / "videotron"
    assert (chosen / "media").is_dir()
    (message,) = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
    assert str(blocker / "videotron") in message and "install.sh" in message
    assert usable_cache_dir(tmp_path / "good") == tmp_path / "good"


def test_no_display_is_a_plain_error_naming_the_drivers_tried(tmp_path: Path) -> None:
    config = tmp_path / "player.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "cache": {"dir": str(tmp_path / "cache")},
                "runtime": {"dir": str(tmp_path / "run")},
                "display": {"driver": "kmsdrm"},  # no DRM device on a test machine
            }
        )
    )
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "SDL_VIDEODRIVER")}
    result = subprocess.run(
        [sys.executable, "-m", "videotron", "--config", str(config), "run", "--exit-after", "5"],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
    )
    assert result.returncode == 1
    assert "no display could be opened; SDL video drivers tried:" in result.stderr
    assert "kmsdrm" in result.stderr and "docs/OPERATIONS.md" in result.stderr
    assert "Traceback" not in result.stderr


def test_sync_once_refuses_while_the_player_syncs_the_same_cache(
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
        busy = subprocess.run(
            [sys.executable, "-m", "videotron", "--config", str(config), "sync", "--once"],
            capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        assert busy.returncode == 8, busy.stderr
        assert "a running player uses" in busy.stderr and "MQTT 'sync'" in busy.stderr
        assert player.stop() == 0
        alone = subprocess.run(
            [sys.executable, "-m", "videotron", "--config", str(config), "sync", "--once"],
            capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        assert alone.returncode == 0, alone.stderr  # the lock went with the player
    finally:
        if player.proc is not None and player.proc.poll() is None:
            player.stop()


def test_a_second_player_on_the_same_config_is_refused_and_names_the_first(
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
        second = subprocess.run(
            [sys.executable, "-m", "videotron", "--config", str(config), "run", "--headless",
             "--exit-after", "30"],
            capture_output=True, text=True, timeout=120, check=False,
            env={**os.environ, "SDL_VIDEODRIVER": "dummy"},
        )  # fmt: skip
        assert second.returncode == 1, second.stderr[-2000:]
        sock = tmp_path / "run" / "control.sock"
        assert f"videotron run, control socket {sock} (pid {player.proc.pid})" in second.stderr
        assert "already plays from cache" in second.stderr and "videotron status" in second.stderr
        assert "Traceback" not in second.stderr
        # The first keeps its status file and its control socket: the tools still reach it.
        assert player.status()["player"]["pid"] == player.proc.pid
        assert left_and_right(config, tmp_path / "shot.png")[0] == RED
        assert player.stop() == 0
    finally:
        if player.proc is not None and player.proc.poll() is None:
            player.stop()
