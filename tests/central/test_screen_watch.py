"""The office told of screens through a real collector, broker, SMTP server and webhook.

A killed player is told once as offline and once as back; fifty screens going offline
together are one message; a collector restarted mid-incident tells nothing twice.
"""

from __future__ import annotations

import json
import signal

from central.db.incidents import incident_log
from tests.fixtures.collector import PREFIX, CollectorProcess, Screen
from tests.fixtures.content import publish_tree, write_key
from tests.fixtures.mosquitto import MqttProbe
from tests.fixtures.notifications import SmtpInbox, WebhookInbox

ITEMS = [{"id": "red", "type": "image", "color": [200, 0, 0], "size": [64, 36], "duration": 5}]


def notifications(*urls: str) -> str:
    """central.yaml's notifications: seconds instead of minutes, so the test is short."""
    targets = "".join(
        f"    - name: t{n}\n      url: {url}\n      language: en\n" for n, url in enumerate(urls)
    )
    return (
        "notifications:\n  offline_after: 3s\n  group_window: 2s\n  check_every: 1\n"
        f"  retry_after: 1s\n  timeout: 5\n  targets:\n{targets}"
    )


def test_a_killed_player_is_told_offline_once_and_back_once(mosquitto, tmp_path):
    key_path, public_key = write_key(tmp_path / "keys" / "publisher.key")
    site = tmp_path / "site"
    publish_tree(site, ITEMS, key_path)
    database = f"sqlite:///{tmp_path / 'office' / 'central.sqlite3'}"
    with SmtpInbox() as smtp, WebhookInbox() as webhook:
        mail = f"mailto://127.0.0.1:{smtp.port}?from=vt@example.go.id&to=ops@example.go.id"
        hook = f"json://127.0.0.1:{webhook.port}/hook"
        collector = CollectorProcess(tmp_path / "office", mosquitto.url, database,
                                     extra=notifications(mail, hook))  # fmt: skip
        screen = Screen(tmp_path / "screen", "screen-1", site, public_key, mosquitto.url)
        try:
            collector.start()
            screen.start()
            screen.wait_for("connected", lambda s: (s.get("mqtt") or {}).get("state")
                            == "connected", 60)  # fmt: skip
            screen.proc.send_signal(signal.SIGKILL)  # no clean stop: the last will tells
            screen.proc.wait(10)
            down = webhook.wait(1, timeout=120)[0]
            assert down["title"] == "Screens offline: 1 in group test", down
            assert "screen-1" in down["message"]
            assert smtp.wait(1)[0]["Subject"] == "Screens offline: 1 in group test"
            screen.start()
            bodies = webhook.wait(2, timeout=120)
            assert bodies[1]["title"] == "Screens back: 1 in group test", bodies
            assert len(smtp.wait(2)) == 2
            assert len(webhook.bodies) == 2
        finally:
            if screen.proc is not None and screen.proc.poll() is None:
                screen.stop()
            collector.close()


def status(player: str, online: bool) -> dict:
    body = {"online": online, "player": player, "group": "kota", "version": "1.0",
            "ts": "2026-12-07T01:00:00Z"}  # fmt: skip
    if not online:
        body["reason"] = "connection lost"
    return body


def test_fifty_screens_offline_are_one_message_and_a_restart_tells_nothing_twice(
    mosquitto, tmp_path
):
    names = [f"kota-{n:02}" for n in range(50)]
    database = f"sqlite:///{tmp_path / 'office' / 'central.sqlite3'}"
    probe = MqttProbe(mosquitto)
    with WebhookInbox() as webhook:
        hook = notifications(f"json://127.0.0.1:{webhook.port}/h")
        collector = CollectorProcess(tmp_path / "office", mosquitto.url, database, extra=hook)
        try:
            collector.start()
            for name in names:  # fifty screens, simulated: their status messages only
                probe.publish(f"{PREFIX}/player/{name}/status", status(name, True), retain=True)
            for name in names:  # a district's power cut: every last will at once
                probe.publish(f"{PREFIX}/player/{name}/status", status(name, False), retain=True)
            down = webhook.wait(1, timeout=60)[0]
            assert down["title"] == "Screens offline: 50 in group kota", down
            assert "kota-00" in down["message"] and "(+30)" in down["message"]

            collector.stop()  # mid-incident
            collector.start()
            # A later fact: one more screen goes down after the restart and is told alone;
            # by then the watch has looked at the fifty, still offline, and told nothing.
            probe.publish(f"{PREFIX}/player/late/status", status("late", True), retain=True)
            probe.publish(f"{PREFIX}/player/late/status", status("late", False), retain=True)
            bodies = webhook.wait(2, timeout=60)
            assert bodies[1]["title"] == "Screens offline: 1 in group kota", bodies
            for name in names:
                probe.publish(f"{PREFIX}/player/{name}/status", status(name, True), retain=True)
            bodies = webhook.wait(3, timeout=60)
            assert bodies[2]["title"] == "Screens back: 50 in group kota", bodies
            assert [b["title"].split(":")[0] for b in webhook.bodies] == [
                "Screens offline", "Screens offline", "Screens back"]  # fmt: skip
            with collector.engine().connect() as connection:
                kept = incident_log(connection)
            assert sum(1 for i in kept if i["told_end_at"] is not None) == 50
            assert all(i["told_at"] is not None for i in kept), json.dumps(kept, default=str)
        finally:
            probe.close()
            collector.close()
