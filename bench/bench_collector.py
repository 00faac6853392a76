"""Collector ingest: 1,000 simulated players into one `videotron collect`, SQLite and PostgreSQL.

`python -m bench.bench_collector [--quick] [--players N] [--seconds S]`

Each simulated player sends a status every 30 s and a proof-of-play batch (5 plays) every
minute: the fleet's steady rate is players x (1/30 + 1/60) messages per second, 50/s for
1,000 players. Time is compressed:

- paced: every player runs 20x faster than real (status every 1.5 s, a batch every 3 s):
  the ack latency (batch published → the collector's ack received) at that load, and
  whether every batch was acknowledged;
- flood: every player sends its next batch (and two statuses) as soon as the previous
  batch is acknowledged, like a player with a backlog: the sustained rate the collector
  commits and acknowledges, as a multiple of the steady rate.

The players share 10 MQTT connections (one per 100 players; topics are per player), run
in this process, on the same machine as the broker and the collector, so the figures
include their cost. The collector's RSS is sampled throughout.
"""

from __future__ import annotations

import argparse
import heapq
import json
import math
import os
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import paho.mqtt.client as mqtt

ROOT = Path(__file__).resolve().parents[1]
PREFIX = "vt"
STATUS_EVERY = 30.0
POP_EVERY = 60.0
PLAYS_PER_BATCH = 5
COMPRESSION = 20.0  # the paced run's speed-up over real time (the goal)
GOAL_MULTIPLE = 20.0
GOAL_ACK_P95_MS = 1000.0
CONNECTIONS = 10
RESEND_AFTER = 10.0  # a flood batch unanswered this long is sent again (as players do)


class BenchError(RuntimeError):
    """The measurement could not be made; the message says why."""


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    rank = max(1, min(len(ordered), math.ceil(q / 100.0 * len(ordered))))
    return ordered[rank - 1]


def steady_rate(players: int) -> float:
    """Messages per second of `players` real players."""
    return players * (1 / STATUS_EVERY + 1 / POP_EVERY)


def _status(player: str, n: int) -> bytes:
    # About the size of a real status message (~900 bytes).
    return json.dumps({
        "online": True, "player": player, "group": "bench", "version": "bench",
        "ts": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "uptime": n,
        "current": {"item": f"item-{n % 7}", "type": "image", "kind": "item",
                    "playlist": "main", "since": time.time()},
        "alert": None, "screen": "on", "manifest_sequence": 1714550400,
        "sync": {"state": "idle", "last_result": "ok", "last_ok_at": time.time()},
        "cache": {"used_bytes": 123456789, "max_bytes": 8000000000, "files": 42},
        "config_errors": [], "report": {"pending": 0, "dropped": 0}, "errors": [],
        "pid": 1234,
        # A new health sample in every status: the history row each costs is measured too.
        "machine": {"sampled_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(
            time.time() + n)), "temp_c": 51.2, "under_voltage": False, "throttled": False,
            "load_1m": 0.4, "disk_free_bytes": 20_000_000_000, "disk_total_bytes": 29_000_000_000,
            "sd_read_only": False, "io_errors": 0, "uptime_s": 1000.0 + n},
    }).encode()  # fmt: skip


class Fleet:
    """Simulated players on a few connections; records when each batch is acknowledged."""

    def __init__(self, port: int, players: int) -> None:
        self.players = [f"bench-{n:04d}" for n in range(players)]
        self.stores = {p: secrets.token_hex(16) for p in self.players}
        self.next_id = dict.fromkeys(self.players, 1)
        self.status_n = dict.fromkeys(self.players, 0)
        self.sent: dict[str, tuple[str, float]] = {}  # batch → (player, sent at)
        self.latencies: list[float] = []
        self.acked_plays = 0
        self.lock = threading.Lock()
        self.on_ack = None  # flood: callback(player) from the network threads
        self.clients = []
        for n in range(CONNECTIONS):
            client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"bench-fleet-{n}")
            client.max_inflight_messages_set(1000)
            client.on_message = self._on_ack
            client.connect("127.0.0.1", port, keepalive=60)
            client.loop_start()
            self.clients.append(client)
        for n, client in enumerate(self.clients):
            # Each connection listens to the acks of its own players only.
            mine = self.players[n::CONNECTIONS]
            client.subscribe([(f"{PREFIX}/player/{p}/pop/ack", 1) for p in mine])
        time.sleep(1.0)  # SUBACKs

    def _client(self, player: str):
        return self.clients[int(player[-4:]) % CONNECTIONS]

    def send_status(self, player: str) -> None:
        with self.lock:
            self.status_n[player] += 1
            n = self.status_n[player]
        self._client(player).publish(f"{PREFIX}/player/{player}/status", _status(player, n), qos=1)

    def send_batch(self, player: str) -> None:
        now = time.time()
        with self.lock:
            first = self.next_id[player]
            self.next_id[player] += PLAYS_PER_BATCH
            batch = secrets.token_hex(8)
            self.sent[batch] = (player, time.monotonic())
        records = []
        for record_id in range(first, first + PLAYS_PER_BATCH):
            start = now - 60 + 10 * (record_id - first)
            records.append({
                "id": record_id, "item_id": f"item-{record_id % 7}", "media": "ab" * 32,
                "playlist": "main",
                "started_at": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(start)),
                "ended_at": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(start + 10)),
                "duration": 10.0, "completed": True,
            })  # fmt: skip
        body = {"player": player, "group": "bench", "store": self.stores[player],
                "batch": batch, "sent_at": "", "dropped": 0, "records": records}  # fmt: skip
        self._client(player).publish(f"{PREFIX}/player/{player}/pop", json.dumps(body), qos=1)

    def _on_ack(self, _client, _userdata, message) -> None:
        ack = json.loads(message.payload)
        with self.lock:
            sent = self.sent.pop(ack.get("batch"), None)
            if sent is None:
                return
            self.latencies.append(time.monotonic() - sent[1])
            self.acked_plays += len(ack["ids"])
        if self.on_ack is not None:
            self.on_ack(sent[0])

    def overdue(self, older_than: float) -> list[str]:
        now = time.monotonic()
        with self.lock:
            late = [(b, p) for b, (p, at) in self.sent.items() if now - at > older_than]
            for batch, _ in late:
                del self.sent[batch]
        return [p for _, p in late]

    def close(self) -> None:
        for client in self.clients:
            client.disconnect()
            client.loop_stop()


class RssSampler(threading.Thread):
    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        import psutil

        self.process = psutil.Process(pid)
        self.samples: list[int] = []
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.wait(0.5):
            try:
                self.samples.append(self.process.memory_info().rss)
            except Exception:  # the process ended
                return


def paced(fleet: Fleet, seconds: float) -> tuple[int, int]:
    """Every player at COMPRESSION x real time for `seconds`; returns (batches sent, acked)."""
    periods = {"status": STATUS_EVERY / COMPRESSION, "pop": POP_EVERY / COMPRESSION}
    count = len(fleet.players)
    # Players spread evenly over each period, as a real fleet's clocks are.
    events = [
        (periods[kind] * n / count, kind, player)
        for n, player in enumerate(fleet.players)
        for kind in periods
    ]
    heapq.heapify(events)
    started = time.monotonic()
    sent = 0
    while events:
        at, kind, player = heapq.heappop(events)
        delay = started + at - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        if kind == "status":
            fleet.send_status(player)
        else:
            fleet.send_batch(player)
            sent += 1
        if at + periods[kind] < seconds:
            heapq.heappush(events, (at + periods[kind], kind, player))
    deadline = time.monotonic() + 30
    while fleet.sent and time.monotonic() < deadline:
        time.sleep(0.1)
    return sent, sent - len(fleet.sent)


def flood(fleet: Fleet, seconds: float, warmup: float) -> float:
    """Closed loop: next batch on each ack. Messages per second committed after `warmup`."""
    stop = threading.Event()

    def next_batch(player: str) -> None:
        if not stop.is_set():
            fleet.send_status(player)
            fleet.send_status(player)
            fleet.send_batch(player)

    fleet.latencies.clear()
    fleet.on_ack = next_batch
    for player in fleet.players:
        fleet.send_batch(player)
    time.sleep(warmup)
    plays_before, t0 = fleet.acked_plays, time.monotonic()
    while time.monotonic() - t0 < seconds:
        time.sleep(1.0)
        for player in fleet.overdue(RESEND_AFTER):
            fleet.send_batch(player)
    plays = fleet.acked_plays - plays_before
    elapsed = time.monotonic() - t0
    stop.set()
    fleet.on_ack = None
    # Each acknowledged batch came with two statuses: three messages.
    return 3 * plays / PLAYS_PER_BATCH / elapsed


def bench_database(kind: str, url: str, work: Path, port: int, *, players: int, seconds: float):
    config = work / f"central-{kind}.yaml"
    config.write_text(
        f"mqtt:\n  url: mqtt://127.0.0.1:{port}\n  topic_prefix: {PREFIX}\n"
        f"collector:\n  database: {url}\n  client_id: bench-collector-{kind}\n",
        encoding="utf-8",
    )
    log = (work / f"collector-{kind}.log").open("wb")
    collector = subprocess.Popen(
        [sys.executable, "-m", "videotron", "--config", str(config), "collect"],
        stdout=log, stderr=subprocess.STDOUT, cwd=ROOT,
    )  # fmt: skip
    fleet = None
    try:
        deadline = time.monotonic() + 60
        while b"collector connected" not in (work / f"collector-{kind}.log").read_bytes():
            if collector.poll() is not None or time.monotonic() > deadline:
                raise BenchError(f"collector did not start: see {work}/collector-{kind}.log")
            time.sleep(0.1)
        sampler = RssSampler(collector.pid)
        sampler.start()
        fleet = Fleet(port, players)
        sent, acked = paced(fleet, seconds)
        latencies = list(fleet.latencies)
        rate = flood(fleet, seconds, warmup=min(5.0, seconds / 3))
        sampler.stop.set()
        rss = max(sampler.samples) / 2**20 if sampler.samples else float("nan")
    finally:
        if fleet is not None:
            fleet.close()
        collector.terminate()
        try:
            collector.wait(60)
        except subprocess.TimeoutExpired:
            collector.kill()
            collector.wait(10)
        log.close()
    if not latencies:
        raise BenchError("no batch was acknowledged")
    multiple = rate / steady_rate(players)
    p95 = percentile(latencies, 95) * 1000
    return [
        {"name": f"collector {kind}: {players} players at {COMPRESSION:g}x, batches acked",
         "value": f"{acked}/{sent}", "unit": "", "goal": "all", "ok": acked == sent},
        {"name": f"collector {kind}: ack latency p95 at {COMPRESSION:g}x",
         "value": round(p95, 1), "unit": "ms", "goal": f"< {GOAL_ACK_P95_MS:.0f}",
         "ok": p95 < GOAL_ACK_P95_MS},
        {"name": f"collector {kind}: ack latency p50 at {COMPRESSION:g}x",
         "value": round(percentile(latencies, 50) * 1000, 1), "unit": "ms", "goal": "",
         "ok": True},
        {"name": f"collector {kind}: sustained ingest (flood)", "value": round(rate),
         "unit": "msg/s", "goal": "", "ok": True},
        {"name": f"collector {kind}: sustained / fleet steady rate", "value": round(multiple, 1),
         "unit": "x", "goal": f">= {GOAL_MULTIPLE:g}", "ok": multiple >= GOAL_MULTIPLE},
        {"name": f"collector {kind}: RSS highest", "value": round(rss, 1), "unit": "MB",
         "goal": "", "ok": True},
    ]  # fmt: skip


def run(
    quick: bool = False,
    players: int | None = None,
    seconds: float | None = None,
    smoke: bool = False,
):
    from tests.fixtures.mosquitto import Mosquitto
    from tests.fixtures.postgres import Postgres

    players = players or (10 if smoke else 200 if quick else 1000)
    seconds = seconds or (1.0 if smoke else 6.0 if quick else 30.0)
    rows: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="bench-collector-") as tmp:
        work = Path(tmp)
        (work / "broker").mkdir()
        broker = Mosquitto(work / "broker")
        # The collector's queue at the broker must hold a whole fleet's burst (the
        # default keeps 1,000 messages and drops the rest); see docs/OPERATIONS.md.
        broker.conf.write_text(
            broker.conf.read_text() + "max_queued_messages 100000\nset_tcp_nodelay true\n"
        )
        broker.start()
        try:
            databases = [("sqlite", f"sqlite:///{work / 'central.sqlite3'}")]
            postgres = None
            try:
                postgres = Postgres(durable=True)
                postgres.start()
                databases.append(("postgresql", postgres.url))
            except Exception as exc:  # no PostgreSQL here: say so in the table
                rows.append({"name": "collector postgresql", "value": f"not run: {exc}",
                             "unit": "", "goal": "", "ok": False})  # fmt: skip
            try:
                for kind, url in databases:
                    try:
                        rows += bench_database(
                            kind, url, work, broker.port, players=players, seconds=seconds
                        )
                    except BenchError as exc:
                        rows.append({"name": f"collector {kind}", "value": f"error: {exc}",
                                     "unit": "", "goal": "", "ok": False})  # fmt: skip
            finally:
                if postgres is not None:
                    postgres.cleanup()
        finally:
            broker.stop()
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_collector", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="200 players, 6 s per phase")
    parser.add_argument("--players", type=int, help="simulated players (default 1000)")
    parser.add_argument("--seconds", type=float, help="seconds per phase (default 30)")
    args = parser.parse_args(argv)
    rows = run(quick=args.quick, players=args.players, seconds=args.seconds)
    width = max(len(row["name"]) for row in rows)
    for row in rows:
        flag = "ok" if row["ok"] else "NOT MET"
        goal = f"(goal {row['goal']})" if row["goal"] else ""
        print(f"{row['name']:<{width}}  {row['value']!s:>10} {row['unit']:<5} {goal} {flag}")
    return 0 if all(row["ok"] for row in rows) else 1


if __name__ == "__main__":
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    sys.exit(main())
