"""Alerts: the form (operators), a preview as a screen shows it, active alerts and cancel."""

from __future__ import annotations

import datetime as dt
import json
import logging
import secrets

from sqlalchemy import select
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from central.collector.schema import audit, screens
from central.console import accounts, send, web
from central.console.accounts import Session
from central.console.pages.fleet import STALE_AFTER
from player.wire.signing import MAX_ALERT_TEXT

log = logging.getLogger(__name__)

LEVELS = ("emergency", "warning", "info")
LIFETIMES = (15, 30, 60, 120, 240, 720, 1440)  # minutes offered in the form
ALERT_ACTIONS = ("alert", "alert-cancel")
LOOK_BACK = dt.timedelta(days=7)  # no alert lives longer than the wire allows (a week)


def groups_known(connection, config) -> list[str]:
    seen = {g for g in connection.scalars(select(screens.c.group).distinct()) if g}
    return sorted(seen | set(config.publish.groups))


def active_alerts(connection, now: dt.datetime) -> list[dict]:
    """Alerts sent from the console that have not expired nor been taken off, newest first;
    each with the screens whose latest status shows it."""
    rows = connection.execute(
        select(audit.c.at, audit.c.actor, audit.c.action, audit.c.target, audit.c.detail)
        .where(audit.c.action.in_(ALERT_ACTIONS), audit.c.at >= now - LOOK_BACK)
        .order_by(audit.c.id)
    )
    alerts: dict[tuple[str, str], dict] = {}
    for row in rows:
        detail = json.loads(row.detail or "{}")
        key = (detail.get("id", ""), row.target or "")
        if row.action == "alert-cancel":
            alerts.pop(key, None)
        elif detail.get("outcome") == "sent":
            expires = dt.datetime.fromisoformat(detail["expires_at"].replace("Z", "+00:00"))
            alerts[key] = {**detail, "group": row.target, "by": row.actor, "at": row.at,
                           "expires": expires.astimezone(dt.UTC).replace(tzinfo=None)}  # fmt: skip
    live = [a for a in alerts.values() if a["expires"] > now]
    shown: dict[str, list[str]] = {}
    for player, status, last_seen, online in connection.execute(
        select(screens.c.player, screens.c.status, screens.c.last_seen, screens.c.online)
    ):
        if not online or now - last_seen > STALE_AFTER:
            continue
        try:
            alert_id = (json.loads(status or "{}") or {}).get("alert")
        except ValueError:
            continue
        if alert_id:
            shown.setdefault(alert_id, []).append(player)
    for alert in live:
        alert["shown_on"] = sorted(shown.get(alert["id"], []))
    return sorted(live, key=lambda a: a["at"], reverse=True)


def alerts_data(connection, config, now) -> dict:
    return {"alerts": active_alerts(connection, now), "groups": groups_known(connection, config)}


@web.page("viewer")
async def alerts_page(request: Request, session: Session) -> Response:
    console = web.console_of(request)
    data = await web.db(request, alerts_data, console.config, console.now())
    data.update(levels=LEVELS, lifetimes=LIFETIMES, csrf=session.csrf, max_text=MAX_ALERT_TEXT,
                notice=request.query_params.get("notice"), form={})  # fmt: skip
    return web.render(request, "alerts.html", data, session=session)


@web.page("operator")
async def send_alert(request: Request, session: Session) -> Response:
    console = web.console_of(request)
    form = await request.form()
    text = str(form.get("text", "")).strip()
    level = str(form.get("level", ""))
    groups = [str(g) for g in form.getlist("groups")]
    try:
        minutes = int(str(form.get("minutes", "")))
    except ValueError:
        minutes = 0
    known = await web.db(request, groups_known, console.config)
    problem = None
    if not text or len(text) > MAX_ALERT_TEXT:
        problem = f"text: 1 to {MAX_ALERT_TEXT} characters"
    elif level not in LEVELS:
        problem = f"level: one of {', '.join(LEVELS)}"
    elif minutes not in LIFETIMES:
        problem = "expiry: choose one of the offered durations"
    elif not groups or any(g not in known for g in groups):
        problem = "groups: choose at least one known group"
    if problem:
        data = await web.db(request, alerts_data, console.config, console.now())
        data.update(
            levels=LEVELS,
            lifetimes=LIFETIMES,
            csrf=session.csrf,
            error=problem,
            max_text=MAX_ALERT_TEXT,
            notice=None,
            form={"text": text, "level": level, "minutes": minutes, "groups": groups},
        )
        return web.render(request, "alerts.html", data, session=session, status=400)  # fmt: skip
    now = console.now()
    alert_id = secrets.token_hex(8)  # one id on every group: one alert to cancel
    outcomes = []
    for group in groups:
        try:
            payload = await run_in_threadpool(
                request.app.state.sender.alert, group, text, level,
                dt.timedelta(minutes=minutes), alert_id, now=now,
            )  # fmt: skip
            detail = {"id": alert_id, "text": text, "level": level, "outcome": "sent",
                      "expires_at": payload["expires_at"]}  # fmt: skip
        except send.SendError as exc:
            log.error("console: alert %s to %s failed: %s", alert_id, group, exc)
            detail = {"id": alert_id, "text": text, "level": level, "outcome": "failed",
                      "error": str(exc)}  # fmt: skip
        outcomes.append(detail["outcome"])
        await web.db(request, accounts.record, now, session.user, "alert", group, detail=detail)
    notice = "sent" if all(o == "sent" for o in outcomes) else "failed"
    return RedirectResponse(f"/alerts?notice={notice}", status_code=303)


@web.page("operator")
async def cancel_alert(request: Request, session: Session) -> Response:
    console = web.console_of(request)
    form = await request.form()
    alert_id, group = str(form.get("id", "")), str(form.get("group", ""))
    now = console.now()
    live = await web.db(request, active_alerts, now)
    if not any(a["id"] == alert_id and a["group"] == group for a in live):
        return web.refuse(request, session, "not_found", 404)
    try:
        await run_in_threadpool(request.app.state.sender.cancel, group, alert_id, now)
        detail, notice = {"id": alert_id, "outcome": "sent"}, "sent"
    except send.SendError as exc:
        detail, notice = {"id": alert_id, "outcome": "failed", "error": str(exc)}, "failed"
    action = "alert-cancel" if notice == "sent" else "alert-cancel-failed"
    await web.db(request, accounts.record, now, session.user, action, group, detail=detail)
    return RedirectResponse(f"/alerts?notice={notice}", status_code=303)


def routes() -> list[Route]:
    return [
        Route("/alerts", alerts_page, methods=["GET"]),
        Route("/alerts", send_alert, methods=["POST"]),
        Route("/alerts/cancel", cancel_alert, methods=["POST"]),
    ]
