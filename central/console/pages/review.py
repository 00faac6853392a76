"""Submissions: the list, one change set's diff and preview frames, approve, send back, restore."""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response
from starlette.routing import Route

from central.console import accounts, web
from central.console.accounts import Session
from central.content import frames, playlist, review
from central.db import content as stored
from central.db import fleet
from central.db.audit import record

log = logging.getLogger(__name__)


@web.page("contributor")
async def submissions_page(request: Request, session: Session) -> Response:
    rows = await web.db(request, stored.recent_submissions)
    if not accounts.may(session.role, "approver"):  # a contributor sees its own
        rows = [row for row in rows if row["submitter"] == session.user]
    return web.render(request, "submissions.html", {"rows": rows}, session=session)


async def _show(request: Request, session: Session, number: int, *, error: str | None = None,
                status: int = 200) -> Response:  # fmt: skip
    found = await web.db(request, review.review_data, number)
    if found is None or (
        not accounts.may(session.role, "approver") and found["submitter"] != session.user
    ):
        return web.refuse(request, session, "not_found", 404)
    notice = request.query_params.get("notice", "")[:500]
    latest = await web.db(request, stored.latest_approved, found["group"])
    return web.render(request, "submission.html", {
        "s": found, "error": error, "notice": notice,
        # what the group's screens were last given: restoring it would change nothing
        "current": latest is not None and latest["id"] == found["id"],
        "own": found["submitter"] == session.user,
        "may_decide": accounts.may(session.role, "approver"),
        "clock_formats": playlist.CLOCK_FORMATS,
        **await _preview(request, found),
    }, session=session, status=status)  # fmt: skip


def _screens(connection, group: str, now) -> list[dict]:
    return fleet.fleet_now(connection, now=fleet.naive_utc(now), group=group)


async def _preview(request: Request, found: dict) -> dict:
    """The submission's items drawn by the player's renderer at the group's display."""
    renderer: frames.FrameRenderer | None = request.app.state.frames
    if renderer is None or not found["items"]:
        return {"frames": [], "display": None, "frames_error": None}
    console = web.console_of(request)
    screens = await web.db(request, _screens, found["group"], console.now())
    display = frames.group_display(screens, found["group"])
    try:
        drawn = await renderer.frames(found["group"], found["items"], display, console.now(),
                                      layout=found["layout"])  # fmt: skip
    except frames.FrameError as exc:
        return {"frames": [], "display": display, "frames_error": str(exc)}
    return {"frames": drawn, "display": display, "frames_error": None}


@web.page("contributor")
async def frame_image(request: Request, session: Session) -> Response:
    """A preview frame drawn for a submission page (the key names its content)."""
    renderer: frames.FrameRenderer | None = request.app.state.frames
    path = renderer.path(request.path_params["key"]) if renderer is not None else None
    if path is None:
        return Response("not found", status_code=404, headers=web.SECURITY_HEADERS)
    headers = {**web.SECURITY_HEADERS, "Cache-Control": "private, max-age=86400"}
    return FileResponse(path, media_type="image/png", headers=headers)


@web.page("contributor")
async def submission_page(request: Request, session: Session) -> Response:
    return await _show(request, session, request.path_params["number"])


@web.page("approver")
async def approve(request: Request, session: Session) -> Response:
    number = request.path_params["number"]
    console = web.console_of(request)
    try:
        result = await web.db(request, review.approve, console.config, number, session.user,
                              console.now())  # fmt: skip
    except review.ReviewError as exc:
        await web.db(request, _refused, session.user, number, exc, console.now())
        return await _show(request, session, number, error=web.refusal(request, exc),
                           status=403 if exc.key == "two_person" else 409)  # fmt: skip
    await web.notify(request, review.notification, number)
    suffix = f"?notice={web.path_segment(result.notice)}" if result.notice else ""
    return RedirectResponse(f"/library/submissions/{number}{suffix}", status_code=303)


def _refused(connection, actor, number, exc, now) -> None:
    record(connection, now, actor, "content-approve-refused", f"#{number}",
           detail={"reason": str(exc)[:500]})  # fmt: skip


@web.page("approver")
async def send_back(request: Request, session: Session) -> Response:
    number = request.path_params["number"]
    console = web.console_of(request)
    form = await request.form()
    try:
        await web.db(request, review.send_back, number, session.user,
                     str(form.get("reason") or ""), console.now())  # fmt: skip
    except review.ReviewError as exc:
        return await _show(request, session, number, error=web.refusal(request, exc), status=409)
    await web.notify(request, review.notification, number)
    return RedirectResponse(f"/library/submissions/{number}", status_code=303)


@web.page("approver")
async def restore(request: Request, session: Session) -> Response:
    number = request.path_params["number"]
    console = web.console_of(request)
    try:
        new, result = await web.db(request, review.restore, console.config, number,
                                   session.user, console.now())  # fmt: skip
    except review.ReviewError as exc:
        return await _show(request, session, number, error=web.refusal(request, exc), status=409)
    suffix = f"?notice={web.path_segment(result.notice)}" if result.notice else ""
    return RedirectResponse(f"/library/submissions/{new}{suffix}", status_code=303)


def routes() -> list[Route]:
    return [
        Route("/library/submissions", submissions_page, methods=["GET"]),
        Route("/library/submissions/{number:int}", submission_page, methods=["GET"]),
        Route("/library/submissions/{number:int}/approve", approve, methods=["POST"]),
        Route("/library/submissions/{number:int}/send-back", send_back, methods=["POST"]),
        Route("/library/submissions/{number:int}/restore", restore, methods=["POST"]),
        Route("/library/frames/{key:str}.png", frame_image, methods=["GET"]),
    ]
