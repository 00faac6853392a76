"""CAP files on a real nginx reach the screens of the groups in their area, and only those.

Two headless players (Bogor, Jakarta) on a real mosquitto; `videotron cap-watch` polls a
BMKG-shaped RSS index on nginx. An Alert shows on Bogor within the poll interval (plus its
jitter) and one second, an Update replaces its text, an Exercise reaches only the group
that asked for exercises, a Cancel takes the warning off; each verdict is in the audit.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path

from sqlalchemy import create_engine, text

from central.cap.watcher import JITTER
from tests.central.cap_files import BOGOR, JAKARTA, area, cap, info, rss, square
from tests.central.cap_watch import CapWatchProcess, central_yaml, put
from tests.fixtures.content import publish_tree, write_key
from tests.fixtures.mosquitto import opened
from tests.fixtures.player import PlayerProcess, corner_and_picture, videotron

POLL = 2
AMBER, RED, CALM = (255, 176, 0), (200, 0, 0), (0, 90, 40)


def make_player(tmp_path: Path, name: str, site: Path, public_key: str, broker: str):
    work = tmp_path / name
    work.mkdir()
    config = work / "player.yaml"
    config.write_text(
        f"player:\n  id: screen-{name}\n  group: {name}\n"
        f"source:\n  url: {site}\n  public_key: {public_key}\n  poll_interval: 86400\n"
        f"cache:\n  dir: {work / 'cache'}\n"
        f"runtime:\n  dir: {work / 'run'}\n"
        "display:\n  size: 320x180\n  driver: dummy\n  fps: 20\n"
        f"mqtt:\n  url: {broker}\n  topic_prefix: vt\n",
        encoding="utf-8",
    )
    return PlayerProcess(config, work / "run", work / "player.log")


def shows(player: PlayerProcess, payload: dict, timeout: float) -> dict:
    """Waits until the player's screen shows exactly this version of the alert."""
    issued = dt.datetime.fromisoformat(payload["issued_at"])

    def shown(status: dict) -> bool:
        render = status.get("render", {})
        stamp = render.get("alert_issued_at")
        return render.get("alert") == payload["id"] and (
            stamp is not None and dt.datetime.fromisoformat(stamp) == issued
        )

    return player.wait_for(f"alert {payload['id']} of {issued}", shown, timeout)["render"]


def test_alert_update_exercise_and_cancel_reach_only_the_groups_in_their_area(
    nginx, mosquitto, mqtt_probe, tmp_path
):
    key_path, public_key = write_key(tmp_path / "keys" / "publisher.key")
    site = tmp_path / "site"
    calm = {"id": "calm", "type": "image", "color": list(CALM), "size": [64, 36], "duration": 600}
    publish_tree(site, [calm], key_path, group="bogor")
    site_jakarta = tmp_path / "site-jakarta"
    publish_tree(site_jakarta, [calm], key_path, group="jakarta")
    feed = nginx.root / "alerts" / "nowcast" / "id"
    feed.mkdir(parents=True)
    base = f"{nginx.url}/alerts/nowcast/id"
    put(feed / "rss.xml", rss(base, []))
    groups = (
        f"    bogor:\n      location: '{BOGOR[0]},{BOGOR[1]}'\n"
        f"    jakarta:\n      location: '{JAKARTA[0]},{JAKARTA[1]}'\n      exercises: true\n"
    )
    work = tmp_path / "office"
    work.mkdir()
    central = central_yaml(
        tmp_path / "central.yaml", broker=mosquitto.url, key=key_path,
        sources=[f"url: {base}/rss.xml"], groups=groups, work=work, poll=POLL,
    )  # fmt: skip
    bogor = make_player(tmp_path, "bogor", site, public_key, mosquitto.url)
    jakarta = make_player(tmp_path, "jakarta", site_jakarta, public_key, mosquitto.url)
    watcher = CapWatchProcess(central, work / "cap-status.json", work / "cap-watch.log")
    mqtt_probe.subscribe("vt/+/alert")
    listed: list[str] = []

    def publish(name: str, data: bytes) -> float:
        put(feed / name, data)
        listed.append(name)
        put(feed / "rss.xml", rss(base, list(reversed(listed))))  # newest first, as BMKG
        return time.monotonic()

    def sent(group: str, start: int) -> dict:
        return opened(mqtt_probe.wait_for(lambda m: m.topic == f"vt/{group}/alert", 15,
                                          start=start))  # fmt: skip

    bogor.start()
    jakarta.start()
    watcher.start()
    try:
        for player in (bogor, jakarta):
            player.wait_item("calm", 60)
            player.wait_for("MQTT", lambda s: s.get("mqtt", {}).get("state") == "connected", 30)
        watcher.wait_for("a first poll", lambda s: s.get("sources", [{}])[0].get("last_ok"), 30)
        now = dt.datetime.now(dt.UTC)
        until = now + dt.timedelta(hours=1)

        # An Alert over Bogor (a polygon), in English and Indonesian.
        start = len(mqtt_probe.messages)
        polygon = [area("Kota Bogor", polygon=square(*BOGOR))]
        written = publish("CBT001_alert.xml", cap("CBT001", [
            info("Heavy rain with lightning", polygon, language="en", expires=until),
            info("Hujan lebat disertai petir", polygon, expires=until,
                 instruction="Waspada banjir dan pohon tumbang."),
        ], sent=now))  # fmt: skip
        alert = sent("bogor", start)
        assert alert["text"] == "Hujan lebat disertai petir Waspada banjir dan pohon tumbang."
        assert alert["level"] == "emergency"
        shows(bogor, alert, 15)
        latency = time.monotonic() - written
        assert latency <= POLL * (1 + JITTER) + 1, f"on screen {latency:.2f} s after the file"
        corner, alert_picture = corner_and_picture(bogor, tmp_path / "alert.png")
        assert corner == RED
        assert jakarta.status()["render"]["alert"] is None

        # The Update replaces the text (and the level) under the same alert id.
        start = len(mqtt_probe.messages)
        publish("CBT002_alert.xml", cap("CBT002", [
            info("Hujan lebat meluas ke Bogor Barat", polygon, expires=until,
                 certainty="Possible"),
        ], sent=now, msg_type="Update", references=(("CBT001", now),)))  # fmt: skip
        update = sent("bogor", start)
        assert (update["id"], update["level"]) == (alert["id"], "warning")
        shows(bogor, update, POLL * (1 + JITTER) + 5)
        corner, update_picture = corner_and_picture(bogor, tmp_path / "update.png")
        assert corner == AMBER and update_picture != alert_picture

        # An Exercise over both cities (a circle) reaches only Jakarta, which asked for it.
        start = len(mqtt_probe.messages)
        publish("EXR001_alert.xml", cap("EXR001", [
            info("Latihan gempa bumi", [area("Jabodetabek", circle="-6.4,106.83 40")],
                 expires=until, severity="Moderate", urgency="Expected"),
        ], sent=now, status="Exercise"))  # fmt: skip
        drill = sent("jakarta", start)
        assert drill["text"] == "LATIHAN / EXERCISE: Latihan gempa bumi"
        shows(jakarta, drill, POLL * (1 + JITTER) + 5)
        assert watcher.verdict("EXR001")["groups"] == ["jakarta"]
        assert bogor.status()["render"]["alert"] == alert["id"]

        # The Cancel takes the warning off Bogor; Jakarta's exercise stays.
        publish("CBT003_alert.xml", cap("CBT003", [], sent=now, msg_type="Cancel",
                                        references=(("CBT002", now),)))  # fmt: skip
        bogor.wait_for("the schedule again", lambda s: s["render"].get("item") == "calm", 10)
        assert bogor.status()["render"]["alert"] is None
        assert corner_and_picture(bogor, tmp_path / "after.png")[0] == CALM
        assert jakarta.status()["render"]["alert"] == drill["id"]
        status = watcher.wait_for("the cancel", lambda s: len(s["on_screens"]) == 1, 10)
        assert status["on_screens"][0]["identifier"] == "EXR001"
        print(f"\nCAP file to screen: {latency:.2f} s with cap.poll_interval {POLL} s")

        shown = videotron("--config", str(central), "cap-watch", "--status").stdout
        assert "Latihan gempa bumi  [jakarta]" in shown and "cancelled" in shown

        # Restarted, it remembers what it sent: the feed still lists all four, none goes out.
        assert watcher.stop() == 0
        before = len(mqtt_probe.messages)
        watcher.start()
        watcher.wait_for("a poll after the restart",
                         lambda s: s.get("pid") == watcher.proc.pid and s["recent"] == [] and
                         s["sources"][0]["last_ok"] is not None, 30)  # fmt: skip
        watcher.wait_polls(nginx, "/alerts/nowcast/id/rss.xml", 2)
        # A message of our own after those polls: once it is here, so is anything they sent.
        mqtt_probe.publish("vt/probe/alert", b"probe")
        mqtt_probe.wait_for(lambda m: m.topic == "vt/probe/alert", 10, start=before)
        assert [m.topic for m in mqtt_probe.messages[before:]] == ["vt/probe/alert"]
        assert [s["identifier"] for s in watcher.status()["on_screens"]] == ["EXR001"]
    finally:
        assert watcher.stop() == 0
        assert bogor.stop() == 0
        assert jakarta.stop() == 0
    with create_engine(f"sqlite:///{work / 'central.sqlite3'}").connect() as db:
        rows = db.execute(text("SELECT action, target, detail FROM audit ORDER BY id")).all()
    assert [(action, target) for action, target, _ in rows if action.startswith("cap-")] == [
        ("cap-accepted", "CBT001"),
        ("cap-accepted", "CBT002"),
        ("cap-accepted", "EXR001"),
        ("cap-cancelled", "CBT003"),
    ]
    # Each alert sent is recorded as the console's and `videotron alert`'s are.
    sent = [(action, target, json.loads(detail)) for action, target, detail in rows
            if not action.startswith("cap-")]  # fmt: skip
    assert [(a, t, d["source"], d["cap_identifier"]) for a, t, d in sent] == [
        ("alert", "bogor", "cap-watch", "CBT001"),
        ("alert", "bogor", "cap-watch", "CBT002"),
        ("alert", "jakarta", "cap-watch", "EXR001"),
        ("alert-cancel", "bogor", "cap-watch", "CBT003"),
    ]
