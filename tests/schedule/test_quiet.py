"""Advertising held back around the adhan: quiet windows given to the pure scheduler as data."""

from __future__ import annotations

import dataclasses
import datetime as dt
from zoneinfo import ZoneInfo

from player.localinfo import adhan, prayer
from player.schedule.plan import upcoming
from tests.fixtures.schedule import BERLIN, at, image, manifest, playlist

S = dt.timedelta(seconds=1)
M = dt.timedelta(minutes=1)


def ad(item_id: str, seconds: float = 30.0):
    return dataclasses.replace(image(item_id, seconds), style={"kind": "ad"})


def ids(slots):
    """One entry per play: a slot cut at a limit and continued keeps its start."""
    plays = dict.fromkeys((s.item.id if s.item else s.kind, s.start) for s in slots)
    return [name for name, _ in plays]


def test_ads_are_skipped_inside_a_window_and_come_back_after_it():
    m = manifest(playlist("main", 0, image("psa", 30), ad("iklan", 30)))
    start = at("2024-06-03 12:00")
    window = (start + 45 * S, start + 150 * S)
    slots = list(upcoming(m, start, start + 240 * S, tz=BERLIN, quiet=[window]))
    # The ad that would run 12:00:30-12:01:00 is cut at the window's start (12:00:45), the
    # PSA fills the window, and the ad plays again once it ends.
    assert ids(slots) == ["psa", "iklan", "psa", "psa", "psa", "psa", "iklan", "psa", "iklan"]
    assert slots[1].end == window[0]
    assert slots[2].start == window[0]
    back = [s for s in slots if s.item.id == "iklan" and s.start >= window[1]]
    assert back[0].start == window[1] + 15 * S  # the PSA running at the end finishes first
    assert not any(
        s.item.id == "iklan" and s.start < window[1] and s.end > window[0] for s in slots
    )
    # Without windows, or with no ad in the manifest, nothing changes.
    plain = list(upcoming(m, start, start + 240 * S, tz=BERLIN))
    assert ids(plain) == ["psa", "iklan"] * 4
    assert ids(list(upcoming(manifest(playlist("p", 0, image("x"))), start, start + 30 * S,
                             tz=BERLIN, quiet=[window]))) == ["x", "x", "x"]  # fmt: skip


def test_a_playlist_of_ads_only_goes_idle_until_the_window_ends():
    m = manifest(playlist("ads", 0, ad("a1", 20), ad("a2", 20)))
    start = at("2024-06-03 12:00")
    window = (start, start + 5 * M)
    (slot,) = list(upcoming(m, start, start + S, tz=BERLIN, quiet=[window]))
    assert slot.kind == "idle" and slot.end == window[1]


def test_windows_surround_each_of_the_five_prayers():
    makassar, wita = (-5.1477, 119.4327), ZoneInfo("Asia/Makassar")
    now = dt.datetime(2026, 12, 7, 12, 0, tzinfo=wita)
    windows = adhan.adhan_windows(now, *makassar, wita, before=10, after=15)
    today = prayer.prayer_times(now.date(), *makassar, wita)
    assert len(windows) == 15  # yesterday, today, tomorrow
    assert windows[5:10] == tuple((t - 10 * M, t + 15 * M) for _, t in today.prayers())
    quiet = adhan.QuietWindows(*makassar, wita, 10, 15)
    assert quiet(now) == windows and quiet(now + dt.timedelta(hours=1)) is quiet(now)
    assert adhan.pause_from({"adhan_pause": {"before": 10, "after": 15}}) == (10, 15)
    for bad in ({}, {"adhan_pause": {"before": 500}}, {"adhan_pause": {"before": True}},
                {"adhan_pause": {"before": 0, "after": 0}}, {"adhan_pause": 10}):  # fmt: skip
        assert adhan.pause_from(bad) is None
