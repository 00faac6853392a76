"""Each item type appears where display.region, rotation and fit put it (real pixels)."""

import datetime as dt
import time
from dataclasses import replace

import numpy as np
from PIL import Image

from player.config.model import Region
from player.events import ManifestActivated
from tests.fixtures.media import make_h264
from tests.render.helpers import (
    Harness,
    bbox,
    capture_series,
    capture_when,
    make_config,
    mask_of,
    publish,
    read_frame_log,
)

RED, BLUE, GREEN, BLACK, WHITE = (255, 0, 0), (0, 0, 255), (0, 80, 0), (0, 0, 0), (255, 255, 255)


def _split_image(path, size=(160, 90)):
    """Left half red, right half blue: shows which way the picture was turned."""
    image = Image.new("RGB", size, BLUE)
    image.paste(RED, (0, 0, size[0] // 2, size[1]))
    image.save(path)
    return path


def _run(tmp_path, items, extra=None, **display):
    manifest, media = publish(tmp_path, items, extra)
    harness = Harness(make_config(tmp_path, **display), media)
    harness.inbox.put(ManifestActivated(manifest))
    return harness


def test_image_in_a_rotated_region_lands_in_the_expected_rectangle(tmp_path):
    picture = _split_image(tmp_path / "split.png")
    harness = _run(
        tmp_path,
        [{"id": "poster", "type": "image", "file": str(picture), "duration": 5}],
        size=(320, 180), region=Region(40, 20, 120, 150), rotation=90, fit="contain",
        background=GREEN,
    )  # fmt: skip
    px = capture_when(harness, "poster")
    # Content is 150x120 (viewer's view); the 16:9 picture is 150x84 at y=18. Turned
    # clockwise into the 120x150 region at (40, 20): picture columns x 58..142, its
    # left (red) half on top, right (blue) half below.
    assert mask_of(px[58:142, 20:93], RED, 8).all()
    assert mask_of(px[58:142, 97:170], BLUE, 8).all()
    assert mask_of(px[40:58, 20:170], GREEN).all() and mask_of(px[142:160, 20:170], GREEN).all()
    outside = np.ones(px.shape[:2], bool)
    outside[40:160, 20:170] = False
    assert mask_of(px, BLACK)[outside].all()
    assert bbox(~mask_of(px, BLACK)) == (40, 20, 160, 170)


def test_image_fit_cover_and_stretch_fill_the_region(tmp_path):
    picture = _split_image(tmp_path / "split.png", size=(100, 100))
    for fit in ("cover", "stretch"):
        harness = _run(
            tmp_path / fit,
            [{"id": "p", "type": "image", "file": str(picture), "duration": 5, "fit": fit}],
            size=(320, 180), region=Region(10, 10, 200, 100), background=GREEN,
        )  # fmt: skip
        px = capture_when(harness, "p")
        assert bbox(~mask_of(px, BLACK)) == (10, 10, 210, 110)
        assert not mask_of(px[10:210, 10:110], GREEN).any()  # no letterbox bars
        red = bbox(mask_of(px, RED, 8))
        assert red[0] == 10 and red[1] == 10 and red[3] == 110
        assert abs(red[2] - 110) <= 2  # the seam sits in the middle of the region


def test_video_in_a_region_turned_180_with_contain(tmp_path):
    clip = make_h264(tmp_path / "sq.mp4", seconds=2, size=(160, 160), color=BLUE, moving_bar=False)
    harness = _run(
        tmp_path,
        [{"id": "clip", "type": "video", "file": str(clip)}],
        size=(320, 180), region=Region(20, 10, 200, 100), rotation=180, fit="contain",
        background=GREEN,
    )  # fmt: skip
    px = capture_when(harness, "clip", after=0.2)
    blue = mask_of(px, BLUE, 16)
    assert bbox(blue) == (70, 10, 170, 110)
    assert blue[70:170, 10:110].all()
    assert mask_of(px[20:70, 10:110], GREEN).all() and mask_of(px[170:220, 10:110], GREEN).all()


def test_text_is_drawn_large_inside_its_region(tmp_path):
    harness = _run(
        tmp_path,
        [{"id": "t", "type": "text", "text": "Jalan ditutup sementara", "duration": 5,
          "style": {"color": "#ffffff", "background": "#0000ff"}}],
        size=(320, 180), region=Region(20, 20, 200, 120),
    )  # fmt: skip
    px = capture_when(harness, "t")
    assert bbox(~mask_of(px, BLACK)) == (20, 20, 220, 140)
    ink = mask_of(px, WHITE, 60)
    x0, y0, x1, y1 = bbox(ink)
    assert x0 >= 20 and x1 <= 220 and y0 >= 20 and y1 <= 140
    assert x1 - x0 > 120  # auto-sized: the text uses most of the width
    assert abs((x0 + x1) / 2 - 120) < 12 and abs((y0 + y1) / 2 - 80) < 12  # centred


def test_clock_shows_the_time_in_the_player_timezone(tmp_path):
    start = dt.datetime(2024, 6, 3, 1, 2, 30, tzinfo=dt.UTC).timestamp()
    t0 = time.monotonic()
    manifest, media = publish(
        tmp_path,
        [{"id": "c", "type": "clock", "duration": 5,
          "style": {"format": "%H:%M", "color": "#ffffff", "background": "#000000"}}],
    )  # fmt: skip
    config = make_config(tmp_path)
    config = replace(config, player=replace(config.player, timezone="Asia/Jakarta"))
    harness = Harness(
        config, media, clock=lambda: start + time.monotonic() - t0, frame_log=tmp_path / "f.log"
    )
    harness.inbox.put(ManifestActivated(manifest))
    px = capture_when(harness, "c")
    assert harness.status.get("render")["item"] == "c"
    assert mask_of(px, WHITE, 60).sum() > 500
    # 01:02 UTC is 08:02 in Jakarta; the frame log names the text each frame showed.
    shown = [row["content"] for row in read_frame_log(tmp_path / "f.log")]
    assert shown[-1] == "item:c@08:02"


def test_ticker_bar_scrolls_over_an_image(tmp_path):
    harness = _run(
        tmp_path,
        [{"id": "img", "type": "image", "color": list(RED), "duration": 5, "fit": "stretch"}],
        extra={"ticker": {"lines": ["Banjir di jalan utama", "Vaksinasi gratis"],
                          "speed": 300, "height": 0.2, "background": "#000080"}},
        size=(320, 180),
    )  # fmt: skip
    first, second = capture_series(harness, "img", [0.1, 0.4])
    bar = (slice(0, 320), slice(144, 180))
    assert mask_of(first[0:320, 0:144], RED).all() and mask_of(second[0:320, 0:144], RED).all()
    assert not (first[bar] == second[bar]).all()  # the headlines moved
    assert mask_of(first[bar], (0, 0, 128)).mean() > 0.3  # bar background around the text
    assert (~mask_of(second[bar], (0, 0, 128), 40)).any()  # and text on it


def test_ticker_item_scrolls_in_the_main_zone(tmp_path):
    harness = _run(
        tmp_path,
        [{"id": "news", "type": "ticker", "text": "Satu\nDua\nTiga", "duration": 5,
          "style": {"background": "#000000", "color": "#ffff00"}}],
    )  # fmt: skip
    first, second = capture_series(harness, "news", [0.5, 0.8])
    yellow1, yellow2 = mask_of(first, (255, 255, 0), 80), mask_of(second, (255, 255, 0), 80)
    assert yellow1.any() and yellow2.any() and not (yellow1 == yellow2).all()
    _, y0, _, y1 = bbox(yellow1 | yellow2)
    assert y0 > 50 and y1 < 130  # in the band across the middle


def test_clock_overlay_sits_in_its_corner(tmp_path):
    harness = _run(
        tmp_path,
        [{"id": "img", "type": "image", "color": list(RED), "duration": 5, "fit": "stretch"}],
        extra={"clock": {"position": "top-left", "format": "%H:%M", "size": 0.15}},
        size=(320, 180),
    )  # fmt: skip
    px = capture_when(harness, "img")
    not_red = ~mask_of(px, RED)
    x0, y0, x1, y1 = bbox(not_red)
    assert x0 < 20 and y0 < 20 and x1 < 160 and y1 < 60


def test_the_clock_box_shows_whole_over_a_letterbox_bar(tmp_path):
    # A narrower picture in a 320x180 screen leaves black bars; the top-right clock box
    # straddles the picture's right edge and the bar beside it.
    harness = _run(
        tmp_path,
        [{"id": "img", "type": "image", "color": list(RED), "size": [220, 180], "duration": 5}],
        extra={"clock": {"position": "top-right", "format": "%H:%M", "size": 0.2}},
        size=(320, 180),
    )  # fmt: skip
    px = capture_when(harness, "img")  # (x, y, 3)
    zones = harness.loop.scene.zones
    box, main = zones.clock, zones.main
    assert main.x <= box.x and box.right <= main.right and main.y <= box.y
    assert box.bottom <= main.bottom
    picture_right = int(np.nonzero(mask_of(px, RED, 40)[:, 100])[0].max()) + 1
    assert box.x < picture_right < box.right  # the box really straddles the edge
    assert px[picture_right + 2 :, box.bottom + 4 :].max() < 10  # the bar below: plain black
    # Over the bar the box's edge is still drawn on all sides: a reader sees one whole box.
    right_edge = px[box.right - 1, box.y + 3 : box.bottom - 3]
    top_over_bar = px[picture_right + 2 : box.right - 2, box.y]
    assert (right_edge.max(axis=1) > 40).all(), "the box's right edge is missing"
    assert (top_over_bar.max(axis=1) > 40).all(), "the box's top edge stops at the picture"


def test_a_text_item_without_a_background_takes_the_house_look(tmp_path):
    panel, band = (0, 28, 56), (0, 82, 160)  # the prayer board's panel, the information blue
    harness = _run(
        tmp_path / "house",
        [{"id": "t", "type": "text", "text": "Jalan ditutup sementara", "duration": 5}],
        size=(320, 180), region=Region(20, 20, 200, 120),
    )  # fmt: skip
    px = capture_when(harness, "t")
    region = px[20:220, 20:140]
    assert mask_of(region, panel, 8).mean() > 0.5  # a dark blue panel, not black
    assert mask_of(region[:, -3:], band, 8).all()  # a band along the foot
    assert not mask_of(region[:, :-6], band, 8).any()  # and only there
    ink = mask_of(region, WHITE, 60)
    assert ink.any() and bbox(ink)[3] <= 120 - 5  # white type clear of the band
    # An explicit style wins: the plain slide on the background it names, no band.
    harness = _run(
        tmp_path / "plain",
        [{"id": "t", "type": "text", "text": "Jalan ditutup sementara", "duration": 5,
          "style": {"background": "#000000"}}],
        size=(320, 180), region=Region(20, 20, 200, 120),
    )  # fmt: skip
    px = capture_when(harness, "t")
    assert not mask_of(px, panel, 8).any() and not mask_of(px, band, 8).any()
    assert mask_of(px[20:220, 20:140], WHITE, 60).any()
