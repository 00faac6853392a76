"""The collector under faults, with real processes: a poisoned report among good ones, the
database stopped mid-flood, one of two collectors killed mid-flood, the broker restarted,
the office disk full.

Each test ends with the same proof: every play a screen ever recorded is in the database
exactly once or still in the screen's store, and no ack came while nothing could commit.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from central.db.schema import errors, play_days, play_hours, plays, screens
from player.push.popstore import PopStore
from tests.fixtures.collector import PREFIX, CollectorProcess, wait_until
from tests.fixtures.disk import fill, small_disk
from tests.fixtures.mosquitto import Mosquitto, MqttProbe
from tests.push.runner import PushRunner, push_config
from tests.push.test_push_link import play

ACKS = f"{PREFIX}/player/+/pop/ack"


def database_url(kind: str, tmp_path: Path, request) -> str:
    if kind == "sqlite":
        return f"sqlite:///{tmp_path / 'office' / 'central.sqlite3'}"
    return request.getfixturevalue("postgres").url


def status_body(player: str, **extra) -> dict:
    return {"online": True, "player": player, "group": "lobby", "version": "1.0",
            "ts": "2024-05-01T08:00:00Z", "current": {"item": "psa"}, **extra}  # fmt: skip


def refuse_screen(engine, player: str) -> None:
    """A trigger that makes the database itself refuse one screen: an error no bound foresees."""
    with engine.begin() as connection:
        if engine.dialect.name == "sqlite":
            connection.exec_driver_sql(
                f"CREATE TRIGGER poison BEFORE INSERT ON screens WHEN NEW.player = '{player}' "
                "BEGIN SELECT RAISE(ABORT, 'poisoned report'); END"
            )
        else:
            connection.exec_driver_sql(
                "CREATE FUNCTION refuse_poison() RETURNS trigger AS $$ BEGIN "
                f"IF NEW.player = '{player}' THEN RAISE EXCEPTION 'poisoned report'; END IF; "
                "RETURN NEW; END $$ LANGUAGE plpgsql"
            )
            connection.exec_driver_sql(
                "CREATE TRIGGER poison BEFORE INSERT ON screens "
                "FOR EACH ROW EXECUTE FUNCTION refuse_poison()"
            )


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_one_poisoned_report_sinks_no_other_screens_report(kind, mosquitto, tmp_path, request):
    collector = CollectorProcess(
        tmp_path / "office", mosquitto.url, database_url(kind, tmp_path, request)
    )
    probe = MqttProbe(mosquitto)
    try:
        collector.start()  # the schema, and the collector's session at the broker
        collector.stop()
        refuse_screen(collector.engine(), "poison")
        good = [f"screen-{n:02}" for n in range(60)]
        bad_plays = {"player": "screen-bad", "group": "lobby", "store": "s1", "batch": "b1",
                     "dropped": 0, "records": [
                         {"id": 1, "item_id": "psa", "media": None, "playlist": None,
                          "started_at": "2024-05-01T08:00:00Z", "ended_at": "2024-05-01T08:00:10Z",
                          "duration": 10.0, "completed": True},
                         {"id": 2**70, "item_id": "psa", "media": None, "playlist": None,
                          "started_at": "2024-05-01T08:00:10Z", "ended_at": "2024-05-01T08:00:20Z",
                          "duration": 10.0, "completed": True}]}  # fmt: skip
        # Queued at the broker while the collector is away: it gets them in one burst, so
        # the bad ones share a transaction with good ones.
        for n, player in enumerate(good):
            if n == 30:
                probe.publish(f"{PREFIX}/player/screen-bad/pop", bad_plays)
                huge = status_body("screen-bad", report={"dropped": 2**70})
                probe.publish(f"{PREFIX}/player/screen-bad/status", huge)
                probe.publish(f"{PREFIX}/player/poison/status", status_body("poison"))
            probe.publish(f"{PREFIX}/player/{player}/status", status_body(player))
        probe.subscribe(f"{PREFIX}/player/screen-bad/pop/ack")
        collector.start()
        collector.wait_log("screen-bad: unreadable play: records[1].id", 30)
        collector.wait_log("screen-bad: status refused, not stored: report.dropped", 30)
        collector.wait_log("poison: status report dropped: the database cannot store it", 30)
        # A report after the poisoned one still lands: the writer goes on.
        probe.publish(f"{PREFIX}/player/screen-late/status", status_body("screen-late"))

        def stored() -> set[str]:
            with collector.engine().connect() as connection:
                return set(connection.scalars(select(screens.c.player)))

        wait_until(lambda: "screen-late" in stored(), 30, "a report after the poisoned one")
        ack = probe.wait_for(lambda m: m.topic.endswith("/pop/ack"), 30)
    finally:
        probe.close()
        collector.stop()
    try:
        assert stored() == {*good, "screen-late", "screen-bad"}  # screen-bad: by its good play
        assert json.loads(ack.payload)["ids"] == [1]
        with collector.engine().connect() as connection:
            kept = dict(connection.execute(select(errors.c.player, errors.c.message)).all())
        assert "poisoned report" in kept["poison"] and "field: unknown" in kept["poison"]
        assert "report.dropped" in kept["screen-bad"] or "records[1].id" in kept["screen-bad"]
    finally:
        collector.close()


class Flood:
    """Screens (push clients with their own proof-of-play stores) recording and uploading."""

    def __init__(self, tmp_path: Path, broker_url: str, screens: int, plays: int) -> None:
        self.stores = [
            PopStore(tmp_path / f"pop-{n}.sqlite3", max_records=100_000) for n in range(screens)
        ]
        self.recorded = [0] * screens
        self.runners = [
            PushRunner(push_config(broker_url, player_id=f"lobby-{n}"), pop=store)
            for n, store in enumerate(self.stores)
        ]
        self.more(plays)

    def more(self, plays: int) -> None:
        for n, store in enumerate(self.stores):
            for _ in range(plays):
                self.recorded[n] += 1
                store.record(play(self.recorded[n]))

    def start(self) -> None:
        for runner in self.runners:
            runner.thread.start()

    def pending(self) -> int:
        return sum(store.stats()["pending"] for store in self.stores)

    def close(self) -> None:
        for runner in self.runners:
            if runner.thread.is_alive():
                runner.__exit__(None, None, None)
        for store in self.stores:
            store.close()

    def assert_exactly_once(self, collector: CollectorProcess) -> None:
        """Every play recorded is stored once; none waits any more (all were acked)."""
        for n, store in enumerate(self.stores):
            stored = collector.record_ids(f"lobby-{n}", store.store_id)
            assert len(stored) == len(set(stored)), f"lobby-{n}: a play stored twice"
            assert sorted(stored) == list(range(1, self.recorded[n] + 1)), f"lobby-{n}: lost"


def wait_for_a_resend(probe: MqttProbe, since: int, timeout: float = 30) -> int:
    """Until a screen sends the same plays twice after message `since` (the first send got
    no ack within its ack_timeout); the index of the message just after that resend."""

    def resent() -> int | None:
        firsts: set[tuple[str, int]] = set()
        for index, message in enumerate(probe.messages[since:], since):
            if message.topic.endswith("/pop"):
                key = (message.topic, json.loads(message.payload)["records"][0]["id"])
                if key in firsts:
                    return index + 1
                firsts.add(key)
        return None

    wait_until(lambda: resent() is not None, timeout, "a batch sent again for want of an ack")
    return resent()


def acked_ids(probe: MqttProbe, since: int = 0) -> set[tuple[str, int]]:
    return {
        (m.topic, i) for m in probe.messages[since:] if m.topic.endswith("/pop/ack")
        for i in json.loads(m.payload)["ids"]
    }  # fmt: skip


@pytest.mark.slow
def test_postgresql_stopped_for_30_s_mid_flood_loses_and_repeats_nothing(
    postgres, mosquitto, tmp_path
):
    collector = CollectorProcess(tmp_path / "office", mosquitto.url, postgres.url)
    acks = MqttProbe(mosquitto)
    flood = Flood(tmp_path, mosquitto.url, screens=4, plays=400)
    try:
        collector.start()
        acks.subscribe(ACKS)
        acks.subscribe(f"{PREFIX}/player/+/pop")
        flood.start()
        wait_until(lambda: collector.play_count() >= 200, 60, "the flood under way")
        postgres.stop()
        collector.wait_log("refuses writes", 30)
        down_since = time.monotonic()
        # Acks published just before the failure may still be on their way: from the
        # moment a screen sends a batch again for want of an ack, none may come.
        quiet_from = wait_for_a_resend(acks, len(acks.messages))
        pause = threading.Event()
        while time.monotonic() - down_since < 30:  # the outage lasts 30 s
            flood.more(5)  # the screens keep playing
            pause.wait(0.5)
        acked_while_down = acked_ids(acks, quiet_from)
        postgres.start()
        collector.wait_log("database writable again", 60)
        wait_until(lambda: flood.pending() == 0, 90, "every play acknowledged")
        flood.close()
        collector.stop()
        assert not acked_while_down, "acknowledged while the database was down"
        flood.assert_exactly_once(collector)
        # Every id ever acknowledged is stored (nothing acked before it was durable).
        assert len(acked_ids(acks)) == sum(flood.recorded)
    finally:
        acks.close()
        flood.close()
        collector.close()


def test_two_collectors_share_the_fleet_and_one_killed_mid_flood_loses_nothing(
    postgres, mosquitto, tmp_path
):
    """Two collectors on one shared subscription and one PostgreSQL; one is SIGKILLed while
    the screens flood: what it held uncommitted is sent again, and the other one stores it."""
    office = [
        CollectorProcess(tmp_path / f"office-{n}", mosquitto.url, postgres.url,
                         client_id=f"collector-{n}", share_group="office")
        for n in (1, 2)
    ]  # fmt: skip
    acks = MqttProbe(mosquitto)
    flood = Flood(tmp_path, mosquitto.url, screens=8, plays=100)
    try:
        for collector in office:
            collector.start()
        acks.subscribe(ACKS)
        flood.start()
        wait_until(lambda: office[0].play_count() >= 200, 30, "the flood under way")
        office[0].proc.kill()  # no goodbye: its session and what it had queued stay behind
        office[0].proc.wait(10)
        flood.more(40)  # the screens keep playing
        wait_until(lambda: flood.pending() == 0, 40, "every play acknowledged")
        flood.close()
        office[1].stop()
        flood.assert_exactly_once(office[1])
        # Every id ever acknowledged is stored (nothing acked before it was durable).
        assert len(acked_ids(acks)) == sum(flood.recorded)
        # The sums the reports read agree with the plays, screen by screen.
        with office[1].engine().connect() as connection:
            raw = dict(
                connection.execute(
                    select(plays.c.player, func.count()).group_by(plays.c.player)
                ).all()
            )
            for sums in (play_hours, play_days):
                summed = dict(
                    connection.execute(
                        select(sums.c.player, func.sum(sums.c.plays)).group_by(sums.c.player)
                    ).all()
                )
                assert summed == raw, sums.name
        assert raw == {f"lobby-{n}": count for n, count in enumerate(flood.recorded)}
    finally:
        acks.close()
        flood.close()
        for collector in office:
            collector.close()


class NotifySocket:
    """A $NOTIFY_SOCKET that keeps what the service tells systemd."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.messages: list[str] = []
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self._sock.bind(str(path))
        self._sock.settimeout(0.2)
        self._open = True
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        while self._open:
            with contextlib.suppress(TimeoutError, OSError):
                self.messages.extend(self._sock.recv(4096).decode().splitlines())

    def wait(self, prefix: str, timeout: float, *, start: int = 0) -> int:
        """The index of the first message from `start` on beginning with `prefix`."""
        deadline = time.monotonic() + timeout
        while True:
            for index, message in enumerate(self.messages[start:], start):
                if message.startswith(prefix):
                    return index
            if time.monotonic() > deadline:
                pytest.fail(f"no {prefix!r} within {timeout}s: {self.messages[-5:]}")
            time.sleep(0.05)

    def close(self) -> None:
        self._open = False
        self._thread.join(5)
        self._sock.close()


@pytest.mark.slow
def test_after_a_broker_restart_the_collector_reconnects_and_says_so(tmp_path):
    (tmp_path / "broker").mkdir()
    broker = Mosquitto(tmp_path / "broker", persistence=True)
    broker.start()
    collector = CollectorProcess(
        tmp_path / "office", broker.url, f"sqlite:///{tmp_path / 'office' / 'c.sqlite3'}"
    )
    notify = NotifySocket(tmp_path / "notify.sock")
    flood = Flood(tmp_path, broker.url, screens=2, plays=40)
    try:
        env = {**os.environ, "NOTIFY_SOCKET": str(notify.path)}
        collector.start(env=env)
        flood.start()
        wait_until(lambda: flood.pending() == 0, 60, "the first plays acknowledged")
        broker.stop()
        collector.wait_log("collector lost the broker", 30)
        lost = notify.wait("STATUS=waiting for the broker (lost it; reconnecting)", 30)
        flood.more(40)  # played while the broker is away
        broker.start()
        collector.wait_log("collector reconnected to", 60)
        notify.wait("STATUS=connected", 30, start=lost)
        wait_until(lambda: flood.pending() == 0, 60, "the later plays acknowledged")
        flood.close()
        collector.stop()
        assert "(resumed session) after" in collector.tail()
        flood.assert_exactly_once(collector)
    finally:
        flood.close()
        notify.close()
        collector.close()
        broker.stop()


@pytest.mark.slow
def test_with_the_office_disk_full_nothing_is_acknowledged_until_space_returns(mosquitto, tmp_path):
    with small_disk(tmp_path / "disk", "16m") as disk:
        collector = CollectorProcess(
            tmp_path / "office", mosquitto.url, f"sqlite:///{disk / 'central.sqlite3'}"
        )
        acks = MqttProbe(mosquitto)
        flood = Flood(tmp_path, mosquitto.url, screens=2, plays=40)
        try:
            collector.start()
            acks.subscribe(ACKS)
            acks.subscribe(f"{PREFIX}/player/+/pop")
            flood.start()
            wait_until(lambda: flood.pending() == 0, 60, "the first plays acknowledged")
            filler = fill(disk)
            deadline = time.monotonic() + 60
            while "refuses writes" not in collector.tail():  # until the WAL needs new space
                assert time.monotonic() < deadline, collector.tail()
                flood.more(5)
                time.sleep(0.2)
            # Acks published just before the failure may still be on their way: from the
            # moment a screen sends a batch again for want of an ack, none may come.
            resent = wait_for_a_resend(acks, len(acks.messages))
            flood.more(20)
            wait_for_a_resend(acks, len(acks.messages))
            assert not acked_ids(acks, resent), "acknowledged while the disk is full"
            assert collector.proc.poll() is None, "the collector gave up"
            filler.unlink()
            collector.wait_log("database writable again", 30)
            wait_until(lambda: flood.pending() == 0, 60, "every play acknowledged")
            flood.close()
            collector.stop()
            flood.assert_exactly_once(collector)
            assert "database or disk is full" in collector.tail()
        finally:
            acks.close()
            flood.close()
            collector.close()
