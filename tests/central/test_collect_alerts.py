"""A flood on real screens: what each screen showed, from the players' frame logs to the report.

Two headless players play short items and report over mosquitto to `videotron collect`.
A flood alert goes out with `videotron alert`, long enough to need pages; a new version
replaces it, a cancel takes it off, and a second alert ends at its own expiry. Every alert
version's time on each screen is then in the office database exactly once, and
`videotron report onscreen` lists the same intervals the players' frame logs show, to
within a second.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import sqlite3
from pathlib import Path

from sqlalchemy import select

from central.db.schema import alert_plays
from tests.fixtures.collector import CollectorProcess, Screen, wait_until
from tests.fixtures.content import publish_tree
from tests.fixtures.content import write_key as make_key
from tests.fixtures.player import videotron

ITEMS = [
    {"id": "red", "type": "image", "color": [200, 0, 0], "size": [64, 36], "duration": 1},
    {"id": "blue", "type": "image", "color": [0, 0, 200], "size": [64, 36], "duration": 1},
]
# Long enough that a 320x180 card pages it.
FLOOD = (
    "Banjir di Kota Bogor: air Sungai Ciliwung naik cepat di Katulampa. Warga bantaran "
    "sungai di Sempur, Babakan Pasar, Kedung Halang dan Tanah Sareal diminta segera "
    "mengungsi ke tempat yang lebih tinggi, mematikan listrik rumah, membawa dokumen "
    "penting dan obat-obatan, serta mengikuti arahan petugas BPBD dan relawan di lokasi. "
    "Jangan menyeberangi arus banjir dan jauhi tiang listrik serta saluran air."
)
CONTENT = re.compile(r"alert:(?P<id>[^@]+)(?:@(?P<page>\d+)/(?P<pages>\d+))?$")


def frame_log_alerts(path: Path) -> list[dict]:
    """Alert intervals as the frame log shows them: from the first frame of a showing to
    the first frame of whatever followed it; its pages as the frames named them."""
    frames = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    intervals: list[dict] = []
    current = None
    for frame in frames:
        key = (frame["kind"], frame["switch_at"], frame["slot_start"])
        if current is not None and key == current["key"]:
            current["pages_seen"].add(_page(frame))
            continue
        if current is not None:
            current["end"] = frame["t"]
            intervals.append(current)
        current = None
        if frame["kind"] == "alert":
            match = CONTENT.match(frame["content"])
            current = {
                "key": key,
                "alert": match["id"],
                "start": frame["t"],
                "pages": int(match["pages"] or 1),
                "pages_seen": {_page(frame)},
            }
    assert current is None or current["key"][0] != "alert", "the log ends on an alert"
    return intervals


def _page(frame: dict) -> int:
    return int(CONTENT.match(frame["content"])["page"] or 1) if frame["kind"] == "alert" else 0


def seconds_utc(text: str) -> float:
    """The report's local time (with --tz UTC) as a timestamp."""
    moment = dt.datetime.strptime(text, "%Y-%m-%d %H:%M:%S.%f").replace(tzinfo=dt.UTC)
    return moment.timestamp()


def pending_alerts(screen: Screen) -> int:
    db = sqlite3.connect(screen.cache / "pop.sqlite3")
    try:
        return db.execute("SELECT COUNT(*) FROM alerts").fetchone()[0]
    finally:
        db.close()


def test_a_flood_report_lists_what_each_screen_showed_as_its_frame_log_does(mosquitto, tmp_path):
    key_path, public_key = make_key(tmp_path / "keys" / "publisher.key")
    site = tmp_path / "site"
    publish_tree(site, ITEMS, key_path)
    database = f"sqlite:///{tmp_path / 'office' / 'central.sqlite3'}"
    collector = CollectorProcess(tmp_path / "office", mosquitto.url, database)
    screens = [
        Screen(tmp_path / f"screen-{n}", f"screen-{n}", site, public_key, mosquitto.url)
        for n in (1, 2)
    ]
    logs = {screen.id: tmp_path / f"{screen.id}.frames.jsonl" for screen in screens}
    began = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)

    def alert(*args: str) -> None:
        videotron("--config", str(collector.config), "alert", *args, "--group", "test",
                  "--key", str(key_path))  # fmt: skip

    def on_every_screen(what: str, test) -> None:
        for screen in screens:
            screen.wait_for(what, lambda s: test(s.get("render") or {}), 30)

    def frames_show(screen: Screen, pattern: str) -> bool:
        path = logs[screen.id]
        return path.exists() and re.search(pattern, path.read_text()) is not None

    try:
        collector.start()
        for screen in screens:
            screen.start("--frame-log", str(logs[screen.id]))
        for screen in screens:
            screen.wait_for("MQTT", lambda s: (s.get("mqtt") or {}).get("state") == "connected",
                            60)  # fmt: skip
            screen.wait_for("an item", lambda s: (s.get("render") or {}).get("kind") == "item", 60)
        alert(FLOOD, "--id", "flood", "--level", "warning")
        on_every_screen("the flood alert", lambda r: r.get("alert_level") == "warning")
        for screen in screens:  # its second page on screen (frame logs flush every second)
            wait_until(lambda s=screen: frames_show(s, r'"alert:flood@2/'), 60, "page 2")
        alert(FLOOD.replace("Banjir", "BANJIR BESAR"), "--id", "flood", "--level", "emergency")
        on_every_screen("the new version", lambda r: r.get("alert_level") == "emergency")
        alert("--cancel", "flood")
        on_every_screen("the schedule again", lambda r: r.get("kind") == "item")
        alert("Genangan di Jalan Pajajaran", "--id", "genangan", "--level", "info",
              "--expires", "4s")  # fmt: skip
        on_every_screen("the second alert", lambda r: r.get("alert") == "genangan")
        on_every_screen("its expiry", lambda r: r.get("kind") == "item")
        for screen in screens:  # three versions on each screen, all acknowledged
            wait_until(
                lambda s=screen: collector_count(collector, s.id) == 3 and pending_alerts(s) == 0,
                60,
                f"{screen.id}'s alert records stored and acknowledged",
            )
    finally:
        for screen in screens:
            if screen.proc is not None:
                assert screen.stop() == 0, screen.logs.read_text()[-2000:]
        collector.stop()
    try:
        ended = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1)
        report = videotron(
            "--config", str(collector.config), "report", "onscreen",
            "--day", began.date().isoformat(), "--from", f"{began:%H:%M:%S}",
            "--to", f"{ended:%H:%M:%S}", "--tz", "UTC", "--csv",
        )  # fmt: skip
        rows = list(csv.DictReader(io.StringIO(report.stdout.removeprefix("\ufeff"))))
        assert {row["kind"] for row in rows} == {"play", "alert"}
        for screen in screens:
            logged = frame_log_alerts(logs[screen.id])
            listed = [r for r in rows if r["screen"] == screen.id and r["kind"] == "alert"]
            assert [r["item"] for r in listed] == [i["alert"] for i in logged]
            assert [r["item"] for r in listed] == ["flood", "flood", "genangan"]
            assert [r["level"] for r in listed] == ["warning", "emergency", "info"]
            assert [r["completed"] for r in listed] == ["False", "False", "True"]
            for row, interval in zip(listed, logged, strict=True):
                assert abs(seconds_utc(row["start"]) - interval["start"]) < 1.0, (row, interval)
                assert abs(seconds_utc(row["end"]) - interval["end"]) < 1.0, (row, interval)
                assert int(row["pages"]) == interval["pages"]
                assert int(row["pages_shown"]) == len(interval["pages_seen"]), (row, interval)
            assert int(listed[0]["pages"]) > 1 and int(listed[0]["pages_shown"]) >= 2
            # The screen's plays around them: none overlaps an alert on the same screen.
            plays = [r for r in rows if r["screen"] == screen.id and r["kind"] == "play"]
            for row in listed:
                start, end = seconds_utc(row["start"]), seconds_utc(row["end"])
                assert not [
                    p for p in plays
                    if seconds_utc(p["start"]) < end - 0.5 and seconds_utc(p["end"]) > start + 0.5
                ]  # fmt: skip
    finally:
        collector.close()


def collector_count(collector: CollectorProcess, player: str) -> int:
    with collector.engine().connect() as connection:
        return len(connection.execute(select(alert_plays.c.id).where(
            alert_plays.c.player == player)).all())  # fmt: skip
