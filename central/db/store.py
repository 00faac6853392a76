"""Write what the screens report into the database, idempotently, and say what to acknowledge."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import itertools
import json
import logging
from dataclasses import dataclass, field

from sqlalchemy import Connection, and_, bindparam, delete, func, insert, select, tuple_, update

from central.db.bounds import SCREENSHOT_BOUNDS, Refused, bounded_text, check, check_all
from central.db.health import health_row, sampled_at
from central.db.rollup import add_plays
from central.db.schema import (
    alert_plays,
    brightness_spans,
    errors,
    health_samples,
    online_periods,
    plays,
    screens,
    screenshots,
    status_changes,
)
from player.wire.isotime import parse_utc
from player.wire.proofofplay import (
    POP_BOUNDS,
    PopBatch,
    SentAlertPlay,
    SentBrightnessSpan,
    SentPlay,
)
from player.wire.status import (
    PLAYER_ID,
    STATUS_BOUNDS,
    ErrorEntry,
    MessageSync,
    ReportSection,
    StatusMessage,
)

log = logging.getLogger(__name__)

MAX_ERRORS_REMEMBERED = 200  # per screen: recent errors already stored, to skip repeats

# Status fields that change every heartbeat: a status differing only in these is no change.
# What makes a status a change worth a row of history: presence, restarts (pid), the
# screen on or off, alerts, content version and sync outcome, config errors, health. The
# item on screen changes every few seconds and is in the plays; clocks, temperatures and
# counters change with every heartbeat.
HISTORY_KEYS = (
    "online", "version", "pid", "screen", "alert", "manifest_sequence", "config_errors",
    "health", "reason",
)  # fmt: skip
MAX_SCREENSHOT_BYTES = 512 * 1024  # players send at most 200 KiB; refuse anything far beyond
JPEG_MAGIC = b"\xff\xd8\xff"
CHUNK = 500  # keys per IN (...): far below SQLite's and PostgreSQL's parameter limits


@dataclass(frozen=True)
class Report:
    """One message from a player: `kind` is status, pop or screenshot."""

    player: str
    kind: str
    payload: bytes
    received_at: dt.datetime  # naive UTC


@dataclass(frozen=True)
class Ack:
    """What to publish on `<prefix>/player/<player>/pop/ack` once the transaction committed."""

    player: str
    store: str
    batch: str | None
    ids: tuple[int, ...]
    alert_ids: tuple[int, ...] = ()  # always sent: it tells the player alerts are stored
    brightness_ids: tuple[int, ...] = ()  # always sent, as alert_ids


@dataclass
class _Screen:
    online: bool
    status_key: str | None
    health_at: dt.datetime | None = None  # the newest health sample stored
    errors_seen: dict[str, tuple] = field(default_factory=dict)  # message → (at, count)


@dataclass
class _Pending:
    """Rows of one group of reports, sent together at the end of `Recorder.write`."""

    screen_inserts: list[dict] = field(default_factory=list)  # screens seen for the first time
    screen_updates: dict[str, dict] = field(default_factory=dict)  # player → latest values
    period_ops: list[tuple[str, dict]] = field(default_factory=list)  # ("open"|"close", row)
    status_rows: list[dict] = field(default_factory=list)
    health_rows: list[dict] = field(default_factory=list)
    # (player, store, record id) → row; a play repeated within the group is kept once.
    plays: dict[tuple[str, str, int], dict] = field(default_factory=dict)
    alert_plays: dict[tuple[str, str, int], dict] = field(default_factory=dict)  # the same
    brightness_spans: dict[tuple[str, str, int], dict] = field(default_factory=dict)  # the same


@dataclass
class Outcome:
    acks: list[Ack] = field(default_factory=list)
    plays_new: int = 0
    plays_repeated: int = 0
    rejected: int = 0
    alerts_new: int = 0
    alerts_repeated: int = 0
    # What to log once the transaction committed: a group that fails and is tried again
    # report by report would otherwise say each thing twice.
    notes: list[tuple[int, str]] = field(default_factory=list)

    def note(self, level: int, text: str) -> None:
        self.notes.append((level, text))

    def log_notes(self) -> None:
        for level, text in self.notes:
            log.log(level, "%s", text)


def utc(value: object, fallback: dt.datetime) -> dt.datetime:
    """A message's ISO time as naive UTC, or `fallback` when missing or unreadable."""
    try:
        return parse_utc(value).replace(tzinfo=None)
    except ValueError:
        return fallback


class Recorder:
    """Turns reports into rows. Owned by the collector's writer thread.

    `write` runs one transaction for a whole group of reports; it remembers each screen's
    online state and last status so a heartbeat costs one UPDATE. After a failed
    transaction the caller calls `forget()`: what was remembered may not have been kept.
    """

    def __init__(self, screenshots_kept: int = 5) -> None:
        self.screenshots_kept = screenshots_kept
        self._screens: dict[str, _Screen] = {}

    def forget(self) -> None:
        self._screens.clear()

    def write(self, connection: Connection, reports: list[Report]) -> Outcome:
        """Store `reports` in the caller's transaction; the acks are valid once it commits.

        Frequent statements (screen updates, status changes, plays) are collected and sent
        as one executemany each: a group of a thousand reports costs a handful of round
        trips, not thousands.
        """
        outcome, pending = Outcome(), _Pending()
        self._prefetch(connection, {r.player for r in reports} - set(self._screens))
        for report in reports:
            try:
                message = json.loads(report.payload)
                if not isinstance(message, dict):
                    raise ValueError("not a JSON object")
            except (ValueError, RecursionError) as exc:
                outcome.note(
                    logging.WARNING,
                    f"{report.kind} from {report.player:.140} is not JSON ({exc}); dropped",
                )
                outcome.rejected += 1
                continue
            try:
                # Each handler checks its bounds before it changes anything: a refused
                # report leaves no row behind and the rest of the group goes on.
                if len(report.player) > PLAYER_ID.length:
                    raise Refused("player id (the topic)", report.player, PLAYER_ID)
                if report.kind == "status":
                    self._status(connection, report, message, pending)
                elif report.kind == "pop":
                    self._pop(connection, report, message, outcome, pending)
                elif report.kind == "screenshot":
                    self._screenshot(connection, report, message, outcome, pending)
            except Refused as refusal:
                outcome.rejected += 1
                self._refuse(connection, report, refusal, outcome)
        self._flush(connection, pending, outcome)
        return outcome

    def _refuse(
        self, connection: Connection, report: Report, refusal: Refused, outcome: Outcome
    ) -> None:
        text = f"{report.kind} refused, not stored: {refusal}"
        if refusal.field.startswith("player id"):
            outcome.note(logging.ERROR, f"{report.player:.140}: {text}")  # no screen to keep it for
        else:
            self._collector_error(connection, report.player, text, report.received_at, outcome)

    def record_error(self, connection: Connection, report: Report, text: str) -> None:
        """Keep `text` as a collector error of the report's screen (when its id can be kept);
        the caller logs it."""
        if len(report.player) <= PLAYER_ID.length:
            self._collector_error(connection, report.player, text, report.received_at, None)

    def _prefetch(self, connection: Connection, players: set[str]) -> None:
        names = sorted(players)
        for start in range(0, len(names), CHUNK):
            rows = connection.execute(
                select(screens.c.player, screens.c.online, screens.c.status).where(
                    screens.c.player.in_(names[start : start + CHUNK])
                )
            )
            for row in rows:
                self._screens[row.player] = _known(row)

    def _flush(self, connection: Connection, pending: _Pending, outcome: Outcome) -> None:
        if pending.screen_inserts:
            connection.execute(insert(screens), pending.screen_inserts)
        # Periods in order (a screen may go and come back within one group); runs of one
        # kind go as one executemany, which at the first sight of a fleet is all of them.
        close = (
            update(online_periods)
            .where(
                and_(
                    online_periods.c.player == bindparam("b_player"),
                    online_periods.c.ended_at.is_(None),
                )
            )
            .values(ended_at=bindparam("ended_at"), end_reason=bindparam("end_reason"))
        )
        for kind, run in itertools.groupby(pending.period_ops, key=lambda op: op[0]):
            rows = [row for _, row in run]
            connection.execute(insert(online_periods) if kind == "open" else close, rows)
        by_columns: dict[tuple[str, ...], list[dict]] = {}
        for player, values in pending.screen_updates.items():
            by_columns.setdefault(tuple(sorted(values)), []).append({"b_player": player, **values})
        for columns, rows in by_columns.items():
            statement = (
                update(screens)
                .where(screens.c.player == bindparam("b_player"))
                .values({c: bindparam(c) for c in columns})
            )
            connection.execute(statement, rows)
        if pending.status_rows:
            connection.execute(insert(status_changes), pending.status_rows)
        if pending.health_rows:
            connection.execute(insert(health_samples), pending.health_rows)
        if pending.alert_plays:
            new = _new_rows(connection, alert_plays, pending.alert_plays)
            if new:
                connection.execute(insert(alert_plays), new)
            outcome.alerts_new += len(new)
            outcome.alerts_repeated += len(pending.alert_plays) - len(new)
        if pending.brightness_spans:
            new = _new_rows(connection, brightness_spans, pending.brightness_spans)
            if new:
                connection.execute(insert(brightness_spans), new)
        if not pending.plays:
            return
        new = _new_rows(connection, plays, pending.plays)
        if new:
            connection.execute(insert(plays), new)
            add_plays(connection, new)
        outcome.plays_new += len(new)
        outcome.plays_repeated += len(pending.plays) - len(new)

    # ----- screens and status ------------------------------------------------------------

    def _screen(self, connection: Connection, player: str) -> _Screen | None:
        known = self._screens.get(player)
        if known is not None:
            return known
        row = connection.execute(
            select(screens.c.online, screens.c.status).where(screens.c.player == player)
        ).first()
        if row is None:
            return None
        known = self._screens[player] = _known(row)
        return known

    def _ensure_screen(self, connection: Connection, player: str, group, now, pending) -> None:
        if self._screen(connection, player) is None:
            pending.screen_inserts.append(
                {
                    "player": player,
                    "group": bounded_text(group, STATUS_BOUNDS["group"]),
                    "version": None,
                    "first_seen": now,
                    "last_seen": now,
                    "online": False,
                    "online_since": None,
                    "offline_reason": None,
                    "status": None,
                    "dropped": 0,
                }
            )
            self._screens[player] = _Screen(False, None)

    def _status(
        self, connection: Connection, report: Report, message: StatusMessage, pending: _Pending
    ) -> None:
        check_all(message, STATUS_BOUNDS)
        player, now = report.player, report.received_at
        at = utc(message.get("ts"), now)
        online = message.get("online") is True
        text = json.dumps(message, sort_keys=True, default=str)
        key = _status_key(text)
        reason = None if online else bounded_text(message.get("reason"), STATUS_BOUNDS["reason"])
        values = {
            "group": bounded_text(message.get("group"), STATUS_BOUNDS["group"]),
            "version": bounded_text(message.get("version"), STATUS_BOUNDS["version"]),
            "last_seen": now,
            "status": text,
        }
        counts: ReportSection = message.get("report") or {}
        dropped = counts.get("dropped") if isinstance(counts, dict) else None
        if type(dropped) is int:
            values["dropped"] = dropped
        known = self._screen(connection, player)
        if known is None:
            pending.screen_inserts.append(
                {
                    "player": player,
                    "first_seen": now,
                    "online": online,
                    "online_since": at,
                    "offline_reason": reason,
                    **{"dropped": 0, **values},
                }
            )
            known = self._screens[player] = _Screen(not online, None)  # forces the period below
        else:
            if known.online != online:
                values.update(online=online, online_since=at, offline_reason=reason)
            if not online:
                # The last will says only "offline": keep what the screen last reported
                # (item, manifest sequence, cache) for the fleet view.
                del values["status"]
            pending.screen_updates.setdefault(player, {}).update(values)
        if known.online != online:
            # Close whatever is open: a crash leaves a period the last will then ends.
            close = {"b_player": player, "ended_at": at, "end_reason": reason or "reconnected"}
            pending.period_ops.append(("close", close))
            if online:
                pending.period_ops.append(("open", {"player": player, "started_at": at}))
            known.online = online
        if key != known.status_key:
            pending.status_rows.append({"player": player, "at": at, "status": text})
            known.status_key = key
        self._health(player, message.get("machine"), known, pending)
        self._errors(connection, player, message.get("errors"), now, known)

    @staticmethod
    def _health(player: str, machine: object, known: _Screen, pending: _Pending) -> None:
        """A row of health history for a sample not stored yet (a status repeats its sample
        until the next one, every minute; a collector restart reads the last from `screens`)."""
        at = sampled_at(machine)
        if at is None or (known.health_at is not None and at <= known.health_at):
            return
        row = health_row(player, machine)
        if row is not None:
            pending.health_rows.append(row)
            known.health_at = at

    def _errors(self, connection: Connection, player: str, recent: object, now, known) -> None:
        if not isinstance(recent, list):
            return
        entry: ErrorEntry
        for entry in recent[:50]:
            if not isinstance(entry, dict) or not isinstance(entry.get("message"), str):
                continue
            message = bounded_text(entry["message"], STATUS_BOUNDS["errors[].message"])
            where = bounded_text(entry.get("where"), STATUS_BOUNDS["errors[].where"])
            at = utc(entry.get("at"), now)
            count = entry.get("count") if type(entry.get("count")) is int else 1
            if known.errors_seen.get(message) == (at, count):
                continue  # every status repeats the recent errors: most are old news
            known.errors_seen[message] = (at, count)
            while len(known.errors_seen) > MAX_ERRORS_REMEMBERED:  # messages carry URLs, times
                known.errors_seen.pop(next(iter(known.errors_seen)))
            row = connection.execute(
                select(errors.c.id, errors.c.last_at, errors.c.count).where(
                    and_(errors.c.player == player, errors.c.message == message)
                )
            ).first()
            if row is None:
                connection.execute(
                    insert(errors).values(
                        player=player,
                        first_at=at,
                        last_at=at,
                        level=bounded_text(entry.get("level"), STATUS_BOUNDS["errors[].level"]),
                        where=where,
                        message=message,
                        count=count,
                    )
                )
            elif at > row.last_at or count != row.count:
                connection.execute(
                    update(errors)
                    .where(errors.c.id == row.id)
                    .values(last_at=max(at, row.last_at), count=count)
                )

    # ----- proof of play ---------------------------------------------------------------

    def _pop(
        self, connection: Connection, report: Report, message: PopBatch, outcome, pending: _Pending
    ) -> None:
        player, now = report.player, report.received_at
        store, records = message.get("store"), message.get("records")
        if not isinstance(store, str) or not store or not isinstance(records, list):
            outcome.note(
                logging.WARNING, f"proof of play from {player} without store or records; dropped"
            )
            outcome.rejected += 1
            return
        dropped = message.get("dropped")
        try:
            check("dropped", dropped, POP_BOUNDS["dropped"])
        except Refused as exc:
            # A bad counter must not cost the plays it came with: it alone is left out.
            self._collector_error(
                connection, player, f"proof of play: {exc}; ignored", now, outcome
            )
            dropped = None
        rows, ids = {}, []
        record: SentPlay
        for index, record in enumerate(records):
            record_id = record.get("id") if isinstance(record, dict) else None
            if type(record_id) is not int:
                continue  # without an id it cannot be acknowledged either
            try:
                check(f"records[{index}].id", record_id, POP_BOUNDS["records[].id"])
            except Refused as exc:
                # No store of ours gives out such an id: it names no play to acknowledge.
                self._collector_error(connection, player, f"unreadable play: {exc}", now, outcome)
                continue
            ids.append(record_id)
            try:
                rows[record_id] = _play_row(record, now, f"records[{index}]")
            except (KeyError, TypeError, ValueError) as exc:
                # Acknowledged all the same: a record that can never be read must not block
                # the player's queue. The errors table keeps the evidence.
                self._collector_error(
                    connection, player, f"unreadable play {record_id}: {exc}", now, outcome
                )
        group = message.get("group")
        self._ensure_screen(connection, player, group, now, pending)
        if type(dropped) is int:
            pending.screen_updates.setdefault(player, {})["dropped"] = dropped
        store_key, group_name = (
            bounded_text(store, POP_BOUNDS["store"]),
            bounded_text(group, POP_BOUNDS["group"]),
        )
        for record_id, row in rows.items():
            if (player, store_key, record_id) in pending.plays:
                outcome.plays_repeated += 1  # sent twice within this group
                continue
            pending.plays[player, store_key, record_id] = {
                "player": player, "store": store_key, "record_id": record_id,
                "group": group_name, **row,
            }  # fmt: skip
        alert_ids = self._alerts(
            connection, report, message, outcome, pending, store=store_key, group=group_name
        )
        span_ids = self._brightness(
            connection, report, message, outcome, pending, store=store_key, group=group_name
        )
        batch = message.get("batch")
        outcome.acks.append(
            Ack(
                player, store, batch if isinstance(batch, str) else None, tuple(ids),
                tuple(alert_ids), tuple(span_ids),
            )
        )  # fmt: skip

    def _alerts(
        self, connection: Connection, report: Report, message: PopBatch, outcome: Outcome,
        pending: _Pending, *, store: str, group: str | None,
    ) -> list[int]:  # fmt: skip
        """The batch's alert records into `pending`; their ids, to acknowledge. A batch from
        a player that predates alert records has none."""
        player, now = report.player, report.received_at
        records = message.get("alerts")
        if not isinstance(records, list):
            return []
        ids = []
        record: SentAlertPlay
        for index, record in enumerate(records):
            record_id = record.get("id") if isinstance(record, dict) else None
            if type(record_id) is not int:
                continue
            try:
                check(f"alerts[{index}].id", record_id, POP_BOUNDS["alerts[].id"])
            except Refused as exc:
                # As for plays: no store of ours gives out such an id; nothing to acknowledge.
                self._collector_error(
                    connection, player, f"unreadable alert record: {exc}", now, outcome
                )
                continue
            ids.append(record_id)
            try:
                row = _alert_row(record, now, f"alerts[{index}]")
            except (KeyError, TypeError, ValueError) as exc:
                # Acknowledged all the same, as an unreadable play is.
                self._collector_error(
                    connection, player, f"unreadable alert record {record_id}: {exc}", now,
                    outcome,
                )  # fmt: skip
                continue
            key = (player, store, record_id)
            if key in pending.alert_plays:
                outcome.alerts_repeated += 1  # sent twice within this group
                continue
            pending.alert_plays[key] = {
                "player": player, "store": store, "record_id": record_id, "group": group, **row,
            }  # fmt: skip
        return ids

    def _brightness(
        self, connection: Connection, report: Report, message: PopBatch, outcome: Outcome,
        pending: _Pending, *, store: str, group: str | None,
    ) -> list[int]:  # fmt: skip
        """The batch's brightness spans into `pending`; their ids, to acknowledge. A batch
        from a player that predates them has none."""
        player, now = report.player, report.received_at
        spans = message.get("brightness")
        if not isinstance(spans, list):
            return []
        ids = []
        span: SentBrightnessSpan
        for index, span in enumerate(spans):
            record_id = span.get("id") if isinstance(span, dict) else None
            if type(record_id) is not int:
                continue
            try:
                check(f"brightness[{index}].id", record_id, POP_BOUNDS["brightness[].id"])
            except Refused as exc:
                # As for plays: no store of ours gives out such an id; nothing to acknowledge.
                self._collector_error(
                    connection, player, f"unreadable brightness span: {exc}", now, outcome
                )
                continue
            ids.append(record_id)
            try:
                row = _brightness_row(span, now, f"brightness[{index}]")
            except (KeyError, TypeError, ValueError) as exc:
                # Acknowledged all the same, as an unreadable play is.
                self._collector_error(
                    connection, player, f"unreadable brightness span {record_id}: {exc}", now,
                    outcome,
                )  # fmt: skip
                continue
            pending.brightness_spans.setdefault((player, store, record_id), {
                "player": player, "store": store, "record_id": record_id, "group": group, **row,
            })  # fmt: skip
        return ids

    def _collector_error(
        self, connection: Connection, player: str, text: str, now, outcome: Outcome | None
    ) -> None:
        if outcome is not None:
            outcome.note(logging.ERROR, f"{player}: {text}")
        message = bounded_text(text, STATUS_BOUNDS["errors[].message"])
        # A screen sends a bad report again and again (statuses every minute, unacked
        # batches until acked): one row per message, counted, not a row per arrival.
        found = connection.execute(
            select(errors.c.id).where(
                and_(errors.c.player == player, errors.c.where == "collector",
                     errors.c.message == message)
            )
        ).first()  # fmt: skip
        if found is not None:
            connection.execute(
                update(errors)
                .where(errors.c.id == found.id)
                .values(last_at=now, count=errors.c.count + 1)
            )
            return
        connection.execute(
            insert(errors).values(
                player=player, first_at=now, last_at=now, level="ERROR", where="collector",
                message=message, count=1,
            )
        )  # fmt: skip

    # ----- screenshots -----------------------------------------------------------------

    def _screenshot(
        self, connection: Connection, report: Report, message: dict, outcome, pending: _Pending
    ) -> None:
        player, now = report.player, report.received_at
        try:
            jpeg = base64.b64decode(message["jpeg"], validate=True)
        except (KeyError, TypeError, ValueError, binascii.Error):
            jpeg = b""
        if not jpeg.startswith(JPEG_MAGIC) or len(jpeg) > MAX_SCREENSHOT_BYTES:
            outcome.note(
                logging.WARNING,
                f"screenshot from {player} is not a JPEG up to {MAX_SCREENSHOT_BYTES} bytes; "
                "dropped",
            )
            outcome.rejected += 1
            return
        check_all(message, SCREENSHOT_BOUNDS)
        self._ensure_screen(connection, player, None, now, pending)
        connection.execute(
            insert(screenshots).values(
                player=player,
                taken_at=utc(message.get("taken_at"), now),
                received_at=now,
                item=bounded_text(message.get("item"), SCREENSHOT_BOUNDS["item"]),
                playlist=bounded_text(message.get("playlist"), SCREENSHOT_BOUNDS["playlist"]),
                width=message.get("width") if type(message.get("width")) is int else None,
                height=message.get("height") if type(message.get("height")) is int else None,
                jpeg=jpeg,
            )
        )
        latest = (
            select(screenshots.c.id)
            .where(screenshots.c.player == player)
            .order_by(screenshots.c.id.desc())
            .limit(self.screenshots_kept)
        )
        # Beside the latest, the newest of each item played outside a playlist (a campaign's
        # creative): a partner's report shows its campaign on screen weeks later. Old ones go
        # with the plays (central.db.retention).
        per_campaign_item = (
            select(func.max(screenshots.c.id))
            .where(
                and_(
                    screenshots.c.player == player,
                    screenshots.c.playlist.is_(None),
                    screenshots.c.item.is_not(None),
                )
            )
            .group_by(screenshots.c.item)
        )
        connection.execute(
            delete(screenshots).where(
                and_(
                    screenshots.c.player == player,
                    screenshots.c.id.not_in(latest.scalar_subquery()),
                    screenshots.c.id.not_in(per_campaign_item.scalar_subquery()),
                )
            )
        )


def _known(row) -> _Screen:
    """What the recorder remembers of a screen, from its `screens` row."""
    if not row.status:
        return _Screen(bool(row.online), None)
    try:
        message = json.loads(row.status)
    except ValueError:
        message = {}
    machine = message.get("machine") if isinstance(message, dict) else None
    return _Screen(bool(row.online), _status_key(row.status), sampled_at(machine))


def _status_key(text: str) -> str:
    try:
        message: StatusMessage = json.loads(text)
    except ValueError:
        return text
    if not isinstance(message, dict):
        return text
    key = {k: message.get(k) for k in HISTORY_KEYS}
    sync: MessageSync = message.get("sync")
    key["sync"] = sync.get("last_result") if isinstance(sync, dict) else None
    return json.dumps(key, sort_keys=True, default=str)


def _new_rows(connection: Connection, table, rows: dict[tuple[str, str, int], dict]) -> list:
    """The rows of `rows` whose (player, store, record id) `table` does not hold yet."""
    keys = list(rows)
    present: set[tuple[str, str, int]] = set()
    column = tuple_(table.c.player, table.c.store, table.c.record_id)
    for start in range(0, len(keys), CHUNK):
        found = connection.execute(
            select(table.c.player, table.c.store, table.c.record_id).where(
                column.in_(keys[start : start + CHUNK])
            )
        )
        present.update((r.player, r.store, r.record_id) for r in found)
    return [row for key, row in rows.items() if key not in present]


def _times(started: object, ended: object) -> tuple[dt.datetime, dt.datetime]:
    if not isinstance(started, str) or not isinstance(ended, str):
        raise TypeError("started_at and ended_at must be ISO times")
    epoch = dt.datetime(1970, 1, 1)
    started_at, ended_at = utc(started, epoch), utc(ended, epoch)
    if epoch in (started_at, ended_at):
        raise ValueError(f"bad time {started!r} or {ended!r}")
    return started_at, ended_at


def _alert_row(record: SentAlertPlay, now: dt.datetime, where: str) -> dict:
    started_at, ended_at = _times(record["started_at"], record["ended_at"])
    issued = record.get("issued_at")
    pages, shown = record.get("pages"), record.get("pages_shown")
    duration = float(record.get("duration") or (ended_at - started_at).total_seconds())
    check(f"{where}.duration", duration, POP_BOUNDS["alerts[].duration"])
    pages = pages if type(pages) is int else 1
    shown = shown if type(shown) is int else 1
    check(f"{where}.pages", pages, POP_BOUNDS["alerts[].pages"])
    check(f"{where}.pages_shown", shown, POP_BOUNDS["alerts[].pages_shown"])
    return {
        "alert_id": bounded_text(str(record["alert_id"]), POP_BOUNDS["alerts[].alert_id"]),
        "issued_at": None if issued is None else utc(issued, None),
        "level": bounded_text(record.get("level"), POP_BOUNDS["alerts[].level"]),
        "headline": bounded_text(record.get("headline"), POP_BOUNDS["alerts[].headline"]),
        "started_at": started_at,
        "ended_at": ended_at,
        "duration": duration,
        "pages": pages,
        "pages_shown": shown,
        "completed": bool(record.get("completed")),
        "received_at": now,
    }


def _brightness_row(span: SentBrightnessSpan, now: dt.datetime, where: str) -> dict:
    started_at, ended_at = _times(span["started_at"], span["ended_at"])
    level = span["level"]
    if type(level) is not int:
        raise TypeError(f"{where}.level must be a whole percent, got {level!r:.40}")
    check(f"{where}.level", level, POP_BOUNDS["brightness[].level"])
    return {
        "level": level,
        "source": bounded_text(span.get("source"), POP_BOUNDS["brightness[].source"]),
        "via": bounded_text(span.get("via"), POP_BOUNDS["brightness[].via"]),
        "started_at": started_at,
        "ended_at": ended_at,
        "received_at": now,
    }


def _play_row(record: SentPlay, now: dt.datetime, where: str) -> dict:
    started_at, ended_at = _times(record["started_at"], record["ended_at"])
    duration = float(record.get("duration") or (ended_at - started_at).total_seconds())
    check(f"{where}.duration", duration, POP_BOUNDS["records[].duration"])
    return {
        "item_id": bounded_text(str(record["item_id"]), POP_BOUNDS["records[].item_id"]),
        "media": bounded_text(record.get("media"), POP_BOUNDS["records[].media"]),
        "playlist": bounded_text(record.get("playlist"), POP_BOUNDS["records[].playlist"]),
        "started_at": started_at,
        "ended_at": ended_at,
        "duration": duration,
        "completed": bool(record.get("completed")),
        "received_at": now,
    }
