"""The hourly play sums: kept exactly once with the plays, and a report from them equals one
from the plays themselves, in every zone."""

from __future__ import annotations

import datetime as dt
import json
import random
from zoneinfo import ZoneInfo

import pytest
from alembic import command
from sqlalchemy import func, insert, select

from central.db import queries, rollup
from central.db.database import alembic_config, open_engine, upgrade
from central.db.rollup import hour_of
from central.db.schema import play_days, play_hours, plays
from central.db.store import Recorder, Report

T0 = dt.datetime(2024, 3, 29, 12, 0)  # Europe/Berlin changes to summer time on the 31st


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'central.sqlite3'}"
    return request.getfixturevalue("postgres").url


def expected(connection, first, last, tz, group=None):
    """The report computed in Python from every stored play."""
    sums: dict[tuple, list] = {}
    for row in connection.execute(select(plays)):
        local = row.started_at.replace(tzinfo=dt.UTC).astimezone(tz).date()
        if not first <= local <= last or (group is not None and row.group != group):
            continue
        entry = sums.setdefault((local.isoformat(), row.player, row.item_id), [0, 0.0, 0])
        entry[0] += 1
        entry[1] += row.duration
        entry[2] += bool(row.completed)
    return [
        {"day": day, "player": player, "item": item, "plays": n, "seconds": round(s, 1),
         "completed_share": round(c / n, 3)}
        for (day, player, item), (n, s, c) in sorted(sums.items())
    ]  # fmt: skip


def batch(player, store, ids, rng, group):
    records = []
    for n in ids:
        start = T0 + dt.timedelta(seconds=rng.randrange(0, 4 * 86400))
        seconds = rng.choice([5.0, 10.0, 12.5, 30.0])
        records.append({
            "id": n, "item_id": rng.choice(["psa", "berita", "iklan-layanan"]),
            "started_at": start.isoformat() + "Z",
            "ended_at": (start + dt.timedelta(seconds=seconds)).isoformat() + "Z",
            "duration": seconds, "completed": rng.random() < 0.9,
        })  # fmt: skip
    body = {"player": player, "group": group, "store": store, "batch": f"b{ids[0]}",
            "records": records}  # fmt: skip
    return json.dumps(body).encode()


@pytest.mark.parametrize("zone", ["Asia/Jakarta", "Europe/Berlin", "Asia/Kolkata", "UTC"])
def test_reports_from_hourly_sums_equal_reports_from_the_plays(url, zone):
    engine = open_engine(url)
    upgrade(engine)
    rng = random.Random(7)
    recorder = Recorder()
    try:
        for player, group in (("p1", "lobby"), ("p2", "lobby"), ("p3", None)):
            sent = [batch(player, "s1", list(range(n, n + 50)), rng, group) for n in (1, 51, 101)]
            for reports in ([sent[0]], [sent[1], sent[1]], [sent[0], sent[2]], [sent[2]]):
                at = T0 + dt.timedelta(days=5)
                with engine.begin() as connection:
                    recorder.write(connection, [Report(player, "pop", r, at) for r in reports])
        tz = ZoneInfo(zone)
        first, last = dt.date(2024, 3, 29), dt.date(2024, 4, 3)
        with engine.connect() as connection:
            assert connection.scalar(select(func.count()).select_from(plays)) == 450
            assert connection.scalar(select(func.sum(play_hours.c.plays))) == 450
            for group in (None, "lobby"):
                got = queries.plays_per_item(connection, first, last, tz=tz, group=group)
                assert got == expected(connection, first, last, tz, group)
                assert sum(r["plays"] for r in got) == (450 if group is None else 300)
    finally:
        engine.dispose()


def test_the_migration_sums_the_plays_already_stored(url):
    engine = open_engine(url)
    config = alembic_config()
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "0002")
        edge = dt.datetime(2024, 5, 1, 16, 59, 59, 999999)  # the last instant of an hour
        rows = [
            {"player": "p1", "store": "s", "record_id": n, "group": group, "item_id": item,
             "media": None, "playlist": "main", "started_at": start,
             "ended_at": start + dt.timedelta(seconds=10), "duration": 10.0,
             "completed": n != 2, "received_at": start}
            for n, (start, item, group) in enumerate([
                (edge, "psa", "lobby"), (edge + dt.timedelta(microseconds=1), "psa", "lobby"),
                (edge - dt.timedelta(minutes=30), "psa", "lobby"), (edge, "psa", None),
            ], start=1)
        ]  # fmt: skip
        with engine.begin() as connection:
            connection.execute(insert(plays), rows)
        upgrade(engine)
        with engine.connect() as connection:
            got = {
                (r.hour, r.group, r.item_id): (r.plays, r.seconds, r.completed)
                for r in connection.execute(select(play_hours))
            }
            assert got == {
                (hour_of(edge), "lobby", "psa"): (2, 20.0, 2),
                (hour_of(edge) + 1, "lobby", "psa"): (1, 10.0, 0),
                (hour_of(edge), "", "psa"): (1, 10.0, 1),
            }
            wib = ZoneInfo("Asia/Jakarta")  # 17:00 UTC is midnight: the edge is a day apart
            report = queries.plays_per_item(connection, edge.date(), edge.date() + dt.timedelta(1),
                                            tz=wib)  # fmt: skip
            assert [(r["day"], r["plays"]) for r in report] == [
                ("2024-05-01", 3), ("2024-05-02", 1),
            ]  # fmt: skip
    finally:
        engine.dispose()


@pytest.mark.parametrize("zone", ["Asia/Jakarta", "Europe/Berlin", "Asia/Kolkata"])
def test_reports_from_daily_sums_equal_reports_from_the_plays(url, zone):
    """Day sums rebuilt from the plays at the collector's start, then kept with new plays;
    a report in another zone reads the hourly sums (or the plays) and is right too."""
    engine = open_engine(url)
    upgrade(engine)
    rng = random.Random(11)
    recorder = Recorder()
    tz = ZoneInfo(zone)
    first, last = dt.date(2024, 3, 29), dt.date(2024, 4, 3)
    at = T0 + dt.timedelta(days=5)

    def send(player, group, ids):
        with engine.begin() as connection:
            recorder.write(connection, [Report(player, "pop", batch(player, "s1", ids, rng,
                                                                    group), at)])  # fmt: skip

    try:
        send("p1", "lobby", list(range(1, 101)))
        send("p3", None, list(range(1, 51)))
        with engine.begin() as connection:
            assert rollup.keep_days_in(connection, tz)  # the plays before: rebuilt
            assert not rollup.keep_days_in(connection, tz)  # the same zone: kept as it is
        send("p1", "lobby", list(range(51, 151)))  # half of them repeats
        send("p2", "lobby", list(range(1, 101)))
        with engine.connect() as connection:
            assert connection.scalar(select(func.sum(play_days.c.plays))) == 300
            for report_zone in (tz, ZoneInfo("Asia/Jayapura"), ZoneInfo("Asia/Kathmandu")):
                for group in (None, "lobby"):
                    got = queries.plays_per_item(connection, first, last, tz=report_zone,
                                                 group=group)  # fmt: skip
                    assert got == expected(connection, first, last, report_zone, group)
                    assert sum(r["plays"] for r in got) == (300 if group is None else 250)
        with engine.begin() as connection:  # the office moved: the days follow
            assert rollup.keep_days_in(connection, ZoneInfo("Asia/Makassar"))
        send("p3", None, list(range(51, 61)))
        with engine.connect() as connection:
            assert rollup.day_zone(connection) == "Asia/Makassar"
            wita = ZoneInfo("Asia/Makassar")
            got = queries.plays_per_item(connection, first, last, tz=wita)
            assert got == expected(connection, first, last, wita)
            assert connection.scalar(select(func.sum(play_days.c.plays))) == 310
    finally:
        engine.dispose()
