"""Central side over MQTT: `videotron notify` (manifest notice) and `videotron alert`."""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import ssl
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from central.config import CentralConfigError, load_central_config
from player.wire.broker import Broker, make_client, make_topics, parse_broker_url
from player.wire.manifest import MAX_ALERT_LIFETIME, ManifestError
from player.wire.secret import Secret, reveal
from player.wire.units import parse_duration

ACK_TIMEOUT = 10.0  # seconds to wait for CONNACK and for the PUBACK of our message
DEFAULT_PREFIX = "videotron"


class CliError(Exception):
    """A failure to report on stderr with exit status 1."""


@dataclass(frozen=True)
class Target:
    """Broker and topic prefix for a central-side command."""

    broker: Broker
    prefix: str
    username: str | None = None
    password: Secret | None = None  # revealed only into the broker login
    ca_bundle: Path | None = None


def expires_seconds(text: str) -> float:
    """--expires in seconds: "90s", "30m", "2h", "1d"; a bare number is refused (which unit?)."""
    try:
        # A unit is required: a technician typing "2" for two hours must not send a 2 s alert.
        seconds = parse_duration(text, unit_required=True)
    except ValueError:
        seconds = 0.0
    if seconds <= 0:
        raise CliError(
            f"--expires {text!r}: use a positive number with its unit s, m, h or d (90s, 30m, 2h)"
        )
    if seconds > MAX_ALERT_LIFETIME.total_seconds():  # also keeps the expiry date computable
        raise CliError(
            f"--expires {text!r}: at most {MAX_ALERT_LIFETIME.days}d; a notice that runs longer "
            "belongs in a playlist"
        )
    return seconds


def _target(args: argparse.Namespace) -> Target:
    """Broker and prefix from --mqtt or the config's mqtt section (prefix default "videotron")."""
    config = None
    config_path = getattr(args, "config_path", None)
    try:
        config = load_central_config(Path(config_path))
    except CentralConfigError as exc:
        if not args.mqtt:
            raise CliError(f"{exc}\nfix it, or pass --mqtt mqtt://HOST:PORT") from None
    mqtt_config = config.mqtt if config is not None else None
    url = args.mqtt or (mqtt_config.url if mqtt_config else None)
    if not url:
        raise CliError(f"no broker: set mqtt.url in {config_path} or pass --mqtt mqtt://HOST:PORT")
    try:
        broker = parse_broker_url(url)
    except ValueError as exc:
        raise CliError(str(exc)) from None
    if mqtt_config is None:
        return Target(broker, DEFAULT_PREFIX)
    return Target(
        broker,
        mqtt_config.topic_prefix,
        mqtt_config.username,
        mqtt_config.password,
        mqtt_config.ca_bundle,
    )


def publish_once(
    target: Target,
    topic: str,
    payload: bytes,
    *,
    retain: bool,
    expiry: float | None = None,
    timeout: float = ACK_TIMEOUT,
) -> None:
    """Connect, publish with QoS 1, wait for the broker's ack, disconnect; CliError on failure.

    MQTT 5 so that a retained message can carry a message-expiry interval: the broker
    then forgets an expired alert by itself and late joiners never receive it.
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
        raise CliError(f"cannot reach MQTT broker {where}: {exc}") from None
    try:
        deadline = time.monotonic() + timeout
        while "connack" not in outcome:
            if client.loop(timeout=0.1) != mqtt.MQTT_ERR_SUCCESS or time.monotonic() > deadline:
                raise CliError(f"MQTT broker {where} did not accept the connection in {timeout}s")
        if outcome["connack"].is_failure:
            raise CliError(f"MQTT broker {where} refused the connection: {outcome['connack']}")
        properties = None
        if expiry is not None:
            properties = Properties(PacketTypes.PUBLISH)
            properties.MessageExpiryInterval = max(1, int(expiry))
        info = client.publish(topic, payload, qos=1, retain=retain, properties=properties)
        while not info.is_published():
            if client.loop(timeout=0.1) != mqtt.MQTT_ERR_SUCCESS or time.monotonic() > deadline:
                raise CliError(f"MQTT broker {where} did not acknowledge {topic} in {timeout}s")
    finally:
        client.disconnect()


def _topic(prefix: str, group: str):
    try:
        return make_topics(prefix, group, "cli")
    except ValueError as exc:
        raise CliError(str(exc)) from None


def _fail(command: str, exc: Exception) -> int:
    print(f"videotron {command}: {exc}", file=sys.stderr)
    return 1


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


def cmd_notify(args: argparse.Namespace) -> int:
    """Publish the retained "manifest changed" notice for a published manifest."""
    try:
        try:
            data = Path(args.manifest).read_bytes()
        except OSError as exc:
            raise CliError(f"cannot read manifest {args.manifest}: {exc.strerror or exc}") from None
        try:
            notice = manifest_notice(data)
        except ManifestError as exc:
            raise CliError(f"{args.manifest}: {exc}") from None
        target = _target(args)
        topic = _topic(target.prefix, notice["group"]).manifest
        publish_once(target, topic, json.dumps(notice).encode(), retain=True)
    except CliError as exc:
        return _fail("notify", exc)
    print(
        f"notified {topic} on {target.broker.display}: "
        f"sequence {notice['sequence']}, sha256 {notice['sha256'][:12]}…"
    )
    return 0


ALERT_LIFETIME = "30m"
CANCEL_LIFETIME = "1d"  # a cancel outlives any ordinary alert it takes off


def _alert_payload(args: argparse.Namespace, signing, now: dt.datetime) -> tuple[dict, str, float]:
    """(payload, what to print, lifetime) for an alert or, with --cancel, the cancel of one."""
    if args.cancel is not None:
        if args.text:
            raise CliError("--cancel takes no alert text")
        if args.id and args.id != args.cancel:
            raise CliError("--cancel names the alert; leave out --id")
        if not args.cancel.strip():
            raise CliError("--cancel needs the id of the alert to take off")
        lifetime = expires_seconds(args.expires or CANCEL_LIFETIME)
        payload = signing.make_alert_cancel(
            args.cancel, args.group, now=now, lifetime=dt.timedelta(seconds=lifetime)
        )
        return payload, f"cancel of alert {args.cancel}", lifetime
    text = (args.text or "").strip()
    if not text:
        raise CliError("alert text is empty (or pass --cancel ID to take an alert off)")
    if len(text) > signing.MAX_ALERT_TEXT:
        raise CliError(f"alert text is {len(text)} characters; at most {signing.MAX_ALERT_TEXT}")
    lifetime = expires_seconds(args.expires or ALERT_LIFETIME)
    payload = signing.make_alert(
        text,
        args.group,
        now=now,
        lifetime=dt.timedelta(seconds=lifetime),
        level=args.level,
        alert_id=args.id,
    )
    return payload, f"{payload['level']} alert {payload['id']}", lifetime


def cmd_alert(args: argparse.Namespace) -> int:
    """Seal an alert (or a cancel) with the publisher key; publish it, retained until it expires.

    Alerts of a group share one retained topic, so the last message sent is what a screen
    joining later gets: after a cancel, the cancel (and not the alert it took off).
    """
    from player.wire import signing

    try:
        # Milliseconds: a correction sent within the same second is still the newer version.
        now = dt.datetime.now(dt.UTC)
        now = now.replace(microsecond=now.microsecond // 1000 * 1000)
        payload, what, lifetime = _alert_payload(args, signing, now)
        try:
            key = signing.load_private_key(Path(args.key))
        except ValueError as exc:  # KeyFileError names the file and what is wrong
            raise CliError(str(exc)) from None
        target = _target(args)
        topic = _topic(target.prefix, args.group).alert
        publish_once(target, topic, signing.seal(payload, key), retain=True, expiry=lifetime)
    except CliError as exc:
        return _fail("alert", exc)
    text = f": {payload['text']}" if "text" in payload else ""
    print(f"sent {what} to {topic} on {target.broker.display}, until {payload['expires_at']}{text}")
    return 0


def cmd_command(args: argparse.Namespace) -> int:
    """Seal a command (screenshot, sync, reload, display-on/off) for one player and send it."""
    from player.wire import signing

    try:
        lifetime = expires_seconds(args.expires)
        key_path = args.key or _publisher_key(args)
        try:
            key = signing.load_private_key(Path(key_path))
        except ValueError as exc:
            raise CliError(str(exc)) from None
        target = _target(args)
        try:
            topic = make_topics(target.prefix, "cli", args.player).command
        except ValueError as exc:
            raise CliError(str(exc)) from None
        payload = signing.make_command(
            args.player,
            args.name,
            now=dt.datetime.now(dt.UTC).replace(microsecond=0),
            lifetime=dt.timedelta(seconds=lifetime),
        )
        publish_once(target, topic, signing.seal(payload, key), retain=False)
    except CliError as exc:
        return _fail("command", exc)
    print(f"sent {args.name} to {args.player} on {target.broker.display}")
    return 0


def _publisher_key(args: argparse.Namespace) -> Path:
    try:
        key = load_central_config(Path(args.config_path)).publish.key
    except CentralConfigError as exc:
        raise CliError(f"{exc}; or pass --key KEYFILE") from None
    if key is None:
        raise CliError(f"no --key and no publish.key in {args.config_path}")
    return key
