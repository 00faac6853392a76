"""A real window on a real X server (Xvfb): the player goes fullscreen and the X screen shows it."""

import subprocess
import sys
import time

import numpy as np
import pytest

from tests.fixtures.content import publish_tree
from tests.fixtures.xvfb import capture_root
from tests.render.helpers import (
    WHITE,
    bbox,
    close,
    make_quadrants,
    mask_of,
    quadrant_colors,
)

RED, BLUE = (255, 0, 0), (0, 0, 255)


@pytest.mark.xvfb
def test_fullscreen_window_under_xvfb_shows_the_content(tmp_path, xvfb):
    tree = tmp_path / "published"
    publish_tree(
        tree,
        [{"id": "poster", "type": "image", "color": list(RED), "size": [160, 90], "duration": 30}],
    )
    # SDL picks its video driver once per process: the player runs in its own process on
    # the X server, as it does on a desktop Pi; the screenshot is taken by the X server.
    player = subprocess.Popen(
        [sys.executable, "-m", "player.render", str(tree), "--seconds", "30", "--fps", "10"],
        env=xvfb.env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 20
        shot = None
        while time.monotonic() < deadline and player.poll() is None:
            image = np.asarray(capture_root(xvfb))
            if mask_of(image.transpose(1, 0, 2), RED).mean() > 0.99:
                shot = image
                break
            time.sleep(0.2)
        if shot is None:
            player.kill()
            out, err = player.communicate(timeout=10)
            pytest.fail(f"the X screen never showed the poster; player said:\n{out}\n{err}")
        px = shot.transpose(1, 0, 2)  # (x, y, rgb) like pygame's surfarray
        assert px.shape[:2] == (1280, 720)
        assert bbox(mask_of(px, RED)) == (0, 0, 1280, 720)  # fullscreen, 16:9 content fills it
    finally:
        if player.poll() is None:
            player.terminate()
        out, err = player.communicate(timeout=10)
    assert "display open: driver x11, output 1280x720" in err


@pytest.mark.xvfb
def test_a_video_in_a_real_x11_window_shows_its_frames(tmp_path, xvfb):
    # At the screen's size, frames are converted straight into the window's shared memory.
    clip = make_quadrants(tmp_path / "q.mp4", (1280, 720), seconds=4.0)
    tree = tmp_path / "published"
    publish_tree(tree, [{"id": "clip", "type": "video", "file": str(clip)}])
    player = subprocess.Popen(
        [sys.executable, "-m", "player.render", str(tree), "--seconds", "30", "--fps", "25"],
        env=xvfb.env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 20
        colors = None
        while time.monotonic() < deadline and player.poll() is None:
            px = np.asarray(capture_root(xvfb)).transpose(1, 0, 2)
            colors = quadrant_colors(px, (0, 0, 1280, 720))
            if close(colors, [RED, (0, 255, 0), BLUE, WHITE]):
                break
            time.sleep(0.2)
        else:
            player.kill()
            _, err = player.communicate(timeout=10)
            pytest.fail(f"the X screen never showed the clip (last {colors}); player said:\n{err}")
    finally:
        if player.poll() is None:
            player.terminate()
        player.communicate(timeout=10)
