"""The media library page (upload, list, thumbnails) and each group's playlist editor."""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from central.console import accounts, i18n, web
from central.console.accounts import Session
from central.content import library, playlist, review, upload
from central.db import content as stored
from player.wire.manifest import CLOCK_POSITIONS, TICKER_POSITIONS

log = logging.getLogger(__name__)


def _folder(request: Request):
    return web.console_of(request).config.console.library


async def _library_page(request: Request, session: Session, *, error: str | None = None,
                        status: int = 200) -> Response:  # fmt: skip
    rows = await web.db(request, library.library_rows)
    config = web.console_of(request).config
    groups = await web.db(request, review.groups_for, config, session.user, session.role)
    notice = request.query_params.get("notice")
    return web.render(request, "library.html", {
        "rows": rows, "error": error, "groups": groups, "limit": config.console.upload_limit,
        "configured": config.console.library is not None,
        "notice": notice if notice in ("added", "same") else None,
        "warning": request.query_params.get("warning", "")[:500],
    }, session=session, status=status)  # fmt: skip


@web.page("contributor")
async def library_page(request: Request, session: Session) -> Response:
    return await _library_page(request, session)


@web.page("contributor", read_form=False)
async def upload_media(request: Request, session: Session) -> Response:
    """Stream the upload to disk, check its CSRF token, then probe and keep or refuse it."""
    console = web.console_of(request)
    folder = _folder(request)
    if folder is None:
        return await _library_page(request, session, error="no library folder", status=503)
    try:
        received = await upload.receive(
            request.stream(), request.headers.get("content-type", ""),
            request.headers.get("content-length"), folder, console.config.console.upload_limit,
        )  # fmt: skip
    except upload.UploadError as exc:
        await web.db(request, library.refused, session.user, "", str(exc), console.now())
        return await _library_page(request, session, error=str(exc), status=413)
    if not accounts.same_token(session.csrf, received.fields.get("csrf")):
        received.path.unlink(missing_ok=True)
        return web.refuse(request, session, "csrf", 403)
    try:
        accepted = await web.db(request, library.accept, folder, received, session.user,
                                console.now())  # fmt: skip
    except upload.UploadError as exc:
        await web.db(request, library.refused, session.user, received.filename, str(exc),
                     console.now())  # fmt: skip
        return await _library_page(request, session, error=str(exc), status=422)
    notice = "added" if accepted.new else "same"
    target = f"/library?notice={notice}#media-{accepted.sha256}"
    if accepted.warnings:
        warning = web.path_segment("; ".join(accepted.warnings))
        target = f"/library?notice={notice}&warning={warning}"
    return RedirectResponse(target, status_code=303)


@web.page("contributor")
async def thumbnail(request: Request, session: Session) -> Response:
    data = await web.db(request, stored.thumbnail, request.path_params["sha"])
    if not data:
        return Response("not found", status_code=404, headers=web.SECURITY_HEADERS)
    headers = {**web.SECURITY_HEADERS, "Cache-Control": "private, max-age=86400"}
    return Response(data, media_type="image/jpeg", headers=headers)


def _media_map(connection) -> dict[str, dict]:
    return {row["sha256"]: row for row in stored.all_media(connection)}


async def _may_edit(request: Request, session: Session, group: str) -> bool:
    config = web.console_of(request).config
    return group in await web.db(request, review.groups_for, config, session.user, session.role)


def _render_editor(request, session, group, items, media, *, layout, problems,
                   status=200) -> Response:  # fmt: skip
    config = web.console_of(request).config
    return web.render(request, "playlist.html", {
        "group": group, "items": items, "media": media,
        "problems": [i18n.problem(p, web.language(request)) for p in problems],
        "days": playlist.DAYS, "layout": playlist.full_layout(layout),
        "office_feeds": [feed.url for feed in config.console.feeds],
        "ticker_positions": TICKER_POSITIONS, "clock_positions": CLOCK_POSITIONS,
        "max_priority": playlist.MAX_PRIORITY, "clock_formats": playlist.CLOCK_FORMATS,
    }, session=session, status=status)  # fmt: skip


@web.page("contributor")
async def playlist_page(request: Request, session: Session) -> Response:
    group = request.path_params["group"]
    if not await _may_edit(request, session, group):
        return web.refuse(request, session, "forbidden", 403)
    start_from = request.query_params.get("from", "")
    items = await web.db(request, review.current_items, group)
    layout = await web.db(request, review.current_layout, group)
    if start_from.isdigit():
        earlier = await web.db(request, stored.submission, int(start_from))
        if earlier and earlier["group"] == group:
            items, layout = earlier["items"], earlier["layout"]
    media = await web.db(request, _media_map)
    return _render_editor(request, session, group, items, media, layout=layout, problems=[])


@web.page("contributor")
async def playlist_post(request: Request, session: Session) -> Response:
    """Add a row (re-shown, nothing stored) or submit the rows as a change set."""
    group = request.path_params["group"]
    if not await _may_edit(request, session, group):
        return web.refuse(request, session, "forbidden", 403)
    form = await request.form()
    media = await web.db(request, _media_map)

    def field(name: str) -> str:
        return str(form.get(name) or "")

    def getlist(name: str) -> list[str]:
        return [str(v) for v in form.getlist(name)]

    items, problems = playlist.items_from_form(field, getlist, media)
    layout = playlist.layout_from_form(field, getlist)
    if form.get("action") == "add":
        chosen = media.get(field("add_media"))
        if chosen is not None:
            items.append(playlist.new_item(chosen, len(items) + 1))
        return _render_editor(request, session, group, items, media, layout=layout, problems=[])
    console = web.console_of(request)
    problems += playlist.check_layout(layout, [feed.url for feed in console.config.console.feeds])
    if problems:
        return _render_editor(request, session, group, items, media, layout=layout,
                              problems=problems, status=422)  # fmt: skip
    try:
        number = await web.db(request, review.submit, console.config, group, items,
                              user=session.user, role=session.role, now=console.now(),
                              layout=layout)  # fmt: skip
    except review.ReviewError as exc:
        return _render_editor(request, session, group, items, media, layout=layout,
                              problems=[web.refusal(request, exc)], status=422)  # fmt: skip
    await web.notify(request, review.notification, number)
    return RedirectResponse(f"/library/submissions/{number}", status_code=303)


def routes() -> list[Route]:
    return [
        Route("/library", library_page, methods=["GET"]),
        Route("/library/upload", upload_media, methods=["POST"]),
        Route("/library/media/{sha:str}.jpg", thumbnail, methods=["GET"]),
        web.EncodedRoute("/library/playlists/{group}", playlist_page, methods=["GET"]),
        web.EncodedRoute("/library/playlists/{group}", playlist_post, methods=["POST"]),
    ]
