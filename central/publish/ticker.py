"""The ticker as published: its typed lines approved, its feeds signed as files or headlines."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from central import feeds as office_feeds
from central.publish.approvals import read_approval
from central.publish.authoring import Authoring, PublishError, unknown
from central.publish.media import sha256_file
from player.wire.approval import content_hash, ticker_content
from player.wire.isotime import format_utc
from player.wire.manifest import MAX_FEED_BYTES, MAX_HEADLINES
from player.wire.units import format_size


class TickerFeeds:
    """The layout's ticker made ready to sign; the feed files it publishes under feeds/.
    Problems and warnings go to the lists the builder shares."""

    def __init__(
        self, doc: Authoring, now: dt.datetime, problems: list[str], warnings: list[str]
    ) -> None:
        self.doc = doc
        self.now = now
        self.problems = problems
        self.warnings = warnings
        self.feed_files: dict[str, Path] = {}  # published name under feeds/ -> source file
        self.feed_hashes: dict[str, str] = {}  # published name under feeds/ -> its sha256

    def with_approval(self, layout: object) -> object:
        """`ticker: approval:` signs the typed lines as an item's approval signs the item:
        with the hash of what the approver read (approval.ticker_content)."""
        ticker = layout.get("ticker") if isinstance(layout, dict) else None
        if not isinstance(ticker, dict) or "approval" not in ticker:
            return layout
        ticker = dict(ticker)
        path = "layout.ticker.approval"
        approval = read_approval(self.doc, ticker.pop("approval"), path, self.now, self.problems)
        lines = ticker.get("lines")
        if not (isinstance(lines, list) and lines and all(isinstance(x, str) for x in lines)):
            message = "approves the ticker's typed lines: give lines: (a list of text)"
            self.problems.append(self.doc.at(path, message))
        elif approval is not None:
            approver, moment = approval
            ticker["approval"] = {
                "approver": approver,
                "approved_at": format_utc(moment),
                "content_hash": content_hash(ticker_content(lines)),
            }
        return {**layout, "ticker": ticker}

    def with_feeds(self, layout: object) -> object:
        """Every feed on the ticker is signed: three kinds of `ticker: feeds:` entry.

        `{file: news.xml}` is published beside the manifest as feeds/NAME and named with its
        sha256, so the content plays the same from any server or a USB stick. `{url: …}` (or
        a bare URL) is fetched at the office (`videotron feeds`), filtered by its rules, and
        its approved headlines ride in the manifest as `headlines`. `{url: …, unsigned:
        true}` is left for the screens to read, which only those allowing unsigned feeds do.
        """
        ticker = layout.get("ticker") if isinstance(layout, dict) else None
        if isinstance(ticker, dict) and "headlines" in ticker:
            self.problems.append(
                self.doc.at(
                    "layout.ticker.headlines",
                    "headlines come from the ticker's feeds, approved at the office "
                    "(`videotron feeds`); write fixed text as lines:",
                )
            )
            ticker = {k: v for k, v in ticker.items() if k != "headlines"}
            layout = {**layout, "ticker": ticker}
        if not isinstance(ticker, dict) or not isinstance(ticker.get("feeds"), list):
            return layout
        feeds, headlines = [], []
        queue = None
        for index, entry in enumerate(ticker["feeds"]):
            path = f"layout.ticker.feeds[{index}]"
            if isinstance(entry, dict):
                self.problems.extend(
                    unknown(self.doc, entry, (*office_feeds.FEED_KEYS, "file"), path)
                )
            if isinstance(entry, dict) and "file" in entry:
                feeds.append(self._feed_file(entry, path))
            elif isinstance(entry, dict) and entry.get("unsigned") is True:
                feeds.append({k: v for k, v in entry.items() if k in ("url", "refresh")})
            elif isinstance(entry, dict | str):
                feed = _office_feed(self.doc, entry, path, self.problems)
                if feed is not None and queue is None:
                    try:
                        queue = office_feeds.load_queue(self.queue_path)
                    except office_feeds.FeedError as exc:
                        self.problems.append(str(exc))
                        queue = []
                if feed is not None:
                    headlines += office_feeds.approved_for(queue, feed.url)
            else:
                feeds.append(entry)  # the manifest's parser says what is wrong with it
        ticker = {k: v for k, v in ticker.items() if k not in ("feeds", "headlines")}
        if feeds:
            ticker["feeds"] = feeds
        if headlines:
            ticker["headlines"] = headlines[:MAX_HEADLINES]
        if not (feeds or headlines or ticker.get("lines")):
            self.warnings.append(
                self.doc.at(
                    "layout.ticker",
                    "no ticker: its feeds have no approved headlines yet (run `videotron "
                    f"feeds {self.doc.path.name}` and approve some, then publish again)",
                )
            )
            return {k: v for k, v in layout.items() if k != "ticker"}
        return {**layout, "ticker": ticker}

    @property
    def queue_path(self) -> Path:
        return self.doc.path.parent / office_feeds.HEADLINES_FILE

    def _feed_file(self, entry: dict, path: str) -> dict:
        name = entry["file"]
        # With a problem reported, a stand-in url keeps the parser from adding a second one.
        rest = {"url": "feeds/-", **{k: v for k, v in entry.items() if k != "file"}}
        if "url" in entry:
            self.problems.append(self.doc.at(path, "give file: or url:, not both"))
            return rest
        source = (self.doc.path.parent / str(name)).resolve() if isinstance(name, str) else None
        if source is None or not name:
            self.problems.append(self.doc.at(f"{path}.file", "must be a file path"))
            return rest
        if not source.is_file():
            self.problems.append(self.doc.at(f"{path}.file", f"feed file not found: {source}"))
            return rest
        if source.stat().st_size > MAX_FEED_BYTES:
            self.problems.append(
                self.doc.at(f"{path}.file", f"{name}: larger than {format_size(MAX_FEED_BYTES)}")
            )
            return rest
        published = self.feed_files.setdefault(source.name, source)
        if published != source:
            self.problems.append(
                self.doc.at(f"{path}.file", f"another feed file is also named {source.name}")
            )
        sha = self.feed_hashes.setdefault(source.name, sha256_file(source))
        return {**rest, "url": f"feeds/{source.name}", "sha256": sha}


def _office_feed(
    doc: Authoring, entry: object, path: str, problems: list[str]
) -> office_feeds.OfficeFeed | None:
    """A ticker feed the office reads, or None after noting its problem at file:line."""
    try:
        return office_feeds.office_feed({"url": entry} if isinstance(entry, str) else entry)
    except (office_feeds.FeedError, AttributeError) as exc:  # AttributeError: not a mapping
        key, _, reason = str(exc).partition(": ")
        where = f"{path}.{key}" if isinstance(entry, dict) and reason else path
        problems.append(doc.at(where, reason or "must be a feed URL or {url, rules, ...}"))
        return None


def authored_feeds(playlist_yaml: Path) -> list[office_feeds.OfficeFeed]:
    """The feeds of the YAML's ticker that the office reads (`videotron feeds`); PublishError
    lists every problem with its file:line."""
    doc = Authoring(Path(playlist_yaml))
    layout = doc.data.get("layout") if isinstance(doc.data.get("layout"), dict) else {}
    base = "ticker" if "ticker" in doc.data else "layout.ticker"
    ticker = doc.data.get("ticker", layout.get("ticker"))
    entries = ticker.get("feeds") if isinstance(ticker, dict) else None
    found, problems = [], []
    for index, entry in enumerate(entries if isinstance(entries, list) else ()):
        if isinstance(entry, dict) and ("file" in entry or entry.get("unsigned") is True):
            continue  # published as a file, or read by the screens themselves
        feed = _office_feed(doc, entry, f"{base}.feeds[{index}]", problems)
        if feed is not None:
            found.append(feed)
    if problems:
        raise PublishError(problems)
    return found
