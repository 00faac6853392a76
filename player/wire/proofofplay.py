"""Proof-of-play shapes declared once: play, alert shown, brightness span, batch, ack."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import NotRequired, TypedDict

from player.wire.bounds import INT32_MAX, INT64_MAX, Bound
from player.wire.isotime import format_utc

MAX_ACK_IDS = 100_000  # an ack naming more ids than this is not one of ours
HEADLINE_CHARS = 120  # an alert record names its alert by a short headline, not its text
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
    "alerts[].id": Bound(low=0, high=INT64_MAX),  # the rowid of the player's alerts table
    "alerts[].alert_id": Bound(length=256),
    "alerts[].level": Bound(length=16),
    "alerts[].headline": Bound(length=256),
    "alerts[].duration": Bound(low=-YEAR, high=YEAR),
    "alerts[].pages": Bound(low=0, high=INT32_MAX),
    "alerts[].pages_shown": Bound(low=0, high=INT32_MAX),
    "brightness[].id": Bound(low=0, high=INT64_MAX),  # the rowid of the player's brightness table
    "brightness[].level": Bound(low=0, high=100),  # percent
    "brightness[].source": Bound(length=16),
    "brightness[].via": Bound(length=32),
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


@dataclass(frozen=True)
class AlertPlayRecord:
    """One version of one alert on screen, from the switch to it until it was taken off."""

    alert_id: str
    issued_at: dt.datetime | None  # aware, UTC: the version (None from a sender that gave none)
    level: str
    headline: str  # the headline, or the start of the text when the sender gave only text
    started_at: dt.datetime  # aware, UTC
    ended_at: dt.datetime  # aware, UTC
    pages: int  # pages of the alert card (1: it fits on one)
    pages_shown: int  # pages that came on screen at least once while it was shown
    completed: bool  # True when it stayed until it expired; False when cut or replaced


@dataclass(frozen=True)
class BrightnessSpanRecord:
    """The wall held at one level from one source through one output, as the keeper reports it."""

    level: int  # percent
    source: str  # plan, sensor, failsafe, none (player/led/plan.py `Level.source`)
    via: str  # the sending card's name (novastar), or software (the picture dimmed)
    started_at: dt.datetime  # aware, UTC
    ended_at: dt.datetime  # aware, UTC: the next change, the hour's end, or the keeper's stop


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


class AlertPlay(TypedDict):
    """One alert version's time on screen, as the player stores it and uploads it."""

    alert_id: str
    issued_at: str | None  # the version: ISO-8601 UTC, as the alert carried it
    level: str  # info | warning | emergency
    headline: str  # at most HEADLINE_CHARS characters
    started_at: str  # ISO-8601 UTC with milliseconds
    ended_at: str
    duration: float  # seconds, to the millisecond
    pages: int
    pages_shown: int
    completed: bool


class SentAlertPlay(AlertPlay):
    """An alert record in a batch: with its id in the player's store (its own id sequence)."""

    id: int


class BrightnessSpan(TypedDict):
    """One brightness span, as the player stores it and uploads it."""

    level: int
    source: str
    via: str
    started_at: str  # ISO-8601 UTC with milliseconds
    ended_at: str


class SentBrightnessSpan(BrightnessSpan):
    """A brightness span in a batch: with its id in the player's store (its own id sequence)."""

    id: int


class PopBatch(TypedDict):
    """The message on `<prefix>/player/<id>/pop`: the oldest plays, under a new batch id.

    `alerts` is there only when alert records wait: a collector that predates them reads
    the plays and never looks at it, and a player that predates them never sends it.
    `brightness` is the same for brightness spans.
    """

    player: str
    group: str
    store: str  # the random id of the player's store file
    batch: str  # new for every send
    sent_at: str
    dropped: int  # plays the store's cap dropped since it began
    records: list[SentPlay]
    alerts: NotRequired[list[SentAlertPlay]]
    brightness: NotRequired[list[SentBrightnessSpan]]


class PopAck(TypedDict):
    """The message on `<prefix>/player/<id>/pop/ack`: ids committed by the collector.

    `alert_ids` comes from a collector that stores alert records, always (empty when the
    batch had none); its absence tells a player that the collector predates them.
    `brightness_ids` is the same for brightness spans.
    """

    store: str
    batch: str | None  # the batch answered; None from a collector that cannot tell
    ids: list[int]
    alert_ids: NotRequired[list[int]]
    brightness_ids: NotRequired[list[int]]


SHAPES: dict[str, type] = {
    "Play": Play,
    "SentPlay": SentPlay,
    "AlertPlay": AlertPlay,
    "SentAlertPlay": SentAlertPlay,
    "BrightnessSpan": BrightnessSpan,
    "SentBrightnessSpan": SentBrightnessSpan,
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


def alert_play_fields(record: AlertPlayRecord) -> AlertPlay:
    """The JSON shape of one alert's time on screen, as stored and as uploaded."""
    alert: AlertPlay = {
        "alert_id": record.alert_id,
        "issued_at": (
            format_utc(record.issued_at, timespec="milliseconds") if record.issued_at else None
        ),
        "level": record.level,
        "headline": record.headline[:HEADLINE_CHARS],
        "started_at": format_utc(record.started_at, timespec="milliseconds"),
        "ended_at": format_utc(record.ended_at, timespec="milliseconds"),
        "duration": round((record.ended_at - record.started_at).total_seconds(), 3),
        "pages": record.pages,
        "pages_shown": record.pages_shown,
        "completed": record.completed,
    }
    return alert


def brightness_span_fields(record: BrightnessSpanRecord) -> BrightnessSpan:
    """The JSON shape of one brightness span, as stored and as uploaded."""
    span: BrightnessSpan = {
        "level": record.level,
        "source": record.source,
        "via": record.via,
        "started_at": format_utc(record.started_at, timespec="milliseconds"),
        "ended_at": format_utc(record.ended_at, timespec="milliseconds"),
    }
    return span


def pop_batch(
    *,
    player: str,
    group: str,
    store: str,
    batch: str,
    sent_at: dt.datetime,
    dropped: int,
    plays: list[tuple[int, Play]],
    alerts: list[tuple[int, AlertPlay]] | None = None,
    brightness: list[tuple[int, BrightnessSpan]] | None = None,
) -> PopBatch:
    """The batch message for `plays` (store id, play) in this order, as docs/PROTOCOL.md shows;
    `alerts` (store id, alert record) and `brightness` (store id, span) only when there are
    any, so the bytes of a batch without them stay what every collector has read."""
    message: PopBatch = {
        "player": player,
        "group": group,
        "store": store,
        "batch": batch,
        "sent_at": format_utc(sent_at),
        "dropped": dropped,
        "records": [{"id": row_id, **play} for row_id, play in plays],
    }
    if alerts:
        message["alerts"] = [{"id": row_id, **alert} for row_id, alert in alerts]
    if brightness:
        message["brightness"] = [{"id": row_id, **span} for row_id, span in brightness]
    return message


def pop_ack(
    store: str,
    batch: str | None,
    ids: list[int] | tuple[int, ...],
    alert_ids: list[int] | tuple[int, ...] | None = None,
    brightness_ids: list[int] | tuple[int, ...] | None = None,
) -> PopAck:
    """The ack for the plays `ids` of `store`, answering `batch`; `alert_ids` (the alert
    records committed) and `brightness_ids` (the brightness spans committed) from a
    collector that stores them, None from one that does not."""
    ack: PopAck = {"store": store, "batch": batch, "ids": list(ids)}
    if alert_ids is not None:
        ack["alert_ids"] = list(alert_ids)
    if brightness_ids is not None:
        ack["brightness_ids"] = list(brightness_ids)
    return ack


def as_json(message: PopBatch | PopAck) -> str:
    """A message as the JSON text both ends have always sent (json.dumps' default spacing)."""
    return json.dumps(message)


def parse_ack(data: bytes) -> PopAck:
    """An ack message read back; ValueError says what is wrong with it.

    Ids that are not integers are left out (they cannot name a play); `batch` may be
    missing (older collectors) or anything but a string, which reads as None;
    `alert_ids` missing or not a list reads as a collector that does not store alerts,
    and `brightness_ids` likewise for brightness spans.
    """
    try:
        message = json.loads(data)
    except (ValueError, RecursionError) as exc:
        raise ValueError(f"proof-of-play ack is not JSON: {exc}") from None
    if not isinstance(message, dict):
        raise ValueError("proof-of-play ack is not a JSON object")
    ack: PopAck = message
    store, batch, ids = ack.get("store"), ack.get("batch"), ack.get("ids")
    alert_ids, brightness_ids = ack.get("alert_ids"), ack.get("brightness_ids")
    if not isinstance(store, str):
        raise ValueError(f"proof-of-play ack has no store id (got {store!r:.80})")
    if not isinstance(ids, list) or len(ids) > MAX_ACK_IDS:
        raise ValueError(f"proof-of-play ack ids must be a list of at most {MAX_ACK_IDS}")
    if isinstance(alert_ids, list) and len(alert_ids) > MAX_ACK_IDS:
        raise ValueError(f"proof-of-play ack alert_ids must be a list of at most {MAX_ACK_IDS}")
    if isinstance(brightness_ids, list) and len(brightness_ids) > MAX_ACK_IDS:
        raise ValueError(
            f"proof-of-play ack brightness_ids must be a list of at most {MAX_ACK_IDS}"
        )
    return pop_ack(
        store,
        batch if isinstance(batch, str) else None,
        [i for i in ids if type(i) is int],
        [i for i in alert_ids if type(i) is int] if isinstance(alert_ids, list) else None,
        (
            [i for i in brightness_ids if type(i) is int]
            if isinstance(brightness_ids, list)
            else None
        ),
    )
