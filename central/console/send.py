"""Alerts and commands from the console: sealed with the publisher key, put on the broker."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

from central.config import CentralConfig
from central.notify import CliError, Target, publish_once
from player.wire import signing
from player.wire.broker import Topics, make_topics, parse_broker_url

log = logging.getLogger(__name__)

COMMANDS = ("screenshot", "sync", "reload", "display-off", "display-on")
COMMAND_LIFETIME = dt.timedelta(minutes=5)
CANCEL_LIFETIME = dt.timedelta(days=1)  # outlives any alert it takes off, like the CLI's


class SendError(Exception):
    """Nothing was sent; the message says why (no key, no broker, broker refused)."""


class Sender:
    """Reads the key for each message and drops it after: it never sits in a page's reach."""

    def __init__(self, config: CentralConfig) -> None:
        self._config = config

    def _key(self):
        path = self._config.publish.key
        if path is None:
            raise SendError(f"no publish.key in {self._config.path}: nothing can be signed")
        try:
            return signing.load_private_key(Path(path))
        except ValueError as exc:
            raise SendError(str(exc)) from None

    def _target(self) -> Target:
        mqtt = self._config.mqtt
        if not mqtt.url:
            raise SendError(f"no mqtt.url in {self._config.path}: no broker to send to")
        return Target(
            parse_broker_url(mqtt.url), mqtt.topic_prefix, mqtt.username, mqtt.password,
            mqtt.ca_bundle,
        )  # fmt: skip

    def _topics(self, group: str, player: str) -> Topics:
        """The topics for a group or a screen; SendError for a name no topic can carry (a
        screen's id is the screen's own choice and reaches here from the database)."""
        try:
            return make_topics(self._config.mqtt.topic_prefix, group, player)
        except ValueError as exc:
            raise SendError(str(exc)) from None

    def _publish(self, topic: str, payload: dict, *, retain: bool, lifetime: float) -> None:
        target = self._target()
        try:
            publish_once(target, topic, signing.seal(payload, self._key()), retain=retain,
                         expiry=lifetime if retain else None)  # fmt: skip
        except CliError as exc:
            raise SendError(str(exc)) from None

    def alert(
        self, group: str, text: str, level: str, lifetime: dt.timedelta, alert_id: str, *,
        now: dt.datetime,
    ) -> dict:  # fmt: skip
        """Send one alert to one group (retained until it expires); returns the payload."""
        payload = signing.make_alert(text, group, now=_aware(now), lifetime=lifetime,
                                     level=level, alert_id=alert_id)  # fmt: skip
        topic = self._topics(group, "console").alert
        self._publish(topic, payload, retain=True, lifetime=lifetime.total_seconds())
        log.info("alert %s sent to %s until %s", alert_id, group, payload["expires_at"])
        return payload

    def cancel(self, group: str, alert_id: str, now: dt.datetime) -> dict:
        payload = signing.make_alert_cancel(alert_id, group, now=_aware(now),
                                            lifetime=CANCEL_LIFETIME)  # fmt: skip
        topic = self._topics(group, "console").alert
        self._publish(topic, payload, retain=True, lifetime=CANCEL_LIFETIME.total_seconds())
        log.info("alert %s cancelled for %s", alert_id, group)
        return payload

    def command(self, player: str, name: str, now: dt.datetime) -> dict:
        if name not in COMMANDS:
            raise SendError(f"unknown command {name!r}")
        payload = signing.make_command(player, name, now=_aware(now).replace(microsecond=0),
                                       lifetime=COMMAND_LIFETIME)  # fmt: skip
        topic = self._topics("console", player).command
        self._publish(topic, payload, retain=False, lifetime=COMMAND_LIFETIME.total_seconds())
        log.info("command %s sent to %s", name, player)
        return payload


def _aware(now: dt.datetime) -> dt.datetime:
    """The database's naive UTC as an aware time, milliseconds kept (versions of an alert)."""
    now = now if now.tzinfo else now.replace(tzinfo=dt.UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)
