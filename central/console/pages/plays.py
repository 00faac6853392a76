"""Proof of play: per day the table, a chart and the CSV; per window what each screen showed."""

from __future__ import annotations

import datetime as dt
import json

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from central.console import i18n, reports, web
from central.console.accounts import Session
from central.db import csvfile, onscreen, queries

DEFAULT_DAYS = 7
# Rows of the day x screen x item table on the page; a month of a big fleet has tens of
# thousands, which no one reads on a page (and a phone cannot hold): the CSV has them all.
MAX_TABLE_ROWS = 1000
DEFAULT_WINDOW = (dt.time(14), dt.time(16))  # an afternoon, until the reader picks a window


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


def plays_data(connection, first, last, group, zone, *, groups) -> dict:
    """The page's data; `groups` are the filter's choices: the office's own (central.yaml),
    never the groups screens claim to be in."""
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
                "groups": console.config.groups}  # fmt: skip
    else:
        data = await web.db(
            request, plays_data, first, last, group, console.zone, groups=console.config.groups
        )
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


def parse_window(query, today: dt.date) -> tuple[dt.date, dt.time, dt.time, str | None, str | None]:
    """(day, from, to, group, error) from ?day=&from=&to=&group=; a bad value falls back to
    today's DEFAULT_WINDOW and says so."""
    group = (query.get("group") or "").strip() or None
    try:
        day = dt.date.fromisoformat(query["day"]) if query.get("day") else today
        start = dt.time.fromisoformat(query["from"]) if query.get("from") else DEFAULT_WINDOW[0]
        end = dt.time.fromisoformat(query["to"]) if query.get("to") else DEFAULT_WINDOW[1]
    except ValueError:
        return today, *DEFAULT_WINDOW, group, "bad date"
    return day, start, end, group, None


def onscreen_rows(connection, window, *, group, zone) -> list[dict]:
    """The listing of `window` (day, from, to), as `videotron report onscreen` reads it."""
    first, last = onscreen.local_window(*window, zone)
    return onscreen.on_screen(connection, first, last, tz=zone, group=group)


def onscreen_data(connection, window, *, group, zone, groups) -> dict:
    """The on-screen page's data; `groups`, the filter's choices, are the office's own."""
    rows = onscreen_rows(connection, window, group=group, zone=zone)
    return {
        "screens": onscreen.per_screen(rows[:MAX_TABLE_ROWS]),
        "row_count": len(rows),
        "shown_count": min(len(rows), MAX_TABLE_ROWS),
        "groups": groups,
    }


@web.page("viewer")
async def onscreen_page(request: Request, session: Session) -> Response:
    console = web.console_of(request)
    day, start, end, group, error = parse_window(request.query_params, _today(request))
    try:
        data = await web.db(
            request,
            onscreen_data,
            (day, start, end),
            group=group,
            zone=console.zone,
            groups=console.config.groups,
        )
    except ValueError as exc:
        data = {"screens": [], "row_count": 0, "shown_count": 0,
                "groups": console.config.groups}  # fmt: skip
        error = str(exc)
    data.update(
        day=day,
        start=start.strftime("%H:%M"),
        end=end.strftime("%H:%M"),
        group=group or "",
        error=error,
    )
    return web.render(request, "onscreen.html", data, session=session)


@web.page("viewer")
async def onscreen_csv(request: Request, session: Session) -> Response:
    console = web.console_of(request)
    day, start, end, group, error = parse_window(request.query_params, _today(request))
    if error:
        return Response(error, status_code=400)
    try:
        rows = await web.db(
            request, onscreen_rows, (day, start, end), group=group, zone=console.zone
        )
    except ValueError as exc:
        return Response(str(exc), status_code=400)
    name = reports.onscreen_filename(day, start, end, group)
    return Response(
        csvfile.onscreen_csv(rows),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"', **web.SECURITY_HEADERS},
    )


def routes() -> list[Route]:
    return [
        Route("/plays", plays_page, methods=["GET"]),
        Route("/plays.csv", plays_csv, methods=["GET"]),
        Route("/plays/onscreen", onscreen_page, methods=["GET"]),
        Route("/plays/onscreen.csv", onscreen_csv, methods=["GET"]),
    ]
