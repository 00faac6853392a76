"""What trusting the cache costs, and how fast a trickle is given up on.

`python -m bench.bench_cache [--quick]`

- start check: `Cache.check_at_start` (stat only) over N cached files, as before every
  first frame; goal < 100 ms for 1,000 files.
- check before use: `Cache.check_before_use` of a 5 MB poster the first time after a start
  (hashed, in the decoder thread) and the second time (stat only).
- background pass: `Scrubber.scrub` over 64 MB at its rate cap; the rate must stay under it.
- deadline: a loopback server trickling a manifest one byte per 0.25 s against a 1 s
  `source.deadline`; seconds until 'server too slow', as a ratio to the deadline.
"""

from __future__ import annotations

import hashlib
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

from player.cache import Cache
from player.config.model import SourceConfig
from player.sync.http import HttpSource
from player.sync.scrub import MAX_RATE, Scrubber
from player.sync.sources import TooSlow
from tests.fixtures.trickle import TrickleServer


def _fill(cache: Cache, root: Path, sizes: list[int]) -> list[str]:
    shas = []
    for n, size in enumerate(sizes):
        data = os.urandom(size)
        sha = hashlib.sha256(data).hexdigest()
        src = root / f"src-{n}"
        src.write_bytes(data)
        cache.put_file(src, sha, size)
        src.unlink()
        shas.append(sha)
    cache.save_index()
    return shas


def _row(name: str, value: float, unit: str, goal: str = "-", ok: bool = True) -> dict:
    return {"name": name, "value": value, "unit": unit, "goal": goal, "ok": ok}


def run(quick: bool = False, smoke: bool = False) -> list[dict]:
    files = 20 if smoke else 200 if quick else 1000
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        cache = Cache(root / "c", 10**12)
        _fill(cache, root, [1000] * files)
        started = time.perf_counter()
        Cache(root / "c", 10**12).check_at_start({})
        check_ms = (time.perf_counter() - started) * 1000
        goal = 100 * files / 1000
        rows.append(
            _row(f"cache start check, {files} files", round(check_ms, 1), "ms",
                 f"< {goal:.0f}", check_ms < goal)
        )  # fmt: skip

        (poster,) = _fill(cache, root, [5 * 1000**2])
        fresh = Cache(root / "c", 10**12)
        fresh.check_at_start({})
        started = time.perf_counter()
        fresh.check_before_use(poster)
        first_ms = (time.perf_counter() - started) * 1000
        started = time.perf_counter()
        fresh.check_before_use(poster)
        again_ms = (time.perf_counter() - started) * 1000
        rows.append(_row("check before use, 5 MB poster, first (hashed)", round(first_ms, 1), "ms"))
        rows.append(_row("check before use, same poster again", round(again_ms, 3), "ms"))

        big_size = 2 * 1000**2 if smoke else 16 * 1000**2
        big = _fill(cache, root, [big_size] * (1 if quick or smoke else 4))
        scrubbing = Cache(root / "c", 10**12)
        scrubbing.check_at_start({})
        total = sum(scrubbing.media().values())
        started = time.monotonic()
        Scrubber(scrubbing, lambda: big, lambda _: None).scrub(threading.Event(), lambda: None)
        rate = total / (time.monotonic() - started)
        rows.append(
            _row("background pass rate / cap", round(rate / MAX_RATE, 2), "ratio", "<= 1.05",
                 rate <= 1.05 * MAX_RATE)
        )  # fmt: skip

    server = TrickleServer()
    try:
        server.files["/m.json"] = b"{}" * 500
        server.trickle = {"/m.json"}
        source = HttpSource(SourceConfig(url=server.url("/m.json"), deadline=1.0))
        started = time.monotonic()
        try:
            source.fetch_manifest()
            cut = float("inf")
        except TooSlow:
            cut = time.monotonic() - started
        finally:
            source.close()
    finally:
        server.close()
    rows.append(
        _row("trickled manifest given up after / deadline", round(cut, 2), "ratio", "< 1.5",
             cut < 1.5)
    )  # fmt: skip
    return rows


def main() -> int:
    rows = run(quick="--quick" in sys.argv)
    width = max(len(row["name"]) for row in rows)
    for row in rows:
        ok = "yes" if row["ok"] else "NO"
        print(
            f"{row['name'].ljust(width)}  {row['value']:>8}  {row['unit']:<6} {row['goal']:<8} {ok}"
        )
    return 0 if all(row["ok"] for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
