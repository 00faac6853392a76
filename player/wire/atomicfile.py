"""Atomic file writes both ends use: a temp file beside the target, fsync when durable, rename."""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

TEMP_SUFFIX = ".tmp"  # temp files are ".NAME.RANDOM.tmp" beside NAME: hidden, never a target


def temp_path(target: Path) -> Path:
    """Where a new version of `target` is written before it replaces the old one."""
    return target.with_name(f".{target.name}.{secrets.token_hex(4)}{TEMP_SUFFIX}")


def sweep_temp_files(directory: Path, *, now: float, older_than: float) -> int:
    """Remove temp files a writer killed mid-write left under `directory` (all levels).

    Temp names are random, so no later write reuses one; only files untouched for
    `older_than` seconds go, never one another process may still be writing.
    """
    removed = 0
    for path in Path(directory).rglob(f".*{TEMP_SUFFIX}"):
        try:
            if path.is_file() and now - path.stat().st_mtime > older_than:
                path.unlink()
                removed += 1
        except OSError:
            continue  # gone meanwhile, or not ours to remove
    return removed


def fsync_dir(path: Path) -> None:
    """Make a rename or unlink inside `path` durable (no-op where unsupported)."""
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def replace_file(source: Path, target: Path, *, durable: bool) -> None:
    """Rename `source` over `target` in one step; with `durable`, the rename survives a
    power cut once this returns. For a file finished elsewhere (a verified download)."""
    os.replace(source, target)
    if durable:
        fsync_dir(Path(target).parent)


@contextlib.contextmanager
def atomic_writer(target: Path, *, durable: bool, mode: int | None = None) -> Iterator[BinaryIO]:
    """A binary file that becomes `target` when the block ends without an exception.

    Readers see the old content or the new, never part of it. `durable` fsyncs the file
    before the rename and the folder after it: for what must survive a power cut (the SD
    card's manifests, the config copy, a publish); leave it off for files on tmpfs or
    rewritten often, where it would only wear the card. `mode` sets the permissions
    whatever the umask.
    The temp file is removed on any failure.
    """
    target = Path(target)
    tmp = temp_path(target)
    # Created as open() would (0o666 less the umask), or never looser than `mode`: a
    # private key must not be readable by others even while it is being written.
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, mode or 0o666)
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            if durable:
                os.fsync(handle.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        replace_file(tmp, target, durable=durable)
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)


def atomic_write(target: Path, data: bytes, *, durable: bool, mode: int | None = None) -> None:
    """Replace `target` with `data` atomically (see `atomic_writer`)."""
    with atomic_writer(target, durable=durable, mode=mode) as handle:
        handle.write(data)
