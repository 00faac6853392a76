"""Damage at rest, seen by a real player: media and manifests altered while it was stopped."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import yaml

from tests.fixtures.content import publish_tree
from tests.fixtures.nginx import Nginx
from tests.fixtures.player import PlayerProcess, near, screen_color

RED, GREEN, BLUE, GRAY = (220, 20, 20), (20, 200, 40), (30, 40, 210), (128, 128, 128)
ROW = 320 * 3  # bytes per row of a 320x180 24-bit BMP (already a multiple of 4)
PIXELS_AT = 54  # the BMP header before the pixel rows


def write_config(path: Path, tmp_path: Path, url: str, public_key: str) -> None:
    path.write_text(
        yaml.safe_dump(
            {
                "player": {"id": "trust-1", "group": "test"},
                "source": {"url": url, "public_key": public_key, "poll_interval": 3600},
                "cache": {"dir": str(tmp_path / "cache")},
                "runtime": {"dir": str(tmp_path / "run")},
                "display": {"size": "320x180", "fps": 10},
            }
        ),
        encoding="utf-8",
    )


def publish(out: Path, colors: dict[str, tuple], key_path: Path, stamp: float) -> dict[str, str]:
    """Publish one BMP item per colour (BMP: damage shows as pixels, never as an error)."""
    items = [
        {"id": name, "type": "image", "color": list(c), "format": "bmp", "duration": 1}
        for name, c in colors.items()
    ]
    manifest = publish_tree(out, items, key_path)
    os.utime(manifest, (stamp, stamp))  # its own second, as a real publish would have
    doc = json.loads(manifest.read_bytes())
    return {item["id"]: item["media"] for p in doc["playlists"] for item in p["items"]}


def status_text(config: Path) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "videotron", "--config", str(config), "status"],
        capture_output=True, text=True, timeout=30, check=False,
    )  # fmt: skip
    return result.stdout


def frames(log: Path) -> list[dict]:
    """The frame log's whole lines (the player may be writing the last one)."""
    if not log.exists():
        return []
    rows = []
    for line in log.read_text().splitlines():
        try:
            rows.append(json.loads(line))
        except ValueError:
            continue
    return rows


def test_media_damaged_at_rest_is_never_shown_and_comes_back_from_the_server(
    tmp_path: Path, nginx: Nginx, publisher_key
) -> None:
    key_path, public_key = publisher_key
    colors = {"gray": GRAY, "red": RED, "green": GREEN, "blue": BLUE}
    media = publish(nginx.root / "screens", colors, key_path, time.time())
    config = tmp_path / "player.yaml"
    write_config(config, tmp_path, f"{nginx.url}/screens/manifest.json", public_key)
    player = PlayerProcess(config, tmp_path / "run", tmp_path / "player.log")
    frame_log = tmp_path / "frames.jsonl"
    player.start()
    try:
        player.wait_for(
            "all media cached",
            lambda s: (
                s.get("cache", {}).get("files") == 4
                and s.get("sync", {}).get("last_result") == "ok"
            ),
            60,
        )
        assert player.stop() == 0

        cached = tmp_path / "cache" / "media"
        # red: one byte flipped at the picture's centre, mtime put back (bit rot);
        red = cached / media["red"]
        before = red.stat()
        data = bytearray(red.read_bytes())
        data[PIXELS_AT + 89 * ROW + 160 * 3] ^= 0xFF  # blue channel of the centre pixel
        red.write_bytes(bytes(data))
        os.utime(red, ns=(before.st_atime_ns, before.st_mtime_ns))
        # green: its middle third overwritten (a white band); blue: cut to half its size.
        green = cached / media["green"]
        size = green.stat().st_size
        with open(green, "r+b") as f:
            f.seek(size // 3)
            f.write(b"\xff" * (size // 3))
        blue = cached / media["blue"]
        with open(blue, "r+b") as f:
            f.truncate(blue.stat().st_size // 2)

        nginx.stop()  # offline: nothing can be fetched again yet
        player.start("--frame-log", str(frame_log))
        status = player.wait_for(
            "three damaged media found",
            lambda s: len(s.get("cache", {}).get("damaged") or []) == 3,
            60,
        )
        found = {d["media"]: d["reason"] for d in status["cache"]["damaged"]}
        assert set(found) == {media["red"], media["green"], media["blue"]}
        assert "sha256" in found[media["red"]] and "size" in found[media["blue"]]
        assert not (cached / media["red"]).exists()
        text = status_text(config)
        assert f"DAMAGED MEDIA   {media['red'][:12]}…" in text, text
        assert "removed, downloading it again" in text
        # A few more rounds of the playlist, offline: frames drawn two seconds on from here.
        mark = time.time()
        player.wait_for(
            "two more seconds of frames",
            lambda _: any(f["t"] >= mark + 2.0 for f in frames(frame_log)),
            30,
        )
        shown = {f["item"] for f in frames(frame_log)}
        assert shown == {"gray"}, shown

        nginx.start()
        player.wait_for(
            "damaged media downloaded again",
            lambda s: all(d.get("restored") for d in s.get("cache", {}).get("damaged") or [{}]),
            90,
        )
        player.wait_item("green", timeout=30)
        assert "downloaded again" in status_text(config)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not {"red", "blue"} <= {
            f["item"] for f in frames(frame_log)
        }:
            time.sleep(0.2)
        # Every frame of the damaged items is their true picture, fetched again.
        for frame in frames(frame_log):
            expected = colors[frame["item"]]
            assert all(near(tuple(px), expected) for px in frame["px"]), frame
        assert {f["item"] for f in frames(frame_log)} == set(colors)
        assert player.stop() == 0
    finally:
        if player.proc is not None and player.proc.poll() is None:
            player.stop()


def test_a_manifest_altered_at_rest_is_refused_and_the_previous_one_plays(
    tmp_path: Path, nginx: Nginx, publisher_key
) -> None:
    key_path, public_key = publisher_key
    out = nginx.root / "screens"
    config = tmp_path / "player.yaml"
    write_config(config, tmp_path, f"{nginx.url}/screens/manifest.json", public_key)
    sync = [sys.executable, "-m", "videotron", "--config", str(config), "sync", "--once"]
    publish(out, {"red": RED}, key_path, time.time())
    subprocess.run(sync, check=True, capture_output=True, timeout=60)
    publish(out, {"green": GREEN}, key_path, time.time() + 10)
    subprocess.run(sync, check=True, capture_output=True, timeout=60)

    # Altered at rest: the screen would play green for as long as it liked.
    active = tmp_path / "cache" / "manifests" / "active.json"
    doc = json.loads(active.read_bytes())
    doc["playlists"][0]["items"][0]["duration"] = 86400
    active.write_bytes(json.dumps(doc).encode())

    nginx.stop()
    player = PlayerProcess(config, tmp_path / "run", tmp_path / "player.log")
    player.start()
    try:
        status = player.wait_item("red", timeout=60)  # the previous, verified manifest
        (refused,) = status["cache"]["manifest_refused"]
        assert "active.json: signature check failed" in refused
        assert "set aside as active.json.refused" in refused
        assert near(screen_color(config, tmp_path / "a.png"), RED)
        assert "MANIFEST REFUSED" in status_text(config)
        assert (active.parent / "active.json.refused").exists()

        nginx.start()  # the sync fetches the real sequence again
        player.wait_item("green", timeout=60)
        assert near(screen_color(config, tmp_path / "b.png"), GREEN)
        assert player.stop() == 0
    finally:
        if player.proc is not None and player.proc.poll() is None:
            player.stop()

    # Both altered, and still offline: nothing unverified plays, the splash says why.
    for name in ("active.json", "previous.json"):
        path = active.parent / name
        path.write_bytes(path.read_bytes().replace(b'"group"', b' "group"', 1))
    nginx.stop()
    player.start()
    try:
        status = player.wait_for(
            "the splash",
            lambda s: s.get("render", {}).get("kind") == "idle",
            60,
        )
        assert len(status["cache"]["manifest_refused"]) == 2
        assert status["render"].get("item") is None
    finally:
        if player.proc is not None and player.proc.poll() is None:
            player.stop()
