"""`videotron demo`'s office side: a broker, the collector and the console beside the player."""

from __future__ import annotations

import contextlib
import ctypes
import datetime as dt
import getpass
import importlib.util
import logging
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

log = logging.getLogger(__name__)

OFFICE_MODULES = ("sqlalchemy", "alembic", "starlette", "jinja2", "uvicorn", "argon2", "multipart")
DEMO_USER = "demo"
START_TIMEOUT = 60.0  # seconds for the console to answer; a loaded machine imports slowly
STOP_TIMEOUT = 15.0
TOPIC_PREFIX = "videotron"
INSTALL_HINT = (
    "to see the office console as well, install its parts: "
    "pip install -e '.[office]' and apt install mosquitto"
)


class OfficeError(RuntimeError):
    """A part of the demo's office that did not start; the message says which and its log."""


def find_mosquitto() -> str | None:
    """The broker binary: on PATH, or in /usr/sbin where Debian puts it (not on a user's PATH)."""
    path = os.environ.get("PATH", "") + os.pathsep + "/usr/sbin:/sbin"
    return shutil.which("mosquitto", path=path)


def missing_parts(mosquitto: str | None, modules_found: dict[str, bool]) -> str | None:
    """What to install for the office side, or None when everything is there."""
    missing = [name for name, found in modules_found.items() if not found]
    if missing or mosquitto is None:
        parts = [*missing, *([] if mosquitto else ["mosquitto"])]
        return f"{INSTALL_HINT} (missing: {', '.join(parts)})"
    return None


def office_hint() -> str | None:
    """None when the office side can run here, else the line that says what to install."""
    found = {name: importlib.util.find_spec(name) is not None for name in OFFICE_MODULES}
    return missing_parts(find_mosquitto(), found)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _die_with_parent() -> None:
    """In the child before exec: a SIGKILLed demo takes its office with it (Linux)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def broker_config(port: int, user: str) -> str:
    return "\n".join(
        [
            "# Written by `videotron demo`: a broker on this machine only, for the demo.",
            f"listener {port} 127.0.0.1",
            # Started as root, mosquitto would switch to user "mosquitto", which cannot
            # write into the demo's folder.
            f"user {user}",
            "allow_anonymous true",
            "persistence false",
            "log_dest stderr",
            "log_type error",
            "log_type warning",
            "log_type notice",
            "",
        ]
    )


def central_config(out: Path, broker_port: int, console_port: int) -> str:
    office = out / "office"
    return "\n".join(
        [
            "# Written by `videotron demo`; a real office uses /etc/videotron/central.yaml.",
            f"mqtt: {{url: 'mqtt://127.0.0.1:{broker_port}', topic_prefix: {TOPIC_PREFIX}}}",
            "collector:",
            f"  database: 'sqlite:///{office / 'central.sqlite3'}'",
            "  client_id: videotron-demo-collector",
            "publish:",
            f"  key: '{out / 'publisher.key'}'",
            f"  groups: {{demo: '{out / 'published'}'}}",
            f"console: {{listen: 127.0.0.1, port: {console_port}, timezone: Asia/Jakarta}}",
            "",
        ]
    )


class DemoOffice:
    """mosquitto, `videotron collect` and `videotron console` as child processes of the demo.

    Each child gets its own process group, so Ctrl-C reaches the demo alone: the player
    stops first (its last status reaches the collector), then the office, console first.
    """

    def __init__(self, out: Path, mosquitto: str, console_port: int | None = None) -> None:
        self.out = out
        self.folder = out / "office"
        self.mosquitto = mosquitto
        self.broker_port = free_port()
        self.console_port = console_port or free_port()
        self.config = self.folder / "central.yaml"
        self.password = secrets.token_urlsafe(12)  # new each run, printed once
        self._procs: list[tuple[str, subprocess.Popen]] = []

    @property
    def broker_url(self) -> str:
        return f"mqtt://127.0.0.1:{self.broker_port}"

    @property
    def console_url(self) -> str:
        return f"http://127.0.0.1:{self.console_port}/"

    def start(self) -> None:
        """Broker, account, collector, console; on any failure stops what it started."""
        self.folder.mkdir(parents=True, exist_ok=True)
        try:
            broker_conf = self.folder / "mosquitto.conf"
            broker_conf.write_text(broker_config(self.broker_port, getpass.getuser()))
            self._spawn("mosquitto", [self.mosquitto, "-c", str(broker_conf)])
            self._wait_port("mosquitto", self.broker_port)
            self.config.write_text(
                central_config(self.out, self.broker_port, self.console_port), encoding="utf-8"
            )
            self._add_account()
            videotron = [sys.executable, "-m", "videotron", "--config", str(self.config)]
            self._spawn("collector", [*videotron, "collect"])
            self._spawn("console", [*videotron, "console", "--port", str(self.console_port)])
            self._wait_console()
        except BaseException:
            self.stop()
            raise

    def _add_account(self) -> None:
        from central.config import load_central_config
        from central.console import accounts
        from central.db.database import open_engine, upgrade

        logging.getLogger("alembic").setLevel(logging.WARNING)
        engine = open_engine(load_central_config(self.config).collector.database.reveal())
        try:
            upgrade(engine)
            with engine.begin() as connection:
                now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
                accounts.add_user(connection, DEMO_USER, "operator", self.password, now)
        finally:
            engine.dispose()

    def _spawn(self, name: str, command: list[str]) -> None:
        with (self.folder / f"{name}.log").open("ab") as output:
            proc = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_die_with_parent,  # noqa: PLW1509 (no threads run yet)
            )
        self._procs.append((name, proc))

    def _check_running(self, name: str) -> None:
        for proc_name, proc in self._procs:
            if proc.poll() is not None:
                raise OfficeError(
                    f"{proc_name} exited with {proc.returncode} while waiting for {name}: "
                    f"{self.tail(proc_name)}"
                )

    def _wait_port(self, name: str, port: int) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            self._check_running(name)
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.05)
        raise OfficeError(f"{name} did not listen on 127.0.0.1:{port}: {self.tail(name)}")

    def _wait_console(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            self._check_running("the console")
            try:
                with urllib.request.urlopen(self.console_url + "login", timeout=2) as answer:
                    if answer.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                time.sleep(0.2)
        raise OfficeError(
            f"the console did not answer at {self.console_url}: {self.tail('console')}"
        )

    def tail(self, name: str) -> str:
        path = self.folder / f"{name}.log"
        text = path.read_text(errors="replace")[-1500:] if path.exists() else ""
        return f"see {path}" + (f"; it ends:\n{text}" if text.strip() else "")

    def stop(self) -> None:
        """Every child stopped and reaped, newest first; SIGKILL for one that hangs."""
        while self._procs:
            name, proc = self._procs.pop()
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(STOP_TIMEOUT)
                except subprocess.TimeoutExpired:
                    log.warning("%s did not stop in %g s; killing it", name, STOP_TIMEOUT)
                    proc.kill()
                    proc.wait(STOP_TIMEOUT)

    def player_yaml(self) -> list[str]:
        """The lines that make the demo player report to this office."""
        return [
            f"mqtt: {{url: '{self.broker_url}', topic_prefix: {TOPIC_PREFIX}}}",
            # A thumbnail now and then, so the fleet page shows what is on screen.
            "report: {thumbnail_every: 15, ack_timeout: 5}",
        ]

    def banner(self, stops_after: float | None = None) -> str:
        """The console's address, login and how long it stays up (None: until Ctrl-C)."""
        if stops_after:
            lasts = (
                f"  it stops with the demo after {stops_after:g} s "
                f"(--exit-after 0 keeps it up until Ctrl-C)\n"
            )
        else:
            lasts = "  it stays up until you stop the demo with Ctrl-C\n"
        return (
            f"videotron demo: the office console is on {self.console_url}\n"
            f"  log in as {DEMO_USER} with password {self.password} (operator; a new one "
            f"each run)\n"
            f"{lasts}"
            f"  broker {self.broker_url}; collector database, logs and central.yaml in "
            f"{self.folder}/"
        )
