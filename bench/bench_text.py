"""Lay out worst-case alert and slide texts at 1080p: `python -m bench.bench_text [--quick]`."""

from __future__ import annotations

import os
import statistics
import sys
import time

import pygame

from player.render.fonts import FontBook, fit_text

# A frame at 30 fps is 33 ms; the layout runs in a worker, but it delays the alert by
# this much, so on a PC it should take a few frames at most (a Pi 4 is ~10x slower).
GOAL_MS = 50.0
BODY = (1728, 739)  # the alert's text box on a 1920x1080 screen
TEXTS = {
    "alert 1000 emoji+marks": ("\U0001f6a8\u0301\u0302" * 334)[:1000],
    "alert 1000 url": ("https://bpbd.example.go.id/peringatan?" + "q=banjir&" * 120)[:1000],
    "alert 1000 thai unspaced": ("ประกาศเตือนภัยน้ำท่วมฉับพลัน" * 40)[:1000],
    "alert 1000 words": ("Evakuasi warga ke posko terdekat segera. " * 30)[:1000],
    "slide 3000-char word": "https://dinas.example.go.id/" + "a1b2c3" * 495,
}


def _median_ms(func, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        func()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def run(quick: bool = False, smoke: bool = False) -> list[dict]:
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    pygame.font.init()
    repeats = 1 if smoke else 3 if quick else 15
    rows = []
    for name, text in TEXTS.items():
        # A fresh book each time: the worker's first layout opens its fonts too.
        ms = _median_ms(lambda t=text: fit_text(FontBook(None), t, BODY, bold=True), repeats)
        rows.append(
            {
                "name": f"text fit {name} ({BODY[0]}x{BODY[1]})",
                "value": round(ms, 1),
                "unit": "ms",
                "goal": f"< {GOAL_MS:.0f}",
                "ok": ms < GOAL_MS,
            }
        )
    return rows


def main() -> int:
    rows = run(quick="--quick" in sys.argv)
    width = max(len(row["name"]) for row in rows)
    for row in rows:
        ok = "yes" if row["ok"] else "NO"
        print(f"{row['name'].ljust(width)}  {row['value']:>8} {row['unit']}  {row['goal']}  {ok}")
    return 0 if all(row["ok"] for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
