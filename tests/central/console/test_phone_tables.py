"""The console's tables at desktop and phone widths: no cell clipped, no box that cuts rows."""

from __future__ import annotations

import datetime as dt
import re
import time

import pytest
import requests

from central.db import audit
from central.db.database import open_engine
from tests.central.console.conftest import Fleet
from tests.fixtures.console import ConsoleProcess, make_browser, page_shot
from tests.fixtures.content import publish_tree, write_key

PASSWORD = "admin-password-1"
PHONE = 390
PLAYER = "layar-lobi-utama-lantai-dasar"
ITEM = "promo-ramadan-diskon-besar-akhir-tahun"

# Every table on the page: a cell whose content is wider than the cell, a table wider than
# what shows of it without a visible hint, a box that scrolls rows out of sight, a page wider
# than the window. Returns the problems found, as sentences.
PROBLEMS_JS = """
const problems = [];
const root = document.documentElement;
if (root.scrollWidth > root.clientWidth + 1)
  problems.push(`page ${root.scrollWidth}px wide in a ${root.clientWidth}px window`);
for (const table of document.querySelectorAll('main table')) {
  const name = table.id || table.className || 'table';
  for (const cell of table.querySelectorAll('td, th')) {
    if (cell.offsetParent === null) continue;
    if (cell.scrollWidth > cell.clientWidth + 1)
      problems.push(`${name}: cell "${cell.textContent.trim().slice(0, 30)}" clipped`);
  }
  for (let box = table.parentElement; box && box !== document.body; box = box.parentElement) {
    const style = getComputedStyle(box);
    if (style.overflowX !== 'visible' && box.scrollWidth > box.clientWidth + 1
        && !box.querySelector('.scroll-hint:not([hidden])'))
      problems.push(`${name}: ${box.scrollWidth}px in a ${box.clientWidth}px box, no hint`);
    if (style.overflowY !== 'visible' && box.scrollHeight > box.clientHeight + 1)
      problems.push(`${name}: rows scroll inside a ${box.clientHeight}px high box`);
  }
}
return problems;
"""

# A row of a table shown as a list on a phone: are its cells stacked at the row's left edge,
# and does the row's height hold nothing but them (a table row is as tall as its tallest
# cell, the others leaving blank space beside and under them)?
LIST_ROWS_JS = """
return [...document.querySelectorAll(arguments[0] + ' tbody tr')].map(row => {
  const box = row.getBoundingClientRect();
  const cells = [...row.querySelectorAll('td')].filter(c => c.textContent.trim())
    .map(c => c.getBoundingClientRect());
  const stacked = cells.every(c => Math.abs(c.left - box.left) < 2);
  const blank = box.height - cells.reduce((sum, c) => sum + c.height, 0);
  return {stacked, blank};
});
"""


@pytest.fixture(scope="module")
def office(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("phones")
    database = f"sqlite:///{tmp_path / 'c.sqlite3'}"
    write_key(tmp_path / "publisher.key")
    site = tmp_path / "site" / "lobby"
    items = [
        {"id": ITEM, "type": "text", "text": "Diskon", "duration": 8},
        {"id": "pengumuman-jam-operasional-baru", "type": "text", "text": "Buka", "duration": 12},
    ]
    evening = {
        "name": "malam-hari-khusus-akhir-pekan", "priority": 5,
        "schedule": {"days": ["sat", "sun"], "from": "18:00", "until": "22:00"},
        "items": [{"id": "menu-makan-malam-spesial", "type": "text", "text": "Menu"}],
    }  # fmt: skip
    publish_tree(site, items, tmp_path / "publisher.key", group="lobby",
                 extra={"playlists": [evening]})  # fmt: skip
    console = ConsoleProcess(
        tmp_path / "console",
        f"collector:\n  database: {database}\n"
        f"publish:\n  key: {tmp_path / 'publisher.key'}\n  groups:\n    lobby: {site}\n",
    )
    console.add_user("admin", "admin", PASSWORD)
    engine = open_engine(database)
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    fleet = Fleet(engine)
    fleet.status(PLAYER, now, group="lobby", manifest_sequence=1, item=ITEM)
    start = now - dt.timedelta(hours=2)
    plays = [(ITEM, start + dt.timedelta(minutes=i), 1234.5) for i in range(8)]
    fleet.plays(PLAYER, plays)
    with engine.begin() as connection:
        for n in range(30):
            detail = {"command": "screenshot", "note": "x" * (n % 3) * 40, "n": n}
            audit.record(connection, now, "command line (teknisi-gedung-timur)",
                         "screen.command", PLAYER, detail=detail)  # fmt: skip
    engine.dispose()
    console.start()
    try:
        yield console, tmp_path / "shots"
    finally:
        console.stop()


@pytest.fixture(scope="module")
def browser(office):
    console, _ = office
    http = requests.Session()
    form = http.get(console.url + "/login", timeout=20).text
    token = re.search(r'name="csrf" value="([^"]+)"', form).group(1)
    http.post(console.url + "/login", timeout=20,
              data={"csrf": token, "next": "/", "user": "admin", "password": PASSWORD})  # fmt: skip
    driver = make_browser()
    driver.get(console.url + "/login")
    for cookie in http.cookies:
        driver.add_cookie({"name": cookie.name, "value": cookie.value, "path": "/"})
    yield driver
    driver.quit()


def problems_at(browser, width: int) -> list[str]:
    """The page's table problems once laid out at `width` (a chart redraws a moment later)."""
    metrics = {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": width < 600}
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
    try:
        deadline = time.monotonic() + 10
        while (problems := browser.execute_script(PROBLEMS_JS)) and time.monotonic() < deadline:
            time.sleep(0.2)
        return problems
    finally:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


PAGES = {
    "plays": "/plays",
    "content": "/content",
    "screen": f"/screen/{PLAYER}",
    "audit": "/audit",
}


@pytest.mark.parametrize("page", sorted(PAGES))
@pytest.mark.parametrize("width", [1280, PHONE])
def test_no_table_cell_is_clipped(office, browser, page, width):
    console, shots = office
    browser.get(console.url + PAGES[page])
    assert browser.find_elements("css selector", "main table tbody tr"), page
    page_shot(browser, shots / f"{page}-{width}.png", width)
    assert problems_at(browser, width) == []


def test_audit_rows_on_a_phone_are_lists_without_blank_areas(office, browser):
    console, _ = office
    browser.get(console.url + "/audit")
    metrics = {"width": PHONE, "height": 900, "deviceScaleFactor": 1, "mobile": True}
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
    try:
        rows = browser.execute_script(LIST_ROWS_JS, "#audit")
    finally:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    assert len(rows) >= 30, rows
    assert all(row["stacked"] and row["blank"] < 20 for row in rows), rows
