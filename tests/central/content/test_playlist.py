"""A group's playlist beyond its items: priorities as the screens schedule them, the ticker's
lines and the office's feeds, the clock; their diff, their approval, their publish."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from central import feeds
from central.config import load_central_config
from central.console import i18n
from central.content import headlines, playlist, review
from central.db import content as stored
from central.db.audit import recent_audit
from player.schedule.plan import Scheduler
from tests.central.content.test_review import add_image, call, published
from tests.fixtures.content import write_key

NOW = dt.datetime(2026, 12, 7, 2, 0, tzinfo=dt.UTC)  # a Monday, 09:00 in Jakarta
FEED = "https://antara.example/rss"
RSS = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>
<item><title>Banjir surut di Kampung Melayu</title><guid>1</guid></item>
<item><title>Harga cabai naik</title><guid>2</guid></item>
</channel></rss>"""
RED = {"sha256": "a" * 64, "name": "red.png", "type": "image"}
BLUE = {"sha256": "b" * 64, "name": "blue.png", "type": "image"}


@pytest.fixture
def office(tmp_path, engine):
    """central.yaml with a key, group A, a library and one office feed; (config, engine, key)."""
    _, public = write_key(tmp_path / "keys" / "publisher.key")
    (tmp_path / "central.yaml").write_text(
        "publish:\n  key: keys/publisher.key\n  groups:\n    A: site/A\n"
        f"console:\n  library: library\n  feeds:\n    - url: {FEED}\n",
        encoding="utf-8",
    )
    config = load_central_config(tmp_path / "central.yaml")
    config.console.library.mkdir()
    return config, engine, public


def layout(lines=(), feeds_=(), clock=False, position="top-right") -> dict:
    edited = playlist.new_layout()
    edited["ticker"].update(lines=list(lines), feeds=list(feeds_))
    edited["clock"].update(on=clock, position=position)
    return edited


def test_the_authoring_yaml_puts_each_priority_in_a_playlist_of_that_priority():
    low, high = playlist.new_item(RED, 1), {**playlist.new_item(BLUE, 2), "priority": 3}
    data = playlist.authoring("A", [low, high], layout(["Halo"], clock=True))
    assert [(p["name"], p.get("priority"), p.get("default")) for p in data["playlists"]] == [
        ("priority-3", 3, None),
        ("main", None, True),
    ]
    assert data["playlists"][0]["items"][0]["id"] == high["id"]
    assert data["ticker"] == {"position": "bottom", "lines": ["Halo"]}
    assert data["clock"] == {"position": "top-right", "format": "%H:%M"}
    assert "ticker" not in playlist.authoring("A", [low], layout())  # nothing to show: no bar


def test_the_diff_names_what_the_ticker_and_clock_do():
    before = layout(["Awas banjir"], clock=False)
    assert playlist.layout_diff(None, before) == ["ticker_on", "ticker_lines_changed"]
    after = layout(["Awas banjir", "Vaksin gratis"], [FEED], clock=True)
    assert playlist.layout_diff(before, after) == [
        "ticker_lines_changed", "ticker_feeds_changed", "clock_on"]  # fmt: skip
    moved = layout(["Awas banjir", "Vaksin gratis"], [FEED], clock=True, position="top-left")
    assert playlist.layout_diff(after, moved) == ["clock_changed"]
    assert playlist.layout_diff(moved, layout()) == [
        "ticker_off", "ticker_lines_changed", "ticker_feeds_changed", "clock_off"]  # fmt: skip
    # An item's priority is part of its schedule: a change, its approval kept.
    item = playlist.carry_approvals([], [playlist.new_item(RED, 1)], "ana", "2026-12-07T02:00:00Z")
    raised = [{**item[0], "priority": 2}]
    assert playlist.diff(item, raised)[0]["fields"] == ["priority"]
    assert playlist.carry_approvals(item, raised, "budi", "x")[0]["approval"]["approver"] == "ana"


def test_checks_refuse_a_feed_the_office_does_not_read_and_a_bad_priority():
    problems = playlist.check_layout(layout(["x" * 2001], ["https://elsewhere/rss"]), [FEED])
    assert problems == [
        "ticker line 1: longer than 2000 characters",
        "https://elsewhere/rss: not one of the office's feeds (central.yaml console.feeds)",
    ]
    assert playlist.check_item({**playlist.new_item(RED, 1), "priority": 10}) == [
        "priority must be a whole number 0 to 9"]  # fmt: skip


def test_the_tickers_approval_is_kept_while_its_lines_are_as_approved():
    first = playlist.carry_layout_approval(None, layout(["Halo"]), "ana", "t1")
    assert first["ticker"]["approval"] == {"approver": "ana", "approved_at": "t1"}
    clock_only = playlist.carry_layout_approval(first, layout(["Halo"], clock=True), "budi", "t2")
    assert clock_only["ticker"]["approval"]["approver"] == "ana"
    reworded = playlist.carry_layout_approval(first, layout(["Halo semua"]), "budi", "t2")
    assert reworded["ticker"]["approval"]["approver"] == "budi"
    assert "approval" not in playlist.carry_layout_approval(first, layout(), "budi", "t2")["ticker"]


def test_priority_ticker_and_clock_reach_the_signed_manifest_through_approval(office):
    config = office[0]
    red = add_image(office, "red.png", (255, 0, 0))
    blue = add_image(office, "blue.png", (0, 0, 255))
    # The feed's queue as a fetch leaves it; one headline approved in the console's way.
    queue = headlines.queue_path(config)
    entries = feeds.parse_entries(RSS, FEED)
    feeds.save_queue(queue, feeds.merge_fetch([], config.console.feeds[0], entries, NOW))
    call(office, headlines.decide, config, "approve", [entries[0].id], approver="ana", now=NOW)
    campaign = {**playlist.new_item(blue, 2), "priority": 1, "start": "12:00", "end": "13:00"}
    items = [playlist.new_item(red, 1), campaign]
    edited = layout(["Awas banjir"], [FEED], clock=True)
    number = call(office, review.submit, config, "A", items, user="kontri", role="approver",
                  now=NOW, layout=edited)  # fmt: skip
    shown = call(office, review.review_data, number)
    assert shown["layout_diff"] == [
        "ticker_on", "ticker_lines_changed", "ticker_feeds_changed", "clock_on"]  # fmt: skip
    call(office, review.approve, config, number, "ana", NOW)

    manifest = published(office, "A")
    ticker = manifest.layout.ticker
    assert ticker.lines == ("Awas banjir",) and ticker.approval.matches
    assert ticker.approval.approver == "ana"
    assert [h.text for h in ticker.headlines] == ["Banjir surut di Kampung Melayu"]  # approved only
    assert manifest.layout.clock.position == "top-right"
    # The campaign's priority is the screens' scheduler's: it takes the screen in its hour.
    scheduler = Scheduler(manifest, ZoneInfo("Asia/Jakarta"))
    assert scheduler.plan(NOW).item.id == items[0]["id"]  # 09:00: the default playlist
    at_noon = scheduler.plan(NOW + dt.timedelta(hours=3, minutes=30))
    assert at_noon.item.id == campaign["id"] and at_noon.playlist == "priority-1"

    # The second headline approved later reaches the screens with a republish; nothing
    # else changes, the approvals stay as they were.
    call(office, headlines.decide, config, "approve", [entries[1].id], approver="ana", now=NOW)
    call(office, headlines.republish, config, "A", "ana", NOW + dt.timedelta(minutes=1))
    again = published(office, "A")
    assert len(again.layout.ticker.headlines) == 2 and again.sequence > manifest.sequence
    assert again.layout.ticker.approval == ticker.approval
    actions = [row["action"] for row in call(office, recent_audit, limit=10)]
    assert actions.count("headlines-approved") == 2
    assert call(office, stored.latest_approved, "A")["layout"]["clock"]["on"] is True


def test_every_problem_of_the_editor_has_indonesian_words():
    source = Path(playlist.__file__).read_text(encoding="utf-8")
    keys = set(re.findall(r'Problem\(\s*"(\w+)"', source))
    assert keys and keys <= set(i18n.PROBLEMS), keys - set(i18n.PROBLEMS)
    no_duration = {**playlist.new_item(RED, 1), "duration": None, "days": []}
    found = [p.of(item="poster.png") for p in playlist.check_item(no_duration)]
    assert [i18n.problem(p, "id") for p in found] == [
        "poster.png: gambar perlu durasi (detik)",
        "poster.png: pilih minimal satu hari",
    ]
    assert [i18n.problem(p, "en") for p in found] == [
        "poster.png: an image needs a duration", "poster.png: choose at least one day"]  # fmt: skip
