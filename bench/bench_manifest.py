"""Verify + parse a 10,000-item signed manifest: `python -m bench.bench_manifest [--quick]`."""

from __future__ import annotations

import hashlib
import json
import statistics
import sys
import time

from player.wire.manifest import to_json
from player.wire.parse import parse
from player.wire.signing import generate_keypair, sign, verify
from player.wire.units import format_size

GOAL_MS = 200.0
ITEMS = 10_000


def build_manifest(items: int = ITEMS) -> dict:
    """A realistic big manifest: 100 playlists of images, videos, text; some scheduled."""
    media = {}
    for index in range(500):
        sha = hashlib.sha256(str(index).encode()).hexdigest()
        kind = "video" if index % 5 == 0 else "image"
        media[sha] = {"type": kind, "size": 1_000_000 + index, "url": f"media/{sha}"}
        media[sha].update(width=1920, height=1080, codec="h264" if kind == "video" else "jpeg")
    keys = list(media)
    per_playlist = max(1, items // 100)
    playlists = []
    for p in range(0, items, per_playlist):
        entries = []
        for index in range(p, min(items, p + per_playlist)):
            sha = keys[index % len(keys)]
            item = {"id": f"item-{index}", "type": media[sha]["type"], "media": sha}
            if index % 7 == 0:
                item = {"id": f"item-{index}", "type": "text", "text": f"Pengumuman {index}"}
            if index % 10 == 0:
                item["schedule"] = {"days": ["mon", "wed", "fri"], "windows": ["06:00-09:00"]}
            if index % 3 == 0:
                item["transition"] = {"type": "crossfade", "ms": 400}
            entries.append(item)
        playlists.append({"name": f"playlist-{p}", "priority": p % 5, "items": entries})
    return {
        "version": 1,
        "group": "bench",
        "published_at": "2024-05-01T08:00:00Z",
        "sequence": 1,
        "media": media,
        "defaults": {"duration": 10},
        "playlists": playlists,
        "layout": {"ticker": {"lines": ["Selamat datang"]}},
    }


def _median_ms(func, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        func()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def run(quick: bool = False, smoke: bool = False) -> list[dict]:
    repeats = 1 if smoke else 3 if quick else 15
    items = 100 if smoke else ITEMS
    data = to_json(build_manifest(items))
    key, public = generate_keypair()
    sig = sign(data, key)

    def verify_and_parse():
        verify(data, sig, public)
        return parse(data)

    assert sum(1 for _ in verify_and_parse().items()) == items
    full = _median_ms(verify_and_parse, repeats)
    loads = _median_ms(lambda: json.loads(data), repeats)
    return [
        {
            "name": f"manifest verify+parse {items} items ({format_size(len(data))})",
            "value": round(full, 1),
            "unit": "ms",
            "goal": f"< {GOAL_MS:.0f}",
            "ok": full < GOAL_MS,
        },
        {
            "name": "manifest verify+parse / goal",
            "value": round(full / GOAL_MS, 2),
            "unit": "ratio",
            "goal": "< 1",
            "ok": full < GOAL_MS,
        },
        {
            "name": "manifest json.loads alone (reference)",
            "value": round(loads, 1),
            "unit": "ms",
            "goal": "-",
            "ok": True,
        },
        {
            "name": "manifest verify+parse / json.loads",
            "value": round(full / loads, 1),
            "unit": "ratio",
            "goal": "-",
            "ok": True,
        },
    ]


def main() -> int:
    rows = run(quick="--quick" in sys.argv)
    width = max(len(row["name"]) for row in rows)
    print(f"{'benchmark'.ljust(width)}  {'value':>8}  unit   goal   ok")
    for row in rows:
        ok = "yes" if row["ok"] else "NO"
        print(
            f"{row['name'].ljust(width)}  {row['value']:>8}  {row['unit']:<5}  "
            f"{row['goal']:<5}  {ok}"
        )
    return 0 if all(row["ok"] for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
