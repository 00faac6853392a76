"""Config edits while syncs run against a slow server: every sync works with one config."""

from __future__ import annotations

import itertools
import random
import threading
import time
from pathlib import Path

from player.sync.failure import SyncFailure
from player.sync.loop import SOURCE_CHANGED
from tests.fixtures.content import publish_tree, write_key
from tests.fixtures.nginx import Nginx
from tests.sync.util import config_for, make_rig

SYNCS = 30  # syncs per run; each takes about a second against the slowed server
EDIT_GAP = (0.5, 2.5)  # seconds between two config edits
RATE = 2048  # nginx limit_rate, bytes/s: a manifest of a few kB takes about a second
LONG_TEXT = "Jalan Raya Bogor ditutup sementara untuk perbaikan. " * 60  # ~3 kB per manifest


def publish_group(nginx: Nginx, tmp_path: Path, name: str) -> tuple[str, str]:
    """A signed tree for group-NAME under /NAME/, with its own key; (manifest URL, key)."""
    key_path, public = write_key(tmp_path / "keys" / f"{name}.key")
    items = [
        {"id": f"{name}-poster", "type": "image", "size": [64, 36], "color": [ord(name), 0, 0]},
        {"id": f"{name}-notice", "type": "text", "text": LONG_TEXT, "duration": 5},
    ]
    publish_tree(nginx.root / name, items, key_path, group=f"group-{name}")
    return f"{nginx.url}/{name}/manifest.json", public


def test_a_sync_never_mixes_two_configs_while_the_config_is_edited(
    nginx: Nginx, tmp_path: Path
) -> None:
    """Two screens' worth of config (source URL, key and group all differ) swapped back and
    forth while syncs run: each config on its own is valid, so a sync fails only when it
    fetched with one config and checked with the other."""
    configs = []
    for name in ("a", "b"):
        url, public = publish_group(nginx, tmp_path, name)
        configs.append(config_for(tmp_path / "cache", url, public, group=f"group-{name}"))
    options = {"connect_timeout": 5.0, "read_timeout": 10.0, "attempts": 1, "backoff": 0.05}
    rig = make_rig(configs[0], source_options=options)
    for config in (configs[1], configs[0]):  # both groups' media in the cache first
        rig.loop.update_config(config)
        first = rig.loop.sync_once()
        assert first.ok and first.changed, first.reason
    nginx.configure(limit_rate=RATE)
    nginx.clear_log()

    done = threading.Event()
    edits = 0

    def edit() -> None:
        nonlocal edits
        rng = random.Random(20)
        while not done.wait(rng.uniform(*EDIT_GAP)):
            edits += 1
            rig.loop.update_config(configs[edits % 2])

    editor = threading.Thread(target=edit, name="editor", daemon=True)
    editor.start()
    results = []
    started = time.monotonic()
    try:
        for _ in range(SYNCS):
            # As after an MQTT notice of another manifest: asked in full, never "not
            # modified", so every sync spends its second on the slow server.
            rig.loop.wake(digest="0" * 64)
            results.append(rig.loop.sync_once())
    finally:
        done.set()
        editor.join(5.0)
    elapsed = time.monotonic() - started

    # A sync may be cut short when an edit changes its source, and must say so; any other
    # failure means it fetched with one config and checked with the other, or that the
    # edit reached into its requests from the editing thread.
    cut = [
        r for r in results if r.kind is SyncFailure.STOPPED and r.reason.endswith(SOURCE_CHANGED)
    ]
    mixed = [
        f"sync {n + 1}: {r.reason}" for n, r in enumerate(results) if not r.ok and r not in cut
    ]
    assert not mixed, (
        f"{len(mixed)} of {SYNCS} syncs were broken by an edit or saw two configs:\n"
        + "\n".join(mixed)
    )
    # The edits really landed between and during syncs, and the server really was slow.
    assert sum(r.changed for r in results) >= 3, [r.reason for r in results]
    assert edits >= SYNCS // 3 and elapsed > SYNCS * 0.3, (edits, elapsed)
    # Each sync asked one server folder for both its manifest and its signature.
    asked = [line.uri for line in nginx.requests() if line.uri.endswith((".json", ".sig"))]
    for before, uri in itertools.pairwise(asked):
        assert not uri.endswith(".sig") or uri == before + ".sig", asked
