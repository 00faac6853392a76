"""The admin's pages: the accounts (list, disable) and the audit log."""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from central.console import accounts, web
from central.console.accounts import Session
from central.db import audit

log = logging.getLogger(__name__)


@web.page("admin")
async def audit_page(request: Request, session: Session) -> Response:
    rows = await web.db(request, audit.recent_audit, 200)
    return web.render(request, "audit.html", {"rows": rows}, session=session)


@web.page("admin")
async def accounts_page(request: Request, session: Session) -> Response:
    rows = await web.db(request, accounts.list_accounts)
    notice = request.query_params.get("notice")
    return web.render(
        request,
        "accounts.html",
        {"rows": rows, "notice": notice if notice in ("disabled", "self") else None},
        session=session,
    )


@web.page("admin")
async def disable_account(request: Request, session: Session) -> Response:
    name = request.path_params["name"]
    console = web.console_of(request)
    try:
        found = await web.db(request, accounts.disable_account, name, session.user, console.now())
    except accounts.AccountError:
        return RedirectResponse("/accounts?notice=self", status_code=303)
    if not found:
        return web.refuse(request, session, "not_found", 404)
    return RedirectResponse("/accounts?notice=disabled", status_code=303)


def routes() -> list[Route]:
    return [
        Route("/audit", audit_page, methods=["GET"]),
        Route("/accounts", accounts_page, methods=["GET"]),
        web.EncodedRoute("/accounts/{name}/disable", disable_account, methods=["POST"]),
    ]
