"""Helpers for the sync tests: incompressible media, configs and a loop wired to a temp cache."""

from __future__ import annotations

import hashlib
import json
import random
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

from player.cache import Cache
from player.config.model import CacheConfig, Config, PlayerConfig, SourceConfig
from player.service.board import StatusBoard
from player.sync.loop import SyncLoop
from player.sync.store import ManifestStore
from player.wire.manifest import Manifest

# Short timeouts and backoffs so failure paths finish in a second or two.
FAST_SOURCE = {"connect_timeout": 1.0, "read_timeout": 1.0, "attempts": 2, "backoff": 0.05}


def noise_image(path: Path, size: tuple[int, int] = (200, 150), seed: int = 0) -> Path:
    """A PNG of random pixels: about 3 bytes per pixel, so sizes are predictable."""
    pixels = np.random.default_rng(seed).integers(0, 256, (size[1], size[0], 3), dtype=np.uint8)
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(pixels, "RGB").save(path, format="PNG", compress_level=0)
    return path


def noise_item(tmp: Path, item_id: str, size: tuple[int, int] = (200, 150), seed: int = 0) -> dict:
    path = noise_image(tmp / "noise" / f"{item_id}-{seed}.png", size, seed)
    return {"id": item_id, "type": "image", "file": str(path), "duration": 5}


def config_for(
    cache_dir: Path,
    url: str,
    public_key: str | None,
    *,
    allow_unsigned: bool = False,
    poll_interval: float = 300.0,
    max_size: int = 10**9,
    group: str = "test",
) -> Config:
    return Config(
        player=PlayerConfig(id="test-player", group=group),
        source=SourceConfig(
            url=url,
            public_key=public_key,
            allow_unsigned=allow_unsigned,
            poll_interval=poll_interval,
        ),
        cache=CacheConfig(dir=cache_dir, max_size=max_size),
    )


@dataclass
class Rig:
    config: Config
    cache: Cache
    store: ManifestStore
    status: StatusBoard
    loop: SyncLoop
    activated: list[Manifest] = field(default_factory=list)


def make_rig(config: Config, *, source_options: dict | None = None, **loop_options) -> Rig:
    cache = Cache(config.cache.dir, config.cache.max_size)
    store = ManifestStore(config.cache.dir)
    status = StatusBoard()
    activated: list[Manifest] = []
    loop = SyncLoop(
        config,
        cache,
        store,
        status,
        activated.append,
        random.Random(7),
        source_options=FAST_SOURCE if source_options is None else source_options,
        **loop_options,
    )
    return Rig(config, cache, store, status, loop, activated)


def manifest_media(manifest_path: Path) -> dict[str, int]:
    return {sha: m["size"] for sha, m in json.loads(manifest_path.read_bytes())["media"].items()}


def assert_cache_sound(cache_dir: Path) -> None:
    """Invariant 2: every file under media/ is named by its own sha256."""
    media = cache_dir / "media"
    for path in media.iterdir():
        if path.name == ".partial":
            continue
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        assert digest == path.name, f"{path} holds bytes with sha256 {digest}"
