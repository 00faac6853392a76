"""Long text never stalls the screen: a real headless player, a real mosquitto, the frame log.

The screen plays a ticker item (moving content: the render loop presents every frame,
so the frame log shows any pause). A worst-case alert of the protocol's maximum length
sent with `videotron alert`, and a text slide with one 3,000-character word published
with `videotron publish`, must reach the screen quickly and never pause the loop.

Bounds, and why: the issue asks for "on screen within 1 s, no pause over a frame". On
this project's shared 2-core CI machine a loaded test run adds scheduling delays of a
few hundred milliseconds, so the tests allow APPEAR (1.5 s) and GAP (0.5 s = 10 frame
intervals at 20 fps). The text fitting this replaced laid these texts out on the render
thread in 3-5 s on that machine (19-40 s on a Raspberry Pi), so it fails both by far;
fitting in the worker takes milliseconds.
"""

from __future__ import annotations

import json
import time
from itertools import pairwise
from pathlib import Path

import pytest
from PIL import Image

from player.wire.signing import MAX_ALERT_TEXT
from tests.fixtures.content import publish_tree, write_key
from tests.fixtures.player import PlayerProcess, videotron

GROUP = "kota"
APPEAR = 1.5  # seconds from send (or scheduled start) to the first frame showing it
GAP = 0.5  # longest pause between two presented frames while the text is laid out
FPS = 20
# The worst case for the old fitting: a URL, then unspaced Thai with its marks, emoji
# with combining marks and CJK: no space anywhere, every character a measurement.
WORST = (
    "https://bpbd.example.go.id/peringatan/"
    + "ประกาศเตือนภัยน้ำท่วมฉับพลัน\U0001f30a\u0301\u0308洪水警報" * 40
)[:MAX_ALERT_TEXT]
NEWS = "Pelayanan KTP buka Sabtu\nJalan Sudirman ditutup sementara"


def config(tmp_path: Path, site: Path, public_key: str, broker_url: str | None) -> Path:
    path = tmp_path / "player.yaml"
    mqtt = f"mqtt:\n  url: {broker_url}\n  topic_prefix: vt\n" if broker_url else ""
    path.write_text(
        f"player:\n  id: screen-1\n  group: {GROUP}\n"
        f"source:\n  url: {site}\n  public_key: {public_key}\n  poll_interval: 86400\n"
        f"cache:\n  dir: {tmp_path / 'cache'}\n"
        f"runtime:\n  dir: {tmp_path / 'run'}\n"
        f"display:\n  size: 640x360\n  driver: dummy\n  fps: {FPS}\n" + mqtt,
        encoding="utf-8",
    )
    return path


def frames(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def last_frame_at(path: Path) -> float:
    """The time of the last whole line in the frame log (0 before there is one)."""
    try:
        lines = path.read_text().splitlines()
    except FileNotFoundError:
        return 0.0
    for line in reversed(lines):
        try:
            return json.loads(line)["t"]
        except (ValueError, KeyError):
            continue  # a line the player is still writing
    return 0.0


def longest_pause(rows: list[dict], start: float, end: float) -> float:
    times = [r["t"] for r in rows if start <= r["t"] <= end]
    assert len(times) > 5, f"too few frames between {start} and {end}: {len(times)}"
    return max(b - a for a, b in pairwise(times))


def lit_fraction(png: Path, threshold: int = 100) -> float:
    """Share of the picture's pixels brighter than `threshold` (text on a dark ground)."""
    with Image.open(png) as image:
        grey = image.convert("L")
        histogram = grey.histogram()
        return sum(histogram[threshold:]) / (grey.width * grey.height)


def test_a_worst_case_alert_is_on_screen_at_once_and_the_loop_never_pauses(mosquitto, tmp_path):
    key_path, public_key = write_key(tmp_path / "keys" / "publisher.key")
    site = tmp_path / "site"
    news = {"id": "news", "type": "ticker", "text": NEWS, "duration": 600}
    publish_tree(site, [news], key_path, group=GROUP)
    central = tmp_path / "central.yaml"
    central.write_text(f"mqtt:\n  url: {mosquitto.url}\n  topic_prefix: vt\n", encoding="utf-8")
    log_path = tmp_path / "frames.jsonl"
    player = PlayerProcess(
        config(tmp_path, site, public_key, mosquitto.url),
        tmp_path / "run",
        tmp_path / "player.log",
        "--frame-log",
        str(log_path),
    )
    player.start()
    try:
        player.wait_item("news", 60)
        player.wait_for(
            "MQTT connected", lambda s: s.get("mqtt", {}).get("state") == "connected", 30
        )
        # A second of ticker frames before the alert, to compare with.
        logged_from = time.time()
        player.wait_for(
            "a second of logged frames",
            lambda _: last_frame_at(log_path) >= logged_from + 1.0,
            30,
        )
        before = time.time()
        videotron(
            "--config", str(central), "alert", WORST, "--group", GROUP, "--key", str(key_path),
            "--id", "long-1", "--expires", "10m",
        )  # fmt: skip
        sent = time.time()  # the broker has acknowledged it (on a busy machine the screen
        # may show the alert before the command has even returned)
        player.wait_for("the alert", lambda s: s.get("render", {}).get("alert") == "long-1", 60)
        shot = tmp_path / "alert.png"
        videotron("--config", str(player.config), "screenshot", str(shot), "--timeout", "10")
    finally:
        assert player.stop() == 0
    rows = frames(log_path)
    first_alert = next(r for r in rows if r["kind"] == "alert")
    assert first_alert["t"] - sent < APPEAR, (
        f"the alert took {first_alert['t'] - sent:.2f} s to reach the screen"
    )
    # From a second before the command to the alert's first frame: the layout happened in
    # there. A machine busy enough to stall the loop anyway stalls it in the second before
    # too: the pause is judged against that baseline as well as against GAP.
    pause = longest_pause(rows, before - 1.0, first_alert["t"])
    baseline = longest_pause(rows, logged_from, before)
    assert pause < max(GAP, 2 * baseline), (
        f"the render loop paused {pause:.2f} s while the alert was laid out "
        f"(longest pause before it: {baseline:.2f} s)"
    )
    # Something readable: the emergency red ground with white text on it.
    with Image.open(shot) as image:
        assert image.convert("RGB").getpixel((5, image.height - 5)) == (200, 0, 0)
    assert lit_fraction(shot, threshold=230) > 0.02


@pytest.mark.parametrize(
    "word",
    [
        "https://dinas.example.go.id/" + "a1b2c3" * 500,
        ("ประกาศเตือนภัยน้ำท่วมฉับพลัน" * 120)[:3000],
    ],
    ids=["url", "thai"],
)
def test_a_text_slide_with_one_3000_character_word_plays_on_time(tmp_path, word):
    key_path, public_key = write_key(tmp_path / "keys" / "publisher.key")
    site = tmp_path / "site"
    items = [
        {"id": "news", "type": "ticker", "text": NEWS, "duration": 8},
        {"id": "long", "type": "text", "text": word, "duration": 600},
    ]
    publish_tree(site, items, key_path, group=GROUP)
    log_path = tmp_path / "frames.jsonl"
    player = PlayerProcess(
        config(tmp_path, site, public_key, None),
        tmp_path / "run",
        tmp_path / "player.log",
        "--frame-log",
        str(log_path),
    )
    player.start()
    try:
        player.wait_item("long", 60)
        shot = tmp_path / "long.png"
        videotron("--config", str(player.config), "screenshot", str(shot), "--timeout", "10")
    finally:
        assert player.stop() == 0
    rows = frames(log_path)
    first_long = next(r for r in rows if r["item"] == "long")
    # The slide was laid out while the ticker played (it is prepared 5 s ahead): the
    # ticker never paused, and the slide came on at its boundary.
    preparing = first_long["slot_start"] - 6.0  # PREPARE_AHEAD is 5 s; the start-up is over
    pause = longest_pause(rows, preparing, first_long["t"])
    assert pause < GAP, f"the render loop paused {pause:.2f} s while the slide was laid out"
    assert first_long["t"] - first_long["slot_start"] < APPEAR
    assert lit_fraction(shot) > 0.02  # white text fills the slide (cut with an ellipsis)
