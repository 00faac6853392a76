"""Control socket: screenshot round trip through a render inbox, and clear failures."""

from __future__ import annotations

import queue
import socket
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from PIL import Image

from player.events import ScreenshotRequest
from player.service.board import StatusBoard
from player.service.control import ControlError, ControlServer, request

FRAME_COLOUR = (200, 30, 90)


class FakeRender:
    """Stands in for the render loop: answers ScreenshotRequest by writing a PNG."""

    def __init__(self, inbox: queue.Queue, *, answer: bool = True, error: str | None = None):
        self.inbox = inbox
        self.answer = answer
        self.error = error
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()

    def _loop(self) -> None:
        while not self.stop.is_set():
            try:
                msg = self.inbox.get(timeout=0.05)
            except queue.Empty:
                continue
            if not isinstance(msg, ScreenshotRequest) or not self.answer:
                continue
            if self.error:
                msg.error = self.error
            else:
                image = Image.new("RGB", (64, 36), FRAME_COLOUR)
                image.putpixel((0, 0), (255, 255, 255))
                image.save(msg.path, "PNG")
            msg.done.set()


@pytest.fixture
def control(tmp_path):
    """A running control server in runtime.dir, and a config that points there."""
    run_dir = tmp_path / "run"
    config = tmp_path / "player.yaml"
    config.write_text(f"runtime:\n  dir: {run_dir}\n")
    inbox: queue.Queue = queue.Queue()
    status = StatusBoard()
    status.update("render", item="psa-flood")
    server = ControlServer(run_dir / "control.sock", inbox, status, screenshot_timeout=2.0)
    stop = threading.Event()
    beats: list[float] = []
    thread = threading.Thread(target=server.run, args=(stop, lambda: beats.append(1)))
    thread.start()
    deadline = time.monotonic() + 5
    while not server.path.exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    yield config, server, inbox, beats
    stop.set()
    thread.join(5)


def screenshot_cli(config: Path, out: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "videotron",
            "--config",
            str(config),
            "screenshot",
            str(out),
            *extra,
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_screenshot_round_trip_through_the_cli(control, tmp_path):
    config, server, inbox, beats = control
    render = FakeRender(inbox)
    out = tmp_path / "home" / "shot.png"
    out.parent.mkdir()
    try:
        result = screenshot_cli(config, out)
    finally:
        render.stop.set()
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(out)
    with Image.open(out) as image:
        assert image.size == (64, 36)
        assert image.getpixel((10, 10)) == FRAME_COLOUR
        assert image.getpixel((0, 0)) == (255, 255, 255)
    # The temporary file in runtime.dir is gone; only the socket remains.
    assert sorted(p.name for p in server.path.parent.iterdir()) == ["control.sock"]
    assert beats


def test_socket_is_not_world_accessible(control):
    _, server, _, _ = control
    mode = server.path.stat().st_mode
    assert stat.S_ISSOCK(mode)
    assert mode & 0o777 == 0o660


def test_screenshot_to_a_path_the_player_writes(control, tmp_path):
    _, server, inbox, _ = control
    render = FakeRender(inbox)
    target = server.path.parent / "direct.png"
    try:
        answer = request(server.path, {"cmd": "screenshot", "path": str(target)}, 5.0)
    finally:
        render.stop.set()
    assert answer == {"ok": True, "path": str(target)}
    with Image.open(target) as image:
        assert image.getpixel((5, 5)) == FRAME_COLOUR


def test_render_loop_that_does_not_answer_times_out(control, tmp_path):
    config, _, inbox, _ = control
    render = FakeRender(inbox, answer=False)
    started = time.monotonic()
    try:
        result = screenshot_cli(config, tmp_path / "never.png", "--timeout", "0.5")
    finally:
        render.stop.set()
    assert result.returncode == 1
    assert "did not take the screenshot within 0.5 s" in result.stderr
    assert not (tmp_path / "never.png").exists()
    assert time.monotonic() - started < 30


def test_render_error_is_passed_on(control, tmp_path):
    config, _, inbox, _ = control
    render = FakeRender(inbox, error="display is off (operating hours)")
    try:
        result = screenshot_cli(config, tmp_path / "off.png")
    finally:
        render.stop.set()
    assert result.returncode == 1
    assert "screenshot failed: display is off (operating hours)" in result.stderr


def test_bad_requests_get_clear_answers(control):
    _, server, _, _ = control
    assert request(server.path, {"cmd": "ping"}, 5.0)["ok"] is True
    assert request(server.path, {"cmd": "status"}, 5.0)["status"]["render"] == {"item": "psa-flood"}
    answer = request(server.path, {"cmd": "screenshot", "path": "shot.png"}, 5.0)
    assert answer == {"ok": False, "error": "screenshot path must be absolute, got 'shot.png'"}
    elsewhere = str(server.path.parent.parent / "cache" / "media" / ("0" * 64))
    answer = request(server.path, {"cmd": "screenshot", "path": elsewhere}, 5.0)
    assert answer["ok"] is False and "must be a file in" in answer["error"]
    answer = request(server.path, {"cmd": "reboot"}, 5.0)
    assert answer["ok"] is False and "unknown command 'reboot'" in answer["error"]
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(5)
        sock.connect(str(server.path))
        sock.sendall(b"this is not json\n")
        assert b'"bad request' in sock.recv(4096)


def test_screenshot_when_the_player_is_not_running(tmp_path):
    config = tmp_path / "player.yaml"
    config.write_text(f"runtime:\n  dir: {tmp_path}\n")
    result = screenshot_cli(config, tmp_path / "x.png")
    assert result.returncode == 3
    assert "videotron is not running: no control socket" in result.stderr
    # A socket file left behind by a killed player: nothing listens on it.
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stale.bind(str(tmp_path / "control.sock"))
    stale.close()
    result = screenshot_cli(config, tmp_path / "x.png")
    assert result.returncode == 3
    assert "stale socket" in result.stderr


def test_a_new_server_replaces_a_stale_socket(tmp_path):
    path = tmp_path / "control.sock"
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stale.bind(str(path))
    stale.close()
    server = ControlServer(path, queue.Queue(), StatusBoard())
    stop = threading.Event()
    thread = threading.Thread(target=server.run, args=(stop, lambda: None))
    thread.start()
    try:
        deadline = time.monotonic() + 5
        answer = None
        while answer is None and time.monotonic() < deadline:
            try:
                answer = request(path, {"cmd": "ping"}, 2.0)
            except (ConnectionRefusedError, FileNotFoundError):
                # The stale socket, or the instant between its removal and the new bind.
                time.sleep(0.02)
        assert answer is not None and answer["ok"] is True
    finally:
        stop.set()
        thread.join(5)
    assert not path.exists()  # removed on a clean stop


def test_a_second_server_never_takes_the_socket_of_one_that_listens(control):
    _config, server, _inbox, _beats = control
    second = ControlServer(server.path, queue.Queue(), StatusBoard())
    with pytest.raises(ControlError, match="another player listens on"):
        second.run(threading.Event(), lambda: None)
    # The first still answers on the same path, and the path is still its socket.
    assert request(server.path, {"cmd": "status"}, 5)["ok"] is True
    # A socket nothing listens on (a killed player's) is taken over as before.
    stale = server.path.parent / "stale.sock"
    left = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    left.bind(str(stale))
    left.close()
    third = ControlServer(stale, queue.Queue(), StatusBoard())
    stop = threading.Event()
    thread = threading.Thread(target=third.run, args=(stop, stop.set))  # one beat, then stop
    thread.start()
    thread.join(10)
    assert not thread.is_alive() and not stale.exists()  # bound, served, cleaned up
