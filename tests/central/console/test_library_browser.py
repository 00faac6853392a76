"""The content workflow in a real Chromium, end to end, as an office runs it.

A contributor uploads an image and an H.264 video, builds group A's playlist of both with a
weekday window and submits; the page offers it no approval and the server refuses one; an
approver sees the diff and each item drawn by the player's own renderer, and approves; the
console signs and publishes into the tree nginx serves and tells the screens over
mosquitto: both of group A's players show the new picture and group B's player keeps its
own. The approver vets the headlines the console fetched from the office's feed. A
sent-back submission never reaches a screen; restoring the first approved version brings its
picture back.
"""

from __future__ import annotations

import datetime as dt
import io
import os
from pathlib import Path

import pytest
import requests
from PIL import Image
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.support.ui import Select, WebDriverWait

from tests.central.console.test_phone_tables import problems_at
from tests.fixtures.collector import PREFIX
from tests.fixtures.console import ConsoleProcess, make_browser, page_shot, wait_replaced
from tests.fixtures.content import publish_tree, write_key
from tests.fixtures.media import make_h264, make_image
from tests.fixtures.mosquitto import Mosquitto
from tests.fixtures.nginx import Nginx
from tests.fixtures.player import PlayerProcess, near, screen_color

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[3]
UPDATE_DOCS = os.environ.get("VIDEOTRON_UPDATE_SCREENSHOTS") == "1"
PASSWORDS = {"kontri": "contrib-password-1", "ana": "approve-password-1"}
GREEN, BLUE, RED, PURPLE = (0, 150, 0), (0, 0, 200), (220, 0, 0), (160, 0, 160)
PHONE = 390
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
SCREENS = {"a1": "A", "a2": "A", "b": "B"}  # two players in group A, one in group B
FEED = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>Berita</title>
<item><title>Banjir surut di Kampung Melayu, warga kembali ke rumah</title><guid>1</guid>
<category>Metro</category></item>
<item><title>Pasar murah digelar di alun-alun hingga Minggu</title><guid>2</guid></item>
<item><title>Jalan Sudirman ditutup untuk hari bebas kendaraan</title><guid>3</guid></item>
</channel></rss>"""


def player(root: Path, name: str, group: str, *, url: str, public_key: str, broker: str):
    name = f"screen-{name}"
    work = root / name
    work.mkdir(parents=True)
    config = work / "player.yaml"
    config.write_text(
        f"player:\n  id: {name}\n  group: {group}\n"
        f"source:\n  url: {url}/{group}/manifest.json\n  public_key: {public_key}\n"
        "  poll_interval: 86400\n"  # only the broker's notice can bring new content in time
        f"cache:\n  dir: {work / 'cache'}\nruntime:\n  dir: {work / 'run'}\n"
        "display:\n  size: 320x180\n  driver: dummy\n  fps: 10\n"
        f"mqtt:\n  url: {broker}\n  topic_prefix: {PREFIX}\n",
        encoding="utf-8",
    )
    return PlayerProcess(config, work / "run", work / "player.log")


@pytest.fixture(scope="module")
def office(tmp_path_factory):
    root = tmp_path_factory.mktemp("workflow")
    key_path, public_key = write_key(root / "keys" / "publisher.key")
    site = root / "www"
    old = dict(type="image", size=[64, 36], duration=2)
    publish_tree(site / "A", [{"id": "old-a", "color": list(GREEN), **old}], key_path, group="A")
    publish_tree(site / "B", [{"id": "old-b", "color": list(BLUE), **old}], key_path, group="B")
    (site / "feeds").mkdir(parents=True)
    (site / "feeds" / "berita.xml").write_bytes(FEED)  # the office's feed, served by nginx
    (root / "nginx").mkdir()
    (root / "broker").mkdir()
    web, broker = Nginx(root / "nginx", site), Mosquitto(root / "broker")
    started = []
    try:
        web.start()
        started.append(web.stop)
        broker.start()
        started.append(broker.stop)
        screens = {
            name: player(root, name, group, url=web.url, public_key=public_key, broker=broker.url)
            for name, group in SCREENS.items()
        }
        for screen in screens.values():
            screen.start()
            started.append(lambda s=screen: s.proc.poll() is None and s.stop())
        console = ConsoleProcess(
            root / "console",
            f"mqtt:\n  url: {broker.url}\n  topic_prefix: {PREFIX}\n"
            f"collector:\n  database: sqlite:///{root / 'central.sqlite3'}\n"
            f"publish:\n  key: {key_path}\n  groups:\n    A: {site / 'A'}\n    B: {site / 'B'}\n"
            f"console:\n  library: {root / 'library'}\n"
            f"  feeds:\n    - url: {web.url}/feeds/berita.xml\n",
        )
        console.add_user("kontri", "contributor", PASSWORDS["kontri"], groups="A")
        console.add_user("ana", "approver", PASSWORDS["ana"])
        console.start()
        started.append(console.stop)
        browser = make_browser()
        started.append(browser.quit)
        for name, group in SCREENS.items():
            screens[name].wait_item(f"old-{group.lower()}", 60)
        shots = ROOT / "docs" / "console" if UPDATE_DOCS else root / "shots"
        yield {"console": console, "screens": screens, "browser": browser, "root": root,
               "shots": shots, "site": site}  # fmt: skip
    finally:
        for stop in reversed(started):
            try:
                stop()
            except Exception as exc:  # the others must still stop
                print(f"cleanup: {exc}")


def log_in(office, name: str):
    browser = office["browser"]
    browser.delete_all_cookies()
    browser.get(office["console"].url + "/login")
    browser.find_element("id", "user").send_keys(name)
    browser.find_element("id", "password").send_keys(PASSWORDS[name])
    click(browser, "login")
    return browser


def click(browser, element_id: str) -> None:
    """Click and wait for the next page to replace this one (a click does not wait)."""
    page = browser.find_element("tag name", "html")
    browser.find_element("id", element_id).click()
    try:
        wait_replaced(browser, page)
        # A POST answered with a redirect: wait for the page it leads to, not the one between.
        WebDriverWait(browser, 60).until(
            lambda b: b.execute_script("return document.readyState") == "complete"
        )
    except TimeoutException:
        pytest.fail(f"no new page after clicking {element_id}: {browser.page_source[-2000:]}")


def shoot(office, name: str) -> None:
    """The page on a desk and on a phone; the PNGs are looked at, not compared."""
    page_shot(office["browser"], office["shots"] / f"{name}.png", 1280)
    page_shot(office["browser"], office["shots"] / f"{name}-phone.png", PHONE)


def with_cookies(browser) -> requests.Session:
    """A requests session logged in as the browser is."""
    http = requests.Session()
    for cookie in browser.get_cookies():
        http.cookies.set(cookie["name"], cookie["value"])
    return http


def upload(office, path: Path, tags: str = "") -> None:
    browser = office["browser"]
    browser.get(office["console"].url + "/library")
    browser.find_element("id", "upload-tags").send_keys(tags)
    browser.find_element("id", "upload-file").send_keys(str(path))
    click(browser, "upload-button")  # through the script: XHR with a progress bar
    assert path.name in browser.page_source
    assert browser.find_element("id", "notice").is_displayed()


def add_to_playlist(browser, label: str) -> None:
    Select(browser.find_element("id", "add-media")).select_by_visible_text(label)
    click(browser, "add-button")


def test_a_contributor_uploads_builds_and_submits_and_cannot_approve(office):
    browser = log_in(office, "kontri")
    poster = make_image(office["root"] / "poster-merah.png", size=(320, 180), color=RED)
    upload(office, poster, tags="psa banjir")
    clip = make_h264(office["root"] / "klip-ungu.mp4", seconds=1.0, color=PURPLE,
                     moving_bar=False)  # fmt: skip
    upload(office, clip)
    shoot(office, "library")

    browser.get(office["console"].url + "/library/playlists/A")
    add_to_playlist(browser, "poster-merah.png (gambar)")
    add_to_playlist(browser, "klip-ungu.mp4 (video)")
    for name, value in (("start_0", "00:00"), ("end_0", "23:59"), ("duration_0", "20")):
        # Typing into a time field depends on the browser's locale; the value does not.
        field = browser.find_element("name", name)
        browser.execute_script("arguments[0].value = arguments[1]", field, value)
    # A weekday rule that keeps today (in any time zone) and leaves out a day three ahead.
    away = DAYS[(dt.datetime.now(dt.UTC).weekday() + 3) % 7]
    browser.find_element("css selector", f'input[name="days_0"][value="{away}"]').click()
    priority = browser.find_element("name", "priority_0")
    browser.execute_script("arguments[0].value = '1'", priority)  # the poster before the clip
    browser.find_element("id", "ticker-lines").send_keys("Awas banjir di Jalan Sudirman")
    browser.find_element("css selector", 'input[name="ticker_feeds"]').click()
    browser.find_element("id", "clock-on").click()
    shoot(office, "playlist")
    click(browser, "submit-button")
    assert browser.find_element("id", "two-person").is_displayed()
    assert not browser.find_elements("id", "approve")
    office["submission"] = int(browser.current_url.rsplit("/", 1)[1])
    csrf = browser.find_element("css selector", 'input[name="csrf"]').get_attribute("value")
    forced = with_cookies(browser).post(
        office["console"].url + f"/library/submissions/{office['submission']}/approve",
        data={"csrf": csrf}, timeout=20,
    )  # fmt: skip
    assert forced.status_code == 403


def frame_colour(http: requests.Session, url: str) -> tuple[int, int, int]:
    """The centre pixel of a preview frame the page shows, fetched as the browser did."""
    answer = http.get(url, timeout=20)
    assert answer.status_code == 200 and answer.headers["content-type"] == "image/png"
    with Image.open(io.BytesIO(answer.content)) as frame:
        assert frame.size == (1920, 1080)  # no screen reported a size: the default
        return frame.convert("RGB").getpixel((frame.width // 2, frame.height // 2))


def test_an_approver_sees_the_frames_approves_and_only_group_a_shows_it(office):
    if "submission" not in office:
        pytest.skip("needs the submission of the test before")
    browser = log_in(office, "ana")
    assert browser.find_element("id", "pending-submissions").is_displayed()
    browser.get(office["console"].url + f"/library/submissions/{office['submission']}")
    assert len(browser.find_elements("css selector", "tr.change-starts")) == 2
    assert "1920x1080" in browser.find_element("id", "frames-display").text
    images = browser.find_elements("css selector", "#frames figure.frame img")
    WebDriverWait(browser, 30).until(lambda b: all(
        b.execute_script("return arguments[0].complete && arguments[0].naturalWidth", i)
        for i in images))  # fmt: skip
    alts = [image.get_attribute("alt") for image in images]
    assert alts == ["Pratinjau layar: poster-merah.png", "Pratinjau layar: klip-ungu.mp4"]
    http = with_cookies(browser)
    colours = [frame_colour(http, image.get_attribute("src")) for image in images]
    assert near(colours[0], RED, 30) and near(colours[1], PURPLE, 30), colours
    assert problems_at(browser, PHONE) == []  # the changes and items read on a phone
    shoot(office, "review")
    click(browser, "approve")
    state = browser.find_element("id", "state").get_attribute("data-state")
    assert state == "approved", browser.page_source[-2000:]
    assert not browser.find_elements("id", "review-notice")  # the screens were told

    screens = office["screens"]
    for name in ("a1", "a2"):
        item = screens[name].wait_for(
            f"the approved item on {name}",
            lambda s: str(s.get("render", {}).get("item", "")).startswith("poster-merah"),
            60,
        )["render"]["item"]
        assert near(screen_color(screens[name].config, office["root"] / f"{name}.png"), RED, 30)
    # Group B was never given it: a later fact of its own (a fresh frame) shows its old item.
    shot_b = screen_color(screens["b"].config, office["root"] / "b.png")
    assert near(shot_b, BLUE, 30) and screens["b"].status()["render"]["item"] == "old-b"
    assert item not in (office["site"] / "B" / "manifest.json").read_text()


def test_the_approver_vets_the_headlines_of_the_office_feed(office):
    browser = log_in(office, "ana")
    browser.get(office["console"].url + "/headlines")
    # The console fetched its feed when it started; the headlines wait for an approver.

    def fetched(driver) -> bool:
        driver.refresh()
        return "Pasar murah" in driver.page_source

    WebDriverWait(browser, 30, poll_frequency=0.5).until(fetched)
    browser.find_element("css selector", "#feed-1 input[name=id]").click()
    browser.find_element("css selector", "#feed-1 button[value=approve]").click()
    WebDriverWait(browser, 30).until(lambda b: b.find_elements("id", "notice"))
    assert browser.find_element("id", "notice").get_attribute("data-notice") == "approved"
    assert browser.find_elements("css selector", "#feed-1 .feed-fetched")
    shoot(office, "headlines")


def submit_one(office, color, name: str) -> int:
    """As the contributor: upload a picture, make it group A's only item, submit; its number."""
    browser = log_in(office, "kontri")
    browser.get(office["console"].url + "/library")
    picture = make_image(office["root"] / name, size=(320, 180), color=color)
    browser.find_element("id", "upload-file").send_keys(str(picture))
    click(browser, "upload-button")
    browser.get(office["console"].url + "/library/playlists/A")
    browser.find_element("name", "remove_0").click()  # the item approved before
    Select(browser.find_element("id", "add-media")).select_by_visible_text(f"{name} (gambar)")
    click(browser, "add-button")
    click(browser, "submit-button")
    return int(browser.current_url.rsplit("/", 1)[1])


def test_a_sent_back_submission_never_shows_and_a_restore_brings_the_old_item_back(office):
    if "submission" not in office:
        pytest.skip("needs the approved submission of the tests before")
    screen_a = office["screens"]["a1"]
    sequence = screen_a.status()["sync"]["manifest_sequence"]
    rejected = submit_one(office, GREEN, "hoaks.png")
    browser = log_in(office, "ana")
    browser.get(office["console"].url + f"/library/submissions/{rejected}")
    browser.find_element("id", "reason-input").send_keys("Sumber tidak jelas")
    click(browser, "send-back")
    assert browser.find_element("id", "state").get_attribute("data-state") == "sent_back"
    browser = log_in(office, "kontri")
    browser.get(office["console"].url + f"/library/submissions/{rejected}")
    assert browser.find_element("id", "reason").text == "Sumber tidak jelas"
    assert browser.find_element("id", "fix").is_displayed()

    replaced = submit_one(office, BLUE, "biru.png")
    browser = log_in(office, "ana")
    browser.get(office["console"].url + f"/library/submissions/{replaced}")
    click(browser, "approve")
    screen_a.wait_for("the blue item on screen",
                      lambda s: str(s.get("render", {}).get("item", "")).startswith("biru"),
                      60)  # fmt: skip
    # The sent-back picture was never published: not in any manifest the screen got since.
    assert screen_a.status()["sync"]["manifest_sequence"] > sequence
    assert "hoaks" not in (office["site"] / "A" / "manifest.json").read_text()

    browser.get(office["console"].url + f"/library/submissions/{office['submission']}")
    click(browser, "restore")
    assert browser.find_element("id", "state").get_attribute("data-state") == "approved"
    screen_a.wait_for("the restored red item back on screen",
                      lambda s: str(s.get("render", {}).get("item", "")).startswith("poster"),
                      60)  # fmt: skip
    assert near(screen_color(screen_a.config, office["root"] / "a2.png"), RED, 30)
