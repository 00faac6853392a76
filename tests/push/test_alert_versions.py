"""Alert versions on a real headless player over a real mosquitto, sent with `videotron alert`.

Per alert id the newest issued_at wins: a new version replaces the text and level on
screen, an older version replayed later stays off, a cancel takes the alert off and a
replay of the cancelled alert stays off. Replays are the exact sealed bytes the office
sent, published again as an attacker (or a confused bridge) would.
"""

from __future__ import annotations

import datetime as dt

from tests.fixtures.content import publish_tree, write_key
from tests.fixtures.mosquitto import MqttProbe, opened
from tests.fixtures.player import PlayerProcess, corner_and_picture, videotron

GROUP = "kota"
TOPIC = f"vt/{GROUP}/alert"
AMBER, RED, CALM = (255, 176, 0), (200, 0, 0), (0, 90, 40)


def dropped(player: PlayerProcess) -> int:
    """How many alert versions the player has dropped, as `videotron status` lists them."""
    recent = player.status().get("errors", {}).get("recent", [])
    return sum(
        e["count"]
        for e in recent
        if e["where"] == "player.push.alerts" and e["message"].startswith("dropped alert flood")
    )


def wait_dropped(player: PlayerProcess, count: int, timeout: float = 10.0) -> None:
    player.wait_for(
        f"{count} dropped versions in status", lambda s: dropped(player) >= count, timeout
    )


def test_versions_replace_replays_stay_off_and_a_cancel_is_a_version(
    mosquitto, mqtt_probe, tmp_path
):
    key_path, public_key = write_key(tmp_path / "keys" / "publisher.key")
    site = tmp_path / "site"
    calm = {"id": "calm", "type": "image", "color": list(CALM), "size": [64, 36], "duration": 600}
    publish_tree(site, [calm], key_path, group=GROUP)
    central = tmp_path / "central.yaml"
    central.write_text(f"mqtt:\n  url: {mosquitto.url}\n  topic_prefix: vt\n", encoding="utf-8")
    config = tmp_path / "player.yaml"
    config.write_text(
        f"player:\n  id: screen-1\n  group: {GROUP}\n"
        f"source:\n  url: {site}\n  public_key: {public_key}\n  poll_interval: 86400\n"
        f"cache:\n  dir: {tmp_path / 'cache'}\n"
        f"runtime:\n  dir: {tmp_path / 'run'}\n"
        "display:\n  size: 320x180\n  driver: dummy\n  fps: 20\n"
        f"mqtt:\n  url: {mosquitto.url}\n  topic_prefix: vt\n",
        encoding="utf-8",
    )
    mqtt_probe.subscribe(TOPIC)
    player = PlayerProcess(config, tmp_path / "run", tmp_path / "player.log")
    sent: list = []

    def alert(*args: str) -> dict:
        start = len(mqtt_probe.messages)
        videotron("--config", str(central), "alert", *args, "--group", GROUP,
                  "--key", str(key_path))  # fmt: skip
        message = mqtt_probe.wait_for(lambda m: m.topic == TOPIC, start=start)
        sent.append(message)
        return opened(message)

    def showing(payload: dict) -> dict:
        issued = dt.datetime.fromisoformat(payload["issued_at"])

        def shown(status: dict) -> bool:
            stamp = status.get("render", {}).get("alert_issued_at")
            return stamp is not None and dt.datetime.fromisoformat(stamp) == issued

        return player.wait_for(f"alert version {issued}", shown, 5)["render"]

    player.start()
    try:
        player.wait_item("calm", 60)
        player.wait_for("MQTT", lambda s: s.get("mqtt", {}).get("state") == "connected", 30)

        v1 = alert("Jalan Sudirman ditutup", "--level", "warning", "--id", "flood")
        assert showing(v1)["alert_level"] == "warning"
        assert corner_and_picture(player, tmp_path / "v1.png")[0] == AMBER

        # A new version with a new level and text replaces the one on screen.
        v2 = alert("Banjir: evakuasi sekarang", "--level", "emergency", "--id", "flood")
        assert showing(v2)["alert_level"] == "emergency"
        corner, v2_picture = corner_and_picture(player, tmp_path / "v2.png")
        assert corner == RED
        # ... and a new text alone too.
        v3 = alert("Banjir: naik ke lantai dua", "--level", "emergency", "--id", "flood")
        showing(v3)
        corner, v3_picture = corner_and_picture(player, tmp_path / "v3.png")
        assert corner == RED and v3_picture != v2_picture

        # The first version replayed after the newer ones stays off.
        before = dropped(player)
        mqtt_probe.publish(TOPIC, sent[0].payload, retain=True)
        wait_dropped(player, before + 1)
        assert showing(v3)["alert_level"] == "emergency"
        assert corner_and_picture(player, tmp_path / "replay.png")[1] == v3_picture

        # A cancel takes it off; it is retained, so a screen joining later gets the cancel.
        cancel = alert("--cancel", "flood")
        assert cancel["type"] == "alert-cancel" and cancel["issued_at"] > v3["issued_at"]
        player.wait_for("the schedule again", lambda s: s["render"].get("item") == "calm", 5)
        assert player.status()["render"]["alert"] is None
        late = MqttProbe(mosquitto)
        try:
            late.subscribe(TOPIC)
            retained = late.wait_for(lambda m: m.topic == TOPIC)
            assert retained.retain and opened(retained)["type"] == "alert-cancel"
        finally:
            late.close()

        # A replay of the cancelled alert stays off.
        before = dropped(player)
        mqtt_probe.publish(TOPIC, sent[2].payload, retain=True)
        wait_dropped(player, before + 1)
        # A probe alert sent after the replay, then cancelled: once the probe is off again,
        # the screen is back on the schedule only if the replay was never taken.
        probe = alert("Uji", "--level", "info", "--id", "probe")
        showing(probe)
        alert("--cancel", "probe")
        player.wait_for("the schedule again", lambda s: s["render"].get("item") == "calm", 10)
        render = player.status()["render"]
        assert (render["alert"], render["item"]) == (None, "calm")
        assert corner_and_picture(player, tmp_path / "after.png")[0] == CALM
    finally:
        assert player.stop() == 0
