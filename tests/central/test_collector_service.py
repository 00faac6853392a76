"""The collector under systemd's eyes: READY once migrated and subscribed, then the watchdog."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time

from tests.fixtures.collector import CollectorProcess
from tests.fixtures.player import VIDEOTRON


def test_ready_then_watchdog_pings_and_a_status_line(mosquitto, tmp_path):
    office = CollectorProcess(
        tmp_path / "office", mosquitto.url, f"sqlite:///{tmp_path / 'office' / 'c.sqlite3'}"
    )
    path = str(tmp_path / "notify.sock")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    sock.settimeout(0.5)
    env = {**os.environ, "NOTIFY_SOCKET": path, "WATCHDOG_USEC": "1500000"}
    with office.log.open("ab") as log:
        proc = subprocess.Popen(
            [*VIDEOTRON, "--config", str(office.config), "collect"],
            stdout=log, stderr=subprocess.STDOUT, env=env,
        )  # fmt: skip
    messages: list[str] = []
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and sum("WATCHDOG=1" in m for m in messages) < 3:
            try:
                messages.append(sock.recv(4096).decode())
            except TimeoutError:
                assert proc.poll() is None, office.tail()
    finally:
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(30)
        sock.close()
    assert code == 0, office.tail()
    ready = next(i for i, m in enumerate(messages) if m.startswith("READY=1"))
    first_ping = next(i for i, m in enumerate(messages) if m == "WATCHDOG=1")
    assert ready < first_ping
    statuses = [m for m in messages if m.startswith("STATUS=")]
    assert any("database ok" in m for m in statuses), messages
