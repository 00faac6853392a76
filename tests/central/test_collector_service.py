"""The collector under systemd's eyes: READY once migrated and subscribed, then the watchdog."""

from __future__ import annotations

import datetime as dt
import os
import signal
import socket
import subprocess
import time

from sqlalchemy import select

from central.db.database import open_engine, upgrade
from central.db.schema import plays
from central.db.store import Recorder, Report
from tests.central.test_collector_store import batch
from tests.fixtures.collector import CollectorProcess
from tests.fixtures.player import VIDEOTRON


def _plays_of_then_and_now(database: str) -> None:
    """Two plays in the database: one of 500 days ago, past its keeping time, one of now."""
    engine = open_engine(database)
    upgrade(engine)
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    with engine.begin() as connection:
        for n, day in enumerate((now - dt.timedelta(days=500), now)):
            message = batch([n], batch_id=f"b{n}", day=day)
            Recorder().write(connection, [Report("p1", "pop", message, now)])
    engine.dispose()


def _record_ids(database: str) -> list[int]:
    engine = open_engine(database)
    try:
        with engine.connect() as connection:
            return sorted(connection.execute(select(plays.c.record_id)).scalars())
    finally:
        engine.dispose()


def test_ready_then_watchdog_pings_and_a_status_line(mosquitto, tmp_path):
    """... and plays past their keeping time dropped at the start (collector.plays_kept)."""
    database = f"sqlite:///{tmp_path / 'office' / 'c.sqlite3'}"
    office = CollectorProcess(tmp_path / "office", mosquitto.url, database)
    _plays_of_then_and_now(database)
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
        while time.monotonic() < deadline and _record_ids(database) != [1]:
            time.sleep(0.1)
        assert _record_ids(database) == [1], office.tail()  # the old one dropped, today's kept
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
