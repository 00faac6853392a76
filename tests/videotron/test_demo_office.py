"""`videotron demo` with the office parts installed: broker, collector and console run beside it."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
import requests

from videotron.demo_office import DemoOffice, find_mosquitto, missing_parts

BANNER = re.compile(
    r"console is on (http://127\.0\.0\.1:\d+/)\n  log in as (\S+) with password (\S+)"
)


def _read_until(proc: subprocess.Popen, pattern: re.Pattern, timeout: float) -> re.Match:
    """Lines of the demo's output until `pattern` matches the text so far."""
    text = ""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            pytest.fail(f"the demo ended before printing the console's login:\n{text[-3000:]}")
        text += line
        found = pattern.search(text)
        if found:
            return found
    pytest.fail(f"no console login printed in {timeout}s:\n{text[-3000:]}")


def _log_in(url: str, user: str, password: str) -> requests.Session:
    http = requests.Session()
    form = http.get(url + "login", timeout=20)
    csrf = re.search(r'name="csrf" value="([^"]+)"', form.text).group(1)
    answer = http.post(
        url + "login",
        data={"csrf": csrf, "next": "/", "user": user, "password": password},
        timeout=20,
    )
    assert answer.status_code == 200 and 'id="logout"' in answer.text, answer.text[-2000:]
    return http


@pytest.mark.skipif(find_mosquitto() is None, reason="mosquitto is not installed")
def test_the_demo_runs_the_office_and_its_printed_login_shows_the_screen_online(tmp_path: Path):
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    out = tmp_path / "demo-out"
    proc = subprocess.Popen(
        [sys.executable, "-m", "videotron", "demo", "--headless", "--exit-after", "45",
         "--out", str(out)],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env,
    )  # fmt: skip
    children: list[psutil.Process] = []
    try:
        found = _read_until(proc, BANNER, 120)
        lasts = _read_until(proc, re.compile(r"  it (stops|stays) [^\n]+"), 5).group(0)
        assert lasts.startswith("  it stops with the demo after 45 s (--exit-after 0 keeps")
        url, user, password = found.groups()
        children = psutil.Process(proc.pid).children(recursive=True)
        names = " ".join(" ".join(child.cmdline()) for child in children)
        assert "mosquitto" in names and " collect" in names and " console" in names
        assert requests.get(url, timeout=20, allow_redirects=False).status_code in (302, 303)
        http = _log_in(url, user, password)
        state = None
        deadline = time.monotonic() + 40
        while time.monotonic() < deadline and state != "online":
            fleet = http.get(url, timeout=20).text
            card = re.search(r'id="screen-demo-screen" data-state="([^"]+)"', fleet)
            state = card and card.group(1)
            time.sleep(1)
        assert state == "online", fleet[-3000:]
        rest, _ = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate(timeout=30)
    assert proc.returncode == 0, rest[-3000:]
    assert "videotron demo: done after" in rest
    # The collector kept the plays, and their sums per day in the office's zone.
    with sqlite3.connect(out / "office" / "central.sqlite3") as db:
        assert db.execute("SELECT zone FROM play_day_zone").fetchall() == [("Asia/Jakarta",)]
        stored = db.execute("SELECT COUNT(*) FROM plays").fetchone()[0]
        assert stored > 0
        assert db.execute("SELECT SUM(plays) FROM play_days").fetchone()[0] == stored
    # Nothing the demo started outlives it.
    deadline = time.monotonic() + 10
    while any(child.is_running() and child.status() != psutil.STATUS_ZOMBIE for child in children):
        assert time.monotonic() < deadline, [c.cmdline() for c in children if c.is_running()]
        time.sleep(0.2)


def test_without_the_office_parts_the_demo_says_what_to_install() -> None:
    hint = missing_parts(None, {"sqlalchemy": True, "uvicorn": False})
    assert "pip install -e '.[office]'" in hint and "apt install mosquitto" in hint
    assert hint.endswith("(missing: uvicorn, mosquitto)")
    assert missing_parts("/usr/sbin/mosquitto", {"sqlalchemy": True}) is None


def test_the_console_banner_says_how_long_the_console_stays_up(tmp_path: Path) -> None:
    office = DemoOffice(tmp_path, "/usr/sbin/mosquitto")
    url_line, login, lasts, *_ = office.banner(None).splitlines()
    assert url_line.endswith(office.console_url) and "password" in login
    assert lasts == "  it stays up until you stop the demo with Ctrl-C"
    assert "after 30 s" in office.banner(30.0).splitlines()[2]
