"""The collector's MQTT side: a persistent session in, group commits, acks only after commit."""

from __future__ import annotations

import datetime as dt
import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.subscribeoptions import SubscribeOptions
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from central.config import CentralConfig
from central.db import health, retention
from central.db.database import first_line, unavailable
from central.db.store import Recorder, Report
from player.wire.broker import (
    make_client,
    parse_broker_url,
    parse_report_topic,
    pop_ack_topic,
    report_filters,
)
from player.wire.proofofplay import as_json, pop_ack
from player.wire.sdnotify import Notifier, watchdog_interval
from player.wire.secret import reveal

log = logging.getLogger(__name__)

KEEPALIVE = 30
INBOX_LIMIT = 20_000  # reports waiting for the database; beyond it paho waits (TCP backpressure)
GROUP_MAX = 1000  # reports per transaction: one commit (one fsync) for many messages
WRITER_STUCK_AFTER = 60.0  # seconds one transaction may take before the watchdog lapses
DB_RETRY_PAUSE = 0.5  # seconds between attempts while the database refuses writes
TICK = 1.0
PRUNE_EVERY = 3600.0  # seconds between deletions of what is past its keeping time (and at start)
Watch = Callable[[threading.Event, Callable[[], bool]], None]  # run(stop, caught_up)


@dataclass
class Counters:
    """What the collector has done since it started (written by the writer thread only)."""

    reports: int = 0
    plays_new: int = 0
    plays_repeated: int = 0
    acks: int = 0
    rejected: int = 0
    dropped: int = 0  # reports the database could not store even alone
    failed_transactions: int = 0


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class Collector:
    """Subscribes to every player's reports and keeps them in `engine`'s database.

    paho's network thread only queues what arrives; the writer thread owns the
    Recorder and the database. A proof-of-play ack is published only after the
    transaction holding its plays committed; a failed transaction sends none, so the
    players keep their plays and send them again.
    """

    def __init__(self, config: CentralConfig, engine: Engine, notifier: Notifier | None = None,
                 watch: Watch | None = None):  # fmt: skip
        if not config.mqtt.url:
            raise ValueError(f"{config.path}: mqtt.url is not set; the collector needs a broker")
        self.config = config
        self.prefix = config.mqtt.topic_prefix
        self.broker = parse_broker_url(config.mqtt.url)
        self.engine = engine
        self.notifier = notifier or Notifier()
        # The screen watch's loop (central/notifications/watch.py), run beside the writer
        # with the collector's "caught up" test; None when no target wants screen events.
        self.watch = watch
        self.recorder = Recorder(config.collector.screenshots_kept)
        self.inbox: queue.Queue[Report] = queue.Queue(INBOX_LIMIT)
        self.counters = Counters()
        self.connected = threading.Event()
        self.database_ok = True
        self.database_error: str | None = None
        self._writer_beat = time.monotonic()
        self._done = threading.Event()  # set when the writer should store what is queued and end
        self._client: mqtt.Client | None = None
        self._lost_at: float | None = None  # monotonic time the broker went away
        self._traced: set[tuple[str, str]] = set()  # errors whose traceback was logged
        self._stopping = False
        self._pruned_at: float | None = None  # monotonic time of the last pruning

    # ----- MQTT (paho's network thread) ------------------------------------------------

    def _make_client(self) -> mqtt.Client:
        settings, mqtt_settings = self.config.collector, self.config.mqtt
        client = make_client(
            settings.client_id,
            self.broker,
            protocol=mqtt.MQTTv5,
            username=mqtt_settings.username,
            password=reveal(mqtt_settings.password),
            ca_bundle=mqtt_settings.ca_bundle,
        )
        client.reconnect_delay_set(1, 30)
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_message = self._on_message
        return client

    def _on_connect(self, client, _userdata, flags, reason_code, _properties) -> None:
        if reason_code.is_failure:
            log.error("MQTT broker %s refused the collector: %s", self.broker.display, reason_code)
            return
        # Subscribing again is harmless when the session was kept, and needed when not.
        options = SubscribeOptions(qos=1)
        filters = report_filters(self.prefix, self.config.collector.share_group)
        client.subscribe([(topic, options) for topic in filters])
        self.connected.set()
        session = "resumed" if flags.session_present else "new"
        lost_at, self._lost_at = self._lost_at, None
        if lost_at is None:
            log.info(
                "collector connected to %s as %s (%s session)",
                self.broker.display, self.config.collector.client_id, session,
            )  # fmt: skip
        else:
            log.info(
                "collector reconnected to %s as %s (%s session) after %.1f s without the broker",
                self.broker.display, self.config.collector.client_id, session,
                time.monotonic() - lost_at,
            )  # fmt: skip

    def _on_disconnect(self, _client, _userdata, _flags, reason_code, _properties) -> None:
        if self.connected.is_set() and not self._stopping:
            log.warning(
                "collector lost the broker %s (%s); reconnecting by itself, its session keeps "
                "what the screens send meanwhile", self.broker.display, reason_code,
            )  # fmt: skip
            self._lost_at = time.monotonic()
        self.connected.clear()

    def _on_message(self, _client, _userdata, message) -> None:
        where = parse_report_topic(self.prefix, message.topic)
        if where is None:
            return
        self.inbox.put(Report(where[0], where[1], bytes(message.payload), _utcnow()))

    # ----- the writer thread ---------------------------------------------------------------

    def _write_loop(self) -> None:
        done = self._done
        while True:
            self._writer_beat = time.monotonic()
            self._prune_when_due()
            try:
                group = [self.inbox.get(timeout=0.5)]
            except queue.Empty:
                if done.is_set():
                    return
                continue
            while len(group) < GROUP_MAX:
                try:
                    group.append(self.inbox.get_nowait())
                except queue.Empty:
                    break
            self._commit(group)

    def _prune_when_due(self) -> None:
        """Delete what is past its keeping time (central.yaml collector.*_kept): plays,
        alerts shown, their sums and screenshots, then health history; at start and hourly."""
        now = time.monotonic()
        if self._pruned_at is not None and now - self._pruned_at < PRUNE_EVERY:
            return
        self._pruned_at = now
        settings, utcnow = self.config.collector, _utcnow()
        try:
            with self.engine.begin() as connection:
                deleted = retention.prune(
                    connection,
                    utcnow,
                    plays_kept=dt.timedelta(seconds=settings.plays_kept),
                    daily_sums_kept=dt.timedelta(seconds=settings.daily_sums_kept),
                )
                before = utcnow - dt.timedelta(seconds=settings.health_kept)
                deleted["health samples"] = health.prune(connection, before=before)
        except Exception as exc:  # the next hour tries again; reports go on meanwhile
            log.warning("deleting what is past its keeping time failed (%s); tried again in "
                        "an hour", first_line(exc))  # fmt: skip
            return
        if any(deleted.values()):
            log.info("deleted rows past their keeping time: %s",
                     ", ".join(f"{n} {table}" for table, n in deleted.items() if n))  # fmt: skip

    def _commit(self, group: list[Report]) -> None:
        """Store `group`; a report that cannot be stored is dropped alone, never with others.

        While the database is unavailable (down, full, read-only) the group is held and
        tried again, so statuses and screenshots are not lost with it; nothing is
        acknowledged until it commits.
        """
        while group:
            error = self._attempt(group)
            if error is None:
                return
            if unavailable(error):
                self._database_refuses(error)
                if self._done.is_set():
                    log.error(
                        "collector stopping with %d reports not stored (database: %s); players "
                        "send their plays again, their next status replaces the last",
                        len(group), first_line(error),
                    )  # fmt: skip
                    return
                self._writer_beat = time.monotonic()  # waiting on the database is not stuck
                self._done.wait(DB_RETRY_PAUSE)
                continue
            # Something in the group cannot be stored: each report alone finds which.
            group = self._isolate(group)

    def _isolate(self, group: list[Report]) -> list[Report]:
        """Commit each report alone, dropping those that fail; what is left when the
        database as a whole went away meanwhile (to hold and try again)."""
        for index, report in enumerate(group):
            error = self._attempt([report])
            if error is None:
                continue
            if unavailable(error):
                return group[index:]
            self._drop(report, error)
        return []

    def _attempt(self, group: list[Report]) -> BaseException | None:
        """Commit `group` in one transaction; the error when it failed (of any kind)."""
        try:
            self._commit_once(group)
        except Exception as exc:  # a bug must not end the writer, nor sink other reports
            self.recorder.forget()
            return exc
        return None

    def _database_refuses(self, error: BaseException) -> None:
        self.counters.failed_transactions += 1
        if self.database_ok:
            log.error(
                "database %s refuses writes (%s): proof of play is not acknowledged, "
                "players keep their plays and send them again; fix the database (disk space, "
                "permissions, server) and nothing is lost",
                self.engine.url.render_as_string(hide_password=True),
                first_line(error),
            )
        self.database_ok, self.database_error = False, first_line(error)

    def _drop(self, report: Report, error: BaseException) -> None:
        """Log a report that cannot be stored even alone, and keep that as the screen's error."""
        self.counters.dropped += 1
        field = getattr(error, "field", None) or "unknown (see the database's message)"
        text = (
            f"{report.kind} report dropped: the database cannot store it "
            f"({type(error).__name__}: {first_line(error)}); field: {field}"
        )
        # Not a database error: a fault of ours, whose traceback is worth having (once per
        # kind, or a bug that fails every report would print a thousand per group).
        kind = (type(error).__name__, first_line(error))
        traced = not isinstance(error, SQLAlchemyError) and kind not in self._traced
        traced = traced and len(self._traced) < 100
        if traced:
            self._traced.add(kind)
        log.error(
            "%.140s: %s; the screen's other reports are kept (this is a bug or a damaged "
            "player: see its log)", report.player, text, exc_info=error if traced else None,
        )  # fmt: skip
        try:
            with self.engine.begin() as connection:
                self.recorder.record_error(connection, report, text)
        except Exception as exc:
            log.error("%.140s: could not keep that as an error either: %s", report.player,
                      first_line(exc))  # fmt: skip

    def _commit_once(self, group: list[Report]) -> None:
        with self.engine.begin() as connection:
            outcome = self.recorder.write(connection, group)
        # Committed: only now may the players forget these plays.
        outcome.log_notes()
        if not self.database_ok:
            log.info("database writable again; acknowledging proof of play")
        self.database_ok, self.database_error = True, None
        counters = self.counters
        counters.reports += len(group)
        counters.plays_new += outcome.plays_new
        counters.plays_repeated += outcome.plays_repeated
        counters.rejected += outcome.rejected
        client = self._client
        for ack in outcome.acks:
            answer = pop_ack(ack.store, ack.batch, ack.ids, ack.alert_ids, ack.brightness_ids)
            body = as_json(answer)
            if client is not None:
                client.publish(pop_ack_topic(self.prefix, ack.player), body, qos=1)
                counters.acks += 1

    # ----- lifecycle -----------------------------------------------------------------------

    def describe(self) -> str:
        """One line for systemd's STATUS= and the log."""
        c = self.counters
        if self.connected.is_set():
            link = "connected"
        elif self._lost_at is not None:
            link = "waiting for the broker (lost it; reconnecting)"
        else:
            link = "waiting for the broker"
        database = "ok" if self.database_ok else f"REFUSES WRITES ({self.database_error})"
        return (
            f"{link} ({self.broker.display}); database {database}; {c.reports} reports, "
            f"{c.plays_new} plays stored, {c.plays_repeated} repeats, {c.acks} acks, "
            f"{c.rejected + c.dropped} refused, {self.inbox.qsize()} queued"
        )

    def _caught_up(self) -> bool:
        """Connected, and what arrived is stored: the database tells the screens' present."""
        return self.connected.is_set() and self.database_ok and self.inbox.empty()

    def run(self, stop: threading.Event) -> None:
        """Collect until `stop` is set; feeds the systemd watchdog while the writer is alive."""
        settings = self.config.collector
        client = self._client = self._make_client()
        properties = Properties(PacketTypes.CONNECT)
        properties.SessionExpiryInterval = settings.session_expiry
        client.connect_async(
            self.broker.host,
            self.broker.port,
            keepalive=KEEPALIVE,
            clean_start=False,
            properties=properties,
        )
        writer = threading.Thread(target=self._write_loop, name="writer")
        writer.start()
        client.loop_start()
        watching = threading.Event()  # set at the stop: the watch ends with the collector
        watcher = None
        if self.watch is not None:
            watcher = threading.Thread(
                target=self.watch, args=(watching, self._caught_up), name="screen watch",
                daemon=True,
            )  # fmt: skip
            watcher.start()
        self.notifier.ready(self.describe())
        watchdog = watchdog_interval()
        last_status = ""
        try:
            while not stop.wait(min(TICK, watchdog / 3) if watchdog else TICK):
                if writer.is_alive() and time.monotonic() - self._writer_beat < WRITER_STUCK_AFTER:
                    self.notifier.watchdog()
                status = self.describe()
                if status != last_status:
                    self.notifier.status(status)
                    last_status = status
        finally:
            self.notifier.stopping()
            watching.set()
            if watcher is not None:
                watcher.join(WRITER_STUCK_AFTER)  # a look in progress commits or rolls back
            self._stopping = True
            client.disconnect()
            client.loop_stop()
            self._done.set()  # the writer stores what is queued, then ends
            writer.join(WRITER_STUCK_AFTER)
            self._client = None
            log.info("collector stopped: %s", self.describe())
