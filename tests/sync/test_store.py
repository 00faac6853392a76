"""The manifest store: atomic switch, fallback to previous, recovery after a crash mid-switch."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from player.sync import store as store_module
from player.sync.store import ManifestStore
from player.wire.signing import verify
from tests.fixtures.content import publish_tree


@pytest.fixture
def two_versions(tmp_path: Path, publisher_key) -> tuple[tuple[bytes, bytes], tuple[bytes, bytes]]:
    """(data, sig) of two successive signed publishes."""
    key_path, _ = publisher_key
    out = tmp_path / "pub"
    versions = []
    for color in ((255, 0, 0), (0, 255, 0)):
        items = [{"id": "a", "type": "image", "color": list(color), "size": [32, 18]}]
        manifest = publish_tree(out, items, key_path)
        versions.append((manifest.read_bytes(), (out / "manifest.json.sig").read_bytes()))
    return versions[0], versions[1]


def test_activate_keeps_previous_and_survives_a_damaged_active(tmp_path: Path, two_versions):
    (old, old_sig), (new, new_sig) = two_versions
    store = ManifestStore(tmp_path)
    assert store.load_active() is None
    store.activate(old, old_sig)
    store.activate(new, new_sig)
    _, data = store.load_active()
    assert data == new
    assert (store.dir / "previous.json").read_bytes() == old
    assert (store.dir / "previous.json.sig").read_bytes() == old_sig

    (store.dir / "active.json").write_bytes(new[: len(new) // 2])  # torn by hand
    _, data = ManifestStore(tmp_path).load_active()
    assert data == old


def test_unsigned_manifest_is_stored_with_no_signature(tmp_path: Path, two_versions):
    (old, old_sig), (new, _) = two_versions
    store = ManifestStore(tmp_path)
    store.activate(old, old_sig)
    store.activate(new, None)
    assert store.load_active_signed()[2] is None
    assert store.load_active()[1] == new


def test_refuses_to_store_what_it_could_not_read_back(tmp_path: Path, two_versions):
    (old, old_sig), _ = two_versions
    store = ManifestStore(tmp_path)
    store.activate(old, old_sig)
    with pytest.raises(ValueError):
        store.activate(b'{"version": 1}', None)
    assert store.load_active()[1] == old


def test_crash_at_every_step_of_a_switch_leaves_a_whole_pair(
    tmp_path: Path, two_versions, publisher_key, monkeypatch
):
    """Stop activate() after each of its file operations, as a SIGKILL would, and check
    that the next start sees exactly the old pair or exactly the new pair."""
    (old, old_sig), (new, new_sig) = two_versions
    public = publisher_key[1]

    class Crash(BaseException):
        pass

    class CrashAfter:
        """Lets `steps` file operations through, then 'dies' at the next one."""

        def __init__(self, steps: int) -> None:
            self.left = steps

        def wrap(self, fn):
            def wrapper(*args, **kwargs):
                if self.left == 0:
                    raise Crash
                self.left -= 1
                return fn(*args, **kwargs)

            return wrapper

    real_replace, real_write = os.replace, store_module._write_synced
    seen = set()
    for step in range(20):
        root = tmp_path / f"run{step}"
        ManifestStore(root).activate(old, old_sig)
        crash = CrashAfter(step)
        monkeypatch.setattr(store_module.os, "replace", crash.wrap(real_replace))
        monkeypatch.setattr(store_module, "_write_synced", crash.wrap(real_write))
        try:
            ManifestStore(root).activate(new, new_sig)
            finished = True
        except Crash:
            finished = False
        monkeypatch.setattr(store_module.os, "replace", real_replace)
        monkeypatch.setattr(store_module, "_write_synced", real_write)

        _, data, sig = ManifestStore(root).load_active_signed()
        assert data in (old, new)
        verify(data, sig, public)  # the signature on disk belongs to the manifest on disk
        seen.add(data)
        leftovers = [p.name for p in (root / "manifests").iterdir() if p.name.endswith(".new")]
        assert leftovers == []
        if finished:
            break
    assert seen == {old, new}
    assert finished
