"""The fleet page: counts at the top, then the screens by group, a thousand a page; polled."""

from __future__ import annotations

import datetime as dt
import logging

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from central import publishes
from central.config import CentralConfig
from central.console import i18n, web
from central.console.accounts import Session
from central.db import alerts, content, fleet
from player.wire.units import format_size

log = logging.getLogger(__name__)

# Screens drawn per page. Every card costs the server and the browser alike (10,000 cards
# were 8 MB of HTML and 1.5 s to render); a fleet up to this size fits on one page.
PAGE_SIZE = 1000


def fleet_data(
    connection, config: CentralConfig, now: dt.datetime, page: int = 1, page_size: int = PAGE_SIZE
) -> dict:
    """The whole fleet's counts, and the screens of page `page` (by group, then name).

    `fleet.fleet_summary` of that page (its "page" says which screens it holds) plus
    `"by_group"`: the page's screens per group.
    """
    summary = fleet.fleet_summary(
        connection, now=now, latest_sequences=publishes.latest_good_sequences(config),
        page=page, page_size=page_size,
    )  # fmt: skip
    by_group: dict[str, list[dict]] = {}
    for screen in summary["screens"]:
        by_group.setdefault(screen["group"] or "-", []).append(screen)
    summary["by_group"] = by_group
    # What a screen's alert says, not its id: the headline (cap-watch) or the text.
    titles = alerts.alert_titles(connection, {s["alert"] for s in summary["screens"] if s["alert"]})
    for screen in summary["screens"]:
        screen["alert_title"] = titles.get(screen["alert"]) if screen["alert"] else None
    return summary


def page_number(text: str | None) -> int:
    """The page `?page=` asks for; anything but a whole number from 1 up is the first."""
    return int(text) if text and text.isascii() and text.isdigit() and int(text) > 0 else 1


def annotate(summary: dict, zone, now: dt.datetime, language: str) -> dict:
    """Each shown screen's times and sizes as text, once in Python: the template only places
    them (1,000 screens must render in well under the 300 ms a page may take)."""
    for screen in summary["screens"]:
        screen["since_text"] = i18n.local_time(screen["state_since"], zone)
        screen["ago_text"] = i18n.age(screen["state_since"], now, language)
        screen["sync_text"] = i18n.local_time(screen["last_sync"], zone)
        used, most = screen["cache_used"], screen["cache_max"]
        screen["cache_text"] = (
            "—" if used is None else format_size(used) + (f" / {format_size(most)}" if most else "")
        )
        screen["machine_text"] = machine_text(screen["machine"], screen["disk_free_share"],
                                              language)  # fmt: skip
        screen["shot_key"] = int(screen["screenshot_at"].timestamp()) if screen[
            "screenshot_at"] else None  # fmt: skip
    return summary


def machine_text(machine: dict, disk_share: float | None, language: str) -> str:
    """ "82.7 °C · disk 4% free": the two values a fleet card shows of a screen's health."""
    parts = []
    temp = machine.get("temp_c")
    if isinstance(temp, int | float) and not isinstance(temp, bool):
        parts.append(f"{temp:.1f} °C")
    if disk_share is not None:
        parts.append(f"{i18n.translate(language, 'disk_free')} {100 * disk_share:.0f}%")
    return " · ".join(parts)


@web.page("viewer")
async def fleet_page(request: Request, session: Session) -> Response:
    return await _fleet(request, session, "fleet.html")


@web.page("viewer")
async def fleet_rows(request: Request, session: Session) -> Response:
    """The same page's body alone, fetched every few seconds by static/console.js."""
    return await _fleet(request, session, "fleet_body.html")


async def _fleet(request: Request, session: Session, template: str) -> Response:
    console = web.console_of(request)
    now = console.now()
    page = page_number(request.query_params.get("page"))
    data = await web.db(request, fleet_data, console.config, now, page)
    annotate(data, console.zone, now, web.language(request))
    data["pending"] = await web.db(request, content.pending_count)  # the content workflow's
    return web.render(request, template, data, session=session)


def routes() -> list[Route]:
    return [
        Route("/", fleet_page, methods=["GET"]),
        Route("/fleet/body", fleet_rows, methods=["GET"]),
    ]
