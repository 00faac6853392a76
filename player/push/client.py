"""MQTT push: manifest notices wake sync, signed alerts and commands, status/LWT, proof of play."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import ssl
import threading
import time
from collections.abc import Callable

import paho.mqtt.client as mqtt

from player import __version__
from player.config.model import Config
from player.push.messages import MessageGate
from player.push.popstore import PopStore
from player.push.upload import PopUpload
from player.service.board import StatusBoard
from player.wire.alert import Alert, AlertCancel
from player.wire.backoff import Backoff
from player.wire.broker import (
    CONNECT_TIMEOUT,
    Broker,
    Topics,
    make_client,
    make_topics,
    parse_broker_url,
)
from player.wire.isotime import format_utc
from player.wire.proofofplay import as_json, parse_ack
from player.wire.secret import reveal
from player.wire.status import StatusMessage, SyncSection, status_message

log = logging.getLogger(__name__)

LOOP_TIMEOUT = 0.25  # seconds one client.loop() may wait; bounds status latency from other threads
REPORT_STATUS_EVERY = 1.0  # seconds between proof-of-play counts in status, connected or not
KEEPALIVE = 30
STATUS_EVERY = 60.0
STATUS_MIN_INTERVAL = 1.0  # on-change status is coalesced to at most one per second
SHUTDOWN_FLUSH = 1.0  # seconds to wait for the broker to ack the "offline" status at stop
# Fields that change all the time: they ride along but do not make a status "changed".
VOLATILE_STATUS_KEYS = (
    "ts", "uptime", "machine", "report", "errors",
)  # fmt: skip


def board_status_payload(status: StatusBoard) -> StatusMessage:
    """The status message's player-specific part, taken from the status board."""
    return status_message(status.snapshot())


class PushClient:
    """One MQTT connection for the player, driven by `run()` in its own thread.

    All paho calls happen in the `run()` thread; other threads only set flags
    (`publish_status`, `update_config`), so nothing here can block the render loop.
    Callbacks (`on_manifest_notice`, `on_alert`, `on_command`) run in the push thread
    and must return quickly (post to a queue, set an event).
    """

    def __init__(
        self,
        config: Config,
        status: StatusBoard,
        *,
        public_key: str | None,
        on_manifest_notice: Callable[[dict], None],
        on_alert: Callable[[Alert | AlertCancel], None],
        on_command: Callable[[str, dict], None],
        pop: PopStore | None = None,
        clock: Callable[[], float] = time.time,
        status_payload: Callable[[], dict] | None = None,
        backoff: tuple[float, float] = (1.0, 60.0),
        on_thumbnail: Callable[[], None] | None = None,
    ) -> None:
        self.status = status
        self.public_key = public_key
        self.on_manifest_notice = on_manifest_notice
        self.on_alert = on_alert
        self.on_command = on_command
        self.pop = pop
        self.clock = clock
        self.status_payload = status_payload or (lambda: board_status_payload(status))
        self._backoff = Backoff(*backoff)
        self._lock = threading.Lock()
        self._pending_config: Config | None = None
        self._status_dirty = True
        self._started = time.monotonic()
        self._client: mqtt.Client | None = None
        self._connected = threading.Event()
        self._lost: str | None = None
        self._next_attempt = 0.0
        self._connecting_since = 0.0
        self._last_status_at = 0.0
        self._last_status_key: str | None = None
        self.upload: PopUpload | None = None
        if pop is not None:
            self.upload = PopUpload(
                pop,
                player=config.player.id,
                group=config.player.group,
                batch_size=config.report.batch_size,
                ack_timeout=config.report.ack_timeout,
            )
        self._report_status_at = 0.0  # monotonic time of the next proof-of-play count in status
        self.on_thumbnail = on_thumbnail
        self._next_thumbnail = 0.0
        self._pending_screenshot: dict | None = None
        self._subscribe_mid: int | None = None
        self._config = config
        self._setup(config)

    # ----- called from other threads -------------------------------------------------

    def publish_status(self) -> None:
        """Ask for a status refresh; sent from the push thread within a fraction of a second."""
        with self._lock:
            self._status_dirty = True

    def publish_screenshot(self, message: dict) -> None:
        """Send a screenshot message (see docs/PROTOCOL.md) from the push thread, when online.

        Only the latest waits: an older screenshot is worth nothing once a newer exists.
        """
        with self._lock:
            self._pending_screenshot = message

    def update_config(self, config: Config) -> None:
        """Take a new config; reconnects (from the push thread) if the broker or ids changed."""
        with self._lock:
            self._pending_config = config

    @property
    def connected(self) -> bool:
        return self._connected.is_set()

    def wait_connected(self, timeout: float) -> bool:
        return self._connected.wait(timeout)

    # ----- setup ---------------------------------------------------------------------

    def _setup(self, config: Config) -> None:
        self._config = config
        self.player_id, self.group = config.player.id, config.player.group
        self.gate = MessageGate(self.player_id, self.group, self.public_key)
        self._configure_upload(config)
        self.broker: Broker | None = None
        self.topics: Topics | None = None
        if not config.mqtt.url:
            self._set_state("disabled")
            return
        try:
            self.broker = parse_broker_url(config.mqtt.url)
            self.topics = make_topics(config.mqtt.topic_prefix, self.group, self.player_id)
        except ValueError as exc:
            self.broker = None
            log.error("MQTT push is off: %s; fix the mqtt section of the config", exc)
            self._set_state("error", last_error=str(exc))
            return
        self._set_state("disconnected")

    @staticmethod
    def _connection_key(config: Config) -> tuple:
        return (config.mqtt, config.player.id, config.player.group)

    def _apply_pending_config(self) -> None:
        with self._lock:
            config, self._pending_config = self._pending_config, None
        if config is None:
            return
        old_key = self._connection_key(self._config)
        self._configure_upload(config)
        new_key = config.source.public_key
        if new_key and new_key != self._config.source.public_key:
            self.public_key = self.gate.public_key = new_key
        if self._connection_key(config) == old_key:
            self._config = config
            return
        log.info("MQTT settings changed; reconnecting")
        self._close(reason="reconfigured")
        self._backoff.reset()
        self._next_attempt = 0.0
        self._setup(config)

    def _set_state(self, state: str, **fields) -> None:
        broker = self.broker.display if self.broker else None
        self.status.update("mqtt", state=state, broker=broker, **fields)

    # ----- run loop ------------------------------------------------------------------

    def run(self, stop: threading.Event, beat: Callable[[], None]) -> None:
        """Drive the connection until `stop` is set; calls `beat()` at least twice a second."""
        try:
            while not stop.is_set():
                beat()
                try:
                    self._step(stop)
                except Exception:  # a bug in one step must not kill push for good
                    log.exception("MQTT push step failed; reconnecting")
                    self._close(reason="internal error")
                    self._schedule_retry("internal error")
        finally:
            self._close(reason="stopped")

    def _step(self, stop: threading.Event) -> None:
        self._apply_pending_config()
        now = time.monotonic()
        if now >= self._report_status_at:
            # Plays pile up while the broker or the collector is away: status says so
            # then too, not only when a batch is sent.
            self._report_status_at = now + REPORT_STATUS_EVERY
            self._update_report_status()
        if self._client is None:
            if self.broker is None:
                stop.wait(LOOP_TIMEOUT)
            elif now < self._next_attempt:
                stop.wait(min(LOOP_TIMEOUT, self._next_attempt - now))
            else:
                self._connect()
            return
        rc = self._client.loop(timeout=LOOP_TIMEOUT)
        if self._lost is None and rc != mqtt.MQTT_ERR_SUCCESS:
            self._lost = mqtt.error_string(rc)
        waited = time.monotonic() - self._connecting_since
        if self._lost is None and not self.connected and waited > CONNECT_TIMEOUT + KEEPALIVE:
            self._lost = "no CONNACK from the broker"
        if self._lost is not None:
            reason, self._lost = self._lost, None
            self._close(reason=reason, graceful=False)
            self._schedule_retry(reason)
            return
        if self.connected:
            self._maybe_publish_status()
            self._maybe_upload_pop()
            self._maybe_publish_screenshot()

    def _connect(self) -> None:
        assert self.broker is not None and self.topics is not None
        mqtt_config = self._config.mqtt
        self._set_state("connecting")
        try:
            client = make_client(
                self.player_id,
                self.broker,
                username=mqtt_config.username,
                password=reveal(mqtt_config.password),
                ca_bundle=mqtt_config.ca_bundle,
            )
            client.will_set(
                self.topics.status, self._offline_payload("connection lost"), qos=1, retain=True
            )
            client.on_connect = self._on_connect
            client.on_disconnect = self._on_disconnect
            client.on_message = self._on_message
            client.on_subscribe = self._on_subscribe
            client.connect(self.broker.host, self.broker.port, keepalive=KEEPALIVE)
        except (OSError, ssl.SSLError, ValueError) as exc:
            self._schedule_retry(f"{type(exc).__name__}: {exc}")
            return
        self._client = client
        self._connecting_since = time.monotonic()

    def _schedule_retry(self, reason: str) -> None:
        first = self._backoff.failures == 0
        delay = self._backoff.next_delay()
        self._next_attempt = time.monotonic() + delay
        if first:
            log.warning(
                "MQTT broker %s: %s; reconnecting with backoff (next try in %.1fs)",
                self.broker.display if self.broker else "?",
                reason,
                delay,
            )
        else:
            log.debug("MQTT reconnect failed: %s; next attempt in %.1fs", reason, delay)
        self._set_state(
            "disconnected", last_error=reason, next_attempt_at=round(self.clock() + delay, 3)
        )

    def _close(self, reason: str, graceful: bool = True) -> None:
        client, self._client = self._client, None
        was_connected = self.connected
        self._connected.clear()
        if self.upload is not None:
            self.upload.disconnected()
        if client is None:
            return
        if graceful and was_connected and self.topics is not None:
            # A clean DISCONNECT suppresses the last will, so say "offline" ourselves.
            info = client.publish(
                self.topics.status, self._offline_payload(reason), qos=1, retain=True
            )
            deadline = time.monotonic() + SHUTDOWN_FLUSH
            while not info.is_published() and time.monotonic() < deadline:
                if client.loop(timeout=0.05) != mqtt.MQTT_ERR_SUCCESS:
                    break
            client.disconnect()
            client.loop(timeout=0.05)
        else:
            client.disconnect()
        if was_connected:
            log.info("MQTT disconnected from %s (%s)", self.broker and self.broker.display, reason)
        self._set_state("disconnected", last_error=None if graceful else reason)

    # ----- paho callbacks (push thread) ----------------------------------------------

    def _on_connect(self, client, _userdata, _flags, reason_code, _properties) -> None:
        if reason_code.is_failure:
            self._lost = f"broker refused the connection: {reason_code}"
            return
        assert self.topics is not None
        _result, self._subscribe_mid = client.subscribe(
            [
                (self.topics.manifest, 1),
                (self.topics.alert, 1),
                (self.topics.command, 1),
                (self.topics.pop_ack, 1),
            ]
        )

    def _on_subscribe(self, _client, _userdata, mid, reason_codes, _properties) -> None:
        # "Connected" means subscribed: only then can no notice, alert or command slip by.
        if mid != self._subscribe_mid:
            return
        refused = [str(code) for code in reason_codes if code.is_failure]
        if refused:
            log.error(
                "MQTT broker %s refused some subscriptions (%s): check its ACL for %s/#",
                self.broker and self.broker.display,
                ", ".join(refused),
                self._config.mqtt.topic_prefix,
            )
        reconnected = self._backoff.failures > 0
        self._backoff.reset()
        self._connected.set()
        self._last_status_key = None
        self._last_status_at = 0.0
        with self._lock:
            self._status_dirty = True
        self._set_state(
            "connected", last_error=None, next_attempt_at=None, connected_since=self.clock()
        )
        log.info(
            "MQTT %s %s as %s",
            "reconnected to" if reconnected else "connected to",
            self.broker and self.broker.display,
            self.player_id,
        )
        self._maybe_publish_status()

    def _on_disconnect(self, _client, _userdata, _flags, reason_code, _properties) -> None:
        if self._client is not None and self._lost is None:
            self._lost = f"connection lost ({reason_code})"

    def _on_message(self, _client, _userdata, message) -> None:
        try:
            self._handle(message.topic, bytes(message.payload))
        except Exception:
            log.exception("handling MQTT message on %s failed", message.topic)

    # ----- incoming messages -----------------------------------------------------------

    def _handle(self, topic: str, payload: bytes) -> None:
        assert self.topics is not None
        now = self.clock()
        if topic == self.topics.manifest:
            sync: SyncSection = self.status.get("sync")
            active = sync.get("manifest_sequence")
            notice = self.gate.notice(payload, active if type(active) is int else None, now)
            if notice is not None:
                log.info("manifest notice %s for %s; waking sync", notice["sequence"], self.group)
                self.on_manifest_notice(notice)
        elif topic == self.topics.alert:
            alert = self.gate.alert(payload, now)
            if isinstance(alert, AlertCancel):
                log.info("alert cancel for %s (issued %s)", alert.id, alert.issued_at)
                self.on_alert(alert)
            elif alert is not None:
                log.info(
                    "alert %s (%s, issued %s) until %s: %.200s",
                    alert.id,
                    alert.level,
                    alert.issued_at,
                    alert.expires_at,
                    alert.text,
                )
                self.on_alert(alert)
        elif topic == self.topics.pop_ack:
            self._pop_acked(payload)
        elif topic == self.topics.command:
            command = self.gate.command(payload, now)
            if command is not None:
                log.info("command %s", command[0])
                self.on_command(*command)

    # ----- outgoing messages -----------------------------------------------------------

    def _offline_payload(self, reason: str) -> str:
        return json.dumps(
            {
                "online": False,
                "player": self.player_id,
                "group": self.group,
                "version": __version__,
                "reason": reason,
                "ts": self._wall_iso(),
            }
        )

    def _status_message(self) -> dict:
        message = dict(self.status_payload())
        message.update(
            online=True,
            player=self.player_id,
            group=self.group,
            version=__version__,
            pid=os.getpid(),
            ts=self._wall_iso(),
            uptime=round(time.monotonic() - self._started, 1),
        )
        return message

    def _maybe_publish_status(self) -> None:
        now = time.monotonic()
        with self._lock:
            dirty = self._status_dirty
        due = now - self._last_status_at >= STATUS_EVERY
        if not due and not (dirty and now - self._last_status_at >= STATUS_MIN_INTERVAL):
            return
        with self._lock:
            self._status_dirty = False
        message = self._status_message()
        key = json.dumps(
            {k: v for k, v in message.items() if k not in VOLATILE_STATUS_KEYS},
            sort_keys=True,
            default=str,
        )
        if not due and key == self._last_status_key:
            return
        assert self._client is not None and self.topics is not None
        info = self._client.publish(
            self.topics.status, json.dumps(message, default=str), qos=1, retain=True
        )
        if info.rc == mqtt.MQTT_ERR_SUCCESS:
            self._last_status_at, self._last_status_key = now, key

    # ----- proof of play: kept until the collector acknowledges it ---------------------

    def _configure_upload(self, config: Config) -> None:
        self.thumbnail_every = float(config.report.thumbnail_every)
        if self.upload is not None:
            self.upload.configure(
                player=config.player.id,
                group=config.player.group,
                batch_size=config.report.batch_size,
                ack_timeout=config.report.ack_timeout,
            )

    def _wall(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self.clock(), dt.UTC)

    def _wall_iso(self) -> str:
        return format_utc(self._wall())

    def _update_report_status(self) -> None:
        if self.upload is not None:
            self.status.update("report", **self.upload.report())

    def _maybe_upload_pop(self) -> None:
        """Publish the batch the upload protocol (player/push/upload.py) says is due."""
        if self.upload is None:
            return
        now = time.monotonic()
        batch = self.upload.due(now, self._wall())
        if batch is None:
            return
        self._update_report_status()
        assert self._client is not None and self.topics is not None
        info = self._client.publish(self.topics.pop, as_json(batch), qos=1)
        if info.rc == mqtt.MQTT_ERR_SUCCESS:
            self.upload.sent(batch, now)

    def _pop_acked(self, data: bytes) -> None:
        """Hand an ack to the upload protocol; a malformed one is logged and ignored."""
        try:
            ack = parse_ack(data)
        except ValueError as exc:
            log.warning("ignoring a malformed proof-of-play ack (%s): %r", exc, data[:200])
            return
        if self.upload is not None and self.upload.acked(ack, self._wall()):
            self._update_report_status()

    # ----- screenshots and thumbnails --------------------------------------------------

    def _maybe_publish_screenshot(self) -> None:
        if self.on_thumbnail is not None and self.thumbnail_every > 0:
            now = time.monotonic()
            if now >= self._next_thumbnail:
                if self._next_thumbnail:  # not at connect: the first one after a full period
                    self.on_thumbnail()
                self._next_thumbnail = now + self.thumbnail_every
        with self._lock:
            message, self._pending_screenshot = self._pending_screenshot, None
        if message is None:
            return
        assert self._client is not None and self.topics is not None
        info = self._client.publish(self.topics.screenshot, json.dumps(message), qos=1)
        if info.rc != mqtt.MQTT_ERR_SUCCESS:
            log.warning("screenshot not sent: %s", mqtt.error_string(info.rc))
