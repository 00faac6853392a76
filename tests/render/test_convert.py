"""Video frames reach the screen with the right pixels, converted into the memory shown."""

from __future__ import annotations

import weakref

import numpy as np
import pygame
import pytest

from player.config.model import Region
from player.events import ManifestActivated
from player.render.convert import XRGB_MASKS, FrameConverter, SurfacePool
from player.render.layout import Rect
from player.render.video import PyAVSource
from tests.render.helpers import (
    BLUE,
    GREEN,
    RED,
    TOL,
    WHITE,
    Harness,
    close,
    first_frame,
    frame_rgb,
    make_config,
    make_quadrants,
    mask_of,
    publish,
    quadrant_colors,
    showing_id,
)

GREY = (90, 90, 90)
RGB0_MASKS = (0xFF, 0xFF00, 0xFF0000, 0)


@pytest.mark.parametrize(
    ("size", "depth", "masks"),
    [
        ((320, 180), 32, XRGB_MASKS),  # straight into the surface: a whole number of blocks
        ((320, 180), 32, RGB0_MASKS),  # the other byte order a display may have
        ((200, 120), 32, XRGB_MASKS),  # not whole blocks: through a padded scratch surface
        ((320, 180), 24, None),  # a layout FFmpeg does not write: converted by SDL's blit
    ],
)
def test_a_frame_lands_in_its_box_with_its_colours_and_nothing_around_it_changes(
    tmp_path, size, depth, masks
):
    clip = make_quadrants(tmp_path / "q.mp4", size)
    width, height = size
    screen = pygame.Surface((width + 80, height + 40), 0, depth, *([masks] if masks else []))
    screen.fill(GREY)
    converter = FrameConverter()
    try:
        converter.draw(
            first_frame(clip), screen.subsurface((40, 20, width, height)), size, Rect(0, 0, *size)
        )
    finally:
        converter.close()
    px = pygame.surfarray.array3d(screen)
    assert close(quadrant_colors(px, (40, 20, width, height)), [RED, GREEN, BLUE, WHITE])
    around = np.ones(px.shape[:2], bool)
    around[40 : 40 + width, 20 : 20 + height] = False
    assert mask_of(px, GREY)[around].all(), "pixels outside the frame's box were written"


def test_a_scaled_or_cropped_clip_arrives_converted_at_the_size_shown(tmp_path):
    clip = make_quadrants(tmp_path / "q.mp4", (640, 360))
    # cover: the 16:9 picture scaled to 320x180 and its middle 180x180 shown
    source = PyAVSource(clip, (180, 180), "cover", layout="bgr0")
    source.open()
    try:
        assert source.wait_first_frame(10), source.error
        frame = source.frame_at(0.0)
        assert frame.surface is not None  # converted in the decoder thread
        px = frame_rgb(source, frame).transpose(1, 0, 2)
        assert px.shape[:2] == (180, 180)
        assert close(quadrant_colors(px, (0, 0, 180, 180)), [RED, GREEN, BLUE, WHITE])
        # the seam between left and right quadrants is in the middle of what is shown
        row = px[:, 45]
        reds = np.flatnonzero(mask_of(row[None], RED, TOL)[0])
        assert abs(int(reds.max()) - 89) <= 2
    finally:
        source.close()


def test_a_clip_after_another_of_the_same_size_reuses_its_surfaces(tmp_path):
    pool = SurfacePool()
    seen = []
    for name, size in (("a", (640, 360)), ("b", (640, 360)), ("c", (480, 270))):
        clip = make_quadrants(tmp_path / f"{name}.mp4", size, seconds=0.4)
        source = PyAVSource(clip, (320, 180), layout="bgr0", pool=pool)
        source.open()
        try:
            assert source.wait_first_frame(10), source.error
            frame = source.frame_at(0.0)
            seen.append(frame.surface)
            assert close(quadrant_colors(frame_rgb(source, frame).transpose(1, 0, 2),
                                         (0, 0, 320, 180)), [RED, GREEN, BLUE, WHITE])  # fmt: skip
        finally:
            source.close()
            assert source.join(10)
    # b's frames go into a's surfaces (same size shown); c is shown at that size too.
    assert seen[1] is seen[0] or seen[1] in _ring_of(pool, seen[0])
    assert seen[2] is not None


def _ring_of(pool: SurfacePool, surface) -> tuple:
    for _, ring in pool._free:
        if surface in ring.surfaces:
            return ring.surfaces
    return ()


def _screens_of_each_item(harness: Harness, items: list[str], seconds: float) -> dict:
    """The output 0.2 s into the first showing of each item in `items` (one loop run)."""
    grabbed: dict[str, np.ndarray] = {}

    def probe(loop) -> bool:
        shown = showing_id(loop)
        due = shown in items and shown not in grabbed
        if due and loop.clock() - loop.switcher.showing.shown_at >= 0.2:
            grabbed[shown] = pygame.surfarray.array3d(loop.output.screen)
        return len(grabbed) == len(items)

    harness.run(seconds, probe)
    assert set(grabbed) == set(items), f"only {sorted(grabbed)} shown"
    return grabbed


def test_clips_of_other_sizes_after_one_another_each_fill_the_screen_right(tmp_path):
    big = make_quadrants(tmp_path / "big.mp4", (320, 180))  # shown as decoded
    small = make_quadrants(tmp_path / "small.mp4", (160, 90))  # scaled up
    wide = make_quadrants(tmp_path / "wide.mp4", (640, 360))  # scaled down
    manifest, media = publish(
        tmp_path,
        [{"id": "big", "type": "video", "file": str(big)},
         {"id": "small", "type": "video", "file": str(small)},
         {"id": "wide", "type": "video", "file": str(wide)}],
    )  # fmt: skip
    harness = Harness(make_config(tmp_path, size=(320, 180)), media)
    harness.inbox.put(ManifestActivated(manifest))
    screens = _screens_of_each_item(harness, ["big", "small", "wide"], 15)
    for name, px in screens.items():
        assert close(quadrant_colors(px, (0, 0, 320, 180)), [RED, GREEN, BLUE, WHITE]), name


def test_a_clip_on_a_screen_turned_180_is_upside_down_on_the_output(tmp_path):
    clip = make_quadrants(tmp_path / "q.mp4", (256, 144))
    manifest, media = publish(tmp_path, [{"id": "clip", "type": "video", "file": str(clip)}])
    config = make_config(
        tmp_path, size=(320, 180), region=Region(32, 18, 256, 144), rotation=180,
        background=(0, 80, 0),
    )  # fmt: skip
    harness = Harness(config, media)
    harness.inbox.put(ManifestActivated(manifest))
    px = _screens_of_each_item(harness, ["clip"], 10)["clip"]
    # Turned 180: what was bottom right (white) is top left on the output, and so on.
    assert close(quadrant_colors(px, (32, 18, 256, 144)), [WHITE, BLUE, GREEN, RED])
    assert mask_of(px[:32], (0, 0, 0)).all() and mask_of(px[288:], (0, 0, 0)).all()


def test_spare_rings_are_freed_once_no_clip_took_them_for_a_while():
    """After the last video a poster may stay up for an hour: its 40 MB of 1080p frame
    surfaces must not stay with it."""
    now = [100.0]
    pool = SurfacePool(idle=30.0, clock=lambda: now[0])
    old = pool.take((640, 360), "bgr0", 5)
    gone = weakref.ref(old.surfaces[0])
    pool.give(old)
    now[0] += 20.0
    pool.give(pool.take((320, 180), "bgr0", 5))  # another size, given back later
    assert pool.release_idle() == 0 and pool.spare == 2
    now[0] += 15.0  # the first ring has waited 35 s, the second 15 s
    assert pool.release_idle() == 1 and pool.spare == 1
    del old
    assert gone() is None  # nothing else holds the surfaces: their memory is returned
    again = pool.take((320, 180), "bgr0", 5)  # the recent one is still there to reuse
    assert pool.spare == 0 and again.size == (320, 180)
