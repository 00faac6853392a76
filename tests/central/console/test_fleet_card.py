"""A fleet card's manifest line at desktop and phone widths: no number broken, no wasted line."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
import requests

from central.db.database import open_engine
from tests.central.console.conftest import Fleet
from tests.fixtures.console import ConsoleProcess, make_browser, page_shot
from tests.fixtures.content import publish_tree, write_key

PASSWORD = "viewer-password-1"
LINES_JS = """
const dd = document.querySelector(arguments[0] + ' dd.manifest');
const style = getComputedStyle(dd);
const line = parseFloat(style.lineHeight) || 1.2 * parseFloat(style.fontSize);
return {text: dd.textContent.trim(), lines: Math.round(dd.getBoundingClientRect().height / line),
        broken: [...dd.querySelectorAll('.seq')].map(s => s.getClientRects().length)};
"""


@pytest.fixture
def console(tmp_path):
    database = f"sqlite:///{tmp_path / 'c.sqlite3'}"
    key, _ = write_key(tmp_path / "publisher.key")
    site = tmp_path / "site" / "lobby"
    items = [{"id": "psa", "type": "text", "text": "Awas banjir", "duration": 8}]
    latest = json.loads(publish_tree(site, items, key, group="lobby").read_text())["sequence"]
    console = ConsoleProcess(
        tmp_path / "console",
        f"collector:\n  database: {database}\n"
        f"publish:\n  key: {tmp_path / 'publisher.key'}\n  groups:\n    lobby: {site}\n",
    )
    console.add_user("budi", "viewer", PASSWORD)
    engine = open_engine(database)
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    fleet = Fleet(engine)
    fleet.status("layar-kini", now, group="lobby", manifest_sequence=latest)
    fleet.status("layar-lama", now, group="lobby", manifest_sequence=latest - 86400)
    engine.dispose()
    console.start()
    try:
        yield console, latest
    finally:
        console.stop()


@pytest.mark.parametrize("width", [1280, 390])
def test_the_manifest_line_keeps_its_numbers_whole(console, width, tmp_path):
    office, latest = console
    http = requests.Session()
    form = http.get(office.url + "/login", timeout=20).text
    token = re.search(r'name="csrf" value="([^"]+)"', form).group(1)
    http.post(office.url + "/login", timeout=20,
              data={"csrf": token, "next": "/", "user": "budi", "password": PASSWORD})  # fmt: skip
    browser = make_browser(width=width)
    try:
        browser.get(office.url + "/login")
        for cookie in http.cookies:
            browser.add_cookie({"name": cookie.name, "value": cookie.value, "path": "/"})
        metrics = {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": width < 600}
        browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
        browser.get(office.url + "/")
        current = browser.execute_script(LINES_JS, "#screen-layar-kini")
        behind = browser.execute_script(LINES_JS, "#screen-layar-lama")
        page_shot(browser, tmp_path / f"fleet-{width}.png", width)
    finally:
        browser.quit()
    # Up to date: its number and the tag ("latest" would only repeat it), on one line; on a
    # phone the details run under the picture, at the card's full width.
    assert current["text"].startswith(f"#{latest}") and current["text"].count(str(latest)) == 1
    assert current["lines"] == 1 and current["broken"] == [1], current
    # Behind: both numbers, each whole, on at most two lines at either width.
    assert f"#{latest - 86400}" in behind["text"] and f"#{latest}" in behind["text"]
    assert behind["broken"] == [1, 1] and behind["lines"] <= 2, behind
