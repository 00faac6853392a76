"""The command line and the console give one answer: screens' states, the CSV, alerts sent.

`videotron report` runs as a subprocess on the same database the console reads; the alert
list is read from a running `videotron console`, after an alert sent from its form, one
sent with `videotron alert` and one that `videotron cap-watch` sent for a CAP file.
"""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import re
import subprocess
import time

import requests

from central.config import load_central_config
from central.console.pages.fleet import fleet_data
from central.db.database import open_engine, upgrade
from tests.central.cap_files import BOGOR, area, cap, info, square
from tests.central.cap_watch import CapWatchProcess, central_yaml
from tests.central.console.conftest import Fleet
from tests.fixtures.console import ConsoleProcess
from tests.fixtures.content import write_key
from tests.fixtures.player import VIDEOTRON

PASSWORD = "sandi-rahasia-1"


def run(*args: str) -> subprocess.CompletedProcess:
    """`videotron ARGS`, its output as bytes (the CSV is compared byte for byte)."""
    result = subprocess.run([*VIDEOTRON, *args], capture_output=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr.decode(errors="replace")
    return result


def naive_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def rows_of(data: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def logged_in(console: ConsoleProcess, user: str) -> requests.Session:
    """A requests session logged in to the console as `user`, reading English pages."""
    http = requests.Session()
    http.cookies.set("vt_lang", "en")
    form = http.get(console.url + "/login", timeout=10)
    token = re.search(r'name="csrf" value="([^"]+)"', form.text).group(1)
    answer = http.post(console.url + "/login", timeout=10, allow_redirects=False,
                       data={"csrf": token, "user": user, "password": PASSWORD})  # fmt: skip
    assert answer.status_code == 303, answer.text
    return http


def test_report_fleet_and_the_console_agree_on_a_stopped_screen(engine, tmp_path):
    fleet = Fleet(engine)
    now = naive_now()
    fleet.status("layar-jalan", now - dt.timedelta(seconds=30))
    # Stopped without a last will reaching the broker: its flag still says online.
    fleet.status("layar-mati", now - dt.timedelta(minutes=20))
    fleet.status("layar-padam", now - dt.timedelta(minutes=5), online=False)
    config = tmp_path / "central.yaml"
    url = engine.url.render_as_string(hide_password=False)
    config.write_text(f"collector:\n  database: {url}\n", encoding="utf-8")
    report = {row["player"]: row for row in
              rows_of(run("--config", str(config), "report", "fleet", "--csv").stdout)}  # fmt: skip
    with engine.connect() as connection:
        page = fleet_data(connection, load_central_config(config), naive_now())
    console = {screen["player"]: screen for screen in page["screens"]}
    expected = {"layar-jalan": "online", "layar-mati": "not reporting", "layar-padam": "offline"}
    assert {p: row["state"] for p, row in report.items()} == expected
    assert {p: screen["state"] for p, screen in console.items()} == expected
    for player, screen in console.items():
        since = screen["state_since"].isoformat(timespec="seconds") + "Z"
        assert report[player]["since"] == since, player
    assert page["counts"]["online"] == 1


def test_the_plays_csv_is_the_same_bytes_from_the_report_and_the_console(tmp_path):
    database = f"sqlite:///{tmp_path / 'central.sqlite3'}"
    engine = open_engine(database)
    upgrade(engine)
    day = dt.datetime(2024, 5, 1, 3, 0)
    fleet = Fleet(engine)
    fleet.plays("layar-1", [("psa-banjir", day, 10.0), ("psa-banjir", day, 12.5),
                            ('=HYPERLINK("http://x.invalid")', day, 7.25),
                            ("@SUM(A1)", day + dt.timedelta(days=1), 3.0)])  # fmt: skip
    fleet.plays("layar-2", [("-2+3", day, 5.0)])
    engine.dispose()
    console = ConsoleProcess(tmp_path / "console", f"collector:\n  database: {database}\n")
    console.add_user("wati", "viewer", PASSWORD)
    console.start()
    try:
        http = logged_in(console, "wati")
        download = http.get(console.url + "/plays.csv?from=2024-05-01&to=2024-05-02", timeout=30)
        assert download.status_code == 200, download.text
        page = http.get(console.url + "/plays?from=2024-05-01&to=2024-05-02", timeout=30).text
        link = html.unescape(re.search(r'id="csv-excel-id" href="([^"]+)"', page).group(1))
        excel = http.get(console.url + link, timeout=30)
        assert excel.status_code == 200, excel.text
    finally:
        console.stop()
    report = run("--config", str(console.config), "report", "plays", "--from", "2024-05-01",
                 "--to", "2024-05-02", "--tz", "Asia/Jakarta", "--csv").stdout  # fmt: skip
    assert report == download.content
    # The form Excel with Indonesian settings opens in columns: the same from both.
    excel_report = run("--config", str(console.config), "report", "plays", "--from",
                       "2024-05-01", "--to", "2024-05-02", "--tz", "Asia/Jakarta",
                       "--csv-excel-id").stdout  # fmt: skip
    assert excel_report == excel.content
    assert excel.content.decode("utf-8-sig").startswith("day;screen;item;plays;seconds;")
    assert ";22,5;" in excel.content.decode("utf-8-sig")
    rows = rows_of(report)
    assert list(rows[0]) == ["day", "screen", "item", "plays", "seconds", "completed_share"]
    items = {row["item"] for row in rows}
    assert items == {"psa-banjir", '\'=HYPERLINK("http://x.invalid")', "'@SUM(A1)", "'-2+3"}
    assert {row["seconds"] for row in rows if row["item"] == "psa-banjir"} == {"22.5"}


def test_alerts_from_the_console_the_command_line_and_cap_watch_are_listed(mosquitto, tmp_path):
    work = tmp_path / "office"
    work.mkdir()
    database = f"sqlite:///{work / 'central.sqlite3'}"
    key, _public = write_key(tmp_path / "keys" / "publisher.key")
    warnings = tmp_path / "cap"
    warnings.mkdir()
    config = central_yaml(
        tmp_path / "central.yaml", broker=mosquitto.url, key=key, database=database,
        sources=[f"folder: {warnings}"], work=work, poll=1,
        groups=f"    bogor:\n      location: '{BOGOR[0]},{BOGOR[1]}'\n",
    )  # fmt: skip
    engine = open_engine(database)
    upgrade(engine)
    Fleet(engine).status("layar-bogor", naive_now(), group="bogor")
    console = ConsoleProcess(tmp_path / "console", config.read_text(encoding="utf-8"))
    console.add_user("ani", "operator", PASSWORD)
    watcher = CapWatchProcess(config, work / "cap-status.json", work / "cap-watch.log")
    console.start()
    watcher.start()
    try:
        http = logged_in(console, "ani")
        page = http.get(console.url + "/alerts", timeout=10).text
        token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
        sent = http.post(console.url + "/alerts", timeout=30, allow_redirects=False, data={
            "csrf": token, "text": "Uji sirene pukul 10", "level": "info", "minutes": "30",
            "groups": "bogor"})  # fmt: skip
        assert sent.headers["location"] == "/alerts?notice=sent", console.tail()
        run("--config", str(config), "alert", "Jalan Pajajaran ditutup", "--group", "bogor",
            "--key", str(key), "--level", "warning", "--expires", "30m")  # fmt: skip
        now = dt.datetime.now(dt.UTC)
        (warnings / "CBT100.xml").write_bytes(cap("CBT100", [info(
            "Hujan lebat di Kota Bogor", [area("Kota Bogor", polygon=square(*BOGOR))],
            expires=now + dt.timedelta(hours=1))], sent=now))  # fmt: skip
        deadline = time.monotonic() + 30
        while "CBT100" not in (listing := http.get(console.url + "/alerts", timeout=10).text):
            assert time.monotonic() < deadline, watcher.output.read_text(errors="replace")
            time.sleep(0.2)
    finally:
        watcher_code = watcher.stop()
        console.stop()
        engine.dispose()
    assert watcher_code == 0
    articles = {}
    for block in re.findall(r"<article class=\"alert.*?</article>", listing, re.S):
        text = html.unescape(re.sub(r"<[^>]+>", " ", block))
        articles[" ".join(text.split())] = block
    expected = [
        ("Uji sirene pukul 10", "info", "console · ani"),
        ("Jalan Pajajaran ditutup", "warning", "command line · command line ("),
        ("Hujan lebat di Kota Bogor", "emergency", "CAP warning · cap-watch · CAP CBT100"),
    ]
    for text, level, source in expected:
        found = [words for words in articles if text in words]
        assert len(found) == 1, (text, list(articles))
        assert f'class="tag {level}"' in articles[found[0]], (text, articles[found[0]])
        assert source in found[0], (text, found[0])
