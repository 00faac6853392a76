"""The `cap:` section of central.yaml: the template loads, mistakes name file, line and key."""

from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path

import pytest

from central.cap.settings import CapSource, GroupPlace
from central.cap.watcher import next_wait
from central.config import CentralConfigError, load_central_config

ROOT = Path(__file__).resolve().parents[2]


def test_the_template_documents_every_cap_key():
    config = load_central_config(ROOT / "config" / "central.yaml")
    cap = config.cap
    assert cap.sources == (CapSource(url="https://www.bmkg.go.id/alerts/nowcast/id/rss.xml"),)
    assert (cap.poll_interval, cap.deadline, cap.max_bytes, cap.lifetime) == (
        60, 20, 1048576, 6 * 3600
    )  # fmt: skip
    assert cap.status_file == Path("/run/videotron-cap/status.json")
    assert cap.state_file == Path("/var/lib/videotron-central/cap-state.json")
    assert cap.groups == {"bogor-city": GroupPlace(point=(-6.595, 106.816), names=("Kota Bogor",))}
    assert cap.audit_database.reveal() == "sqlite:////var/lib/videotron-central/central.sqlite3"


def test_areas_folders_and_exercises(tmp_path):
    path = tmp_path / "central.yaml"
    path.write_text(
        "cap:\n  sources:\n    - folder: drop\n  groups:\n    puncak:\n"
        "      area: ['-6.7,106.9', '-6.7,107.0', '-6.6,107.0']\n      exercises: yes\n",
        encoding="utf-8",
    )
    cap = load_central_config(path).cap
    assert cap.sources == (CapSource(folder=tmp_path / "drop"),)
    place = cap.groups["puncak"]
    assert place.area[0] == place.area[-1] == (-6.7, 106.9) and place.exercises
    assert cap.audit_database is None  # no collector.database: no audit records


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("cap:\n  pol_interval: 5\n", ":2:3: cap.pol_interval: unknown key 'pol_interval' in cap; "
         "did you mean cap.poll_interval?"),
        ("cap:\n  poll_interval: 0\n", ":2:18: cap.poll_interval: 0s is out of range: must be "
         "from 1s"),
        ("cap:\n  sources:\n    - ftp: x\n", ":3:7: cap.sources[0]: one of 'url: https://…'"),
        ("cap:\n  sources:\n    - url: ftp://x\n", ":3:12: cap.sources[0].url: expected http"),
        ("cap:\n  groups:\n    a:\n      location: '-6.5'\n",
         ":4:17: cap.groups.a.location: expected 'latitude,longitude'"),
        ("cap:\n  groups:\n    a:\n      exercises: maybe\n",
         ":4:18: cap.groups.a.exercises: true or false"),
        ("cap:\n  groups:\n    a:\n      exercises: true\n",
         ":4:7: cap.groups.a: give a location, an area or names"),
        ("cap:\n  max_bytes: 10\n", ":2:14: cap.max_bytes: 10 is out of range: must be from 4096"),
        ("cap:\n  deadline: 2m\n", ":2:13: cap.deadline: 120s is out of range: must be from 1s "
         "to 60s"),
    ],
)  # fmt: skip
def test_mistakes_are_named_by_line_and_key(tmp_path, text, message):
    path = tmp_path / "central.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CentralConfigError) as caught:
        load_central_config(path)
    assert str(caught.value).startswith(f"{path}{message}")


@pytest.mark.parametrize(
    ("poll", "failures", "low", "high"),
    [(60, 0, 54, 66), (60, 1, 108, 132), (60, 3, 432, 528), (60, 9, 810, 990),
     (3600, 2, 3240, 3960)],
)  # fmt: skip
def test_a_failing_source_backs_off_with_jitter_and_a_ceiling(poll, failures, low, high):
    rng = random.Random(1)
    waits = [next_wait(poll, failures, rng) for _ in range(200)]
    assert low <= min(waits) and max(waits) <= high
    assert max(waits) - min(waits) > (high - low) / 2  # the jitter is really spread


def test_cap_watch_names_what_is_missing_and_status_needs_a_running_watcher(tmp_path):
    path = tmp_path / "central.yaml"
    path.write_text(f"cap:\n  status_file: {tmp_path / 'none.json'}\n", encoding="utf-8")
    run = [sys.executable, "-m", "videotron", "--config", str(path), "cap-watch"]
    started = subprocess.run(run, capture_output=True, text=True, timeout=60, check=False)
    assert started.returncode == 2
    assert started.stderr.strip() == (
        "videotron cap-watch: no cap.sources; no cap.groups; no mqtt.url; no publish.key to "
        f"sign the alerts with in {path}"
    )
    status = subprocess.run([*run, "--status"], capture_output=True, text=True, timeout=60,
                            check=False)  # fmt: skip
    assert status.returncode == 1 and "is the watcher running" in status.stderr
