"""Fonts (configured file, system DejaVu, pygame's own) and wrapped, auto-sized text."""

from __future__ import annotations

import logging
from pathlib import Path

import pygame

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
MIN_SIZE = 8


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
    """Loads each (file, size) once. Falls back from a missing font file, logging it once."""

    def __init__(self, configured: Path | None) -> None:
        self._cache: dict[tuple[bool, int], pygame.font.Font] = {}
        self.configured = configured
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
        font = self._cache.get(key)
        if font is None:
            path = self.bold_path if bold else self.path
            font = pygame.font.Font(str(path) if path else None, size)
            if len(self._cache) > 64:
                self._cache.clear()
            self._cache[key] = font
        return font


def wrap(font: pygame.font.Font, text: str, width: int) -> list[str]:
    """Greedy word wrap; words longer than the width are broken by characters."""
    lines: list[str] = []
    for paragraph in text.replace("\r\n", "\n").split("\n"):
        words = paragraph.split()
        if not words:
            lines.append("")
            continue
        line = ""
        for word in words:
            candidate = f"{line} {word}" if line else word
            if font.size(candidate)[0] <= width:
                line = candidate
                continue
            if line:
                lines.append(line)
            rest = word
            while font.size(rest)[0] > width and len(rest) > 1:
                cut = len(rest) - 1
                while cut > 1 and font.size(rest[:cut])[0] > width:
                    cut -= 1
                lines.append(rest[:cut])
                rest = rest[cut:]
            line = rest
        lines.append(line)
    return lines


def _block_size(font: pygame.font.Font, lines: list[str]) -> tuple[int, int]:
    width = max((font.size(line)[0] for line in lines), default=0)
    return width, font.get_linesize() * len(lines)


def fit_text(
    book: FontBook,
    text: str,
    box: tuple[int, int],
    *,
    bold: bool = False,
    max_size: int | None = None,
) -> tuple[pygame.font.Font, list[str]]:
    """The largest font size at which the wrapped text fits in `box` (binary search)."""
    bw, bh = box
    lo, hi = MIN_SIZE, max(MIN_SIZE, min(max_size or bh, bh))
    best = (book.font(lo, bold=bold), wrap(book.font(lo, bold=bold), text, bw))
    while lo <= hi:
        mid = (lo + hi) // 2
        font = book.font(mid, bold=bold)
        lines = wrap(font, text, bw)
        w, h = _block_size(font, lines)
        if w <= bw and h <= bh:
            best = (font, lines)
            lo = mid + 1
        else:
            hi = mid - 1
    return best


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
