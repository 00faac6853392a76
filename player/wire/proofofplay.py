"""Proof-of-play shapes declared once: a play, the batch a player sends, the collector's ack."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import TypedDict

from player.wire.bounds import INT64_MAX, Bound
from player.wire.isotime import format_utc

MAX_ACK_IDS = 100_000  # an ack naming more ids than this is not one of ours
YEAR = 366 * 86400.0  # seconds: no play lasts longer, even across a clock jump

# What the collector stores of a batch, each within its bound (central/db/store.py leaves out
# a `dropped` out of range; a record with a value out of range is unreadable: kept as an
# error, acknowledged, never stored). Longer text is cut.
POP_BOUNDS: dict[str, Bound] = {
    "store": Bound(length=64),
    "group": Bound(length=128),
    "dropped": Bound(low=0, high=INT64_MAX),
    "records[].id": Bound(low=0, high=INT64_MAX),  # the player's SQLite rowid
    "records[].item_id": Bound(length=256),
    "records[].media": Bound(length=64),
    "records[].playlist": Bound(length=256),
    "records[].duration": Bound(low=-YEAR, high=YEAR),  # negative after a clock jump
}

# docs/PROTOCOL.md ("Proof of play") shows these on the wire; tests/wire/test_proofofplay.py
# fails when a module of either end names a key that a shape here does not declare.


@dataclass(frozen=True)
class PlayRecord:
    """One play of one item, as the render loop reports it."""

    item_id: str
    media: str | None  # sha256, or None for text/clock/ticker items
    started_at: dt.datetime  # aware, UTC
    ended_at: dt.datetime  # aware, UTC
    completed: bool  # False when cut short (withdrawn, alert, display off, stop)
    playlist: str | None = None


class Play(TypedDict):
    """One play as the player stores it (`pop.sqlite3`) and uploads it."""

    item_id: str
    media: str | None
    playlist: str | None
    started_at: str  # ISO-8601 UTC with milliseconds
    ended_at: str
    duration: float  # seconds, to the millisecond
    completed: bool


class SentPlay(Play):
    """A play in a batch: with its id in the player's store, which the ack names."""

    id: int


class PopBatch(TypedDict):
    """The message on `<prefix>/player/<id>/pop`: the oldest plays, under a new batch id."""

    player: str
    group: str
    store: str  # the random id of the player's store file
    batch: str  # new for every send
    sent_at: str
    dropped: int  # plays the store's cap dropped since it began
    records: list[SentPlay]


class PopAck(TypedDict):
    """The message on `<prefix>/player/<id>/pop/ack`: ids committed by the collector."""

    store: str
    batch: str | None  # the batch answered; None from a collector that cannot tell
    ids: list[int]


SHAPES: dict[str, type] = {
    "Play": Play,
    "SentPlay": SentPlay,
    "PopBatch": PopBatch,
    "PopAck": PopAck,
}


def play_fields(record: PlayRecord) -> Play:
    """The JSON shape of one play, as stored and as uploaded."""
    play: Play = {
        "item_id": record.item_id,
        "media": record.media,
        "playlist": record.playlist,
        "started_at": format_utc(record.started_at, timespec="milliseconds"),
        "ended_at": format_utc(record.ended_at, timespec="milliseconds"),
        "duration": round((record.ended_at - record.started_at).total_seconds(), 3),
        "completed": record.completed,
    }
    return play


def pop_batch(
    *,
    player: str,
    group: str,
    store: str,
    batch: str,
    sent_at: dt.datetime,
    dropped: int,
    plays: list[tuple[int, Play]],
) -> PopBatch:
    """The batch message for `plays` (store id, play) in this order, as docs/PROTOCOL.md shows."""
    message: PopBatch = {
        "player": player,
        "group": group,
        "store": store,
        "batch": batch,
        "sent_at": format_utc(sent_at),
        "dropped": dropped,
        "records": [{"id": row_id, **play} for row_id, play in plays],
    }
    return message


def pop_ack(store: str, batch: str | None, ids: list[int] | tuple[int, ...]) -> PopAck:
    """The ack for the plays `ids` of `store`, answering `batch`."""
    ack: PopAck = {"store": store, "batch": batch, "ids": list(ids)}
    return ack


def as_json(message: PopBatch | PopAck) -> str:
    """A message as the JSON text both ends have always sent (json.dumps' default spacing)."""
    return json.dumps(message)


def parse_ack(data: bytes) -> PopAck:
    """An ack message read back; ValueError says what is wrong with it.

    Ids that are not integers are left out (they cannot name a play); `batch` may be
    missing (older collectors) or anything but a string, which reads as None.
    """
    try:
        message = json.loads(data)
    except (ValueError, RecursionError) as exc:
        raise ValueError(f"proof-of-play ack is not JSON: {exc}") from None
    if not isinstance(message, dict):
        raise ValueError("proof-of-play ack is not a JSON object")
    ack: PopAck = message
    store, batch, ids = ack.get("store"), ack.get("batch"), ack.get("ids")
    if not isinstance(store, str):
        raise ValueError(f"proof-of-play ack has no store id (got {store!r:.80})")
    if not isinstance(ids, list) or len(ids) > MAX_ACK_IDS:
        raise ValueError(f"proof-of-play ack ids must be a list of at most {MAX_ACK_IDS}")
    return pop_ack(
        store, batch if isinstance(batch, str) else None, [i for i in ids if type(i) is int]
    )
