"""Office-side services: stopping on SIGTERM (systemd stopping the unit) or SIGINT (Ctrl-C)."""

from __future__ import annotations

import logging
import signal
import threading

log = logging.getLogger(__name__)


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
