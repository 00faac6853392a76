"""Every alert the office sends, from any source, in the audit log; and where each is on screen.

One writer, `record_alert`, for every sender: the console (its user), `videotron alert`
(the command line, with the login that ran it) and cap-watch (with the CAP message's
identifier). Each row is one alert (or cancel) to one group: action "alert" or
"alert-cancel", target the group, actor who sent it, and detail `AlertDetail` (its text,
level, expiry, source; never its signature). Where an alert is on screen comes from each
screen's latest status (`status["alert"]`, the id it shows); an alert no row tells of
(sent by an older version) still appears once a screen reports it, its text unknown.
"""

from __future__ import annotations

import datetime as dt
import getpass
from collections.abc import Mapping
from pathlib import Path
from typing import Literal, NotRequired, TypedDict

from sqlalchemy import Connection, select

from central.db.audit import detail_of, record
from central.db.fleet import STALE_AFTER, fleet_now, is_stale, naive_utc
from central.db.schema import audit
from player.wire.isotime import parse_utc
from player.wire.manifest import MAX_ALERT_LIFETIME

ALERT, ALERT_CANCEL = "alert", "alert-cancel"  # audit actions
Source = Literal["console", "command line", "cap-watch"]
SOURCES: tuple[Source, ...] = ("console", "command line", "cap-watch")


class AlertDetail(TypedDict):
    """The audit detail of a sent alert or cancel: the one shape every sender writes."""

    id: str
    source: Source
    outcome: Literal["sent", "failed"]
    text: NotRequired[str]  # an alert's, not a cancel's
    headline: NotRequired[str]  # a structured alert's (cap-watch's): what a list shows
    level: NotRequired[str]
    issued_at: NotRequired[str]  # ISO 8601 as in the payload; absent when the send failed
    expires_at: NotRequired[str]
    cap_identifier: NotRequired[str]  # cap-watch: the CAP message that asked for it
    error: NotRequired[str]  # a failed send: why


def record_alert(
    connection: Connection,
    *,
    payload: Mapping,
    actor: str,
    source: Source,
    now: dt.datetime,
    cap_identifier: str | None = None,
    error: str | None = None,
) -> int:
    """Write one alert or cancel sent to one group to the audit log; returns its row id.

    `payload` is what was (or was to be) sealed: a `signing.make_alert` or
    `make_alert_cancel` payload, or for a failed send at least its "type", "group" and
    "id" (and the alert's "text" and "level"). `error` marks the send as failed.
    """
    if source not in SOURCES:
        raise ValueError(f"alert source {source!r}: use one of {', '.join(SOURCES)}")
    cancel = payload.get("type") == "alert-cancel"
    detail: AlertDetail = {
        "id": str(payload["id"]),
        "source": source,
        "outcome": "failed" if error is not None else "sent",
    }
    keys = ("issued_at", "expires_at")
    if not cancel:
        keys = ("text", "headline", "level", *keys)
    for key in keys:
        if payload.get(key) is not None:
            detail[key] = str(payload[key])  # type: ignore[literal-required]
    if cap_identifier is not None:
        detail["cap_identifier"] = cap_identifier
    if error is not None:
        detail["error"] = error
    action = ALERT_CANCEL if cancel else ALERT
    return record(connection, now, actor, action, str(payload["group"]), detail=dict(detail))


def record_command_line_alert(config_path: Path | None, payload: Mapping) -> str | None:
    """Record an alert or cancel `videotron alert` sent, in the database central.yaml names.

    Nothing is recorded when central.yaml cannot be read or its SQLite file does not exist
    (no collector runs here). Returns what to tell the user when the row could not be
    written (the alert was sent all the same), else None.
    """
    from sqlalchemy.exc import SQLAlchemyError

    from central.config import CentralConfigError, load_central_config
    from central.db.database import display, exists, open_engine

    try:
        url = load_central_config(Path(config_path or "")).collector.database
    except CentralConfigError:
        return None
    if not exists(url):
        return None
    actor = f"command line ({getpass.getuser()})"
    engine = open_engine(url)
    try:
        with engine.begin() as connection:
            record_alert(connection, payload=payload, actor=actor, source="command line",
                         now=dt.datetime.now(dt.UTC))  # fmt: skip
    except (SQLAlchemyError, OSError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else repr(exc)
        return (
            f"sent, but not recorded in the audit log of {display(url)} ({first}); "
            "check collector.database in central.yaml and that the database is reachable"
        )
    finally:
        engine.dispose()
    return None


def _when(text: object) -> dt.datetime | None:
    try:
        return parse_utc(text)
    except ValueError:
        return None


def alert_log(connection: Connection, *, limit: int = 50) -> list[dict]:
    """Alerts and cancels the office sent, from every source, newest first.

    Returns `[{"at": naive UTC datetime, "actor": str, "action": "alert"|"alert-cancel",
    "group": str, "id": str, "text": str | None, "level": str | None,
    "expires_at": aware datetime | None, "source": "console" | "command line" |
    "cap-watch", "cap_identifier": str | None, "outcome": "sent" | "failed"}]`.
    """
    query = (
        select(audit)
        .where(audit.c.action.in_((ALERT, ALERT_CANCEL)))
        .order_by(audit.c.at.desc(), audit.c.id.desc())
        .limit(limit)
    )
    out = []
    for row in connection.execute(query):
        detail = detail_of(row.detail)
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
                "source": detail.get("source", "console"),
                "cap_identifier": detail.get("cap_identifier"),
                "outcome": detail.get("outcome", "sent"),
            }
        )
    return out


def active_alerts(
    connection: Connection,
    *,
    now: dt.datetime,
    stale_after: dt.timedelta = STALE_AFTER,
    group: str | None = None,
) -> list[dict]:
    """Alerts in force at `now` and the screens showing each, newest first.

    Returns `[{"id": str, "group": str, "text": str | None, "headline": str | None (a
    structured alert's), "level": str | None, "issued_at": aware datetime | None,
    "expires_at": aware datetime | None,
    "sent_by": str | None, "sent_at": naive UTC datetime | None, "source": "console" |
    "command line" | "cap-watch" | "screens" (in no row: only the screens tell of it),
    "cap_identifier": str | None (cap-watch's: the CAP message), "in_force": bool,
    "on_screen": [player ids reporting it now], "not_showing": [online, reporting
    screens of the group that do not show it], "screens_reporting": int (online,
    reporting screens of the group)}]`.

    Rows written by `record_alert` are read (a failed send is on no screen; a row
    without `issued_at` takes the row's time, one without `source` was the console's).
    An alert is in force until it expires or a later cancel of its id for its group; a
    newer version (same id) replaces the older.
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
        detail = detail_of(row.detail)
        key = (row.target, detail.get("id"))
        if not isinstance(key[1], str) or detail.get("outcome", "sent") != "sent":
            continue  # a message the broker never took is on no screen
        issued = _when(detail.get("issued_at")) or row.at.replace(tzinfo=dt.UTC)
        if row.action == ALERT_CANCEL:
            cancelled[key] = issued
            continue
        sent[key] = {
            "id": key[1], "group": row.target, "text": detail.get("text"),
            "headline": detail.get("headline"), "level": detail.get("level"), "issued_at": issued,
            "expires_at": _when(detail.get("expires_at")), "sent_by": row.actor,
            "sent_at": row.at, "source": detail.get("source", "console"),
            "cap_identifier": detail.get("cap_identifier"),
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
                "id": key[1], "group": key[0], "text": None, "headline": None, "level": None,
                "issued_at": None, "expires_at": None, "sent_by": None, "sent_at": None,
                "source": "screens", "cap_identifier": None, "in_force": True,
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


def _showing(connection: Connection, now: dt.datetime, stale_after: dt.timedelta) -> dict:
    """Alert id -> the screens reporting it on screen now (online, reporting)."""
    showing: dict[str, list[str]] = {}
    for screen in fleet_now(connection, now=naive_utc(now)):
        if not screen["online"] or is_stale(screen["last_seen"], now, stale_after):
            continue
        if isinstance(screen["alert"], str):
            showing.setdefault(screen["alert"], []).append(screen["player"])
    return showing


def alert_list(
    connection: Connection,
    *,
    now: dt.datetime,
    stale_after: dt.timedelta = STALE_AFTER,
    limit: int = 50,
    rows: int = 2000,
) -> list[dict]:
    """Every alert the office sent (console, command line, cap-watch), one entry per alert
    id however many groups it went to, newest first, with where it is on screen now.

    Returns `[{"id": str, "text": str | None, "headline": str | None, "level": str |
    None, "source": "console" | "command line" | "cap-watch", "sent_by": str,
    "cap_identifier": str | None, "sent_at": naive UTC datetime, "issued_at": aware
    datetime | None, "expires_at": aware datetime | None, "groups": [groups it reached],
    "failed_groups": [groups the broker did not take it for], "cancelled": [groups it was
    cancelled for], "state": "in force" | "expired" | "cancelled" | "failed",
    "on_screen": [player ids reporting it now]}]`. The newest version of an id gives its
    text and times. Only the latest `rows` audit rows of alerts are read (bounded work).
    """
    now_aware = now if now.tzinfo is not None else now.replace(tzinfo=dt.UTC)
    query = (
        select(audit)
        .where(audit.c.action.in_((ALERT, ALERT_CANCEL)))
        .order_by(audit.c.id.desc())
        .limit(rows)
    )
    alerts: dict[str, dict] = {}
    cancels: dict[tuple[str, str], dt.datetime] = {}
    for row in reversed(list(connection.execute(query))):  # oldest first: newer replaces
        detail = detail_of(row.detail)
        alert_id = detail.get("id")
        if not isinstance(alert_id, str):
            continue
        sent = detail.get("outcome", "sent") == "sent"
        issued = _when(detail.get("issued_at")) or row.at.replace(tzinfo=dt.UTC)
        if row.action == ALERT_CANCEL:
            if sent:
                cancels[(row.target, alert_id)] = issued
            continue
        entry = alerts.get(alert_id)
        if entry is None or issued > entry["issued_at"]:
            entry = alerts[alert_id] = {
                "id": alert_id, "text": detail.get("text"), "headline": detail.get("headline"),
                "level": detail.get("level"), "source": detail.get("source", "console"),
                "sent_by": row.actor, "cap_identifier": detail.get("cap_identifier"),
                "sent_at": row.at, "issued_at": issued,
                "expires_at": _when(detail.get("expires_at")), "reached": {},
            }  # fmt: skip
        entry["reached"][row.target] = sent or entry["reached"].get(row.target, False)
    showing = _showing(connection, now, stale_after)
    out = []
    for entry in alerts.values():
        reached = entry.pop("reached")
        groups = sorted(g for g, ok in reached.items() if ok)
        taken_off = {g: cancels.get((g, entry["id"])) for g in groups}
        cancelled = [
            g for g, at in taken_off.items() if at is not None and at >= entry["issued_at"]
        ]
        if not groups:
            state = "failed"
        elif len(cancelled) == len(groups):
            state = "cancelled"
        elif entry["expires_at"] is None or entry["expires_at"] <= now_aware:
            state = "expired"
        else:
            state = "in force"
        entry.update(
            groups=groups,
            failed_groups=sorted(g for g, ok in reached.items() if not ok),
            cancelled=cancelled,
            state=state,
            on_screen=sorted(showing.get(entry["id"], [])),
        )
        out.append(entry)
    out.sort(key=lambda a: (a["sent_at"], a["id"]), reverse=True)
    return out[:limit]


def alert_titles(connection: Connection, ids: set[str], *, rows: int = 2000) -> dict[str, str]:
    """Alert id -> what to call it on a screen's card: its headline, else its text (the
    newest version's; ids no row of the latest `rows` tells of are left out)."""
    if not ids:
        return {}
    query = (
        select(audit.c.detail)
        .where(audit.c.action == ALERT)
        .order_by(audit.c.id.desc())
        .limit(rows)
    )
    titles: dict[str, str] = {}
    for (raw,) in connection.execute(query):
        detail = detail_of(raw)
        alert_id = detail.get("id")
        if alert_id in ids and alert_id not in titles:  # newest first: the first one wins
            title = detail.get("headline") or detail.get("text")
            if isinstance(title, str) and title:
                titles[alert_id] = title
    return titles
