"""Software dimming's cost per 1080p frame: `python -m bench.bench_dim [--quick]`.

With no sending card the render loop multiplies each new part of the frame by the level
(player/render/dimming.py, a SIMD multiply blit). The worst case is a frame drawn whole
(a video, a level change): all 1920x1080 pixels, measured here. At 30 fps a frame has 33 ms; a Pi 4
is about 10x slower than a PC, so on a PC it should take well under a millisecond or two.
"""

from __future__ import annotations

import os
import statistics
import sys
import time

import pygame

from player.render.dimming import FrameDimmer
from player.render.layout import Rect

SIZE = (1920, 1080)
GOAL_MS = 2.0


def run(quick: bool = False, smoke: bool = False) -> list[dict]:
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    pygame.display.init()
    try:
        # The display's own format (32-bit XRGB here, as on a Pi's KMS/DRM output).
        screen = pygame.display.set_mode(SIZE)
        screen.fill((200, 180, 160))
        whole = [Rect(0, 0, *SIZE)]
        dimmer = FrameDimmer()
        dimmer.dim(screen, whole, 60)  # the grey surface is made once per level
        repeats = 3 if smoke else 20 if quick else 200
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            dimmer.dim(screen, whole, 60)
            times.append((time.perf_counter() - start) * 1000)
    finally:
        pygame.display.quit()
    ms = statistics.median(times)
    return [
        {
            "name": f"software dimming, whole {SIZE[0]}x{SIZE[1]} frame",
            "value": round(ms, 2),
            "unit": "ms",
            "goal": f"< {GOAL_MS:g}",
            "ok": ms < GOAL_MS,
        }
    ]


def main() -> int:
    rows = run(quick="--quick" in sys.argv)
    for row in rows:
        ok = "yes" if row["ok"] else "NO"
        print(f"{row['name']}  {row['value']:>8} {row['unit']}  {row['goal']}  {ok}")
    return 0 if all(row["ok"] for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
