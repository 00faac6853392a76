"""The playlist editor's priorities, ticker and clock, and the headlines page, through a real
console: edited in the page, shown to the approver as a diff, published signed; headlines
approved and rejected per feed, audited, republished to the groups whose ticker shows them."""

from __future__ import annotations

import hashlib
import json
import re

import pytest

from central import feeds
from central.db.audit import recent_audit
from central.db.database import open_engine
from tests.central.console.test_library import PASSWORDS, ROLES, login, png, upload
from tests.central.test_feeds import serving
from tests.fixtures.collector import wait_until
from tests.fixtures.console import ConsoleProcess
from tests.fixtures.content import write_key

RSS = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>
<item><title>Banjir surut di Kampung Melayu</title><guid>1</guid></item>
<item><title>Harga cabai naik</title><guid>2</guid></item>
<item><title>Jalan Sudirman ditutup</title><guid>3</guid></item>
</channel></rss>"""


@pytest.fixture
def console(tmp_path):
    with serving({"/rss": RSS}) as base:
        yield from _console(tmp_path, f"{base}/rss")


def _console(tmp_path, feed: str, console_settings: str = ""):
    write_key(tmp_path / "keys" / "publisher.key")
    database = f"sqlite:///{tmp_path / 'c.sqlite3'}"
    console = ConsoleProcess(
        tmp_path / "console",
        f"collector:\n  database: {database}\n"
        f"publish:\n  key: {tmp_path / 'keys' / 'publisher.key'}\n"
        f"  groups:\n    A: {tmp_path / 'site' / 'A'}\n"
        f"console:\n  library: {tmp_path / 'library'}\n  feeds:\n    - url: {feed}\n"
        + console_settings,
    )
    for name, role in ROLES.items():
        console.add_user(name, role, PASSWORDS[name], groups="A" if role == "contributor" else None)
    console.start()
    console.feed = feed
    console.site, console.library, console.database = (
        tmp_path / "site",
        tmp_path / "library",
        database,
    )
    try:
        yield console
    finally:
        console.stop()


def edit_and_submit(console, http, csrf, sha: str) -> str:
    """Add the image at priority 2, type two ticker lines, choose the feed, show the clock."""
    editor = console.url + "/library/playlists/A"
    page = http.post(editor, data={"csrf": csrf, "action": "add", "add_media": sha}, timeout=20)
    assert 'id="ticker"' in page.text and f'value="{console.feed}"' in page.text, page.text[-2000:]
    fields = re.findall(r'name="(\w+_0)" value="([^"]*)"', page.text)
    form = {name: value for name, value in fields if not name.startswith(("remove_", "days_"))}
    form.update(csrf=csrf, action="submit", priority_0="2", days_0=["mon", "tue"],
                ticker_lines="Awas banjir di Jalan Sudirman\n\n  Vaksin   gratis hari Sabtu ",
                ticker_feeds=console.feed, ticker_position="top", clock_on="1",
                clock_position="bottom-left", clock_format="%H.%M")  # fmt: skip
    page = http.post(editor, data=form, timeout=60)
    assert "/library/submissions/" in page.url, page.text[-2000:]
    return page


def test_priority_ticker_and_clock_are_edited_shown_as_a_diff_and_published_signed(console):
    kontri, kcsrf = login(console, "kontri")
    data = png(color=(0, 200, 0))
    upload(console, kontri, kcsrf, "hijau.png", data)
    page = edit_and_submit(console, kontri, kcsrf, hashlib.sha256(data).hexdigest())
    # Indonesian first: the approver reads what changes in words.
    for words in ("teks berjalan mulai tampil", "baris teks berjalan berubah",
                  "umpan berita berubah", "jam mulai tampil"):  # fmt: skip
        assert words in page.text, words
    lines = re.search(r'<ul id="ticker-lines">(.*?)</ul>', page.text).group(1)
    assert lines == "<li>Awas banjir di Jalan Sudirman</li><li>Vaksin gratis hari Sabtu</li>"
    number = page.url.rsplit("/", 1)[1]

    ana, acsrf = login(console, "ana")
    approved = ana.post(console.url + f"/library/submissions/{number}/approve",
                        data={"csrf": acsrf}, timeout=60)  # fmt: skip
    assert 'data-state="approved"' in approved.text, approved.text[-1500:]
    manifest = json.loads((console.site / "A" / "manifest.json").read_bytes())
    ticker = manifest["layout"]["ticker"]
    assert ticker["lines"] == ["Awas banjir di Jalan Sudirman", "Vaksin gratis hari Sabtu"]
    assert ticker["approval"]["approver"] == "ana" and ticker["position"] == "top"
    assert "headlines" not in ticker  # none approved yet
    assert manifest["layout"]["clock"] == {"position": "bottom-left", "format": "%H.%M"}
    assert [(p["name"], p.get("priority")) for p in manifest["playlists"]] == [("priority-2", 2)]
    # The editor starts from what was approved.
    again = kontri.get(console.url + "/library/playlists/A", timeout=20).text
    assert 'name="priority_0" value="2"' in again and 'id="clock-on" checked' in again
    assert "Awas banjir di Jalan Sudirman\nVaksin gratis hari Sabtu</textarea>" in again

    # Headlines: fetched from the feed's server, vetted by the approver on the page.
    assert kontri.get(console.url + "/headlines", timeout=20).status_code == 403
    listing = ana.post(console.url + "/headlines/fetch", data={"csrf": acsrf}, timeout=60).text
    assert 'data-notice="fetched"' in listing and 'id="failed"' not in listing, listing[-1500:]
    entries = feeds.parse_entries(RSS, console.feed)
    assert all(entry.text in listing for entry in entries)
    assert 'data-groups="A"' in listing and "pada penerbitan berikutnya" in listing
    decide = console.url + "/headlines/decide"
    chosen = {"csrf": acsrf, "feed": console.feed, "decision": "reject", "id": entries[1].id}
    rejected = ana.post(decide, timeout=20, data=chosen)
    assert 'data-notice="rejected"' in rejected.text and entries[1].text not in rejected.text
    approved = ana.post(decide, timeout=20, data={
        "csrf": acsrf, "feed": console.feed, "decision": "approve", "all": "1"})  # fmt: skip
    assert "Judul disetujui: 2." in approved.text, approved.text[-1500:]
    published = ana.post(console.url + "/headlines/publish", timeout=60,
                         data={"csrf": acsrf, "group": "A"})  # fmt: skip
    assert 'data-notice="published"' in published.text, published.text[-1500:]
    manifest = json.loads((console.site / "A" / "manifest.json").read_bytes())
    shown = [h["text"] for h in manifest["layout"]["ticker"]["headlines"]]
    assert sorted(shown) == sorted([entries[0].text, entries[2].text])
    engine = open_engine(console.database)
    try:
        with engine.connect() as connection:
            audit = recent_audit(connection, 20, actions=["headlines-approved",
                                                          "headlines-rejected",
                                                          "headlines-fetched"])  # fmt: skip
    finally:
        engine.dispose()
    assert [(row["action"], row["actor"], row["detail"].get("count")) for row in audit] == [
        ("headlines-approved", "ana", 2), ("headlines-rejected", "ana", 1),
        ("headlines-fetched", "ana", None)]  # fmt: skip


def test_the_console_fetches_its_feeds_by_itself_and_shows_a_failed_fetch(tmp_path):
    documents = {"/rss": RSS}
    with serving(documents) as base:
        for console in _console(tmp_path, f"{base}/rss", "  feeds_every: 1s\n"):
            ana, _ = login(console, "ana")

            def page(http=ana, url=console.url + "/headlines") -> str:
                return http.get(url, timeout=20).text

            wait_until(lambda: "Banjir surut di Kampung Melayu" in page(), 30, "the first fetch")
            fresh = b"<item><title>Pasar murah di alun-alun</title><guid>4</guid></item>"
            documents["/rss"] = RSS.replace(b"</channel>", fresh + b"</channel>")
            wait_until(lambda: "Pasar murah di alun-alun" in page(), 30, "a later fetch")
            assert "terakhir berhasil diambil" in page() and "feed-failed" not in page()
            del documents["/rss"]  # the feed's server answers 404 from now on
            wait_until(lambda: "feed-failed" in page(), 30, "a failed fetch shown")
            shown = page()
            assert "404" in shown and "terakhir berhasil diambil" in shown, shown[-2000:]
            assert "Pasar murah di alun-alun" in shown  # a dead feed keeps its headlines
