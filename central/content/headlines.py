"""The console's ticker headlines: the office's feeds fetched into one queue, vetted by approvers.

The feeds are central.yaml's `console.feeds`; their queue is central/feeds.py's file in the
library folder, read by each console publish whose ticker names a feed. A decision changes
the queue only: approved headlines reach a group's screens with its next publish, which
`republish` makes at once from the group's last approved content.
"""

from __future__ import annotations

import datetime as dt
import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection

from central import feeds
from central.config import CentralConfig
from central.content import review
from central.db import content as stored
from central.db.audit import record

# decision → (how the queue changes, the audit log's action)
DECISIONS = {
    "approve": (feeds.approve_headlines, "headlines-approved"),
    "reject": (feeds.reject_headlines, "headlines-rejected"),
}


def queue_path(config: CentralConfig) -> Path:
    """The console's headline queue, in the library folder (ReviewError when it is unset)."""
    return review.library_folder(config) / feeds.HEADLINES_FILE


def _aware(now: dt.datetime) -> dt.datetime:
    """The console's clock is naive UTC (as the database); the queue's times are aware."""
    return now if now.tzinfo is not None else now.replace(tzinfo=dt.UTC)


@contextmanager
def _locked(queue: Path) -> Iterator[None]:
    """One read-modify-write of the queue at a time: two approvers deciding at once (threads
    of the console, or a fetch) must not undo each other's decisions."""
    queue.parent.mkdir(parents=True, exist_ok=True)
    with open(queue.with_name(queue.name + ".lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def groups_using(connection: Connection, config: CentralConfig) -> dict[str, list[str]]:
    """feed URL → the groups whose last approved ticker shows it."""
    using: dict[str, list[str]] = {}
    for group in sorted(config.publish.groups):
        layout = review.current_layout(connection, group) or {}
        for url in (layout.get("ticker") or {}).get("feeds") or ():
            using.setdefault(url, []).append(group)
    return using


def headlines_data(connection: Connection, config: CentralConfig) -> list[dict]:
    """Per office feed: its queued headlines (newest first as fetched), how many are approved
    and rejected, and the groups whose screens show its approved ones."""
    queue = feeds.load_queue(queue_path(config))
    using = groups_using(connection, config)
    rows = []
    for feed in config.console.feeds:
        own = [h for h in queue if h.get("feed") == feed.url]
        rows.append({
            "url": feed.url, "auto_approve": feed.auto_approve,
            "queued": [h for h in own if h.get("state") == "queued"],
            "approved": [h for h in own if h.get("state") == "approved"],
            "rejected": sum(h.get("state") == "rejected" for h in own),
            "fetched_at": max((h.get("fetched_at") or "" for h in own), default=""),
            "groups": using.get(feed.url, []),
        })  # fmt: skip
    return rows


def decide(connection: Connection, config: CentralConfig, decision: str, ids: list[str], *,
           approver: str, now: dt.datetime) -> int:  # fmt: skip
    """Approve or reject the queued headlines `ids`; each feed's decision is audited. Returns
    how many were decided; FeedError when an id is not in the queue (nothing changes)."""
    now = _aware(now)
    queue = queue_path(config)
    with _locked(queue):
        headlines = feeds.load_queue(queue)
        change, action = DECISIONS[decision]
        decided = change(headlines, ids, approver, now)
        feeds.save_queue(queue, decided)
    chosen = set(ids)
    per_feed: dict[str, list[dict]] = {}
    for headline in headlines:
        if headline.get("id") in chosen:
            per_feed.setdefault(str(headline.get("feed")), []).append(headline)
    for url, decided_here in per_feed.items():
        record(connection, now, approver, action, url, detail={
            "count": len(decided_here),
            "headlines": [{"id": h.get("id"), "text": h.get("text")} for h in decided_here],
        })  # fmt: skip
    return len(chosen)


def fetch(config: CentralConfig, now: dt.datetime) -> dict[str, str]:
    """Fetch every office feed into the queue now (no database: a fetch may take its
    deadline); {feed url: error} of those that failed, their headlines kept as they were."""
    queue = queue_path(config)
    with _locked(queue):
        _, errors = feeds.refresh(queue, config.console.feeds, _aware(now))
    return errors


def fetched(connection: Connection, config: CentralConfig, errors: dict[str, str], *,
            actor: str, now: dt.datetime) -> None:  # fmt: skip
    """The audit line of a fetch."""
    record(connection, now, actor, "headlines-fetched", None,
           detail={"feeds": len(config.console.feeds), "failed": sorted(errors)})  # fmt: skip


def republish(connection: Connection, config: CentralConfig, group: str, actor: str,
              now: dt.datetime) -> review.Published:  # fmt: skip
    """Publish `group`'s last approved content again, so its ticker carries the headlines
    approved since; nothing of the content changes, so every approval stays as it was."""
    latest = stored.latest_approved(connection, group)
    if latest is None:
        raise review.ReviewError("nothing_approved", f"group {group!r} has no approved content")
    return review.publish_group(connection, config, group, latest["items"], actor=actor,
                                now=now, layout=latest["layout"])  # fmt: skip
