"""What a screen says is never office configuration, and the ids it chooses link safely.

A screen reports its own id and group. The alert form offers the office's groups only
(central.yaml's `publish.groups` and `cap.groups`), and the console refuses an alert, or a
cancel, to a group a screen merely claims. A screen id goes into every link
percent-encoded, and an id such as `a/b?c#d` reaches its own page, image and commands,
also through the login.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
import requests
from sqlalchemy import select

from central.console.web import TEMPLATES, path_segment
from central.db.database import open_engine
from central.db.schema import audit
from tests.central.console.conftest import Fleet
from tests.fixtures.console import ConsoleProcess

ODD = "a/b?c#d"
PASSWORD = "operator-password-1"


@pytest.fixture
def office(tmp_path):
    database = f"sqlite:///{tmp_path / 'c.sqlite3'}"
    console = ConsoleProcess(
        tmp_path / "console",
        f"collector:\n  database: {database}\n"
        f"publish:\n  groups:\n    lobby: {tmp_path / 'site'}\n"
        "cap:\n  groups:\n    plaza:\n      location: '-6.2,106.85'\n",
    )
    console.add_user("sari", "operator", PASSWORD)
    engine = open_engine(database)
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    fleet = Fleet(engine)
    fleet.status("layar-1", now, group="lobby")
    # A group the office does not know, with an alert sent from elsewhere on screen.
    fleet.status(ODD, now, group="rogue", alert="dari-shell")
    fleet.screenshot(ODD, now, "psa")
    console.start()
    try:
        yield console, engine
    finally:
        console.stop()
        engine.dispose()


def log_in(console: ConsoleProcess, next_path: str = "/") -> tuple[requests.Session, str, str]:
    """A logged-in session, its CSRF token and the page the login led to."""
    http = requests.Session()
    form = http.get(console.url + "/login", timeout=20).text
    token = re.search(r'name="csrf" value="([^"]+)"', form).group(1)
    page = http.post(
        console.url + "/login",
        data={"csrf": token, "next": next_path, "user": "sari", "password": PASSWORD},
        timeout=20,
    )
    assert 'id="logout"' in page.text, page.text[-1500:]
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    return http, csrf, page.url


def test_a_group_only_a_screen_reports_is_no_alert_target(office):
    console, engine = office
    http, csrf, _ = log_in(console)
    form = http.get(console.url + "/alerts", timeout=20).text
    offered = re.findall(r'name="groups" value="([^"]+)"', form)
    assert offered == ["lobby", "plaza"], offered

    refused = http.post(
        console.url + "/alerts",
        data={"csrf": csrf, "text": "Banjir", "level": "warning", "minutes": "15",
              "groups": "rogue"},
        timeout=20, allow_redirects=False,
    )  # fmt: skip
    assert refused.status_code == 400
    # In the page's language (Indonesian by default), not the form's field names.
    assert "Pilih sedikitnya satu grup yang dikenal." in refused.text
    assert "groups:" not in refused.text

    # The screens' alert is listed, but no cancel goes to a group the office does not know.
    assert 'id="alert-dari-shell-rogue"' in form
    assert form.count("cancel-alert") == 0
    cancel = http.post(
        console.url + "/alerts/cancel",
        data={"csrf": csrf, "id": "dari-shell", "group": "rogue"},
        timeout=20, allow_redirects=False,
    )  # fmt: skip
    assert cancel.status_code == 404
    with engine.connect() as connection:
        actions = connection.scalars(select(audit.c.action)).all()
    assert not [a for a in actions if a.startswith("alert")], actions


def test_a_screen_id_with_url_characters_links_to_its_own_page(office):
    console, _ = office
    encoded = "a%2Fb%3Fc%23d"
    assert path_segment(ODD) == encoded

    # Through the login: the page asked for is the page reached.
    first = requests.get(console.url + f"/screen/{encoded}", timeout=20, allow_redirects=False)
    assert first.status_code == 303
    next_path = dict(
        pair.split("=", 1) for pair in urlsplit(first.headers["location"]).query.split("&")
    )["next"]
    http, csrf, landed = log_in(console, unquote(next_path))
    assert urlsplit(landed).path == f"/screen/{encoded}", landed

    fleet = http.get(console.url + "/", timeout=20).text
    links = re.findall(r'(?:href|src)="(/screen/[^"]*)"', fleet)
    assert {urlsplit(link).path for link in links} == {
        "/screen/layar-1",
        f"/screen/{encoded}",
        f"/screen/{encoded}/latest.jpg",
    }, links
    page = http.get(console.url + f"/screen/{encoded}", timeout=20)
    assert page.status_code == 200 and ODD in page.text
    image = next(link for link in links if "/latest.jpg" in link)
    answer = http.get(console.url + image, timeout=20)
    assert (answer.status_code, answer.headers["content-type"]) == (200, "image/jpeg")

    commands = re.findall(r'href="(/screen/[^"]*/command/[^"]*)"', page.text)
    assert commands and all(c.startswith(f"/screen/{encoded}/command/") for c in commands)
    confirm = http.get(console.url + commands[0], timeout=20).text
    action = re.search(r'action="(/screen/[^"]+)"', confirm).group(1)
    assert action == commands[0]
    sent = http.post(console.url + action, data={"csrf": csrf}, timeout=20, allow_redirects=False)
    # No broker in this office: the command fails, and the answer leads back to this screen.
    assert sent.status_code == 303
    assert sent.headers["location"] == f"/screen/{encoded}?notice=failed"


def test_every_data_value_in_a_link_is_encoded():
    """A value in an href, src or action goes through `path_segment` or `urlencode`; `here`
    is the one exception, built encoded by `web.render`."""
    unencoded = []
    for template in sorted(Path(TEMPLATES).glob("*.html")):
        text = template.read_text(encoding="utf-8")
        for attribute in re.findall(r'(?:href|src|action)="([^"]*)"', text):
            for found in re.findall(r"{{(.*?)}}", attribute):
                value = found.strip()
                if value != "here" and not value.endswith(("|path_segment", "|urlencode")):
                    unencoded.append(f"{template.name}: {value}")
    assert unencoded == []


def test_the_proof_of_play_filter_offers_the_office_s_groups_only(office):
    console, _ = office
    http, _, _ = log_in(console)
    page = http.get(console.url + "/plays", timeout=20)
    assert page.status_code == 200, page.text[-1500:]
    select_tag = re.search(r'<select name="group".*?</select>', page.text, re.S).group(0)
    offered = re.findall(r'<option value="([^"]*)"', select_tag)
    assert offered == ["", "lobby", "plaza"]  # "" is every group; "rogue" is only a claim
