"""sd_notify over a real unix datagram socket, and watchdog gating by the supervisor."""

from __future__ import annotations

import itertools
import os
import re
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from player.service.board import StatusBoard
from player.service.systemd import Supervisor
from player.wire.sdnotify import Notifier, watchdog_interval

REPO = Path(__file__).resolve().parents[2]
UNIT = REPO / "systemd" / "videotron.service"


class NotifySocket:
    """A stand-in for systemd's notify socket: collects every datagram with its time."""

    def __init__(self, path: str, bind_to: str | bytes) -> None:
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(bind_to)
        self.sock.settimeout(0.05)
        self.messages: list[tuple[float, str]] = []

    def drain(self, duration: float) -> list[tuple[float, str]]:
        """Collect messages for `duration` seconds; return the new ones."""
        start = len(self.messages)
        deadline = time.monotonic() + duration
        while time.monotonic() < deadline:
            try:
                data = self.sock.recv(4096)
            except TimeoutError:
                continue
            self.messages.append((time.monotonic(), data.decode()))
        return self.messages[start:]

    def wait_for(self, text: str, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(text == m for _, m in self.drain(0.05)):
                return True
        return False

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def notify_socket(tmp_path):
    path = str(tmp_path / "notify.sock")
    sock = NotifySocket(path, path)
    yield sock
    sock.close()


def pings(messages: list[tuple[float, str]]) -> list[float]:
    return [t for t, m in messages if m == "WATCHDOG=1"]


def make_supervisor(notify_socket, **kw) -> tuple[Supervisor, StatusBoard]:
    status = StatusBoard()
    kw.setdefault("main_stuck_after", 0.5)
    kw.setdefault("backoff_base", 0.05)
    kw.setdefault("backoff_max", 0.2)
    sup = Supervisor(Notifier(notify_socket.path), status, interval=0.2, **kw)
    return sup, status


def beating_worker(stop: threading.Event, beat) -> None:
    while not stop.wait(0.05):
        beat()


def keep_main_beating(sup: Supervisor, stop: threading.Event) -> threading.Thread:
    def loop() -> None:
        while not stop.wait(0.03):
            sup.main_beat()

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    return thread


def test_notifier_sends_each_message_to_the_socket(notify_socket):
    notifier = Notifier(notify_socket.path)
    assert notifier.ready() and notifier.watchdog() and notifier.stopping()
    assert notifier.status("playing intro.mp4\nmanifest #3")
    got = [m for _, m in notify_socket.drain(0.2)]
    # A newline in STATUS would start a bogus second assignment: it is folded to a space.
    assert got == ["READY=1", "WATCHDOG=1", "STOPPING=1", "STATUS=playing intro.mp4 manifest #3"]


def test_ready_with_a_status_keeps_the_status_on_one_line(notify_socket):
    # The office services say READY with their first status line; it is folded as well.
    assert Notifier(notify_socket.path).ready("database ok\nbroker ok")
    assert [m for _, m in notify_socket.drain(0.2)] == ["READY=1\nSTATUS=database ok broker ok"]


def test_one_sd_notify_client_in_the_tree():
    # Both ends send through player.wire.sdnotify; a second client would drift (newlines, locks).
    found = [
        str(path.relative_to(REPO))
        for package in ("player", "central", "videotron")
        for path in sorted((REPO / package).rglob("*.py"))
        if "NOTIFY_SOCKET" in path.read_text(encoding="utf-8")
    ]
    assert found == ["player/wire/sdnotify.py"]


def test_notifier_reaches_an_abstract_socket():
    name = f"videotron-test-{os.getpid()}-{time.monotonic_ns()}"
    sock = NotifySocket("@" + name, b"\0" + name.encode())
    try:
        assert Notifier("@" + name).ready()
        assert sock.wait_for("READY=1", 1.0)
    finally:
        sock.close()


def test_notifier_without_socket_is_a_no_op(monkeypatch):
    monkeypatch.delenv("NOTIFY_SOCKET", raising=False)
    notifier = Notifier()
    assert not notifier.enabled
    assert notifier.ready() is False


def test_notifier_survives_a_vanished_socket(tmp_path):
    notifier = Notifier(str(tmp_path / "gone.sock"))
    assert notifier.watchdog() is False  # logged once, never raised into the render loop
    assert notifier.watchdog() is False


def test_watchdog_interval_from_environment():
    assert watchdog_interval({"WATCHDOG_USEC": "30000000"}) == 30.0
    assert watchdog_interval({}) is None
    assert watchdog_interval({"WATCHDOG_USEC": "0"}) is None
    assert watchdog_interval({"WATCHDOG_USEC": "junk"}) is None
    env = {"WATCHDOG_USEC": "200000", "WATCHDOG_PID": str(os.getpid())}
    assert watchdog_interval(env) == 0.2
    # Meant for another process (we inherited it): not ours to feed.
    assert watchdog_interval({**env, "WATCHDOG_PID": "1"}) is None


def test_supervisor_reads_interval_from_environment(monkeypatch, notify_socket):
    monkeypatch.setenv("WATCHDOG_USEC", "200000")
    monkeypatch.setenv("WATCHDOG_PID", str(os.getpid()))
    monkeypatch.setenv("NOTIFY_SOCKET", notify_socket.path)
    sup = Supervisor(Notifier(), StatusBoard())
    assert sup.interval == 0.2
    sup.add_worker("sync", beating_worker, stuck_after=1.0)
    try:
        assert len(pings(notify_socket.drain(0.6))) >= 2
    finally:
        sup.stop()


def test_ready_then_periodic_pings_while_everything_beats(notify_socket):
    sup, status = make_supervisor(notify_socket)
    stop_main = threading.Event()
    sup.add_worker("sync", beating_worker, stuck_after=0.5)
    sup.add_worker("push", beating_worker, stuck_after=0.5)
    try:
        sup.main_beat()
        keep_main_beating(sup, stop_main)
        sup.ready()
        got = notify_socket.drain(1.0)
        assert "READY=1" in [m for _, m in got]
        times = pings(got)
        assert len(times) >= 4, got
        # At least every half interval (0.1 s), with slack for a busy CI machine.
        assert max(b - a for a, b in itertools.pairwise(times)) < 0.5
        assert sup.healthy() == (True, "ok")
        assert status.get("health")["threads"]["sync"]["state"] == "running"
    finally:
        stop_main.set()
        sup.stop()
    assert "STOPPING=1" in [m for _, m in notify_socket.drain(0.1)] + [
        m for _, m in notify_socket.messages
    ]


def test_hung_worker_stops_the_pings(notify_socket):
    sup, status = make_supervisor(notify_socket)
    hang = threading.Event()
    release = threading.Event()

    def sync_worker(stop, beat):
        while not stop.is_set():
            if hang.is_set():
                release.wait(10)  # a blocking call that never returns, as a hung socket
            beat()
            stop.wait(0.05)

    stop_main = threading.Event()
    sup.add_worker("sync", sync_worker, stuck_after=0.4)
    keep_main_beating(sup, stop_main)
    sup.ready()
    try:
        assert len(pings(notify_socket.drain(0.5))) >= 2
        hang.set()
        hung_at = time.monotonic()
        after = notify_socket.drain(1.2)
        late = [t for t in pings(after) if t > hung_at + 0.4 + 0.25]
        assert late == [], "pings went on while the sync thread hung"
        ok, reason = sup.healthy()
        assert not ok and "worker sync is stuck" in reason
        assert status.get("health")["threads"]["sync"]["state"] == "stuck"
        assert status.get("health")["healthy"] is False
        assert any(m.startswith("STATUS=UNHEALTHY: worker sync is stuck") for _, m in after)
        # It comes back (a slow call that finally returned): pings resume.
        release.set()
        assert notify_socket.wait_for("WATCHDOG=1", 1.0)
    finally:
        release.set()
        stop_main.set()
        sup.stop()


def test_crashing_worker_is_restarted_and_pings_continue(notify_socket, caplog):
    sup, status = make_supervisor(notify_socket)
    runs = []

    def flaky(stop, beat):
        runs.append(time.monotonic())
        beat()
        if len(runs) <= 3:
            raise ConnectionError("broker went away")
        while not stop.wait(0.05):
            beat()

    stop_main = threading.Event()
    keep_main_beating(sup, stop_main)
    sup.add_worker("push", flaky, stuck_after=0.5)
    sup.ready()
    try:
        got = notify_socket.drain(1.5)
        assert len(runs) == 4
        health = status.get("health")["threads"]["push"]
        assert health["restarts"] == 3
        assert health["state"] == "running"
        assert "ConnectionError: broker went away" in health["last_error"]
        # Pings never stopped for more than a couple of intervals during the restarts.
        times = pings(got)
        assert len(times) >= 6
        assert max(b - a for a, b in itertools.pairwise(times)) < 0.6
        # Backoff grows between restarts (0.025-0.05, 0.05-0.1, 0.1-0.2 s here).
        gaps = [b - a for a, b in itertools.pairwise(runs)]
        assert gaps[2] > gaps[0]
        assert "Traceback" in caplog.text and "broker went away" in caplog.text
    finally:
        stop_main.set()
        sup.stop()


def test_render_loop_that_stops_beating_stops_the_pings(notify_socket):
    sup, _ = make_supervisor(notify_socket)
    stop_main = threading.Event()
    sup.add_worker("sync", beating_worker, stuck_after=1.0)
    keep_main_beating(sup, stop_main)
    sup.ready()
    try:
        assert len(pings(notify_socket.drain(0.4))) >= 2
        stop_main.set()  # the render loop hangs
        stopped_at = time.monotonic()
        after = notify_socket.drain(1.2)
        assert [t for t in pings(after) if t > stopped_at + 0.5 + 0.25] == []
        ok, reason = sup.healthy()
        assert not ok and "render loop is stuck" in reason
    finally:
        sup.stop()


@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_dead_worker_thread_stops_the_pings(notify_socket):
    sup, _status = make_supervisor(notify_socket)

    def dies(stop, beat):
        raise SystemExit  # not an Exception: the thread really dies, nothing restarts it

    stop_main = threading.Event()
    keep_main_beating(sup, stop_main)
    sup.add_worker("sync", dies, stuck_after=10.0)
    sup.ready()
    try:
        deadline = time.monotonic() + 2
        while sup.healthy()[0] and time.monotonic() < deadline:
            time.sleep(0.02)
        assert sup.healthy() == (False, "worker sync is dead")
        notify_socket.drain(0.3)
        assert pings(notify_socket.drain(0.6)) == []
    finally:
        stop_main.set()
        sup.stop()


def test_stop_ends_workers_within_the_timeout(notify_socket):
    sup, status = make_supervisor(notify_socket)
    sup.add_worker("sync", beating_worker, stuck_after=1.0)
    sup.add_worker("status", beating_worker, stuck_after=1.0)
    started = time.monotonic()
    sup.stop(timeout=2.0)
    assert time.monotonic() - started < 1.0
    assert {t["state"] for t in status.get("health")["threads"].values()} == {"stopped"}
    assert not [t for t in threading.enumerate() if t.name.startswith("videotron-sync")]


def test_systemd_analyze_verifies_the_unit():
    result = subprocess.run(
        ["systemd-analyze", "verify", str(UNIT)],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == "", result.stderr


def test_unit_runs_the_installed_player_as_a_notify_service_with_a_watchdog():
    text = UNIT.read_text()
    settings = {}
    for line in text.splitlines():
        if "=" in line and not line.startswith("#"):
            key, _, value = line.partition("=")
            settings.setdefault(key, value)
    assert settings["Type"] == "notify"
    assert settings["WatchdogSec"] == "30"
    assert settings["Restart"] == "always"
    assert settings["StartLimitIntervalSec"] == "0"
    assert settings["ExecStart"].split()[:2] == [
        "/usr/bin/env",
        "/opt/videotron/venv/bin/videotron",
    ]
    assert settings["ExecStart"].endswith("--config /etc/videotron/player.yaml run")
    # Playback must never wait for the network.
    deps = [v for k, v in settings.items() if k in ("Wants", "Requires", "After")]
    assert not any("network-online" in v for v in deps)


def test_real_player_under_a_stand_in_systemd(tmp_path, notify_socket):
    """`videotron run` as the unit starts it: READY after the first frame, watchdog pings,
    a STATUS line, then `status` and `screenshot` against it, and a clean SIGTERM stop."""
    from PIL import Image

    config = tmp_path / "player.yaml"
    config.write_text(
        f"player:\n  id: e2e-screen\ncache:\n  dir: {tmp_path / 'cache'}\n"
        f"runtime:\n  dir: {tmp_path / 'run'}\n"
    )
    env = dict(
        os.environ,
        NOTIFY_SOCKET=notify_socket.path,
        WATCHDOG_USEC="1000000",
        SDL_VIDEODRIVER="dummy",
    )
    env.pop("WATCHDOG_PID", None)
    cli = [sys.executable, "-m", "videotron", "--config", str(config)]
    proc = subprocess.Popen(
        [*cli, "run", "--headless"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert notify_socket.wait_for("READY=1", 30), "no READY=1 within 30 s"
        after_ready = notify_socket.drain(2.2)
        assert len(pings(after_ready)) >= 3  # every half of WatchdogSec=1s at least
        lines = [m for _, m in notify_socket.messages if m.startswith("STATUS=")]
        assert any("splash screen" in m for m in lines), lines

        status = subprocess.run(
            [*cli, "status"], capture_output=True, text=True, timeout=60, check=False
        )
        assert status.returncode == 0, status.stdout + status.stderr
        assert "e2e-screen" in status.stdout and "running, healthy" in status.stdout
        for name in ("sync", "push", "status", "control"):
            assert re.search(rf"{name}\s+running", status.stdout), status.stdout

        shot = tmp_path / "shot.png"
        taken = subprocess.run(
            [*cli, "screenshot", str(shot)], capture_output=True, text=True, timeout=60, check=False
        )
        assert taken.returncode == 0, taken.stderr
        with Image.open(shot) as image:
            assert image.size[0] > 0 and image.size[1] > 0
            # The splash (player id, IP, version) is on screen, not a black frame.
            assert len(image.convert("RGB").getcolors(1 << 24) or []) > 1
    finally:
        proc.terminate()
        _, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 0, stderr[-3000:]
    assert "STOPPING=1" in [m for _, m in notify_socket.drain(0.3)] + [
        m for _, m in notify_socket.messages
    ]
    after = subprocess.run(
        [*cli, "status"], capture_output=True, text=True, timeout=60, check=False
    )
    assert after.returncode == 3
