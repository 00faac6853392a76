"""Manifest notices, signed alerts and signed commands through a real mosquitto."""

from __future__ import annotations

import datetime as dt
import logging
import time

from player.wire import signing
from tests.push.runner import GROUP, PLAYER, PushRunner, push_config

NOTICE = f"vt/{GROUP}/manifest"
ALERT = f"vt/{GROUP}/alert"
COMMAND = f"vt/player/{PLAYER}/command"


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def alert_bytes(key, text: str, *, lifetime: float = 60, group: str = GROUP, at=None) -> bytes:
    payload = signing.make_alert(
        text,
        group,
        now=at or now(),
        lifetime=dt.timedelta(seconds=lifetime),
        level="emergency",
        alert_id=f"a-{text}",
    )
    return signing.seal(payload, key)


def command_bytes(key, name: str, *, player: str = PLAYER, lifetime: float = 60, at=None):
    payload = signing.make_command(
        player, name, now=at or now(), lifetime=dt.timedelta(seconds=lifetime)
    )
    return signing.seal(payload, key)


def test_notice_wakes_within_a_second_and_stale_ones_are_ignored(mosquitto, mqtt_probe):
    with PushRunner(push_config(mosquitto.url)) as runner:
        runner.wait_connected()
        runner.status.update("sync", manifest_sequence=7)
        sent = time.monotonic()
        mqtt_probe.publish(NOTICE, {"sequence": 8, "sha256": "ab" * 32}, retain=True)
        [(kind, notice)] = runner.wait_events(1, timeout=1.0)
        assert time.monotonic() - sent < 1.0
        assert (kind, notice["sequence"]) == ("notice", 8)

        # Not newer than what is active (a replay, or the retained one again): no wake-up.
        runner.status.update("sync", manifest_sequence=8)
        mqtt_probe.publish(NOTICE, {"sequence": 8, "sha256": "ab" * 32}, retain=True)
        mqtt_probe.publish(NOTICE, b"{not json", retain=True)
        mqtt_probe.publish(NOTICE, {"sequence": 9, "sha256": "cd" * 32}, retain=True)
        events = runner.wait_events(2)
        assert [e[1]["sequence"] for e in events] == [8, 9]


def test_retained_notice_reaches_a_player_that_connects_later(mosquitto, mqtt_probe):
    mqtt_probe.publish(NOTICE, {"sequence": 3, "sha256": "ef" * 32}, retain=True)
    with PushRunner(push_config(mosquitto.url)) as runner:
        [(kind, notice)] = runner.wait_events(1)
        assert (kind, notice["sequence"]) == ("notice", 3)


def test_signed_alert_arrives_and_untrusted_ones_do_nothing(mosquitto, mqtt_probe, caplog):
    key, public = signing.generate_keypair()
    other_key, _ = signing.generate_keypair()
    config = push_config(mosquitto.url, public_key=public)
    caplog.set_level(logging.WARNING, logger="player.push.messages")
    with PushRunner(config) as runner:
        runner.wait_connected()
        good = alert_bytes(key, "flood")
        flipped = bytearray(alert_bytes(key, "forged"))
        flipped[len(flipped) // 2] ^= 0x01
        bad = [
            alert_bytes(key, "expired", lifetime=60, at=now() - dt.timedelta(minutes=2)),
            alert_bytes(other_key, "wrong-key"),
            bytes(flipped),
            signing.seal(
                signing.make_alert("unsigned", GROUP, now=now(), lifetime=dt.timedelta(minutes=1)),
                None,
            ),
            alert_bytes(key, "other-group", group="hall"),
            b"garbage",
        ]
        for payload in bad:
            mqtt_probe.publish(ALERT, payload)
        mqtt_probe.publish(ALERT, bad[1])  # the same forged bytes again: logged once only
        mqtt_probe.publish(ALERT, good)
        # QoS 1 on one topic keeps order: once the good one is in, the bad ones were handled.
        [(kind, alert)] = runner.wait_events(1)
        assert kind == "alert"
        assert (alert.id, alert.text, alert.level, alert.group) == (
            "a-flood",
            "flood",
            "emergency",
            GROUP,
        )
        assert alert.expires_at > now()
        assert runner.events == [("alert", alert)]
    dropped = [r for r in caplog.records if r.getMessage().startswith("dropped alert")]
    assert len(dropped) == len(bad), [r.getMessage() for r in dropped]
    assert any("expired" in r.getMessage() for r in dropped)


def test_alerts_are_dropped_without_a_public_key(mosquitto, mqtt_probe):
    key, _public = signing.generate_keypair()
    with PushRunner(push_config(mosquitto.url, public_key=None)) as runner:
        runner.wait_connected()
        mqtt_probe.publish(ALERT, alert_bytes(key, "flood"))
        mqtt_probe.publish(NOTICE, {"sequence": 1, "sha256": "ab" * 32})
        [(kind, _notice)] = runner.wait_events(1)
        assert kind == "notice"  # the alert before it was dropped, not delayed


def test_commands_valid_once_for_this_player_only(mosquitto, mqtt_probe):
    key, public = signing.generate_keypair()
    with PushRunner(push_config(mosquitto.url, public_key=public)) as runner:
        runner.wait_connected()
        sync = command_bytes(key, "sync")
        mqtt_probe.publish(COMMAND, sync)
        mqtt_probe.publish(COMMAND, sync)  # replayed within its lifetime
        mqtt_probe.publish(COMMAND, command_bytes(key, "reload", player="hall-2"))
        past = now() - dt.timedelta(minutes=5)
        mqtt_probe.publish(COMMAND, command_bytes(key, "reload", at=past))
        mqtt_probe.publish(COMMAND, command_bytes(signing.generate_keypair()[0], "reload"))
        mqtt_probe.publish(COMMAND, command_bytes(key, "display-off"))
        events = runner.wait_events(2)
        assert [(kind, value[0]) for kind, value in events] == [
            ("command", "sync"),
            ("command", "display-off"),
        ]
        assert events[0][1][1]["player"] == PLAYER
        assert runner.events == events
