"""A screen on a regional mosquitto bridged to the office's, with the bridge docs/OPERATIONS.md
gives (read from the doc, so the two cannot part): everything crosses, a cut loses nothing."""

from __future__ import annotations

import datetime as dt
import json
import re
import threading
import time
from pathlib import Path

from sqlalchemy import select

from central.broker import BrokerTarget, send_alert, send_command, send_notice
from central.db.schema import screens
from player.push.popstore import PopStore
from player.wire.broker import parse_broker_url
from player.wire.signing import load_private_key, make_alert, make_command
from tests.fixtures.collector import PREFIX, CollectorProcess, wait_until
from tests.fixtures.mosquitto import Mosquitto, MqttProbe
from tests.push.runner import PushRunner, push_config
from tests.push.test_push_link import play

OPERATIONS = Path(__file__).resolve().parents[2] / "docs" / "OPERATIONS.md"
DOC_ADDRESS = "office.example.go.id:1883"
CUT_SECONDS = 30  # how long the office is out of reach (the figure)
STATE = "$SYS/broker/connection/+/state"  # mosquitto's notification of its bridge: 1 up, 0 down


def bridge_config(office_port: int) -> str:
    """The regional broker's bridge block of docs/OPERATIONS.md, pointed at the test's office
    broker and topic prefix."""
    text = OPERATIONS.read_text(encoding="utf-8")
    section = text.split("### Regional brokers", 1)[1]
    block = re.search(r"```\n(.*?)```", section, re.DOTALL)
    assert block, "docs/OPERATIONS.md: no config block under 'Regional brokers'"
    config = block.group(1)
    assert DOC_ADDRESS in config and "topic videotron/" in config, config
    return config.replace(DOC_ADDRESS, f"127.0.0.1:{office_port}").replace(
        "topic videotron/", f"topic {PREFIX}/"
    )


def bridge_state(probe: MqttProbe, start: int) -> bytes | None:
    """The last bridge state the regional broker told from message `start` on."""
    states = [m.payload for m in probe.messages[start:] if m.topic.startswith("$SYS/")]
    return states[-1] if states else None


def test_a_screen_on_a_regional_broker_is_served_across_the_bridge_and_a_cut_loses_nothing(
    publisher_key, tmp_path
):
    key_path, public_key = publisher_key
    key = load_private_key(key_path)
    (tmp_path / "office-broker").mkdir()
    (tmp_path / "regional-broker").mkdir()
    # The office broker keeps its sessions over the cut: the bridge's and the collector's.
    office = Mosquitto(tmp_path / "office-broker", persistence=True)
    regional = Mosquitto(tmp_path / "regional-broker")
    with regional.conf.open("a", encoding="utf-8") as conf:
        conf.write(bridge_config(office.port))
    collector = CollectorProcess(
        tmp_path / "office", office.url, f"sqlite:///{tmp_path / 'central.sqlite3'}"
    )
    target = BrokerTarget(parse_broker_url(office.url), PREFIX)
    store = PopStore(tmp_path / "pop.sqlite3", max_records=10_000)
    config = push_config(regional.url, public_key, player_id="bogor-1", group="bogor")
    runner = PushRunner(config, pop=store)
    office.start()
    regional.start()
    links = None
    try:
        links = MqttProbe(regional)
        links.subscribe(STATE)
        links.subscribe(f"{PREFIX}/player/+/pop")
        wait_until(lambda: bridge_state(links, 0) == b"1", 15, "the bridge up")
        collector.start()
        recorded = [store.record(play(n)) for n in range(1, 41)]
        runner.thread.start()
        runner.wait_connected()

        # Down: what the office sends to its own broker reaches the regional screen.
        now = dt.datetime.now(dt.UTC)
        notice = {"group": "bogor", "sequence": 7, "sha256": "ab" * 32, "size": 1,
                  "published_at": now.isoformat()}  # fmt: skip
        send_notice(target, notice)
        alert = make_alert("Banjir di Bogor", "bogor", now=now, lifetime=dt.timedelta(hours=1))
        send_alert(target, key, alert, dt.timedelta(hours=1))
        events = runner.wait_events(2, timeout=15)
        assert {kind for kind, _ in events} == {"notice", "alert"}, events
        assert dict(events)["notice"]["sequence"] == 7
        assert dict(events)["alert"].id == alert["id"]
        command = make_command("bogor-1", "sync", now=now, lifetime=dt.timedelta(minutes=5))
        send_command(target, key, command)
        name, _ = runner.wait_events(3, timeout=15)[2][1]
        assert name == "sync"

        # Up: the screen's status and plays reach the collector at the office.
        wait_until(lambda: store.stats()["pending"] == 0, 30, "the first plays acknowledged")
        with collector.engine().connect() as connection:
            row = connection.execute(select(screens).where(screens.c.player == "bogor-1")).one()
        assert row.group == "bogor" and row.online

        # The cut: the office is out of reach for 30 s while the screen plays on.
        since = len(links.messages)
        office.stop()
        wait_until(lambda: bridge_state(links, since) == b"0", 15, "the bridge down")
        down_at = time.monotonic()
        pace = threading.Event()  # never set: the screen records a play every half second
        while time.monotonic() - down_at < CUT_SECONDS:
            recorded.append(store.record(play(len(recorded) + 1)))
            pace.wait(0.5)
        # The screen went on sending to its regional broker, which queued it for the office.
        sent = [m.json() for m in links.messages[since:] if m.topic.endswith("/pop")]
        assert sent, "no proof of play sent while the office was away"
        since = len(links.messages)
        office.start()
        wait_until(lambda: bridge_state(links, since) == b"1", 15, "the bridge up again")
        wait_until(lambda: store.stats()["pending"] == 0, 30, "every play acknowledged")
        runner.__exit__(None, None, None)
        collector.stop()
        stored = collector.record_ids("bogor-1", store.store_id)
        assert sorted(stored) == recorded, "a play lost or stored twice"
        assert json.loads(row.status)["player"] == "bogor-1"
    finally:
        if runner.thread.is_alive():
            runner.__exit__(None, None, None)
        store.close()
        if links is not None:
            links.close()
        collector.close()
        regional.stop()
        office.stop()
