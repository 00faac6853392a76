"""A PushClient in its own process for SIGKILL tests: `python -m tests.push.push_child URL`."""

from __future__ import annotations

import signal
import sys
import threading

from tests.push.runner import PushRunner, push_config


def main(url: str) -> int:
    runner = PushRunner(push_config(url))
    signal.signal(signal.SIGTERM, lambda *_: runner.stop.set())
    with runner:
        runner.wait_connected(10)
        print("connected", flush=True)
        runner.stop.wait(60)  # bounded: a forgotten child ends by itself
    return 0


if __name__ == "__main__":
    threading.current_thread().name = "push-child"
    sys.exit(main(sys.argv[1]))
