"""A collector database on SQLite and PostgreSQL, filled through the collector's own Recorder."""

from __future__ import annotations

import base64
import datetime as dt
import io
import json

import pytest
from PIL import Image

from central.db.store import Recorder, Report


def iso(moment: dt.datetime) -> str:
    """Naive UTC as the players write it."""
    return moment.isoformat() + "Z"


class Fleet:
    """Feeds player messages, as they arrive over MQTT, to the collector's Recorder."""

    def __init__(self, engine) -> None:
        self.engine = engine
        self.recorder = Recorder(screenshots_kept=3)
        self.next_id: dict[str, int] = {}
        self.next_alert_id: dict[str, int] = {}
        self.last_batch: dict[str, tuple[dict, dt.datetime]] = {}

    def send(self, player: str, kind: str, message: dict, received: dt.datetime):
        with self.engine.begin() as connection:
            report = Report(player, kind, json.dumps(message).encode(), received)
            return self.recorder.write(connection, [report])

    def status(self, player: str, at: dt.datetime, *, group="lobby", online=True, **extra):
        body = {
            "online": online, "player": player, "group": group, "version": "1.0",
            "ts": iso(at), "uptime": 5.0, "current": {"item": extra.pop("item", "psa")},
            **extra,
        }  # fmt: skip
        if not online:
            body = {k: body[k] for k in ("online", "player", "group", "version", "ts")}
            body["reason"] = extra.get("reason", "connection lost")
        self.send(player, "status", body, at)

    def plays(self, player: str, plays: list[tuple[str, dt.datetime, float]], *, group="lobby"):
        """Send (item, start, seconds) plays as one proof-of-play batch; all complete."""
        records = []
        for item, start, seconds in plays:
            record_id = self.next_id[player] = self.next_id.get(player, 0) + 1
            records.append({
                "id": record_id, "item_id": item, "media": "ab" * 32, "playlist": "main",
                "started_at": iso(start), "ended_at": iso(start + dt.timedelta(seconds=seconds)),
                "duration": seconds, "completed": True,
            })  # fmt: skip
        body = {"player": player, "group": group, "store": f"{player}-store",
                "batch": f"b{self.next_id[player]}", "dropped": 0, "records": records}  # fmt: skip
        received = max(start for _, start, _ in plays) + dt.timedelta(minutes=1)
        self.last_batch[player] = (body, received)
        return self.send(player, "pop", body, received)

    def alerts(self, player: str, shown: list[tuple[str, dt.datetime, float]], *, group="lobby"):
        """Send (alert id, start, seconds) alert records as one batch, from a player that
        records alerts on screen; the alert issued a minute before it showed."""
        records = []
        for alert_id, start, seconds in shown:
            record_id = self.next_alert_id[player] = self.next_alert_id.get(player, 0) + 1
            records.append({
                "id": record_id, "alert_id": alert_id,
                "issued_at": iso(start - dt.timedelta(minutes=1)), "level": "emergency",
                "headline": f"Peringatan {alert_id}", "started_at": iso(start),
                "ended_at": iso(start + dt.timedelta(seconds=seconds)), "duration": seconds,
                "pages": 2, "pages_shown": 2, "completed": False,
            })  # fmt: skip
        body = {"player": player, "group": group, "store": f"{player}-store",
                "batch": f"a{self.next_alert_id[player]}", "dropped": 0, "records": [],
                "alerts": records}  # fmt: skip
        received = max(start for _, start, _ in shown) + dt.timedelta(minutes=1)
        return self.send(player, "pop", body, received)

    def resend(self, player: str):
        """The player's last batch again, as after a lost ack."""
        body, received = self.last_batch[player]
        return self.send(player, "pop", body, received + dt.timedelta(seconds=30))

    def screenshot(self, player: str, at: dt.datetime, item: str, color=(200, 0, 0)) -> bytes:
        buffer = io.BytesIO()
        Image.new("RGB", (32, 18), color).save(buffer, "JPEG")
        jpeg = buffer.getvalue()
        body = {"taken_at": iso(at), "item": item, "playlist": "main", "width": 32,
                "height": 18, "jpeg": base64.b64encode(jpeg).decode()}  # fmt: skip
        self.send(player, "screenshot", body, at)
        return jpeg


@pytest.fixture
def fleet(engine) -> Fleet:
    return Fleet(engine)
