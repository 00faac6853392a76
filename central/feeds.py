"""Ticker feeds vetted at the office: fetched, filtered by rules, queued or approved, signed.

Screens never read these feeds themselves. The office fetches each feed the playlist YAML
names (`ticker: feeds: [{url, rules, auto_approve}]`), keeps the headlines its rules let
through in the work folder's queue file (HEADLINES_FILE, beside the YAML), approved at
once for a trusted feed or left for an approver, and `publish` writes the approved ones
into the signed manifest (`layout.ticker.headlines`).

The queue file, for the console and for people (JSON, written atomically):

    {"version": 1, "headlines": [{"id", "feed", "text", "link", "categories",
      "published", "fetched_at", "state": "queued" | "approved" | "rejected",
      "approver", "decided_at"}]}
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from central.cap.fetch import FetchError, fetch_url
from player.wire.approval import MAX_APPROVER
from player.wire.atomicfile import atomic_write
from player.wire.isotime import format_utc
from player.wire.manifest import MAX_FEED_BYTES, MAX_LINE

HEADLINES_FILE = "headlines.json"  # in the work folder: the YAML's folder
FORMAT_VERSION = 1
FETCH_DEADLINE = 30.0  # seconds for a whole feed document
MAX_PER_FEED = 30  # newest approved headlines of one feed on the ticker
MAX_KEYWORDS = 100
AUTO_APPROVER = "auto"  # the approver of a headline a trusted feed's rule let through
STATES = ("queued", "approved", "rejected")
RULE_KEYS = ("include", "exclude", "categories")
FEED_KEYS = ("url", "rules", "auto_approve", "refresh", "unsigned")


class FeedError(Exception):
    """A feed that cannot be fetched or read, or a feed entry of the YAML that is wrong."""


@dataclass(frozen=True)
class FeedRules:
    """Which headlines of a feed may reach the screens; empty lists do not restrict.

    Words match case-insensitively anywhere in the headline (and its categories): a
    headline needs one `include` word (if any are given), no `exclude` word, and one of
    `categories` among its own (if any are given).
    """

    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()


@dataclass(frozen=True)
class OfficeFeed:
    """A feed as the playlist YAML names it: the office fetches it, screens never do."""

    url: str
    rules: FeedRules = field(default_factory=FeedRules)
    auto_approve: bool = False  # True: a trusted feed, its filtered headlines need no approver


@dataclass(frozen=True)
class Entry:
    """One headline of a fetched feed."""

    id: str  # stable across fetches: from the feed's URL and the entry's guid (or title)
    text: str
    link: str | None = None
    categories: tuple[str, ...] = ()
    published: str | None = None  # ISO UTC when the feed says


# -- the YAML's feed entries -----------------------------------------------------------------


def _words(value: object, key: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(w, str) and w.strip() for w in value):
        raise FeedError(f"rules.{key}: must be a list of words, e.g. [banjir, jalan]")
    if len(value) > MAX_KEYWORDS:
        raise FeedError(f"rules.{key}: at most {MAX_KEYWORDS} words, got {len(value)}")
    return tuple(w.strip() for w in value)


def office_feed(raw: Mapping) -> OfficeFeed:
    """An authoring YAML ticker feed `{url, rules, auto_approve}`; FeedError names the key."""
    url = raw.get("url")
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        raise FeedError(f"url: must be an http:// or https:// URL, got {url!r:.60}")
    rules = raw.get("rules") or {}
    if not isinstance(rules, dict):
        raise FeedError("rules: must be a mapping of include, exclude and categories")
    unknown = [key for key in rules if key not in RULE_KEYS]
    if unknown:
        raise FeedError(f"rules.{unknown[0]}: unknown rule (known: {', '.join(RULE_KEYS)})")
    auto = raw.get("auto_approve", False)
    if not isinstance(auto, bool):
        raise FeedError(f"auto_approve: must be true or false, got {auto!r:.40}")
    return OfficeFeed(
        url,
        FeedRules(*(_words(rules.get(key), key) for key in RULE_KEYS)),
        auto_approve=auto,
    )


# -- fetching and reading --------------------------------------------------------------------


def fetch(url: str, *, deadline: float = FETCH_DEADLINE, max_bytes: int = MAX_FEED_BYTES) -> bytes:
    """The feed document at `url` within `deadline` seconds and `max_bytes`; FeedError says why."""
    try:
        fetched = fetch_url(
            url,
            etag=None,
            last_modified=None,
            max_bytes=max_bytes,
            deadline=deadline,
            agent="videotron-feeds",
            size_rule="the feed size limit",
            time_rule="the feed deadline",
        )
    except FetchError as exc:
        raise FeedError(str(exc)) from None
    return fetched.body or b""


def _entry_id(url: str, key: str) -> str:
    return hashlib.sha256(f"{url}\n{key}".encode()).hexdigest()[:16]


def parse_entries(data: bytes, url: str) -> list[Entry]:
    """The headlines of an RSS/Atom document, newest first as the feed lists them."""
    import feedparser  # only the feeds command and tests need it

    parsed = feedparser.parse(data)
    entries: list[Entry] = []
    seen: set[str] = set()
    for raw in parsed.entries:
        text = " ".join(str(raw.get("title", "")).split())[:MAX_LINE]
        if not text:
            continue
        key = str(raw.get("id") or raw.get("link") or text)
        entry_id = _entry_id(url, key)
        if entry_id in seen:
            continue
        seen.add(entry_id)
        stamp = raw.get("published_parsed") or raw.get("updated_parsed")
        published = format_utc(dt.datetime(*stamp[:6], tzinfo=dt.UTC)) if stamp else None
        tags = tuple(str(t.get("term", "")).strip() for t in raw.get("tags", ()) or ())
        link = raw.get("link")
        entries.append(
            Entry(
                entry_id, text, str(link) if link else None, tuple(t for t in tags if t), published
            )
        )
    if not entries and parsed.get("bozo"):
        raise FeedError(f"{url}: not a usable RSS/Atom feed ({parsed.get('bozo_exception')})")
    return entries


def _passes(rules: FeedRules, entry: Entry) -> bool:
    haystack = " ".join((entry.text, *entry.categories)).casefold()
    if rules.include and not any(word.casefold() in haystack for word in rules.include):
        return False
    if any(word.casefold() in haystack for word in rules.exclude):
        return False
    if rules.categories:
        own = {category.casefold() for category in entry.categories}
        return any(category.casefold() in own for category in rules.categories)
    return True


def filter_entries(
    rules: FeedRules, entries: Iterable[Entry], *, auto_approve: bool = False
) -> tuple[list[Entry], list[Entry]]:
    """(approved, queued): the entries the rules let through, approved at once only for an
    auto-approved feed; the rest are dropped."""
    passed = [entry for entry in entries if _passes(rules, entry)]
    return (passed, []) if auto_approve else ([], passed)


# -- the queue file --------------------------------------------------------------------------


def load_queue(path: Path) -> list[dict]:
    """The headlines of the queue file at `path` ([] when there is none yet)."""
    try:
        data = json.loads(path.read_bytes())
    except FileNotFoundError:
        return []
    except (OSError, ValueError) as exc:
        raise FeedError(
            f"{path}: cannot read the headline queue ({exc}); fix or remove it"
        ) from None
    if not isinstance(data, dict) or data.get("version") != FORMAT_VERSION:
        raise FeedError(f"{path}: not a version {FORMAT_VERSION} headline queue; remove it")
    headlines = data.get("headlines")
    if not isinstance(headlines, list) or not all(isinstance(h, dict) for h in headlines):
        raise FeedError(f"{path}: headlines must be a list of objects; remove the file")
    return headlines


def save_queue(path: Path, headlines: Sequence[Mapping]) -> None:
    """Write the queue file atomically (a console reading it sees the old or the new one)."""
    data = {"version": FORMAT_VERSION, "headlines": [dict(h) for h in headlines]}
    text = json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True)
    atomic_write(path, text.encode("utf-8") + b"\n", durable=True, mode=0o644)


def merge_fetch(
    headlines: Sequence[Mapping],
    feed: OfficeFeed,
    entries: Sequence[Entry],
    now: dt.datetime,
) -> list[dict]:
    """The queue after a fetch of `feed`: its headlines are what the rules let through of
    this fetch, each keeping the decision made on it before (rejected stays rejected); a
    headline gone from the feed leaves the queue and the ticker."""
    approved, queued = filter_entries(feed.rules, entries, auto_approve=feed.auto_approve)
    before = {h.get("id"): h for h in headlines if h.get("feed") == feed.url}
    fresh: list[dict] = []
    stamp = format_utc(now)
    for entry, state in [*((e, "approved") for e in approved), *((e, "queued") for e in queued)]:
        record = {**asdict(entry), "categories": list(entry.categories), "feed": feed.url}
        record.update(fetched_at=stamp, state=state, approver=None, decided_at=None)
        if state == "approved":
            record.update(approver=AUTO_APPROVER, decided_at=stamp)
        old = before.get(entry.id)
        if old is not None and old.get("state") in ("approved", "rejected"):
            record.update(
                state=old["state"], approver=old.get("approver"), decided_at=old.get("decided_at")
            )
        fresh.append(record)
    return [*(dict(h) for h in headlines if h.get("feed") != feed.url), *fresh]


def _decide(
    headlines: Sequence[Mapping], ids: Iterable[str], approver: str, now: dt.datetime, state: str
) -> list[dict]:
    if not isinstance(approver, str) or not approver.strip() or len(approver) > MAX_APPROVER:
        raise FeedError(f"approver: give a name of 1 to {MAX_APPROVER} characters")
    if approver == AUTO_APPROVER:
        raise FeedError(f"approver: {AUTO_APPROVER!r} is kept for auto-approved feeds")
    wanted = set(ids)
    known = {h.get("id") for h in headlines}
    missing = sorted(wanted - known)
    if missing:
        raise FeedError(
            f"no headline {missing[0]!r} in the queue; list them with `videotron feeds`"
        )
    stamp = format_utc(now)
    return [
        {**h, "state": state, "approver": approver, "decided_at": stamp}
        if h.get("id") in wanted
        else dict(h)
        for h in headlines
    ]


def approve_headlines(
    headlines: Sequence[Mapping], ids: Iterable[str], approver: str, now: dt.datetime
) -> list[dict]:
    """The queue with the headlines `ids` approved by `approver` at `now` (publish next)."""
    return _decide(headlines, ids, approver, now, "approved")


def reject_headlines(
    headlines: Sequence[Mapping], ids: Iterable[str], approver: str, now: dt.datetime
) -> list[dict]:
    """The queue with the headlines `ids` rejected: they never reach a screen."""
    return _decide(headlines, ids, approver, now, "rejected")


def approved_for(headlines: Sequence[Mapping], feed_url: str) -> list[dict]:
    """The approved headlines of one feed as the manifest carries them, newest first."""
    chosen = [h for h in headlines if h.get("feed") == feed_url and h.get("state") == "approved"]
    return [
        {  # a hand-edited queue's gaps are the manifest parser's to report, by field
            "text": h.get("text"),
            "feed": feed_url,
            "approver": h.get("approver"),
            "approved_at": h.get("decided_at"),
        }
        for h in chosen[:MAX_PER_FEED]
    ]


def refresh(
    queue_path: Path,
    feeds: Sequence[OfficeFeed],
    now: dt.datetime,
    fetcher: Callable[[str], bytes] = fetch,
) -> tuple[list[dict], dict[str, str]]:
    """Fetch every feed, filter, merge into the queue file and save it.

    Returns (the queue, {feed url: error}); a feed that fails keeps its headlines as they
    were, so a dead feed server does not empty the ticker.
    """
    headlines = load_queue(queue_path)
    errors: dict[str, str] = {}
    for feed in feeds:
        try:
            entries = parse_entries(fetcher(feed.url), feed.url)
        except FeedError as exc:
            errors[feed.url] = str(exc)
            continue
        headlines = merge_fetch(headlines, feed, entries, now)
    save_queue(queue_path, headlines)
    return headlines, errors
