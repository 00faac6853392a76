"""The console behind nginx, proxied as docs/CONSOLE.md says, under 200 concurrent sessions.

200 sessions read the fleet, the plays and the alerts pages at the same time, 20 of them
logging in through nginx as they start: each page answers 200, nothing errors in nginx or
the console, and the whole run and each request end within bounds. (The other 180 are
stored as a login stores them: 200 password checks would take a minute of CPU alone.)
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import secrets
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from central.console import accounts
from central.db import accounts as stored_accounts
from central.db.database import open_engine
from tests.central.console.test_behind_nginx import documented_location
from tests.fixtures.console import ConsoleProcess
from tests.fixtures.nginx import NGINX, free_port, wait_for_port

SESSIONS = 200
USERS = 20  # each logs in for real once; a password check is the slow part of a login
PAGES = ("/", "/plays", "/alerts")
REQUEST_BOUND = 30.0  # seconds any one request may take on a busy 2-core machine
RUN_BOUND = 80.0  # seconds for every session's login and pages


@pytest.fixture
def behind_nginx(tmp_path):
    if not Path(NGINX).exists():
        pytest.skip("nginx is not installed")
    database = f"sqlite:///{tmp_path / 'central.sqlite3'}"
    console = ConsoleProcess(tmp_path / "console", f"collector:\n  database: {database}\n")
    console.add_user("admin", "admin", "admin-password-1")  # migrates the database
    tokens = []
    engine = open_engine(database)
    try:
        with engine.begin() as connection:
            now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
            for n in range(USERS):
                accounts.add_user(connection, f"viewer{n}", "viewer", f"password-{n}-x", now)
            for n in range(SESSIONS - USERS):
                # As a login stores its session: the token's SHA-256, never the token.
                token = secrets.token_urlsafe(32)
                stored_accounts.add_session(
                    connection, hashlib.sha256(token.encode()).hexdigest(), f"viewer{n % USERS}",
                    secrets.token_urlsafe(32), now=now, expires_at=now + dt.timedelta(hours=1),
                )  # fmt: skip
                tokens.append(token)
    finally:
        engine.dispose()
    console.start()
    port = free_port()
    (tmp_path / "tmp").mkdir()
    conf = tmp_path / "nginx.conf"
    conf.write_text(
        ("user root;\n" if os.geteuid() == 0 else "")
        + f"worker_processes 1;\npid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\n"
        "events { worker_connections 1024; }\nhttp {\n"
        f"  client_body_temp_path {tmp_path}/tmp/body; proxy_temp_path {tmp_path}/tmp/proxy;\n"
        f"  fastcgi_temp_path {tmp_path}/tmp/f; uwsgi_temp_path {tmp_path}/tmp/u;\n"
        f"  scgi_temp_path {tmp_path}/tmp/s;\n"
        f"  log_format short '$status $request_time $uri';\n"
        f"  access_log {tmp_path}/access.log short;\n"
        f"  server {{\n    listen 127.0.0.1:{port};\n"
        + documented_location(console.port)
        + "  }\n}\n"
    )
    nginx = subprocess.Popen(
        [NGINX, "-p", str(tmp_path), "-c", str(conf), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        wait_for_port(port, up=True)
        yield console, f"http://127.0.0.1:{port}", tmp_path, tokens
    finally:
        nginx.terminate()
        nginx.wait(10)
        console.stop()


def one_session(url: str, n: int, token: str | None) -> list[tuple[str, int, float]]:
    """With `token`'s session, or logging in as viewer `n`, read every page: (what, status,
    seconds) of each request."""
    http = requests.Session()
    http.trust_env = False
    if token is not None:
        http.cookies.set("vt_session", token, domain="127.0.0.1", path="/")
        return read_pages(http, url, [])
    timings = []

    def timed(what: str, call) -> requests.Response:
        began = time.monotonic()
        response = call()
        timings.append((what, response.status_code, time.monotonic() - began))
        return response

    form = timed("login form", lambda: http.get(url + "/login", timeout=REQUEST_BOUND))
    token = re.search(r'name="csrf" value="([^"]+)"', form.text).group(1)
    user = n % USERS
    login = {"csrf": token, "user": f"viewer{user}", "password": f"password-{user}-x"}
    timed(
        "login",
        lambda: http.post(url + "/login", data=login, timeout=REQUEST_BOUND, allow_redirects=False),
    )
    return read_pages(http, url, timings)


def read_pages(http: requests.Session, url: str, timings: list) -> list[tuple[str, int, float]]:
    for page in PAGES:
        began = time.monotonic()
        response = http.get(url + page, timeout=REQUEST_BOUND, allow_redirects=False)
        timings.append((page, response.status_code, time.monotonic() - began))
    http.close()
    return timings


@pytest.mark.slow
def test_200_concurrent_sessions_through_nginx_all_answer_in_bounded_time(behind_nginx):
    console, url, folder, tokens = behind_nginx
    logins: list[str | None] = [None] * USERS
    began = time.monotonic()
    with ThreadPoolExecutor(SESSIONS) as pool:
        results = list(
            pool.map(lambda n, t: one_session(url, n, t), range(SESSIONS), [*logins, *tokens])
        )
    took = time.monotonic() - began
    timings = [t for session in results for t in session]
    assert len(timings) == SESSIONS * len(PAGES) + USERS * 2
    wrong = [
        (what, status) for what, status, _ in timings if status != (303 if what == "login" else 200)
    ]
    assert not wrong, wrong[:10]
    slowest = {
        kind: max((seconds for what, _, seconds in timings if (what in PAGES) == (kind == "page")))
        for kind in ("page", "login")
    }
    assert max(slowest.values()) < REQUEST_BOUND and took < RUN_BOUND, (slowest, took)
    assert "[error]" not in (folder / "error.log").read_text()
    assert "Traceback" not in console.log.read_text() and console.proc.poll() is None
    print(f"{SESSIONS} sessions in {took:.1f} s; slowest (s): {slowest}")
