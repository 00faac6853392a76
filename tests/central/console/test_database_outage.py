"""The console with its database away, with real processes: PostgreSQL stopped and started
again, the SQLite file's disk full and freed. Pages answer 503 in Indonesian with a
Retry-After, the log says once that the outage started and once that it ended, no
traceback; a login that cannot record its session logs nobody in."""

from __future__ import annotations

import pytest
import requests
from sqlalchemy import func, select

from central.db.database import open_engine
from central.db.schema import console_sessions
from tests.central.test_collector_faults import fill, small_disk
from tests.fixtures.collector import wait_until
from tests.fixtures.console import ConsoleProcess

PASSWORD = "the-right-password"
UNREACHABLE = "console: database unreachable ("
REFUSES_WRITES = "console: database refuses writes ("


def log_in(url: str) -> requests.Response:
    return requests.post(
        url + "/login",
        data={"csrf": "same-token", "user": "ana", "password": PASSWORD},
        cookies={"vt_login": "same-token"},  # the login form's double-submit token
        allow_redirects=False,
        timeout=60,
    )


def signed_in(url: str) -> requests.Session:
    answer = log_in(url)
    assert answer.status_code == 303, answer.text
    browser = requests.Session()
    browser.cookies.set("vt_session", answer.cookies["vt_session"])
    return browser


def wait_for_status(browser: requests.Session, url: str, status: int) -> requests.Response:
    """Ask for `url` until it answers `status` (60 s at most); that answer."""
    answers: list[requests.Response] = []

    def answered() -> bool:
        answers.append(browser.get(url, allow_redirects=False, timeout=60))
        return answers[-1].status_code == status

    wait_until(answered, 60, f"{url} answering {status} (last: {answers[-1:]})")
    return answers[-1]


def session_count(engine) -> int:
    with engine.connect() as connection:
        return connection.scalar(select(func.count()).select_from(console_sessions))


def assert_unavailable_page(answer: requests.Response, words: str) -> None:
    assert answer.status_code == 503
    assert answer.headers["Retry-After"] == "10"
    assert words in answer.text, answer.text
    assert "Traceback" not in answer.text


def test_postgresql_stopped_pages_answer_503_and_come_back_by_themselves(postgres, tmp_path):
    console = ConsoleProcess(tmp_path / "console", f"collector:\n  database: {postgres.url}\n")
    console.add_user("ana", "operator", PASSWORD)
    console.start()
    try:
        browser = signed_in(console.url)
        assert browser.get(console.url + "/", timeout=60).status_code == 200
        postgres.stop()
        page = wait_for_status(browser, console.url + "/", 503)
        assert_unavailable_page(page, "Konsol tidak dapat menghubungi basis datanya")
        assert '<meta http-equiv="refresh" content="10">' in page.text
        for path in ("/fleet/body", "/plays", "/alerts", "/"):  # what the fleet page polls too
            assert_unavailable_page(browser.get(console.url + path, timeout=60), "basis data")
        refused = log_in(console.url)
        assert_unavailable_page(refused, "Sesi tidak dapat dicatat, jadi Anda belum masuk.")
        assert "vt_session" not in refused.cookies
        english = browser.get(console.url + "/", cookies={"vt_lang": "en"}, timeout=60)
        assert_unavailable_page(english, "The console cannot reach its database right now.")
        down_log = console.tail()
        assert down_log.count(UNREACHABLE) == 1, down_log
        assert "answering 503 until it is back" in down_log
        assert "Traceback" not in down_log and "Exception in ASGI" not in down_log, down_log

        postgres.start()
        wait_for_status(browser, console.url + "/", 200)
        assert browser.get(console.url + "/fleet/body", timeout=60).status_code == 200
        assert log_in(console.url).status_code == 303
        wait_until(lambda: "console: database reachable again after" in console.tail(), 30,
                   "the console saying the database is back")  # fmt: skip
        assert console.tail().count(UNREACHABLE) == 1
        assert "Traceback" not in console.tail()
    finally:
        console.stop()


@pytest.mark.slow
def test_with_the_disk_full_a_login_answers_503_and_logs_nobody_in(tmp_path):
    with small_disk(tmp_path / "disk", "16m") as disk:
        url = f"sqlite:///{disk / 'central.sqlite3'}"
        console = ConsoleProcess(tmp_path / "console", f"collector:\n  database: {url}\n")
        console.add_user("ana", "operator", PASSWORD)
        console.start()
        engine = open_engine(url)
        try:
            browser = signed_in(console.url)
            with engine.connect() as connection:
                # An empty write-ahead log: the next write needs new space on the disk.
                connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            before = session_count(engine)
            filler = fill(disk)
            refused = log_in(console.url)
            assert_unavailable_page(refused, "Sesi tidak dapat dicatat, jadi Anda belum masuk.")
            assert "Basis data tidak dapat menyimpan apa pun saat ini" in refused.text
            assert "vt_session" not in refused.cookies
            assert session_count(engine) == before
            # Reading goes on: the signed-in operator still sees the fleet.
            assert browser.get(console.url + "/", timeout=60).status_code == 200
            assert log_in(console.url).status_code == 503
            full_log = console.tail()
            assert full_log.count(REFUSES_WRITES) == 1, full_log
            assert "disk is full" in full_log
            assert "Traceback" not in full_log, full_log

            filler.unlink()
            wait_until(lambda: log_in(console.url).status_code == 303, 60,
                       "a login once there is room")  # fmt: skip
            assert session_count(engine) == before + 1
            wait_until(lambda: "console: database writable again after" in console.tail(), 30,
                       "the console saying the database writes again")  # fmt: skip
            assert console.tail().count(REFUSES_WRITES) == 1
            assert "Traceback" not in console.tail()
        finally:
            console.stop()
            engine.dispose()


def test_the_fleet_page_keeps_its_last_view_and_says_offline_while_the_database_is_away(
    postgres, tmp_path
):
    from selenium.webdriver.support.ui import WebDriverWait

    from tests.fixtures.console import make_browser

    console = ConsoleProcess(tmp_path / "console", f"collector:\n  database: {postgres.url}\n")
    console.add_user("ana", "operator", PASSWORD)
    console.start()
    browser = make_browser()
    try:
        browser.get(console.url + "/login")
        browser.find_element("id", "user").send_keys("ana")
        browser.find_element("id", "password").send_keys(PASSWORD)
        browser.find_element("id", "login").click()
        WebDriverWait(browser, 30).until(lambda b: b.find_elements("id", "fleet"))
        offline = browser.find_element("id", "offline")
        assert not offline.is_displayed()
        postgres.stop()
        # Taken once the server is down: no poll can change the view after this.
        shown = browser.find_element("id", "fleet").get_attribute("innerHTML")
        assert shown.strip()
        # The script polls every 5 s: the next poll answers 503.
        WebDriverWait(browser, 30).until(lambda b: offline.is_displayed())
        assert "basis data tidak terjangkau" in offline.text
        assert browser.find_element("id", "fleet").get_attribute("innerHTML") == shown
        postgres.start()
        WebDriverWait(browser, 60).until(lambda b: not offline.is_displayed())
        assert browser.find_element("id", "fleet").get_attribute("innerHTML").strip()
    finally:
        browser.quit()
        console.stop()
