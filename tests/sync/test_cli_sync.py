"""`videotron sync --once` as a technician runs it: exit codes and one-line reasons."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from player.sync.failure import SyncFailure
from tests.fixtures.content import publish_tree, write_key
from tests.fixtures.nginx import Nginx
from tests.sync.util import manifest_media, noise_item
from videotron.commands import sync as sync_command


def write_config(path: Path, url: str, public_key: str, cache_dir: Path, **cache) -> Path:
    doc = {
        "player": {"id": "cli-test", "group": "test"},
        "source": {"url": url, "public_key": public_key, "poll_interval": 30},
        "cache": {"dir": str(cache_dir), **cache},
        "runtime": {"dir": str(path.parent / "run")},
    }
    path.write_text(yaml.safe_dump(doc))
    return path


def sync_once(config: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "videotron", "--config", str(config), "sync", "--once"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        check=False,
    )


def test_sync_once_exit_codes(nginx: Nginx, publisher_key, tmp_path: Path) -> None:
    key_path, public = publisher_key
    out = nginx.root / "g"
    manifest = publish_tree(out, [noise_item(tmp_path, "a", seed=1)], key_path)
    url = f"{nginx.url}/g/manifest.json"
    config = write_config(tmp_path / "player.yaml", url, public, tmp_path / "cache")

    done = sync_once(config)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("ok: activated sequence")

    done = sync_once(config)
    assert done.returncode == 0 and "is current" in done.stdout

    nginx.stop()
    done = sync_once(config)
    assert done.returncode == 3
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("sync failed: network: GET http://127.0.0.1:")
    assert "connection refused" in last
    nginx.start()

    _, other = write_key(tmp_path / "other.key")
    wrong_key = write_config(tmp_path / "wrong.yaml", url, other, tmp_path / "cache2")
    done = sync_once(wrong_key)
    assert done.returncode == 4
    assert done.stderr.strip().splitlines()[-1].startswith("sync failed: signature:")

    manifest = publish_tree(out, [noise_item(tmp_path, "b", seed=2)], key_path)
    (sha,) = manifest_media(manifest)
    (out / "media" / sha).write_bytes(b"\0" * (out / "media" / sha).stat().st_size)
    done = sync_once(config)
    assert done.returncode == 6
    assert done.stderr.strip().splitlines()[-1].startswith("sync failed: hash:")

    big = publish_tree(out, [noise_item(tmp_path, "c", size=(700, 500), seed=3)], key_path)
    assert sum(manifest_media(big).values()) > 1_000_000
    small = write_config(tmp_path / "small.yaml", url, public, tmp_path / "c3", max_size="1MB")
    done = sync_once(small)
    assert done.returncode == 5
    assert "cache.max_size" in done.stderr.strip().splitlines()[-1]

    broken = tmp_path / "broken.yaml"
    broken.write_text("source:\n  url: ftp://nowhere\n")
    done = sync_once(broken)
    assert done.returncode == 2 and "source.url" in done.stderr


def test_a_replayed_manifest_is_named_as_a_replay_with_its_own_exit_code(
    nginx: Nginx, publisher_key, tmp_path: Path
) -> None:
    """An older manifest, signed with the right key, served again (an attacker, or a stale
    mirror): not a signature problem, and the technician is told so."""
    key_path, public = publisher_key
    out = nginx.root / "g"
    publish_tree(out, [noise_item(tmp_path, "a", seed=1)], key_path)
    old = {name: (out / name).read_bytes() for name in ("manifest.json", "manifest.json.sig")}
    url = f"{nginx.url}/g/manifest.json"
    config = write_config(tmp_path / "player.yaml", url, public, tmp_path / "cache")
    later = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=10)
    publish_tree(out, [noise_item(tmp_path, "b", seed=2)], key_path, now=later)
    assert sync_once(config).returncode == 0

    for name, data in old.items():
        (out / name).write_bytes(data)
    done = sync_once(config)

    last = done.stderr.strip().splitlines()[-1]
    assert done.returncode == 9, done.stderr
    assert last.startswith(f"sync failed: replay: refused {url}: sequence: ")
    assert "is not newer than the current" in last and "an old manifest replayed" in last
    assert "signature" not in last
    assert "what to do: publish again (every publish raises the sequence)" in done.stderr


def test_every_failure_kind_has_its_own_documented_exit_code() -> None:
    codes = [kind.exit_code for kind in SyncFailure]
    assert len(set(codes)) == len(codes) and 0 not in codes
    notes = sync_command.EXIT_NOTE
    operations = (Path(__file__).parents[2] / "docs" / "OPERATIONS.md").read_text()
    for kind in SyncFailure:
        assert f"{kind.exit_code} {kind.note}" in notes
        assert f"| {kind.exit_code} | `{kind}` |" in operations, kind


def test_sync_runs_in_the_foreground_until_ctrl_c(
    nginx: Nginx, publisher_key, tmp_path: Path
) -> None:
    key_path, public = publisher_key
    publish_tree(nginx.root / "g", [noise_item(tmp_path, "a", seed=1)], key_path)
    config = write_config(
        tmp_path / "player.yaml", f"{nginx.url}/g/manifest.json", public, tmp_path / "cache"
    )
    child = subprocess.Popen(
        [sys.executable, "-m", "videotron", "--config", str(config), "sync"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        active = tmp_path / "cache" / "manifests" / "active.json"
        deadline = time.monotonic() + 60  # generous: a busy machine starts Python slowly
        while not active.exists() and time.monotonic() < deadline and child.poll() is None:
            time.sleep(0.05)
        if not active.exists():
            child.kill()
            _, stderr = child.communicate(timeout=10)
            pytest.fail(f"the foreground sync never activated the manifest:\n{stderr}")
        child.send_signal(signal.SIGINT)
        # Generous: the stop waits for threads to finish, slowly on a busy machine.
        _, stderr = child.communicate(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(timeout=10)
    assert child.returncode == 0, stderr
    assert "activated manifest sequence" in stderr
    assert "Traceback" not in stderr
