"""The alerts page of a real console: previews drawn by the screens' code, every alert sent.

`videotron console` runs under uvicorn on SQLite; screens report through the collector's
own Recorder, alerts are written by the one writer every sender uses (`record_alert`).
"""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
import requests
from PIL import Image

from central.console.alertpreview import FALLBACK_SIZE, READABLE_PAGES
from central.db.alerts import record_alert
from central.db.database import open_engine
from player.wire.signing import MAX_ALERT_TEXT, make_alert
from tests.central.console.conftest import Fleet
from tests.fixtures.console import ConsoleProcess
from tests.fixtures.content import write_key

PASSWORDS = {"sari": "operator-password-1", "budi": "viewer-password-1"}
ROLES = {"sari": "operator", "budi": "viewer"}
SMALL = (384, 192)  # a small roadside wall, 2:1
LONG = (
    "Banjir setinggi 50 cm menggenangi Jl. Sudirman, Jl. Thamrin dan Jl. Gatot Subroto "
    "sejak pukul 14.00 WIB. Pengendara diminta memutar lewat Jl. Rasuna Said atau Jl. "
    "Casablanca. Warga di bantaran Kali Ciliwung diminta bersiap mengungsi ke posko "
    "terdekat dan mematikan listrik rumah bila air masuk. Hubungi 112 untuk bantuan. "
) * 4


@pytest.fixture
def office(tmp_path):
    key, _ = write_key(tmp_path / "keys" / "publisher.key")
    sites = {name: tmp_path / "site" / name for name in ("kota", "desa")}
    for folder in sites.values():
        folder.mkdir(parents=True)
    url = f"sqlite:///{tmp_path / 'c.sqlite3'}"
    groups = "".join(f"    {name}: {folder}\n" for name, folder in sites.items())
    console = ConsoleProcess(
        tmp_path / "console",
        f"collector:\n  database: {url}\n"
        f"publish:\n  key: {key}\n  groups:\n{groups}"
        "console:\n  timezone: Asia/Jakarta\n",
    )
    for name, role in ROLES.items():
        console.add_user(name, role, PASSWORDS[name])
    console.start()  # migrates the database
    engine = open_engine(url)
    try:
        yield console, Fleet(engine)
    finally:
        console.stop()
        engine.dispose()


def log_in(console: ConsoleProcess, name: str) -> tuple[requests.Session, str]:
    http = requests.Session()
    form = http.get(console.url + "/login", timeout=20).text
    token = re.search(r'name="csrf" value="([^"]+)"', form).group(1)
    page = http.post(
        console.url + "/login",
        data={"csrf": token, "next": "/", "user": name, "password": PASSWORDS[name]},
        timeout=20,
    )
    assert 'id="logout"' in page.text, page.text[-1500:]
    return http, re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)


def report(fleet: Fleet, player: str, group: str, **status) -> None:
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    fleet.status(player, now, group=group, **status)


def image_sources(page: str, size: tuple[int, int]) -> list[str]:
    figure = re.search(
        rf'<figure class="alert-preview" id="preview-{size[0]}x{size[1]}".*?</figure>', page, re.S
    )
    assert figure, f"no preview at {size}: {page[-3000:]}"
    return re.findall(r'<img src="([^"]+)"', figure.group(0))


def test_the_preview_is_drawn_at_each_groups_size_with_its_pages(office):
    console, fleet = office
    report(fleet, "layar-1", "kota", display={"content": list(SMALL), "output": [384, 192]})
    http, csrf = log_in(console, "sari")
    form = {"csrf": csrf, "text": "Banjir di Jl. Merdeka, hindari area", "level": "warning",
            "minutes": "30", "groups": ["kota", "desa"]}  # fmt: skip
    # Without the page's script: the button posts the form, the whole page comes back.
    page = http.post(console.url + "/alerts/preview", data=form, timeout=60)
    assert page.status_code == 200, page.text[-2000:]
    assert "Banjir di Jl. Merdeka, hindari area</textarea>" in page.text  # the form kept
    assert 'id="readability"' not in page.text
    # The smallest size first: where the text needs the most pages.
    assert page.text.index("preview-384x192") < page.text.index("preview-1920x1080")
    for size in (SMALL, FALLBACK_SIZE):
        (source,) = image_sources(page.text, size)
        answer = http.get(console.url + source, timeout=20)
        assert answer.status_code == 200 and answer.headers["content-type"] == "image/png"
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert "default-src 'self'" in answer.headers["content-security-policy"]
        with Image.open(io.BytesIO(answer.content)) as picture:
            assert picture.size == size
            # The warning's amber fills the card: the screens' colours, not the page's.
            assert picture.convert("RGB").getpixel((2, size[1] - 2)) == (255, 176, 0)
        assert requests.get(console.url + source, timeout=20).status_code == 401  # no login
    # What the page's script asks for as the operator types: the preview alone.
    fragment = http.post(console.url + "/alerts/preview", data=form, timeout=60,
                         headers={"X-Preview": "fragment"})  # fmt: skip
    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert image_sources(fragment.text, SMALL)
    # A viewer may not preview (nor send).
    viewer, viewer_csrf = log_in(console, "budi")
    refused = viewer.post(console.url + "/alerts/preview", data={**form, "csrf": viewer_csrf},
                          timeout=20)  # fmt: skip
    assert refused.status_code == 403


def test_a_text_of_the_longest_length_is_previewed_with_a_readability_warning(office):
    console, fleet = office
    report(fleet, "layar-1", "kota", display={"content": list(SMALL)})
    http, csrf = log_in(console, "sari")
    text = LONG[:MAX_ALERT_TEXT]
    assert len(text) == MAX_ALERT_TEXT
    form = {"csrf": csrf, "text": text, "level": "emergency", "minutes": "30",
            "groups": ["kota"]}  # fmt: skip
    page = http.post(console.url + "/alerts/preview", data=form, timeout=60).text
    pages = int(re.search(r'id="preview-384x192" data-pages="(\d+)"', page).group(1))
    assert pages > READABLE_PAGES
    assert 'id="readability"' in page and f"{pages} halaman" in page
    assert len(image_sources(page, SMALL)) == pages
    # Warned, not refused: the form still sends it (the broker is down here: "failed").
    sent = http.post(console.url + "/alerts", data=form, timeout=60, allow_redirects=False)
    assert sent.status_code == 303


def test_every_alert_sent_is_listed_with_its_source_and_where_it_shows(office):
    console, fleet = office
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    cap = make_alert(
        "Peringatan dini cuaca: hujan lebat disertai petir di Kota Bogor ...", "kota",
        now=now, lifetime=dt.timedelta(hours=2), level="warning", alert_id="cap-7f3a",
        parts={"headline": "Peringatan Dini Cuaca Jawa Barat", "sender": "BMKG"},
    )  # fmt: skip
    cli = make_alert("Uji sirene pukul 10.00", "desa", now=now, lifetime=dt.timedelta(hours=1),
                     level="info", alert_id="cli-1")  # fmt: skip
    lifetime = dt.timedelta(minutes=30)
    by_console = [
        make_alert("Jalan ditutup", g, now=now, lifetime=lifetime, alert_id="konsol-1")
        for g in ("kota", "desa")
    ]
    with fleet.engine.begin() as connection:
        record_alert(connection, payload=cap, actor="cap-watch", source="cap-watch", now=now,
                     cap_identifier="2.49.0.0.360.0.2026.12.07.1")  # fmt: skip
        record_alert(connection, payload=cli, actor="command line (ops)",
                     source="command line", now=now)  # fmt: skip
        for payload in by_console:
            record_alert(connection, payload=payload, actor="sari", source="console", now=now)
    report(fleet, "layar-1", "kota", alert="cap-7f3a")
    report(fleet, "layar-2", "desa", alert="konsol-1")
    http, _ = log_in(console, "budi")
    page = http.get(console.url + "/alerts", timeout=20).text
    rows = {
        row_id: body
        for row_id, body in re.findall(r'<tr id="sent-([^"]+)"[^>]*>(.*?)</tr>', page, re.S)
    }
    assert set(rows) == {"cap-7f3a", "cli-1", "konsol-1"}
    cap_row = rows["cap-7f3a"]
    assert "Peringatan Dini Cuaca Jawa Barat" in cap_row  # the headline, not the id
    assert "peringatan CAP" in cap_row and "2.49.0.0.360.0.2026.12.07.1" in cap_row
    assert "Waspada" in cap_row and "layar-1" in cap_row
    expiry = (now + dt.timedelta(hours=2)).astimezone(dt.timezone(dt.timedelta(hours=7)))
    assert expiry.strftime("%Y-%m-%d %H:%M") in cap_row
    assert "baris perintah" in rows["cli-1"] and "command line (ops)" in rows["cli-1"]
    assert "Informasi" in rows["cli-1"] and "desa" in rows["cli-1"]
    konsol = rows["konsol-1"]
    assert "konsol" in konsol and "sari" in konsol and "Darurat" in konsol
    assert re.search(r'class="groups"[^>]*>desa, kota', konsol)
    assert re.search(r'class="shown"[^>]*>layar-2<', konsol)


def test_the_fleet_card_shows_the_alerts_headline_and_a_display_turned_off(office):
    console, fleet = office
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    payload = make_alert("Banjir di Jl. Merdeka, hindari area", "kota", now=now,
                         lifetime=dt.timedelta(hours=1), alert_id="a4e2b581c0ffee00")  # fmt: skip
    with fleet.engine.begin() as connection:
        record_alert(connection, payload=payload, actor="sari", source="console", now=now)
    report(fleet, "layar-1", "kota", alert="a4e2b581c0ffee00", screen="on")
    # display-off: the player reports its screen "off", no item, kind "off".
    report(fleet, "layar-2", "kota", screen="off", item=None)
    report(fleet, "layar-3", "kota", screen="on")
    http, _ = log_in(console, "budi")
    body = http.get(console.url + "/fleet/body", timeout=20).text
    cards = dict(re.findall(r'id="screen-([^"]+)".*?<dd class="item">(.*?)</dd>', body, re.S))
    assert "⚠ Banjir di Jl. Merdeka, hindari area" in cards["layar-1"]
    assert "a4e2b581" not in cards["layar-1"].split('title="')[0]
    assert "layar dimatikan (perintah)" in cards["layar-2"]
    assert "display-off" not in cards["layar-3"] and "psa" in cards["layar-3"]
    card_2 = re.search(r'<article class="([^"]+)" id="screen-layar-2"', body).group(1)
    assert "dark" in card_2 and "state-online" in card_2  # online, not a fault
    # The screen's own page says the same.
    page = http.get(console.url + "/screen/layar-1", timeout=20).text
    assert "⚠ Banjir di Jl. Merdeka, hindari area" in page
    page = http.get(console.url + "/screen/layar-2", timeout=20).text
    assert re.search(r'<dd id="item">[^\n]*layar dimatikan \(perintah\)', page)


def test_the_preview_sizes_are_those_the_groups_screens_report():
    from central.console.alertpreview import MAX_PIXELS, drawn_size, targets

    screens = [
        {"group": "kota", "content_size": (192, 384)},  # a portrait wall, turned by rotation
        {"group": "kota", "content_size": (192, 384)},
        {"group": "pasar", "content_size": (1920, 1080)},
        {"group": "pasar", "content_size": None},  # an older player: no size reported
        {"group": "lain", "content_size": (64, 32)},  # not a target
    ]
    found = targets(screens, ["kota", "pasar", "desa"])
    assert [(t.size, t.groups, t.screens, t.assumed) for t in found] == [
        ((192, 384), ("kota",), 2, ()),
        ((1920, 1080), ("pasar", "desa"), 1, ("desa",)),  # one picture per size
    ]
    assert drawn_size((1920, 1080)) == (1920, 1080)
    big = drawn_size((15360, 8640))
    assert big[0] * big[1] <= MAX_PIXELS and abs(big[0] / big[1] - 16 / 9) < 0.01
