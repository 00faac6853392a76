"""Proof of play: a date range and group, the table, a chart and the CSV for partners."""

from __future__ import annotations

import datetime as dt
import json

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from central.console import i18n, reports, web
from central.console.accounts import Session
from central.db import csvfile, fleet, queries

DEFAULT_DAYS = 7
# Rows of the day x screen x item table on the page; a month of a big fleet has tens of
# thousands, which no one reads on a page (and a phone cannot hold): the CSV has them all.
MAX_TABLE_ROWS = 1000


def parse_range(query, today: dt.date) -> tuple[dt.date, dt.date, str | None, str | None]:
    """(first, last, group, error key) from ?from=&to=&group=; a bad value falls back to
    the last week and says so (the key's words are in i18n: `range_error` fills them in)."""
    group = (query.get("group") or "").strip() or None
    try:
        last = dt.date.fromisoformat(query["to"]) if query.get("to") else today
        first = (
            dt.date.fromisoformat(query["from"])
            if query.get("from")
            else last - dt.timedelta(days=DEFAULT_DAYS - 1)
        )
    except ValueError:
        return today - dt.timedelta(days=DEFAULT_DAYS - 1), today, group, "range_bad_date"
    if last < first:
        return first, last, group, "range_backwards"
    if (last - first).days >= queries.MAX_REPORT_DAYS:
        return first, last, group, "range_too_long"
    return first, last, group, None


def range_error(language: str, key: str, first: dt.date, last: dt.date) -> str:
    """The words for parse_range's error key, in the reader's language."""
    text = i18n.translate(language, key)
    return text.format(first=first, last=last, days=queries.MAX_REPORT_DAYS)


def plays_data(connection, first, last, group, zone) -> dict:
    groups = fleet.screen_groups(connection)
    rows = queries.plays_per_item(connection, first, last, tz=zone, group=group)
    return {
        "rows": rows[:MAX_TABLE_ROWS],
        "row_count": len(rows),
        "totals": reports.item_totals(rows),
        "total": reports.grand_total(rows),
        "chart": reports.chart_series(rows, first, last),
        "groups": groups,
    }


def _today(request: Request) -> dt.date:
    console = web.console_of(request)
    return console.now().replace(tzinfo=dt.UTC).astimezone(console.zone).date()


@web.page("viewer")
async def plays_page(request: Request, session: Session) -> Response:
    console = web.console_of(request)
    first, last, group, error = parse_range(request.query_params, _today(request))
    if error in ("range_backwards", "range_too_long"):
        data = {"rows": [], "row_count": 0, "totals": [], "total": None, "chart": None,
                "groups": []}  # fmt: skip
    else:
        data = await web.db(request, plays_data, first, last, group, console.zone)
    if error:
        error = range_error(web.language(request), error, first, last)
    data.update(first=first, last=last, group=group or "", error=error)
    # "<" escaped: an item id cannot close the script element that carries the data.
    data["chart_json"] = json.dumps(data["chart"]).replace("<", "\\u003c")
    return web.render(request, "plays.html", data, session=session)


@web.page("viewer")
async def plays_csv(request: Request, session: Session) -> Response:
    console = web.console_of(request)
    first, last, group, error = parse_range(request.query_params, _today(request))
    if error:
        return Response(range_error(web.language(request), error, first, last), status_code=400)
    form = csvfile.FORMS.get(request.query_params.get("form", ""), csvfile.PLAIN)
    rows = await web.db(
        request, lambda c: queries.plays_per_item(c, first, last, tz=console.zone, group=group)
    )
    name = reports.csv_filename(first, last, group)
    return Response(
        csvfile.plays_csv(rows, form),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"', **web.SECURITY_HEADERS},
    )


def routes() -> list[Route]:
    return [
        Route("/plays", plays_page, methods=["GET"]),
        Route("/plays.csv", plays_csv, methods=["GET"]),
    ]
