"""Proof of play leaves the player only on the collector's ack, never on the broker's."""

from __future__ import annotations

import dataclasses
import itertools
import json
import time

from player.push.popstore import PopStore
from tests.push.runner import PLAYER, AckingCollector, PushRunner, push_config, wait_until
from tests.push.test_push_link import play

POP = f"vt/player/{PLAYER}/pop"
ACK = f"{POP}/ack"


def test_without_a_collector_every_play_is_kept_and_resent_with_backoff(mosquitto, tmp_path):
    store = PopStore(tmp_path / "pop.sqlite3", max_records=10)
    listener = AckingCollector(mosquitto, ack=False)  # an old collector: receives, never acks
    try:
        listener.subscribe(POP)
        recorded = [store.record(play(n)) for n in range(15)]  # the cap drops the 5 oldest
        with PushRunner(push_config(mosquitto.url, ack_timeout=1.0), pop=store) as runner:
            runner.wait_connected()
            wait_until(lambda: len(listener.collected(POP)) >= 4, 15, "four sends of the batch")
            assert store.stats() == {
                "pending": 10,
                "pending_alerts": 0,
                "pending_brightness": 0,
                "dropped": 5,
            }
        sends = listener.collected(POP)
        batches = [m.json() for m in sends[:4]]
        # The same oldest plays each time, under a new batch id, with the drop count.
        assert all([r["id"] for r in b["records"]] == recorded[5:15] for b in batches)
        assert len({b["batch"] for b in batches}) == 4
        assert all(b["dropped"] == 5 for b in batches)
        assert runner.status.get("report")["pending"] == 10
    finally:
        listener.close()
        store.close()


def test_resends_back_off(mosquitto, tmp_path):
    store = PopStore(tmp_path / "pop.sqlite3", max_records=1000)
    listener = AckingCollector(mosquitto, ack=False)
    arrivals: list[float] = []
    try:
        listener.subscribe(POP)
        store.record(play(0))
        with PushRunner(push_config(mosquitto.url, ack_timeout=1.0), pop=store) as runner:
            runner.wait_connected()
            for count in range(1, 5):
                wait_until(lambda n=count: len(listener.collected(POP)) >= n, 20, f"send {count}")
                arrivals.append(time.monotonic())
        gaps = [b - a for a, b in itertools.pairwise(arrivals)]
        # Delays are 0.5-1 s, then 1-2 s, then 2-4 s: the third gap always beats the first.
        assert gaps[2] > gaps[0], gaps
        assert store.stats()["pending"] == 1
    finally:
        listener.close()
        store.close()


def test_an_ack_deletes_exactly_the_ids_it_names_for_this_store(mosquitto, tmp_path):
    store = PopStore(tmp_path / "pop.sqlite3", max_records=1000)
    office = AckingCollector(mosquitto, ack=False)
    try:
        office.subscribe(POP)
        recorded = [store.record(play(n)) for n in range(8)]
        with PushRunner(push_config(mosquitto.url, ack_timeout=30.0), pop=store) as runner:
            runner.wait_connected()
            batch = office.wait_for(lambda m: m.topic == POP, 5).json()
            # A collector answering for a store this player no longer has: nothing goes.
            office.publish(ACK, {"store": "0" * 32, "batch": batch["batch"], "ids": recorded})
            office.publish(ACK, b"not json")
            office.publish(ACK, {"store": store.store_id, "batch": batch["batch"], "ids": "1"})
            # The good ack comes after the bad ones on the same topic, so once it has taken
            # effect they have all been handled: exactly the three it names are gone.
            office.publish(
                ACK, {"store": store.store_id, "batch": batch["batch"], "ids": recorded[:3]}
            )
            wait_until(lambda: store.stats()["pending"] < 8, 10, "an ack taken")
            assert [row_id for row_id, _ in store.pending(100)] == recorded[3:]
            # The batch counts as answered: the rest goes at once, not after the timeout.
            rest = office.wait_for(
                lambda m: m.topic == POP and m.json()["batch"] != batch["batch"], 5
            ).json()
            assert [r["id"] for r in rest["records"]] == recorded[3:]
    finally:
        office.close()
        store.close()


def test_a_screenshot_is_published_once_connected(mosquitto, mqtt_probe):
    topic = f"vt/player/{PLAYER}/screenshot"
    mqtt_probe.subscribe(topic)
    message = {"taken_at": "2024-05-01T08:00:00Z", "item": "a", "jpeg": "AAAA"}
    with PushRunner(push_config(mosquitto.url)) as runner:
        runner.client.publish_screenshot(message)  # before the link is up: waits for it
        runner.wait_connected()
        received = mqtt_probe.wait_for(lambda m: m.topic == topic, 5)
        assert json.loads(received.payload) == message and received.qos == 1
        assert not received.retain


def test_thumbnails_are_asked_for_at_the_configured_interval_and_not_when_off(mosquitto):
    asked: list[float] = []
    config = push_config(mosquitto.url)
    every = dataclasses.replace(
        config, report=dataclasses.replace(config.report, thumbnail_every=0.5)
    )
    with PushRunner(every, on_thumbnail=lambda: asked.append(time.monotonic())) as runner:
        runner.wait_connected()
        wait_until(lambda: len(asked) >= 3, 5, "three thumbnails asked for")
    assert all(0.4 < b - a < 1.5 for a, b in itertools.pairwise(asked)), asked
    off: list[float] = []
    with PushRunner(config, on_thumbnail=lambda: off.append(time.monotonic())) as runner:
        runner.wait_connected()
        # Its loop has gone on past three periods of the interval above (a beat starts each
        # step, so the step of the next-to-last beat is done).
        since = time.monotonic()
        wait_until(
            lambda: sum(b > since + 1.5 for b in runner.beats) >= 2, 20, "1.5 s of push steps"
        )
    assert off == []  # report.thumbnail_every defaults to 0: only on command
