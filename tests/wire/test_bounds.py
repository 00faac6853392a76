"""The wire format's bounds: the limit accepted, beyond it refused naming the field, or skipped."""

from __future__ import annotations

import datetime as dt
import logging

import pytest

from player.wire import manifest as m
from player.wire.manifest import ManifestError, ManifestProblems, to_json
from player.wire.parse import parse
from tests.wire.test_manifest import IMG, VID, base

I0 = ("playlists", 0, "items", 0)


def _set(raw: dict, path: tuple, value) -> dict:
    target = raw
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return raw


# (path, the largest/smallest value accepted, the first refused, what the refusal says)
LIMITS = [
    ((*I0, "duration"), m.MAX_DURATION, m.MAX_DURATION + 0.001, "duration: must be <="),
    ((*I0, "duration"), m.MIN_DURATION, m.MIN_DURATION / 2, "duration: must be >="),
    (("defaults", "duration"), m.MAX_DURATION, 3e11, "defaults.duration: must be <="),
    (("media", VID, "duration"), m.MAX_DURATION, 1e300, f"media.{VID}.duration: must be <="),
    (("media", IMG, "size"), m.MAX_MEDIA_SIZE, m.MAX_MEDIA_SIZE + 1, f"{IMG}.size: must be <="),
    (("media", IMG, "width"), m.MAX_MEDIA_SIDE, m.MAX_MEDIA_SIDE + 1, f"{IMG}.width: must be <="),
    (("sequence",), m.MAX_SEQUENCE, 10**30, "sequence: must be <="),
    (("playlists", 1, "priority"), m.MAX_PRIORITY, m.MAX_PRIORITY + 1, "priority: must be <="),
    (("playlists", 1, "priority"), -m.MAX_PRIORITY, -m.MAX_PRIORITY - 1, "priority: must be >="),
    (
        (*I0, "transition"),
        {"type": "crossfade", "ms": m.MAX_TRANSITION_MS},
        {"type": "crossfade", "ms": 10**12},
        "transition.ms: must be <=",
    ),
    (("layout", "ticker", "speed"), m.MAX_TICKER_SPEED, 1e12, "ticker.speed: must be <="),
    (("layout", "ticker", "height"), m.MIN_FRACTION, 1e-300, "ticker.height: must be >="),
    (("layout", "clock", "size"), 0.5, 0.51, "clock.size: must be <="),
    (
        ("layout", "ticker", "feeds"),
        [{"url": "https://x.org/rss", "refresh": m.MIN_FEED_REFRESH}],
        [{"url": "https://x.org/rss", "refresh": 0.001}],
        "feeds[0].refresh: must be >=",
    ),
    (("published_at",), "2200-12-31T23:59:59Z", "2201-01-01T00:00:00Z", "year 2201 is outside"),
    (("published_at",), "2000-01-01T00:00:00Z", "1999-12-31T23:59:59Z", "year 1999 is outside"),
    (
        ("playlists", 1, "schedule", "valid_until"),
        "2200-12-31",
        "9999-12-31",
        "schedule.valid_until: year 9999",
    ),
    (
        ("playlists", 1, "items", 0, "schedule", "valid_from"),
        "2000-01-01",
        "0001-01-01",
        "schedule.valid_from: year 1 is outside",
    ),
    (("playlists", 0, "items", 2, "text"), "x" * m.MAX_TEXT, "x" * (m.MAX_TEXT + 1), "text: may"),
    ((*I0, "id"), "i" * m.MAX_NAME, "i" * (m.MAX_NAME + 1), "items[0].id: may be at most"),
    (("playlists", 0, "name"), "n" * m.MAX_NAME, "n" * 10_000, "playlists[0].name: may be"),
    (("layout", "clock", "format"), "%H" * 32, "%H" * 33, "clock.format: may be at most"),
    (
        ("layout", "ticker", "lines"),
        ["a" * m.MAX_LINE] * m.MAX_TICKER_LINES,
        ["a"] * (m.MAX_TICKER_LINES + 1),
        "ticker.lines: may hold at most",
    ),
    (("layout", "ticker", "lines"), ["a" * m.MAX_LINE], ["a" * (m.MAX_LINE + 1)], "lines[0]: may"),
    (
        ("playlists", 1, "schedule", "windows"),
        ["06:00-07:00"] * m.MAX_WINDOWS,
        ["06:00-07:00"] * (m.MAX_WINDOWS + 1),
        "schedule.windows: may hold at most",
    ),
    (
        ("media", IMG, "url"),
        "media/" + "u" * (m.MAX_URL - 6),
        "media/" + "u" * m.MAX_URL,
        f"{IMG}.url: may be at most",
    ),
]


def _morning_windows(raw: dict) -> dict:
    schedule = raw["playlists"][1]["schedule"]
    schedule.pop("from")
    schedule.pop("until")
    return raw


@pytest.mark.parametrize(("path", "ok", "bad", "message"), LIMITS)
def test_each_bound_accepts_its_limit_and_refuses_beyond_it_naming_the_field(
    path, ok, bad, message
):
    prepare = _morning_windows if path[-1] == "windows" else lambda raw: raw
    parse(to_json(_set(prepare(base()), path, ok)), strict=True)
    with pytest.raises(ManifestError) as caught:
        parse(to_json(_set(prepare(base()), path, bad)), strict=True)
    assert message in str(caught.value)


def test_counts_are_bounded_before_the_items_are_read():
    raw = base()
    item = {"id": "x", "type": "clock"}
    raw["playlists"][0]["items"] = [dict(item, id=f"x{i}") for i in range(m.MAX_ITEMS + 1)]
    with pytest.raises(ManifestError, match=r"^playlists\[0\]\.items: may hold at most 10000"):
        parse(to_json(raw))
    raw = base()
    raw["playlists"] = [
        {"name": f"p{p}", "items": [dict(item, id=f"p{p}-{i}") for i in range(m.MAX_ITEMS)]}
        for p in range(m.MAX_TOTAL_ITEMS // m.MAX_ITEMS + 1)
    ]
    with pytest.raises(ManifestError, match=r"^playlists: may hold at most 50000 items in all"):
        parse(to_json(raw))
    raw = base()
    raw["playlists"] = [{"name": f"p{p}", "items": [item]} for p in range(m.MAX_PLAYLISTS + 1)]
    with pytest.raises(ManifestError, match=r"^playlists: may hold at most 1000 entries"):
        parse(to_json(raw))


def test_the_player_skips_an_item_beyond_the_bounds_and_keeps_the_rest(caplog):
    raw = base()
    raw["playlists"][0]["items"][0]["duration"] = 3e11
    raw["playlists"][0]["items"][2]["text"] = "x" * (m.MAX_TEXT + 1)
    with caplog.at_level(logging.WARNING, logger="player.wire.parse"):
        manifest = parse(to_json(raw))
    assert [item.id for item in manifest.playlists[0].items] == ["clip"]
    assert manifest.skipped == (
        "playlists[0].items[0].duration: must be <= 86400, got 3e+11",
        "playlists[0].items[2].text: may be at most 4000 characters, got 4001",
    )
    (record,) = caplog.records  # one line, so the log's repeat folding keeps every reason
    assert "2 item(s) left out, the rest plays" in record.getMessage()
    assert "items[2].text" in record.getMessage()


def test_the_player_refuses_what_is_not_an_item_or_leaves_a_playlist_empty():
    raw = base()
    raw["playlists"][1]["items"][0]["duration"] = 3e11  # the only item of "morning"
    with pytest.raises(ManifestError, match=r"^playlists\[1\]\.items\[0\]\.duration: must be <="):
        parse(to_json(raw))
    raw = base()
    raw["playlists"][1]["priority"] = 10**20  # reordering playlists is not the office's intent
    with pytest.raises(ManifestError, match=r"^playlists\[1\]\.priority: must be <="):
        parse(to_json(raw))


def test_strict_parse_lists_every_problem_in_document_order():
    raw = base()
    raw["playlists"][0]["items"][0]["duration"] = 3e11
    raw["playlists"][0]["items"][2]["text"] = "x" * (m.MAX_TEXT + 1)
    raw["playlists"][1]["priority"] = 10**20
    raw["layout"]["clock"]["size"] = 9
    with pytest.raises(ManifestProblems) as caught:
        parse(to_json(raw), strict=True)
    assert [p.path for p in caught.value.problems] == [
        "playlists[0].items[0].duration",
        "playlists[0].items[2].text",
        "playlists[1].priority",
        "layout.clock.size",
    ]


def test_a_date_only_valid_until_at_the_last_year_still_means_through_that_day():
    raw = base()
    raw["playlists"][1]["items"][0]["schedule"]["valid_until"] = "2200-12-31"
    (item,) = parse(to_json(raw)).playlists[1].items
    assert item.rules.valid_until == dt.datetime(2201, 1, 1)
