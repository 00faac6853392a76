"""The campaign editor and its change sets: edit, check, submit, end, approve, send back."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from central.console import accounts, i18n, web
from central.console.accounts import Session
from central.content import campaign, campaignreview, review
from central.content.playlist import DAYS
from central.db import content as stored
from central.db.audit import record


def _index(connection, user: str, sees_all: bool) -> dict:
    approved = stored.approved_campaigns(connection)
    changes = stored.campaign_submissions_of(connection, limit=50)
    if not sees_all:  # a contributor sees its own change sets
        changes = [row for row in changes if row["submitter"] == user]
    return {"approved": approved, "changes": changes}


@web.page("contributor")
async def index_page(request: Request, session: Session) -> Response:
    data = await web.db(request, _index, session.user, accounts.may(session.role, "approver"))
    return web.render(request, "campaign_list.html", data, session=session)


async def _editor(
    request: Request,
    session: Session,
    edited: dict,
    *,
    problems=(),
    impossible=(),
    status: int = 200,
    may_end: bool = False,
) -> Response:
    config = web.console_of(request).config
    groups = await web.db(request, review.groups_for, config, session.user, session.role)
    media = await web.db(request, campaignreview.library)
    lang = web.language(request)
    goal = edited["goal"]
    return web.render(
        request,
        "campaign_edit.html",
        {
            "c": edited,
            "media": media,
            "groups": groups,
            "days": DAYS,
            "goal_kind": "share" if "share" in goal else "plays",
            "goal_value": (
                f"{goal['share'] * 100:g}"
                if isinstance(goal.get("share"), float)
                else goal.get("share", goal.get("plays_per_day", ""))
            ),
            "problems": [i18n.problem(p, lang) for p in problems],
            "impossible": list(impossible),  # campaign.Unmet, worded by the `unmet` filter
            "may_end": may_end,
        },
        session=session,
        status=status,
    )


@web.page("contributor")
async def edit_page(request: Request, session: Session) -> Response:
    campaign_id = request.query_params.get("id", "")
    edited = await web.db(request, campaignreview.current, campaign_id) if campaign_id else None
    return await _editor(
        request,
        session,
        edited or campaign.new_campaign(),
        may_end=bool(edited and edited["groups"]),
    )


@web.page("contributor")
async def end_post(request: Request, session: Session) -> Response:
    """Submit a change set that ends the campaign (approved by another approver)."""
    console = web.console_of(request)
    campaign_id = str((await request.form()).get("id") or "")
    try:
        number = await web.db(
            request,
            campaignreview.submit_end,
            console.config,
            campaign_id,
            user=session.user,
            role=session.role,
            now=console.now(),
        )
    except review.ReviewError as exc:
        edited = await web.db(request, campaignreview.current, campaign_id)
        if edited is None:
            return web.refuse(request, session, "not_found", 404)
        return await _editor(
            request, session, edited, problems=[web.refusal(request, exc)], status=422
        )
    await web.notify(request, campaignreview.notification, number)
    return RedirectResponse(f"/library/campaigns/changes/{number}", status_code=303)


@web.page("contributor")
async def edit_post(request: Request, session: Session) -> Response:
    """Check the posted campaign (fields, then the goal) and show why not, or submit it."""
    console = web.console_of(request)
    form = await request.form()
    media = await web.db(request, campaignreview.library)
    edited = campaign.from_form(
        lambda name: str(form.get(name) or ""),
        lambda name: [str(v) for v in form.getlist(name)],
        media,
    )
    problems, impossible = await web.db(
        request,
        campaignreview.problems,
        console.config,
        edited,
        user=session.user,
        role=session.role,
        now=console.now(),
    )
    if problems or impossible:
        return await _editor(
            request, session, edited, problems=problems, impossible=impossible, status=422
        )
    if form.get("action") == "check":
        return await _editor(request, session, edited)
    try:
        number = await web.db(
            request,
            campaignreview.submit,
            console.config,
            edited,
            user=session.user,
            role=session.role,
            now=console.now(),
        )
    except review.ReviewError as exc:
        return await _editor(
            request, session, edited, problems=[web.refusal(request, exc)], status=422
        )
    await web.notify(request, campaignreview.notification, number)
    return RedirectResponse(f"/library/campaigns/changes/{number}", status_code=303)


async def _show(
    request: Request, session: Session, number: int, *, error: str | None = None, status: int = 200
) -> Response:
    console = web.console_of(request)
    found = await web.db(request, campaignreview.review_data, number, console.now())
    if found is None or (
        not accounts.may(session.role, "approver") and found["submitter"] != session.user
    ):
        return web.refuse(request, session, "not_found", 404)
    return web.render(
        request,
        "campaign_change.html",
        {
            "s": found,
            "c": found["body"],
            "error": error,
            "notice": request.query_params.get("notice", "")[:500],
            "own": found["submitter"] == session.user,
            "may_decide": accounts.may(session.role, "approver"),
        },
        session=session,
        status=status,
    )


@web.page("contributor")
async def change_page(request: Request, session: Session) -> Response:
    return await _show(request, session, request.path_params["number"])


@web.page("approver")
async def approve(request: Request, session: Session) -> Response:
    number = request.path_params["number"]
    console = web.console_of(request)
    try:
        published = await web.db(
            request, campaignreview.approve, console.config, number, session.user, console.now()
        )
    except review.ReviewError as exc:
        await web.db(request, _refused, session.user, number, exc, console.now())
        return await _show(
            request,
            session,
            number,
            error=web.refusal(request, exc),
            status=403 if exc.key == "two_person" else 409,
        )
    await web.notify(request, campaignreview.notification, number)
    notices = "; ".join(p.notice for p in published if p.notice)
    suffix = f"?notice={web.path_segment(notices)}" if notices else ""
    return RedirectResponse(f"/library/campaigns/changes/{number}{suffix}", status_code=303)


def _refused(connection, actor, number, exc, now) -> None:
    record(
        connection,
        now,
        actor,
        "campaign-approve-refused",
        f"#{number}",
        detail={"reason": str(exc)[:500]},
    )


@web.page("approver")
async def send_back(request: Request, session: Session) -> Response:
    number = request.path_params["number"]
    console = web.console_of(request)
    form = await request.form()
    try:
        await web.db(
            request,
            campaignreview.send_back,
            number,
            session.user,
            str(form.get("reason") or ""),
            console.now(),
        )
    except review.ReviewError as exc:
        return await _show(request, session, number, error=web.refusal(request, exc), status=409)
    await web.notify(request, campaignreview.notification, number)
    return RedirectResponse(f"/library/campaigns/changes/{number}", status_code=303)


def routes() -> list[Route]:
    return [
        Route("/library/campaigns", index_page, methods=["GET"]),
        Route("/library/campaigns/edit", edit_page, methods=["GET"]),
        Route("/library/campaigns/edit", edit_post, methods=["POST"]),
        Route("/library/campaigns/end", end_post, methods=["POST"]),
        Route("/library/campaigns/changes/{number:int}", change_page, methods=["GET"]),
        Route("/library/campaigns/changes/{number:int}/approve", approve, methods=["POST"]),
        Route("/library/campaigns/changes/{number:int}/send-back", send_back, methods=["POST"]),
    ]
