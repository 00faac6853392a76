"""The splash shown when nothing can play: who this player is, how to reach it, and why."""

from __future__ import annotations

import ipaddress
import json
import logging
import socket
import subprocess
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future

import pygame

from player.render.fonts import FontBook, fit_text, render_block
from player.render.slides import SlideWorker
from player.render.visuals import Visual
from player.wire.status import SyncSection

log = logging.getLogger(__name__)

SPLASH_BACKGROUND = (16, 32, 64)
SPLASH_TEXT = (255, 255, 255)
SPLASH_DIM = (170, 190, 220)
REFRESH_SECONDS = 5.0
JOB_POLL = 0.05  # seconds between looks while the worker redraws the splash


def _usable(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address.split("%", maxsplit=1)[0])
    except ValueError:
        return False
    return not (ip.is_loopback or ip.is_link_local or ip.is_unspecified or ip.is_multicast)


def local_addresses(timeout: float = 1.0) -> list[str]:
    """Non-loopback addresses of this machine, IPv4 first; [] when there are none."""
    found: list[str] = []
    try:
        result = subprocess.run(
            ["ip", "-j", "addr", "show", "up"],
            capture_output=True,
            timeout=timeout,
            check=True,
        )
        for link in json.loads(result.stdout or b"[]"):
            for info in link.get("addr_info", []):
                local = info.get("local")
                if local and _usable(local) and local not in found:
                    found.append(local)
    except (OSError, subprocess.SubprocessError, ValueError) as exc:
        log.debug("ip -j addr failed (%s); asking the resolver", exc)
        try:
            infos = socket.getaddrinfo(socket.gethostname(), None)
        except OSError:
            infos = []
        for info in infos:
            address = str(info[4][0])
            if _usable(address) and address not in found:
                found.append(address)
    return sorted(found, key=lambda a: (":" in a, a))


class Addresses:
    """This machine's addresses for the splash, looked up again every `every` seconds.

    The first lookup is made at once (the first splash must not say "no address"); later
    ones run in a thread, so a slow `ip` or resolver never stalls a frame.
    """

    def __init__(self, every: float = 30.0, lookup: Callable[[], list[str]] = local_addresses):
        self.every = every
        self.lookup = lookup
        self._known: tuple[float, list[str]] = (float("-inf"), [])

    def get(self) -> list[str]:
        now = time.monotonic()
        checked, addresses = self._known
        if now - checked >= self.every:
            self._known = (now, addresses)  # one refresh at a time
            if checked == float("-inf"):
                addresses = self.lookup()
                self._known = (now, addresses)
            else:
                threading.Thread(target=self._refresh, name="addresses", daemon=True).start()
        return addresses

    def _refresh(self) -> None:
        self._known = (time.monotonic(), self.lookup())


def splash_lines(
    player_id: str, version: str, addresses: list[str], sync: SyncSection, reason: str
) -> list[tuple[str, str]]:
    """(role, text) lines of the splash; pure so tests can read what it says."""
    state = sync.get("state") or "not started"
    detail = sync.get("last_result") or ""
    sync_text = f"sync: {state}" + (f" - {detail}" if detail and detail != state else "")
    return [
        ("title", player_id),
        ("info", "IP " + ", ".join(addresses[:4]) if addresses else "no network address"),
        ("info", f"videotron {version}"),
        ("info", sync_text),
        ("reason", reason),
    ]


def draw_splash(
    book: FontBook, size: tuple[int, int], lines: list[tuple[str, str]], template: pygame.Surface
) -> pygame.Surface:
    """The splash picture for `lines` (worker thread): title, info lines, then the reason."""
    w, h = size
    surface = pygame.Surface(size, 0, template)
    surface.fill(SPLASH_BACKGROUND)
    margin = max(2, round(min(w, h) * 0.06))
    inner_w = w - 2 * margin
    title_h = round(h * 0.22)
    info = [t for role, t in lines if role == "info"]
    reason = " ".join(t for role, t in lines if role == "reason")
    y = margin
    title = next((t for role, t in lines if role == "title"), "")
    line_h = max(8, round(h * 0.075))
    try:
        box = pygame.Rect(margin, y, inner_w, title_h)
        font, wrapped = fit_text(book, title, box.size, bold=True)
        render_block(surface, font, wrapped, box, SPLASH_TEXT)
        y = box.bottom + margin // 2
        for text in info:
            box = pygame.Rect(margin, y, inner_w, line_h)
            font, wrapped = fit_text(book, text, box.size, max_size=round(line_h * 0.8))
            render_block(surface, font, wrapped[:1], box, SPLASH_DIM)
            y += line_h
        box = pygame.Rect(margin, y + margin // 2, inner_w, h - y - margin - margin // 2)
        if box.h > 8 and reason:
            font, wrapped = fit_text(book, reason, box.size, max_size=line_h)
            render_block(surface, font, wrapped, box, SPLASH_TEXT)
    except (pygame.error, ValueError, MemoryError) as exc:  # the coloured splash still shows
        log.error("splash text cannot be drawn: %s", exc)
    return surface


class SplashVisual(Visual):
    """Redrawn by the text worker only when a line changes (checked every few seconds)."""

    def __init__(
        self,
        book: FontBook,
        size: tuple[int, int],
        lines: Callable[[], list[tuple[str, str]]],
        reason: str,
        *,
        worker: SlideWorker,
        template: pygame.Surface,
    ) -> None:
        super().__init__(f"splash:{reason}")
        self.book = book
        self.size = size
        self.reason = reason
        self._lines = lines
        self._worker = worker
        self._template = template
        self._shown: list[tuple[str, str]] | None = None
        self._checked = float("-inf")
        self.surface: pygame.Surface | None = None
        self._job: Future[pygame.Surface] | None = None
        self._job_lines: list[tuple[str, str]] = []
        self._submit(lines())

    def _submit(self, lines: list[tuple[str, str]]) -> None:
        self._job_lines = lines
        self._job = self._worker.submit(draw_splash, self.book, self.size, lines, self._template)

    def _collect(self) -> bool:
        """Take a finished picture from the worker; whether the picture changed."""
        job = self._job
        if job is None or not job.done():
            return False
        self._job = None
        if job.cancelled() or job.exception() is not None:
            log.error(
                "splash cannot be drawn: %s", "cancelled" if job.cancelled() else job.exception()
            )
            return False
        self.surface = job.result()
        self._shown = self._job_lines
        return True

    def ready(self) -> bool:
        return self.surface is not None or self._job is None or self._job.done()

    def draw(self, target: pygame.Surface, now: float, force: bool) -> bool:
        changed = self._collect()
        if self._job is None and now - self._checked >= REFRESH_SECONDS:
            self._checked = now
            lines = self._lines()
            if lines != self._shown:
                self._submit(lines)
        if self.surface is not None and (changed or force):
            target.blit(self.surface, (0, 0))
            return True
        if self.surface is None and force:
            target.fill(SPLASH_BACKGROUND)
            return True
        return False

    def next_change(self, now: float) -> float:
        if self._job is not None:
            return now + JOB_POLL
        return self._checked + REFRESH_SECONDS

    @property
    def lines(self) -> list[tuple[str, str]]:
        return list(self._shown or [])

    def close(self) -> None:
        if self._job is not None:
            self._job.cancel()
