"""The console's periodic fetch of the office's feeds: one at a time, each outcome kept.

A background task of the console rather than a systemd timer: the console already holds the
feeds, the queue and its lock, and the headlines page can show the last outcome (the time of
the last good fetch of each feed, and why the last one failed) without a second store.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass

from central import feeds
from central.config import CentralConfig
from central.content import headlines, review

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FeedOutcome:
    """What the console knows of one feed since it started: its last good fetch and whether
    the last try failed (then why)."""

    last_good: dt.datetime | None = None
    error: str | None = None
    tried_at: dt.datetime | None = None


class FeedWatch:
    """Fetches `config`'s feeds every `config.console.feeds_every` seconds and on demand;
    never two fetches at once (the button waits for a running fetch, then fetches again)."""

    def __init__(self, config: CentralConfig, clock: Callable[[], dt.datetime]) -> None:
        self._config = config
        self._clock = clock  # naive UTC, the console's clock
        self._one_at_a_time = asyncio.Lock()
        self._outcomes: dict[str, FeedOutcome] = {}

    @property
    def every(self) -> int:
        return self._config.console.feeds_every

    def outcomes(self) -> dict[str, FeedOutcome]:
        """feed URL → its outcome; a feed not tried yet has none."""
        return dict(self._outcomes)

    async def fetch_now(self) -> dict[str, str]:
        """Fetch every feed into the queue; {feed url: error} of those that failed. Errors of
        the queue itself (no library folder, a broken queue file) raise, as headlines.fetch."""
        async with self._one_at_a_time:
            now = self._clock()
            try:
                errors = await asyncio.to_thread(headlines.fetch, self._config, now)
            except Exception as exc:  # every feed failed with it; the caller says how loudly
                urls = (feed.url for feed in self._config.console.feeds)
                self._note(now, dict.fromkeys(urls, str(exc)))
                raise
            self._note(now, errors)
            return errors

    def _note(self, now: dt.datetime, errors: dict[str, str]) -> None:
        for feed in self._config.console.feeds:
            before = self._outcomes.get(feed.url, FeedOutcome())
            error = errors.get(feed.url)
            last_good = before.last_good if error else now
            self._outcomes[feed.url] = FeedOutcome(last_good, error, now)

    async def run(self) -> None:
        """Fetch now and then every `every` seconds until cancelled; a failure is logged and
        kept for the page, never the end of the loop."""
        while True:
            try:
                errors = await self.fetch_now()
            except (feeds.FeedError, review.ReviewError, OSError) as exc:
                log.warning("office feeds not fetched: %s (next try in %ss)", exc, self.every)
            except Exception:  # a defect: logged with its traceback; the next fetch may pass
                log.exception("office feeds not fetched (next try in %ss)", self.every)
            else:
                for error in errors.values():  # each names its feed's URL
                    log.warning("office feed not fetched: %s (its headlines are kept)", error)
            await asyncio.sleep(self.every)
