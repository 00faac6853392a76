"""Login limits under concurrency: guesses sent at once to the real console are counted first.

The console runs as its own uvicorn process on SQLite and on PostgreSQL; 50 wrong
passwords arrive together. Every password check leaves its outcome in the audit log
("login-failed"), every refusal too ("login-refused"), so the log counts the checks made.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from sqlalchemy import func, select

from central.console import accounts
from central.db.database import open_engine
from central.db.schema import audit
from tests.fixtures.console import ConsoleProcess

GUESSES = 50
PASSWORD = "the-right-password"


@pytest.fixture(params=["sqlite", "postgresql"])
def console(request, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'central.sqlite3'}"
    else:
        url = request.getfixturevalue("postgres").url
    console = ConsoleProcess(tmp_path / "console", f"collector:\n  database: {url}\n")
    console.add_user("ana", "operator", PASSWORD)
    console.start()
    engine = open_engine(url)
    try:
        yield console, engine
    finally:
        console.stop()
        engine.dispose()


def send_at_once(url: str, attempts: list[tuple[str, str, str]]) -> list[int]:
    """POST each (user, password, client address) login at the same moment; the statuses.
    The address goes in X-Forwarded-For, which the console believes from 127.0.0.1."""
    start = threading.Barrier(len(attempts))

    def one(attempt: tuple[str, str, str]) -> int:
        user, password, address = attempt
        start.wait(timeout=60)
        answer = requests.post(
            url + "/login",
            data={"csrf": "same-token", "user": user, "password": password},
            cookies={"vt_login": "same-token"},  # the login form's double-submit token
            headers={"X-Forwarded-For": address},
            allow_redirects=False,
            timeout=120,
        )
        return answer.status_code

    with ThreadPoolExecutor(len(attempts)) as pool:
        return list(pool.map(one, attempts))


def outcomes(engine) -> dict[str, int]:
    """How many of each login outcome the audit log holds."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(audit.c.action, func.count()).group_by(audit.c.action)
        ).all()
    return {action: count for action, count in rows}


def test_fifty_guesses_at_once_at_one_account_make_five_password_checks(console):
    process, engine = console
    # From as many addresses as guesses: only the account's own limit can hold them.
    guesses = [("ana", f"guess-{n}", f"10.1.0.{n + 1}") for n in range(GUESSES)]
    statuses = send_at_once(process.url, guesses)
    assert sorted(set(statuses)) == [401, 429], statuses  # wrong or resting, nothing broke
    counted = outcomes(engine)
    assert counted.get("login-failed") == accounts.MAX_FAILURES_PER_USER, counted
    assert counted.get("login-refused") == GUESSES - accounts.MAX_FAILURES_PER_USER, counted
    assert statuses.count(401) == accounts.MAX_FAILURES_PER_USER
    # The right password now waits too: a guesser cannot tell when it found it.
    assert send_at_once(process.url, [("ana", PASSWORD, "10.2.0.1")]) == [429]


def test_fifty_guesses_at_once_from_one_address_make_twenty_password_checks(console):
    process, engine = console
    # Each at another account: only the address's limit can hold them.
    guesses = [(f"user{n}", "wrong-password", "10.3.0.1") for n in range(GUESSES)]
    statuses = send_at_once(process.url, guesses)
    assert sorted(set(statuses)) == [401, 429], statuses
    counted = outcomes(engine)
    assert counted.get("login-failed") == accounts.MAX_FAILURES_PER_ADDRESS, counted
    assert counted.get("login-refused") == GUESSES - accounts.MAX_FAILURES_PER_ADDRESS, counted
    # Another place still gets in.
    assert send_at_once(process.url, [("ana", PASSWORD, "10.4.0.1")]) == [303]
