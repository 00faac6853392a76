"""The manifest's `localinfo`: a weather document named by sha256 among the data media."""

from __future__ import annotations

import datetime as dt

import pytest

from player.wire.manifest import ManifestError, to_json
from player.wire.parse import parse
from tests.wire.test_manifest import base

DOC = "d" * 64


def with_weather(**ref) -> dict:
    manifest = base()
    manifest["media"][DOC] = {"size": 300, "type": "data", "url": f"media/{DOC}"}
    manifest["localinfo"] = {
        "weather": {"sha256": DOC, "fetched_at": "2026-12-07T01:05:00Z", **ref}
    }
    return manifest


def test_the_weather_reference_is_read_and_kept_out_of_the_items():
    manifest = parse(to_json(with_weather()))
    assert manifest.localinfo.weather.sha256 == DOC
    assert manifest.localinfo.weather.fetched_at == dt.datetime(2026, 12, 7, 1, 5, tzinfo=dt.UTC)
    assert manifest.media[DOC].type == "data"
    assert all(item.media != DOC for item in manifest.items())
    assert parse(to_json(base())).localinfo.weather is None


@pytest.mark.parametrize(
    "ref",
    [{"sha256": "e" * 64}, {"sha256": "a" * 64}, {"fetched_at": "yesterday"}, {"sha256": 5}],
)
def test_a_bad_reference_hides_the_weather_on_screens_and_is_refused_at_the_office(ref):
    data = to_json(with_weather(**ref))
    manifest = parse(data)  # the player: the content still plays
    assert manifest.localinfo.weather is None
    assert any("localinfo.weather" in line for line in manifest.skipped)
    with pytest.raises(ManifestError, match=r"localinfo\.weather"):
        parse(data, strict=True)


def test_an_item_cannot_show_a_data_document_as_a_picture():
    manifest = with_weather()
    manifest["playlists"][0]["items"][0]["media"] = DOC
    manifest["playlists"][0]["items"][0]["type"] = "image"
    with pytest.raises(ManifestError, match="is a data, item is image"):
        parse(to_json(manifest), strict=True)
