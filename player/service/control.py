"""Control socket (runtime.dir/control.sock) for local commands; `videotron screenshot`."""

from __future__ import annotations

import argparse
import base64
import contextlib
import json
import logging
import os
import queue
import socket
import stat
import sys
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

from player.events import ScreenshotRequest
from player.service.board import StatusBoard
from player.wire.atomicfile import atomic_write

log = logging.getLogger(__name__)

MAX_REQUEST = 64 * 1024  # bytes; a request is one short JSON line
MAX_CLIENTS = 4
READ_TIMEOUT = 5.0


class ControlError(Exception):
    """A request the server refuses, with the reason to send back."""


def _answers(path: Path) -> bool:
    """Whether a process accepts connections on the socket at `path`."""
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM | socket.SOCK_CLOEXEC)
    probe.settimeout(1.0)
    try:
        probe.connect(str(path))
    except OSError:
        return False
    finally:
        probe.close()
    return True


class ControlServer:
    """Serves line-based JSON requests on a unix stream socket (mode 0660).

    Requests: `{"cmd": "ping"}`, `{"cmd": "status"}`,
    `{"cmd": "screenshot", "path": "/abs/file.png"}` (the player writes the file), or
    `{"cmd": "screenshot"}` (the PNG comes back base64 in the answer, for a client that
    the player's sandbox cannot write for). One JSON line answers each request:
    `{"ok": true, ...}` or `{"ok": false, "error": "..."}`.
    """

    def __init__(
        self,
        path: Path,
        inbox: queue.Queue,
        status: StatusBoard,
        *,
        screenshot_timeout: float = 10.0,
    ) -> None:
        self.path = Path(path)
        self.inbox = inbox
        self.status = status
        self.screenshot_timeout = screenshot_timeout
        self._slots = threading.Semaphore(MAX_CLIENTS)

    def _bind(self) -> socket.socket:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileNotFoundError):
            if not stat.S_ISSOCK(self.path.lstat().st_mode):
                raise ControlError(f"{self.path} exists and is not a socket; remove it")
            if _answers(self.path):  # never take the socket from a player that listens on it
                raise ControlError(
                    f"another player listens on {self.path}; this one takes no control "
                    "socket (stop the other, or give this one its own runtime.dir)"
                )
            self.path.unlink()  # left over from a killed player: nothing listens on it
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM | socket.SOCK_CLOEXEC)
        # umask so the socket is never briefly world-connectable before chmod.
        old_umask = os.umask(0o117)
        try:
            server.bind(str(self.path))
        finally:
            os.umask(old_umask)
        os.chmod(self.path, 0o660)
        server.listen(MAX_CLIENTS)
        server.settimeout(0.5)
        return server

    def run(self, stop: threading.Event, beat: Callable[[], None]) -> None:
        """Supervised worker: accept clients until `stop`, each served in its own thread."""
        server = self._bind()
        log.info("control socket listening at %s", self.path)
        try:
            while not stop.is_set():
                beat()
                try:
                    conn, _ = server.accept()
                except TimeoutError:
                    continue
                if not self._slots.acquire(blocking=False):
                    self._reply(conn, {"ok": False, "error": "busy: too many clients"})
                    conn.close()
                    continue
                threading.Thread(
                    target=self._serve, args=(conn,), name="videotron-control-client", daemon=True
                ).start()
        finally:
            server.close()
            with contextlib.suppress(OSError):
                self.path.unlink()

    def _serve(self, conn: socket.socket) -> None:
        try:
            conn.settimeout(READ_TIMEOUT)
            try:
                request = _read_line(conn)
                answer = self.handle(json.loads(request))
            except ControlError as exc:
                answer = {"ok": False, "error": str(exc)}
            except (ValueError, UnicodeDecodeError) as exc:
                answer = {"ok": False, "error": f"bad request: {exc}"}
            except OSError as exc:
                log.debug("control client went away: %s", exc)
                return
            self._reply(conn, answer)
        finally:
            conn.close()
            self._slots.release()

    @staticmethod
    def _reply(conn: socket.socket, answer: dict) -> None:
        with contextlib.suppress(OSError):
            conn.sendall(json.dumps(answer).encode() + b"\n")

    def handle(self, request: object) -> dict:
        if not isinstance(request, dict) or not isinstance(request.get("cmd"), str):
            raise ControlError('a request is a JSON object with a "cmd" string')
        cmd = request["cmd"]
        if cmd == "ping":
            return {"ok": True, "pid": os.getpid()}
        if cmd == "status":
            return {"ok": True, "status": self.status.snapshot()}
        if cmd == "screenshot":
            return self._screenshot(request)
        raise ControlError(f"unknown command {cmd!r} (known: ping, status, screenshot)")

    def _screenshot(self, request: dict) -> dict:
        timeout = min(float(request.get("timeout") or self.screenshot_timeout), 60.0)
        target = request.get("path")
        if target is not None:
            if not isinstance(target, str) or not os.path.isabs(target):
                raise ControlError(f"screenshot path must be absolute, got {target!r}")
            # Only into the runtime dir: the socket's group must not be able to make the
            # player overwrite its cache, proof-of-play store or config copy.
            runtime = self.path.parent.resolve()
            if Path(target).resolve().parent != runtime:
                raise ControlError(
                    f"screenshot path must be a file in {runtime}, got {target!r} "
                    "(or leave it out to get the PNG back over the socket)"
                )
            return self._take(Path(target), timeout, inline=False)
        # Inline: the render side writes into the runtime dir, we send the bytes back.
        fd, tmp = tempfile.mkstemp(prefix=".shot-", suffix=".png", dir=self.path.parent)
        os.close(fd)
        try:
            return self._take(Path(tmp), timeout, inline=True)
        finally:
            with contextlib.suppress(OSError):
                os.unlink(tmp)

    def _take(self, path: Path, timeout: float, *, inline: bool) -> dict:
        shot = ScreenshotRequest(path=path)
        self.inbox.put(shot)
        if not shot.done.wait(timeout):
            raise ControlError(f"the render loop did not take the screenshot within {timeout:g} s")
        if shot.error:
            raise ControlError(f"screenshot failed: {shot.error}")
        if not inline:
            return {"ok": True, "path": str(path)}
        data = path.read_bytes()
        if not data:
            raise ControlError("screenshot failed: the render loop wrote an empty file")
        return {"ok": True, "png": base64.b64encode(data).decode()}


def _read_line(conn: socket.socket) -> str:
    chunks: list[bytes] = []
    size = 0
    while True:
        chunk = conn.recv(4096)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
        if b"\n" in chunk:
            break
        if size > MAX_REQUEST:
            raise ControlError(f"request longer than {MAX_REQUEST} bytes")
    return b"".join(chunks).split(b"\n", 1)[0].decode()


def request(path: Path, payload: dict, timeout: float) -> dict:
    """Send one request to a running player and return its answer."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM | socket.SOCK_CLOEXEC) as sock:
        sock.settimeout(timeout)
        sock.connect(str(path))
        sock.sendall(json.dumps(payload).encode() + b"\n")
        chunks: list[bytes] = []
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
            if chunk.endswith(b"\n"):
                break
    raw = b"".join(chunks)
    if not raw:
        raise ControlError("the player closed the connection without answering")
    answer = json.loads(raw)
    if not isinstance(answer, dict):
        raise ControlError("the player sent a malformed answer")
    return answer


def cmd_screenshot(args: argparse.Namespace) -> int:
    from player.service.statusfile import runtime_dir_candidates

    candidates, note = runtime_dir_candidates(args.config_path)
    if note:
        print(f"note: {note}", file=sys.stderr)
    # The running player's socket: the first candidate that has one.
    sock_path = next(
        (d / "control.sock" for d in candidates if (d / "control.sock").exists()),
        candidates[0] / "control.sock",
    )
    out = Path(args.out).expanduser().absolute()
    timeout = float(args.timeout)
    try:
        # Ask for the bytes inline: the service's sandbox cannot write into a home folder.
        answer = request(sock_path, {"cmd": "screenshot", "timeout": timeout}, timeout + 2.0)
    except FileNotFoundError:
        print(f"videotron is not running: no control socket at {sock_path}", file=sys.stderr)
        return 3
    except ConnectionRefusedError:
        print(
            f"videotron is not running: nothing listens on {sock_path} (stale socket)",
            file=sys.stderr,
        )
        return 3
    except PermissionError:
        print(
            f"permission denied on {sock_path}: run as root or as a member of the videotron"
            " group (sudo usermod -aG videotron $USER, then log in again)",
            file=sys.stderr,
        )
        return 1
    except TimeoutError:
        print(f"timed out after {timeout:g} s waiting for the player", file=sys.stderr)
        return 1
    except (OSError, ValueError, ControlError) as exc:
        print(f"screenshot failed: {exc}", file=sys.stderr)
        return 1
    if not answer.get("ok"):
        print(f"screenshot failed: {answer.get('error', 'unknown error')}", file=sys.stderr)
        return 1
    try:
        data = base64.b64decode(answer["png"], validate=True)
        atomic_write(out, data, durable=False)
    except (KeyError, ValueError, OSError) as exc:
        print(f"cannot write {out}: {exc}", file=sys.stderr)
        return 1
    print(out)
    return 0
