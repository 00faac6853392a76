"""Alert versions: per id the newest issued_at wins, replays and older versions are dropped."""

from __future__ import annotations

import datetime as dt
import logging

from player.push.alerts import AlertBook
from player.wire.alert import Alert, AlertCancel

T0 = dt.datetime(2026, 5, 1, 8, 0, tzinfo=dt.UTC)


def alert(text: str, issued: float, *, level: str = "warning", lasts: float = 1800, id="flood"):
    at = T0 + dt.timedelta(seconds=issued)
    return Alert(id, text, at + dt.timedelta(seconds=lasts), at, level, "lobby")


def cancel(issued: float, *, lasts: float = 86400, id="flood") -> AlertCancel:
    at = T0 + dt.timedelta(seconds=issued)
    return AlertCancel(id, "lobby", at, at + dt.timedelta(seconds=lasts))


def at(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


def test_a_newer_version_replaces_the_text_and_level():
    book = AlertBook()
    assert book.offer(alert("Banjir", 0), at(1)) == (alert("Banjir", 0),)
    newer = alert("Banjir: evakuasi sekarang", 10, level="emergency")
    assert book.offer(newer, at(11)) == (newer,)


def test_an_older_version_or_a_replay_is_dropped_with_a_log_line(caplog):
    book = AlertBook()
    newer = alert("v2", 10, level="emergency")
    book.offer(newer, at(11))
    with caplog.at_level(logging.INFO, logger="player.push.alerts"):
        assert book.offer(alert("v1", 0), at(12)) is None
        assert book.offer(alert("v2 forged", 10), at(12)) is None  # same issued_at, other text
        assert book.offer(newer, at(12)) is None  # the retained copy again: nothing to do
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 2
    assert "newer version" in warnings[0] and "replay" in warnings[1]
    assert book.live(at(12)) == (newer,)


def test_a_cancel_takes_it_off_and_keeps_the_old_versions_off():
    book = AlertBook()
    book.offer(alert("v1", 0), at(1))
    book.offer(alert("v2", 10), at(11))
    assert book.offer(cancel(20), at(21)) == ()
    assert book.offer(alert("v2", 10), at(22)) is None
    assert book.offer(alert("v1", 0), at(23)) is None
    assert book.offer(cancel(20), at(24)) is None
    # A version issued after the cancel is a new alert under the same id.
    again = alert("v3", 30)
    assert book.offer(again, at(31)) == (again,)


def test_a_cancel_is_remembered_as_long_as_the_alert_could_be_replayed():
    book = AlertBook()
    book.offer(alert("long", 0, lasts=7200), at(1))
    book.offer(cancel(10, lasts=60), at(11))  # the cancel itself expires after a minute
    assert book.offer(alert("long", 0, lasts=7200), at(3600)) is None  # still off an hour on


def test_a_cancel_before_its_alert_keeps_it_off():
    book = AlertBook()
    assert book.offer(cancel(20), at(21)) == ()
    assert book.offer(alert("late copy", 10), at(22)) is None


def test_memory_is_bounded_and_forgets_what_expired():
    book = AlertBook(limit=50)
    for n in range(500):
        book.offer(alert("x", n, lasts=60 + n, id=f"a{n}"), at(n))
    assert len(book._versions) <= 50
    book.offer(alert("y", 5000, id="late"), at(5000))
    assert [a.id for a in book.live(at(5000))] == ["late"]
    assert len(book._versions) == 1


def test_a_long_first_version_stays_off_after_its_short_correction_expired():
    # v1 was sent for 6 h, corrected by v2 for 1 h: a replay of v1 in hour 3 stays off.
    book = AlertBook()
    book.offer(alert("v1", 0, lasts=6 * 3600), at(1))
    book.offer(alert("v2", 10, lasts=3600), at(11))
    assert book.offer(alert("v1", 0, lasts=6 * 3600), at(3 * 3600)) is None
    assert book.live(at(3 * 3600)) == ()
