"""Content approval on the wire: who approved an item, when, and the hash of what they saw."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

# What an approver vetted: what the screen shows of the item and for how long. Not its id,
# playlist, position or schedule (a playlist edit that leaves the item as it was keeps its
# approval) and not the approval itself.
CONTENT_KEYS = ("type", "media", "text", "style", "fit", "duration", "transition")
MAX_APPROVER = 128  # characters of an approver's name


@dataclass(frozen=True)
class Approval:
    """An item's approval as the signed manifest carries it."""

    approver: str
    approved_at: dt.datetime  # aware UTC
    content_hash: str  # sha256 hex of the item's content, see `content_hash`
    # Whether `content_hash` is the hash of the item it rides on; a player that requires
    # approval refuses a manifest where it is not (content changed after approval).
    matches: bool = True


def ticker_content(lines: Sequence[str]) -> dict:
    """The ticker's typed lines as the content `content_hash` covers: what an approver read
    (not the bar's position, colours or speed, nor the feeds' headlines, signed one by one)."""
    return {"type": "ticker", "text": "\n".join(lines)}


def content_hash(item: Mapping) -> str:
    """sha256 hex of an item's content: its CONTENT_KEYS as canonical JSON (absent or null
    keys left out), so the publisher and every player compute the same value."""
    content = {key: item[key] for key in CONTENT_KEYS if item.get(key) is not None}
    # The manifest's own canonical form (manifest.to_json): sorted keys, compact, UTF-8.
    text = json.dumps(
        content, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
