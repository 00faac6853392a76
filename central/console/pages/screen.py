"""A screen's page: details, online history, plays, errors, screenshots; confirmed commands."""

from __future__ import annotations

import datetime as dt
import logging

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from central import publishes
from central.broker import SendError
from central.console import i18n, send, web
from central.console.accounts import Session
from central.console.outage import DatabaseUnavailable
from central.db import alerts, audit, fleet, health, timeline
from central.db.queries import latest_screenshot
from player.wire.machinehealth import CRITICAL, WARNING, health_warnings
from player.wire.units import format_size

log = logging.getLogger(__name__)

HISTORY = dt.timedelta(days=7)
HEALTH_CHART = dt.timedelta(hours=24)


def screen_data(connection, config, player: str, now: dt.datetime) -> dict | None:
    first_seen = timeline.first_seen(connection, player)
    if first_seen is None:
        return None
    summary = fleet.fleet_summary(
        connection, now=now, latest_sequences=publishes.latest_good_sequences(config)
    )
    screen = next(s for s in summary["screens"] if s["player"] == player)
    # What its alert says (headline or text), not the alert's id.
    alert = screen["alert"]
    screen["alert_title"] = alerts.alert_titles(connection, {alert}).get(alert) if alert else None
    # The history begins when the collector first heard of the screen: before that there
    # is nothing to tell, and a long grey "unknown" bar would read as an outage.
    since = max(fleet.naive_utc(now) - HISTORY, fleet.naive_utc(first_seen))
    periods = timeline.online_timeline(connection, player, start=since, end=now, now=now)
    total = sum(p["seconds"] for p in periods) or 1.0
    for period in periods:
        period["share"] = round(100 * period["seconds"] / total, 3)
    end = fleet.naive_utc(now)
    samples = health.history(connection, player, since=end - HEALTH_CHART)
    return {
        "screen": screen,
        "chart": health.chart(samples, start=end - HEALTH_CHART, end=end),
        "periods": periods,
        "history_since": since if since > fleet.naive_utc(now) - HISTORY else None,
        "plays": timeline.recent_plays(connection, player, limit=30),
        "errors": timeline.error_history(connection, player, limit=30),
        "shots": timeline.screenshot_list(connection, player, limit=6),
        "commands": send.COMMANDS,
    }


@web.page("viewer")
async def screen_page(request: Request, session: Session) -> Response:
    console = web.console_of(request)
    player = request.path_params["player"]
    data = await web.db(request, screen_data, console.config, player, console.now())
    if data is None:
        return web.refuse(request, session, "not_found", 404)
    data["notice"] = request.query_params.get("notice")
    data["machine_rows"] = machine_rows(data["screen"]["machine"], web.language(request))
    data["device_level"] = next((level for *_, level in data["machine_rows"] if level), None)
    return web.render(request, "screen.html", data, session=session)


def machine_rows(machine: dict, language: str) -> list[tuple[str, str, str | None]]:
    """(label, value, None | warning | critical) for each health value a screen reported,
    worded once here: the template only places them."""
    t = lambda key: i18n.translate(language, key)  # noqa: E731
    levels = {w.code: w.level for w in health_warnings(machine)}
    rows: list[tuple[str, str, str | None]] = []

    def number(key: str) -> float | None:
        value = machine.get(key)
        return None if isinstance(value, bool) or not isinstance(value, int | float) else value

    if number("temp_c") is not None:
        rows.append((t("temperature"), f"{machine['temp_c']:.1f} °C",
                     levels.get("hot") or levels.get("warm")))  # fmt: skip
    if "under_voltage" in machine:
        code = next((c for c in ("under_voltage", "under_voltage_since_boot") if c in levels), None)
        rows.append((t("power"), t("hw_" + code) if code else t("power_ok"), levels.get(code)))
        rows.append((t("throttling"), t("hw_throttled") if machine.get("throttled") else
                     t("throttling_none"), levels.get("throttled")))  # fmt: skip
    if number("load_1m") is not None:
        cpus = machine.get("cpu_count")
        rows.append((t("load"), f"{machine['load_1m']:.2f}" + (f" / {cpus} CPU" if cpus else ""),
                     None))  # fmt: skip
    if number("mem_total_bytes"):
        free = format_size(number("mem_available_bytes") or 0)
        rows.append((t("memory"), f"{free} {t('of')} {format_size(machine['mem_total_bytes'])}",
                     None))  # fmt: skip
    if number("disk_total_bytes"):
        free, total = number("disk_free_bytes") or 0, machine["disk_total_bytes"]
        text = f"{format_size(free)} {t('of')} {format_size(total)} ({100 * free / total:.0f}%)"
        rows.append((t("disk_free"), text, levels.get("disk_low")))
    if "sd_read_only" in machine or "io_errors" in machine:
        parts = [t("hw_sd_read_only") if machine.get("sd_read_only") else t("sd_writable")]
        errors = number("io_errors")
        parts.append(t("io_unknown") if errors is None else f"{int(errors)} {t('io_errors')}")
        level = levels.get("sd_read_only") or levels.get("io_errors")
        rows.append((t("sd_card"), ", ".join(parts), level))
    if number("uptime_s") is not None:
        # "how long ago it booted", as ages read everywhere else in the console
        booted = dt.datetime(2000, 1, 1)
        since_boot = booted + dt.timedelta(seconds=machine["uptime_s"])
        rows.append((t("uptime_os"), i18n.age(booted, since_boot, language), None))
    if machine.get("net_interface"):
        rows.append((t("network"), f"{machine['net_interface']} {machine.get('net_link') or '?'}",
                     None if machine.get("net_link") in ("up", None) else WARNING))  # fmt: skip
    if number("wifi_signal_dbm") is not None:
        rows.append((t("wifi_signal"), f"{machine['wifi_signal_dbm']:.0f} dBm", None))
    if number("modem_signal_percent") is not None:
        rows.append((t("modem_signal"), f"{machine['modem_signal_percent']}%", None))
    if machine.get("controller_link"):
        link = machine["controller_link"]
        rows.append((t("sending_card"), link, CRITICAL if link == "not answering" else None))
    return rows


@web.page("viewer")
async def screenshot_image(request: Request, session: Session) -> Response:
    shot = await web.db(
        request, timeline.screenshot_jpeg, int(request.path_params["shot"]),
        player=request.path_params["player"],
    )  # fmt: skip
    if shot is None:
        return Response("not found", status_code=404)
    headers = {**web.SECURITY_HEADERS, "Cache-Control": "private, max-age=3600"}
    return Response(shot["jpeg"], media_type="image/jpeg", headers=headers)


@web.page("viewer")
async def latest_image(request: Request, session: Session) -> Response:
    """The newest screenshot of a screen: the fleet page's thumbnail."""
    row = await web.db(request, latest_screenshot, request.path_params["player"])
    if row is None:
        return Response("not found", status_code=404)
    return Response(bytes(row.jpeg), media_type="image/jpeg", headers=web.SECURITY_HEADERS)


@web.page("operator")
async def confirm_command(request: Request, session: Session) -> Response:
    """Step one of a command: a page that says what will happen, with the button to do it."""
    name = request.path_params["name"]
    if name not in send.COMMANDS:
        return web.refuse(request, session, "not_found", 404)
    return web.render(
        request,
        "confirm.html",
        {"player": request.path_params["player"], "name": name, "csrf": session.csrf},
        session=session,
    )


@web.page("operator")
async def send_command(request: Request, session: Session) -> Response:
    console = web.console_of(request)
    player, name = request.path_params["player"], request.path_params["name"]
    if name not in send.COMMANDS:
        return web.refuse(request, session, "not_found", 404)
    known = await web.db(request, timeline.first_seen, player)
    if known is None:
        return web.refuse(request, session, "not_found", 404)
    now = console.now()
    sender = request.app.state.sender
    try:
        await run_in_threadpool(sender.command, player, name, now)
        outcome, error = "sent", None
    except SendError as exc:
        outcome, error = "failed", str(exc)
        log.error("console: command %s to %s failed: %s", name, player, exc)
    detail = {"outcome": outcome, **({"error": error} if error else {})}
    try:
        await web.db(request, audit.record, now, session.user, f"command-{name}", player,
                     detail=detail)  # fmt: skip
    except DatabaseUnavailable as exc:
        log.error("console: command %s to %s %s but not recorded: the database %s",
                  name, player, outcome, exc.kind)  # fmt: skip
        if outcome == "sent":
            exc.done_outside = "db_sent_not_recorded"
        raise
    return RedirectResponse(f"/screen/{web.path_segment(player)}?notice={outcome}", status_code=303)


def routes() -> list[Route]:
    return [
        # Matched as sent: the id is the screen's own, and may hold an encoded "/".
        web.EncodedRoute("/screen/{player}", screen_page, methods=["GET"]),
        web.EncodedRoute("/screen/{player}/shot/{shot:int}.jpg", screenshot_image, methods=["GET"]),
        web.EncodedRoute("/screen/{player}/latest.jpg", latest_image, methods=["GET"]),
        web.EncodedRoute("/screen/{player}/command/{name}", confirm_command, methods=["GET"]),
        web.EncodedRoute("/screen/{player}/command/{name}", send_command, methods=["POST"]),
    ]
