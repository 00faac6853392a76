"""A fleet larger than one page: counts of the whole fleet, a thousand cards a page, the poll
kept on its page."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import re

from sqlalchemy import insert

from central.config import CentralConfig, ConsoleSettings, MqttSettings
from central.console import accounts
from central.console.app import create_app
from central.console.pages.fleet import PAGE_SIZE, fleet_data, page_number
from central.console.web import LANGUAGE_COOKIE
from central.db.database import open_engine, upgrade
from central.db.schema import screens

NOW = dt.datetime(2026, 12, 7, 12, 0, 0)


def add_screens(engine, count: int) -> None:
    """`count` screens in two groups, online, as the collector leaves them."""
    status = json.dumps({"online": True, "current": {"item": "psa"}})
    with engine.begin() as connection:
        connection.execute(insert(screens), [
            {"player": f"layar-{n:04d}", "group": f"grup-{n % 2}", "version": "1.0",
             "first_seen": NOW, "last_seen": NOW, "online": True, "online_since": NOW,
             "offline_reason": None, "status": status, "dropped": 0}
            for n in range(count)
        ])  # fmt: skip


async def _get(app, path: str, cookie: str) -> tuple[int, str]:
    """One GET through the ASGI application, as uvicorn would call it."""
    target, _, query = path.partition("?")
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
        "scheme": "http", "path": target, "raw_path": target.encode(),
        "query_string": query.encode(), "root_path": "",
        "headers": [(b"host", b"127.0.0.1"), (b"cookie", cookie.encode())],
        "client": ("127.0.0.1", 40000), "server": ("127.0.0.1", 8080),
    }  # fmt: skip
    status, body = [], []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        if message["type"] == "http.response.start":
            status.append(message["status"])
        elif message["type"] == "http.response.body":
            body.append(message.get("body", b""))

    await app(scope, receive, send)
    return status[0], b"".join(body).decode()


def test_pages_hold_the_screens_in_order_and_the_counts_of_all(tmp_path):
    engine = open_engine(f"sqlite:///{tmp_path / 'central.sqlite3'}")
    upgrade(engine)
    config = CentralConfig(tmp_path / "central.yaml", MqttSettings())
    try:
        add_screens(engine, 5)
        with engine.connect() as connection:
            pages = [fleet_data(connection, config, NOW, n, page_size=2) for n in (1, 2, 3, 9)]
        shown = [[s["player"] for s in page["screens"]] for page in pages]
        assert shown == [["layar-0000", "layar-0002"], ["layar-0004", "layar-0001"],
                         ["layar-0003"], ["layar-0003"]]  # fmt: skip
        assert [page["page"] for page in pages[2:]] == [
            {"number": 3, "pages": 3, "first": 5, "last": 5, "total": 5}
        ] * 2
        assert all(page["counts"]["total"] == page["counts"]["online"] == 5 for page in pages)
        assert list(pages[1]["by_group"]) == ["grup-0", "grup-1"]
    finally:
        engine.dispose()
    assert [page_number(text) for text in (None, "", "2", "0", "-1", "x", "²", "10")] == [
        1, 1, 2, 1, 1, 1, 1, 10,
    ]  # fmt: skip


def test_a_fleet_past_one_page_is_paged_and_polled_on_its_page(tmp_path):
    engine = open_engine(f"sqlite:///{tmp_path / 'central.sqlite3'}")
    upgrade(engine)
    loop = asyncio.new_event_loop()
    try:
        add_screens(engine, PAGE_SIZE + 1)
        with engine.begin() as connection:
            accounts.add_user(connection, "budi", "viewer", "viewer-password-1", NOW)
        token, _ = accounts.log_in(engine, "budi", "viewer-password-1", "::1", NOW,
                                   checks=accounts.PasswordChecks(1))  # fmt: skip
        config = CentralConfig(tmp_path / "central.yaml", MqttSettings(), console=ConsoleSettings())
        app = create_app(config, engine, clock=lambda: NOW)
        cookie = f"vt_session={token}; {LANGUAGE_COOKIE}=en"

        def page(path: str) -> str:
            status, body = loop.run_until_complete(_get(app, path, cookie))
            assert status == 200, (path, status)
            return body

        first, second = page("/"), page("/?page=2")
        assert first.count('class="card screen') == PAGE_SIZE
        assert f"Screens 1 to {PAGE_SIZE} of {PAGE_SIZE + 1}" in first
        assert 'href="/?page=2" rel="next"' in first and 'rel="prev"' not in first
        assert 'data-refresh="/fleet/body"' in first
        assert second.count('class="card screen') == 1
        assert f"Screens {PAGE_SIZE + 1} to {PAGE_SIZE + 1} of {PAGE_SIZE + 1}" in second
        assert 'href="/?page=1" rel="prev"' in second and 'rel="next"' not in second
        assert 'data-refresh="/fleet/body?page=2"' in second
        assert re.search(rf'id="count-online">{PAGE_SIZE + 1}<', second)  # the whole fleet
        assert page("/fleet/body?page=2").count('class="card screen') == 1
    finally:
        loop.close()
        engine.dispose()
