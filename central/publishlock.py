"""One publisher at a time per published folder: an exclusive lock on a file inside it.

The console's approvals, `videotron publish` and `videotron weather` each read the folder's
current sequence, write media and replace the manifest. Two of them interleaving could
publish a lower sequence after a higher one (screens refuse it as a replay) or sign a
manifest whose media the other just pruned; holding this lock around the whole
read-write makes every publish a complete step after the previous one.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import getpass
import os
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from player.wire.isotime import format_utc

LOCK_NAME = ".publish.lock"  # a dot file: screens never ask for it, a CDN sync may skip it
DEFAULT_WAIT = 60.0  # seconds; a publish copying a large video to a slow disk takes a while
POLL = 0.05  # seconds between tries while another publisher holds the lock
MAX_HOLDER = 512  # bytes of the holder's description read back for an error


class PublishBusy(Exception):
    """Another publisher held the folder's lock for longer than the wait; says who."""


def user_and_host() -> tuple[str, str]:
    """(login, host name) of this process: who a command-line publish is by."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # a uid without a passwd entry (containers)
        user = str(os.getuid())
    return user, socket.gethostname()


def who() -> str:
    """This process as a lock holder: "USER@HOST pid N"."""
    user, host = user_and_host()
    return f"{user}@{host} pid {os.getpid()}"


@contextmanager
def publish_lock(
    folder: Path, holder: str, *, wait: float = DEFAULT_WAIT, now: dt.datetime | None = None
) -> Iterator[None]:
    """Hold `folder`'s publish lock (made if missing) for the block; `holder` says who
    ("command line (ana@host pid 12)") to anyone who has to wait. Raises PublishBusy after
    `wait` seconds naming the holder, OSError when the folder cannot be made or written.

    flock is released by the kernel when the holder dies, so a killed publish never
    leaves the folder locked; the description left in the file is then only stale text.
    """
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / LOCK_NAME
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise PublishBusy(_busy_message(folder, fd, wait)) from None
                time.sleep(POLL)
        since = format_utc(now or dt.datetime.now(dt.UTC))
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{holder} since {since}\n".encode()[:MAX_HOLDER], 0)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _busy_message(folder: Path, fd: int, wait: float) -> str:
    held_by = os.pread(fd, MAX_HOLDER, 0).decode("utf-8", "replace").strip()
    return (
        f"{folder}: another publish has held the folder for more than {wait:g} s "
        f"({held_by or 'holder unknown'}); wait for it to finish and try again, or stop "
        f"that process if it hangs (its lock is {folder / LOCK_NAME})"
    )
