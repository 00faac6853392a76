"""Active alerts for the console: what the office sent (the audit log) and where each is on screen.

An alert sent from the console is written to the audit table with `record_alert` (its
text, level and expiry, never its signature); a cancel with `record_alert_cancel`. Where
an alert is on screen comes from each screen's latest status (`status["alert"]`, the id
it shows). An alert sent with `videotron alert` from a shell is in no table: it appears
once a screen reports showing it, with its text unknown.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping

from sqlalchemy import Connection, insert, select

from central.collector.queries import fleet_now
from central.collector.schema import audit
from central.console.timeline import is_stale, naive_utc
from player.wire.isotime import parse_utc
from player.wire.manifest import MAX_ALERT_LIFETIME

ALERT, ALERT_CANCEL = "alert", "alert-cancel"  # audit actions


def record_alert(connection: Connection, *, actor: str, payload: Mapping, now: dt.datetime) -> int:
    """Write a sent alert (a `signing.make_alert` payload) to the audit log; returns its row id.

    The row: action "alert", target the group, detail JSON `{"id", "text", "level",
    "issued_at", "expires_at"}` as in the payload.
    """
    detail = {k: payload[k] for k in ("id", "text", "level", "issued_at", "expires_at")}
    return _audit(connection, actor, ALERT, payload["group"], detail, now=now)


def record_alert_cancel(
    connection: Connection, *, actor: str, payload: Mapping, now: dt.datetime
) -> int:
    """Write a sent cancel (a `signing.make_alert_cancel` payload) to the audit log.

    The row: action "alert-cancel", target the group, detail JSON `{"id", "issued_at"}`.
    """
    detail = {k: payload[k] for k in ("id", "issued_at")}
    return _audit(connection, actor, ALERT_CANCEL, payload["group"], detail, now=now)


def _audit(connection, actor, action, target, detail, *, now) -> int:
    result = connection.execute(
        insert(audit).values(
            at=naive_utc(now), actor=actor, action=action, target=target,
            detail=json.dumps(detail, sort_keys=True),
        )
    )  # fmt: skip
    return int(result.inserted_primary_key[0])


def _when(text: object) -> dt.datetime | None:
    try:
        return parse_utc(text)
    except ValueError:
        return None


def alert_log(connection: Connection, *, limit: int = 50) -> list[dict]:
    """Alerts and cancels sent from the console, newest first.

    Returns `[{"at": naive UTC datetime, "actor": str, "action": "alert"|"alert-cancel",
    "group": str, "id": str, "text": str | None, "level": str | None,
    "expires_at": aware datetime | None}]`.
    """
    query = (
        select(audit)
        .where(audit.c.action.in_((ALERT, ALERT_CANCEL)))
        .order_by(audit.c.at.desc(), audit.c.id.desc())
        .limit(limit)
    )
    out = []
    for row in connection.execute(query):
        detail = _detail(row.detail)
        out.append(
            {
                "at": row.at,
                "actor": row.actor,
                "action": row.action,
                "group": row.target,
                "id": detail.get("id"),
                "text": detail.get("text"),
                "level": detail.get("level"),
                "expires_at": _when(detail.get("expires_at")),
            }
        )
    return out


def _detail(text: str | None) -> dict:
    try:
        value = json.loads(text) if text else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def active_alerts(
    connection: Connection,
    *,
    now: dt.datetime,
    stale_after: dt.timedelta,
    group: str | None = None,
) -> list[dict]:
    """Alerts in force at `now` and the screens showing each, newest first.

    Returns `[{"id": str, "group": str, "text": str | None, "level": str | None,
    "issued_at": aware datetime | None, "expires_at": aware datetime | None,
    "sent_by": str | None, "sent_at": naive UTC datetime | None, "source": "console" |
    "screens" (sent from a shell: only the screens tell of it), "in_force": bool,
    "on_screen": [player ids reporting it now], "not_showing": [online, reporting
    screens of the group that do not show it], "screens_reporting": int (online,
    reporting screens of the group)}]`.

    Rows written by `record_alert` are read, and also rows of the same actions whose
    detail carries `"outcome"` ("sent" or "failed": a failed send is on no screen) and
    no `issued_at` (the row's time is taken). An alert is in force until it expires or a
    later cancel of its id for its group; a newer version (same id) replaces the older.
    One that expired or was cancelled but is still reported on a screen is listed with
    `in_force` False (that screen has not heard the cancel). A screen that stopped
    reporting is in no list: what it shows is not known.
    """
    now_aware = now if now.tzinfo is not None else now.replace(tzinfo=dt.UTC)
    sent: dict[tuple[str, str], dict] = {}
    cancelled: dict[tuple[str, str], dt.datetime] = {}
    # No alert outlives the wire's longest lifetime: older rows cannot be in force.
    query = (
        select(audit)
        .where(
            audit.c.action.in_((ALERT, ALERT_CANCEL)),
            audit.c.at >= naive_utc(now) - MAX_ALERT_LIFETIME - dt.timedelta(days=1),
        )
        .order_by(audit.c.id)
    )
    for row in connection.execute(query):
        detail = _detail(row.detail)
        key = (row.target, detail.get("id"))
        if not isinstance(key[1], str) or detail.get("outcome", "sent") != "sent":
            continue  # a message the broker never took is on no screen
        issued = _when(detail.get("issued_at")) or row.at.replace(tzinfo=dt.UTC)
        if row.action == ALERT_CANCEL:
            cancelled[key] = issued
            continue
        sent[key] = {
            "id": key[1], "group": row.target, "text": detail.get("text"),
            "level": detail.get("level"), "issued_at": issued,
            "expires_at": _when(detail.get("expires_at")), "sent_by": row.actor,
            "sent_at": row.at, "source": "console",
        }  # fmt: skip
    active: dict[tuple[str, str], dict] = {}
    for key, alert in sent.items():
        expires, issued = alert["expires_at"], alert["issued_at"]
        if expires is None or expires <= now_aware:
            continue
        taken_off = cancelled.get(key)
        if taken_off is not None and taken_off >= issued:
            continue
        active[key] = alert
    # Screens as they report now; a quiet one's last status is not the present.
    members: dict[str, list[str]] = {}
    showing: dict[tuple[str, str], list[str]] = {}
    for screen in fleet_now(connection, now=naive_utc(now), group=group):
        if not screen["online"] or is_stale(screen["last_seen"], now, stale_after):
            continue
        name = screen["group"] or ""
        members.setdefault(name, []).append(screen["player"])
        if isinstance(screen["alert"], str):
            showing.setdefault((name, screen["alert"]), []).append(screen["player"])
    for alert in active.values():
        alert["in_force"] = True
    for key in showing:
        if key in active:
            continue
        if key in sent:  # expired or cancelled, yet a screen still shows it
            active[key] = {**sent[key], "in_force": False}
        else:
            active[key] = {
                "id": key[1], "group": key[0], "text": None, "level": None,
                "issued_at": None, "expires_at": None, "sent_by": None, "sent_at": None,
                "source": "screens", "in_force": True,
            }  # fmt: skip
    out = []
    for key, alert in active.items():
        if group is not None and alert["group"] != group:
            continue
        on_screen = sorted(showing.get(key, []))
        alert["on_screen"] = on_screen
        alert["not_showing"] = sorted(set(members.get(alert["group"], [])) - set(on_screen))
        alert["screens_reporting"] = len(members.get(alert["group"], []))
        out.append(alert)
    epoch = dt.datetime.min.replace(tzinfo=dt.UTC)
    return sorted(out, key=lambda a: (a["issued_at"] or epoch, a["id"]), reverse=True)
