"""Sync cost on loopback: bytes fetched over bytes needed across cuts, and an unchanged poll.

`python -m bench.bench_sync [--quick]`

A real nginx serves a tree made by the publisher; a loopback proxy drops the connection
every few hundred kilobytes, and the sync loop resumes with Range requests. The unchanged
poll (conditional GET answered 304) is compared with a full manifest GET.
"""

from __future__ import annotations

import datetime as dt
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from central.publish import publish
from player.cache import Cache
from player.config.model import CacheConfig, Config, PlayerConfig, SourceConfig
from player.service.board import StatusBoard
from player.sync.http import HttpSource
from player.sync.loop import SyncLoop
from player.sync.store import ManifestStore
from player.wire.signing import generate_keypair, private_key_text
from tests.fixtures.nginx import CuttingProxy, Nginx
from tests.sync.util import noise_image

GOAL_RATIO = 1.01
SOURCE_OPTIONS = {"connect_timeout": 2.0, "read_timeout": 5.0, "attempts": 3, "backoff": 0.05}


def _publish(root: Path, work: Path, *, media: int, side: int, items: int) -> tuple[str, int]:
    """Publish `media` noise images of side x side pixels and `items` items using them."""
    key, public = generate_keypair()
    key_path = work / "publisher.key"
    key_path.write_text(private_key_text(key))
    key_path.chmod(0o600)
    files = [noise_image(work / f"m{n}.png", (side, side), seed=n) for n in range(media)]
    lines = ["group: bench", "playlists:", "  - name: main", "    items:"]
    for n in range(items):
        lines += [
            f"      - id: item-{n}",
            "        type: image",
            f"        file: {files[n % media]}",
            "        duration: 10",
        ]
    authoring = work / "playlist.yaml"
    authoring.write_text("\n".join(lines) + "\n")
    summary = publish(authoring, root, key_path, dt.datetime.now(dt.UTC))
    return public, summary.new_bytes


def _loop(cache_dir: Path, url: str, public: str) -> SyncLoop:
    config = Config(
        player=PlayerConfig(id="bench", group="bench"),
        source=SourceConfig(url=url, public_key=public),
        cache=CacheConfig(dir=cache_dir, max_size=10**10),
    )
    return SyncLoop(
        config,
        Cache(cache_dir, config.cache.max_size),
        ManifestStore(cache_dir),
        StatusBoard(),
        lambda _m: None,
        random.Random(1),
        source_options=SOURCE_OPTIONS,
    )


def _row(name: str, value: float, unit: str, goal: str = "-", ok: bool = True) -> dict:
    return {"name": name, "value": value, "unit": unit, "goal": goal, "ok": ok}


def run(quick: bool = False, smoke: bool = False) -> list[dict]:
    if smoke:
        media, side, cut_every, polls = (3, 400, 150_000, 2)
    else:
        media, side, cut_every, polls = (3, 400, 150_000, 10) if quick else (4, 800, 500_000, 30)
    with tempfile.TemporaryDirectory(prefix="bench-sync-") as tmp:
        work = Path(tmp)
        nginx = Nginx(work / "nginx", work / "www")
        (work / "www").mkdir()
        public, needed = _publish(work / "www" / "g", work, media=media, side=side, items=300)
        manifest_size = (work / "www" / "g" / "manifest.json").stat().st_size
        nginx.start()
        proxy = CuttingProxy(nginx.port)
        try:
            url = f"{proxy.url}/g/manifest.json"
            loop = _loop(work / "cache", url, public)
            cuts = needed // cut_every
            proxy.cut_every = cut_every
            proxy.cut_after = 2 * manifest_size + cut_every
            proxy.repeat = cuts - 1
            fetched, syncs = 0, 0
            for syncs in range(1, 11):  # noqa: B007 - reported below
                result = loop.sync_once()
                if loop.last_report:
                    fetched += loop.last_report.fetched_bytes
                if result.ok:
                    break
            if not result.ok:
                raise RuntimeError(f"sync did not complete after {syncs} tries: {result.reason}")
            wire = proxy.forwarded
            body_ratio = fetched / needed
            rows = [
                _row(f"media fetched / needed ({proxy.cuts} cuts)", round(body_ratio, 4),
                     "ratio", f"<= {GOAL_RATIO}", body_ratio <= GOAL_RATIO),
                _row("wire bytes / needed (with manifest, headers)", round(wire / needed, 4),
                     "ratio"),
                _row("syncs to complete with cuts", syncs, "count"),
            ]  # fmt: skip

            # Unchanged polls through the proxy (bytes) and direct to nginx (time).
            before = proxy.forwarded
            for _ in range(3):
                assert loop.sync_once().ok
            poll_bytes = (proxy.forwarded - before) / 3
            direct = _loop(work / "cache", f"{nginx.url}/g/manifest.json", public)
            assert direct.sync_once().ok
            times = []
            for _ in range(polls):
                started = time.perf_counter()
                assert direct.sync_once().ok
                times.append((time.perf_counter() - started) * 1000)
            poll_ms = statistics.median(times)

            source = HttpSource(SourceConfig(url=f"{proxy.url}/g/manifest.json"))
            before = proxy.forwarded
            source.fetch_manifest()
            get_bytes = proxy.forwarded - before
            source.close()
            source = HttpSource(SourceConfig(url=f"{nginx.url}/g/manifest.json"))
            times = []
            for _ in range(polls):
                started = time.perf_counter()
                source.fetch_manifest()
                times.append((time.perf_counter() - started) * 1000)
            get_ms = statistics.median(times)
            source.close()
            rows += [
                _row("unchanged poll (304), whole sync_once", round(poll_ms, 2), "ms"),
                _row("unchanged poll, response bytes", round(poll_bytes), "bytes"),
                _row(f"full manifest GET ({manifest_size} B manifest)", round(get_ms, 2), "ms"),
                _row("full manifest GET, response bytes", get_bytes, "bytes"),
                _row("unchanged poll / full GET bytes", round(poll_bytes / get_bytes, 4),
                     "ratio", "< 0.1", poll_bytes / get_bytes < 0.1),
            ]  # fmt: skip
            return rows
        finally:
            proxy.close()
            nginx.stop()


def main() -> int:
    rows = run(quick="--quick" in sys.argv)
    width = max(len(row["name"]) for row in rows)
    print(f"{'benchmark'.ljust(width)}  {'value':>10}  unit    goal      ok")
    for row in rows:
        ok = "yes" if row["ok"] else "NO"
        print(
            f"{row['name'].ljust(width)}  {row['value']!s:>10}  {row['unit']:<6}  "
            f"{row['goal']:<8}  {ok}"
        )
    return 0 if all(row["ok"] for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
