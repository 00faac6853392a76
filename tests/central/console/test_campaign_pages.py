"""Campaign pages through a real console: a partner sees its own campaigns and reports only."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
import requests

from tests.fixtures.campaigns import YAML, make_office, office_yaml
from tests.fixtures.console import ConsoleProcess, make_browser, page_shot

ROOT = Path(__file__).resolve().parents[3]
UPDATE_DOCS = os.environ.get("VIDEOTRON_UPDATE_SCREENSHOTS") == "1"
PHONE = 390

OTHER = """\
  - id: pasar-murah
    partner: Toko Maju
    goal: {share: 0.05}
    items:
      - {id: pasar-10s, type: image, file: media/water.jpg, duration: 10}
"""
ACCOUNTS = {  # name: (role, partner, password)
    "dinkes": ("partner", "Dinas Kesehatan", "dinkes-password-1"),
    "toko": ("partner", "Toko Maju", "toko-password-12"),
    "ops": ("viewer", None, "viewer-password-1"),
}
PERIOD = "from=2024-05-01&to=2024-05-02"


@pytest.fixture
def console(tmp_path):
    _config, engine = make_office(tmp_path, YAML + OTHER)
    engine.dispose()
    console = ConsoleProcess(tmp_path / "console", office_yaml(tmp_path))
    for name, (role, partner, password) in ACCOUNTS.items():
        console.add_user(name, role, password, partner=partner)
    console.start()
    try:
        yield console
    finally:
        console.stop()


def login(console, name) -> requests.Session:
    http = requests.Session()
    form = http.get(console.url + "/login", timeout=20).text
    token = re.search(r'name="csrf" value="([^"]+)"', form).group(1)
    page = http.post(console.url + "/login", timeout=20, data={
        "csrf": token, "next": "/", "user": name, "password": ACCOUNTS[name][2]})  # fmt: skip
    assert 'id="logout"' in page.text, page.text[-1500:]
    return http


def test_a_partner_reaches_its_own_campaign_report_and_nothing_else(console):
    toko = login(console, "toko")
    listing = toko.get(console.url + "/campaigns", timeout=20)
    assert "pasar-murah" in listing.text and "imunisasi" not in listing.text
    assert 'href="/plays"' not in listing.text  # the office's pages are not offered
    for path in ("/campaigns/imunisasi", f"/campaigns/imunisasi/report.pdf?{PERIOD}",
                 f"/campaigns/imunisasi/plays.csv?{PERIOD}",
                 f"/campaigns/imunisasi/delivery.csv?{PERIOD}"):  # fmt: skip
        assert toko.get(console.url + path, timeout=20).status_code == 404, path
    for path in ("/plays", f"/plays.csv?{PERIOD}", "/content", "/alerts", "/accounts",
                 "/screens/p1", "/library"):  # fmt: skip
        got = toko.get(console.url + path, timeout=20, allow_redirects=False)
        assert got.status_code in (403, 404), (path, got.status_code)
    assert toko.get(console.url + "/", timeout=20).url.endswith("/campaigns")
    own = toko.get(console.url + f"/campaigns/pasar-murah/report.pdf?{PERIOD}", timeout=60)
    assert own.status_code == 200 and own.content.startswith(b"%PDF")

    dinkes = login(console, "dinkes")
    page = dinkes.get(console.url + f"/campaigns/imunisasi?{PERIOD}", timeout=60)
    assert page.status_code == 200 and "layar offline" in page.text  # Indonesian first
    report = dinkes.get(console.url + f"/campaigns/imunisasi/report.pdf?{PERIOD}", timeout=60)
    assert report.headers["content-type"] == "application/pdf"
    fingerprint = re.search(r'id="fingerprint">([0-9a-f]{64})<', page.text).group(1)
    assert fingerprint.encode() in report.content  # the PDF's stamp: the page's records
    exported = dinkes.get(console.url + f"/campaigns/imunisasi/plays.json?{PERIOD}", timeout=60)
    assert len(exported.json()["plays"]) == 72
    office = login(console, "ops")  # the office's own accounts see every campaign
    assert "pasar-murah" in office.get(console.url + "/campaigns", timeout=20).text
    assert "imunisasi" in office.get(console.url + "/campaigns", timeout=20).text


def test_in_a_browser_a_partner_reads_its_campaign_on_a_phone_and_not_anothers(console, tmp_path):
    browser = make_browser()
    try:
        browser.get(console.url + "/login")
        browser.find_element("id", "user").send_keys("dinkes")
        browser.find_element("id", "password").send_keys(ACCOUNTS["dinkes"][2])
        browser.find_element("id", "password").submit()
        browser.get(console.url + f"/campaigns/pasar-murah/report.pdf?{PERIOD}")
        assert "not found" in browser.find_element("tag name", "body").text
        browser.get(console.url + f"/campaigns/imunisasi?{PERIOD}")
        assert "Dinas Kesehatan" in browser.find_element("id", "partner").text
        metrics = {"width": PHONE, "height": 800, "deviceScaleFactor": 1, "mobile": True}
        browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
        # laid out for the phone: nothing wider than its screen (read after a layout pass)
        width = browser.execute_script(
            "return new Promise(r => requestAnimationFrame(() => "
            "r(document.documentElement.scrollWidth)))"
        )
        assert width <= PHONE
        shots = ROOT / "docs" / "console" if UPDATE_DOCS else tmp_path
        page_shot(browser, shots / "campaign-phone.png", PHONE)
    finally:
        browser.quit()
