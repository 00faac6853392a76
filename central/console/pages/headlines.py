"""Ticker headlines waiting for an approver: per office feed, approve or reject, fetch, publish."""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from central import feeds
from central.console import i18n, web
from central.console.accounts import Session
from central.content import headlines, review

log = logging.getLogger(__name__)
NOTICES = ("approved", "rejected", "fetched", "fetched_failed", "published")


async def _page(request: Request, session: Session, *, error: str | None = None,
                status: int = 200) -> Response:  # fmt: skip
    config = web.console_of(request).config
    watch = request.app.state.feed_watch
    rows, problem = [], None
    try:
        rows = await web.db(request, headlines.headlines_data, config)
    except (feeds.FeedError, review.ReviewError) as exc:  # a broken queue, no library folder
        problem = web.refusal(request, exc)
    outcomes = watch.outcomes()
    for row in rows:
        row["outcome"] = outcomes.get(row["url"])
    notice = request.query_params.get("notice")
    return web.render(request, "headlines.html", {
        "rows": rows, "error": error or problem,
        "notice": notice if notice in NOTICES else None,
        "count": request.query_params.get("count", "")[:6],
        "failed": request.query_params.get("failed", "")[:1000],
        "every": i18n.span(watch.every, web.language(request)),
    }, session=session, status=status)  # fmt: skip


@web.page("approver")
async def headlines_page(request: Request, session: Session) -> Response:
    return await _page(request, session)


@web.page("approver")
async def decide(request: Request, session: Session) -> Response:
    """Approve or reject the ticked headlines, or every queued one of a feed (`all`)."""
    form = await request.form()
    decision = str(form.get("decision") or "")
    if decision not in headlines.DECISIONS:
        return await _page(request, session, error=f"unknown decision {decision!r}", status=400)
    console = web.console_of(request)
    ids = [str(value) for value in form.getlist("id")]
    if form.get("all"):
        url = str(form.get("feed") or "")
        rows = await web.db(request, headlines.headlines_data, console.config)
        ids = [h["id"] for row in rows if row["url"] == url for h in row["queued"]]
    if not ids:
        return await _page(request, session, error="choose_headlines", status=422)
    try:
        count = await web.db(request, headlines.decide, console.config, decision, ids,
                             approver=session.user, now=console.now())  # fmt: skip
    except (feeds.FeedError, review.ReviewError) as exc:
        return await _page(request, session, error=web.refusal(request, exc), status=409)
    notice = "approved" if decision == "approve" else "rejected"
    return RedirectResponse(f"/headlines?notice={notice}&count={count}", status_code=303)


@web.page("approver")
async def fetch(request: Request, session: Session) -> Response:
    """Fetch the office's feeds now (each within its deadline), as `videotron feeds` does,
    after a periodic fetch that is under way."""
    console = web.console_of(request)
    try:
        errors = await request.app.state.feed_watch.fetch_now()
    except (feeds.FeedError, review.ReviewError, OSError) as exc:
        return await _page(request, session, error=web.refusal(request, exc), status=409)
    await web.db(request, headlines.fetched, console.config, errors, actor=session.user,
                 now=console.now())  # fmt: skip
    # Each failed feed shows its error under it (the feed watch's outcome), not here again.
    notice = f"fetched_failed&count={len(errors)}" if errors else "fetched"
    return RedirectResponse(f"/headlines?notice={notice}", status_code=303)


@web.page("approver")
async def republish(request: Request, session: Session) -> Response:
    """Publish a group's approved content again, now with the headlines approved since."""
    form = await request.form()
    group = str(form.get("group") or "")
    console = web.console_of(request)
    try:
        result = await web.db(request, headlines.republish, console.config, group,
                              session.user, console.now())  # fmt: skip
    except review.ReviewError as exc:
        return await _page(request, session, error=web.refusal(request, exc), status=409)
    failed = f"&failed={web.path_segment(result.notice)}" if result.notice else ""
    return RedirectResponse(f"/headlines?notice=published&count={result.sequence}{failed}",
                            status_code=303)  # fmt: skip


def routes() -> list[Route]:
    return [
        Route("/headlines", headlines_page, methods=["GET"]),
        Route("/headlines/decide", decide, methods=["POST"]),
        Route("/headlines/fetch", fetch, methods=["POST"]),
        Route("/headlines/publish", republish, methods=["POST"]),
    ]
