"""The fleet page: counts at the top, then every screen by group; refreshed by light polling."""

from __future__ import annotations

import datetime as dt
import logging

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from central.config import CentralConfig
from central.console import content, timeline, web
from central.console.accounts import Session
from central.console.pages import content as content_page

log = logging.getLogger(__name__)

# Players send their status at least every minute; three missed ones mean it stopped
# reporting, even when its last will never reached the broker.
STALE_AFTER = dt.timedelta(minutes=3)


def latest_sequences(config: CentralConfig) -> dict[str, int]:
    """Each group's latest good publish sequence, checked as a screen checks it."""
    groups, _problem = content_page.publishes(config)
    return content.latest_sequences(groups)


def fleet_data(connection, config: CentralConfig, now: dt.datetime) -> dict:
    summary = timeline.fleet_summary(
        connection, now=now, stale_after=STALE_AFTER, latest_sequences=latest_sequences(config)
    )
    by_group: dict[str, list[dict]] = {}
    for screen in summary["screens"]:
        by_group.setdefault(screen["group"] or "-", []).append(screen)
    summary["by_group"] = by_group
    return summary


@web.page("viewer")
async def fleet_page(request: Request, session: Session) -> Response:
    console = web.console_of(request)
    data = await web.db(request, fleet_data, console.config, console.now())
    return web.render(request, "fleet.html", data, session=session)


@web.page("viewer")
async def fleet_rows(request: Request, session: Session) -> Response:
    """The same page's body alone, fetched every few seconds by static/console.js."""
    console = web.console_of(request)
    data = await web.db(request, fleet_data, console.config, console.now())
    return web.render(request, "fleet_body.html", data, session=session)


def routes() -> list[Route]:
    return [
        Route("/", fleet_page, methods=["GET"]),
        Route("/fleet/body", fleet_rows, methods=["GET"]),
    ]
