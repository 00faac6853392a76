"""A campaign end to end: played by headless screens, collected, reported as they played it.

The screens play with the broker up and no collector, so every play stays in their own
proof-of-play store; stopped, those stores are the screens' own account. Started again
with the display off (operating hours: never), they play nothing more and hand the
backlog to the collector. The export, the PDF and its fingerprint must then say what the
stores said, play for play.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sqlite3
import subprocess
from pathlib import Path

from tests.fixtures.collector import CollectorProcess, Screen, wait_until
from tests.fixtures.content import publish_tree, write_key
from tests.fixtures.media import make_image
from tests.fixtures.nginx import Nginx
from tests.fixtures.player import videotron

SPOT = "spot-1s"  # the campaign's creative
PLAYS = 3  # of the creative on each screen before they stop
FILLER = {"id": "filler", "type": "image", "color": [0, 90, 0], "size": [32, 18], "duration": 1}


def campaign(media: Path) -> dict:
    """One play due every 3 s: the spot comes back after every filler or two."""
    make_image(media / "spot.png", size=(32, 18), color=(200, 0, 0))
    return {
        "id": "imunisasi",
        "partner": "Dinas Kesehatan",
        "goal": {"plays_per_day": 28800},
        "items": [{"id": SPOT, "type": "image", "file": str(media / "spot.png"), "duration": 1}],
    }


def own_plays(screen: Screen) -> list[dict]:
    """The plays in the screen's own store (all of them: none was ever acknowledged)."""
    db = sqlite3.connect(f"file:{screen.cache / 'pop.sqlite3'}?mode=ro", uri=True)
    try:
        rows = db.execute("SELECT id, record FROM plays ORDER BY id").fetchall()
        dropped = db.execute("SELECT value FROM meta WHERE key = 'dropped'").fetchone()
    finally:
        db.close()
    assert dropped in (None, ("0",)), f"{screen.id} dropped plays: {dropped}"
    return [{"id": row_id, **json.loads(text)} for row_id, text in rows]


def spots_so_far(screen: Screen) -> int:
    """Plays of the spot in the store of a running screen (none while it is being made)."""
    try:
        return len(spots(own_plays(screen)))
    except sqlite3.OperationalError:
        return 0


def running(screen: Screen) -> bool:
    """True, or the test fails with the log of a screen that exited."""
    code = screen.proc.poll()
    assert code is None, f"{screen.id} exited ({code}): {screen.logs.read_text()[-2000:]}"
    return True


def spots(plays: list[dict]) -> list[dict]:
    return [play for play in plays if play["item_id"] == SPOT]


def test_the_export_and_the_pdf_count_the_plays_the_screens_recorded(mosquitto, tmp_path):
    key_path, public_key = write_key(tmp_path / "keys" / "publisher.key")
    site = tmp_path / "www"
    publish_tree(site, [FILLER], key_path, extra={"campaigns": [campaign(tmp_path / "media")]})
    web = Nginx(tmp_path / "nginx", site)
    web.start()
    office = tmp_path / "office"
    collector = CollectorProcess(
        office, mosquitto.url, f"sqlite:///{office / 'central.sqlite3'}",
        extra=f"publish:\n  key: {key_path}\n  groups: {{test: {site}}}\n",
    )  # fmt: skip
    screens = [
        Screen(
            tmp_path / f"screen-{n}",
            f"screen-{n}",
            f"{web.url}/manifest.json",
            public_key,
            mosquitto.url,
        )
        for n in (1, 2)
    ]
    for screen in screens:  # small and slow: the picture is not what is tested
        text = screen.config.read_text().replace("size: 320x180", "size: 160x90")
        screen.config.write_text(text.replace("fps: 10", "fps: 5"))
    own: dict[str, list[dict]] = {}
    try:
        for screen in screens:
            screen.start()
        for screen in screens:
            wait_until(
                lambda s=screen: running(s) and spots_so_far(s) >= PLAYS,
                60,
                f"{screen.id} playing {SPOT} {PLAYS} times",
            )
        for screen in screens:
            assert screen.stop() == 0, screen.logs.read_text()[-2000:]
            own[screen.id] = own_plays(screen)
        # The screens' own account: the spot among the filler, a campaign's (no playlist).
        for screen in screens:
            played = [play["item_id"] for play in own[screen.id]]
            assert set(played) == {"filler", SPOT}, played
            assert len(spots(own[screen.id])) >= PLAYS
            assert all(play["playlist"] is None for play in spots(own[screen.id]))

        collector.start()
        for screen in screens:  # the display off all day: nothing more plays, the backlog goes
            with screen.config.open("a") as config:
                config.write("operating_hours:\n  default: off\n")
            screen.start()
        for screen in screens:
            wait_until(
                lambda s=screen: running(s) and not own_plays(s),
                60,
                f"the collector acknowledging every play of {screen.id}",
            )
        for screen in screens:
            assert screen.stop() == 0, screen.logs.read_text()[-2000:]
            store, pending, last = screen.store()
            assert not pending and last == own[screen.id][-1]["id"], "a play with the display off"
            # the collector holds each of the screen's plays once
            assert sorted(collector.record_ids(screen.id, store)) == [
                play["id"] for play in own[screen.id]
            ]
    finally:
        for screen in screens:
            if screen.proc is not None and screen.proc.poll() is None:
                screen.stop()
        collector.close()
        web.stop()

    today = dt.datetime.now(dt.UTC).date()  # and yesterday: the test may cross midnight
    period = ["--config", str(collector.config), "report", "campaign", "--id", "imunisasi",
              "--from", str(today - dt.timedelta(days=1)), "--to", str(today),
              "--tz", "UTC"]  # fmt: skip
    document = json.loads(videotron(*period, "--export", "json").stdout)
    for screen in screens:
        exported = [p for p in document["plays"] if p["screen"] == screen.id]
        assert {p["creative"] for p in exported} == {SPOT}
        expected = spots(own[screen.id])
        assert [int(p["play_id"].rsplit(":", 1)[1]) for p in exported] == [
            play["id"] for play in expected
        ]
        # to the second: the buyers' shape has no fractions
        assert [p["start"] for p in exported] == [
            play["started_at"][:19] + "Z" for play in expected
        ]

    report = tmp_path / "imunisasi.pdf"
    made = videotron(*period, "--pdf", str(report), "--lang", "en").stdout
    digest = made.split("sha256 ")[1].strip()
    total = sum(len(spots(plays)) for plays in own.values())
    assert f"{total} plays" in made
    text = subprocess.run(
        ["pdftotext", "-layout", str(report), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert re.search(rf"\b{total} of \d+ planned plays", text), text
    for screen in screens:  # a row per day: day, screen, planned, played
        rows = re.findall(rf"\d{{4}}-\d\d-\d\d\s+{screen.id}\s+(\d+)\s+(\d+)", text)
        assert len(rows) == 2, text
        assert sum(int(played) for _planned, played in rows) == len(spots(own[screen.id])), text
    assert digest in text.replace("\n", "")
    verified = videotron(
        "--config", str(collector.config), "report", "campaign", "--verify", str(report)
    )
    assert f"matches the records ({total} plays" in verified.stdout
