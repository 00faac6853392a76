"""The collector with real players and a real broker: every play stored exactly once.

Players play short items and report over mosquitto; the collector goes away, the broker
restarts, the database stops taking writes; afterwards each player's plays are in the
database exactly once, and whatever is not is still in the player's own store.
"""

from __future__ import annotations

import base64
import csv
import datetime as dt
import io
import subprocess
import time

import pytest
from PIL import Image
from sqlalchemy import func, select

from central.db import queries
from central.db.schema import brightness_spans, plays
from tests.fixtures.collector import PREFIX, CollectorProcess, Screen, wait_until
from tests.fixtures.content import publish_tree, write_key
from tests.fixtures.mosquitto import Mosquitto, MqttProbe
from tests.fixtures.player import VIDEOTRON, near, screen_color, videotron

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


def mqtt_state(screen: Screen) -> str | None:
    return (screen.status().get("mqtt") or {}).get("state")


def wait_for_a_resend(probe: MqttProbe, screen: Screen, since: int, timeout: float = 30) -> None:
    """Until the probe has seen the screen send the same plays twice, both after message
    `since`: the first send got no ack within report.ack_timeout, so it was not committed.
    """
    topic = f"{PREFIX}/player/{screen.id}/pop"

    def resent() -> bool:
        firsts = [m.json()["records"][0]["id"] for m in probe.messages[since:] if m.topic == topic]
        return len(firsts) != len(set(firsts))

    wait_until(resent, timeout, f"{screen.id} sending a batch again for want of an ack")


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
        highest = {screen.id: screen.store()[2] for screen in screens}
        for screen in screens:
            wait_until(
                lambda s=screen: s.store()[2] >= highest[s.id] + 3, 60, "three plays while away"
            )
        broker.stop()
        for screen in screens:
            screen.wait_for("the broker lost", lambda _, s=screen: mqtt_state(s) != "connected", 30)
        broker.start()
        for screen in screens:
            screen.wait_for("the broker back", lambda _, s=screen: mqtt_state(s) == "connected", 60)
        for screen in screens:  # nothing acknowledged them: they keep every play
            screen.wait_for(
                "plays kept while the collector is away",
                lambda s: (s.get("report") or {}).get("pending", 0) >= 3,
                30,
            )
        away_until = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        collector.start()
        # The broker kept the collector's session (and its queue) across its own restart.
        assert "test-collector (resumed session)" in collector.tail()
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
        # The office's report adds up to the same plays.
        today = dt.datetime.now(dt.UTC).date()
        report = videotron(
            "--config", str(collector.config), "report", "plays",
            "--from", str(today - dt.timedelta(days=1)), "--to", str(today), "--csv",
        )  # fmt: skip
        rows = list(csv.DictReader(io.StringIO(report.stdout.removeprefix("\ufeff"))))
        assert sum(int(row["plays"]) for row in rows) == collector.play_count()
        assert {row["item"] for row in rows} == {"red", "blue"}
        assert {row["screen"] for row in rows} == {"screen-1", "screen-2"}
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
    probe = MqttProbe(broker)
    try:
        collector.start()
        probe.subscribe(f"{PREFIX}/player/{screen.id}/pop")
        screen.start()
        acked(screen)
        postgres.stop()
        collector.wait_log("refuses writes", 30)
        # Not an ack sent just before the failure, still on its way to the player.
        wait_for_a_resend(probe, screen, len(probe.messages))
        last_ack = screen.report()["last_ack_at"]
        screen.wait_for(
            "plays piling up", lambda s: (s.get("report") or {}).get("pending", 0) >= 6, 30
        )
        assert screen.report()["last_ack_at"] == last_ack  # no ack without a commit
        postgres.start()
        collector.wait_log("database writable again", 30)
        drained(screen)
    finally:
        probe.close()
        if screen.proc is not None:
            assert screen.stop() == 0, screen.logs.read_text()[-2000:]
        collector.stop()
        broker.stop()
    try:
        assert assert_exactly_once(collector, screen) >= 6
    finally:
        collector.close()


def test_with_the_sqlite_disk_full_nothing_is_acknowledged_or_lost(mosquitto, tmp_path):
    """A full disk, made real with a file-size limit of one byte on the running collector."""
    key_path, public_key = write_key(tmp_path / "keys" / "publisher.key")
    site = tmp_path / "site"
    publish_tree(site, SHORT_ITEMS, key_path)
    url = f"sqlite:///{tmp_path / 'office' / 'central.sqlite3'}"
    collector = CollectorProcess(tmp_path / "office", mosquitto.url, url)
    screen = Screen(tmp_path / "screen", "screen-1", site, public_key, mosquitto.url)
    probe = MqttProbe(mosquitto)
    try:
        collector.start()
        probe.subscribe(f"{PREFIX}/player/{screen.id}/pop")
        screen.start()
        acked(screen)
        limit = ["prlimit", f"--pid={collector.proc.pid}"]
        subprocess.run([*limit, "--fsize=1:unlimited"], check=True, timeout=10)
        collector.wait_log("refuses writes", 30)
        # Not an ack sent just before the failure, still on its way to the player.
        wait_for_a_resend(probe, screen, len(probe.messages))
        last_ack = screen.report()["last_ack_at"]
        screen.wait_for(
            "plays piling up", lambda s: (s.get("report") or {}).get("pending", 0) >= 6, 30
        )
        assert screen.report()["last_ack_at"] == last_ack  # no ack without a commit
        subprocess.run([*limit, "--fsize=unlimited"], check=True, timeout=10)
        collector.wait_log("database writable again", 30)
        drained(screen)
    finally:
        probe.close()
        if screen.proc is not None:
            assert screen.stop() == 0, screen.logs.read_text()[-2000:]
        collector.stop()
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
        saved = videotron(
            "--config", str(collector.config), "report", "screenshot", "screen-1",
            "--out", str(tmp_path / "office.jpg"),
        )  # fmt: skip
        assert "showing poster" in saved.stdout
        assert (tmp_path / "office.jpg").read_bytes() == jpeg
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


def test_a_change_of_brightness_is_stored_as_a_span_and_reported_by_hour(mosquitto, tmp_path):
    """The keeper's change becomes a span in the player's store, travels in a batch, is
    acknowledged, lands in the office database and answers `report brightness`."""
    from player.config.model import Config
    from player.led.keeper import BrightnessKeeper
    from player.led.software import SoftwareDimmer
    from player.push.popstore import PopStore
    from player.service.board import StatusBoard
    from tests.led.test_keeper import manifest
    from tests.push.runner import PushRunner, push_config

    collector = CollectorProcess(
        tmp_path / "office", mosquitto.url, f"sqlite:///{tmp_path / 'central.sqlite3'}"
    )
    store = PopStore(tmp_path / "pop.sqlite3", max_records=100)
    start = dt.datetime(2026, 12, 7, 8, 0, tzinfo=dt.UTC)
    keeper = BrightnessKeeper(Config(), StatusBoard(), SoftwareDimmer(),
                              record_span=store.record_brightness)  # fmt: skip
    keeper.tick(start.timestamp())  # no plan yet: the site's ceiling, 100%
    keeper.set_manifest(manifest({"steps": [{"at": "00:00", "level": 30}]}))
    keeper.tick((start + dt.timedelta(minutes=45)).timestamp())
    try:
        collector.start()
        with PushRunner(push_config(mosquitto.url, player_id="lobby-b"), pop=store) as runner:
            runner.wait_connected()
            wait_until(lambda: store.stats()["pending_brightness"] == 0, 30, "the span acked")
        with collector.engine().connect() as connection:
            rows = connection.execute(select(brightness_spans)).all()
        assert [(r.player, r.level, r.source, r.via, r.started_at, r.ended_at) for r in rows] == [
            ("lobby-b", 100, "none", "software", dt.datetime(2026, 12, 7, 8, 0),
             dt.datetime(2026, 12, 7, 8, 45)),
        ]  # fmt: skip
        report = subprocess.run(
            [*VIDEOTRON, "--config", str(collector.config), "report", "brightness",
             "--screen", "lobby-b", "--day", "2026-12-07", "--tz", "UTC", "--csv"],
            capture_output=True, text=True, timeout=60, check=True,
        )  # fmt: skip
        hours = list(csv.DictReader(io.StringIO(report.stdout)))
        assert hours[8]["level"] == "100.0" and hours[8]["recorded"] == "2700.0"
        assert hours[8]["spans"] == "100% none via software 2700s"
        assert hours[9]["level"] == ""  # the 30% span is still open: not yet recorded
    finally:
        collector.close()
        store.close()
