"""Screenshots: a bounded folder keeps the newest shots and a `latest.png`."""

from __future__ import annotations

import time
from pathlib import Path

import pygame
from PIL import Image

from player.render.capture import LATEST_NAME, Screenshotter


def test_a_bounded_screenshotter_keeps_the_newest_shots_and_a_latest_png(tmp_path: Path) -> None:
    shots = Screenshotter(tmp_path, every=0.1, keep=3)
    screen = pygame.Surface((16, 9))
    try:
        for number in range(7):
            screen.fill((number * 30, 0, 0))
            shots.take(screen, float(number), f"20261207T000000-{number}")
            deadline = time.monotonic() + 20
            while not any(tmp_path.glob(f"screen-*-{number}-*.png")):  # the worker wrote it
                assert time.monotonic() < deadline
                time.sleep(0.01)
    finally:
        shots.close()
    kept = sorted(path.name for path in tmp_path.glob("screen-*.png"))
    assert kept == [f"screen-20261207T000000-{n}-{n:05d}.png" for n in (4, 5, 6)]
    assert Image.open(tmp_path / LATEST_NAME).getpixel((0, 0)) == (180, 0, 0)


def test_an_unbounded_screenshotter_keeps_every_shot(tmp_path: Path) -> None:
    shots = Screenshotter(tmp_path, every=0.1)
    try:
        for number in range(4):
            shots.take(pygame.Surface((4, 4)), float(number), f"s{number}")
            deadline = time.monotonic() + 20
            while not any(tmp_path.glob(f"screen-s{number}-*.png")):
                assert time.monotonic() < deadline
                time.sleep(0.01)
    finally:
        shots.close()
    assert len(list(tmp_path.glob("screen-*.png"))) == 4
    assert not (tmp_path / LATEST_NAME).exists()
