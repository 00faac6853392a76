"""Why a sync failed: one kind per cause, with its exit code and what a technician can do."""

from __future__ import annotations

from enum import StrEnum
from typing import NamedTuple


class SyncFailure(StrEnum):
    """A failure kind; its value starts the one-line reason in logs and `videotron status`,
    its exit code is what `videotron sync --once` returns."""

    exit_code: int
    note: str  # what the exit code means, in `videotron sync --help`
    hint: str  # what to do about it, logged with the first failure of this kind

    def __new__(cls, value: str, exit_code: int, note: str, hint: str) -> SyncFailure:
        member = str.__new__(cls, value)
        member._value_ = value
        member.exit_code = exit_code
        member.note = note
        member.hint = hint
        return member

    ERROR = (
        "error",
        1,
        "unexpected error",
        "a fault in the player itself: report it with the journal (journalctl -u videotron)",
    )
    CONFIG = ("config", 2, "config", "run `videotron check-config` and fix what it names")
    NETWORK = (
        "network",
        3,
        "network",
        "check the link and the server; the screen plays its cached content meanwhile",
    )
    SIGNATURE = (
        "signature",
        4,
        "signature",
        "compare source.public_key with the publisher's KEY.pub, and publish signed",
    )
    DISK = ("disk", 5, "disk", "free disk space, or lower cache.max_size")
    HASH = (
        "hash",
        6,
        "hash",
        "the server holds media that differ from what the manifest names: publish again",
    )
    MANIFEST = (
        "manifest",
        7,
        "manifest (bad or wrong group)",
        "publish again with a current `videotron publish`, and check player.group",
    )
    BUSY = (
        "busy",
        8,
        "a running player owns the cache",
        "the running player syncs by itself; restart it or send it the MQTT 'sync' command",
    )
    REPLAY = (
        "replay",
        9,
        "replayed (an older manifest than the one playing)",
        "publish again (every publish raises the sequence), or find the server or mirror "
        "that serves an old copy",
    )
    APPROVAL = (
        "approval",
        11,
        "not approved (source.require_approval)",
        "approve the items named in the console, or give each item of the playlist YAML an "
        "approval: {approver, approved_at}, and publish again; the screen keeps playing the "
        "last approved content meanwhile",
    )
    FEED = (
        "feed",
        12,
        "names an unsigned ticker feed",
        "have the office fetch the feed and publish its headlines signed (a ticker feed with "
        "rules in the playlist YAML, then `videotron feeds` and publish), or let this screen "
        "read feeds from the internet with source.allow_unsigned_feeds: true in player.yaml",
    )
    STOPPED = (
        "stopped",
        10,
        "stopped before it finished",
        "nothing to do: the next sync starts by itself",
    )


# Kinds that mean "the source serves a manifest this screen will not play": shown as
# MANIFEST REFUSED by `videotron status` and sent to the office until one plays again.
REFUSALS = frozenset(
    (
        SyncFailure.SIGNATURE,
        SyncFailure.MANIFEST,
        SyncFailure.REPLAY,
        SyncFailure.APPROVAL,
        SyncFailure.FEED,
    )
)


class Failed(NamedTuple):
    """One failure: its kind and the line that says what happened."""

    kind: SyncFailure
    reason: str


def exit_notes() -> str:
    """`videotron sync`'s exit codes, as printed at the end of its --help."""
    codes = sorted(SyncFailure, key=lambda kind: kind.exit_code)
    return "; ".join(["0 current", *(f"{kind.exit_code} {kind.note}" for kind in codes)])
