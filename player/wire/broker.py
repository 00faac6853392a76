"""MQTT broker address, topic names and paho client setup that both ends use."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

import paho.mqtt.client as mqtt

CONNECT_TIMEOUT = 5.0  # seconds for TCP connect and TLS handshake


@dataclass(frozen=True)
class Broker:
    """Where to connect, parsed from `mqtt.url`."""

    host: str
    port: int
    tls: bool
    username: str | None = None
    password: str | None = None

    @property
    def display(self) -> str:
        """The URL without credentials, for logs and status."""
        return f"{'mqtts' if self.tls else 'mqtt'}://{self.host}:{self.port}"


def parse_broker_url(url: str) -> Broker:
    """`mqtt://[user:pass@]host[:1883]` or `mqtts://…[:8883]`; ValueError says what is wrong."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("mqtt", "mqtts"):
        raise ValueError(f"mqtt.url {url!r}: scheme must be mqtt:// or mqtts://")
    if not parts.hostname:
        raise ValueError(f"mqtt.url {url!r}: no host name")
    try:
        port = parts.port
    except ValueError as exc:
        raise ValueError(f"mqtt.url {url!r}: bad port ({exc})") from None
    tls = parts.scheme == "mqtts"
    return Broker(
        host=parts.hostname,
        port=port or (8883 if tls else 1883),
        tls=tls,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
    )


@dataclass(frozen=True)
class Topics:
    """Every topic one player uses (see docs: prefix, group and player id)."""

    manifest: str
    alert: str
    command: str
    status: str
    pop: str
    pop_ack: str  # the collector's acknowledgement of committed proof-of-play records
    screenshot: str


# In a name that becomes one topic level: "/" would make it span levels (a group "a/b"
# would read the alerts of group "a" sent to "b"), "+" and "#" are wildcards to a broker,
# NUL ends a C string in one.
_NOT_IN_A_LEVEL = "/+#\0"


def topic_level(what: str, value: str) -> str:
    """`value` (a group or a player id, named `what` in the error) as one topic level."""
    if not value or any(ch in value for ch in _NOT_IN_A_LEVEL):
        raise ValueError(
            f"{what} {value!r} must be one MQTT topic level: non-empty, without '/', '+', "
            "'#' or NUL; use letters, digits, '.', '_' or '-'"
        )
    return value


def make_topics(prefix: str, group: str, player_id: str) -> Topics:
    if not prefix or any(ch in prefix for ch in "+#\0"):
        raise ValueError(f"mqtt.topic_prefix {prefix!r} must be non-empty, without + or #")
    topic_level("player.group", group)
    topic_level("player.id", player_id)
    return Topics(
        manifest=f"{prefix}/{group}/manifest",
        alert=f"{prefix}/{group}/alert",
        command=f"{prefix}/player/{player_id}/command",
        status=f"{prefix}/player/{player_id}/status",
        pop=f"{prefix}/player/{player_id}/pop",
        pop_ack=f"{prefix}/player/{player_id}/pop/ack",
        screenshot=f"{prefix}/player/{player_id}/screenshot",
    )


# What players publish and the collector keeps, by the last topic level.
REPORT_KINDS = ("status", "pop", "screenshot")


def report_filters(prefix: str, share_group: str | None = None) -> list[str]:
    """The collector's subscriptions: every player's status, proof of play and screenshots.

    With `share_group`, MQTT 5 shared subscriptions: the broker hands each message to one
    of the collectors subscribed under that group.
    """
    share = f"$share/{share_group}/" if share_group else ""
    return [f"{share}{prefix}/player/+/{kind}" for kind in REPORT_KINDS]


def parse_report_topic(prefix: str, topic: str) -> tuple[str, str] | None:
    """(player id, kind) of a report topic under `prefix`, or None for any other topic."""
    head = f"{prefix}/player/"
    if not topic.startswith(head):
        return None
    player, _, kind = topic[len(head) :].partition("/")
    if not player or kind not in REPORT_KINDS:
        return None
    return player, kind


def pop_ack_topic(prefix: str, player_id: str) -> str:
    return f"{prefix}/player/{topic_level('player.id', player_id)}/pop/ack"


def make_client(
    client_id: str,
    broker: Broker,
    *,
    protocol: int = mqtt.MQTTv311,
    username: str | None = None,
    password: str | None = None,
    ca_bundle: Path | None = None,
) -> mqtt.Client:
    """A paho client set up for `broker` (TLS, credentials); not yet connected."""
    client = mqtt.Client(
        mqtt.CallbackAPIVersion.VERSION2,
        client_id=client_id,
        protocol=protocol,
        # MQTT 5 takes clean_start at connect time instead.
        clean_session=None if protocol == mqtt.MQTTv5 else True,
    )
    client.connect_timeout = CONNECT_TIMEOUT
    user = username or broker.username
    if user:
        client.username_pw_set(user, password or broker.password)
    if broker.tls:
        client.tls_set(ca_certs=str(ca_bundle) if ca_bundle else None)
    return client
