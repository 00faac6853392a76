"""`videotron schedule` run as a real process on a config and a manifest file."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

VIDEO = "a9f592404c1bcc31577f7c0ad8a5f2fc635fcf520741a39de4a72befc3b64ac0"
MANIFEST = {
    "version": 1,
    "group": "bogor-city",
    "published_at": "2024-05-01T08:00:00+00:00",
    "sequence": 7,
    "media": {VIDEO: {"type": "video", "size": 7357, "duration": 30.0}},
    "playlists": [
        {
            "name": "main",
            "default": True,
            "items": [
                {"id": "water", "type": "text", "text": "Drink water", "duration": 20},
                {"id": "agency", "type": "video", "media": VIDEO},
            ],
        },
        {
            "name": "evening",
            "priority": 10,
            "schedule": {"days": ["fri"], "from": "20:00", "until": "20:01"},
            "items": [{"id": "concert", "type": "text", "text": "Concert", "duration": 45}],
        },
    ],
}
CONFIG = """\
player:
  timezone: Europe/Berlin
cache:
  dir: {cache}
operating_hours:
  weekdays: ["07:00-22:00"]
  sat: ["10:00-02:00"]
  sun: "off"
schedule:
  aligned: {aligned}
"""


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """A config whose cache holds MANIFEST as the active manifest."""
    cache = tmp_path / "cache"
    (cache / "manifests").mkdir(parents=True)
    (cache / "manifests" / "active.json").write_text(json.dumps(MANIFEST))
    (tmp_path / "player.yaml").write_text(CONFIG.format(cache=cache, aligned="false"))
    return tmp_path


def videotron(site: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "videotron", "--config", str(site / "player.yaml"), *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def table_rows(stdout: str) -> list[list[str]]:
    """The table body split into columns (two or more spaces apart)."""
    lines = stdout.splitlines()
    head = next(i for i, line in enumerate(lines) if line.startswith("start "))
    body = []
    for line in lines[head + 1 :]:
        if not line.strip():
            break  # the table ends at the first blank line
        body.append(re.split(r"\s{2,}", line.strip()))
    return body


def test_friday_evening_takeover_and_release(site):
    done = videotron(
        site, "schedule", "--at", "2024-06-07T19:59:30", "--hours", "0.03", "--every-item"
    )
    assert done.returncode == 0, done.stderr
    assert "active.json (group bogor-city, sequence 7" in done.stdout
    # Every time on the screen's clock (player.timezone), with the zone named.
    assert "published 2024-05-01 10:00 CEST)" in done.stdout and "+0000" not in done.stdout
    assert "from Fri 2024-06-07 19:59:30 CEST for" in done.stdout
    got = [(r[0], r[1], r[2], r[3], r[4], r[5]) for r in table_rows(done.stdout)]
    assert got == [
        ("Fri 2024-06-07 19:59:30", "19:59:50", "item", "main", "water (text)", "20s"),
        ("Fri 2024-06-07 19:59:50", "20:00:00", "item", "main", "agency (video)", "10s"),
        ("Fri 2024-06-07 20:00:00", "20:00:45", "item", "evening", "concert (text)", "45s"),
        ("Fri 2024-06-07 20:00:45", "20:01:00", "item", "evening", "concert (text)", "15s"),
        # the interrupted video plays again, whole: its length comes from the media entry
        ("Fri 2024-06-07 20:01:00", "20:01:30", "item", "main", "agency (video)", "30s"),
    ]
    reasons = [r[6] for r in table_rows(done.stdout)]
    assert (
        reasons[2] == "playlist 'evening' (priority 10, window 20:00-20:01 fri) item 1/1 'concert'"
    )
    assert "nothing else valid" in reasons[0]


def test_the_default_view_folds_runs_of_the_same_loop(site):
    done = videotron(site, "schedule", "--at", "2024-06-07T16:00:00", "--hours", "4.03")
    assert done.returncode == 0, done.stderr
    got = [r[:6] for r in table_rows(done.stdout)]
    # Four hours of a 50-second loop of two items (576 plays) read as one line per change.
    assert got[0][:4] == ["Fri 2024-06-07 16:00:00", "20:00:00", "item", "main"]
    assert got[0][4] == "576 plays of water, agency"
    assert got[1] == [
        "Fri 2024-06-07 20:00:00", "20:01:00", "item", "evening", "2 plays of concert", "1m00s"
    ]  # fmt: skip
    assert got[2][:4] == ["Fri 2024-06-07 20:01:00", "20:01:50", "item", "main"]
    assert len(got) == 3
    assert "--every-item lists each play" in done.stdout
    every = videotron(site, "schedule", "--at", "2024-06-07T16:00:00", "--hours", "4.03",
                      "--every-item")  # fmt: skip
    assert len(table_rows(every.stdout)) > 576


def test_operating_hours_show_as_off_until_the_next_on_time(site):
    done = videotron(site, "schedule", "--at", "2024-06-07T21:59:40+02:00", "--hours", "1")
    assert done.returncode == 0, done.stderr
    last = table_rows(done.stdout)[-1]
    assert last[:3] == ["Fri 2024-06-07 22:00:00", "Sat 06-08 10:00:00", "off"]
    assert last[-1] == "outside operating hours"


def test_manifest_option_and_aligned_config(site, tmp_path):
    other = dict(MANIFEST, sequence=9)
    path = tmp_path / "elsewhere.json"
    path.write_text(json.dumps(other))
    (site / "player.yaml").write_text(CONFIG.format(cache=site / "cache", aligned="true"))
    done = videotron(
        site, "schedule", "--at", "2024-06-10T12:00:05", "--hours", "0.01", "--manifest", str(path)
    )
    assert done.returncode == 0, done.stderr
    assert "sequence 9" in done.stdout and "aligned: yes" in done.stdout
    first = table_rows(done.stdout)[0]
    # aligned: the row shows when the item began on the wall-clock loop, before --at
    assert first[0] < "Mon 2024-06-10 12:00:05"
    assert "aligned to the wall clock" in first[-1]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--at", "friday evening"], "--at 'friday evening' is not an ISO date-time"),
        (["--hours", "0"], "--hours 0 must be more than 0"),
        (["--at", "9999-12-31T23:00"], "--at '9999-12-31T23:00': the year must be from 2000"),
        (["--manifest", "missing.json"], "missing.json: not found"),
    ],
)
def test_bad_arguments_say_what_to_fix(site, args, message):
    done = videotron(site, "schedule", *args)
    assert done.returncode == 2
    assert message in done.stderr
    assert "Traceback" not in done.stderr


def test_no_active_manifest_points_to_sync(site):
    (site / "cache" / "manifests" / "active.json").unlink()
    done = videotron(site, "schedule")
    assert done.returncode == 2
    assert "videotron sync --once" in done.stderr


def test_damaged_active_manifest_falls_back_to_previous(site):
    manifests = site / "cache" / "manifests"
    (manifests / "previous.json").write_text(json.dumps(dict(MANIFEST, sequence=6)))
    (manifests / "active.json").write_text("{ not json")
    done = videotron(site, "schedule", "--at", "2024-06-10T12:00")
    assert done.returncode == 0, done.stderr
    assert "previous.json (group bogor-city, sequence 6" in done.stdout


def test_bad_config_is_reported_with_its_location(site):
    (site / "player.yaml").write_text("player:\n  timezone: Europe/Berlinn\n")
    done = videotron(site, "schedule")
    assert done.returncode == 1
    assert "player.timezone" in done.stderr and "player.yaml" in done.stderr


def test_central_side_without_a_player_config_uses_the_defaults(tmp_path):
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps(MANIFEST))
    done = subprocess.run(
        [sys.executable, "-m", "videotron", "schedule", "--manifest", str(path),
         "--at", "2024-06-10T12:00:05", "--hours", "0.01"],
        capture_output=True, text=True, timeout=60, check=False,
        env={**os.environ, "VIDEOTRON_CONFIG": str(tmp_path / "no-such-player.yaml")},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "no player config at" in done.stderr and "using the defaults" in done.stderr
    assert "player time: Asia/Jakarta" in done.stdout and table_rows(done.stdout)


def test_a_campaign_play_and_its_day_against_the_goal_are_explained(site):
    manifest = {
        **MANIFEST,
        "campaigns": [
            {
                "id": "promo",
                "partner": "Toko Maju",
                "goal": {"plays_per_day": 24},
                "schedule": {"from": "08:00", "until": "12:00"},
                "items": [{"id": "promo-15s", "type": "text", "text": "Diskon", "duration": 15}],
            }
        ],
    }
    (site / "cache" / "manifests" / "active.json").write_text(json.dumps(manifest))
    done = videotron(
        site, "schedule", "--at", "2024-06-07T08:00:00", "--hours", "1", "--every-item"
    )
    assert done.returncode == 0, done.stderr
    plays = [r for r in table_rows(done.stdout) if r[3] == "campaign promo"]
    # due at 08:05 and 08:15; the first falls on an item boundary, the second waits for one
    assert [r[0] for r in plays][:2] == ["Fri 2024-06-07 08:05:00", "Fri 2024-06-07 08:15:15"]
    assert plays[1][6] == (
        "campaign 'promo' of Toko Maju: play 2/24 of Fri 2024-06-07, due 08:15:00 (one every"
        " 10m00s of window 08:00-12:00; goal 24 plays/day), 15s after it fell due (the item"
        " before ended then)"
    ), plays[1][6]
    summary = done.stdout[done.stdout.index("campaign  ") :].splitlines()
    assert re.split(r"\s{2,}", summary[1].strip()) == [
        "promo", "Toko Maju", "Fri 2024-06-07", "24 plays/day", "24", "6", "10m00s",
        "window 08:00-12:00",
    ]  # fmt: skip
    # Sunday the screen is off (operating_hours): no time for the goal, said a week ahead
    assert done.stdout.rstrip().endswith(
        "warning: campaign goal cannot be met: Sun 2024-06-09 08:00-12:00: 'promo' wants 24"
        " plays/day but the screen is off through all of its dayparts (operating_hours); move"
        " its dayparts or the screen's hours"
    ), done.stdout
    sunday = videotron(site, "schedule", "--at", "2024-06-09T08:00:00", "--hours", "1")
    line = next(line for line in sunday.stdout.splitlines() if line.startswith("promo "))
    assert re.split(r"\s{2,}", line.strip())[2:] == [
        "Sun 2024-06-09", "24 plays/day", "0", "0", "-", "no screen time in its dayparts"
    ]  # fmt: skip
