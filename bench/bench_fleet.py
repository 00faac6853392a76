"""Fleet: N screens' notice gate, sync loop, cache and store against one nginx and one mosquitto.

`python -m bench.bench_fleet [--quick] [--screens N ...] [--workers W]`

Every simulated screen is the player's own code except rendering: a real `Config`, the
push client's `MessageGate` (notice check, alert signature check) and `AlertBook`, and a
`SyncLoop` with its own `Cache` and `ManifestStore` in its own folder, running in its own
thread exactly as the app runs it (woken by the notice's digest). Screens live in a few
worker processes (threads inside) and share MQTT connections, SCREENS_PER_CONNECTION
each: a connection hands every message to each of its screens in turn, as each screen's
own PushClient would. The office side is real too: `central.publish.publish` writes into
the folder nginx serves, `central.broker.send_notice` / `send_alert` notify.

Caches live on tmpfs when there is one: each real screen has its own SD card, so the
bench's one disk must not serialise 1,000 screens' fsyncs.

Measured per N: notify → every screen has activated the new manifest with its media
(p50/p95/max, the last screen); with 10 % of the screens offline during the publish, the
time from their return (MQTT reconnect) to activation; a signed alert → every screen
has taken it. Per screen and publish: HTTP requests and bytes (nginx's access log) and
MQTT messages delivered; the screens' CPU per sync (worker processes' user + system time
over the publish, divided by the screens).
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import multiprocessing
import os
import queue
import random
import sys
import tempfile
import threading
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GROUP = "fleet"
GOAL_CONTENT_P95 = 2.0  # seconds after notify, 1,000 screens
GOAL_CONTENT_LAST = 5.0
GOAL_ALERT_P95 = 1.0
GOAL_SCREENS = 1000  # goals are judged at this fleet size only
SCREENS_PER_CONNECTION = 10
SCREENS_PER_WORKER = 100  # more threads than this in one interpreter fight over its lock
STARTS_AT_ONCE = 10
# Syncs running at once in one worker process. Each real screen syncs on its own CPU; here
# a few hundred share two cores, and past a handful at once an interpreter spends its time
# handing its lock from thread to thread (1,000 unbounded syncs took over 30 s).
SYNCS_AT_ONCE = 4
OFFLINE_SHARE = 0.1
WAIT_ALL = 60.0  # seconds a phase may take before the missing screens count as lost
KEEPALIVE = 1  # seconds nginx keeps an idle connection; the bench waits longer after a sync


class BenchError(RuntimeError):
    """The measurement could not be made; the message says why."""


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    rank = max(1, min(len(ordered), math.ceil(q / 100.0 * len(ordered))))
    return ordered[rank - 1]


# -- worker process: screens --------------------------------------------------------------


class Screen:
    """One screen minus rendering: config, gate, alert book, sync loop, cache, store."""

    def __init__(self, name: str, folder: Path, *, url: str, public_key: str, prefix: str, events):
        from player.cache import Cache
        from player.config.model import CacheConfig, Config, MqttConfig, PlayerConfig, SourceConfig
        from player.push.alerts import AlertBook
        from player.push.messages import MessageGate
        from player.service.board import StatusBoard
        from player.sync.loop import SyncLoop
        from player.sync.store import ManifestStore
        from player.wire.broker import make_topics

        self.name = name
        self.events = events
        self.config = Config(
            player=PlayerConfig(id=name, group=GROUP),
            source=SourceConfig(url=url, public_key=public_key, poll_interval=86400.0),
            cache=CacheConfig(dir=folder, max_size=10**9),
            mqtt=MqttConfig(url="mqtt://127.0.0.1", topic_prefix=prefix),
        )
        self.topics = make_topics(prefix, GROUP, name)
        self.status = StatusBoard()
        self.gate = MessageGate(name, GROUP, public_key)
        self.book = AlertBook()
        self.notices = 0
        self.first_sync = threading.Event()
        self.sync = SyncLoop(
            self.config,
            Cache(folder, self.config.cache.max_size),
            ManifestStore(folder),
            self.status,
            self._activated,
            random.Random(name),
        )

    def _activated(self, manifest) -> None:
        self.first_sync.set()
        self.events.put(("active", self.name, manifest.sequence, time.monotonic()))

    def handle(self, topic: str, payload: bytes) -> None:
        """What PushClient._handle does with a notice or an alert, then the app's reaction."""
        now = time.time()
        if topic == self.topics.manifest:
            self.notices += 1
            active = self.status.get("sync").get("manifest_sequence")
            notice = self.gate.notice(payload, active if type(active) is int else None, now)
            if notice is not None:
                self.sync.wake(digest=notice.get("sha256"))
                self.events.put(("woken", self.name, notice["sequence"], time.monotonic()))
        elif topic == self.topics.alert:
            alert = self.gate.alert(payload, now)
            if alert is not None and self.book.offer(alert, dt.datetime.now(dt.UTC)) is not None:
                self.events.put(("alert", self.name, alert.id, time.monotonic()))


class Connection:
    """One MQTT connection carrying the notices and alerts of a few screens."""

    def __init__(self, name: str, port: int, screens: list[Screen]) -> None:
        self.name, self.port, self.screens = name, port, screens
        self.client = None

    def connect(self) -> None:
        import paho.mqtt.client as mqtt

        subscribed = threading.Event()
        client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=self.name)
        client.on_message = self._on_message
        client.on_subscribe = lambda *_args: subscribed.set()
        topics = self.screens[0].topics
        client.on_connect = lambda c, *_a: c.subscribe([(topics.manifest, 1), (topics.alert, 1)])
        client.connect("127.0.0.1", self.port, keepalive=60)
        client.loop_start()
        if not subscribed.wait(30):
            raise BenchError(f"{self.name}: no SUBACK within 30 s")
        self.client = client

    def _on_message(self, _client, _userdata, message) -> None:
        payload = bytes(message.payload)
        for screen in self.screens:
            screen.handle(message.topic, payload)

    def disconnect(self) -> None:
        if self.client is not None:
            self.client.disconnect()
            self.client.loop_stop()
            self.client = None


def _on_cpu(cpu: threading.BoundedSemaphore, sync_once):
    """`sync_once` run while holding one of the worker's simulated screen CPUs."""

    def bounded():
        with cpu:
            return sync_once()

    return bounded


def worker(spec: dict, events, commands) -> None:
    """A worker process: its screens, their sync threads and connections, until "stop"."""
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    screens = [
        Screen(name, Path(spec["root"]) / name, url=spec["url"],
               public_key=spec["public_key"], prefix=spec["prefix"], events=events)
        for name in spec["screens"]
    ]  # fmt: skip
    connections = [
        Connection(f"{spec['name']}-c{n}", spec["port"], screens[k : k + spec["per_connection"]])
        for n, k in enumerate(range(0, len(screens), spec["per_connection"]))
    ]
    stop = threading.Event()
    cpu = threading.BoundedSemaphore(SYNCS_AT_ONCE)
    for screen in screens:
        screen.sync.sync_once = _on_cpu(cpu, screen.sync.sync_once)
    threads = [
        threading.Thread(target=s.sync.run, args=(stop, lambda: None), daemon=True) for s in screens
    ]
    # Connected first: the first syncs of hundreds of threads would starve the handshakes.
    for connection in connections:
        connection.connect()
    # The first syncs go a few at a time: they are not measured, and all at once they
    # would bury the worker in hundreds of runnable threads.
    for first in range(0, len(threads), STARTS_AT_ONCE):
        batch = range(first, min(first + STARTS_AT_ONCE, len(threads)))
        for n in batch:
            threads[n].start()
        for n in batch:
            screens[n].first_sync.wait(WAIT_ALL)
    events.put(("ready", spec["name"], 0, time.monotonic()))
    offline: list[Connection] = []
    while True:
        command, arg = commands.get()
        if command == "offline":  # every connection whose index is in arg goes away
            offline = [c for n, c in enumerate(connections) if n in arg]
            for connection in offline:
                connection.disconnect()
            screens_gone = sum(len(c.screens) for c in offline)
            events.put(("offline", spec["name"], (screens_gone, len(offline)), 0.0))
        elif command == "online":
            for connection in offline:
                events.put(("return", connection.name, 0, time.monotonic()))
                connection.connect()
            offline = []
        elif command == "count":
            # CPU seconds of the whole process (every thread, user + system) ride along.
            counted = (sum(s.notices for s in screens), time.process_time())
            events.put(("notices", spec["name"], counted, 0.0))
        elif command == "stop":
            break
    for connection in connections:
        connection.disconnect()
    stop.set()
    for thread in threads:
        thread.join(5)
    # Nobody reads the events any more: leave without waiting for them to be taken.
    events.cancel_join_thread()


# -- the office side and the measurements -------------------------------------------------


class Fleet:
    """Worker processes holding `count` screens; collects their events."""

    def __init__(self, count: int, workers: int, *, root: Path, url: str, public_key: str,
                 port: int, prefix: str) -> None:  # fmt: skip
        context = multiprocessing.get_context("spawn")
        self.events = context.Queue()
        self.names = [f"s{n:05d}" for n in range(count)]
        self.commands = []
        self.processes = []
        self.backlog: list[tuple] = []
        self.values: dict[str, object] = {}  # the value of each event `collect` returned
        # Small fleets get smaller connections, so that 10 % of them is a whole connection.
        self.per_connection = min(SCREENS_PER_CONNECTION, max(1, count // (workers * 10)))
        self.connections = math.ceil(count / workers / self.per_connection)
        share = self.connections * self.per_connection
        for w in range(workers):
            mine = self.names[w * share : (w + 1) * share]
            if not mine:
                continue
            commands = context.Queue()
            spec = {"name": f"w{w}", "screens": mine, "root": str(root), "url": url,
                    "public_key": public_key, "port": port, "prefix": prefix,
                    "per_connection": self.per_connection}  # fmt: skip
            process = context.Process(target=worker, args=(spec, self.events, commands))
            process.start()
            self.commands.append(commands)
            self.processes.append(process)
        self.collect("ready", len(self.processes), WAIT_ALL + count / 20)

    def send(self, command: str, arg=None) -> None:
        for commands in self.commands:
            commands.put((command, arg))

    def collect(self, kind: str, wanted: int, timeout: float, key=None) -> dict[str, float]:
        """{name: monotonic time} of `wanted` events of `kind` (matching `key`), or BenchError."""
        got: dict[str, float] = {}
        deadline = time.monotonic() + timeout
        pending, self.backlog = self.backlog, []
        while len(got) < wanted:
            if pending:
                event = pending.pop(0)
            else:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise BenchError(f"{len(got)} of {wanted} '{kind}' events in {timeout:.0f} s")
                try:
                    event = self.events.get(timeout=min(left, 1.0))
                except queue.Empty:
                    if not all(p.is_alive() for p in self.processes):
                        raise BenchError("a fleet worker process died") from None
                    continue
            what, name, value, at = event
            if what == kind and (key is None or value == key):
                got[name] = at
                self.values[name] = value
            else:
                self.backlog.append(event)
        self.backlog += pending
        return got

    def notices(self) -> tuple[int, float]:
        """MQTT messages the screens have taken so far, and the workers' CPU seconds."""
        self.send("count")
        counts = []
        while len(counts) < len(self.processes):
            what, _name, value, _at = self.events.get(timeout=30)
            if what == "notices":
                counts.append(value)
            else:
                self.backlog.append((what, _name, value, _at))
        return sum(n for n, _cpu in counts), sum(cpu for _n, cpu in counts)

    def close(self) -> None:
        self.send("stop")
        for process in self.processes:
            process.join(30)
            if process.is_alive():
                process.kill()


class ServerCpu:
    """CPU seconds a server (a process and its children) has used since this was made."""

    def __init__(self, pid: int) -> None:
        import psutil

        self.process = psutil.Process(pid)
        self.start = self._total()

    def _total(self) -> float:
        total = 0.0
        for process in [self.process, *self.process.children(recursive=True)]:
            times = process.cpu_times()
            total += times.user + times.system
        return total

    def used(self) -> float:
        return self._total() - self.start


def make_nginx(workdir: Path, root: Path):
    """The fixture's nginx, with room for a fleet's connections (its 128 suit tests)."""
    from tests.fixtures.nginx import Nginx

    class FleetNginx(Nginx):
        def _write_conf(self) -> Path:
            path = super()._write_conf()
            text = path.read_text().replace("worker_connections 128;", "worker_connections 16384;")
            # Real screens sync minutes or hours apart, far beyond nginx's keepalive_timeout
            # (75 s): each notice opens new connections. A short one gives the bench that.
            text = text.replace("sendfile off;", f"sendfile off; keepalive_timeout {KEEPALIVE}s;")
            path.write_text("worker_rlimit_nofile 20000;\n" + text)
            return path

    return FleetNginx(workdir, root)


class Office:
    """Publishes into nginx's folder and notifies through central/broker.py."""

    def __init__(self, work: Path, site: Path, broker_url: str, prefix: str) -> None:
        from central.broker import BrokerTarget
        from tests.fixtures.content import write_key
        from tests.sync.util import noise_image

        self.work, self.site = work, site
        self.key_path, self.public_key = write_key(work / "keys" / "publisher.key")
        self.target = replace(BrokerTarget.from_url(broker_url), prefix=prefix)
        # Three images every manifest keeps, and a new one per publish (about 100 kB).
        self.kept = [noise_image(work / "media" / f"kept{n}.png", (100, 100), seed=n)
                     for n in range(3)]  # fmt: skip
        self.noise_image = noise_image
        self.publishes = 0

    def publish(self) -> tuple[bytes, float]:
        """Publish a manifest with a new image; (its bytes, seconds the publish took)."""
        from central.publish import publish

        self.publishes += 1
        fresh = self.noise_image(
            self.work / "media" / f"new{self.publishes}.png", (180, 180), seed=100 + self.publishes
        )
        lines = ["group: fleet", "playlists:", "  - name: main", "    items:"]
        for n, path in enumerate([*self.kept, fresh]):
            lines += [f"      - id: item-{n}", "        type: image", f"        file: {path}",
                      "        duration: 10"]  # fmt: skip
        authoring = self.work / "playlist.yaml"
        authoring.write_text("\n".join(lines) + "\n")
        started = time.monotonic()
        publish(authoring, self.site, self.key_path, dt.datetime.now(dt.UTC))
        took = time.monotonic() - started
        return (self.site / "manifest.json").read_bytes(), took

    def notify(self, data: bytes) -> float:
        """Send the manifest notice; the monotonic time the send began."""
        from central.broker import manifest_notice, send_notice

        notice = manifest_notice(data)
        started = time.monotonic()
        send_notice(self.target, notice)
        return started

    def alert(self) -> tuple[str, float]:
        from central.broker import send_alert
        from player.wire import signing

        key = signing.load_private_key(self.key_path)
        lifetime = dt.timedelta(minutes=10)
        payload = signing.make_alert("fleet bench", GROUP, now=dt.datetime.now(dt.UTC),
                                     lifetime=lifetime)  # fmt: skip
        started = time.monotonic()
        send_alert(self.target, key, payload, lifetime)
        return payload["id"], started


def _sequence(data: bytes) -> int:
    import json

    return json.loads(data)["sequence"]


def _latency_rows(label: str, seconds: list[float], count: int, goals: dict) -> list[dict]:
    p50, p95, last = percentile(seconds, 50), percentile(seconds, 95), max(seconds)
    judged = count == GOAL_SCREENS and goals
    rows = []
    for what, value in (("p50", p50), ("p95", p95), ("last screen", last)):
        goal = goals.get(what) if judged else None
        rows.append({"name": f"{label}, {count} screens: {what}", "value": round(value * 1000),
                     "unit": "ms", "goal": f"< {goal * 1000:.0f}" if goal else "",
                     "ok": goal is None or value < goal})  # fmt: skip
    return rows


def _cost_rows(nginx, count: int, notices: int) -> list[dict]:
    lines = nginx.requests()
    bad = [line for line in lines if line.status >= 400]
    return [
        {"name": f"per screen and publish ({count}): HTTP requests",
         "value": round(len(lines) / count, 2), "unit": "req", "goal": "", "ok": not bad},
        {"name": f"per screen and publish ({count}): bytes fetched",
         "value": round(sum(line.bytes for line in lines) / count), "unit": "B", "goal": "",
         "ok": True},
        {"name": f"per screen and publish ({count}): MQTT messages in",
         "value": round(notices / count, 2), "unit": "msg", "goal": "", "ok": True},
    ]  # fmt: skip


def bench_size(work: Path, count: int, workers: int, broker, *, full: bool, rows: list[dict]):
    """One fleet of `count` screens: a publish, then (if `full`) offline screens and an alert.

    Rows go into `rows` as they are measured, so a later phase's failure keeps them."""
    site = work / "www" / GROUP
    site.mkdir(parents=True)
    nginx = make_nginx(work / "nginx", work / "www")
    # A prefix per fleet: no retained notice of an earlier fleet reaches this one.
    office = Office(work, site, broker.url, prefix=f"fleet{count}")
    data, _took = office.publish()
    nginx.start()
    fleet = None
    try:
        fleet = Fleet(count, workers, root=work / "screens",
                      url=f"{nginx.url}/{GROUP}/manifest.json", public_key=office.public_key,
                      port=broker.port, prefix=office.target.prefix)  # fmt: skip
        fleet.collect("active", count, WAIT_ALL + count / 20, key=_sequence(data))
        time.sleep(KEEPALIVE + 0.5)  # nginx has closed every screen's idle connection
        # Publish → notify → every screen on the new content.
        nginx.clear_log()
        notices_before, cpu_before = fleet.notices()
        servers = {"nginx": ServerCpu(nginx.process.pid), "mosquitto": ServerCpu(broker.proc.pid)}
        data, took = office.publish()
        sent = office.notify(data)
        active = fleet.collect("active", count, WAIT_ALL, key=_sequence(data))
        woken = fleet.collect("woken", count, WAIT_ALL, key=_sequence(data))
        notices, cpu = fleet.notices()
        notices -= notices_before
        rows.append({"name": f"screens' CPU per sync (workers' user + system), {count} screens",
                     "value": round((cpu - cpu_before) / count * 1000, 2), "unit": "ms",
                     "goal": "", "ok": True})  # fmt: skip
        for name, cpu in servers.items():
            rows.append({"name": f"{name} CPU for one publish to {count} screens",
                         "value": round(cpu.used() * 1000), "unit": "ms", "goal": "",
                         "ok": True})  # fmt: skip
        rows.append({"name": f"publish (central.publish), {count} screens", "value":
                     round(took * 1000), "unit": "ms", "goal": "", "ok": True})  # fmt: skip
        rows += _latency_rows(
            "notify → notice at the screen", [at - sent for at in woken.values()], count, {}
        )
        rows += _latency_rows(
            "notify → new content on screen",
            [at - sent for at in active.values()],
            count,
            {"p95": GOAL_CONTENT_P95, "last screen": GOAL_CONTENT_LAST},
        )
        rows += _cost_rows(nginx, count, notices)
        if not full:
            return
        # The same with 10 % of the screens offline (their MQTT connections down).
        every = round(1 / OFFLINE_SHARE)
        gone = [n for n in range(fleet.connections) if n % every == every - 1]
        time.sleep(KEEPALIVE + 0.5)
        fleet.send("offline", gone)
        away = fleet.collect("offline", len(fleet.processes), 30)
        offline_count = sum(fleet.values[name][0] for name in away)
        offline_connections = sum(fleet.values[name][1] for name in away)
        data, _took = office.publish()
        sequence = _sequence(data)
        sent = office.notify(data)
        online = fleet.collect("active", count - offline_count, WAIT_ALL, key=sequence)
        rows += _latency_rows(
            f"notify → new content, {offline_count} of {count} offline",
            [at - sent for at in online.values()],
            count - offline_count,
            {},
        )
        fleet.send("online")
        returned = fleet.collect("return", offline_connections, WAIT_ALL)
        late = fleet.collect("active", offline_count, WAIT_ALL, key=sequence)
        back = min(returned.values())
        rows += _latency_rows(
            f"return → new content, the {offline_count} offline",
            [at - back for at in late.values()],
            offline_count,
            {},
        )
        # A signed alert to every screen.
        alert_id, sent = office.alert()
        got = fleet.collect("alert", count, WAIT_ALL, key=alert_id)
        rows += _latency_rows(
            "alert → every screen has it",
            [at - sent for at in got.values()],
            count,
            {"p95": GOAL_ALERT_P95},
        )
    finally:
        if fleet is not None:
            fleet.close()
        nginx.stop()


def load_line() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f}"


def run(quick: bool = False, smoke: bool = False, sizes: list[int] | None = None,
        workers: int | None = None) -> list[dict]:  # fmt: skip
    from tests.fixtures.mosquitto import Mosquitto

    sizes = sizes or ([10] if smoke else [100, 300] if quick else [100, 500, 1000])
    shm = Path("/dev/shm")
    rows: list[dict] = [{"name": "load before the run", "value": load_line(), "unit": "",
                         "goal": "", "ok": True}]  # fmt: skip
    with tempfile.TemporaryDirectory(
        prefix="bench-fleet-", dir=shm if shm.is_dir() else None
    ) as tmp:
        work = Path(tmp)
        (work / "broker").mkdir()
        broker = Mosquitto(work / "broker")
        broker.conf.write_text(broker.conf.read_text() + "max_queued_messages 100000\n")
        broker.start()
        try:
            for count in sizes:
                try:
                    workers_here = workers or (
                        1 if smoke else max(2, math.ceil(count / SCREENS_PER_WORKER))
                    )
                    bench_size(work / f"n{count}", count, workers_here, broker,
                               full=count == max(sizes), rows=rows)  # fmt: skip
                    print(f"# fleet of {count} done, {load_line()}", file=sys.stderr)
                except BenchError as exc:
                    rows.append({"name": f"fleet of {count}", "value": f"error: {exc}",
                                 "unit": "", "goal": "", "ok": False})  # fmt: skip
        finally:
            broker.stop()
    rows.append({"name": "load after the run", "value": load_line(), "unit": "", "goal": "",
                 "ok": True})  # fmt: skip
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_fleet", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="100 and 300 screens")
    parser.add_argument("--screens", type=int, nargs="+", help="fleet sizes (default 100 500 1000)")
    parser.add_argument("--workers", type=int, help="worker processes (default 2)")
    args = parser.parse_args(argv)
    rows = run(quick=args.quick, sizes=args.screens, workers=args.workers)
    width = max(len(row["name"]) for row in rows)
    for row in rows:
        flag = "ok" if row["ok"] else "NO"
        goal = f"(goal {row['goal']})" if row["goal"] else ""
        print(f"{row['name']:<{width}}  {row['value']!s:>10} {row['unit']:<4} {goal} {flag}")
    return 0 if all(row["ok"] for row in rows) else 1


if __name__ == "__main__":
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    sys.exit(main())
