"""Presence, status, reconnects and proof-of-play upload against a real mosquitto."""

from __future__ import annotations

import datetime as dt
import signal
import subprocess
import sys
import time
from pathlib import Path

from player.push.popstore import PopStore
from player.wire.proofofplay import PlayRecord
from tests.fixtures.mosquitto import Mosquitto, MqttProbe
from tests.push.runner import (
    GROUP,
    PLAYER,
    AckingCollector,
    PushRunner,
    push_config,
    wait_until,
)

STATUS = f"vt/player/{PLAYER}/status"
POP = f"vt/player/{PLAYER}/pop"
ROOT = Path(__file__).resolve().parents[2]


def is_status(online: bool):
    return lambda m: m.topic == STATUS and m.json()["online"] is online


def retained_status(broker: Mosquitto) -> dict:
    """What a newly connecting operator console sees on the status topic."""
    probe = MqttProbe(broker)
    try:
        probe.subscribe(STATUS)
        message = probe.wait_for(lambda m: m.topic == STATUS)
        assert message.retain
        return message.json()
    finally:
        probe.close()


def play(n: int) -> PlayRecord:
    start = dt.datetime(2024, 5, 1, 8, tzinfo=dt.UTC) + dt.timedelta(seconds=10 * n)
    return PlayRecord(f"item-{n}", "ab" * 32, start, start + dt.timedelta(seconds=10), True)


def test_status_is_retained_and_refreshed_on_change(mosquitto, mqtt_probe):
    runner = PushRunner(push_config(mosquitto.url))
    runner.status.update("render", item="intro", kind="item", screen="on")
    runner.status.update("sync", manifest_sequence=4, state="idle", last_result="ok")
    runner.status.update("config", errors=["display.fps: must be 1..60"])
    with runner:
        mqtt_probe.subscribe(STATUS)
        mqtt_probe.wait_for(is_status(True))
        # A later subscriber gets the retained status: operators see presence at once.
        status = retained_status(mosquitto)
        assert status["player"] == PLAYER and status["group"] == GROUP
        assert status["current"]["item"] == "intro" and status["screen"] == "on"
        assert status["manifest_sequence"] == 4
        assert status["config_errors"] == ["display.fps: must be 1..60"]
        assert status["sync"]["last_result"] == "ok"
        assert status["version"] and status["uptime"] >= 0

        seen = len(mqtt_probe.messages)
        # The health sample rides along with the next status (alone it changes nothing).
        runner.status.replace("machine", {"temp_c": 81.5, "under_voltage": True})
        runner.status.update("render", item="news")
        runner.client.publish_status()
        changed = mqtt_probe.wait_for(
            lambda m: m.topic == STATUS and m.json()["current"]["item"] == "news",
            timeout=3.0,
            start=seen,
        )
        assert changed.json()["online"] is True
        assert changed.json()["machine"] == {"temp_c": 81.5, "under_voltage": True}
    # A clean stop says offline itself (a clean DISCONNECT suppresses the last will).
    offline = mqtt_probe.wait_for(is_status(False))
    assert offline.json()["reason"] == "stopped"


def test_last_will_marks_a_killed_player_offline(mosquitto, mqtt_probe):
    mqtt_probe.subscribe(STATUS)
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.push.push_child", mosquitto.url],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout.readline().strip() == "connected"
        mqtt_probe.wait_for(is_status(True))
        child.send_signal(signal.SIGKILL)
        child.wait(5)
        offline = mqtt_probe.wait_for(is_status(False), timeout=5.0)
        assert offline.json()["reason"] == "connection lost"
        # The will is retained: an operator looking later still sees the screen offline.
        assert retained_status(mosquitto)["online"] is False
    finally:
        if child.poll() is None:
            child.kill()
        child.wait(5)


def test_broker_restart_never_blocks_and_reconnects(mosquitto):
    with PushRunner(push_config(mosquitto.url)) as runner:
        runner.wait_connected()
        mosquitto.stop()
        runner.wait_state("disconnected", timeout=5)
        outage_started = time.monotonic()
        for _ in range(20):  # other threads keep calling in while the broker is gone
            t0 = time.monotonic()
            runner.client.publish_status()
            runner.client.update_config(push_config(mosquitto.url))
            assert time.monotonic() - t0 < 0.2  # returns at once: a blocked call takes seconds
            time.sleep(0.05)
        wait_until(lambda: time.monotonic() - outage_started > 1.5, 3, "an outage of 1.5 s")
        gaps = [b - a for a, b in zip(runner.beats, runner.beats[1:], strict=False)]
        assert max(gaps) < 1.0, f"the run loop stopped beating for {max(gaps):.2f}s"
        assert runner.status.get("mqtt")["last_error"]

        mosquitto.start()
        runner.wait_state("connected", timeout=10)
        probe = MqttProbe(mosquitto)
        try:
            # Retained status is gone with the broker's memory: the player publishes it again.
            probe.subscribe(STATUS)
            probe.wait_for(is_status(True))
            assert retained_status(mosquitto)["online"] is True
            # And it subscribed again: a notice reaches it.
            probe.publish(f"vt/{GROUP}/manifest", {"sequence": 11, "sha256": "ab" * 32})
            [(kind, notice)] = runner.wait_events(1)
            assert (kind, notice["sequence"]) == ("notice", 11)
        finally:
            probe.close()


def test_plays_recorded_while_the_broker_is_down_arrive_after(tmp_path):
    (tmp_path / "broker").mkdir()
    # Persistence keeps the collector's session (and what is queued for it)
    # across the restart, so nothing depends on who reconnects first.
    broker = Mosquitto(tmp_path / "broker", persistence=True)
    broker.start()
    store = PopStore(tmp_path / "pop.sqlite3", max_records=1000)
    central = AckingCollector(broker, client_id="central", persistent=True)
    try:
        central.subscribe(POP)
        recorded = [store.record(play(n)) for n in range(5)]
        with PushRunner(push_config(broker.url), pop=store) as runner:
            runner.wait_connected()
            wait_until(lambda: store.stats()["pending"] == 0, 5, "first plays acknowledged")
            broker.stop()
            runner.wait_state("disconnected", timeout=5)
            recorded += [store.record(play(n)) for n in range(5, 75)]
            assert store.stats()["pending"] == 70  # nothing deleted without an ack
            broker.start()
            runner.wait_state("connected", timeout=10)
            wait_until(lambda: store.stats()["pending"] == 0, 15, "backlog acknowledged")
            # The push thread deletes, then reports: wait for the report, not only the store.
            wait_until(lambda: runner.status.get("report").get("pending") == 0, 5, "report updated")
            report = runner.status.get("report")
            assert (report["pending"], report["dropped"]) == (0, 0) and report["last_ack_at"]

        received = central.record_ids(POP)
        assert set(received) == set(recorded)  # none lost
        batches = [m.json() for m in central.collected(POP)]
        for batch in batches:
            assert batch["player"] == PLAYER and batch["store"] == store.store_id
            assert len(batch["records"]) <= 20 and len(batch["batch"]) == 16
        first = next(r for b in batches for r in b["records"] if r["id"] == recorded[0])
        assert first["item_id"] == "item-0" and first["completed"] is True
    finally:
        central.close()
        broker.stop()
        store.close()


def test_disabled_push_keeps_beating(tmp_path):
    with PushRunner(push_config(None)) as runner:
        wait_until(lambda: len(runner.beats) >= 3, 3, "three beats")
        assert runner.status.get("mqtt")["state"] == "disabled"
        assert not runner.client.connected


def test_config_change_moves_to_the_new_broker(mosquitto, tmp_path):
    (tmp_path / "second").mkdir()
    second = Mosquitto(tmp_path / "second")
    second.start()
    try:
        probe = MqttProbe(second)
        try:
            probe.subscribe(STATUS)
            with PushRunner(push_config(mosquitto.url)) as runner:
                runner.wait_connected()
                runner.client.update_config(push_config(second.url))
                assert probe.wait_for(is_status(True), timeout=5).json()["player"] == PLAYER
                assert runner.status.get("mqtt")["broker"] == f"mqtt://127.0.0.1:{second.port}"
        finally:
            probe.close()
    finally:
        second.stop()
