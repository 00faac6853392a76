"""`videotron demo` on a machine with no display: publishes, plays and saves screenshots."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
from PIL import Image

from player.render.capture import LATEST_NAME
from videotron.demo import HEADLESS_SECONDS, SHOTS_KEPT, play_length


def test_with_the_office_the_demo_stays_up_and_alone_offscreen_it_ends_by_itself() -> None:
    assert play_length(None, headless=True, office=True) is None  # until Ctrl-C
    assert play_length(None, headless=False, office=True) is None
    assert play_length(None, headless=True, office=False) == HEADLESS_SECONDS
    assert play_length(None, headless=False, office=False) is None  # a window: until closed
    assert play_length(45.0, headless=True, office=True) == 45.0  # tests keep --exit-after
    assert play_length(0.0, headless=True, office=False) is None


def test_demo_without_display_renders_offscreen_and_saves_screenshots(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.pop("SDL_VIDEODRIVER", None)  # the demo must pick offscreen rendering by itself
    out = tmp_path / "demo-out"
    out.mkdir()
    stale = out / "screen-20200101T000000-00000.png"  # an earlier run's screenshot
    stale.write_bytes(b"old")
    result = subprocess.run(
        [sys.executable, "-m", "videotron", "demo", "--out", str(out), "--exit-after", "12"],
        capture_output=True,
        text=True,
        env=env,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "no display found: rendering offscreen" in result.stdout
    # It says how to stop, shows progress while it plays and ends with what it wrote.
    assert "Ctrl-C stops it" in result.stdout
    assert "videotron demo: 10 s, on screen: " in result.stdout
    closing = result.stdout[result.stdout.index("videotron demo: done after") :]
    written = len(sorted(out.glob("screen-*.png")))
    assert f"{written} screenshots in {out}/" in closing
    assert f"play it again: videotron --config {out / 'player.yaml'} run --headless" in closing
    assert (out / "published" / "manifest.json.sig").is_file()
    # The folder holds this run's screenshots only, a bounded number, and the newest by name.
    assert not stale.exists()
    assert written <= SHOTS_KEPT and (out / LATEST_NAME).is_file()
    assert (out / LATEST_NAME).read_bytes() == sorted(out.glob("screen-*.png"))[-1].read_bytes()
    shots = sorted(out.glob("screen-*.png"))
    assert len(shots) >= 3, result.stdout + result.stderr[-2000:]
    # Past the first shot the demo content plays: real, varied pixels, not a black frame.
    for shot in shots[1:]:
        pixels = np.asarray(Image.open(shot).convert("RGB"), dtype=np.int16)
        assert pixels.shape == (720, 1280, 3)
        assert pixels.mean() > 30, f"{shot.name} is (nearly) black"
        assert len(np.unique(pixels.reshape(-1, 3), axis=0)) > 50, f"{shot.name} is flat"
    # The ticker's feed is published with the content and read from the folder: the demo
    # (or a replay of its folder) depends on no server that exists only while it runs.
    assert (out / "published" / "feeds" / "sample-feed.xml").is_file()
    assert list((out / "cache" / "feeds").glob("*.json")), "the bundled feed was not read"
    assert "urllib3" not in result.stderr and "Retrying" not in result.stderr
    cached = [p for p in (out / "cache" / "media").iterdir() if p.is_file()]
    assert len(cached) == 4  # three posters and one clip, verified into the cache
    # One clock on screen (the corner overlay), never a clock slide beside it.
    manifest = json.loads((out / "published" / "manifest.json").read_text())
    kinds = [i["type"] for pl in manifest["playlists"] for i in pl["items"]]
    assert "clock" not in kinds and manifest["layout"]["clock"]["position"] == "top-right"
    # Pictures are made at the main zone's shape: they fill it edge to edge, no black bars
    # at the sides (the ticker strip is the bottom 8 %).
    filled = 0
    for shot in shots[1:]:
        main = np.asarray(Image.open(shot).convert("RGB"), dtype=np.int16)[: int(720 * 0.9)]
        sides = main[:, [3, -4]].max(axis=2)
        filled += bool((sides > 25).all())
    assert filled >= 2, "no screenshot shows a picture filling the screen edge to edge"
