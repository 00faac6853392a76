"""The one office send path: the broker of central.yaml, sealed messages, acknowledged publishes.

`videotron notify`, `alert` and `command`, the console and cap-watch all send through
here; tests/test_layout_send.py fails when another office module publishes by itself.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import ssl
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import paho.mqtt.client as mqtt
from nacl.signing import SigningKey
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from central.config import CentralConfig
from player.wire import signing
from player.wire.broker import Broker, make_client, make_topics, parse_broker_url
from player.wire.secret import Secret, reveal

ACK_TIMEOUT = 10.0  # seconds to wait for CONNACK and for the PUBACK of our message
DEFAULT_PREFIX = "videotron"
# make_topics wants a player id for the group topics and a group for the player topics;
# neither is part of the topic asked for, so any valid name does.
_ANY = "office"


class SendError(Exception):
    """Nothing was sent; the message says what is missing or wrong, where, and what to do."""


@dataclass(frozen=True)
class BrokerTarget:
    """The broker the office sends to, how to log in, and the topic prefix screens listen under."""

    broker: Broker
    prefix: str = DEFAULT_PREFIX
    username: str | None = None
    password: Secret | None = None  # revealed only into the broker login
    ca_bundle: Path | None = None

    @classmethod
    def from_config(cls, config: CentralConfig, *, url: str | None = None) -> BrokerTarget:
        """The `mqtt:` section of central.yaml; `url` (a --mqtt option) replaces mqtt.url."""
        settings = config.mqtt
        url = url or settings.url
        if not url:
            raise SendError(f"no mqtt.url in {config.path}: no broker to send to")
        return cls(
            _parse_url(url),
            settings.topic_prefix,
            settings.username,
            settings.password,
            settings.ca_bundle,
        )

    @classmethod
    def from_url(cls, url: str) -> BrokerTarget:
        """A broker URL alone: the default topic prefix, credentials only from the URL."""
        return cls(_parse_url(url))

    def manifest_topic(self, group: str) -> str:
        return self._topics(group, _ANY).manifest

    def alert_topic(self, group: str) -> str:
        return self._topics(group, _ANY).alert

    def command_topic(self, player: str) -> str:
        return self._topics(_ANY, player).command

    def _topics(self, group: str, player: str):
        try:
            return make_topics(self.prefix, group, player)
        except ValueError as exc:
            raise SendError(str(exc)) from None


def _parse_url(url: str) -> Broker:
    try:
        return parse_broker_url(url)
    except ValueError as exc:
        raise SendError(str(exc)) from None


def load_publisher_key(path: Path | None, config_path: Path) -> SigningKey:
    """The publisher key at `path` (publish.key of central.yaml at `config_path`)."""
    if path is None:
        raise SendError(f"no publish.key in {config_path}: nothing can be signed")
    try:
        return signing.load_private_key(Path(path))
    except ValueError as exc:  # KeyFileError names the file and what is wrong
        raise SendError(str(exc)) from None


def manifest_notice(data: bytes) -> dict:
    """The notice announcing manifest bytes `data`; ManifestError if they do not parse."""
    from player.wire.parse import parse

    manifest = parse(data)
    return {
        "group": manifest.group,
        "sequence": manifest.sequence,
        "sha256": hashlib.sha256(data).hexdigest(),
        "size": len(data),
        "published_at": manifest.published_at.isoformat(),
    }


def send_notice(target: BrokerTarget, notice: dict) -> str:
    """Publish a manifest notice, retained, to its group's manifest topic; returns the topic."""
    topic = target.manifest_topic(notice["group"])
    publish(target, topic, json.dumps(notice).encode(), retain=True)
    return topic


def send_alert(target: BrokerTarget, key: SigningKey, payload: dict, lifetime: dt.timedelta) -> str:
    """Seal an alert or alert cancel and publish it retained for `lifetime`; returns the topic.

    Alerts of a group share one retained topic, so the last message sent is what a screen
    joining later gets: after a cancel, the cancel (and not the alert it took off).
    """
    topic = target.alert_topic(payload["group"])
    publish(target, topic, signing.seal(payload, key), retain=True, lifetime=lifetime)
    return topic


def send_command(target: BrokerTarget, key: SigningKey, payload: dict) -> str:
    """Seal a command and publish it to its player's command topic (not retained)."""
    topic = target.command_topic(payload["player"])
    publish(target, topic, signing.seal(payload, key), retain=False)
    return topic


def publish(
    target: BrokerTarget,
    topic: str,
    data: bytes,
    *,
    retain: bool,
    lifetime: dt.timedelta | None = None,
    timeout: float = ACK_TIMEOUT,
) -> None:
    """Connect, publish with QoS 1, wait for the broker's ack, disconnect; SendError on failure.

    MQTT 5 so that a retained message can carry a message-expiry interval (`lifetime`): the
    broker then forgets an expired alert by itself and late joiners never receive it.
    """
    where = target.broker.display
    client = make_client(
        f"videotron-cli-{uuid.uuid4().hex[:10]}",
        target.broker,
        protocol=mqtt.MQTTv5,
        username=target.username,
        password=reveal(target.password),
        ca_bundle=target.ca_bundle,
    )
    outcome: dict = {}
    client.on_connect = lambda _c, _u, _f, reason, _p: outcome.setdefault("connack", reason)
    try:
        client.connect(target.broker.host, target.broker.port, keepalive=30)
    except (OSError, ssl.SSLError) as exc:
        raise SendError(f"cannot reach MQTT broker {where}: {exc}") from None
    try:
        deadline = time.monotonic() + timeout
        while "connack" not in outcome:
            if client.loop(timeout=0.1) != mqtt.MQTT_ERR_SUCCESS or time.monotonic() > deadline:
                raise SendError(f"MQTT broker {where} did not accept the connection in {timeout}s")
        if outcome["connack"].is_failure:
            raise SendError(f"MQTT broker {where} refused the connection: {outcome['connack']}")
        properties = None
        if lifetime is not None:
            properties = Properties(PacketTypes.PUBLISH)
            properties.MessageExpiryInterval = _expiry_seconds(lifetime)
        info = client.publish(topic, data, qos=1, retain=retain, properties=properties)
        while not info.is_published():
            if client.loop(timeout=0.1) != mqtt.MQTT_ERR_SUCCESS or time.monotonic() > deadline:
                raise SendError(f"MQTT broker {where} did not acknowledge {topic} in {timeout}s")
    finally:
        client.disconnect()


def _expiry_seconds(lifetime: dt.timedelta) -> int:
    """Whole seconds for MQTT's expiry interval: rounded up, so a message never leaves the
    broker before it expires on screen; at least 1, as 0 would mean "never"."""
    return max(1, math.ceil(lifetime.total_seconds()))
