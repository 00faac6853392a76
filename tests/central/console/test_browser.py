"""The console in a real headless Chromium, against real players, broker, collector and PostgreSQL.

Two headless players report over mosquitto to `videotron collect` (PostgreSQL); the console
runs as its own uvicorn process on the same database. The tests run in file order and share
that office: log in, look, act, stop a player and log out; finally a made-up hot screen.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import shutil
import time
from pathlib import Path

import pytest
import requests
from PIL import Image, ImageChops
from selenium.webdriver.support.ui import WebDriverWait
from sqlalchemy import func, select

from central.db.schema import audit, errors, plays
from player.wire.isotime import format_utc
from tests.fixtures.collector import PREFIX, CollectorProcess, Screen
from tests.fixtures.console import ConsoleProcess, make_browser, page_shot, wait_replaced
from tests.fixtures.content import publish_tree, write_key
from tests.fixtures.mosquitto import Mosquitto, MqttProbe
from tests.fixtures.player import videotron
from tests.fixtures.postgres import Postgres

pytestmark = pytest.mark.slow

# The pictures in docs/CONSOLE.md; written there only on request, so that a test run does
# not change the checkout (otherwise into the test's own folder, still taken and checked).
ROOT = Path(__file__).resolve().parents[3]
UPDATE_DOCS = os.environ.get("VIDEOTRON_UPDATE_SCREENSHOTS") == "1"
ITEMS = [
    {"id": "psa-green", "type": "image", "color": [0, 150, 0], "size": [64, 36], "duration": 2},
    {"id": "psa-blue", "type": "image", "color": [0, 0, 200], "size": [64, 36], "duration": 2},
]
PASSWORDS = {"ana": "operator-password-1", "budi": "viewer-password-1", "citra": "limit-pass-1"}
PHONE = 390


@pytest.fixture(scope="module")
def office(tmp_path_factory):
    """Broker, PostgreSQL, collector, two players and the console, all real processes."""
    root = tmp_path_factory.mktemp("office")
    key_path, public_key = write_key(root / "keys" / "publisher.key")
    site = root / "site"
    publish_tree(site, ITEMS, key_path)
    (root / "broker").mkdir()
    broker = Mosquitto(root / "broker")
    database = Postgres()
    started = []
    try:
        broker.start()
        database.start()
        collector = CollectorProcess(root / "collector", broker.url, database.url, key_path)
        collector.start()
        started.append(collector.close)
        screens = [
            Screen(root / f"screen-{n}", f"screen-{n}", site, public_key, broker.url)
            for n in (1, 2)
        ]
        for screen in screens:
            screen.start()
            started.append(lambda s=screen: s.proc.poll() is None and s.stop())
        console = ConsoleProcess(
            root / "console",
            f"mqtt:\n  url: {broker.url}\n  topic_prefix: vt\n"
            f"collector:\n  database: {database.url}\n"
            f"publish:\n  key: {key_path}\n  groups:\n    test: {site}\n"
            "console:\n  timezone: Asia/Jakarta\n",
        )
        for name, role in (("ana", "operator"), ("budi", "viewer"), ("citra", "viewer")):
            console.add_user(name, role, PASSWORDS[name])
        console.start()
        started.append(console.stop)
        browser = make_browser()
        started.append(browser.quit)
        for screen in screens:
            screen.wait_for("an item on screen", lambda s: bool(s.get("render", {}).get("item")),
                            60)  # fmt: skip
        shots = ROOT / "docs" / "console" if UPDATE_DOCS else root / "shots"
        yield {"shots": shots, "console": console, "screens": screens, "collector": collector,
               "browser": browser, "key": key_path, "root": root, "broker": broker}  # fmt: skip
    finally:
        for stop in reversed(started):
            try:
                stop()
            except Exception as exc:  # the others must still stop
                print(f"cleanup: {exc}")
        broker.stop()
        database.cleanup()


def log_in(office, name: str, password: str | None = None):
    browser = office["browser"]
    browser.delete_all_cookies()
    browser.get(office["console"].url + "/login")
    browser.find_element("id", "user").send_keys(name)
    browser.find_element("id", "password").send_keys(password or PASSWORDS[name])
    click(browser, "login")
    return browser


def click(browser, element_id: str) -> None:
    """Click and wait for the next page to replace this one (a click does not wait)."""
    page = browser.find_element("tag name", "html")
    browser.find_element("id", element_id).click()
    wait_replaced(browser, page, 30)


def state_of(browser, player: str) -> str | None:
    """The state a fleet card shows; None while the polling script swaps the cards."""
    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException

    try:
        return browser.find_element("id", f"screen-{player}").get_attribute("data-state")
    except (NoSuchElementException, StaleElementReferenceException):
        return None


def session_of(office) -> requests.Session:
    """A requests session carrying the browser's cookies (downloads, raw POSTs)."""
    http = requests.Session()
    for cookie in office["browser"].get_cookies():
        http.cookies.set(cookie["name"], cookie["value"])
    return http


def wait_page(browser, predicate, timeout: float, what: str, reload: bool = True) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout}s waiting for {what}")
        time.sleep(1)
        if reload:
            browser.refresh()


def _routes(config_path: Path) -> list[tuple[str, str]]:
    """(method, path) of every route the application has, parameters filled in."""
    from starlette.routing import Route

    from central.config import load_central_config
    from central.console.app import create_app
    from central.db.database import open_engine

    config = load_central_config(config_path)
    engine = open_engine(config.collector.database.reveal())  # not connected: routes only
    try:
        app = create_app(config, engine)
    finally:
        engine.dispose()
    found = []
    for route in app.routes:
        if not isinstance(route, Route):
            continue
        path = route.path.replace("{shot:int}", "1").replace("{name}", "sync")
        path = path.replace("{player}", "screen-1").replace("{lang}", "en")
        path = path.replace("{key}", "0" * 32).replace("{page:int}", "1")
        path = path.replace("{number:int}", "1").replace("{sha:str}", "ab")
        path = path.replace("{group}", "test")
        found += [(method, path) for method in sorted(route.methods - {"HEAD"})]
    return found


def test_every_route_without_a_session_is_refused(office):
    url = office["console"].url
    routes = _routes(office["console"].config)
    assert len(routes) >= 15
    public = {("GET", "/login"), ("POST", "/login"), ("GET", "/lang/en")}
    for method, path in routes:
        if (method, path) in public:
            continue
        answer = requests.request(method, url + path, data={"text": "x"}, allow_redirects=False,
                                  timeout=10)  # fmt: skip
        assert answer.status_code in ((303, 401) if method == "GET" else (401,)), (path, answer)
        if answer.status_code == 303:
            assert answer.headers["location"].startswith("/login"), path
        assert "screen-1" not in answer.text and "psa-" not in answer.text, path


def test_cookies_are_httponly_strict_and_secure_when_the_proxy_says_https(office):
    url = office["console"].url
    plain = requests.get(url + "/login", timeout=10).headers["set-cookie"].lower()
    assert "httponly" in plain and "samesite=strict" in plain and "secure" not in plain
    # From 127.0.0.1, a trusted proxy (nginx): its X-Forwarded-Proto counts.
    proxied = requests.get(url + "/login", headers={"X-Forwarded-Proto": "https"}, timeout=10)
    assert "; secure" in proxied.headers["set-cookie"].lower()


def test_login_needs_its_csrf_token_and_wrong_passwords_are_rate_limited(office):
    url = office["console"].url
    answer = requests.post(url + "/login", data={"user": "citra", "password": "x"}, timeout=10)
    assert answer.status_code == 403
    browser = office["browser"]
    for _ in range(5):
        log_in(office, "citra", "not-the-password")
        assert browser.find_element("id", "login-error").text == (
            "Nama pengguna atau kata sandi salah."
        )
    log_in(office, "citra")  # the right password, too late: the account is resting
    assert "Terlalu banyak percobaan gagal" in browser.find_element("id", "login-error").text
    assert not browser.find_elements("id", "logout")
    engine = office["collector"].engine()
    with engine.connect() as connection:
        actions = list(connection.scalars(select(audit.c.action).where(audit.c.target == "citra")))
    assert actions.count("login-failed") == 5 and "login-refused" in actions


def test_operator_sees_both_players_and_what_they_show(office):
    browser = log_in(office, "ana")
    assert browser.current_url.rstrip("/") == office["console"].url

    def both_online() -> bool:
        cards = browser.find_elements("css selector", "article.screen")
        return len(cards) == 2 and all(c.get_attribute("data-state") == "online" for c in cards)

    wait_page(browser, both_online, 60, "both screens online on the fleet page")
    for screen in office["screens"]:
        card = browser.find_element("id", f"screen-{screen.id}")
        assert card.get_attribute("data-state") == "online"
        shown = screen.status()["render"]["item"]
        assert card.find_element("class name", "item").text in {i["id"] for i in ITEMS}, shown
    assert browser.find_element("id", "count-online").text == "2"
    assert browser.find_element("id", "count-offline").text == "0"
    # Indonesian by default; the switch turns the labels to English and back.
    assert "Layar" in browser.find_element("tag name", "nav").text
    click(browser, "lang-en")
    assert "Fleet" in browser.find_element("tag name", "nav").text
    assert "Online" in browser.find_element("id", "screen-screen-1").text
    click(browser, "lang-id")
    assert "Daring" in browser.find_element("id", "screen-screen-1").text


def test_the_content_page_shows_the_latest_publish_and_what_plays_next(office):
    browser = log_in(office, "ana")
    browser.get(office["console"].url + "/content")
    group = browser.find_element("id", "content-test")
    published = office["root"] / "site" / "manifest.json"
    sequence = json.loads(published.read_text())["sequence"]
    assert f"#{sequence}" in group.text
    assert "psa-green" in group.text and "psa-blue" in group.text
    assert group.find_elements("css selector", "table.schedule tbody tr")
    # Every column is named, and the Indonesian page speaks Indonesian.
    assert all(th.text.strip() for th in group.find_elements("css selector", "th"))
    schedule = group.find_element("css selector", "table.schedule").text
    assert "tayangan: psa-green, psa-blue" in schedule and "prioritas 0" in schedule
    assert "plays of" not in schedule and "priority" not in schedule
    page_shot(browser, office["shots"] / "content.png", 1280)
    click(browser, "lang-en")
    schedule = browser.find_element("css selector", "#content-test table.schedule").text
    assert "plays: psa-green, psa-blue" in schedule and "priority 0" in schedule
    assert "Rule" in schedule and "tayangan" not in schedule
    click(browser, "lang-id")


def test_a_screenshot_command_is_confirmed_audited_and_shown(office):
    browser = log_in(office, "ana")
    url = office["console"].url
    browser.get(f"{url}/screen/screen-1")
    assert not browser.find_elements("class name", "shot")
    click(browser, "cmd-screenshot")
    assert "/command/screenshot" in browser.current_url  # the confirmation step
    click(browser, "confirm")
    assert browser.find_element("id", "notice").text == "Terkirim."
    wait_page(browser, lambda: browser.find_elements("class name", "shot"), 60,
              "the screenshot on the screen page")  # fmt: skip
    image = browser.find_element("class name", "shot")
    assert int(browser.execute_script("return arguments[0].naturalWidth", image)) > 0
    with office["collector"].engine().connect() as connection:
        row = connection.execute(
            select(audit.c.actor, audit.c.target).where(audit.c.action == "command-screenshot")
        ).first()
    assert tuple(row) == ("ana", "screen-1")
    # The history starts when the screen was first seen: no week of "unknown" before it.
    history = browser.find_element("id", "history")
    assert "tidak diketahui" not in history.text and "sejak" in history.text
    assert all(th.text.strip() for th in browser.find_elements("css selector", "th"))
    page_shot(browser, office["shots"] / "screen.png", 1280)
    page_shot(browser, office["shots"] / "screen-phone.png", PHONE)
    # The same for screen-2, so that the fleet page shows both thumbnails.
    browser.get(f"{url}/screen/screen-2/command/screenshot")
    click(browser, "confirm")
    browser.get(url + "/")
    wait_page(browser, lambda: len(browser.find_elements("css selector", ".thumb img")) == 2, 60,
              "both thumbnails on the fleet page")  # fmt: skip
    page_shot(browser, office["shots"] / "fleet.png", 1280)
    page_shot(browser, office["shots"] / "fleet-phone.png", PHONE)


def test_a_viewer_cannot_send_alerts_or_commands(office):
    browser = log_in(office, "budi")
    url = office["console"].url
    browser.get(url + "/alerts")
    assert not browser.find_elements("id", "alert-form")
    assert browser.find_elements("id", "viewer-only")
    browser.get(url + "/screen/screen-1")
    assert not browser.find_elements("id", "cmd-sync")
    csrf = browser.find_element("name", "csrf").get_attribute("value")  # the logout form's
    http = session_of(office)
    answer = http.post(
        url + "/alerts",
        timeout=10,
        allow_redirects=False,
        data={
            "csrf": csrf,
            "text": "viewer alert",
            "level": "info",
            "minutes": "15",
            "groups": "test",
        },
    )
    assert answer.status_code == 403
    answer = http.post(url + "/screen/screen-1/command/reload", data={"csrf": csrf}, timeout=10)
    assert answer.status_code == 403
    with office["collector"].engine().connect() as connection:
        assert not connection.scalar(
            select(func.count())
            .select_from(audit)
            .where(audit.c.actor == "budi", audit.c.action.in_(("alert", "command-reload")))
        )


def test_a_form_without_its_csrf_token_is_refused(office):
    log_in(office, "ana")
    url = office["console"].url
    http = session_of(office)
    form = {"text": "no token", "level": "info", "minutes": "15", "groups": "test"}
    answer = http.post(url + "/alerts", data=form, timeout=10, allow_redirects=False)
    assert answer.status_code == 403
    answer = http.post(url + "/alerts", data={**form, "csrf": "forged"}, timeout=10)
    assert answer.status_code == 403
    answer = http.post(url + "/screen/screen-1/command/sync", data={}, timeout=10)
    assert answer.status_code == 403


def _red_share(path: Path) -> float:
    with Image.open(path) as image:
        small = image.convert("RGB").resize((64, 36))
        pixels = [small.getpixel((x, y)) for x in range(64) for y in range(36)]
    return sum(1 for r, g, b in pixels if r > 150 and g < 60 and b < 60) / len(pixels)


# Share of pixels the console's preview and the screen's own screenshot of one alert may
# differ in (by more than DIFFERENT in a channel): both run player/render/alertcard.py
# with the same font, so only anti-aliasing may differ; a preview laid out by other code
# (another size, wrapping, font or margin) differs in well over 5 % of its pixels.
MAX_PREVIEW_DIFFERENCE = 0.005
LONG_ALERT = (
    "Banjir setinggi 50 cm menggenangi Jl. Sudirman, Jl. Thamrin dan Jl. Gatot Subroto sejak "
    "pukul 14.00 WIB. Pengendara diminta memutar lewat Jl. Rasuna Said atau Jl. Casablanca. "
    "Warga di bantaran Kali Ciliwung diminta bersiap mengungsi ke posko terdekat. "
) * 5
DIFFERENT = 48


def _differing_share(a: Path, b: Path) -> float:
    with Image.open(a) as first, Image.open(b) as second:
        one, two = first.convert("RGB"), second.convert("RGB")
        assert one.size == two.size, (one.size, two.size)
        red, green, blue = ImageChops.difference(one, two).split()
        most = ImageChops.lighter(ImageChops.lighter(red, green), blue).histogram()
        return sum(most[DIFFERENT + 1 :]) / (one.width * one.height)


def preview_state(browser) -> dict | None:
    """The 320x180 preview as the page shows it now: pages, page count, image, readability."""
    return browser.execute_script(
        """
        const box = document.querySelector("#preview-320x180");
        if (!box) return null;
        const note = document.getElementById("readability");
        const count = box.querySelector(".page-count");
        const image = box.querySelector("img");
        return {pages: box.dataset.pages || null, readability: note ? note.textContent : null,
                count: count ? count.textContent.trim() : null, src: image ? image.src : null};
        """
    )


def test_an_operator_alert_appears_on_the_players_screens_and_is_taken_off(office):
    browser = log_in(office, "ana")
    url = office["console"].url
    browser.get(url + "/alerts")
    browser.find_element("id", "group-test").click()
    # The longest text is taken, with a warning that few will read it whole.
    text = browser.find_element("id", "alert-text")
    text.send_keys(LONG_ALERT)
    # The preview is replaced whole each time the text changes: read it in one script call,
    # so no element can go stale between finding it and reading it.
    shown = WebDriverWait(browser, 60).until(
        lambda b: (state := preview_state(b)) and state["readability"] and state
    )
    assert int(shown["pages"]) > 3 and f"{shown['pages']} halaman" in shown["readability"]
    page_shot(browser, office["shots"] / "alerts-form-long.png", 1280)
    page_shot(browser, office["shots"] / "alerts-form-long-phone.png", PHONE)
    text.clear()
    text.send_keys("Banjir di Jl. Merdeka, hindari area")
    # The live preview: drawn by the console at the size the group's screens reported.
    shown = WebDriverWait(browser, 60).until(
        lambda b: (state := preview_state(b)) and state["count"] == "1 halaman" and state
    )
    assert not shown["readability"]
    source = shown["src"]
    preview = office["root"] / "alert-preview.png"
    preview.write_bytes(session_of(office).get(source, timeout=20).content)
    page_shot(browser, office["shots"] / "alerts-form.png", 1280)
    page_shot(browser, office["shots"] / "alerts-form-phone.png", PHONE)
    click(browser, "send-alert")
    assert browser.find_element("id", "notice").text == "Terkirim."
    screen = office["screens"][0]
    status = screen.wait_for("the alert on screen", lambda s: bool(s["render"].get("alert")), 30)
    shot = office["root"] / "alert.png"
    videotron("--config", str(screen.config), "screenshot", str(shot), "--timeout", "10")
    assert _red_share(shot) > 0.5, "the emergency alert's red does not fill the screen"
    # The console's preview is what the screen shows, pixel for pixel but for a few.
    assert _differing_share(preview, shot) < MAX_PREVIEW_DIFFERENCE
    office["shots"].mkdir(parents=True, exist_ok=True)
    shutil.copyfile(shot, office["shots"] / "alert-on-screen.png")
    alert_id = status["render"]["alert"]
    wait_page(
        browser,
        lambda: (
            browser.find_element("css selector", f"#alert-{alert_id}-test .shown").text
            == "screen-1, screen-2"
        ),
        90,
        "both screens listed as showing the alert",
    )
    sent_row = browser.find_element("id", f"sent-{alert_id}")
    assert "Banjir di Jl. Merdeka, hindari area" in sent_row.text
    assert sent_row.find_element("class name", "shown").text == "screen-1, screen-2"
    page_shot(browser, office["shots"] / "alerts.png", 1280)
    page_shot(browser, office["shots"] / "alerts-phone.png", PHONE)
    # The fleet card tells what the alert says, not its id.
    browser.get(url + "/")
    wait_page(
        browser,
        lambda: (
            "Banjir di Jl. Merdeka"
            in " ".join(
                e.text
                for e in browser.find_elements("css selector", "#screen-screen-1 .alert-title")
            )
        ),
        60,
        "the alert's text on the fleet card",
    )
    page_shot(browser, office["shots"] / "fleet-alert.png", 1280)
    browser.get(url + "/alerts")
    page = browser.find_element("tag name", "html")
    browser.find_element("class name", "cancel-alert").click()
    wait_replaced(browser, page, 30)
    assert browser.find_element("id", "notice").text == "Terkirim."
    for each in office["screens"]:
        each.wait_for("the alert off the screen", lambda s: not s["render"].get("alert"), 30)
    # Listed until the screens report it gone (status comes within seconds of a change).
    wait_page(browser, lambda: browser.find_elements("id", "no-alerts"), 90, "no active alert")
    with office["collector"].engine().connect() as connection:
        actions = list(
            connection.scalars(
                select(audit.c.action).where(audit.c.actor == "ana").order_by(audit.c.id)
            )
        )
    assert actions[-2:] == ["alert", "alert-cancel"]


def test_a_display_turned_off_by_command_shows_as_such_not_as_a_fault(office):
    browser = log_in(office, "ana")
    url = office["console"].url
    screen = office["screens"][1]
    browser.get(f"{url}/screen/screen-2/command/display-off")
    click(browser, "confirm")
    screen.wait_for("the display off", lambda s: s["render"].get("screen") == "off", 30)
    browser.get(url + "/")
    wait_page(
        browser,
        lambda: browser.find_elements("css selector", "#screen-screen-2 .display-off"),
        60,
        "the display off on the fleet card",
    )
    card = browser.find_element("id", "screen-screen-2")
    assert "layar dimatikan (perintah)" in card.text
    assert card.get_attribute("data-state") == "online"
    assert "Bermasalah" not in card.text
    # The display off is no error; other errors (a slow sync on a busy machine) may be listed.
    with office["collector"].engine().connect() as connection:
        reported = list(
            connection.scalars(select(errors.c.message).where(errors.c.player == "screen-2"))
        )
    assert not [m for m in reported if "display" in m.lower() or "layar" in m.lower()], reported
    assert ("Ada galat" in card.text) == bool(reported), (card.text, reported)
    page_shot(browser, office["shots"] / "fleet-display-off.png", 1280)
    browser.get(f"{url}/screen/screen-2/command/display-on")
    click(browser, "confirm")
    screen.wait_for("the display on", lambda s: s["render"].get("screen") == "on", 30)


def test_the_proof_of_play_csv_matches_the_database(office):
    browser = log_in(office, "ana")
    url = office["console"].url
    for screen in office["screens"]:
        screen.wait_for(
            "plays acknowledged", lambda s: bool((s.get("report") or {}).get("last_ack_at")), 60
        )
    browser.get(url + "/plays")
    assert browser.find_element("id", "plays-table")
    assert browser.execute_script("return typeof Chart") == "function"
    link = browser.find_element("id", "csv").get_attribute("href")
    answer = session_of(office).get(link, timeout=10)
    assert answer.status_code == 200
    assert "attachment" in answer.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(answer.content.decode("utf-8-sig"))))
    with office["collector"].engine().connect() as connection:
        stored = dict(
            connection.execute(
                select(plays.c.player + "/" + plays.c.item_id, func.count()).group_by(
                    plays.c.player, plays.c.item_id
                )
            ).all()
        )
    counted: dict[str, int] = {}
    for row in rows:
        key = f"{row['screen']}/{row['item']}"
        counted[key] = counted.get(key, 0) + int(row["plays"])
    # Plays still arriving between the download and the count: only ever more in the DB.
    assert set(counted) == set(stored)
    assert all(0 <= stored[key] - counted[key] <= 6 for key in stored), (counted, stored)
    # And with the players' own record: every play a player made and no longer keeps was
    # acknowledged by the collector, so it is in the CSV (or played since the download).
    for screen in office["screens"]:
        _store, pending, last = screen.store()
        in_csv = sum(n for key, n in counted.items() if key.startswith(f"{screen.id}/"))
        assert 0 <= (last - len(pending)) - in_csv <= 10, (screen.id, last, pending, in_csv)
    page_shot(browser, office["shots"] / "plays.png", 1280)
    page_shot(browser, office["shots"] / "plays-phone.png", PHONE)


def test_a_stopped_player_turns_offline_on_the_fleet_page(office):
    browser = log_in(office, "ana")
    screen = office["screens"][1]
    assert screen.stop() == 0
    # No reload: the page polls.
    wait_page(browser, lambda: state_of(browser, "screen-2") == "offline", 60,
              "screen-2 offline", reload=False)  # fmt: skip
    assert browser.find_element("id", "count-offline").text == "1"
    assert browser.find_element("id", "screen-screen-1").get_attribute("data-state") == "online"
    page_shot(browser, office["shots"] / "fleet-offline.png", 1280)


def test_no_page_shows_the_private_key_and_logging_out_ends_the_session(office):
    browser = log_in(office, "ana")
    url = office["console"].url
    secret = office["key"].read_text().split()
    http = session_of(office)
    for path in ("/", "/fleet/body", "/screen/screen-1", "/plays", "/alerts", "/audit",
                 "/screen/screen-1/command/reload", "/plays.csv"):  # fmt: skip
        text = http.get(url + path, timeout=10).text
        assert not any(len(part) > 20 and part in text for part in secret), path
    assert not any(len(part) > 20 and part in office["console"].tail() for part in secret)
    click(browser, "logout")
    assert "/login" in browser.current_url
    assert http.get(url + "/", timeout=10, allow_redirects=False).status_code == 303
    browser.get(url + "/plays")
    assert "/login" in browser.current_url


def test_a_hot_under_voltage_screen_is_flagged_on_the_fleet_and_screen_pages(office):
    """Last in the module: the made-up screen stops reporting and would count as offline."""
    now = dt.datetime.now(dt.UTC)
    probe = MqttProbe(office["broker"])
    try:
        # Three samples, as a hot cabinet on a sagging supply sends them; then a gap.
        for minutes, temp in ((30, 77.5), (2, 83.0), (1, 84.2)):
            at = format_utc(now - dt.timedelta(minutes=minutes))
            machine = {
                "sampled_at": at, "temp_c": temp, "under_voltage": True, "throttled": True,
                "under_voltage_since_boot": True, "throttled_bits": "0x50005",
                "disk_free_bytes": 9_000_000_000, "disk_total_bytes": 29_000_000_000,
                "sd_read_only": False, "io_errors": 0, "uptime_s": 7200.0,
            }  # fmt: skip
            status = {"online": True, "player": "screen-hot", "group": "test", "version": "1",
                      "ts": at, "current": {"item": "psa-green"}, "machine": machine}  # fmt: skip
            probe.publish(f"{PREFIX}/player/screen-hot/status", status)
    finally:
        probe.close()
    browser = log_in(office, "ana")  # Indonesian, the console's first language

    def warned() -> bool:
        found = browser.find_elements("css selector", "#machine-screen-hot .hw-hot")
        return bool(found) and found[0].text == "Terlalu panas"

    wait_page(browser, warned, 30, "the hot screen's warning on the fleet page")
    card = browser.find_element("id", "machine-screen-hot").text
    assert "84.2 °C" in card and "Tegangan kurang" in card and "CPU diperlambat" in card
    assert "Disk bebas 31%" in card
    # The real players' cards do not warn of under-voltage.
    assert not browser.find_elements("css selector", "#machine-screen-1 .hw-under_voltage")
    browser.get(office["console"].url + "/screen/screen-hot")
    warnings = browser.find_element("id", "health-warnings")
    assert warnings.find_element("css selector", ".hw-hot.bad").text == "Terlalu panas"
    assert warnings.find_element("css selector", ".hw-under_voltage.bad")
    values = browser.find_element("id", "machine").text
    assert "84.2 °C" in values and "2 jam" in values
    # The chart: a dot for the sample alone, a line through the two a minute apart.
    (line,) = browser.find_elements("css selector", "#temp-chart polyline")
    assert len(line.get_attribute("points").split()) == 2
    assert len(browser.find_elements("css selector", "#temp-chart circle")) == 1
    assert browser.find_elements("css selector", "#temp-chart .chart-hot")
    # Readable on a phone: nothing wider than the screen.
    page_shot(browser, office["shots"] / "screen-health-phone.png", PHONE)
    browser.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": PHONE, "height": 900, "deviceScaleFactor": 1, "mobile": True},
    )
    try:
        wide = browser.execute_script("return document.documentElement.scrollWidth")
    finally:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    assert wide <= PHONE
