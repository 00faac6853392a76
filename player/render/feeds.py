"""RSS/Atom headlines for the ticker: fetched in a background thread, cached on disk."""

from __future__ import annotations

import hashlib
import json
import logging
import random
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urljoin, urlparse, urlsplit, urlunsplit

from player import __version__
from player.wire.atomicfile import atomic_write
from player.wire.backoff import backoff_delay
from player.wire.manifest import MAX_FEED_BYTES, Feed

if TYPE_CHECKING:
    import requests

    from player.sync.deadline import Watchdog

log = logging.getLogger(__name__)

MAX_HEADLINES = 30
RETRY_FIRST = 15.0  # seconds; doubled per failure up to the feed's refresh interval
DEADLINE_FACTOR = 3  # a whole feed may take this many read timeouts, however it trickles


@dataclass
class _FeedState:
    feed: Feed
    titles: list[str]
    due: float  # monotonic time of the next fetch
    failures: int = 0
    last_error: str | None = None


def resolve_feed_url(url: str, source_url: str | None) -> str:
    """A manifest's feed URL as the player fetches it.

    A relative one names a file published beside the manifest: it is read from the same
    server (joined to the manifest's URL) or the same folder (a USB stick).
    """
    if "://" in url or not source_url:
        return url
    if source_url.startswith(("http://", "https://")):
        joined = urlsplit(urljoin(source_url, url))
        # A login in source.url is for the manifest's server: it never goes into a URL
        # that logs and status show.
        host = joined.hostname or ""
        netloc = f"{host}:{joined.port}" if joined.port else host
        return urlunsplit(joined._replace(netloc=netloc))
    folder = Path(source_url.removeprefix("file://"))
    if folder.suffix == ".json":  # source.url may name the manifest file itself
        folder = folder.parent
    return str(folder / url)


def cache_file(cache_dir: Path, url: str) -> Path:
    return cache_dir / (hashlib.sha256(url.encode()).hexdigest()[:32] + ".json")


def parse_titles(data: bytes, url: str) -> list[str]:
    """Headlines of an RSS/Atom document; ValueError if it holds none."""
    import feedparser  # imported by the feed thread, not on the way to the first frame

    parsed = feedparser.parse(data)
    titles: list[str] = []
    for entry in parsed.entries:
        title = " ".join(str(entry.get("title", "")).split())
        if title and title not in titles:
            titles.append(title)
    if not titles:
        reason = parsed.get("bozo_exception") if parsed.get("bozo") else "no entries with a title"
        raise ValueError(f"{url}: not a usable RSS/Atom feed ({reason})")
    return titles[:MAX_HEADLINES]


def check_signed(data: bytes, feed: Feed, url: str) -> None:
    """Refuse a published feed file that is not the one the signed manifest names."""
    if feed.sha256 and hashlib.sha256(data).hexdigest() != feed.sha256:
        raise ValueError(
            f"{url}: does not match the sha256 the signed manifest names (the server holds "
            "another publish of it, or it was altered); publish again"
        )


def fetch_bytes(url: str, timeout: float, session: requests.Session, watchdog: Watchdog) -> bytes:
    """The feed document from http(s), file:// or a local path (a USB stick).

    `session` comes from `deadline_session(watchdog)`: the whole fetch ends within
    DEADLINE_FACTOR times `timeout`, however slowly a server trickles it.
    """
    parsed = urlparse(url)
    if parsed.scheme in ("http", "https"):
        deadline = watchdog.start(DEADLINE_FACTOR * timeout)
        try:
            with watchdog.sending(deadline):
                response = session.get(
                    url,
                    timeout=(min(5.0, timeout), timeout),
                    stream=True,
                    headers={"User-Agent": f"videotron-player/{__version__}"},
                )
            with response:
                response.raise_for_status()
                chunks, total = [], 0
                for chunk in response.iter_content(65536):
                    total += len(chunk)
                    deadline.add(len(chunk))
                    if total > MAX_FEED_BYTES:
                        raise ValueError(f"{url}: feed larger than {MAX_FEED_BYTES} bytes")
                    chunks.append(chunk)
        except OSError as exc:  # requests' errors are OSErrors too
            if deadline.expired:
                raise TimeoutError(deadline.too_slow(url, settings="")) from exc
            raise
        finally:
            watchdog.finish(deadline)
        if deadline.expired:  # a cut body without a length ends like a complete one
            raise TimeoutError(deadline.too_slow(url, settings=""))
        return b"".join(chunks)
    path = Path(unquote(parsed.path)) if parsed.scheme == "file" else Path(url)
    if parsed.scheme not in ("", "file"):
        raise ValueError(f"{url}: feed URL scheme {parsed.scheme!r} is not http, https or file")
    if path.stat().st_size > MAX_FEED_BYTES:
        raise ValueError(f"{url}: feed larger than {MAX_FEED_BYTES} bytes")
    return path.read_bytes()


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, data, durable=True)


class FeedReader:
    """Keeps the headlines of the manifest's feeds fresh; serves the disk copy when offline."""

    def __init__(
        self,
        cache_dir: Path,
        *,
        timeout: float = 10.0,
        on_change: Callable[[], None] = lambda: None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.cache_dir = cache_dir
        self.timeout = timeout
        self._on_change = on_change
        self._clock = clock
        self._rng = random.Random()
        self._cond = threading.Condition()
        self._states: dict[str, _FeedState] = {}
        self._order: list[str] = []
        self._closing = False
        self._version = 0
        self._thread: threading.Thread | None = None
        self._session: requests.Session | None = None  # made by the feed thread
        self._watchdog: Watchdog | None = None

    @property
    def version(self) -> int:
        with self._cond:
            return self._version

    def headlines(self) -> list[str]:
        with self._cond:
            out: list[str] = []
            for url in self._order:
                out += [t for t in self._states[url].titles if t not in out]
            return out

    def errors(self) -> dict[str, str]:
        with self._cond:
            return {u: s.last_error for u, s in self._states.items() if s.last_error}

    def set_feeds(self, feeds: Sequence[Feed]) -> None:
        """Follow a new list of feeds; cached headlines of new ones are available at once."""
        now = self._clock()
        with self._cond:
            states = {}
            for feed in feeds:
                old = self._states.get(feed.url)
                if old is not None:
                    if old.feed.sha256 != feed.sha256:  # a new publish of the feed file
                        old.due = now
                    old.feed = feed
                    states[feed.url] = old
                else:
                    states[feed.url] = _FeedState(feed, self._load_cached(feed), due=now)
            changed = list(states) != self._order
            self._states = states
            self._order = [f.url for f in feeds]
            if changed:
                self._version += 1
            self._cond.notify_all()
        if feeds and self._thread is None:
            self._thread = threading.Thread(target=self._run, name="feeds", daemon=True)
            self._thread.start()

    def close(self) -> None:
        with self._cond:
            self._closing = True
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=self.timeout + 5)
        if self._session is not None:
            self._session.close()
        if self._watchdog is not None:
            self._watchdog.close()

    def _load_cached(self, feed: Feed) -> list[str]:
        url = feed.url
        path = cache_file(self.cache_dir, url)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if feed.sha256 and data.get("sha256") != feed.sha256:
                return []  # the headlines of another publish of this file: not signed now
            titles = [str(t) for t in data.get("titles", [])]
        except FileNotFoundError:
            return []
        except (OSError, ValueError, AttributeError) as exc:
            log.warning("ignoring unreadable feed cache %s: %s", path, exc)
            return []
        log.info("ticker: %d cached headlines for %s", len(titles), url)
        return titles

    def _run(self) -> None:
        while True:
            with self._cond:
                if self._closing:
                    return
                now = self._clock()
                due = [s for s in self._states.values() if s.due <= now]
                if not due:
                    wait = min((s.due - now for s in self._states.values()), default=60.0)
                    self._cond.wait(min(max(wait, 0.05), 60.0))
                    continue
                state = due[0]
                url = state.feed.url
            self._fetch(state, url)

    def _fetch(self, state: _FeedState, url: str) -> None:
        try:
            if self._session is None:
                from player.sync.deadline import Watchdog, deadline_session

                self._watchdog = Watchdog()
                self._session = deadline_session(self._watchdog)
            data = fetch_bytes(url, self.timeout, self._session, self._watchdog)
            check_signed(data, state.feed, url)
            titles = parse_titles(data, url)
        except Exception as exc:  # requests' errors are OSErrors; any other: same remedy
            with self._cond:
                state.failures += 1
                delay = backoff_delay(
                    state.failures - 1, base=RETRY_FIRST, cap=state.feed.refresh, rng=self._rng
                )
                state.due = self._clock() + delay
                message = str(exc)
                if message != state.last_error:
                    log.warning("ticker feed %s failed (%s); keeping cached headlines", url, exc)
                state.last_error = message
            return
        record = {"url": url, "fetched_at": time.time(), "titles": titles}
        if state.feed.sha256:
            record["sha256"] = state.feed.sha256
        try:
            _write_atomic(cache_file(self.cache_dir, url), json.dumps(record).encode())
        except OSError as exc:
            log.warning("cannot cache feed %s in %s: %s", url, self.cache_dir, exc)
        with self._cond:
            changed = titles != state.titles
            if state.last_error:
                log.info("ticker feed %s is back: %d headlines", url, len(titles))
            state.titles = titles
            state.failures = 0
            state.last_error = None
            state.due = self._clock() + state.feed.refresh * self._rng.uniform(0.9, 1.0)
            if changed:
                self._version += 1
        if changed:
            self._on_change()
