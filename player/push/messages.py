"""Checks on incoming MQTT messages: manifest notices, signed alerts and signed commands."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from collections import OrderedDict

from player.wire import signing
from player.wire.alert import Alert, AlertCancel
from player.wire.manifest import ManifestError

log = logging.getLogger(__name__)

WARN_MEMORY = 24 * 3600.0  # a dropped message is logged again at most once a day


class ExpiringSet:
    """A bounded set of keys, each remembered until its own expiry time."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._items: OrderedDict[str, float] = OrderedDict()

    def add(self, key: str, until: float, now: float) -> bool:
        """Remember `key` until `until`; False if it was already remembered and not expired."""
        for old in [k for k, expiry in self._items.items() if expiry <= now]:
            del self._items[old]
        if key in self._items:
            return False
        self._items[key] = until
        while len(self._items) > self.limit:
            self._items.popitem(last=False)
        return True


class MessageGate:
    """Decides which incoming messages to act on; everything else is dropped and logged once.

    Retained messages come again on every reconnect, so a rejected one is logged at
    WARNING only the first time its exact bytes are seen. Command nonces are kept until
    the command expires, so a replayed command is refused for its whole lifetime.
    """

    def __init__(self, player_id: str, group: str, public_key: str | None) -> None:
        self.player_id = player_id
        self.group = group
        self.public_key = public_key
        self._warned = ExpiringSet(512)
        self._nonces = ExpiringSet(10_000)

    def _drop(self, payload: bytes, now: float, message: str, *args) -> None:
        if self._warned.add(hashlib.sha256(payload).hexdigest(), now + WARN_MEMORY, now):
            log.warning(message, *args)

    def notice(self, payload: bytes, active_sequence: int | None, now: float) -> dict | None:
        """A manifest notice newer than `active_sequence`, else None."""
        if not payload:
            return None  # retained notice cleared
        try:
            notice = json.loads(payload)
            sequence = notice["sequence"]
            if type(sequence) is not int:
                raise TypeError("'sequence' is not an integer")
        except (ValueError, KeyError, TypeError) as exc:
            self._drop(payload, now, "ignored bad manifest notice for %s: %s", self.group, exc)
            return None
        if active_sequence is not None and sequence <= active_sequence:
            log.debug("manifest notice %d is not newer than active %d", sequence, active_sequence)
            return None
        return notice

    def _open(self, payload: bytes, what: str, now: float) -> dict | None:
        if not payload:
            return None  # retained message cleared
        if not self.public_key:
            self._drop(
                payload, now, "dropped %s: no source.public_key configured to verify it", what
            )
            return None
        try:
            return signing.open_sealed(
                payload, self.public_key, dt.datetime.fromtimestamp(now, dt.UTC)
            )
        except ManifestError as exc:
            self._drop(payload, now, "dropped %s: %s", what, exc)
            return None

    def alert(self, payload: bytes, now: float) -> Alert | AlertCancel | None:
        """A verified, unexpired alert (or alert cancel) for this group, else None.

        Which version of an alert wins is not decided here (see player.push.alerts).
        """
        data = self._open(payload, "alert", now)
        if data is None:
            return None
        try:
            alert = signing.parse_alert_message(data)
        except ManifestError as exc:
            self._drop(payload, now, "dropped alert: %s", exc)
            return None
        if alert.group != self.group:
            self._drop(
                payload, now, "dropped alert for group %r (this is %r)", alert.group, self.group
            )
            return None
        return alert

    def command(self, payload: bytes, now: float) -> tuple[str, dict] | None:
        """(name, payload) of a verified, unexpired, unreplayed command for this player."""
        data = self._open(payload, "command", now)
        if data is None:
            return None
        try:
            command = signing.parse_command(data, self.player_id)
        except ManifestError as exc:
            self._drop(payload, now, "dropped command: %s", exc)
            return None
        if not self._nonces.add(command.nonce, command.expires_at.timestamp(), now):
            self._drop(
                payload,
                now,
                "dropped replayed command %s (nonce %s)",
                command.command,
                command.nonce,
            )
            return None
        return command.command, data
