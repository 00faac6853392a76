"""The active and previous manifests on disk, switched atomically and recovered after a crash."""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from player.wire import signing
from player.wire.atomicfile import fsync_dir, replace_file
from player.wire.manifest import Manifest, ManifestError
from player.wire.parse import parse

log = logging.getLogger(__name__)

ACTIVE = "active.json"
PREVIOUS = "previous.json"
NEW = ".new"
REFUSED = ".refused"


@dataclass(frozen=True)
class Trusted:
    """The stored manifest that may play, if any, and what was refused on the way to it."""

    manifest: Manifest | None = None
    data: bytes = b""
    sig: bytes | None = None
    name: str = ""  # active.json or previous.json
    refused: list[str] = field(default_factory=list)  # one line each: file and reason


def _write_synced(path: Path, data: bytes) -> None:
    with open(path, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


class ManifestStore:
    """`manifests/active.json(.sig)` and `previous.json(.sig)` under the cache dir.

    A pair (manifest + signature) is committed like a tiny journal: both are written to
    `*.new` files (signature first) and fsynced, then the signature is renamed into place,
    then the manifest. After a crash, a leftover `NAME.new` with no `NAME.sig.new` means the
    signature was already committed, so the manifest rename is rolled forward; anything
    else left over is rolled back. Readers therefore always see one complete pair.
    An unsigned manifest is stored with an empty signature file.
    """

    def __init__(self, cache_root: Path) -> None:
        self.dir = Path(cache_root) / "manifests"
        self.dir.mkdir(parents=True, exist_ok=True)
        self.recover()

    def _paths(self, name: str) -> tuple[Path, Path]:
        return self.dir / name, self.dir / f"{name}.sig"

    def _recover_pair(self, name: str) -> None:
        data, sig = self._paths(name)
        data_new = data.with_name(data.name + NEW)
        sig_new = sig.with_name(sig.name + NEW)
        if data_new.exists() and not sig_new.exists():
            log.warning("completing an interrupted switch of %s", data)
            replace_file(data_new, data, durable=True)
            return
        for leftover in (data_new, sig_new):
            with contextlib.suppress(FileNotFoundError):
                leftover.unlink()

    def recover(self) -> None:
        """Finish or undo a switch interrupted by a crash (cheap; runs at start)."""
        for name in (PREVIOUS, ACTIVE):
            self._recover_pair(name)

    def _commit_pair(self, name: str, data: bytes, sig: bytes | None) -> None:
        data_path, sig_path = self._paths(name)
        data_new = data_path.with_name(data_path.name + NEW)
        sig_new = sig_path.with_name(sig_path.name + NEW)
        # Signature first: a NAME.new without NAME.sig.new then always means "sig committed".
        _write_synced(sig_new, sig or b"")
        _write_synced(data_new, data)
        replace_file(sig_new, sig_path, durable=False)
        replace_file(data_new, data_path, durable=True)  # syncs the folder: both renames

    def _read_pair(self, name: str) -> tuple[bytes, bytes | None] | None:
        data_path, sig_path = self._paths(name)
        try:
            data = data_path.read_bytes()
        except FileNotFoundError:
            return None
        try:
            sig = sig_path.read_bytes() or None
        except FileNotFoundError:
            sig = None
        return data, sig

    def _load(self, name: str) -> tuple[Manifest, bytes, bytes | None] | None:
        try:
            pair = self._read_pair(name)
        except OSError as exc:
            log.error("cannot read %s: %s", self.dir / name, exc)
            return None
        if pair is None:
            return None
        data, sig = pair
        try:
            return parse(data), data, sig
        except ManifestError as exc:
            log.error("stored manifest %s is unreadable: %s", self.dir / name, exc)
            return None

    def load_active(self) -> tuple[Manifest, bytes] | None:
        """The manifest to play now: active.json, or previous.json if active is damaged."""
        loaded = self.load_active_signed()
        return (loaded[0], loaded[1]) if loaded else None

    def load_active_signed(self) -> tuple[Manifest, bytes, bytes | None] | None:
        """Like load_active, with the stored signature (None when unsigned)."""
        self.recover()
        loaded = self._load(ACTIVE)
        if loaded is None and (self.dir / ACTIVE).exists():
            loaded = self._load(PREVIOUS)
            if loaded:
                log.warning(
                    "falling back to the previous manifest (sequence %d)", loaded[0].sequence
                )
        elif loaded is None:
            loaded = self._load(PREVIOUS)
        return loaded

    def load_trusted(
        self,
        public_key: str | None,
        allow_unsigned: bool,
        refuse: Callable[[Manifest], str | None] = lambda manifest: None,
    ) -> Trusted:
        """The manifest to play after a start, checked again against `public_key`.

        The files sit on a writable disk, so what was verified when it was fetched is
        verified again: a pair that fails is set aside as NAME.refused (kept for a
        technician to look at, never played) and the previous pair is tried. With no key
        configured nothing can be checked; the pair plays, with a warning, as the sync
        would refuse everything anyway until the key is set.

        `refuse` says why the player's config does not let a sound manifest play (an item
        no one approved, with source.require_approval); such a pair is kept as it is, not
        played, and the previous pair is tried.
        """
        self.recover()
        refused: list[str] = []
        for name in (ACTIVE, PREVIOUS):
            path = self.dir / name
            try:
                pair = self._read_pair(name)
            except OSError as exc:
                refused.append(f"{path}: cannot read it ({exc})")
                continue
            if pair is None:
                continue
            data, sig = pair
            problem = self._distrust(data, sig, public_key, allow_unsigned)
            manifest = None
            if problem is None:
                try:
                    manifest = parse(data)
                except ManifestError as exc:
                    problem = f"unreadable ({exc})"
            if manifest is None:
                line = f"{path}: {problem}; not played, set aside as {name}{REFUSED}"
                log.error("stored manifest refused: %s", line)
                refused.append(line)
                self._set_aside(name)
                continue
            reason = refuse(manifest)
            if reason is not None:
                line = f"{path}: not played: {reason}"
                log.error("stored manifest refused: %s", line)
                refused.append(line)
                continue
            if refused:
                log.warning("playing the previous manifest (sequence %d)", manifest.sequence)
            return Trusted(manifest, data, sig, name, refused)
        return Trusted(refused=refused)

    @staticmethod
    def _distrust(
        data: bytes, sig: bytes | None, public_key: str | None, allow_unsigned: bool
    ) -> str | None:
        """Why a stored pair must not play, or None."""
        if not public_key:
            if not allow_unsigned:
                log.warning("cannot check the stored manifest: source.public_key is not set")
            return None
        if sig is None:
            return None if allow_unsigned else "it has no signature"
        try:
            signing.verify(data, sig, public_key)
        except ManifestError as exc:
            if allow_unsigned:
                log.warning("stored manifest plays anyway (allow_unsigned): %s", exc)
                return None
            return f"signature check failed: {exc}"
        return None

    def _set_aside(self, name: str) -> None:
        for path in self._paths(name):
            with contextlib.suppress(FileNotFoundError):
                replace_file(path, path.with_name(path.name + REFUSED), durable=False)
        fsync_dir(self.dir)

    def activate(self, data: bytes, sig: bytes | None, parsed: Manifest | None = None) -> None:
        """Make `data` the active manifest; the one it replaces becomes previous.

        `parsed` is `data` already parsed by the caller (the sync parses every manifest it
        accepts), which spares parsing it again here."""
        if parsed is None:
            parse(data)  # never store what we could not read back
        self.recover()
        current = self._read_pair(ACTIVE)
        if current is not None and current[0] != data:
            self._commit_pair(PREVIOUS, *current)
        self._commit_pair(ACTIVE, data, sig)
