"""Campaigns: each one's delivery per day against its goal, the partner's PDF and the export.

Open to partner accounts too: a partner sees only the campaigns its account names, and a
campaign of another partner answers 404, as one that does not exist.
"""

from __future__ import annotations

import datetime as dt

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from central.campaigns import export, pdf
from central.campaigns.report import (
    DELIVERY_COLUMNS,
    UnknownCampaign,
    all_campaigns,
    campaign_report,
)
from central.console import web
from central.console.accounts import Session
from central.console.pages.plays import parse_range, range_error
from central.db import csvfile

NOT_FOUND = Response("not found", status_code=404, headers=web.SECURITY_HEADERS)


def _today(request: Request) -> dt.date:
    console = web.console_of(request)
    return console.now().replace(tzinfo=dt.UTC).astimezone(console.zone).date()


def visible_campaigns(config, session: Session) -> list[dict]:
    """The campaigns of the groups' latest publishes this account may see, by id."""
    return [
        {
            "id": c.id,
            "partner": c.partner,
            "goal": c.goal,
            "items": [item.id for item in c.items],
            "valid_from": c.rules.valid_from if c.rules else None,
            "valid_until": c.rules.valid_until if c.rules else None,
        }
        for c in all_campaigns(config)
        if session.sees_campaigns_of(c.partner)
    ]


def per_day(report) -> list[dict]:
    """The delivery summed over the screens per day: planned, delivered, seconds, short,
    cut short; `published` is False on a day before the campaign's first publish."""
    days: dict[dt.date, dict] = {}
    for d in report.days:
        row = days.setdefault(d.day, {"day": d.day, "planned": 0, "delivered": 0,
                                      "seconds": 0.0, "short": [], "cut_short": 0,
                                      "published": False})  # fmt: skip
        row["planned"] += d.planned
        row["delivered"] += d.delivered
        row["seconds"] += d.seconds
        row["cut_short"] += d.cut_short
        row["published"] = row["published"] or d.published
        if d.short:
            row["short"].append(d)
    return [days[k] for k in sorted(days)]


async def _report(request: Request, session: Session):
    """The campaign the path names over ?from=&to=, or a Response saying why not."""
    console = web.console_of(request)
    campaign_id = request.path_params["campaign"]
    visible = {c["id"] for c in visible_campaigns(console.config, session)}
    if campaign_id not in visible:
        return NOT_FOUND  # another partner's campaign is none of this account's business
    first, last, _group, error = parse_range(request.query_params, _today(request))
    if error:
        return Response(
            range_error(web.language(request), error, first, last),
            status_code=400,
            headers=web.SECURITY_HEADERS,
        )
    now = console.now().replace(tzinfo=dt.UTC)
    try:
        return await web.db(
            request,
            campaign_report,
            console.config,
            campaign_id,
            first,
            last,
            tz=console.zone,
            now=now,
        )
    except UnknownCampaign:
        return NOT_FOUND


@web.page("partner")
async def campaigns_page(request: Request, session: Session) -> Response:
    console = web.console_of(request)
    found = visible_campaigns(console.config, session)
    return web.render(request, "campaigns.html", {"campaigns": found}, session=session)


@web.page("partner")
async def campaign_page(request: Request, session: Session) -> Response:
    report = await _report(request, session)
    if isinstance(report, Response):
        return report
    data = {
        "report": report,
        "campaign": report.campaign,
        "days": per_day(report),
        "screen_days": report.days,
        "first": report.first,
        "last": report.last,
    }
    return web.render(request, "campaign.html", data, session=session)


def _download(data: bytes, media_type: str, name: str) -> Response:
    return Response(
        data,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{name}"', **web.SECURITY_HEADERS},
    )


@web.page("partner")
async def campaign_pdf(request: Request, session: Session) -> Response:
    report = await _report(request, session)
    if isinstance(report, Response):
        return report
    lang = request.query_params.get("lang") or web.language(request)
    lang = lang if lang in pdf.WORDS else "id"
    shots = await web.db(request, pdf.screenshots, report)
    config = web.console_of(request).config
    data = await run_in_threadpool(pdf.render, report, config, shots, lang)  # CPU: not the loop
    name = f"{report.campaign.id}-{report.first}-{report.last}-{lang}.pdf"
    return _download(data, "application/pdf", name)


@web.page("partner")
async def campaign_export(request: Request, session: Session) -> Response:
    kind = request.path_params["kind"]
    if kind not in ("csv", "json"):
        return NOT_FOUND
    report = await _report(request, session)
    if isinstance(report, Response):
        return report
    rows = report.export_rows(web.console_of(request).config)
    name = f"{report.campaign.id}-{report.first}-{report.last}-plays"
    if kind == "json":
        data = export.export_json(report.campaign.id, report.first, report.last, rows)
        return _download(data, "application/json", name + ".json")
    form = csvfile.FORMS.get(request.query_params.get("form", ""), csvfile.PLAIN)
    return _download(export.export_csv(rows, form), "text/csv; charset=utf-8", name + ".csv")


@web.page("partner")
async def campaign_delivery_csv(request: Request, session: Session) -> Response:
    report = await _report(request, session)
    if isinstance(report, Response):
        return report
    form = csvfile.FORMS.get(request.query_params.get("form", ""), csvfile.PLAIN)
    data = csvfile.table_csv(DELIVERY_COLUMNS, report.delivery_rows(), form)
    name = f"{report.campaign.id}-{report.first}-{report.last}-delivery.csv"
    return _download(data, "text/csv; charset=utf-8", name)


def routes() -> list[Route]:
    return [
        Route("/campaigns", campaigns_page, methods=["GET"]),
        Route("/campaigns/{campaign}", campaign_page, methods=["GET"]),
        Route("/campaigns/{campaign}/report.pdf", campaign_pdf, methods=["GET"]),
        Route("/campaigns/{campaign}/plays.{kind:str}", campaign_export, methods=["GET"]),
        Route("/campaigns/{campaign}/delivery.csv", campaign_delivery_csv, methods=["GET"]),
    ]
