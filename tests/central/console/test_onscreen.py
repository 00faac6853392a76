"""What each screen showed in a window: the console's page and CSV, and `videotron report`."""

from __future__ import annotations

import datetime as dt
import html
from zoneinfo import ZoneInfo

from central.console.pages.plays import onscreen_data, parse_window
from central.db.database import open_engine, upgrade
from tests.central.console.conftest import Fleet
from tests.central.console.test_one_answer import PASSWORD, logged_in, rows_of, run
from tests.fixtures.console import ConsoleProcess

JAKARTA = ZoneInfo("Asia/Jakarta")
# 14:00 in Jakarta is 07:00 UTC: the flood alert came on at 14:30 and went at 14:45.
FLOOD = dt.datetime(2024, 5, 1, 7, 30)


def flood_afternoon(fleet: Fleet) -> None:
    for screen, group in (("layar-1", "bogor"), ("layar-2", "bogor"), ("layar-3", "depok")):
        before, after = FLOOD - dt.timedelta(seconds=20), FLOOD + dt.timedelta(minutes=16)
        fleet.plays(screen, [("psa-banjir", before, 20.0), ("berita", after, 30.0)], group=group)
        fleet.alerts(screen, [("banjir-bogor", FLOOD, 900.0)], group=group)
    # Before the window (13:00 in Jakarta): not listed.
    fleet.plays("layar-1", [("pagi", FLOOD - dt.timedelta(hours=1, minutes=30), 10.0)],
                group="bogor")  # fmt: skip


def test_the_window_lists_each_screen_with_its_plays_and_alerts(engine):
    fleet = Fleet(engine)
    flood_afternoon(fleet)
    window = (dt.date(2024, 5, 1), dt.time(14), dt.time(16))
    with engine.connect() as connection:
        data = onscreen_data(connection, window, group="bogor", zone=JAKARTA, groups=["bogor"])
    assert [s["screen"] for s in data["screens"]] == ["layar-1", "layar-2"]
    first = data["screens"][0]
    assert [(r["kind"], r["item"], r["start"]) for r in first["rows"]] == [
        ("play", "psa-banjir", "2024-05-01 14:29:40.000"),
        ("alert", "banjir-bogor", "2024-05-01 14:30:00.000"),
        ("play", "berita", "2024-05-01 14:46:00.000"),
    ]
    assert (first["alerts"], first["alert_seconds"]) == (1, 900.0)


def test_a_bad_window_falls_back_and_says_so():
    today = dt.date(2024, 5, 1)
    assert parse_window({"day": "kemarin"}, today)[-1] == "bad date"
    day, start, end, group, error = parse_window({"from": "09:30", "group": " bogor "}, today)
    assert (day, start, end, group, error) == (today, dt.time(9, 30), dt.time(16), "bogor", None)


def test_the_console_page_and_csv_and_the_report_give_one_answer(tmp_path):
    database = f"sqlite:///{tmp_path / 'central.sqlite3'}"
    engine = open_engine(database)
    upgrade(engine)
    flood_afternoon(Fleet(engine))
    engine.dispose()
    console = ConsoleProcess(tmp_path / "console", f"collector:\n  database: {database}\n")
    console.add_user("wati", "viewer", PASSWORD)
    console.start()
    query = "day=2024-05-01&from=14:00&to=16:00&group=bogor"
    try:
        http = logged_in(console, "wati")
        page = http.get(console.url + "/plays/onscreen?" + query, timeout=30)
        download = http.get(console.url + "/plays/onscreen.csv?" + query, timeout=30)
        assert http.get(console.url + "/plays", timeout=30).text.count("/plays/onscreen") == 1
    finally:
        console.stop()
    assert page.status_code == 200, page.text
    text = html.unescape(page.text)
    assert text.count('class="card screen-timeline"') == 2
    assert "layar-3" not in text and "pagi" not in text
    assert "Peringatan banjir-bogor" in text and "2024-05-01 14:30:00.000" in text
    assert download.status_code == 200, download.text
    assert "on-screen_bogor_2024-05-01_1400-1600.csv" in download.headers["content-disposition"]
    report = run(
        "--config", str(console.config), "report", "onscreen", "--day", "2024-05-01",
        "--from", "14:00", "--to", "16:00", "--group", "bogor", "--csv",
    ).stdout  # fmt: skip
    assert report == download.content  # the office zone (Asia/Jakarta) unless --tz says
    rows = rows_of(report)
    alerts = [row for row in rows if row["kind"] == "alert"]
    assert [(r["screen"], r["start"], r["end"], r["seconds"]) for r in alerts] == [
        ("layar-1", "2024-05-01 14:30:00.000", "2024-05-01 14:45:00.000", "900.000"),
        ("layar-2", "2024-05-01 14:30:00.000", "2024-05-01 14:45:00.000", "900.000"),
    ]
    assert alerts[0]["started_at"] == "2024-05-01T07:30:00Z"
    assert alerts[0]["alert_version"] == "2024-05-01T07:29:00Z"
    printed = run("--config", str(console.config), "report", "onscreen", "--day", "2024-05-01",
                  "--from", "14:00", "--to", "16:00", "--tz", "UTC").stdout.decode()  # fmt: skip
    assert "nothing in this range" in printed  # 14:00-16:00 UTC is after the flood
