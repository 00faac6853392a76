"""The console's ASGI application: the app factory, the login pages and the route table."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import secrets
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from sqlalchemy import Engine
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from central.config import CentralConfig
from central.console import accounts, i18n, web
from central.console.accounts import Session
from central.console.alertpreview import AlertPreviewer
from central.console.outage import DatabaseUnavailable, DatabaseWatch
from central.console.pages import (
    admin,
    alerts,
    campaignedit,
    campaigns,
    content,
    fleet,
    headlines,
    library,
    plays,
    review,
    screen,
)
from central.content.feedwatch import FeedWatch
from central.content.frames import FrameRenderer
from central.notifications.delivery import Notifier, audit_writer

log = logging.getLogger(__name__)

STATIC = Path(__file__).with_name("static")
# argon2 verifications at once: enough for an office logging in, few enough that a burst
# of logins queues instead of taking every core and 64 MiB each (40 request threads).
PASSWORD_CHECKS_AT_ONCE = 2


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _safe_next(target: str | None) -> str:
    """Only a path on this site: a login link must not send the user elsewhere."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    parts = urlsplit(target)
    return parts.path if not parts.netloc else "/"


async def login_form(request: Request) -> Response:
    token = secrets.token_urlsafe(24)
    response = web.render(
        request, "login.html", {"csrf": token, "next": _safe_next(request.query_params.get("next"))}
    )
    _set_cookie(request, response, web.LOGIN_CSRF_COOKIE, token, max_age=3600)
    return response


async def login(request: Request) -> Response:
    form = await request.form()
    # Login CSRF: the form's token must match the cookie set with the form (double submit).
    if not accounts.same_token(request.cookies.get(web.LOGIN_CSRF_COOKIE, ""), form.get("csrf")):
        return web.refuse(request, None, "csrf", 403)
    console = web.console_of(request)
    name, password = str(form.get("user", "")), str(form.get("password", ""))
    token, outcome = await web.db_engine(
        request,
        accounts.log_in,
        name,
        password,
        web.client_address(request),
        console.now(),
        checks=console.password_checks,
    )
    if token is None:
        fresh = secrets.token_urlsafe(24)
        key = "rate_limited" if outcome == "rate limited" else "bad_login"
        response = web.render(
            request,
            "login.html",
            {"csrf": fresh, "error": key, "user": name[:64], "next": _safe_next(form.get("next"))},
            status=429 if outcome == "rate limited" else 401,
        )
        _set_cookie(request, response, web.LOGIN_CSRF_COOKIE, fresh, max_age=3600)
        return response
    response = RedirectResponse(_safe_next(str(form.get("next") or "/")), status_code=303)
    _set_cookie(request, response, web.SESSION_COOKIE, token,
                max_age=int(accounts.SESSION_LIFETIME.total_seconds()))  # fmt: skip
    response.delete_cookie(web.LOGIN_CSRF_COOKIE, path="/")
    return response


@web.page("viewer")
async def logout(request: Request, session: Session) -> Response:
    console = web.console_of(request)
    await web.db(
        request, accounts.log_out, request.cookies.get(web.SESSION_COOKIE), session.user,
        console.now(),
    )  # fmt: skip
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(web.SESSION_COOKIE, path="/")
    return response


async def set_language(request: Request) -> Response:
    """Remember the language in a cookie; works before login too (the login page has it)."""
    lang = request.path_params["lang"]
    if lang not in i18n.LANGUAGES:
        return Response("unknown language", status_code=404)
    response = RedirectResponse(_safe_next(request.query_params.get("next")), status_code=303)
    _set_cookie(request, response, web.LANGUAGE_COOKIE, lang, max_age=365 * 86400)
    return response


def _set_cookie(request: Request, response: Response, name: str, value: str, max_age: int) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path="/",
        httponly=True,
        samesite="lax" if name == web.LANGUAGE_COOKIE else "strict",
        secure=web.secure_cookie(request),
    )


async def not_found(request: Request, _exc: Exception) -> Response:
    return Response("not found", status_code=404, headers=web.SECURITY_HEADERS)


def create_app(
    config: CentralConfig,
    engine: Engine,
    *,
    clock=_utc_now,
    sender=None,
) -> Starlette:
    """The console for `config`, reading and writing `engine` (already migrated).

    `sender` puts sealed alerts and commands on the broker; default: central.console.send.
    """
    from central.console import send

    console = web.Console(
        config=config,
        engine=engine,
        zone=ZoneInfo(config.console.timezone),
        templates=web.make_templates(),
        clock=clock,
        password_checks=accounts.PasswordChecks(PASSWORD_CHECKS_AT_ONCE),
        watch=DatabaseWatch(engine),
    )
    routes = [
        Route("/login", login_form, methods=["GET"]),
        Route("/login", login, methods=["POST"]),
        Route("/logout", logout, methods=["POST"]),
        Route("/lang/{lang}", set_language, methods=["GET"]),
        *admin.routes(),
        *fleet.routes(),
        *screen.routes(),
        *plays.routes(),
        *campaigns.routes(),
        *campaignedit.routes(),
        *alerts.routes(),
        *content.routes(),
        *library.routes(),
        *review.routes(),
        *headlines.routes(),
        Mount("/static", app=StaticFiles(directory=STATIC), name="static"),
    ]
    previewer = AlertPreviewer(console.zone)
    notifier = Notifier(config.notifications, audit_writer(engine, clock))
    feed_watch = FeedWatch(config, clock)

    @contextlib.asynccontextmanager
    async def lifespan(_app):
        fetching = asyncio.create_task(feed_watch.run()) if config.console.feeds else None
        try:
            yield
        finally:
            if fetching is not None:
                fetching.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await fetching
            previewer.close()  # its worker thread ends with the console
            notifier.close()

    app = Starlette(
        routes=routes,
        exception_handlers={404: not_found, DatabaseUnavailable: web.database_unavailable},
        lifespan=lifespan,
    )
    app.state.console = console
    app.state.previewer = previewer
    folder = config.console.library
    app.state.frames = FrameRenderer(folder, console.zone.key) if folder is not None else None
    app.state.notifier = notifier
    app.state.feed_watch = feed_watch
    app.state.sender = sender or send.Sender(config)
    return app
