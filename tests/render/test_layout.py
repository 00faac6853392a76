"""Geometry of region, rotation, fit and zones (pure functions)."""

import pytest

from player.config.model import Region
from player.render.layout import Rect, crop_box, fit_rect, geometry, rotate_rect, zones


def test_rotation_maps_corners_clockwise():
    content = (40, 20)  # viewer sees 40x20; the output region is 20x40 for 90/270
    top_left = Rect(0, 0, 1, 1)
    assert rotate_rect(top_left, content, 90) == Rect(19, 0, 1, 1)  # goes to top-right
    assert rotate_rect(top_left, content, 180) == Rect(39, 19, 1, 1)
    assert rotate_rect(top_left, content, 270) == Rect(0, 39, 1, 1)
    band = Rect(0, 0, 40, 5)  # a strip along the top of the content
    assert rotate_rect(band, content, 90) == Rect(15, 0, 5, 40)  # the right edge of the output
    assert rotate_rect(band, content, 270) == Rect(0, 0, 5, 40)


def test_every_rotation_keeps_rects_inside_the_output():
    content = (30, 17)
    for rotation in (0, 90, 180, 270):
        out_w, out_h = content if rotation in (0, 180) else content[::-1]
        for rect in (Rect(0, 0, 30, 17), Rect(3, 4, 5, 6), Rect(29, 16, 1, 1)):
            placed = rotate_rect(rect, content, rotation)
            assert placed.x >= 0 and placed.right <= out_w
            assert placed.y >= 0 and placed.bottom <= out_h
            assert placed.w * placed.h == rect.w * rect.h


def test_fit_contain_letterboxes_and_cover_crops():
    size, where = fit_rect((1920, 1080), (1000, 1000), "contain")
    assert size == (1000, 562) and where == Rect(0, 219, 1000, 562)
    size, where = fit_rect((1920, 1080), (1000, 1000), "cover")
    assert size == (1778, 1000) and where.x < 0 and where.y == 0
    source, target = crop_box(where, (1000, 1000))
    assert target == Rect(0, 0, 1000, 1000) and source.x == -where.x
    assert fit_rect((10, 10), (30, 20), "stretch") == ((30, 20), Rect(0, 0, 30, 20))
    with pytest.raises(ValueError, match="fit"):
        fit_rect((1, 1), (2, 2), "zoom")


def test_geometry_rejects_a_region_outside_the_output():
    with pytest.raises(ValueError, match=r"display\.region.*1920x1080"):
        geometry((1920, 1080), Region(1800, 0, 200, 100), 0)
    with pytest.raises(ValueError, match=r"display\.rotation"):
        geometry((1920, 1080), None, 45)
    geo = geometry((1920, 1080), Region(100, 50, 400, 300), 90)
    assert geo.content_size == (300, 400)


def test_zones_ticker_and_clock():
    z = zones((1000, 500), ticker_height=0.1, ticker_position="bottom", clock_size=0.1)
    assert z.ticker == Rect(0, 450, 1000, 50)
    assert z.main == Rect(0, 0, 1000, 450)
    assert z.clock.right <= 1000 and z.clock.y > 0 and z.clock.bottom < 450
    top = zones((1000, 500), ticker_height=0.1, ticker_position="top", clock_position="bottom-left",
                clock_size=0.1)  # fmt: skip
    assert top.ticker == Rect(0, 0, 1000, 50) and top.main == Rect(0, 50, 1000, 450)
    assert top.clock.x < 100 and top.clock.bottom < 500
