"""Each console page speaks one language: no English or command-line wording on an
Indonesian page, and English counts that agree with their number."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import requests

from central.db.database import open_engine
from tests.central.console.conftest import Fleet
from tests.fixtures.console import ConsoleProcess
from tests.fixtures.content import publish_tree, write_key

PASSWORD = "operator-password-1"


@pytest.fixture
def console(tmp_path):
    database = f"sqlite:///{tmp_path / 'c.sqlite3'}"
    key, _ = write_key(tmp_path / "publisher.key")
    site = tmp_path / "site" / "lobby"
    items = [{"id": "psa-banjir", "type": "text", "text": "Awas banjir", "duration": 8}]
    publish_tree(site, items, key, group="lobby")
    console = ConsoleProcess(
        tmp_path / "console",
        f"collector:\n  database: {database}\n"
        f"publish:\n  key: {tmp_path / 'publisher.key'}\n  groups:\n    lobby: {site}\n",
    )
    console.add_user("sari", "operator", PASSWORD)
    engine = open_engine(database)
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    errors = [
        {"at": (now - dt.timedelta(minutes=m)).isoformat() + "Z", "level": level,
         "where": "sync", "message": f"fault number {m}", "count": 1}
        for m, level in ((1, "WARNING"), (2, "ERROR"))
    ]  # fmt: skip
    Fleet(engine).status("layar-1", now, group="lobby", errors=errors)
    Fleet(engine).status("layar-2", now, group="lobby", alert="cap-banjir")
    Fleet(engine).screenshot("layar-2", now, None)  # during the alert: no item on screen
    Fleet(engine).screenshot("layar-1", now, "psa-banjir")
    engine.dispose()
    console.start()
    try:
        yield console
    finally:
        console.stop()


def log_in(console: ConsoleProcess, language: str) -> requests.Session:
    http = requests.Session()
    http.cookies.set("vt_lang", language)
    form = http.get(console.url + "/login", timeout=20).text
    token = re.search(r'name="csrf" value="([^"]+)"', form).group(1)
    page = http.post(
        console.url + "/login",
        data={"csrf": token, "next": "/", "user": "sari", "password": PASSWORD},
        timeout=20,
    )
    assert 'id="logout"' in page.text, page.text[-1500:]
    return http


def test_the_indonesian_pages_hold_no_english_or_command_line_words(console):
    http = log_in(console, "id")
    fleet = http.get(console.url + "/", timeout=20).text
    assert "2 / 24 jam" in fleet and "/ 24h" not in fleet
    screen = http.get(console.url + "/screen/layar-1", timeout=20).text
    assert ">peringatan</td>" in screen and ">galat</td>" in screen
    assert "WARNING" not in screen and "ERROR" not in screen
    backwards = http.get(console.url + "/plays?from=2026-12-07&to=2026-11-01", timeout=20).text
    found = re.search(r'id="range-error">([^<]+)<', backwards)
    assert found and found.group(1) == "Tanggal akhir 2026-11-01 sebelum tanggal awal 2026-12-07."
    too_long = http.get(console.url + "/plays?from=2024-01-01&to=2026-11-01", timeout=20).text
    assert "Paling banyak 366 hari per laporan; bagi rentangnya." in too_long
    assert "--from" not in backwards + too_long and "split the range" not in too_long
    csv = http.get(console.url + "/plays.csv?from=2026-12-07&to=2026-11-01", timeout=20)
    assert csv.status_code == 400 and "--to" not in csv.text


def test_an_english_count_of_one_is_singular(console):
    http = log_in(console, "en")
    content = http.get(console.url + "/content", timeout=20).text
    assert ">2 hours</a>" in content
    alerts = http.get(console.url + "/alerts", timeout=20).text
    assert ">1 hour</option>" in alerts and ">24 hours</option>" in alerts
    assert "1 hours" not in alerts


def test_the_content_page_says_its_now_is_a_prediction_and_shows_a_reported_alert(console):
    page = log_in(console, "en").get(console.url + "/content", timeout=20).text
    found = re.search(r'id="reported-alert-lobby">(.+?)</p>', page)
    assert found, page[-3000:]
    assert "alert on screen: cap-banjir" in found.group(1)
    assert "reported by 1 of 2 screens online" in found.group(1)
    assert "By the schedule, now: <b>psa-banjir</b>" in page and "(under the alert)" in page
    indonesian = log_in(console, "id").get(console.url + "/content", timeout=20).text
    assert "peringatan di layar: cap-banjir" in indonesian
    assert "Menurut jadwal, sekarang" in indonesian


def test_a_screenshot_caption_names_the_item_and_leaves_no_dangling_dot(console):
    http = log_in(console, "en")
    during_alert = http.get(console.url + "/screen/layar-2", timeout=20).text
    (caption,) = re.findall(r"<figcaption>([^<]*)</figcaption>", during_alert)
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", caption), caption
    playing = http.get(console.url + "/screen/layar-1", timeout=20).text
    (caption,) = re.findall(r"<figcaption>([^<]*)</figcaption>", playing)
    assert caption.endswith(" · psa-banjir")
