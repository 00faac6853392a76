"""Preview frames: the player's renderer in a child process, at the group's display, kept."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import shutil
from pathlib import Path

from PIL import Image

from central.content import frames
from central.content.playlist import new_item
from tests.fixtures.media import make_h264, make_image

RED, BLUE = (220, 0, 0), (0, 0, 200)
NOW = dt.datetime(2026, 12, 7, 8, 0, tzinfo=dt.UTC)


def near(a, b, tolerance=30) -> bool:
    return all(abs(x - y) <= tolerance for x, y in zip(a, b, strict=False))


def add(library: Path, source: Path, kind: str) -> dict:
    sha = hashlib.sha256(source.read_bytes()).hexdigest()
    shutil.copyfile(source, library / sha)
    return new_item({"sha256": sha, "name": source.name, "type": kind}, 0)


def test_group_display_is_what_most_of_its_screens_report_else_the_default():
    portrait = ((1920, 1080), None, 90)
    screens = [
        {"group": "A", "display": portrait},
        {"group": "A", "display": ((1280, 720), (0, 0, 640, 360), 0)},
        {"group": "A", "display": portrait},
        {"group": "A", "display": None},  # an old player that reports none
        {"group": "B", "display": ((640, 360), None, 0)},
    ]
    shown = frames.group_display(screens, "A")
    assert (shown.output, shown.region, shown.rotation, shown.screens) == (
        (1920, 1080), None, 90, 2)  # fmt: skip
    assert shown.content == (1080, 1920)
    assert frames.Display((1280, 720), (0, 0, 640, 360), 270).content == (360, 640)
    assumed = frames.group_display(screens, "C")
    assert (assumed.output, assumed.screens) == (frames.DEFAULT_OUTPUT, 0)


def test_items_are_drawn_by_the_player_at_the_display_kept_and_a_bad_file_costs_its_frame(
    tmp_path,
):
    library = tmp_path / "library"
    library.mkdir()
    image = add(library, make_image(tmp_path / "merah.png", size=(320, 180), color=RED), "image")
    video = add(library, make_h264(tmp_path / "biru.mp4", seconds=0.4, color=BLUE,
                                   moving_bar=False), "video")  # fmt: skip
    fake = tmp_path / "palsu.jpg"
    fake.write_bytes(b"\xff\xd8\xff\xe0 not a picture at all" * 10)
    broken = add(library, fake, "image")
    items = [image, video, broken]
    renderer = frames.FrameRenderer(library, "Asia/Jakarta", timeout=60)
    portrait = frames.Display((320, 180), None, 90, screens=1)

    drawn = asyncio.run(renderer.frames("A", items, portrait, NOW))
    assert [f.item_id for f in drawn] == [i["id"] for i in items]
    assert "cannot decode image" in drawn[2].error  # the player's own reason
    assert str(library) not in drawn[2].error
    for frame, color in zip(drawn[:2], (RED, BLUE), strict=True):
        assert frame.error is None, frame.error
        with Image.open(renderer.path(frame.key)) as png:
            assert png.size == (180, 320)  # upright, as the wall's viewers see it
            assert near(png.convert("RGB").getpixel((90, 160)), color)

    # Kept: a second look draws nothing (a renderer that may take no time would fail).
    renderer.timeout = 0
    again = asyncio.run(renderer.frames("A", items, portrait, NOW))
    assert again == drawn
    # Another display is another frame.
    landscape = frames.Display((320, 180))
    assert (
        frames.frame_key(
            {"type": "image", "media": image["media"], "duration": 10.0}, None, landscape
        )
        != drawn[0].key
    )
    assert renderer.path("../" + drawn[0].key) is None


def test_the_preview_manifest_carries_the_typed_ticker_lines_and_clock_but_no_feed():
    item = new_item({"sha256": "a" * 64, "name": "a.png", "type": "image"}, 0)
    layout = {"ticker": {"lines": ["Awas banjir"], "feeds": ["https://x.example/rss"],
                         "position": "top", "approval": {"approver": "ana", "approved_at": "t"}},
              "clock": {"on": True, "position": "top-left", "format": "%H:%M"}}  # fmt: skip
    manifest = frames.wire_manifest("A", [item], {"a" * 64: 10}, NOW, layout)
    assert manifest["layout"] == {
        "ticker": {"lines": ["Awas banjir"], "position": "top"},
        "clock": {"position": "top-left", "format": "%H:%M"},
    }
    assert "layout" not in frames.wire_manifest("A", [item], {"a" * 64: 10}, NOW)
