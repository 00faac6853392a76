"""sd_notify for both ends: datagrams to $NOTIFY_SOCKET and the watchdog interval systemd wants."""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Mapping

log = logging.getLogger(__name__)


def watchdog_interval(
    environ: Mapping[str, str] | None = None, pid: int | None = None
) -> float | None:
    """Seconds systemd waits for WATCHDOG=1 before killing us, or None when no watchdog.

    WATCHDOG_PID, when set, names the process the watchdog is meant for; a child that
    inherited the variables must not believe it is being watched.
    """
    env = os.environ if environ is None else environ
    try:
        usec = int(env.get("WATCHDOG_USEC", ""))
    except ValueError:
        return None
    if usec <= 0:
        return None
    owner = env.get("WATCHDOG_PID")
    if owner:
        try:
            if int(owner) != (os.getpid() if pid is None else pid):
                return None
        except ValueError:
            return None
    return usec / 1_000_000


def one_line(text: str) -> str:
    """`text` fit for STATUS=, which is one line: a newline would start a bogus assignment."""
    return " ".join(text.split())


class Notifier:
    """Sends sd_notify datagrams to $NOTIFY_SOCKET; every call is a no-op without one.

    Thread-safe: a watchdog thread and the main thread may send at once.
    """

    def __init__(self, address: str | None = None) -> None:
        if address is None:
            address = os.environ.get("NOTIFY_SOCKET") or None
        self.address = address
        self._lock = threading.Lock()
        self._sock: socket.socket | None = None
        self._failed = False

    @property
    def enabled(self) -> bool:
        return bool(self.address)

    def _target(self) -> str | bytes:
        assert self.address
        if self.address.startswith("@"):
            # Linux abstract namespace: a leading NUL instead of a path.
            return b"\0" + self.address[1:].encode()
        return self.address

    def send(self, message: str) -> bool:
        """Send one notify message (lines of KEY=VALUE); False when not sent."""
        if not self.address:
            return False
        with self._lock:
            try:
                if self._sock is None:
                    self._sock = socket.socket(
                        socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC
                    )
                self._sock.sendto(message.encode("utf-8", "replace"), self._target())
            except OSError as exc:
                if not self._failed:  # once: a broken socket would otherwise log every second
                    log.warning("cannot notify systemd at %s: %s", self.address, exc)
                self._failed = True
                return False
            if self._failed:
                log.info("notifying systemd at %s works again", self.address)
                self._failed = False
            return True

    def ready(self, status: str | None = None) -> bool:
        """READY=1, with a first status line when one is given."""
        if status is None:
            return self.send("READY=1")
        return self.send(f"READY=1\nSTATUS={one_line(status)}")

    def status(self, text: str) -> bool:
        return self.send("STATUS=" + one_line(text))

    def watchdog(self) -> bool:
        return self.send("WATCHDOG=1")

    def stopping(self) -> bool:
        return self.send("STOPPING=1")

    def close(self) -> None:
        with self._lock:
            if self._sock is not None:
                self._sock.close()
                self._sock = None
