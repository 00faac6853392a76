"""The content page: each group's latest publish, where its publishes came from, what plays next."""

from __future__ import annotations

import datetime as dt
import logging

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from central import publishes
from central.config import CentralConfig
from central.console import content, schedule_words, web
from central.console.accounts import Session
from central.db import fleet, publishlog

log = logging.getLogger(__name__)

HOURS = (2, 6, 12, 24)
HISTORY_ROWS = 500  # the newest publishes of all groups read for the page
HISTORY_PER_GROUP = 10


def reported_now(connection, now: dt.datetime) -> dict[str, dict]:
    """Per group, what its online screens report on screen: {"online": n, "alerts": {id: n}}.

    The schedule preview is a prediction; an alert on screen overrides it, and only the
    screens can say that one is there.
    """
    groups: dict[str, dict] = {}
    for screen in fleet.fleet_summary(connection, now=now)["screens"]:
        if screen["state"] != fleet.ONLINE:
            continue
        entry = groups.setdefault(screen["group"], {"online": 0, "alerts": {}})
        entry["online"] += 1
        if screen["alert"]:
            entry["alerts"][screen["alert"]] = entry["alerts"].get(screen["alert"], 0) + 1
    return groups


def content_data(config: CentralConfig, now: dt.datetime, zone, hours: int, language: str) -> dict:
    groups, key_problem = publishes.publishes(config)
    for entry in groups:
        entry["preview"] = None
        if entry["manifest"] is not None:
            try:
                preview = content.schedule_preview(
                    entry["manifest"], now=now.replace(tzinfo=dt.UTC), hours=hours, tz=zone
                )
                preview["lines"] = schedule_words.preview_rows(language, preview["rows"])
                entry["preview"] = preview
            except ValueError as exc:
                entry["problems"].append(f"schedule: {exc}")
    return {"groups": groups, "key_problem": key_problem}


def attach_history(groups: list[dict], history: list[publishlog.PublishRecord]) -> None:
    """Give each group's entry its recent publishes (`history`, newest first, at most
    HISTORY_PER_GROUP) and `origin`: the record of the publish its folder holds now, or
    None when none tells of it (published by hand, by an older version, or its record was
    lost)."""
    for entry in groups:
        mine = [row for row in history if row["group"] == entry["group"]]
        entry["history"] = mine[:HISTORY_PER_GROUP]
        entry["origin"] = next(
            (row for row in mine if row["sequence"] is not None
             and row["sequence"] == entry["sequence"]),
            None,
        )  # fmt: skip


@web.page("viewer")
async def content_page(request: Request, session: Session) -> Response:
    console = web.console_of(request)
    try:
        hours = int(request.query_params.get("hours", "6"))
    except ValueError:
        hours = 6
    hours = hours if hours in HOURS else 6
    data = await run_in_threadpool(
        content_data, console.config, console.now(), console.zone, hours, web.language(request)
    )
    reported = await web.db(request, reported_now, console.now())
    history = await web.db(request, publishlog.publish_history, limit=HISTORY_ROWS)
    attach_history(data["groups"], history)
    data.update(hours=hours, choices=HOURS, reported=reported)
    return web.render(request, "content.html", data, session=session)


def routes() -> list[Route]:
    return [Route("/content", content_page, methods=["GET"])]
