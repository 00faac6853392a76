"""Proof of play as the office hands it to partners: the table, its totals and its CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest

from central.console import reports
from central.db import csvfile, queries

JAKARTA = ZoneInfo("Asia/Jakarta")  # UTC+7: a local day starts at 17:00 UTC the day before
MAY1, MAY2, MAY3 = dt.date(2024, 5, 1), dt.date(2024, 5, 2), dt.date(2024, 5, 3)


def utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


@pytest.fixture
def played(fleet):
    """Three screens' plays around Jakarta's midnights, through the collector's ingest."""
    fleet.plays("layar-sudirman", [
        ("psa-banjir", utc("2024-05-01T16:59:50"), 10.0),  # 23:59:50 WIB, May 1
        ("psa-banjir", utc("2024-05-01T17:00:00"), 10.0),  # 00:00:00 WIB, May 2
        ("psa-banjir", utc("2024-05-01T17:00:10"), 10.0),
        ("=HYPERLINK(\"x\")", utc("2024-05-01T17:00:20"), 7.5),
        ("berita-pagi", utc("2024-05-02T01:00:00"), 30.0),  # 08:00 WIB, May 2
    ])  # fmt: skip
    fleet.plays("layar-thamrin-é", [
        ("psa-banjir", utc("2024-05-01T16:00:00"), 12.25),  # 23:00 WIB, May 1
        ("berita-pagi", utc("2024-05-02T16:59:59"), 30.0),  # 23:59:59 WIB, May 2
        ("berita-pagi", utc("2024-05-02T17:00:00"), 30.0),  # 00:00 WIB, May 3: outside
    ])  # fmt: skip
    fleet.plays("layar-plaza", [("psa-banjir", utc("2024-05-01T18:00:00"), 10.0)], group="plaza")
    # The same batch again (a lost ack): counted once.
    assert fleet.resend("layar-plaza").plays_repeated == 1
    return fleet


def table(fleet, first=MAY1, last=MAY2, group="lobby"):
    with fleet.engine.connect() as connection:
        return queries.plays_per_item(connection, first, last, tz=JAKARTA, group=group)


def test_plays_fall_on_the_local_day_in_the_office_time_zone(played):
    rows = table(played)
    got = {(r["day"], r["player"], r["item"]): (r["plays"], r["seconds"]) for r in rows}
    assert got == {
        ("2024-05-01", "layar-sudirman", "psa-banjir"): (1, 10.0),
        ("2024-05-01", "layar-thamrin-é", "psa-banjir"): (1, 12.2),
        ("2024-05-02", "layar-sudirman", "psa-banjir"): (2, 20.0),
        ("2024-05-02", "layar-sudirman", '=HYPERLINK("x")'): (1, 7.5),
        ("2024-05-02", "layar-sudirman", "berita-pagi"): (1, 30.0),
        ("2024-05-02", "layar-thamrin-é", "berita-pagi"): (1, 30.0),
    }
    assert [r["day"] for r in rows] == sorted(r["day"] for r in rows)


def test_a_group_or_all_groups(played):
    plaza = table(played, group="plaza")
    assert [(r["day"], r["player"], r["plays"]) for r in plaza] == [
        ("2024-05-02", "layar-plaza", 1)
    ]
    everything = table(played, last=MAY3, group=None)
    assert reports.grand_total(everything) == {
        "plays": 9, "seconds": 149.7, "screens": 3, "items": 3,
    }  # fmt: skip


def test_item_totals_and_chart_series_add_up_the_table(played):
    rows = table(played)
    totals = reports.item_totals(rows)
    assert totals == [
        {"item": "berita-pagi", "plays": 2, "seconds": 60.0, "screens": 2, "days": 1},
        {"item": "psa-banjir", "plays": 4, "seconds": 42.2, "screens": 2, "days": 2},
        {"item": '=HYPERLINK("x")', "plays": 1, "seconds": 7.5, "screens": 1, "days": 1},
    ]
    series = reports.chart_series(rows, MAY1, MAY3)
    assert series["days"] == ["2024-05-01", "2024-05-02", "2024-05-03"]
    assert series["items"] == [t["item"] for t in totals]
    assert series["seconds"] == [t["seconds"] for t in totals]
    assert series["daily"]["psa-banjir"] == [22.2, 20.0, 0.0]
    assert sum(series["plays"]) == reports.grand_total(rows)["plays"]


def test_the_csv_has_the_table_s_numbers_and_opens_in_excel(played):
    rows = table(played)
    data = csvfile.plays_csv(rows)
    assert data.startswith(b"\xef\xbb\xbf")  # Excel reads UTF-8 only with the mark
    assert b"\r\n" in data
    parsed = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert list(parsed[0]) == list(csvfile.PLAYS_COLUMNS)
    assert len(parsed) == len(rows)
    for line, row in zip(parsed, rows, strict=True):
        assert line["day"] == row["day"]
        assert line["screen"] == row["player"]
        assert int(line["plays"]) == row["plays"]
        assert float(line["seconds"]) == row["seconds"]
        assert float(line["completed_share"]) == row["completed_share"]
    # A formula-looking item id stays text in a spreadsheet.
    assert '\'=HYPERLINK("x")' in [line["item"] for line in parsed]
    assert "layar-thamrin-é" in {line["screen"] for line in parsed}
    totals = {t["item"]: t["plays"] for t in reports.item_totals(rows)}
    assert sum(int(line["plays"]) for line in parsed) == sum(totals.values())


def test_the_indonesian_excel_form_uses_semicolons_and_decimal_commas(played):
    rows = table(played)
    data = csvfile.plays_csv(rows, csvfile.EXCEL_ID)
    assert data.startswith(b"\xef\xbb\xbf") and b"\r\n" in data
    text = data.decode("utf-8-sig")
    assert text.splitlines()[0] == ";".join(csvfile.PLAYS_COLUMNS)
    parsed = list(csv.DictReader(io.StringIO(text, newline=""), delimiter=";"))
    assert len(parsed) == len(rows)
    for line, row in zip(parsed, rows, strict=True):
        assert line["seconds"] == f"{row['seconds']:.1f}".replace(".", ",")
        assert float(line["completed_share"].replace(",", ".")) == row["completed_share"]
        assert "." not in line["seconds"] + line["completed_share"]
    assert '\'=HYPERLINK("x")' in [line["item"] for line in parsed]
    # The plain form for scripts is unchanged; a table's floats follow the form too.
    assert csvfile.plays_csv(rows) == csvfile.plays_csv(rows, csvfile.PLAIN)
    uptime = [{"day": "2024-05-01", "player": "a;b", "online_seconds": 3600, "share": 0.75}]
    columns = ("day", "player", "online_seconds", "share")
    assert csvfile.table_csv(columns, uptime, csvfile.EXCEL_ID).decode("utf-8-sig") == (
        'day;player;online_seconds;share\r\n2024-05-01;"a;b";3600;0,75\r\n'
    )
    assert csvfile.table_csv(columns, uptime).decode("utf-8-sig").endswith(",3600,0.75\r\n")


def test_an_empty_range_gives_a_header_only_csv_and_bad_ranges_say_why(played):
    rows = table(played, first=dt.date(2023, 1, 1), last=dt.date(2023, 1, 31))
    assert rows == []
    assert csvfile.plays_csv(rows).decode("utf-8-sig") == ",".join(csvfile.PLAYS_COLUMNS) + "\r\n"
    with pytest.raises(ValueError, match="before"):
        table(played, first=MAY2, last=MAY1)
    with pytest.raises(ValueError, match="at most 366 days"):
        table(played, first=dt.date(2023, 1, 1), last=dt.date(2024, 12, 31))


def test_the_download_name_is_safe():
    name = reports.csv_filename(MAY1, MAY2, "lobby")
    assert name == "proof-of-play_lobby_2024-05-01_2024-05-02.csv"
    assert reports.csv_filename(MAY1, MAY1) == "proof-of-play_all_2024-05-01_2024-05-01.csv"
    assert "/" not in reports.csv_filename(MAY1, MAY1, "../x y")
    assert reports.csv_filename(MAY1, MAY1, "Kota 漢").isascii()
