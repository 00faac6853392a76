"""The console on SQLite: the fleet page with 1,000 and 10,000 screens, a month's proof of play.

`python -m bench.bench_console [--quick] [--fleet]` (`--fleet`: the fleet pages alone)

A fresh SQLite database is filled directly (not through MQTT): 1,000 screens with a
status of the size players send, one online period and a few errors each, and a month
of plays for 100 of them (one play a minute, 18 hours a day: 3.2 million rows), with the
sums the collector keeps beside them: per UTC hour (`play_hours`) and per local day in
the office's zone (`play_days`). The proof of play is measured from each (the hourly one
by dropping the day sums' zone, as when the report's zone is not the office's). The
pages are requested through the real application (ASGI, with a logged-in session) in
this process, without a network in between; each figure is the median of several runs.
The fleet page of 10,000 screens is measured on a database of its own holding the
screens only (their plays do not enter the page).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import delete, insert

from central.config import CentralConfig, ConsoleSettings, MqttSettings
from central.console import accounts
from central.console.app import create_app
from central.db import queries
from central.db.database import open_engine, upgrade
from central.db.rollup import add_plays, keep_days_in
from central.db.schema import errors, online_periods, play_day_zone, plays, screens

GOAL_FLEET_MS = 300.0
GOAL_LARGE_FLEET_MS = 500.0
LARGE_FLEET = 10_000
GOAL_PLAYS_MS = 1000.0
NOW = dt.datetime(2026, 12, 1, 12, 0, 0)
ZONE = ZoneInfo("Asia/Jakarta")


def _status(n: int) -> str:
    return json.dumps({
        "online": True, "player": f"screen-{n:04d}", "group": f"group-{n % 20}",
        "version": "0.1.0", "ts": NOW.isoformat() + "Z", "uptime": 1000.0,
        "current": {"item": f"item-{n % 7}", "type": "image", "kind": "item",
                    "playlist": "main", "since": NOW.isoformat() + "Z"},
        "alert": None, "screen": "on", "manifest_sequence": 1714550400,
        "sync": {"state": "idle", "last_result": "ok", "last_ok_at": NOW.isoformat() + "Z"},
        "cache": {"used_bytes": 123456789, "max_bytes": 8000000000, "files": 42},
        "config_errors": [], "report": {"pending": 0, "dropped": 0}, "errors": [],
        "health": {"healthy": True, "reason": None},
    })  # fmt: skip


def fill(engine, screen_count: int, playing: int, days: int) -> int:
    """The database as the collector would have left it; returns the number of plays."""
    with engine.begin() as connection:
        connection.execute(insert(screens), [
            {"player": f"screen-{n:04d}", "group": f"group-{n % 20}", "version": "0.1.0",
             "first_seen": NOW - dt.timedelta(days=days), "last_seen": NOW,
             "online": n % 10 != 0, "online_since": NOW - dt.timedelta(hours=n % 48),
             "offline_reason": None if n % 10 else "connection lost", "status": _status(n),
             "dropped": 0}
            for n in range(screen_count)
        ])  # fmt: skip
        connection.execute(insert(online_periods), [
            {"player": f"screen-{n:04d}", "started_at": NOW - dt.timedelta(days=days),
             "ended_at": None, "end_reason": None}
            for n in range(screen_count)
        ])  # fmt: skip
        connection.execute(insert(errors), [
            {"player": f"screen-{n:04d}", "first_at": NOW - dt.timedelta(hours=n % 30),
             "last_at": NOW - dt.timedelta(hours=n % 30), "level": "error", "where": "sync",
             "message": "cannot reach the source", "count": 3}
            for n in range(0, screen_count, 3)
        ])  # fmt: skip
    total = 0
    start = NOW.replace(hour=0) - dt.timedelta(days=days)
    for player in range(playing):
        rows = []
        for day in range(days):
            opening = start + dt.timedelta(days=day, hours=-7 + 6)  # 06:00 in Jakarta
            for minute in range(18 * 60):
                began = opening + dt.timedelta(minutes=minute)
                rows.append({
                    "player": f"screen-{player:04d}", "store": "s1", "record_id": len(rows) + 1,
                    "group": f"group-{player % 20}", "item_id": f"item-{minute % 12}",
                    "media": None, "playlist": "main", "started_at": began,
                    "ended_at": began + dt.timedelta(seconds=59), "duration": 59.0,
                    "completed": True, "received_at": began,
                })  # fmt: skip
        with engine.begin() as connection:
            connection.execute(insert(plays), rows)
            add_plays(connection, rows)  # the sums the collector keeps with its plays
        total += len(rows)
    return total


async def _get(app, path: str, cookie: str) -> tuple[int, bytes]:
    """One GET through the ASGI application, as uvicorn would call it."""
    target, _, query = path.partition("?")
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
        "scheme": "http", "path": target, "raw_path": target.encode(),
        "query_string": query.encode(), "root_path": "",
        "headers": [(b"host", b"127.0.0.1"), (b"cookie", cookie.encode())],
        "client": ("127.0.0.1", 40000), "server": ("127.0.0.1", 8080), "app": app,
    }  # fmt: skip
    body, status = [], []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        if message["type"] == "http.response.start":
            status.append(message["status"])
        elif message["type"] == "http.response.body":
            body.append(message.get("body", b""))

    await app(scope, receive, send)
    return status[0], b"".join(body)


def timed(function, repeat: int) -> float:
    """Median milliseconds of `repeat` calls."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


class Console:
    """The console application over `engine`, with a logged-in viewer: `page(path)` asks it."""

    def __init__(self, engine, folder: Path) -> None:
        with engine.begin() as connection:
            accounts.add_user(connection, "bench", "viewer", "bench-password", NOW)
        token, _ = accounts.log_in(
            engine, "bench", "bench-password", "::1", NOW, checks=accounts.PasswordChecks(1)
        )
        config = CentralConfig(folder / "central.yaml", MqttSettings(),
                               console=ConsoleSettings(timezone=ZONE.key))  # fmt: skip
        self.app = create_app(config, engine, clock=lambda: NOW)
        self.cookie = f"vt_session={token}"
        self.loop = asyncio.new_event_loop()

    def page(self, path: str) -> None:
        status, body = self.loop.run_until_complete(_get(self.app, path, self.cookie))
        assert status == 200 and len(body) > 1000, (path, status)

    def close(self) -> None:
        self.loop.close()


def fleet_page_ms(screen_count: int, repeat: int) -> float:
    """Median milliseconds of the fleet page over a database holding `screen_count` screens."""
    with tempfile.TemporaryDirectory(prefix="bench-console-fleet-") as folder:
        engine = open_engine(f"sqlite:///{Path(folder) / 'central.sqlite3'}")
        try:
            upgrade(engine)
            fill(engine, screen_count, 0, 30)
            console = Console(engine, Path(folder))
            try:
                return timed(lambda: console.page("/"), repeat)
            finally:
                console.close()
        finally:
            engine.dispose()


def large_fleet(smoke: bool = False) -> dict:
    screen_count = 50 if smoke else LARGE_FLEET
    large_ms = fleet_page_ms(screen_count, 3 if smoke else 5)
    return {"name": f"console fleet page, {screen_count} screens (SQLite)",
            "value": round(large_ms, 1), "unit": "ms", "goal": f"< {GOAL_LARGE_FLEET_MS:g}",
            "ok": large_ms < GOAL_LARGE_FLEET_MS}  # fmt: skip


def run(quick: bool = False, smoke: bool = False, fleet_only: bool = False) -> list[dict]:
    if fleet_only:
        small_ms = fleet_page_ms(1000, 5)
        return [
            {"name": "console fleet page, 1000 screens (SQLite)", "value": round(small_ms, 1),
             "unit": "ms", "goal": f"< {GOAL_FLEET_MS:g}", "ok": small_ms < GOAL_FLEET_MS},
            large_fleet(),
        ]  # fmt: skip
    screen_count, playing, days = (
        (20, 2, 3) if smoke else (200, 10, 30) if quick else (1000, 100, 30)
    )
    with tempfile.TemporaryDirectory(prefix="bench-console-") as folder:
        url = f"sqlite:///{Path(folder) / 'central.sqlite3'}"
        engine = open_engine(url)
        try:
            upgrade(engine)
            with engine.begin() as connection:
                keep_days_in(connection, ZONE)  # as the collector does at its start
            started = time.perf_counter()
            count = fill(engine, screen_count, playing, days)
            fill_s = time.perf_counter() - started
            console = Console(engine, Path(folder))
            try:
                fleet_ms = timed(lambda: console.page("/"), 5)
                first = (NOW - dt.timedelta(days=days - 1)).date()
                span = f"?from={first}&to={NOW.date()}"
                daily_page_ms = timed(lambda: console.page("/plays" + span), 3)
                results = {}

                def query() -> None:
                    with engine.connect() as connection:
                        results[len(results)] = queries.plays_per_item(
                            connection, first, NOW.date(), tz=ZONE
                        )

                daily_ms = timed(query, 3)
                with engine.begin() as connection:  # the reports fall back to the hours
                    connection.execute(delete(play_day_zone))
                hourly_ms = timed(query, 3)
                hourly_page_ms = timed(lambda: console.page("/plays" + span), 3)
                assert results[0] == results[len(results) - 1], "the two designs disagree"
            finally:
                console.close()
        finally:
            engine.dispose()
    label = f"{screen_count} screens"
    month = f"{days} days x {playing} screens, {count} plays"
    return [
        {"name": f"console fleet page, {label} (SQLite)", "value": round(fleet_ms, 1),
         "unit": "ms", "goal": f"< {GOAL_FLEET_MS:g}", "ok": fleet_ms < GOAL_FLEET_MS},
        large_fleet(smoke),
        {"name": f"console proof-of-play query, {month}, daily sums", "value": round(daily_ms, 1),
         "unit": "ms", "goal": f"< {GOAL_PLAYS_MS:g}", "ok": daily_ms < GOAL_PLAYS_MS},
        {"name": "console proof-of-play query, the same from hourly sums",
         "value": round(hourly_ms, 1), "unit": "ms", "goal": f"< {GOAL_PLAYS_MS:g}",
         "ok": hourly_ms < GOAL_PLAYS_MS},
        {"name": "console proof-of-play query, hourly / daily", "value": round(
            hourly_ms / daily_ms, 1), "unit": "x", "goal": "-", "ok": True},
        {"name": "console proof-of-play page (query + table + chart), daily sums",
         "value": round(daily_page_ms, 1), "unit": "ms", "goal": "-", "ok": True},
        {"name": "console proof-of-play page, hourly sums",
         "value": round(hourly_page_ms, 1), "unit": "ms", "goal": "-", "ok": True},
        {"name": "console bench: filling the database (reference)", "value": round(fill_s, 1),
         "unit": "s", "goal": "-", "ok": True},
    ]  # fmt: skip


def main() -> int:
    for row in run(quick="--quick" in sys.argv, fleet_only="--fleet" in sys.argv):
        verdict = "ok" if row["ok"] else "NO"
        print(f"{row['name']:<60} {row['value']:>9} {row['unit']:<3} {row['goal']:<7} {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
