"""Alerts: the form (operators), its preview drawn by the screens' own code, every alert sent."""

from __future__ import annotations

import datetime as dt
import logging
import secrets

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from central.broker import SendError
from central.console import alertpreview, i18n, web
from central.console.accounts import Session
from central.console.outage import DatabaseUnavailable
from central.db import alerts as sent_alerts
from central.db import fleet
from player.wire.signing import MAX_ALERT_TEXT

log = logging.getLogger(__name__)

LEVELS = ("emergency", "warning", "info")
LIFETIMES = (15, 30, 60, 120, 240, 720, 1440)  # minutes offered in the form
MAX_TARGETS = 6  # sizes previewed at once (bounded work); the smallest come first


def alerts_data(connection, config, now) -> dict:
    return {
        "alerts": sent_alerts.active_alerts(connection, now=now),
        "sent": sent_alerts.alert_list(connection, now=now),
        # The office's own groups: a group a screen merely claims is no target for alerts.
        "groups": config.groups,
    }


def preview_targets(connection, groups: list[str], now) -> list[alertpreview.Target]:
    """The sizes the screens of `groups` lay an alert out at, smallest first."""
    return alertpreview.targets(fleet.fleet_now(connection, now=fleet.naive_utc(now)), groups)


def read_form(form, known) -> tuple[dict, str | None]:
    """The alert form's fields, and the first problem with them as a key of i18n's words
    (None when it may be sent)."""
    try:
        minutes = int(str(form.get("minutes", "")))
    except ValueError:
        minutes = 0
    fields = {
        "text": str(form.get("text", "")).strip(),
        "level": str(form.get("level", "")),
        "minutes": minutes,
        "groups": [str(g) for g in form.getlist("groups")],
    }
    problem = None
    if not fields["text"] or len(fields["text"]) > MAX_ALERT_TEXT:
        problem = "problem_text"
    elif fields["level"] not in LEVELS:
        problem = "problem_level"
    elif minutes not in LIFETIMES:
        problem = "problem_expiry"
    elif not fields["groups"] or any(g not in known for g in fields["groups"]):
        problem = "problem_groups"
    return fields, problem


async def previews(request: Request, fields: dict) -> dict:
    """The form's alert drawn at each target size: `{"previews": [(Target, Preview)],
    "preview_error": str | None, "most_pages": int}` (nothing to draw without text)."""
    console = web.console_of(request)
    known = console.config.groups
    level = fields["level"] if fields["level"] in LEVELS else "emergency"
    chosen = [g for g in fields["groups"] if g in known] or list(known)
    out: dict = {"previews": [], "preview_error": None, "most_pages": 0}
    if not fields["text"] or len(fields["text"]) > MAX_ALERT_TEXT:
        return out
    now = console.now()
    found = await web.db(request, preview_targets, chosen, now)
    previewer: alertpreview.AlertPreviewer = request.app.state.previewer
    try:
        for target in found[:MAX_TARGETS]:
            drawn = await previewer.preview(
                fields["text"], level, target.size, now=now.replace(tzinfo=dt.UTC)
            )
            out["previews"].append((target, drawn))
    except alertpreview.PreviewError as exc:
        log.warning("console: alert preview: %s", exc)
        out["preview_error"] = str(exc)
    out["most_pages"] = max((p.page_count for _, p in out["previews"]), default=0)
    return out


def _page_context(session: Session, **extra) -> dict:
    return {
        "levels": LEVELS, "lifetimes": LIFETIMES, "csrf": session.csrf,
        "max_text": MAX_ALERT_TEXT, "readable_pages": alertpreview.READABLE_PAGES,
        "previews": [], "preview_error": None, "most_pages": 0, "notice": None,
        "form": {}, **extra,
    }  # fmt: skip


@web.page("viewer")
async def alerts_page(request: Request, session: Session) -> Response:
    console = web.console_of(request)
    data = await web.db(request, alerts_data, console.config, console.now())
    data.update(_page_context(session, notice=request.query_params.get("notice")))
    return web.render(request, "alerts.html", data, session=session)


@web.page("operator")
async def preview_alert(request: Request, session: Session) -> Response:
    """The form's alert as the screens will draw it. The page's script asks for the
    preview alone (header X-Preview: fragment) as the operator types; without the script
    the "Preview" button posts the form here and gets the whole page back, filled in."""
    console = web.console_of(request)
    fields, _ = read_form(await request.form(), console.config.groups)
    shown = await previews(request, fields)
    if request.headers.get("x-preview") == "fragment":
        return web.render(request, "alert_preview.html", _page_context(session, **shown),
                          session=session)  # fmt: skip
    data = await web.db(request, alerts_data, console.config, console.now())
    data.update(_page_context(session, form=fields, **shown))
    return web.render(request, "alerts.html", data, session=session)


@web.page("viewer")
async def preview_image(request: Request, session: Session) -> Response:
    """One page of a preview drawn lately, as PNG."""
    previewer: alertpreview.AlertPreviewer = request.app.state.previewer
    png = previewer.image(request.path_params["key"], request.path_params["page"])
    if png is None:
        return Response("not found", status_code=404, headers=web.SECURITY_HEADERS)
    headers = {**web.SECURITY_HEADERS, "Cache-Control": "private, max-age=3600"}
    return Response(png, media_type="image/png", headers=headers)


@web.page("operator")
async def send_alert(request: Request, session: Session) -> Response:
    console = web.console_of(request)
    fields, problem = read_form(await request.form(), console.config.groups)
    if problem:
        shown = await previews(request, fields)
        data = await web.db(request, alerts_data, console.config, console.now())
        error = i18n.translate(web.language(request), problem).format(max=MAX_ALERT_TEXT)
        data.update(_page_context(session, error=error, form=fields, **shown))
        return web.render(request, "alerts.html", data, session=session, status=400)
    text, level, minutes, groups = (fields[k] for k in ("text", "level", "minutes", "groups"))
    now = console.now()
    alert_id = secrets.token_hex(8)  # one id on every group: one alert to cancel
    outcomes = []
    unrecorded: DatabaseUnavailable | None = None
    for group in groups:
        try:
            payload = await run_in_threadpool(
                request.app.state.sender.alert, group, text, level,
                dt.timedelta(minutes=minutes), alert_id, now=now,
            )  # fmt: skip
        except SendError as exc:
            log.error("console: alert %s to %s failed: %s", alert_id, group, exc)
            payload = {"type": "alert", "group": group, "id": alert_id, "text": text,
                       "level": level}  # fmt: skip
            error, outcome = str(exc), "failed"
        else:
            error, outcome = None, "sent"
        outcomes.append(outcome)
        try:
            await web.db(request, lambda c, p=payload, e=error: sent_alerts.record_alert(
                c, payload=p, actor=session.user, source="console", now=now, error=e))  # fmt: skip
        except DatabaseUnavailable as exc:
            # A warning goes to every group even when its record cannot be kept.
            log.error("console: alert %s to %s %s but not recorded: the database %s",
                      alert_id, group, outcome, exc.kind)  # fmt: skip
            unrecorded = exc
    if unrecorded is not None:
        if "sent" in outcomes:
            unrecorded.done_outside = "db_sent_not_recorded"
        raise unrecorded
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
        Route("/alerts/preview", preview_alert, methods=["POST"]),
        Route("/alerts/preview/{key}/{page:int}.png", preview_image, methods=["GET"]),
        Route("/alerts/cancel", cancel_alert, methods=["POST"]),
    ]
