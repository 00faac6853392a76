"""A PushClient running in a thread against the test broker, with its callbacks recorded."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from pathlib import Path

from player.config.model import Config, MqttConfig, PlayerConfig, ReportConfig, SourceConfig
from player.push.client import PushClient
from player.push.popstore import PopStore
from player.service.board import StatusBoard
from tests.fixtures.mosquitto import Mosquitto, MqttProbe

PLAYER = "lobby-1"
GROUP = "lobby"


def push_config(
    url: str | None,
    public_key: str | None = None,
    *,
    player_id: str = PLAYER,
    group: str = GROUP,
    ack_timeout: float = 1.0,
    **mqtt,
) -> Config:
    return Config(
        player=PlayerConfig(id=player_id, group=group),
        source=SourceConfig(public_key=public_key),
        mqtt=MqttConfig(url=url, topic_prefix="vt", **mqtt),
        report=ReportConfig(max_records=1000, batch_size=20, ack_timeout=ack_timeout),
    )


class PushRunner:
    """Starts `PushClient.run` in a thread; records notices, alerts, commands and beats."""

    def __init__(
        self,
        config: Config,
        *,
        pop: PopStore | None = None,
        clock: Callable[[], float] = time.time,
        backoff: tuple[float, float] = (0.2, 1.0),
        on_thumbnail: Callable[[], None] | None = None,
    ) -> None:
        self.status = StatusBoard()
        self.events: list[tuple[str, object]] = []
        self.beats: list[float] = []
        self._cond = threading.Condition()
        self.client = PushClient(
            config,
            self.status,
            public_key=config.source.public_key,
            on_manifest_notice=lambda notice: self._record("notice", notice),
            on_alert=lambda alert: self._record("alert", alert),
            on_command=lambda name, payload: self._record("command", (name, payload)),
            pop=pop,
            clock=clock,
            backoff=backoff,
            on_thumbnail=on_thumbnail,
        )
        self.stop = threading.Event()
        self.thread = threading.Thread(
            target=self.client.run, args=(self.stop, self._beat), name="push", daemon=True
        )

    def _beat(self) -> None:
        self.beats.append(time.monotonic())

    def _record(self, kind: str, value: object) -> None:
        with self._cond:
            self.events.append((kind, value))
            self._cond.notify_all()

    def __enter__(self) -> PushRunner:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.thread.join(10)
        assert not self.thread.is_alive(), "push thread did not stop within 10s"

    def wait_connected(self, timeout: float = 5.0) -> None:
        assert self.client.wait_connected(timeout), f"not connected: {self.status.get('mqtt')}"

    def wait_state(self, state: str, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while self.status.get("mqtt").get("state") != state:
            assert time.monotonic() < deadline, f"mqtt never {state}: {self.status.get('mqtt')}"
            time.sleep(0.02)

    def wait_events(self, count: int, timeout: float = 5.0) -> list[tuple[str, object]]:
        """The first `count` callbacks, waiting up to `timeout` for them."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while len(self.events) < count:
                left = deadline - time.monotonic()
                assert left > 0, f"only {len(self.events)} of {count} callbacks: {self.events}"
                self._cond.wait(left)
            return list(self.events)


def wait_until(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out after {timeout}s waiting for {what}"
        time.sleep(0.02)


class AckingCollector(MqttProbe):
    """A stand-in collector: acknowledges every proof-of-play batch it receives.

    `ack=False` makes it a collector that keeps nothing (it only listens), like an old one.
    """

    def __init__(self, broker: Mosquitto, *, ack: bool = True, **kwargs) -> None:
        self.ack = ack
        super().__init__(broker, **kwargs)

    def _on_message(self, client, userdata, message) -> None:
        super()._on_message(client, userdata, message)
        if self.ack and message.topic.endswith("/pop"):
            batch = json.loads(message.payload)
            ack = {"store": batch["store"], "batch": batch["batch"]}
            ack["ids"] = [r["id"] for r in batch["records"]]
            # From the network thread: publish without waiting for the broker.
            client.publish(message.topic + "/ack", json.dumps(ack), qos=1)

    def record_ids(self, topic: str) -> list[int]:
        return [r["id"] for m in self.collected(topic) for r in m.json()["records"]]


def open_pop(path: Path, max_records: int = 1000) -> PopStore:
    return PopStore(path, max_records)
