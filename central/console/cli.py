"""`videotron console`: serve the web console (uvicorn), or add an account to it."""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import logging
import sys
from pathlib import Path

from central.config import CentralConfigError, load_central_config
from central.console import accounts
from central.db import content
from central.db.database import DatabaseError, display, open_engine, upgrade

log = logging.getLogger(__name__)

# Exactly what the console speaks, named, so uvicorn imports nothing it would pick by itself:
# its "auto" choices import whatever websockets, httptools or uvloop the Python can see, and
# one from the system (Debian's python3-websockets 10 lacks what uvicorn wants) stops the
# console at its start. The console serves no WebSocket; Starlette answers the lifespan.
SERVER_PROTOCOLS = {
    "interface": "asgi3",
    "http": "h11",
    "ws": "none",
    "lifespan": "on",
    "loop": "asyncio",
}


def _password(args: argparse.Namespace) -> str:
    """From a prompt typed twice, or the first line of stdin when it is not a terminal."""
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass(f"password for {args.name}: ")
    if getpass.getpass("again: ") != first:
        raise accounts.AccountError("the two passwords differ")
    return first


def _open(config):
    url = config.collector.database.reveal()
    engine = open_engine(url)
    try:
        upgrade(engine)
    except Exception as exc:
        engine.dispose()
        raise DatabaseError(f"cannot open or migrate the database {display(url)}: {exc}") from None
    return engine


def add_user(args: argparse.Namespace, config) -> int:
    try:
        partner = getattr(args, "partner", None)
        accounts.check_new_account(args.name, args.role, "x" * accounts.MIN_PASSWORD, partner)
        password = _password(args)
        accounts.check_new_account(args.name, args.role, password, partner)
    except accounts.AccountError as exc:
        print(f"videotron console add-user: {exc}", file=sys.stderr)
        return 2
    engine = _open(config)
    try:
        with engine.begin() as connection:
            now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
            new = accounts.add_user(
                connection, args.name, args.role, password, now, partner=partner
            )
            if getattr(args, "groups", None) is not None:
                groups = [g.strip() for g in args.groups.split(",") if g.strip()]
                content.set_scopes(connection, args.name, groups)
    finally:
        engine.dispose()
    print(f"{'added' if new else 'updated'} {args.name} ({args.role})")
    return 0


def serve(args: argparse.Namespace, config) -> int:
    import uvicorn

    from central.console.app import create_app

    engine = _open(config)
    host = args.listen or config.console.listen
    port = args.port or config.console.port
    app = create_app(config, engine)
    shown = display(config.collector.database.reveal())
    print(f"console on http://{host}:{port}/ (database {shown})", flush=True)
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host=host,
            port=port,
            # The client address and https come from X-Forwarded-* only from these proxies.
            proxy_headers=True,
            forwarded_allow_ips=config.console.trusted_proxies,
            access_log=False,
            log_config=None,  # our logging setup, not uvicorn's
            server_header=False,
            **SERVER_PROTOCOLS,
        )
    )
    try:
        server.run()
    finally:
        engine.dispose()
    return 0


def cmd_console(args: argparse.Namespace) -> int:
    # add-user answers in one line; the schema migration it may run logs only on --log-level.
    quiet = "WARNING" if args.console_action == "add-user" else "INFO"
    logging.basicConfig(
        level=getattr(args, "log_level", None) or quiet,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        config = load_central_config(Path(args.config_path))
    except CentralConfigError as exc:
        print(f"videotron console: {exc}", file=sys.stderr)
        return 2
    try:
        if args.console_action == "add-user":
            return add_user(args, config)
        return serve(args, config)
    except DatabaseError as exc:
        print(f"videotron console: {exc}", file=sys.stderr)
        return 1
