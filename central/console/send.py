"""Alerts and commands from the console: sealed with the publisher key, put on the broker."""

from __future__ import annotations

import datetime as dt
import logging

from central.broker import (
    BrokerTarget,
    SendError,
    load_publisher_key,
    send_alert,
    send_command,
)
from central.config import CentralConfig
from player.wire import signing

log = logging.getLogger(__name__)

COMMANDS = ("screenshot", "sync", "reload", "display-off", "display-on")
COMMAND_LIFETIME = dt.timedelta(minutes=5)
CANCEL_LIFETIME = dt.timedelta(days=1)  # outlives any alert it takes off, like the CLI's


class Sender:
    """The console's messages through the office send path (central.broker), which raises
    `central.broker.SendError`. The key is read for each message and dropped after: it
    never sits in a page's reach; the broker settings are read from central.yaml each time."""

    def __init__(self, config: CentralConfig) -> None:
        self._config = config

    def _key(self):
        return load_publisher_key(self._config.publish.key, self._config.path)

    def alert(
        self, group: str, text: str, level: str, lifetime: dt.timedelta, alert_id: str, *,
        now: dt.datetime,
    ) -> dict:  # fmt: skip
        """Send one alert to one group (retained until it expires); returns the payload."""
        payload = signing.make_alert(text, group, now=_aware(now), lifetime=lifetime,
                                     level=level, alert_id=alert_id)  # fmt: skip
        send_alert(BrokerTarget.from_config(self._config), self._key(), payload, lifetime)
        log.info("alert %s sent to %s until %s", alert_id, group, payload["expires_at"])
        return payload

    def cancel(self, group: str, alert_id: str, now: dt.datetime) -> dict:
        payload = signing.make_alert_cancel(alert_id, group, now=_aware(now),
                                            lifetime=CANCEL_LIFETIME)  # fmt: skip
        send_alert(BrokerTarget.from_config(self._config), self._key(), payload, CANCEL_LIFETIME)
        log.info("alert %s cancelled for %s", alert_id, group)
        return payload

    def command(self, player: str, name: str, now: dt.datetime) -> dict:
        if name not in COMMANDS:
            raise SendError(f"unknown command {name!r}")
        payload = signing.make_command(player, name, now=_aware(now).replace(microsecond=0),
                                       lifetime=COMMAND_LIFETIME)  # fmt: skip
        send_command(BrokerTarget.from_config(self._config), self._key(), payload)
        log.info("command %s sent to %s", name, player)
        return payload


def _aware(now: dt.datetime) -> dt.datetime:
    """The database's naive UTC as an aware time, milliseconds kept (versions of an alert)."""
    now = now if now.tzinfo else now.replace(tzinfo=dt.UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)
