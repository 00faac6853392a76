"""The manifest's brightness plan: read, refused with every problem, published from YAML."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from central.publish import publish
from player.wire.brightness import brightness_from_raw
from player.wire.manifest import ManifestError
from player.wire.parse import manifest_from_raw

GOOD = {
    "steps": [{"at": "05:00", "level": 40}, {"at": "sunset", "offset": -15, "level": 70}],
    "sensor": {"dark_lux": 5, "bright_lux": 20000, "dark_level": 20, "bright_level": 100},
    "screens": {"bogor-01": {"steps": [{"at": "00:00", "level": 10}]}},
}


def manifest(brightness: object) -> dict:
    return {
        "version": 1,
        "group": "g",
        "published_at": "2026-12-07T00:00:00Z",
        "sequence": 1,
        "playlists": [{"name": "main", "priority": 0, "items": [
            {"id": "t", "type": "text", "text": "Halo", "duration": 5}]}],
        "brightness": brightness,
    }  # fmt: skip


def test_a_plan_per_group_and_per_screen():
    brightness = brightness_from_raw(GOOD)
    assert brightness.for_screen("jkt-01").steps[1].sun == "sunset"
    assert brightness.for_screen("jkt-01").steps[1].offset_minutes == -15
    assert brightness.for_screen("jkt-01").sensor.bright_lux == 20000
    assert brightness.for_screen("bogor-01").steps[0].level == 10


BAD = {
    "steps": [
        {"at": "25:00", "level": 40},
        {"at": "sunrise", "offset": 600, "level": 100},
        {"at": "12:00", "offset": 5, "level": 50},
        {"at": "noon", "level": 50},
        {"at": "06:00", "level": 101},
    ],
    "sensor": {"dark_lux": 100, "bright_lux": 10, "dark_level": 0, "bright_level": 100},
}


def test_the_publisher_hears_every_problem_at_once():
    with pytest.raises(ManifestError) as caught:
        manifest_from_raw(manifest(BAD), strict=True)
    paths = [problem.path for problem in caught.value.problems]
    assert paths == [
        "brightness.steps[0].at",
        "brightness.steps[1].offset",
        "brightness.steps[2]",
        "brightness.steps[3].at",
        "brightness.steps[4].level",
        "brightness.sensor",
    ]


def test_the_player_plays_on_without_a_bad_plan():
    parsed = manifest_from_raw(manifest(BAD))
    assert parsed.brightness.plan is None
    assert any("brightness.steps[0].at" in skipped for skipped in parsed.skipped)
    assert len(parsed.playlists[0].items) == 1


def test_the_authoring_yaml_plan_is_published_signed_with_the_content(tmp_path):
    authoring = tmp_path / "playlist.yaml"
    authoring.write_text(
        "group: g\n"
        "brightness:\n"
        "  steps:\n"
        "    - {at: 05:00, level: 40}\n"  # YAML 1.1 reads an unquoted 05:00 as 300
        "    - {at: sunset, offset: -15, level: 70}\n"
        "playlists:\n"
        "  - name: main\n"
        "    items:\n"
        "      - {id: t, type: text, text: Halo, duration: 5}\n",
        encoding="utf-8",
    )
    publish(authoring, tmp_path / "site", None, dt.datetime(2026, 12, 7, tzinfo=dt.UTC))
    raw = json.loads((tmp_path / "site" / "manifest.json").read_text())
    assert raw["brightness"]["steps"][0] == {"at": "05:00", "level": 40}
    assert manifest_from_raw(raw).brightness.plan.steps[0].at == dt.time(5)
