"""Alerts: the form (operators), a preview as a screen shows it, active alerts and cancel."""

from __future__ import annotations

import datetime as dt
import logging
import secrets

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from central.broker import SendError
from central.console import i18n, web
from central.console.accounts import Session
from central.db import alerts as sent_alerts
from player.wire.signing import MAX_ALERT_TEXT

log = logging.getLogger(__name__)

LEVELS = ("emergency", "warning", "info")
LIFETIMES = (15, 30, 60, 120, 240, 720, 1440)  # minutes offered in the form


def alerts_data(connection, config, now) -> dict:
    return {
        "alerts": sent_alerts.active_alerts(connection, now=now),
        # The office's own groups: a group a screen merely claims is no target for alerts.
        "groups": config.groups,
    }


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
    known = console.config.groups
    problem = None
    if not text or len(text) > MAX_ALERT_TEXT:
        problem = "problem_text"
    elif level not in LEVELS:
        problem = "problem_level"
    elif minutes not in LIFETIMES:
        problem = "problem_expiry"
    elif not groups or any(g not in known for g in groups):
        problem = "problem_groups"
    if problem:
        data = await web.db(request, alerts_data, console.config, console.now())
        data.update(
            levels=LEVELS,
            lifetimes=LIFETIMES,
            csrf=session.csrf,
            error=i18n.translate(web.language(request), problem).format(max=MAX_ALERT_TEXT),
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
        except SendError as exc:
            log.error("console: alert %s to %s failed: %s", alert_id, group, exc)
            unsent = {"type": "alert", "group": group, "id": alert_id, "text": text,
                      "level": level}  # fmt: skip
            await web.db(request, lambda c, p=unsent, e=str(exc): sent_alerts.record_alert(
                c, payload=p, actor=session.user, source="console", now=now, error=e))  # fmt: skip
            outcomes.append("failed")
            continue
        await web.db(request, lambda c, p=payload: sent_alerts.record_alert(
            c, payload=p, actor=session.user, source="console", now=now))  # fmt: skip
        outcomes.append("sent")
    notice = "sent" if all(o == "sent" for o in outcomes) else "failed"
    return RedirectResponse(f"/alerts?notice={notice}", status_code=303)


@web.page("operator")
async def cancel_alert(request: Request, session: Session) -> Response:
    console = web.console_of(request)
    form = await request.form()
    alert_id, group = str(form.get("id", "")), str(form.get("group", ""))
    now = console.now()
    live = await web.db(request, sent_alerts.active_alerts, now=now)
    known = group in console.config.groups  # the office's own, not one a screen claims
    if not known or not any(a["id"] == alert_id and a["group"] == group for a in live):
        return web.refuse(request, session, "not_found", 404)
    try:
        payload = await run_in_threadpool(request.app.state.sender.cancel, group, alert_id, now)
    except SendError as exc:
        unsent = {"type": "alert-cancel", "group": group, "id": alert_id}
        await web.db(request, lambda c, e=str(exc): sent_alerts.record_alert(
            c, payload=unsent, actor=session.user, source="console", now=now,
            error=e))  # fmt: skip
        return RedirectResponse("/alerts?notice=failed", status_code=303)
    await web.db(request, lambda c: sent_alerts.record_alert(
        c, payload=payload, actor=session.user, source="console", now=now))  # fmt: skip
    return RedirectResponse("/alerts?notice=sent", status_code=303)


def routes() -> list[Route]:
    return [
        Route("/alerts", alerts_page, methods=["GET"]),
        Route("/alerts", send_alert, methods=["POST"]),
        Route("/alerts/cancel", cancel_alert, methods=["POST"]),
    ]
