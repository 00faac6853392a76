"""What an admin adds to an operator: the audit log and the accounts page, where one is disabled."""

from __future__ import annotations

import re
import subprocess

import pytest
import requests

from tests.fixtures.console import ConsoleProcess
from tests.fixtures.player import VIDEOTRON

PASSWORDS = {"ana": "admin-password-1", "sari": "operator-password-1", "budi": "viewer-password-1"}
ROLES = {"ana": "admin", "sari": "operator", "budi": "viewer"}


@pytest.fixture
def console(tmp_path):
    console = ConsoleProcess(
        tmp_path / "console", f"collector:\n  database: sqlite:///{tmp_path / 'c.sqlite3'}\n"
    )
    for name, role in ROLES.items():
        console.add_user(name, role, PASSWORDS[name])
    console.start()
    try:
        yield console
    finally:
        console.stop()


def try_login(console: ConsoleProcess, name: str) -> tuple[requests.Session, requests.Response]:
    http = requests.Session()
    form = http.get(console.url + "/login", timeout=20).text
    token = re.search(r'name="csrf" value="([^"]+)"', form).group(1)
    page = http.post(
        console.url + "/login",
        data={"csrf": token, "next": "/", "user": name, "password": PASSWORDS[name]},
        timeout=20,
    )
    return http, page


def log_in(console: ConsoleProcess, name: str) -> tuple[requests.Session, str]:
    """A logged-in HTTP session and its CSRF token (from the logout form on every page)."""
    http, page = try_login(console, name)
    assert 'id="logout"' in page.text, page.text[-1500:]
    return http, re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)


def test_an_operator_gets_403_on_the_admin_pages_and_sees_no_link_to_them(console):
    http, csrf = log_in(console, "sari")
    assert 'href="/audit"' not in http.get(console.url + "/", timeout=20).text
    for path in ("/audit", "/accounts"):
        assert http.get(console.url + path, timeout=20).status_code == 403, path
    refused = http.post(console.url + "/accounts/budi/disable", data={"csrf": csrf}, timeout=20)
    assert refused.status_code == 403
    log_in(console, "budi")  # still open


def test_an_admin_reads_the_audit_log_and_disables_an_account(console):
    viewer, _ = log_in(console, "budi")
    http, csrf = log_in(console, "ana")
    assert 'href="/accounts"' in http.get(console.url + "/", timeout=20).text
    audit = http.get(console.url + "/audit", timeout=20)
    assert audit.status_code == 200 and "login" in audit.text and "budi" in audit.text
    page = http.get(console.url + "/accounts", timeout=20).text
    for name, role in ROLES.items():
        assert re.search(
            rf'id="account-{name}" data-disabled="no"><td>{name}</td><td>{role}<', page
        )
    assert 'id="disable-ana"' not in page  # not one's own
    # Each account's last login (sari has never logged in); "disable" is no primary button.
    last = dict(re.findall(r'id="account-(\w+)".*?class="last-login">([^<]+)<', page))
    assert last["sari"] == "belum pernah" and re.fullmatch(
        r"\d{4}-\d\d-\d\d \d\d:\d\d", last["budi"]
    )
    assert 'class="button secondary" id="disable-budi"' in page
    done = http.post(console.url + "/accounts/budi/disable", data={"csrf": csrf}, timeout=20)
    assert done.status_code == 200 and 'id="notice"' in done.text
    assert 'id="account-budi" data-disabled="yes"' in done.text
    # Its open session ends at once and its password no longer opens it.
    assert viewer.get(console.url + "/", timeout=20, allow_redirects=False).status_code == 303
    assert try_login(console, "budi")[1].status_code == 401
    assert "user-disabled" in http.get(console.url + "/audit", timeout=20).text
    # Without the CSRF token, or for oneself, nothing changes.
    assert http.post(console.url + "/accounts/sari/disable", timeout=20).status_code == 403
    own = http.post(console.url + "/accounts/ana/disable", data={"csrf": csrf}, timeout=20)
    assert own.status_code == 200 and 'id="account-ana" data-disabled="no"' in own.text
    # add-user on the server opens it again.
    console.add_user("budi", "viewer", PASSWORDS["budi"])
    log_in(console, "budi")


def test_add_user_on_a_new_database_answers_in_one_line(tmp_path):
    config = tmp_path / "central.yaml"
    config.write_text(f"collector:\n  database: sqlite:///{tmp_path / 'new.sqlite3'}\n")
    result = subprocess.run(
        [*VIDEOTRON, "--config", str(config), "console", "add-user", "wati", "--role", "viewer"],
        input="viewer-password-9\n", capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("added wati (viewer)")
    assert "INFO" not in result.stderr and "alembic" not in result.stderr, result.stderr
