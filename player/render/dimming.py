"""Dim the finished frame in software: a multiply of the changed parts, before they are shown."""

from __future__ import annotations

from collections.abc import Iterable

import pygame

from player.render.layout import Rect


def factor(percent: int) -> int:
    """The multiplier of a colour channel, in 256ths, for `percent` of full brightness."""
    return round(max(0, min(100, percent)) * 256 / 100)


def dim(surface: pygame.Surface, rects: Iterable[Rect], percent: int) -> None:
    """Multiply `rects` of `surface` by `percent` in place (SDL's blend fill, no copy).

    Each part must be new since its last dimming: the render loop redraws the whole frame
    when the level changes, and otherwise dims only what it has just drawn.
    """
    if percent >= 100:
        return
    k = min(255, factor(percent))
    for rect in rects:
        surface.fill((k, k, k), pygame.Rect(rect.astuple()), special_flags=pygame.BLEND_RGB_MULT)
