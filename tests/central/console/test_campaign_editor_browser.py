"""The campaign editor in a real Chromium: an impossible goal shown with its numbers, fixed,
submitted by an operator, approved by a second person, and carried by the signed manifest."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.central.console.test_library_browser import PHONE, click
from tests.fixtures.collector import PREFIX
from tests.fixtures.console import ConsoleProcess, make_browser, page_shot
from tests.fixtures.content import publish_tree, write_key
from tests.fixtures.media import make_image
from tests.fixtures.mosquitto import Mosquitto

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[3]
UPDATE_DOCS = os.environ.get("VIDEOTRON_UPDATE_SCREENSHOTS") == "1"
PASSWORDS = {"opa": "operator-password-1", "ana": "approve-password-1"}


def log_in(browser, url: str, name: str) -> None:
    browser.delete_all_cookies()
    browser.get(url + "/login")
    browser.find_element("id", "user").send_keys(name)
    browser.find_element("id", "password").send_keys(PASSWORDS[name])
    click(browser, "login")


def test_an_impossible_goal_shows_its_numbers_and_the_fixed_campaign_is_published(tmp_path):
    key_path, _public = write_key(tmp_path / "keys" / "publisher.key")
    site = tmp_path / "www"
    old = {"id": "old-a", "type": "image", "size": [64, 36], "duration": 2, "color": [0, 150, 0]}
    publish_tree(site / "A", [old], key_path, group="A")
    (tmp_path / "broker").mkdir()
    broker = Mosquitto(tmp_path / "broker")
    console = ConsoleProcess(
        tmp_path / "console",
        f"mqtt:\n  url: {broker.url}\n  topic_prefix: {PREFIX}\n"
        f"collector:\n  database: sqlite:///{tmp_path / 'central.sqlite3'}\n"
        f"publish:\n  key: {key_path}\n  groups:\n    A: {site / 'A'}\n"
        f"console:\n  library: {tmp_path / 'library'}\n",
    )
    console.add_user("opa", "operator", PASSWORDS["opa"])
    console.add_user("ana", "approver", PASSWORDS["ana"])
    broker.start()
    browser = None
    try:
        console.start()
        browser = make_browser()
        url = console.url
        image = make_image(tmp_path / "toko.png", size=(64, 36), color=(200, 0, 0))
        # The group needs an approved playlist before its campaigns can be published.
        log_in(browser, url, "opa")
        browser.get(url + "/library")
        browser.find_element("id", "upload-file").send_keys(str(image))
        click(browser, "upload-button")
        browser.get(url + "/library/playlists/A")
        click(browser, "add-button")
        click(browser, "submit-button")
        playlist_page = browser.current_url
        log_in(browser, url, "ana")
        browser.get(playlist_page)
        click(browser, "approve")

        log_in(browser, url, "opa")
        browser.get(url + "/library/campaigns")
        click(browser, "new-campaign")
        browser.find_element("id", "campaign-id").send_keys("toko-maju")
        browser.find_element("id", "campaign-partner").send_keys("Toko Maju")
        browser.find_element("css selector", "#campaign-items input[type=checkbox]").click()
        browser.find_element("id", "windows").send_keys("07:00-08:00")
        browser.find_element("css selector", "#campaign-groups input[value=A]").click()
        goal = browser.find_element("id", "goal-value")
        goal.clear()
        goal.send_keys("400")
        click(browser, "check-button")
        said = browser.find_element("id", "goal-impossible").text
        assert "Target tidak dapat dipenuhi" in said  # Indonesian first
        assert "'toko-maju' 400 tayang @ 10 dtk, tiap 9 dtk (111%)" in said, said
        assert "yang muat 180 dari 400 tayang" in said and "plays of" not in said, said
        if UPDATE_DOCS:
            page_shot(browser, ROOT / "docs" / "console" / "campaign-editor-phone.png", PHONE)

        goal = browser.find_element("id", "goal-value")
        goal.clear()
        goal.send_keys("100")
        click(browser, "submit-button")
        assert browser.find_element("id", "state").get_attribute("data-state") == "pending"
        assert browser.find_elements("id", "approve") == []  # the submitter may not approve
        change_page = browser.current_url

        log_in(browser, url, "ana")
        browser.get(change_page)
        assert "400" not in browser.find_element("id", "campaign-diff").text
        click(browser, "approve")
        assert browser.find_element("id", "state").get_attribute("data-state") == "approved"
        manifest = json.loads((site / "A" / "manifest.json").read_text("utf-8"))
        [published] = manifest["campaigns"]
        assert (published["id"], published["partner"], published["goal"]) == (
            "toko-maju", "Toko Maju", {"plays_per_day": 100}
        )  # fmt: skip
        assert published["schedule"]["windows"] == ["07:00-08:00"]
        assert published["items"][0]["approval"]["approver"] == "ana"
    finally:
        if browser is not None:
            browser.quit()
        console.stop()
        broker.stop()
