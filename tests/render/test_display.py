"""Opening the display: driver choice, clear errors, size, region and rotation."""

import pygame
import pytest

from player.config.model import DisplayConfig, Region
from player.render.display import DisplayError, candidate_drivers, close_output, open_output
from player.render.layout import Rect


def test_driver_candidates_follow_the_environment():
    assert candidate_drivers("auto", True, {"DISPLAY": ":0"}) == ["dummy"]
    assert candidate_drivers("auto", False, {}) == ["kmsdrm"]
    assert candidate_drivers("auto", False, {"DISPLAY": ":0"}) == ["x11"]
    assert candidate_drivers("auto", False, {"WAYLAND_DISPLAY": "w", "DISPLAY": ":0"}) == [
        "wayland",
        "x11",
    ]
    assert candidate_drivers("auto", False, {"SDL_VIDEODRIVER": "x11"}) == ["x11", "kmsdrm"]
    assert candidate_drivers("kmsdrm", False, {"DISPLAY": ":0"}) == ["kmsdrm"]


def test_no_usable_driver_gives_a_clear_error_naming_what_was_tried(monkeypatch):
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    with pytest.raises(DisplayError) as caught:
        open_output(DisplayConfig(driver="x11"), headless=False)
    message = str(caught.value)
    assert "no display could be opened; SDL video drivers tried:\n  x11: " in message
    assert "--headless" in message and "docs/OPERATIONS.md" in message
    assert "Traceback" not in message


def test_headless_output_with_auto_size_region_and_rotation():
    output = open_output(
        DisplayConfig(region=Region(100, 50, 400, 300), rotation=270), headless=True
    )
    try:
        assert pygame.display.get_driver() == "dummy"
        assert output.size == (1920, 1080)
        assert output.content_size == (300, 400)
        output.clear((0, 0, 0))
        output.content.fill((0, 0, 0))
        output.content.fill((255, 0, 0), (0, 0, 300, 10))  # a band at the viewer's top
        output.present([Rect(0, 0, 300, 10)])
        # turned 270 clockwise (90 counter-clockwise): the top band is the region's left edge
        assert output.screen.get_at((100, 50))[:3] == (255, 0, 0)
        assert output.screen.get_at((109, 349))[:3] == (255, 0, 0)
        assert output.screen.get_at((110, 50))[:3] == (0, 0, 0)
        assert output.content_point_to_output(0, 0) == (100, 349)
    finally:
        close_output()


def test_a_region_outside_the_output_is_refused_clearly():
    with pytest.raises(DisplayError, match=r"display\.region: 400x300\+1000\+900 does not fit"):
        open_output(
            DisplayConfig(size=(1280, 1024), region=Region(1000, 900, 400, 300)), headless=True
        )
    assert not pygame.display.get_init()
