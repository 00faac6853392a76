"""Active alerts: what the office sent, cancelled or let expire, and which screens show each."""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import insert

from central.db import alerts as sent_alerts
from central.db.schema import audit
from player.wire.signing import make_alert, make_alert_cancel

NOW = dt.datetime(2024, 5, 1, 8, 0, tzinfo=dt.UTC)
M = dt.timedelta(minutes=1)
H = dt.timedelta(hours=1)
STALE = dt.timedelta(minutes=5)


def naive(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.UTC).replace(tzinfo=None)


def send(fleet, actor, payload, at):
    with fleet.engine.begin() as connection:
        return sent_alerts.record_alert(
            connection, payload=payload, actor=actor, source="console", now=at
        )


def alert(text, at, alert_id, *, minutes=30, group="lobby", level="emergency"):
    return make_alert(text, group, now=at, lifetime=minutes * M, level=level, alert_id=alert_id)


def test_alerts_in_force_and_where_they_are_on_screen(fleet):
    send(fleet, "ani", alert("Banjir di Jl. Sudirman", NOW - 10 * M, "banjir"), NOW - 10 * M)
    # A corrected version of the same alert replaces the first.
    send(fleet, "ani", alert("Banjir: hindari Jl. Sudirman", NOW - 5 * M, "banjir"), NOW - 5 * M)
    send(fleet, "budi", alert("Uji coba", NOW - 8 * M, "uji", level="info"), NOW - 8 * M)
    cancel = make_alert_cancel("uji", "lobby", now=NOW - 7 * M, lifetime=60 * M)
    send(fleet, "budi", cancel, NOW - 7 * M)
    send(fleet, "ani", alert("Lama", NOW - 40 * M, "lama"), NOW - 40 * M)  # expired at -10 min
    fleet.status("layar-1", naive(NOW - M), alert="banjir")
    fleet.status("layar-2", naive(NOW - M), alert="uji")  # has not heard the cancel
    fleet.status("layar-3", naive(NOW - H), alert="banjir")  # stopped reporting
    fleet.status("layar-4", naive(NOW - M), alert="dari-shell", group="plaza")
    fleet.status("layar-5", naive(NOW - M), group="plaza")
    with fleet.engine.connect() as connection:
        active = sent_alerts.active_alerts(connection, now=NOW, stale_after=STALE)
        plaza = sent_alerts.active_alerts(connection, now=NOW, stale_after=STALE, group="plaza")
        log = sent_alerts.alert_log(connection)
    by_id = {a["id"]: a for a in active}
    assert [a["id"] for a in active] == ["banjir", "uji", "dari-shell"]
    banjir = by_id["banjir"]
    assert banjir["text"] == "Banjir: hindari Jl. Sudirman"
    assert (banjir["level"], banjir["sent_by"], banjir["in_force"]) == ("emergency", "ani", True)
    assert banjir["expires_at"] == NOW + 25 * M
    assert banjir["on_screen"] == ["layar-1"]
    assert banjir["not_showing"] == ["layar-2"]  # layar-3 is not reporting: not known
    assert banjir["screens_reporting"] == 2
    assert (by_id["uji"]["in_force"], by_id["uji"]["on_screen"]) == (False, ["layar-2"])
    shell = by_id["dari-shell"]
    assert (shell["source"], shell["group"], shell["text"]) == ("screens", "plaza", None)
    assert (shell["on_screen"], shell["not_showing"]) == (["layar-4"], ["layar-5"])
    assert [a["id"] for a in plaza] == ["dari-shell"]
    assert [(e["action"], e["id"], e["actor"]) for e in log[:2]] == [
        ("alert", "banjir", "ani"),
        ("alert-cancel", "uji", "budi"),
    ]
    assert log[0]["at"] == naive(NOW - 5 * M)


def test_expired_and_cancelled_alerts_no_screen_shows_are_gone(fleet):
    send(fleet, "ani", alert("Lama", NOW - 40 * M, "lama"), NOW - 40 * M)
    send(fleet, "ani", alert("Batal", NOW - 3 * M, "batal"), NOW - 3 * M)
    cancel = make_alert_cancel("batal", "lobby", now=NOW - 2 * M, lifetime=60 * M)
    send(fleet, "ani", cancel, NOW - 2 * M)
    # Sent again after its cancel: in force once more.
    send(fleet, "ani", alert("Lagi", NOW - M, "lagi"), NOW - M)
    fleet.status("layar-1", naive(NOW - M))
    with fleet.engine.connect() as connection:
        active = sent_alerts.active_alerts(connection, now=NOW, stale_after=STALE)
        assert [a["id"] for a in active] == ["lagi"]
        assert active[0]["not_showing"] == ["layar-1"]
    send(fleet, "ani", alert("Batal lagi", NOW, "batal"), NOW)
    with fleet.engine.connect() as connection:
        active = sent_alerts.active_alerts(connection, now=NOW + M, stale_after=STALE)
    assert [a["id"] for a in active] == ["batal", "lagi"]


def test_audit_rows_with_an_outcome_and_no_issue_time_are_read(fleet):
    """Rows as an older console wrote them: the send's outcome, the row's time as issue."""

    def row(action, target, detail, at):
        with fleet.engine.begin() as connection:
            connection.execute(
                insert(audit).values(at=naive(at), actor="citra", action=action, target=target,
                                     detail=json.dumps(detail))
            )  # fmt: skip

    expires = (NOW + 20 * M).isoformat().replace("+00:00", "Z")
    row("alert", "lobby", {"id": "a1", "text": "Sent", "level": "warning",
                           "outcome": "sent", "expires_at": expires}, NOW - 5 * M)  # fmt: skip
    row("alert", "plaza", {"id": "a1", "text": "Sent", "level": "warning",
                           "outcome": "failed", "error": "broker down"}, NOW - 5 * M)  # fmt: skip
    row("alert", "lobby", {"id": "a2", "text": "Off", "outcome": "sent",
                           "expires_at": expires}, NOW - 4 * M)  # fmt: skip
    row("alert-cancel", "lobby", {"id": "a2", "outcome": "sent"}, NOW - 3 * M)
    with fleet.engine.connect() as connection:
        active = sent_alerts.active_alerts(connection, now=NOW, stale_after=STALE)
    assert [(a["id"], a["group"], a["sent_by"]) for a in active] == [("a1", "lobby", "citra")]
    assert active[0]["issued_at"] == NOW - 5 * M


def test_the_list_of_alerts_sent_has_each_alert_once_with_its_state(fleet):
    both = [alert("Jalan ditutup", NOW - 10 * M, "tutup", group=g) for g in ("lobby", "plaza")]
    for payload in both:
        send(fleet, "ani", payload, NOW - 10 * M)
    send(fleet, "ani", alert("Uji", NOW - 8 * M, "uji"), NOW - 8 * M)
    send(fleet, "ani", make_alert_cancel("uji", "lobby", now=NOW - 7 * M, lifetime=H), NOW - 7 * M)
    send(fleet, "ani", alert("Lama", NOW - 40 * M, "lama"), NOW - 40 * M)
    with fleet.engine.begin() as connection:
        failed = {"type": "alert", "group": "plaza", "id": "gagal", "text": "Gagal"}
        sent_alerts.record_alert(connection, payload=failed, actor="ani", source="console",
                                 now=NOW - 2 * M, error="broker down")  # fmt: skip
    fleet.status("layar-1", naive(NOW - M), alert="tutup")
    fleet.status("layar-2", naive(NOW - M), alert="tutup", group="plaza")
    with fleet.engine.connect() as connection:
        listed = sent_alerts.alert_list(connection, now=NOW, stale_after=STALE)
        titles = sent_alerts.alert_titles(connection, {"tutup", "nope"})
    by_id = {a["id"]: a for a in listed}
    assert [a["id"] for a in listed] == ["gagal", "uji", "tutup", "lama"]
    tutup = by_id["tutup"]
    assert (tutup["groups"], tutup["state"], tutup["on_screen"]) == (
        ["lobby", "plaza"],
        "in force",
        ["layar-1", "layar-2"],
    )
    assert tutup["expires_at"] == NOW + 20 * M and tutup["text"] == "Jalan ditutup"
    assert (by_id["uji"]["state"], by_id["uji"]["cancelled"]) == ("cancelled", ["lobby"])
    assert by_id["lama"]["state"] == "expired"
    assert (by_id["gagal"]["state"], by_id["gagal"]["failed_groups"]) == ("failed", ["plaza"])
    assert titles == {"tutup": "Jalan ditutup"}
