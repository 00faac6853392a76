"""Open the output (SDL video driver, size, fullscreen) and present the content surface on it."""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence

import pygame

from player.config.model import DisplayConfig
from player.render.layout import Geometry, Rect, geometry, rotate_rect

log = logging.getLogger(__name__)

DUMMY_SIZE = (1920, 1080)
KNOWN_DRIVERS = ("kmsdrm", "wayland", "x11", "dummy")


class DisplayError(RuntimeError):
    """No usable display could be opened; the message says which drivers were tried."""


def candidate_drivers(driver: str, headless: bool, env: dict[str, str]) -> list[str]:
    """Which SDL video drivers to try, in order, for `display.driver` and the environment."""
    if headless:
        return ["dummy"]
    if driver != "auto":
        return [driver]
    found: list[str] = []
    preset = env.get("SDL_VIDEODRIVER")
    if preset:
        found.append(preset)
    if env.get("WAYLAND_DISPLAY"):
        found.append("wayland")
    if env.get("DISPLAY"):
        found.append("x11")
    if not env.get("WAYLAND_DISPLAY") and not env.get("DISPLAY"):
        found.append("kmsdrm")
    return list(dict.fromkeys(found))


def _advice(tried: list[tuple[str, str]]) -> str:
    lines = [f"  {name}: {error}" for name, error in tried]
    return (
        "no display could be opened; SDL video drivers tried:\n"
        + "\n".join(lines)
        + "\nWhat to do: on Raspberry Pi OS Lite use Debian's python3-pygame (SDL with KMS/DRM)"
        " in a venv made with --system-site-packages, run as a user in the video, render and"
        " input groups with no desktop holding the screen (see docs/OPERATIONS.md); on a"
        " desktop set DISPLAY or WAYLAND_DISPLAY; set display.driver to force one; use"
        " --headless to render without a screen."
    )


class Output:
    """The opened display plus a content surface drawn in viewer orientation.

    With rotation 0 the content surface is a subsurface of the screen, so drawing
    into it costs no extra copy; otherwise dirty parts are turned on present.
    """

    def __init__(self, screen: pygame.Surface, geo: Geometry, driver: str) -> None:
        self.screen = screen
        self.geometry = geo
        self.driver = driver
        region = geo.region
        if geo.rotation == 0:
            self.content = screen.subsurface(region.astuple())
        else:
            self.content = pygame.Surface(geo.content_size, 0, screen)

    @property
    def size(self) -> tuple[int, int]:
        return self.screen.get_size()

    @property
    def content_size(self) -> tuple[int, int]:
        return self.geometry.content_size

    def clear(self, color: tuple[int, int, int] = (0, 0, 0)) -> None:
        """Paint the whole output (outside the region too)."""
        self.screen.fill(color)
        if self.geometry.rotation:
            self.content.fill(color)

    def present(self, dirty: Sequence[Rect] | None = None) -> None:
        """Push the dirty content rectangles (None = all of it) to the screen."""
        geo = self.geometry
        rects = [Rect(0, 0, *geo.content_size)] if dirty is None else list(dirty)
        if not rects:
            return
        out_rects = []
        for rect in rects:
            placed = rotate_rect(rect, geo.content_size, geo.rotation).offset(
                geo.region.x, geo.region.y
            )
            if geo.rotation:
                part = self.content.subsurface(rect.astuple())
                self.screen.blit(pygame.transform.rotate(part, -geo.rotation), (placed.x, placed.y))
            out_rects.append(pygame.Rect(placed.astuple()))
        if dirty is None:
            pygame.display.flip()
        else:
            pygame.display.update(out_rects)

    def content_point_to_output(self, x: int, y: int) -> tuple[int, int]:
        """Output pixel showing content pixel (x, y)."""
        geo = self.geometry
        placed = rotate_rect(Rect(x, y, 1, 1), geo.content_size, geo.rotation)
        return placed.x + geo.region.x, placed.y + geo.region.y


def _try_driver(name: str, size: tuple[int, int] | None, fullscreen: bool) -> pygame.Surface:
    os.environ["SDL_VIDEODRIVER"] = name
    if name == "x11":
        # SDL would present the window through OpenGL whenever a GL driver loads; with
        # Mesa's software one (Xvfb, a desktop without GL acceleration) a 1080p flip then
        # costs about 18 ms of CPU, against 0.5 ms through X11's shared memory (XShm), the
        # path mpv's --vo=x11 takes too. Set SDL_FRAMEBUFFER_ACCELERATION=1 to get GL back.
        os.environ.setdefault("SDL_FRAMEBUFFER_ACCELERATION", "0")
    pygame.display.init()
    try:
        if size is None:
            sizes = pygame.display.get_desktop_sizes() if name != "dummy" else []
            size = sizes[0] if sizes and sizes[0][0] > 0 else DUMMY_SIZE
        flags = pygame.FULLSCREEN if fullscreen else 0
        screen = pygame.display.set_mode(size, flags)
    except pygame.error:
        pygame.display.quit()
        raise
    return screen


def open_output(config: DisplayConfig, *, headless: bool, windowed: bool = False) -> Output:
    """Open the display per config; raise DisplayError naming every driver tried."""
    drivers = candidate_drivers(config.driver, headless, dict(os.environ))
    tried: list[tuple[str, str]] = []
    previous = os.environ.get("SDL_VIDEODRIVER")
    for name in drivers:
        try:
            fullscreen = not headless and not windowed and name != "dummy"
            screen = _try_driver(name, config.size, fullscreen=fullscreen)
        except pygame.error as exc:
            tried.append((name, str(exc) or "failed"))
            log.warning("SDL video driver %s failed: %s", name, exc)
            continue
        try:
            geo = geometry(screen.get_size(), config.region, config.rotation)
        except ValueError as exc:
            pygame.display.quit()
            raise DisplayError(str(exc)) from None
        if not headless:
            pygame.mouse.set_visible(False)
        pygame.display.set_caption("videotron")
        log.info(
            "display open: driver %s, output %dx%d, region %s, rotation %d",
            pygame.display.get_driver(),
            *screen.get_size(),
            geo.region.astuple(),
            geo.rotation,
        )
        return Output(screen, geo, pygame.display.get_driver())
    if previous is None:
        os.environ.pop("SDL_VIDEODRIVER", None)
    else:
        os.environ["SDL_VIDEODRIVER"] = previous
    raise DisplayError(_advice(tried or [("(none)", "no driver to try")]))


def close_output() -> None:
    pygame.display.quit()


def reconfigure(
    output: Output, old: DisplayConfig, new: DisplayConfig, *, headless: bool, windowed: bool
) -> Output:
    """The output for a live display edit: reopened for a new size or driver, else the same
    screen with the new region and rotation; what cannot be applied keeps the previous."""
    if (old.size, old.driver) != (new.size, new.driver):
        log.info("display size/driver changed: reopening the display")
        close_output()
        try:
            output = open_output(new, headless=headless, windowed=windowed)
        except DisplayError as exc:
            log.error("%s\nkeeping the previous display settings", exc)
            output = open_output(old, headless=headless, windowed=windowed)
    elif (old.region, old.rotation) != (new.region, new.rotation):
        try:
            geo = geometry(output.size, new.region, new.rotation)
        except ValueError as exc:
            log.error("%s; keeping the previous region and rotation", exc)
            geo = output.geometry
        output = Output(output.screen, geo, output.driver)
    if old != new:
        shown = output.geometry
        x, y, w, h = shown.region.astuple()
        log.info(
            "display in force: %s %dx%d, region %dx%d at x=%d, y=%d, rotation %d",
            output.driver, *output.size, w, h, x, y, shown.rotation,
        )  # fmt: skip
    return output
