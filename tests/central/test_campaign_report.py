"""A campaign's delivery against its goal, the buyers' export and the partner's PDF, verified."""

from __future__ import annotations

import base64
import datetime as dt
import io
import json
import shutil
import subprocess
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from PIL import Image
from sqlalchemy import delete, select

from central.campaigns import delivery, export
from central.db import retention, rollup
from central.db.database import open_engine, upgrade
from central.db.schema import play_days, plays
from central.db.store import Recorder, Report
from central.publish import publish
from tests.fixtures.media import make_image
from tests.fixtures.schedule import campaign, image, loop, manifest
from videotron.cli import main

JAKARTA = ZoneInfo("Asia/Jakarta")
MAY1 = dt.datetime(2024, 4, 30, 17, 0)  # 2024-05-01 00:00 in Jakarta, naive UTC
GAP = dt.timedelta(minutes=30)  # 48 plays a day
YAML = """\
group: bogor-city
playlists:
  - name: main
    items:
      - {id: psa-water, type: image, file: media/water.jpg, duration: 10}
campaigns:
  - id: imunisasi
    partner: Dinas Kesehatan
    goal: {plays_per_day: 48}
    schedule: {valid_from: 2024-05-01, valid_until: 2024-05-31}
    items:
      - {id: imunisasi-15s, type: image, file: media/water.jpg, duration: 15}
"""


def play(n: int, start: dt.datetime) -> dict:
    return {
        "id": n, "item_id": "imunisasi-15s", "media": "ab" * 32, "playlist": None,
        "started_at": start.isoformat() + "Z",
        "ended_at": (start + dt.timedelta(seconds=15)).isoformat() + "Z",
        "duration": 15.0, "completed": True,
    }  # fmt: skip


def screenshot(taken: dt.datetime) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (320, 180), (0, 128, 255)).save(out, format="JPEG")
    return json.dumps({
        "taken_at": taken.isoformat() + "Z", "item": "imunisasi-15s", "playlist": None,
        "width": 320, "height": 180, "jpeg": base64.b64encode(out.getvalue()).decode(),
    }).encode()  # fmt: skip


def status(online: bool, ts: dt.datetime) -> bytes:
    body = {"online": online, "player": "p1", "group": "bogor-city", "version": "1",
            "ts": ts.isoformat() + "Z"}  # fmt: skip
    if online:
        body |= {"uptime": 1.0, "current": {"item": "psa-water", "kind": "item"}}
    else:
        body["reason"] = "connection lost"
    return json.dumps(body).encode()


def test_a_short_day_is_flagged_with_the_time_the_screen_was_offline() -> None:
    published = manifest(loop("main", 3), campaigns=(campaign("c", image("c-15s", 15), plays=48),))
    plays_ = [{"player": "p1", "started_at": MAY1 + k * GAP, "duration": 15.0} for k in range(72)]
    offline = {"p1": {"offline": [(MAY1 + dt.timedelta(hours=36), MAY1 + dt.timedelta(days=3))]}}
    days = delivery.delivery(
        "c", [delivery.Target("p1", "g", published)], plays_, offline, tz=JAKARTA,
        first=dt.date(2024, 5, 1), last=dt.date(2024, 5, 9),
        now=(MAY1 + dt.timedelta(days=1, hours=18)).replace(tzinfo=dt.UTC),
    )  # fmt: skip
    # today (May 2) is planned up to now, 18:00: 36 due, 24 played, 6 hours offline
    assert [(d.day.day, d.planned, d.delivered, d.short, d.cause) for d in days] == [
        (1, 48, 48, False, None), (2, 36, 24, True, "offline"),
    ]  # fmt: skip
    assert days[1].lost == {"offline": 6 * 3600.0}


@pytest.fixture
def office(tmp_path: Path):
    src = tmp_path / "src"
    make_image(src / "media" / "water.jpg", color=(0, 128, 255))
    (src / "playlist.yaml").write_text(YAML)
    publish(src / "playlist.yaml", tmp_path / "out", None,
            dt.datetime(2024, 4, 30, 8, 0, tzinfo=dt.UTC))  # fmt: skip
    database = tmp_path / "central.sqlite3"
    config = tmp_path / "central.yaml"
    config.write_text(
        f"collector: {{database: 'sqlite:///{database}'}}\n"
        f"publish: {{groups: {{bogor-city: {tmp_path / 'out'}}}}}\n"
        "cap: {groups: {bogor-city: {location: '-6.595,106.816'}}}\n"
        "campaigns: {venue_types: {bogor-city: 302}}\n"
    )
    engine = open_engine(f"sqlite:///{database}")
    upgrade(engine)
    with engine.begin() as connection:
        rollup.keep_days_in(connection, JAKARTA)
    recorder = Recorder()
    # 48 plays on May 1, the first 24 of May 2; the screen offline from noon on May 2
    records = [play(k, MAY1 + k * GAP) for k in range(72)]
    batch = {"player": "p1", "group": "bogor-city", "store": "s1", "batch": "b1",
             "dropped": 0, "records": records}  # fmt: skip
    reports = [
        Report("p1", "status", status(True, MAY1), MAY1),
        Report("p1", "pop", json.dumps(batch).encode(), MAY1 + dt.timedelta(days=2)),
        Report("p1", "screenshot", screenshot(MAY1 + 3 * GAP), MAY1 + 3 * GAP),
        Report("p1", "status", status(False, MAY1 + dt.timedelta(hours=36)),
               MAY1 + dt.timedelta(hours=36)),
    ]  # fmt: skip
    for report in reports:
        with engine.begin() as connection:
            recorder.write(connection, [report])
    try:
        yield config, engine
    finally:
        engine.dispose()


def test_report_export_pdf_and_verify_agree_with_the_players_plays(office, tmp_path, capsys):
    config, engine = office
    period = ["--id", "imunisasi", "--from", "2024-05-01", "--to", "2024-05-02",
              "--tz", "Asia/Jakarta", "--config", str(config)]  # fmt: skip
    assert main(["report", "campaign", *period]) == 0
    out = capsys.readouterr().out
    assert "72 of 96 planned plays delivered; 1 screen-days short" in out
    assert "offline" in out
    assert main(["report", "campaign", *period, "--export", "csv"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1 + 72
    assert lines[0].lstrip("\ufeff").startswith("play_id,campaign,partner,screen,group,venue_type")
    assert ",302,outdoor.urban_panels,imunisasi-15s," in lines[1]
    assert main(["report", "campaign", *period, "--export", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert len(document["plays"]) == 72
    assert document["plays"][0]["start"] == "2024-04-30T17:00:00Z"

    report = tmp_path / "imunisasi.pdf"
    assert main(["report", "campaign", *period, "--pdf", str(report), "--lang", "en"]) == 0
    digest = capsys.readouterr().out.split("sha256 ")[1].strip()
    assert digest == export.fingerprint(
        "imunisasi", dt.date(2024, 5, 1), dt.date(2024, 5, 2), "Asia/Jakarta",
        [{**p, "started_at": dt.datetime.fromisoformat(p["start"][:-1]),
          "ended_at": dt.datetime.fromisoformat(p["end"][:-1]),
          "player": p["screen"], "store": "s1", "record_id": int(p["play_id"].split(":")[2]),
          "item_id": p["creative"]} for p in document["plays"]],
    )  # fmt: skip
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", "-layout", str(report), "-"], capture_output=True,
                              text=True, check=True).stdout  # fmt: skip
        assert "72 of 96 planned plays" in text and "screen offline" in text
        assert digest in text.replace("\n", "") and "-6.59500, 106.81600" in text
        assert "p1 · 2024-05-01 01:30:00 WIB · imunisasi-15s" in text  # the screenshot's caption
    shutil.copy(report, "/tmp/campaignsoffice-report.pdf")
    verify = ["report", "campaign", "--verify", str(report), "--config", str(config)]
    assert main(verify) == 0
    assert "matches the records (72 plays" in capsys.readouterr().out
    with engine.begin() as connection:  # a play disappears: the report no longer matches
        connection.execute(delete(plays).where(plays.c.record_id == 5))
    assert main(verify) == 3
    assert "does NOT match" in capsys.readouterr().out


def test_plays_go_after_their_keeping_time_and_daily_sums_stay(office):
    _config, engine = office
    with engine.begin() as connection:
        kept = retention.prune(connection, MAY1 + dt.timedelta(days=401), 400, 3660)
        assert kept["plays"] == 48 and kept["play_days"] == 0
        assert {row.day for row in connection.execute(select(play_days.c.day))} == {
            "2024-05-01", "2024-05-02",
        }  # fmt: skip
        left = connection.execute(select(plays.c.record_id)).scalars().all()
        assert sorted(left) == list(range(48, 72))
