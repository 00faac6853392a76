"""Dim the finished frame in software: a multiply of the changed parts, before they are shown."""

from __future__ import annotations

from collections.abc import Iterable

import pygame

from player.render.layout import Rect


def factor(percent: int) -> int:
    """The multiplier of a colour channel, in 256ths, for `percent` of full brightness."""
    return min(255, round(max(0, min(100, percent)) * 256 / 100))


class FrameDimmer:
    """Multiplies parts of a surface by a level, in place.

    A blit of a grey surface with BLEND_RGB_MULT: pygame runs that blend with SIMD (SSE2 on
    a PC, NEON on a Pi), about 1 ms for a whole 1080p frame here; a multiplying fill of the
    same pixels has no such path and takes about 50 ms (bench/bench_dim.py). The grey
    surface (a frame's worth of memory) exists only while the picture is dimmed.
    """

    def __init__(self) -> None:
        self._grey: pygame.Surface | None = None
        self._made_for: tuple[tuple[int, int], int] | None = None

    def dim(self, surface: pygame.Surface, rects: Iterable[Rect], percent: int) -> None:
        """Multiply `rects` of `surface` by `percent`.

        Each part must be new since its last dimming: the render loop redraws the whole
        frame when the level changes, and otherwise dims only what it has just drawn.
        """
        if percent >= 100:
            self._grey = self._made_for = None
            return
        k = factor(percent)
        wanted = (surface.get_size(), k)
        if self._made_for != wanted:
            self._grey = pygame.Surface(surface.get_size(), 0, surface)
            self._grey.fill((k, k, k))
            self._made_for = wanted
        for rect in rects:
            area = pygame.Rect(rect.astuple())
            surface.blit(self._grey, area, area, special_flags=pygame.BLEND_RGB_MULT)
