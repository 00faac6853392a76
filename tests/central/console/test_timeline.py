"""A screen's history and the fleet as the console shows them, from messages the collector got."""

from __future__ import annotations

import datetime as dt

import pytest

from central.db import fleet as fleet_rules
from central.db import timeline
from tests.central.console.conftest import iso

T0 = dt.datetime(2024, 5, 1, 8, 0, 0)
H = dt.timedelta(hours=1)
M = dt.timedelta(minutes=1)
STALE = dt.timedelta(minutes=5)


@pytest.fixture
def history(fleet):
    """Up at T0, its connection lost at 2 h, back at 3 h, last heartbeat at 4 h."""
    fleet.status("layar-1", T0)
    fleet.status("layar-1", T0 + H)
    fleet.status("layar-1", T0 + 2 * H, online=False)
    fleet.status("layar-1", T0 + 3 * H)
    fleet.status("layar-1", T0 + 4 * H)
    return fleet


def states(fleet, start, end, now):
    with fleet.engine.connect() as connection:
        periods = timeline.online_timeline(
            connection, "layar-1", start=start, end=end, now=now, stale_after=STALE
        )
    return [(p["state"], p["start"], p["end"], p["reason"]) for p in periods]


def test_online_and_offline_periods_with_the_open_one_ending_now(history):
    now = T0 + 4 * H + M
    assert states(history, T0 - H, now + H, now) == [
        ("unknown", T0 - H, T0, None),
        ("online", T0, T0 + 2 * H, None),
        ("offline", T0 + 2 * H, T0 + 3 * H, "connection lost"),
        ("online", T0 + 3 * H, now, None),
    ]


def test_periods_are_clipped_to_the_window(history):
    now = T0 + 4 * H + M
    start, end = T0 + H, T0 + 2 * H + 30 * M
    assert states(history, start, end, now) == [
        ("online", start, T0 + 2 * H, None),
        ("offline", T0 + 2 * H, end, "connection lost"),
    ]
    # A window inside an offline gap knows why the screen was offline.
    inside = (T0 + 2 * H + 10 * M, T0 + 2 * H + 20 * M)
    assert states(history, *inside, now) == [("offline", *inside, "connection lost")]
    # Aware times are taken as the same instants.
    aware = [t.replace(tzinfo=dt.UTC) for t in (start, end, now)]
    assert states(history, *aware) == states(history, start, end, now)
    assert states(history, end, start, now) == []


def test_a_screen_that_stopped_reporting_is_not_shown_online(history):
    now = T0 + 6 * H  # no heartbeat for two hours, and no last will either
    periods = states(history, T0 + 3 * H, now, now)
    assert periods == [
        ("online", T0 + 3 * H, T0 + 4 * H, None),
        ("not reporting", T0 + 4 * H, now, "no message since"),
    ]
    with history.engine.connect() as connection:
        summary = fleet_rules.fleet_summary(connection, now=now, stale_after=STALE)
    (screen,) = summary["screens"]
    assert screen["online"] is True  # what the collector last heard …
    assert (screen["state"], screen["stale"]) == ("not reporting", True)  # … is not the present
    assert screen["state_since"] == T0 + 4 * H
    assert summary["counts"]["online"] == 0
    assert summary["counts"]["not_reporting"] == 1


def test_an_unknown_screen_has_no_history(fleet):
    with fleet.engine.connect() as connection:
        assert (
            timeline.online_timeline(
                connection, "nobody", start=T0, end=T0 + H, now=T0 + H, stale_after=STALE
            )
            == []
        )
        assert timeline.error_history(connection, "nobody") == []
        assert timeline.screenshot_list(connection, "nobody") == []


def test_fleet_counts_online_offline_behind_and_errors(fleet):
    now = T0 + 2 * H
    error = {"message": "download failed: HTTP 404 for media/abc", "where": "sync",
             "level": "ERROR", "at": iso(now - 10 * M), "count": 3}  # fmt: skip
    fleet.status("a-fresh", now - M, manifest_sequence=5)
    fleet.status("b-quiet", now - H, manifest_sequence=5)
    fleet.status("c-gone", now - 2 * H, manifest_sequence=5)
    fleet.status("c-gone", now - H, online=False)
    fleet.status("d-behind", now - 2 * M, manifest_sequence=3, errors=[error])
    fleet.status("e-plaza", now - M, group="plaza", manifest_sequence=9)
    with fleet.engine.connect() as connection:
        summary = fleet_rules.fleet_summary(
            connection, now=now, stale_after=STALE, latest_sequences={"lobby": 5, "plaza": 9}
        )
        lobby = fleet_rules.fleet_summary(
            connection, now=now, stale_after=STALE, latest_sequences={"lobby": 5}, group="lobby"
        )
        errors = timeline.error_history(connection, "d-behind")
    by_name = {s["player"]: s for s in summary["screens"]}
    assert {name: s["state"] for name, s in by_name.items()} == {
        "a-fresh": "online", "b-quiet": "not reporting", "c-gone": "offline",
        "d-behind": "online", "e-plaza": "online",
    }  # fmt: skip
    assert summary["counts"] == {
        "total": 5, "online": 3, "offline": 2, "not_reporting": 1, "behind": 1, "with_errors": 1,
    }  # fmt: skip
    assert by_name["d-behind"]["behind"] and by_name["d-behind"]["has_errors"]
    assert by_name["c-gone"]["state_since"] == now - H
    assert summary["groups"] == ["lobby", "plaza"]
    assert lobby["counts"]["total"] == 4
    assert errors == [
        {"first_at": now - 10 * M, "last_at": now - 10 * M, "level": "ERROR", "where": "sync",
         "message": "download failed: HTTP 404 for media/abc", "count": 3},
    ]  # fmt: skip


def test_recent_plays_newest_first(fleet):
    fleet.plays("layar-1", [(f"item-{n}", T0 + n * M, 10.0) for n in range(6)])
    with fleet.engine.connect() as connection:
        recent = timeline.recent_plays(connection, "layar-1", limit=4)
    assert [p["item"] for p in recent] == ["item-5", "item-4", "item-3", "item-2"]
    assert recent[0]["started_at"] == T0 + 5 * M
    assert recent[0]["ended_at"] == T0 + 5 * M + dt.timedelta(seconds=10)
    assert (recent[0]["seconds"], recent[0]["completed"]) == (10.0, True)


def test_screenshots_listed_without_bytes_and_fetched_by_id(fleet):
    sent = [
        fleet.screenshot("layar-1", T0 + n * M, f"item-{n}", color=(40 * n, 0, 0)) for n in range(4)
    ]
    fleet.screenshot("layar-2", T0, "other")
    with fleet.engine.connect() as connection:
        shots = timeline.screenshot_list(connection, "layar-1")
        assert [s["item"] for s in shots] == ["item-3", "item-2", "item-1"]  # 3 are kept
        assert "jpeg" not in shots[0]
        assert (shots[0]["width"], shots[0]["height"]) == (32, 18)
        newest = timeline.screenshot_jpeg(connection, shots[0]["id"])
        assert newest["jpeg"] == sent[3]
        assert (newest["player"], newest["taken_at"]) == ("layar-1", T0 + 3 * M)
        assert timeline.screenshot_jpeg(connection, shots[0]["id"], player="layar-2") is None
        assert timeline.screenshot_jpeg(connection, shots[-1]["id"] - 1) is None  # pruned
