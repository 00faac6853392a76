"""A campaign's delivery against its goal, the buyers' export and the partner's PDF, verified."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import delete, select

from central.campaigns import delivery, export, pdf
from central.db import retention
from central.db.schema import play_days, plays
from tests.fixtures.campaigns import GAP, JAKARTA, MAY1, make_office
from tests.fixtures.schedule import campaign, image, loop, manifest
from videotron.cli import main


def test_a_short_day_is_flagged_with_the_time_the_screen_was_offline() -> None:
    published = manifest(loop("main", 3), campaigns=(campaign("c", image("c-15s", 15), plays=48),))
    plays_ = [{"player": "p1", "started_at": MAY1 + k * GAP, "duration": 15.0, "completed": True}
              for k in range(72)]  # fmt: skip
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


def test_days_before_the_first_publish_are_not_yet_published_and_plan_nothing() -> None:
    published = manifest(loop("main", 3), campaigns=(campaign("c", image("c-15s", 15), plays=48),))
    # first published on May 2 at 12:00 Jakarta: 24 of that day's 48 plays were due before
    first_publish = (MAY1 + dt.timedelta(days=1, hours=12)).replace(tzinfo=dt.UTC)
    plays_ = [{"player": "p1", "started_at": MAY1 + dt.timedelta(days=1, hours=12) + k * GAP,
               "duration": 15.0, "completed": True} for k in range(24 + 48)]  # fmt: skip
    days = delivery.delivery(
        "c", [delivery.Target("p1", "g", published)], plays_, {}, tz=JAKARTA,
        first=dt.date(2024, 5, 1), last=dt.date(2024, 5, 3),
        now=(MAY1 + dt.timedelta(days=3)).replace(tzinfo=dt.UTC), published=first_publish,
    )  # fmt: skip
    assert [(d.day.day, d.published, d.planned, d.delivered, d.short) for d in days] == [
        (1, False, 0, 0, False), (2, True, 24, 24, False), (3, True, 48, 48, False),
    ]  # fmt: skip
    assert sum(d.planned for d in days) == 72  # the unpublished day adds nothing to the plan
    assert [pdf._note(d, pdf.WORDS["id"]) for d in days] == ["belum terbit", "", ""]


def test_a_play_cut_short_is_not_delivered_but_counted_apart() -> None:
    published = manifest(loop("main", 3), campaigns=(campaign("c", image("c-15s", 15), plays=48),))
    plays_ = [{"player": "p1", "started_at": MAY1 + k * GAP, "duration": 15.0 if k % 4 else 3.0,
               "completed": bool(k % 4)} for k in range(48)]  # fmt: skip
    days = delivery.delivery(
        "c", [delivery.Target("p1", "g", published)], plays_, {}, tz=JAKARTA,
        first=dt.date(2024, 5, 1), last=dt.date(2024, 5, 1),
        now=(MAY1 + dt.timedelta(days=1)).replace(tzinfo=dt.UTC),
    )  # fmt: skip
    [day] = days
    assert (day.planned, day.delivered, day.cut_short, day.seconds, day.short) == (
        48,
        36,
        12,
        36 * 15.0,
        True,
    )


@pytest.fixture
def office(tmp_path: Path):
    config, engine = make_office(tmp_path)
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
        kept = retention.prune(
            connection,
            MAY1 + dt.timedelta(days=401),
            plays_kept=dt.timedelta(days=400),
            daily_sums_kept=dt.timedelta(days=3660),
        )
        assert kept["plays"] == 48 and kept["play_days"] == 0
        assert kept["screenshots"] == 5 + 1  # the latest five, and the campaign's own
        assert {row.day for row in connection.execute(select(play_days.c.day))} == {
            "2024-05-01", "2024-05-02",
        }  # fmt: skip
        left = connection.execute(select(plays.c.record_id)).scalars().all()
        assert sorted(left) == list(range(48, 72))
