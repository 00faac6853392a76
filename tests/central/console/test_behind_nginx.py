"""The console behind a real nginx with TLS, proxied exactly as docs/CONSOLE.md says.

Cookies get the Secure flag from nginx's X-Forwarded-Proto, and the address a login is
counted and audited under is the one nginx saw, not one the client wrote into a header.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest
import requests
from sqlalchemy import select

from central.db.database import open_engine
from central.db.schema import audit
from tests.fixtures.console import ConsoleProcess
from tests.fixtures.nginx import NGINX, free_port, make_self_signed, wait_for_port

ROOT = Path(__file__).resolve().parents[3]
SPOOFED = "203.0.113.9"


def documented_location(port: int) -> str:
    """The `location / { ... }` block of the nginx example in docs/CONSOLE.md."""
    text = (ROOT / "docs" / "CONSOLE.md").read_text(encoding="utf-8")
    block = re.search(r"\n    location / \{\n.*?\n    \}\n", text, re.S)
    assert block, "docs/CONSOLE.md has no `location / {` block in its nginx example"
    return block.group(0).replace("127.0.0.1:8080", f"127.0.0.1:{port}")


@pytest.fixture
def proxied(tmp_path):
    if not Path(NGINX).exists():
        pytest.skip("nginx is not installed")
    database = f"sqlite:///{tmp_path / 'central.sqlite3'}"
    console = ConsoleProcess(tmp_path / "console", f"collector:\n  database: {database}\n")
    console.add_user("sari", "operator", "sari-password-1")
    console.start()
    cert, key = make_self_signed(tmp_path / "tls")
    port = free_port()
    (tmp_path / "tmp").mkdir()
    conf = tmp_path / "nginx.conf"
    conf.write_text(
        ("user root;\n" if os.geteuid() == 0 else "")
        + f"worker_processes 1;\npid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\n"
        "events { worker_connections 64; }\nhttp {\n"
        f"  client_body_temp_path {tmp_path}/tmp/body; proxy_temp_path {tmp_path}/tmp/proxy;\n"
        f"  fastcgi_temp_path {tmp_path}/tmp/f; uwsgi_temp_path {tmp_path}/tmp/u;\n"
        f"  scgi_temp_path {tmp_path}/tmp/s; access_log off;\n"
        f"  server {{\n    listen 127.0.0.1:{port} ssl;\n"
        f"    ssl_certificate {cert}; ssl_certificate_key {key};\n"
        + documented_location(console.port)
        + "  }\n}\n"
    )
    nginx = subprocess.Popen(
        [NGINX, "-p", str(tmp_path), "-c", str(conf), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        wait_for_port(port, up=True)
        yield console, f"https://127.0.0.1:{port}", cert, database
    finally:
        nginx.terminate()
        nginx.wait(10)
        console.stop()


def test_through_nginx_cookies_are_secure_and_the_address_is_nginxs(proxied):
    _console, url, cert, database = proxied
    http = requests.Session()
    http.trust_env = False  # else $REQUESTS_CA_BUNDLE wins over the session's own `verify`
    http.verify = str(cert)
    form = http.get(url + "/login", timeout=10)
    assert "; secure" in form.headers["set-cookie"].lower()
    token = re.search(r'name="csrf" value="([^"]+)"', form.text).group(1)
    # A client naming another address does not move its failures to that address.
    bad = http.post(url + "/login", headers={"X-Forwarded-For": SPOOFED}, timeout=10,
                    data={"csrf": token, "user": "sari", "password": "wrong-password"})  # fmt: skip
    assert bad.status_code == 401
    token = re.search(r'name="csrf" value="([^"]+)"', bad.text).group(1)
    login = {"csrf": token, "user": "sari", "password": "sari-password-1"}
    good = http.post(url + "/login", data=login, timeout=10, allow_redirects=False)
    assert good.status_code == 303
    assert "; secure" in good.headers["set-cookie"].lower()
    assert "httponly" in good.headers["set-cookie"].lower()
    assert http.get(url + "/", timeout=10).status_code == 200
    engine = open_engine(database)
    try:
        with engine.connect() as connection:
            details = list(
                connection.scalars(
                    select(audit.c.detail).where(audit.c.action.in_(("login", "login-failed")))
                )
            )
    finally:
        engine.dispose()
    assert len(details) == 2
    assert all('"address": "127.0.0.1"' in d for d in details), details
    assert not any(SPOOFED in d for d in details)
