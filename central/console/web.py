"""What every console page shares: the login gate, roles, CSRF, templates, database calls."""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, unquote
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Match, Route
from starlette.types import Scope

from central.config import CentralConfig
from central.console import accounts, i18n
from central.console.accounts import Session
from central.console.outage import WRITES_REFUSED, DatabaseUnavailable, DatabaseWatch
from player.wire.units import format_size

log = logging.getLogger(__name__)

SESSION_COOKIE = "vt_session"
LOGIN_CSRF_COOKIE = "vt_login"
LANGUAGE_COOKIE = "vt_lang"
TEMPLATES = Path(__file__).with_name("templates")
SECURITY_HEADERS = {
    # No inline script anywhere: a script that got into a page through data cannot run.
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; "
    "style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}
# Seconds a browser (or the fleet page's script) waits before asking again while the
# database is away: soon enough to notice it back, rare enough not to add to the load.
RETRY_AFTER = 10


@dataclass(frozen=True)
class Console:
    """What the pages need, built once by the app factory and kept on `app.state.console`."""

    config: CentralConfig
    engine: Engine
    zone: ZoneInfo
    templates: Environment
    clock: Callable[[], dt.datetime]  # naive UTC, like the database
    password_checks: accounts.PasswordChecks
    watch: DatabaseWatch

    def now(self) -> dt.datetime:
        return self.clock()


def path_segment(value: object) -> str:
    """`value` as one segment of a URL path: every character but letters, digits and
    `_.-~` percent-encoded, so a screen's id (which the screen chose) can never end the
    segment early, start a query or a fragment, or climb to another page. Templates use it
    as the `path_segment` filter."""
    return quote(str(value), safe="")


def sent_path(request: Request) -> str:
    """The request's path as the browser sent it, still encoded: what a link back to this
    page must say (the decoded path turns an id's encoded "/" into a real one)."""
    raw = request.scope.get("raw_path")
    return raw.decode("ascii", "replace") if raw else quote(request.url.path, safe="/")


class EncodedRoute(Route):
    """A route matched against the path as sent, each parameter decoded after the match:
    an id with a "/" in it (sent as %2F) stays one parameter and reaches its own page."""

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        raw = scope.get("raw_path")
        if scope["type"] != "http" or not raw:
            return super().matches(scope)
        match, child = super().matches({**scope, "path": raw.decode("ascii", "replace")})
        if match is not Match.NONE:
            child["path_params"] = {
                key: unquote(value) if isinstance(value, str) else value
                for key, value in child["path_params"].items()
            }
        return match, child


def make_templates() -> Environment:
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["path_segment"] = path_segment
    environment.filters["size"] = format_size  # sizes read as `videotron status` prints them
    environment.filters["unmet"] = i18n.unmet  # a goal check's numbers in the page's language
    return environment


def console_of(request: Request) -> Console:
    return request.app.state.console


def language(request: Request) -> str:
    return i18n.pick_language(request.cookies.get(LANGUAGE_COOKIE))


def refusal(request: Request, error: Exception) -> str:
    """A workflow step's refusal in the page's language (i18n.refusal)."""
    return i18n.refusal(error, language(request))


def client_address(request: Request) -> str:
    # uvicorn replaced it with X-Forwarded-For only when the peer is a trusted proxy.
    return request.client.host if request.client else "unknown"


def is_https(request: Request) -> bool:
    return request.url.scheme == "https"


def secure_cookie(request: Request) -> bool:
    return console_of(request).config.console.secure_cookies == "always" or is_https(request)


async def db(request: Request, function: Callable, *args, **kwargs):
    """Run `function(connection, *args)` in one transaction on a worker thread; raises
    DatabaseUnavailable (a 503 page) when the database cannot be reached or written."""
    console = console_of(request)

    def call():
        with console.engine.begin() as connection:
            return function(connection, *args, **kwargs)

    return await run_in_threadpool(console.watch.run, call)


async def db_engine(request: Request, function: Callable, *args, **kwargs):
    """Run `function(engine, *args)`, which opens its own transactions (the login), on a
    worker thread, watched as `db` is."""
    console = console_of(request)
    return await run_in_threadpool(
        console.watch.run, functools.partial(function, console.engine, *args, **kwargs)
    )


async def notify(request: Request, build: Callable, *args) -> None:
    """Tell people of what a page just did (central.notifications): `build(connection, *args)`
    reads the event after the page's change is committed, so nothing rolled back is told.
    Queued for the notifier's workers, never waited on; a failure here never fails the page."""
    notifier = request.app.state.notifier
    if not notifier.workers:
        return  # no target configured: not even the read
    try:
        event = await db(request, build, *args)
        if event is not None:
            notifier.post(event)
    except Exception:
        log.exception("console: the notification for %s was not queued", request.url.path)


async def database_unavailable(request: Request, exc: Exception) -> Response:
    """The 503 page for DatabaseUnavailable: what is wrong, that nothing was done, that it
    retries. A GET reloads by itself; a form is not sent again behind the user's back."""
    assert isinstance(exc, DatabaseUnavailable)
    if exc.done_outside:
        done = exc.done_outside
    elif request.method == "POST":
        done = "db_login_not_recorded" if request.url.path == "/login" else "db_nothing_saved"
    else:
        done = None
    response = render(
        request,
        "unavailable.html",
        {
            "problem": "db_cannot_write" if exc.kind == WRITES_REFUSED else "db_unreachable",
            "done": done,
            "reload": RETRY_AFTER if request.method == "GET" else None,
        },
        status=503,
    )
    response.headers["Retry-After"] = str(RETRY_AFTER)
    return response


def render(
    request: Request,
    template: str,
    context: dict,
    *,
    session: Session | None = None,
    status: int = 200,
) -> HTMLResponse:
    console = console_of(request)
    lang = language(request)
    now = console.now()
    page = console.templates.get_template(template).render(
        {
            "t": lambda key: i18n.translate(lang, key),
            "w": i18n.words(lang),
            "lang": lang,
            "local": lambda value, seconds=False: i18n.local_time(value, console.zone,
                                                                  seconds=seconds),
            "ago": lambda value: i18n.age(value, now, lang),
            "zone": str(console.zone),
            "session": session,
            "may": (lambda needed: accounts.may(session.role, needed)) if session else None,
            "path": request.url.path,
            "here": quote(sent_path(request) + (f"?{request.url.query}" if request.url.query
                                                else ""), safe=""),
            "now": now,
            **context,
        }
    )  # fmt: skip
    return HTMLResponse(page, status_code=status, headers=SECURITY_HEADERS)


def refuse(request: Request, session: Session | None, key: str, status: int) -> HTMLResponse:
    return render(request, "message.html", {"message_key": key}, session=session, status=status)


Handler = Callable[[Request, Session], Awaitable[Response]]


def page(
    role: str = "viewer", *, read_form: bool = True
) -> Callable[[Handler], Callable[[Request], Awaitable[Response]]]:
    """Wrap a handler: a live session is required, at least `role`, and a CSRF token on POST.

    `read_form=False` (uploads): the handler streams the body and checks the CSRF token
    itself; reading the form here would spool a whole file before its size is known.

    Without a session a page asks for the login (303); anything else gets 401, so a script
    learns nothing either.
    """

    def wrap(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        @functools.wraps(handler)
        async def endpoint(request: Request) -> Response:
            console = console_of(request)
            token = request.cookies.get(SESSION_COOKIE)
            session = await db(request, accounts.session_for, token, console.now())
            if session is None:
                downloads = (".csv", ".jpg", ".png", ".pdf", ".json")  # files: no login form
                if request.method == "GET" and not request.url.path.endswith(downloads):
                    target = quote(sent_path(request), safe="/")
                    return RedirectResponse(f"/login?next={target}", status_code=303)
                return Response("login required", status_code=401, headers=SECURITY_HEADERS)
            if request.method == "POST" and read_form:
                form = await request.form()
                if not accounts.same_token(session.csrf, form.get("csrf")):
                    log.warning("console: %s posted %s without a valid CSRF token",
                                session.user, request.url.path)  # fmt: skip
                    return refuse(request, session, "csrf", 403)
            if not accounts.may(session.role, role):
                if session.role == "partner" and request.url.path == "/":
                    return RedirectResponse("/campaigns", status_code=303)  # a partner's home
                return refuse(request, session, "forbidden", 403)
            return await handler(request, session)

        return endpoint

    return wrap
