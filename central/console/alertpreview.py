"""Alert previews drawn by the screens' own card code (player.render.alertcard), headless.

The console shows what a screen will show, so it runs the very layout the players run,
at each target group's size, with pygame on SDL's dummy driver. Drawing happens on one
worker thread of its own (SDL_ttf fonts are not thread-safe, and a burst of previews
must not take the threads page requests run on), each job within `timeout` seconds; at
most `cache_size` previews are kept, for the image requests that follow a page.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import io
import os
import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from zoneinfo import ZoneInfo

# A card of more pages than this is not read whole: each page stays 5-12 s (alertcard:
# 2 words a second, at least 5 s), so 3 pages are a cycle of 15-36 s, about what a
# driver waiting at a red light or a pedestrian passing a wall sees of it. From the
# fourth page on most readers catch the text midway and leave before it comes round.
READABLE_PAGES = 3
FALLBACK_SIZE = (1920, 1080)  # a group no screen of which has reported its output yet
# Bounded work: a reported size is drawn scaled down to at most this many pixels (the
# card's layout is proportional to its short side, so the preview looks the same).
MAX_PIXELS = 3840 * 2160
MAX_PAGES_KEPT = 12  # images kept per preview; the page count is told in full


class PreviewError(Exception):
    """A preview could not be drawn in time, or the worker is busy: try again."""


@dataclass(frozen=True)
class Target:
    """One size to preview at, and the groups (and how many of their screens) it stands for."""

    size: tuple[int, int]
    groups: tuple[str, ...]
    screens: int  # screens that reported this size
    assumed: tuple[str, ...] = ()  # groups no screen of which reported: FALLBACK_SIZE


@dataclass(frozen=True)
class Preview:
    """An alert card drawn at one size: its pages as PNG, and how many pages it has."""

    key: str
    size: tuple[int, int]
    drawn_size: tuple[int, int]  # `size`, scaled down when larger than MAX_PIXELS
    pages: tuple[bytes, ...]
    page_count: int

    @property
    def readable(self) -> bool:
        return self.page_count <= READABLE_PAGES


def targets(screens: Iterable[Mapping], groups: Iterable[str]) -> list[Target]:
    """The sizes to preview for `groups`: every alert-card size their screens reported
    (`content_size` of `central.db.fleet.fleet_now` rows), FALLBACK_SIZE for a group
    with none; smallest first (where the text needs the most pages)."""
    wanted = list(dict.fromkeys(groups))
    sizes: dict[tuple[int, int], dict] = {}
    covered = set()
    for screen in screens:
        size, group = screen.get("content_size"), screen.get("group")
        if size is None or group not in wanted:
            continue
        entry = sizes.setdefault(tuple(size), {"groups": [], "screens": 0})
        entry["screens"] += 1
        if group not in entry["groups"]:
            entry["groups"].append(group)
        covered.add(group)
    missing = [g for g in wanted if g not in covered]
    if missing:  # one picture per size: the fallback joins screens reporting that size
        sizes.setdefault(FALLBACK_SIZE, {"groups": [], "screens": 0})["groups"] += missing
    found = [
        Target(s, tuple(e["groups"]), e["screens"], tuple(missing) if s == FALLBACK_SIZE else ())
        for s, e in sizes.items()
    ]
    return sorted(found, key=lambda t: (min(t.size), t.size[0] * t.size[1], t.size))


def drawn_size(size: tuple[int, int]) -> tuple[int, int]:
    w, h = size
    if w * h <= MAX_PIXELS:
        return (w, h)
    scale = (MAX_PIXELS / (w * h)) ** 0.5
    return (max(1, int(w * scale)), max(1, int(h * scale)))


class AlertPreviewer:
    """Draws alert cards on its own worker thread and keeps the latest previews."""

    def __init__(
        self, zone: ZoneInfo, *, cache_size: int = 32, timeout: float = 15.0, queue: int = 8
    ) -> None:
        self.zone = zone
        self.timeout = timeout
        self._cache_size = cache_size
        self._cache: OrderedDict[str, Preview] = OrderedDict()
        self._lock = threading.Lock()
        self._waiting = threading.BoundedSemaphore(queue)
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="alert-preview")
        self._book = None  # the worker's FontBook, made on its first job

    def close(self) -> None:
        self._worker.shutdown(wait=False, cancel_futures=True)

    def image(self, key: str, page: int) -> bytes | None:
        """Page `page` (from 1) of a preview drawn lately, as PNG; None if not kept."""
        with self._lock:
            preview = self._cache.get(key)
        if preview is None or not 1 <= page <= len(preview.pages):
            return None
        return preview.pages[page - 1]

    async def preview(
        self, text: str, level: str, size: tuple[int, int], *, now: dt.datetime
    ) -> Preview:
        """The card a console alert of `text` and `level` makes on a screen of `size`.

        Raises PreviewError when the worker is busy with others or the drawing takes
        longer than the timeout.
        """
        key = hashlib.sha256(repr((text, level, size, self.zone.key)).encode()).hexdigest()[:32]
        with self._lock:
            kept = self._cache.get(key)
            if kept is not None:
                self._cache.move_to_end(key)
                return kept
        if not self._waiting.acquire(blocking=False):
            raise PreviewError("too many previews at once; try again in a moment")
        try:
            job = self._worker.submit(self._draw, key, text, level, size, now)
            preview = await asyncio.wait_for(asyncio.wrap_future(job), self.timeout)
        except TimeoutError:
            raise PreviewError(f"the preview took longer than {self.timeout:g} s") from None
        finally:
            self._waiting.release()
        with self._lock:
            self._cache[key] = preview
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return preview

    def _draw(self, key, text, level, size, now) -> Preview:
        """On the worker thread: lay the alert out as a screen does and save each page."""
        # Imported here: pygame is loaded on the first preview, not when the console starts.
        os.environ.setdefault("SDL_VIDEODRIVER", "dummy")  # no display: surfaces only
        import pygame

        from player.render.alertcard import Frame, layout_card
        from player.render.fonts import FontBook
        from player.wire.signing import make_alert, parse_alert

        if self._book is None:
            pygame.font.init()
            self._book = FontBook(None)  # the players' default: DejaVu Sans
        # The payload the console sends, read the way a player reads it.
        payload = make_alert(text, "preview", now=now, lifetime=dt.timedelta(hours=1),
                             level=level, alert_id="preview")  # fmt: skip
        alert = parse_alert(payload)
        drawn = drawn_size(size)
        card = layout_card(self._book, alert, drawn, tz=self.zone)
        pages = []
        for number in range(min(len(card.pages), MAX_PAGES_KEPT)):
            buffer = io.BytesIO()
            pygame.image.save(card.render(Frame(number, 0)), buffer, "preview.png")
            pages.append(buffer.getvalue())
        return Preview(key, size, drawn, tuple(pages), len(card.pages))
