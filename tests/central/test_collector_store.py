"""The collector's database writes: exactly-once plays, status changes, periods, screenshots."""

from __future__ import annotations

import base64
import datetime as dt
import io
import json
from zoneinfo import ZoneInfo

from PIL import Image
from sqlalchemy import func, select

from central.db import brightness, onscreen, queries
from central.db import fleet as fleet_rules
from central.db.database import current_revision, head_revision, upgrade
from central.db.schema import (
    alert_plays,
    brightness_spans,
    errors,
    online_periods,
    plays,
    screens,
    screenshots,
    status_changes,
)
from central.db.store import Recorder, Report

T0 = dt.datetime(2024, 5, 1, 8, 0, 0)


def batch(ids, *, store="s1", batch_id="b1", day=T0, item="psa", dropped=0) -> bytes:
    records = []
    for n in ids:
        start = day + dt.timedelta(seconds=10 * n)
        records.append({
            "id": n, "item_id": item, "media": "ab" * 32, "playlist": "main",
            "started_at": start.isoformat() + "Z",
            "ended_at": (start + dt.timedelta(seconds=10)).isoformat() + "Z",
            "duration": 10.0, "completed": n % 2 == 0,
        })  # fmt: skip
    return json.dumps({
        "player": "p1", "group": "g", "store": store, "batch": batch_id,
        "dropped": dropped, "records": records,
    }).encode()  # fmt: skip


def status(online: bool, *, ts: dt.datetime, item: str = "psa", uptime: float = 1.0, **extra):
    body = {
        "online": online, "player": "p1", "group": "g", "version": "1.0",
        "ts": ts.isoformat() + "Z", "uptime": uptime, "current": {"item": item}, **extra,
    }  # fmt: skip
    if not online:
        body = {k: body[k] for k in ("online", "player", "group", "version", "ts")}
        body["reason"] = "connection lost"
    return json.dumps(body).encode()


def write(engine, recorder, *reports):
    with engine.begin() as connection:
        return recorder.write(connection, list(reports))


def count(engine, table) -> int:
    with engine.connect() as connection:
        return connection.scalar(select(func.count()).select_from(table))


def test_the_schema_is_migrated_to_head_and_a_second_upgrade_is_a_no_op(engine):
    assert current_revision(engine) == head_revision() == "0013"
    upgrade(engine)
    assert current_revision(engine) == "0013"


def test_a_resent_batch_adds_nothing_and_is_acknowledged_again(engine):
    recorder = Recorder()
    first = write(engine, recorder, Report("p1", "pop", batch(range(1, 6)), T0))
    again = write(engine, recorder, Report("p1", "pop", batch(range(3, 9), batch_id="b2"), T0))
    assert (first.plays_new, again.plays_new, again.plays_repeated) == (5, 3, 3)
    assert [a.ids for a in again.acks] == [(3, 4, 5, 6, 7, 8)]
    assert again.acks[0].batch == "b2" and again.acks[0].store == "s1"
    assert count(engine, plays) == 8
    # The original and its resend in one transaction (both were queued at the broker).
    both = write(
        engine,
        recorder,
        Report("p1", "pop", batch([20, 21], batch_id="b3"), T0),
        Report("p1", "pop", batch([20, 21], batch_id="b4"), T0),
    )
    assert (both.plays_new, both.plays_repeated) == (2, 2)
    assert [a.batch for a in both.acks] == ["b3", "b4"]
    assert count(engine, plays) == 10
    # Another store of the same player (its file was recreated): ids may repeat.
    write(engine, recorder, Report("p1", "pop", batch([1, 2], store="s2"), T0))
    assert count(engine, plays) == 12


def test_an_unreadable_record_is_acknowledged_and_kept_as_an_error(engine):
    body = json.loads(batch([1, 2]))
    body["records"][1]["started_at"] = "yesterday"
    outcome = write(engine, Recorder(), Report("p1", "pop", json.dumps(body).encode(), T0))
    assert outcome.acks[0].ids == (1, 2) and count(engine, plays) == 1
    with engine.connect() as connection:
        assert "unreadable play 2" in connection.scalar(select(errors.c.message))


def alert_batch(play_ids, alert_ids, *, batch_id="a1", headline="Banjir di Bogor") -> bytes:
    """A batch from a player that records alerts: plays and alert records."""
    body = json.loads(batch(play_ids, batch_id=batch_id))
    body["alerts"] = [
        {
            "id": n, "alert_id": "banjir", "issued_at": "2024-05-01T07:59:00.000Z",
            "level": "emergency", "headline": headline,
            "started_at": (T0 + dt.timedelta(minutes=n)).isoformat() + ".500Z",
            "ended_at": (T0 + dt.timedelta(minutes=n, seconds=40)).isoformat() + ".750Z",
            "duration": 40.25, "pages": 3, "pages_shown": 2, "completed": False,
        }
        for n in alert_ids
    ]  # fmt: skip
    return json.dumps(body).encode()


def test_alert_records_are_stored_once_and_acknowledged_apart_from_plays(engine):
    recorder = Recorder()
    first = write(engine, recorder, Report("p1", "pop", alert_batch([1, 2], [1, 2]), T0))
    assert [(a.ids, a.alert_ids) for a in first.acks] == [((1, 2), (1, 2))]
    assert (first.alerts_new, first.plays_new) == (2, 2)
    # Resent (the ack was lost), and the original and a resend in one transaction.
    again = write(engine, recorder, Report("p1", "pop", alert_batch([], [2, 3], batch_id="a2"), T0))
    assert (again.alerts_new, again.alerts_repeated) == (1, 1)
    assert again.acks[0].alert_ids == (2, 3)
    both = write(
        engine,
        recorder,
        Report("p1", "pop", alert_batch([], [4], batch_id="a3"), T0),
        Report("p1", "pop", alert_batch([], [4], batch_id="a4"), T0),
    )
    assert (both.alerts_new, both.alerts_repeated) == (1, 1)
    assert count(engine, alert_plays) == 4 and count(engine, plays) == 2
    with engine.connect() as connection:
        row = connection.execute(select(alert_plays).where(alert_plays.c.record_id == 1)).one()
    assert (row.alert_id, row.level, row.headline, row.pages, row.pages_shown) == (
        "banjir", "emergency", "Banjir di Bogor", 3, 2,
    )  # fmt: skip
    assert row.issued_at == dt.datetime(2024, 5, 1, 7, 59)
    assert row.started_at == T0 + dt.timedelta(minutes=1, milliseconds=500)


def test_a_batch_without_alerts_is_acknowledged_with_empty_alert_ids(engine):
    """A player that predates alert records sends none; the ack still says alerts are kept."""
    outcome = write(engine, Recorder(), Report("p1", "pop", batch([1]), T0))
    assert outcome.acks[0].alert_ids == () and count(engine, alert_plays) == 0


def span_batch(spans: list[tuple[int, int, int, int]], *, batch_id="s1") -> bytes:
    """A batch of brightness spans (id, level, from minute, until minute after T0)."""
    body = json.loads(batch([], batch_id=batch_id))
    body["brightness"] = [{
        "id": n, "level": level, "source": "plan", "via": "novastar",
        "started_at": (T0 + dt.timedelta(minutes=a)).isoformat() + "Z",
        "ended_at": (T0 + dt.timedelta(minutes=b)).isoformat() + "Z",
    } for n, level, a, b in spans]  # fmt: skip
    return json.dumps(body).encode()


def test_brightness_spans_are_stored_once_and_answer_what_a_screen_ran_at_each_hour(engine):
    recorder = Recorder()
    first = write(engine, recorder, Report("p1", "pop", span_batch([(1, 80, 0, 45)]), T0))
    assert first.acks[0].brightness_ids == (1,) and first.acks[0].alert_ids == ()
    # Resent (the ack was lost) with the next spans: the first is not stored twice.
    spans = [(1, 80, 0, 45), (2, 20, 45, 60), (3, 20, 60, 120)]
    again = write(engine, recorder, Report("p1", "pop", span_batch(spans, batch_id="s2"), T0))
    assert again.acks[0].brightness_ids == (1, 2, 3) and count(engine, brightness_spans) == 3
    with engine.connect() as connection:
        hours = brightness.brightness_per_hour(connection, "p1", T0.date(), tz=ZoneInfo("UTC"))
        other = brightness.brightness_per_hour(connection, "p2", T0.date(), tz=ZoneInfo("UTC"))
    assert len(hours) == 24 and hours[7]["level"] is None and hours[7]["recorded"] == 0
    assert hours[8] == {
        "hour": "2024-05-01 08:00", "level": 65.0, "lowest": 20, "highest": 80,
        "recorded": 3600.0, "spans": "80% plan via novastar 2700s; 20% plan via novastar 900s",
    }  # fmt: skip
    assert (hours[9]["level"], hours[9]["recorded"]) == (20.0, 3600.0)
    assert all(row["level"] is None for row in other)


def test_a_batch_without_brightness_is_acknowledged_with_empty_brightness_ids(engine):
    """A player that predates brightness spans sends none; the ack still says they are kept."""
    outcome = write(engine, Recorder(), Report("p1", "pop", batch([1]), T0))
    assert outcome.acks[0].brightness_ids == () and count(engine, brightness_spans) == 0


def test_a_key_the_collector_does_not_know_is_left_alone_and_the_plays_acked(engine):
    """What lets a newer player meet this collector: it reads the keys it knows by name,
    so a list it predates (as `brightness` was to collectors before 0012) is skipped, its
    ids are left out of the ack, and the player keeps those records for a later collector."""
    body = json.loads(batch([1, 2]))
    body["later_records"] = [{"id": 1, "what": "a record of a later kind"}]
    outcome = write(engine, Recorder(), Report("p1", "pop", json.dumps(body).encode(), T0))
    assert [(a.ids, a.brightness_ids) for a in outcome.acks] == [((1, 2), ())]
    assert count(engine, plays) == 2 and count(engine, errors) == 0


def test_an_unreadable_brightness_span_is_acknowledged_and_kept_as_an_error(engine):
    body = span_batch([(1, 150, 0, 10), (2, 50, 10, 20), (2**63, 50, 20, 30)])
    outcome = write(engine, Recorder(), Report("p1", "pop", body, T0))
    assert outcome.acks[0].brightness_ids == (1, 2) and count(engine, brightness_spans) == 1
    with engine.connect() as connection:
        messages = connection.scalars(select(errors.c.message)).all()
    assert any("unreadable brightness span 1: brightness[0].level = 150" in m for m in messages)


def test_an_unreadable_alert_record_is_acknowledged_and_kept_as_an_error(engine):
    body = json.loads(alert_batch([], [1, 2]))
    body["alerts"][0]["ended_at"] = "later"
    outcome = write(engine, Recorder(), Report("p1", "pop", json.dumps(body).encode(), T0))
    assert outcome.acks[0].alert_ids == (1, 2) and count(engine, alert_plays) == 1
    with engine.connect() as connection:
        assert "unreadable alert record 1" in connection.scalar(select(errors.c.message))


def test_the_on_screen_listing_puts_plays_and_alerts_of_each_screen_in_time_order(engine):
    recorder = Recorder()
    write(engine, recorder, Report("p1", "pop", alert_batch([0, 1, 2, 30], [1]), T0))
    jakarta = ZoneInfo("Asia/Jakarta")
    start, end = onscreen.local_window(
        dt.date(2024, 5, 1), dt.time(15, 0, 5), dt.time(15, 1, 30), jakarta
    )
    assert (start, end) == (T0 + dt.timedelta(seconds=5), T0 + dt.timedelta(seconds=90))
    with engine.connect() as connection:
        rows = onscreen.on_screen(connection, start, end, tz=jakarta)
        assert onscreen.on_screen(connection, start, end, tz=jakarta, player="p2") == []
    # Plays from 08:00:00 (ends 08:00:10, in), 08:00:10, 08:00:20; the alert 08:01:00.5;
    # the play at 08:05:00 is outside the window.
    assert [(r["kind"], r["start"]) for r in rows] == [
        ("play", "2024-05-01 15:00:00.000"),
        ("play", "2024-05-01 15:00:10.000"),
        ("play", "2024-05-01 15:00:20.000"),
        ("alert", "2024-05-01 15:01:00.500"),
    ]
    alert = rows[-1]
    assert (alert["item"], alert["level"], alert["pages_shown"], alert["end"]) == (
        "banjir", "emergency", 2, "2024-05-01 15:01:40.750",
    )  # fmt: skip
    assert [s["alerts"] for s in onscreen.per_screen(rows)] == [1]


def test_a_night_window_ends_on_the_next_day():
    jakarta = ZoneInfo("Asia/Jakarta")
    start, end = onscreen.local_window(dt.date(2024, 5, 1), dt.time(22), dt.time(2), jakarta)
    assert end - start == dt.timedelta(hours=4)


def test_status_history_keeps_changes_and_periods_follow_the_last_will(engine):
    recorder = Recorder()
    for n in range(5):  # heartbeats and item switches: the plays say what was on screen
        beat = status(True, ts=T0, uptime=n, item=f"item-{n}")
        write(engine, recorder, Report("p1", "status", beat, T0))
    write(engine, recorder, Report("p1", "status", status(True, ts=T0, screen="off"), T0))
    later = T0 + dt.timedelta(hours=2)
    write(engine, recorder, Report("p1", "status", status(False, ts=later), later))
    back = T0 + dt.timedelta(hours=3)
    write(engine, recorder, Report("p1", "status", status(True, ts=back), back))
    assert count(engine, status_changes) == 4  # first, screen off, offline, back
    with engine.connect() as connection:
        period = online_periods.c
        periods = connection.execute(
            select(period.started_at, period.ended_at, period.end_reason).order_by(period.id)
        ).all()
        screen = connection.execute(select(screens)).one()
        uptime = queries.uptime_per_day(
            connection, T0.date(), T0.date(), tz=ZoneInfo("UTC"), now=back + dt.timedelta(hours=1)
        )
    assert periods == [(T0, later, "connection lost"), (back, None, None)]
    assert screen.online and screen.online_since == back
    # Of the 4 h since the office first saw it, not of the 24 h of a day still going on.
    assert uptime == [
        {"day": "2024-05-01", "player": "p1", "online_seconds": 3 * 3600, "share": 0.75}
    ]


def test_uptime_is_a_share_of_the_day_since_the_screen_was_first_seen(engine):
    recorder = Recorder()
    first = T0 + dt.timedelta(hours=5)
    write(engine, recorder, Report("p1", "status", status(True, ts=first), first))
    with engine.connect() as connection:

        def share(day: dt.date, now: dt.datetime) -> float:
            (row,) = queries.uptime_per_day(connection, day, day, tz=ZoneInfo("UTC"), now=now)
            return row["share"]

        # Online ever since it was first seen: all of the day so far, and tomorrow too.
        assert share(T0.date(), first + dt.timedelta(minutes=10)) == 1.0
        assert share(T0.date(), T0.replace(hour=23, minute=59)) == 1.0
        tomorrow = T0.date() + dt.timedelta(days=1)
        noon = dt.datetime.combine(tomorrow, dt.time(12))
        assert share(tomorrow, noon) == 1.0
        # Yesterday, once over, counts in full: 19 h online of the 19 h since first seen.
        assert share(T0.date(), noon) == 1.0


def test_errors_from_the_status_are_folded_by_message(engine):
    recorder = Recorder()
    entry = {"level": "ERROR", "where": "player.sync", "message": "disk full", "count": 1,
             "at": "2024-05-01T08:00:00+00:00"}  # fmt: skip
    write(engine, recorder, Report("p1", "status", status(True, ts=T0, errors=[entry]), T0))
    entry = {**entry, "count": 4, "at": "2024-05-01T09:00:00+00:00"}
    write(engine, recorder, Report("p1", "status", status(True, ts=T0, errors=[entry]), T0))
    with engine.connect() as connection:
        row = connection.execute(select(errors)).one()
    assert (row.count, row.first_at, row.last_at) == (4, T0, T0 + dt.timedelta(hours=1))


def jpeg_message(color) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 18), color).save(out, format="JPEG")
    jpeg = base64.b64encode(out.getvalue()).decode()
    message = {"taken_at": "2024-05-01T08:00:00Z", "item": "psa", "width": 32, "height": 18}
    return json.dumps({**message, "jpeg": jpeg}).encode()


def test_only_the_latest_screenshots_are_kept_and_junk_is_refused(engine):
    recorder = Recorder(screenshots_kept=3)
    for n in range(5):
        write(engine, recorder, Report("p1", "screenshot", jpeg_message((n * 50, 0, 0)), T0))
    junk = json.dumps({"jpeg": base64.b64encode(b"<html>").decode()}).encode()
    assert write(engine, recorder, Report("p1", "screenshot", junk, T0)).rejected == 1
    assert count(engine, screenshots) == 3
    with engine.connect() as connection:
        taken_at, item, jpeg = queries.latest_screenshot(connection, "p1")
    with Image.open(io.BytesIO(jpeg)) as image:
        assert image.convert("RGB").getpixel((16, 9))[0] > 180  # the last one sent
    assert item == "psa" and taken_at == T0


def test_plays_report_counts_per_local_day_screen_and_item(engine):
    recorder = Recorder()
    # 16:59:50 UTC is 23:59:50 in Jakarta; 17:00:00 UTC is the next day there.
    late = dt.datetime(2024, 5, 1, 16, 59, 50)
    write(engine, recorder, Report("p1", "pop", batch([0, 1, 2], day=late), late))
    with engine.connect() as connection:
        utc = queries.plays_per_item(connection, late.date(), late.date(), tz=ZoneInfo("UTC"))
        wib = queries.plays_per_item(
            connection, late.date(), dt.date(2024, 5, 2), tz=ZoneInfo("Asia/Jakarta")
        )
        other = queries.plays_per_item(
            connection, late.date(), late.date(), tz=ZoneInfo("UTC"), group="elsewhere"
        )
    assert utc == [{"day": "2024-05-01", "player": "p1", "item": "psa", "plays": 3,
                    "seconds": 30.0, "completed_share": 0.667}]  # fmt: skip
    assert [(r["day"], r["plays"]) for r in wib] == [("2024-05-01", 1), ("2024-05-02", 2)]
    assert other == []


def test_one_transaction_may_see_a_screen_appear_leave_and_return(engine):
    later, back = T0 + dt.timedelta(minutes=5), T0 + dt.timedelta(minutes=6)
    other = json.loads(status(True, ts=T0))
    other["player"] = "p2"
    write(
        engine,
        Recorder(),
        Report("p2", "pop", batch([1]), T0),  # plays before its first status
        Report("p2", "status", json.dumps(other).encode(), T0),
        Report("p1", "status", status(True, ts=T0), T0),
        Report("p1", "status", status(False, ts=later), later),
        Report("p1", "status", status(True, ts=back), back),
    )
    with engine.connect() as connection:
        period = online_periods.c
        rows = connection.execute(
            select(period.player, period.started_at, period.ended_at).order_by(period.id)
        ).all()
        online = dict(connection.execute(select(screens.c.player, screens.c.online)).all())
    assert sorted(rows, key=lambda r: (r.player, r.started_at)) == [
        ("p1", T0, later), ("p1", back, None), ("p2", T0, None),
    ]  # fmt: skip
    assert online == {"p1": True, "p2": True}


def test_fleet_now_shows_who_is_online_what_plays_and_who_lags_behind(engine):
    recorder = Recorder()
    portrait = {"output": [1920, 1080], "region": [0, 0, 1920, 1080], "rotation": 90,
                "content": [1080, 1920]}  # fmt: skip
    fresh = status(True, ts=T0, item="news", manifest_sequence=7,
                   health={"healthy": True, "reason": "ok"}, display=portrait)  # fmt: skip
    write(engine, recorder, Report("p1", "status", fresh, T0))
    stale = json.loads(status(True, ts=T0, manifest_sequence=5))
    stale["player"] = "p2"
    write(engine, recorder, Report("p2", "status", json.dumps(stale).encode(), T0))
    later = T0 + dt.timedelta(minutes=3)
    write(engine, recorder, Report("p2", "status", status(False, ts=later), later))
    write(engine, recorder, Report("p2", "pop", batch([1], dropped=12), later))
    with engine.connect() as connection:
        fleet = fleet_rules.fleet_now(connection, now=later, latest_sequences={"g": 7})
    by_player = {row["player"]: row for row in fleet}
    assert by_player["p1"]["online"] and by_player["p1"]["item"] == "news"
    assert by_player["p1"]["current"] is True and by_player["p1"]["healthy"] is True
    assert not by_player["p2"]["online"] and by_player["p2"]["since"] == later
    assert by_player["p2"]["offline_reason"] == "connection lost"
    assert by_player["p2"]["dropped_plays"] == 12
    # The display it reported, for previews drawn at its size; none reported: None.
    assert by_player["p1"]["display"] == ((1920, 1080), (0, 0, 1920, 1080), 90)
    assert by_player["p1"]["content_size"] == (1080, 1920)
    assert by_player["p2"]["display"] is None
    # Offline, it still shows what it last reported: it never got sequence 7.
    assert by_player["p2"]["manifest_sequence"] == 5 and by_player["p2"]["current"] is False


def test_the_migrations_build_exactly_the_schema_the_code_declares(engine):
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from central.db.schema import metadata

    with engine.connect() as connection:
        drift = compare_metadata(MigrationContext.configure(connection), metadata)
    assert drift == [], "schema.py and migrations/ differ: add a migration"


def test_values_the_database_cannot_hold_are_refused_alone_and_kept_as_errors(engine):
    """Beyond 64 bits, NaN, NUL, lone surrogates, ids too long: the rest of the group lands."""
    good = [
        Report(f"p{n:02}", "status", status(True, ts=T0, item=f"item-{n}"), T0) for n in range(60)
    ]
    huge = json.loads(status(True, ts=T0, report={"dropped": 2**70}))
    folded = {"level": "ERROR", "where": "player.sync", "message": "x", "count": 2**64}
    counted = json.loads(status(True, ts=T0, errors=[folded]))
    odd_error = {"level": "ERROR", "where": "w\x00", "message": "nul \x00 and \ud800", "count": 2}
    odd = json.loads(status(True, ts=T0, errors=[odd_error], group="g" * 300))
    plays_body = json.loads(batch([1, 2, 3]))
    plays_body["records"][1]["id"] = 2**70
    plays_body["records"][2]["duration"] = float("nan")
    shot = json.loads(jpeg_message((0, 0, 0)))
    shot["width"] = 2**40
    bad = [
        Report("bad-dropped", "status", json.dumps(huge).encode(), T0),
        Report("bad-count", "status", json.dumps(counted).encode(), T0),
        Report("odd", "status", json.dumps(odd).encode(), T0),
        Report("bad-plays", "pop", json.dumps(plays_body).encode(), T0),
        Report("bad-shot", "screenshot", json.dumps(shot).encode(), T0),
        Report("x" * 200, "status", status(True, ts=T0), T0),
    ]
    outcome = write(engine, Recorder(), *good[:30], *bad, *good[30:])
    assert outcome.rejected == 4  # dropped, count, screenshot, the long id
    assert [a.ids for a in outcome.acks] == [(1, 3)]  # 2**70 names no play of a store
    with engine.connect() as connection:
        stored = set(connection.scalars(select(screens.c.player)))
        kept = connection.execute(select(errors.c.player, errors.c.message, errors.c.where)).all()
        played = list(connection.scalars(select(plays.c.record_id)))
    assert stored == {f"p{n:02}" for n in range(60)} | {"odd", "bad-plays"}
    assert played == [1]
    by_player = {}
    for player, message, where in kept:
        by_player.setdefault(player, []).append((message, where))
    assert "report.dropped" in by_player["bad-dropped"][0][0]
    assert by_player["bad-dropped"][0][1] == "collector"
    assert "errors[0].count" in by_player["bad-count"][0][0]
    assert "screenshot refused" in by_player["bad-shot"][0][0]
    assert "width" in by_player["bad-shot"][0][0]
    plays_errors = " | ".join(m for m, _ in by_player["bad-plays"])
    assert "records[1].id" in plays_errors and "records[2].duration" in plays_errors
    assert by_player["odd"] == [("nul  and ?", "w")]  # cleaned, not refused
    assert count(engine, screenshots) == 0


def test_a_bad_counter_costs_no_plays_and_a_repeated_refusal_is_one_counted_error(engine):
    recorder = Recorder()
    body = json.loads(batch([1, 2], dropped=2**70))
    outcome = write(engine, recorder, Report("p1", "pop", json.dumps(body).encode(), T0))
    assert outcome.acks[0].ids == (1, 2) and count(engine, plays) == 2
    huge = status(True, ts=T0, report={"dropped": 2**70})
    for _ in range(3):  # a status every minute, refused each time
        write(engine, recorder, Report("p1", "status", huge, T0))
    with engine.connect() as connection:
        rows = connection.execute(select(errors.c.message, errors.c.count)).all()
        kept_dropped = connection.scalar(select(screens.c.dropped))
    assert sorted((message.split(":")[0], n) for message, n in rows) == [
        ("proof of play", 1),
        ("status refused, not stored", 3),
    ]
    assert kept_dropped == 0
