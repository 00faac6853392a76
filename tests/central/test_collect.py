"""The collector with real players and a real broker: every play stored exactly once.

Players play short items and report over mosquitto; the collector goes away, the broker
restarts, the database stops taking writes; afterwards each player's plays are in the
database exactly once, and whatever is not is still in the player's own store.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import time

import pytest
from PIL import Image
from sqlalchemy import func, select

from central.collector import queries
from central.collector.schema import plays
from tests.fixtures.collector import CollectorProcess, Screen, wait_until
from tests.fixtures.content import publish_tree, write_key
from tests.fixtures.mosquitto import Mosquitto
from tests.fixtures.player import near, screen_color, videotron

SHORT_ITEMS = [
    {"id": "red", "type": "image", "color": [200, 0, 0], "size": [64, 36], "duration": 1},
    {"id": "blue", "type": "image", "color": [0, 0, 200], "size": [64, 36], "duration": 1},
]


def database_url(kind: str, tmp_path, request) -> str:
    if kind == "sqlite":
        return f"sqlite:///{tmp_path / 'office' / 'central.sqlite3'}"
    return request.getfixturevalue("postgres").url


def acked(screen: Screen, timeout: float = 60) -> None:
    screen.wait_for(
        "a first ack", lambda s: bool((s.get("report") or {}).get("last_ack_at")), timeout
    )


def drained(screen: Screen, timeout: float = 60) -> None:
    screen.wait_for(
        "the backlog acknowledged",
        lambda s: (s.get("report") or {}).get("pending", 99) <= 1,
        timeout,
    )


def assert_exactly_once(collector: CollectorProcess, screen: Screen) -> int:
    """Stored once each, and none lost: stored + still pending = every id ever given out."""
    store, pending, last = screen.store()
    stored = collector.record_ids(screen.id, store)
    assert len(stored) == len(set(stored)), "a play was stored twice"
    missing = set(range(1, last + 1)) - set(stored) - set(pending)
    assert not missing, f"{screen.id}: plays lost: {sorted(missing)}"
    assert len(set(stored) | set(pending)) == last
    return len(stored)


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_every_play_is_stored_once_across_collector_and_broker_restarts(kind, tmp_path, request):
    url = database_url(kind, tmp_path, request)
    key_path, public_key = write_key(tmp_path / "keys" / "publisher.key")
    site = tmp_path / "site"
    publish_tree(site, SHORT_ITEMS, key_path)
    (tmp_path / "broker").mkdir()
    broker = Mosquitto(tmp_path / "broker", persistence=True)
    broker.start()
    collector = CollectorProcess(tmp_path / "office", broker.url, url)
    screens = [
        Screen(tmp_path / f"screen-{n}", f"screen-{n}", site, public_key, broker.url)
        for n in (1, 2)
    ]
    try:
        for screen in screens:
            screen.start()
        for screen in screens:  # before any collector: the broker acks, nobody keeps them
            screen.wait_for(
                "plays kept", lambda s: (s.get("report") or {}).get("pending", 0) >= 3, 60
            )
        collector.start()
        for screen in screens:
            acked(screen)
        collector.stop()
        away_from = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        time.sleep(3)
        broker.stop()
        time.sleep(1)
        broker.start()
        time.sleep(2)
        for screen in screens:  # nothing acknowledged them: they keep every play
            assert screen.report()["pending"] >= 3, screen.report()
        away_until = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        collector.start()
        for screen in screens:
            drained(screen)
    finally:
        for screen in screens:
            if screen.proc is not None:
                assert screen.stop() == 0, screen.logs.read_text()[-2000:]
        collector.stop()
        broker.stop()
    try:
        for screen in screens:
            assert assert_exactly_once(collector, screen) >= 6
        with collector.engine().connect() as connection:
            while_away = connection.scalar(
                select(func.count())
                .select_from(plays)
                .where(plays.c.started_at >= away_from, plays.c.started_at < away_until)
            )
        assert while_away >= 2 * 3  # played while nobody listened, stored afterwards
    finally:
        collector.close()


def test_while_the_database_refuses_writes_nothing_is_acknowledged_or_lost(postgres, tmp_path):
    key_path, public_key = write_key(tmp_path / "keys" / "publisher.key")
    site = tmp_path / "site"
    publish_tree(site, SHORT_ITEMS, key_path)
    (tmp_path / "broker").mkdir()
    broker = Mosquitto(tmp_path / "broker")
    broker.start()
    collector = CollectorProcess(tmp_path / "office", broker.url, postgres.url)
    screen = Screen(tmp_path / "screen", "screen-1", site, public_key, broker.url)
    try:
        collector.start()
        screen.start()
        acked(screen)
        postgres.stop()
        collector.wait_log("refuses writes", 30)
        last_ack = screen.report()["last_ack_at"]
        screen.wait_for("plays piling up", lambda s: s["report"]["pending"] >= 6, 30)
        assert screen.report()["last_ack_at"] == last_ack  # no ack without a commit
        postgres.start()
        collector.wait_log("database writable again", 30)
        drained(screen)
    finally:
        if screen.proc is not None:
            assert screen.stop() == 0, screen.logs.read_text()[-2000:]
        collector.stop()
        broker.stop()
    try:
        assert assert_exactly_once(collector, screen) >= 6
    finally:
        collector.close()


def test_a_screenshot_command_lands_in_the_database_as_the_screen_shows_it(mosquitto, tmp_path):
    key_path, public_key = write_key(tmp_path / "keys" / "publisher.key")
    site = tmp_path / "site"
    items = [
        {"id": "poster", "type": "image", "color": [0, 160, 60], "size": [64, 36],
         "duration": 600},
    ]  # fmt: skip
    publish_tree(site, items, key_path)
    url = f"sqlite:///{tmp_path / 'office' / 'central.sqlite3'}"
    collector = CollectorProcess(tmp_path / "office", mosquitto.url, url, key=key_path)
    screen = Screen(tmp_path / "screen", "screen-1", site, public_key, mosquitto.url)
    try:
        collector.start()
        screen.start()
        screen.wait_item("poster", 60)
        screen.wait_for("MQTT up", lambda s: s.get("mqtt", {}).get("state") == "connected", 30)
        videotron("--config", str(collector.config), "command", "screen-1", "screenshot")
        asked = time.monotonic()

        def landed():
            with collector.engine().connect() as connection:
                return queries.latest_screenshot(connection, "screen-1")

        wait_until(lambda: landed() is not None, 10, "the screenshot in the database")
        assert time.monotonic() - asked < 10
        taken_at, item, jpeg = landed()
        local = screen_color(screen.config, tmp_path / "local.png")
    finally:
        if screen.proc is not None:
            screen.stop()
        collector.close()
    assert item == "poster"
    assert abs(taken_at - dt.datetime.now(dt.UTC).replace(tzinfo=None)) < dt.timedelta(minutes=1)
    with Image.open(io.BytesIO(jpeg)) as shot:
        assert shot.format == "JPEG" and shot.size == (320, 180)
        centre = shot.convert("RGB").getpixel((160, 90))
    assert near(centre, local, tolerance=24), (centre, local)
    assert near(centre, (0, 160, 60), tolerance=24)
    assert len(base64.b64encode(jpeg)) < 300 * 1024
