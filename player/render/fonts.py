"""Fonts (configured file, system DejaVu, pygame's own) and wrapped, auto-sized text."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import pygame

from player.render import textfit

log = logging.getLogger(__name__)

SYSTEM_FONTS = (
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
    Path("/usr/share/fonts/dejavu/DejaVuSans.ttf"),
    Path("/usr/share/fonts/TTF/DejaVuSans.ttf"),
)
SYSTEM_BOLD_FONTS = (
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
    Path("/usr/share/fonts/dejavu/DejaVuSans-Bold.ttf"),
    Path("/usr/share/fonts/TTF/DejaVuSans-Bold.ttf"),
)
MIN_SIZE = textfit.MIN_SIZE


def parse_color(value, default: tuple[int, int, int]) -> tuple[int, int, int]:
    """'#rgb', '#rrggbb', a colour name or an [r, g, b] list; `default` if unusable."""
    if value is None:
        return default
    try:
        if isinstance(value, list | tuple) and len(value) == 3:
            return tuple(max(0, min(255, int(c))) for c in value)  # type: ignore[return-value]
        text = str(value).strip()
        if text.startswith("#") and len(text) == 4:
            text = "#" + "".join(c * 2 for c in text[1:])
        color = pygame.Color(text)
    except (ValueError, TypeError):
        log.warning("colour %r not understood; using %s", value, default)
        return default
    return (color.r, color.g, color.b)


class FontBook:
    """Loads each (file, size) once per thread; falls back from a missing font file, logged once.

    A font object is used by one thread only (SDL_ttf fonts are not thread-safe), and
    fonts are opened and freed under `lock` (FreeType's library is shared by all fonts of
    the process): the render loop and the text worker can both use one book, and books
    that replace one another should share the lock.
    """

    def __init__(self, configured: Path | None, lock: threading.Lock | None = None) -> None:
        self._local = threading.local()
        self._lock = lock or threading.Lock()
        self.configured = configured
        with self._lock:
            self.path = self._resolve(configured, SYSTEM_FONTS)
        self.bold_path = (
            self.path if configured and self.path == configured else self._bold_or(self.path)
        )

    @staticmethod
    def _resolve(configured: Path | None, system: tuple[Path, ...]) -> Path | None:
        if configured is not None:
            if configured.is_file():
                try:
                    pygame.font.Font(str(configured), 12)
                    return configured
                except (OSError, pygame.error) as exc:
                    log.error(
                        "display.font %s cannot be loaded (%s); using the default", configured, exc
                    )
            else:
                log.error("display.font %s does not exist; using the default font", configured)
        for candidate in system:
            if candidate.is_file():
                return candidate
        log.warning("DejaVu Sans not found (install fonts-dejavu-core); using pygame's font")
        return None

    @staticmethod
    def _bold_or(regular: Path | None) -> Path | None:
        if regular is None:
            return None
        for candidate in SYSTEM_BOLD_FONTS:
            if candidate.is_file():
                return candidate
        return regular

    def font(self, size: int, *, bold: bool = False) -> pygame.font.Font:
        size = max(MIN_SIZE, int(size))
        key = (bold, size)
        cache: dict[tuple[bool, int], pygame.font.Font] | None = getattr(self._local, "fonts", None)
        if cache is None:
            cache = self._local.fonts = {}
        font = cache.get(key)
        if font is None:
            path = self.bold_path if bold else self.path
            with self._lock:
                font = pygame.font.Font(str(path) if path else None, size)
                if len(cache) > 64:
                    cache.clear()  # freed here, under the lock
            cache[key] = font
        return font


def fit_text(
    book: FontBook,
    text: str,
    box: tuple[int, int],
    *,
    bold: bool = False,
    max_size: int | None = None,
    min_size: int | None = None,
) -> tuple[pygame.font.Font, list[str]]:
    """The largest font at which the wrapped text fits in `box`; cut with an ellipsis if none.

    Bounded work whatever the text (see player.render.textfit); call it off the render
    thread for text that comes from outside (alerts, manifests).
    """
    fitted = textfit.fit(
        text,
        box,
        width=lambda size, s: book.font(size, bold=bold).size(s)[0],
        line_height=lambda size: book.font(size, bold=bold).get_linesize(),
        max_size=max_size,
        min_size=min_size,
    )
    return book.font(fitted.size, bold=bold), list(fitted.lines)


def render_block(
    surface: pygame.Surface,
    font: pygame.font.Font,
    lines: list[str],
    box: pygame.Rect,
    color: tuple[int, int, int],
    *,
    align: str = "center",
) -> None:
    """Draw wrapped lines centred vertically in `box`, each line aligned as asked."""
    line_h = font.get_linesize()
    y = box.y + (box.h - line_h * len(lines)) // 2
    for line in lines:
        if line:
            rendered = font.render(line, True, color)
            if align == "left":
                x = box.x
            elif align == "right":
                x = box.right - rendered.get_width()
            else:
                x = box.x + (box.w - rendered.get_width()) // 2
            surface.blit(rendered, (x, y))
        y += line_h
