"""Office-side services under systemd: sd_notify datagrams, and stopping on SIGTERM/SIGINT."""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
from collections.abc import Mapping

log = logging.getLogger(__name__)


def watchdog_seconds(env: Mapping[str, str] | None = None) -> float | None:
    """How often systemd wants WATCHDOG=1 at the latest (WatchdogSec), or None without one."""
    env = os.environ if env is None else env
    try:
        usec = int(env.get("WATCHDOG_USEC", ""))
    except ValueError:
        return None
    owner = env.get("WATCHDOG_PID")
    if usec <= 0 or (owner and owner != str(os.getpid())):
        return None
    return usec / 1_000_000


class SdNotify:
    """Datagrams to $NOTIFY_SOCKET; every call is a no-op when systemd did not set one."""

    def __init__(self, address: str | None = None) -> None:
        address = address if address is not None else os.environ.get("NOTIFY_SOCKET", "")
        # "@name" is a socket in the abstract namespace (a leading NUL byte).
        self._target = ("\0" + address[1:]) if address.startswith("@") else address
        self._socket: socket.socket | None = None
        self._warned = False

    def send(self, message: str) -> bool:
        if not self._target:
            return False
        try:
            if self._socket is None:
                self._socket = socket.socket(
                    socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC
                )
            self._socket.sendto(message.encode("utf-8", "replace"), self._target)
            return True
        except OSError as exc:
            if not self._warned:  # once: a broken socket would otherwise log every second
                log.warning("sd_notify to %s failed: %s", self._target, exc)
                self._warned = True
            return False

    def ready(self, status: str) -> bool:
        return self.send(f"READY=1\nSTATUS={status}")

    def status(self, text: str) -> bool:
        return self.send(f"STATUS={text}")

    def watchdog(self) -> bool:
        return self.send("WATCHDOG=1")

    def stopping(self) -> bool:
        return self.send("STOPPING=1")

    def close(self) -> None:
        if self._socket is not None:
            self._socket.close()
            self._socket = None


def stop_on_signals() -> threading.Event:
    """An event that SIGTERM (systemd stopping the unit) or SIGINT (Ctrl-C) sets.

    Installs the handlers: call from the main thread.
    """
    stop = threading.Event()

    def on_signal(signum: int, _frame: object) -> None:
        log.info("stopping: %s", signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    return stop
