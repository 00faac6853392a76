"""Push latency on loopback: MQTT notice → PushClient callback, and notice → new item on screen.

`python -m bench.bench_push [--quick] [--runs N]`

Screen latency runs the real player (`videotron run --headless --frame-log F`) against a
real mosquitto and a local published folder. Each run publishes a new manifest whose media
are already cached, then sends the manifest notice (as `videotron notify` does) and waits
for the first presented frame showing one of the new manifest's items.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import math
import os
import queue
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import paho.mqtt.client as mqtt

ROOT = Path(__file__).resolve().parents[1]
GOAL_SCREEN_P95_MS = 500.0
GOAL_CALLBACK_P95_MS = 50.0
GROUP = "bench"
PLAYER = "bench-1"
PREFIX = "videotron"
RUN_TIMEOUT = 10.0  # seconds a single run may take before it counts as lost
START_TIMEOUT = 90.0  # first sync + first frame of a fresh player


class BenchError(RuntimeError):
    """The measurement could not be made; the message says why."""


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), math.ceil(q / 100.0 * len(ordered))))
    return ordered[rank - 1]


class Publisher:
    """A connected paho client for the central side of the bench."""

    def __init__(self, port: int) -> None:
        self.messages: queue.Queue = queue.Queue()
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="bench-central")
        self.client.on_message = lambda _c, _u, m: self.messages.put((m.topic, bytes(m.payload)))
        self.client.connect("127.0.0.1", port, keepalive=30)
        self.client.loop_start()

    def publish(self, topic: str, payload: bytes, retain: bool = True) -> None:
        info = self.client.publish(topic, payload, qos=1, retain=retain)
        info.wait_for_publish(timeout=5)
        if not info.is_published():
            raise BenchError(f"broker did not acknowledge {topic} within 5 s")

    def wait_online(self, player: str, timeout: float) -> None:
        topic = f"{PREFIX}/player/{player}/status"
        self.client.subscribe(topic, 1)
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                got_topic, payload = self.messages.get(timeout=left)
            except queue.Empty:
                break
            if got_topic == topic and json.loads(payload or b"{}").get("online"):
                return
        raise BenchError(f"player {player} did not come online on the broker in {timeout:.0f} s")

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def bench_callback(port: int, runs: int) -> list[float]:
    """Milliseconds from publishing a notice to PushClient's on_manifest_notice."""
    from player.config.model import Config, MqttConfig, PlayerConfig
    from player.push.client import PushClient
    from player.service.board import StatusBoard

    config = Config(
        player=PlayerConfig(id="bench-callback", group=GROUP),
        mqtt=MqttConfig(url=f"mqtt://127.0.0.1:{port}", topic_prefix=PREFIX),
    )
    got: queue.Queue = queue.Queue()
    client = PushClient(
        config,
        StatusBoard(),
        public_key=None,
        on_manifest_notice=lambda notice: got.put((time.perf_counter(), notice)),
        on_alert=lambda _alert: None,
        on_command=lambda _name, _payload: None,
    )
    stop = threading.Event()
    thread = threading.Thread(target=client.run, args=(stop, lambda: None), daemon=True)
    thread.start()
    publisher = Publisher(port)
    try:
        if not client.wait_connected(10):
            raise BenchError("PushClient did not connect to the bench broker in 10 s")
        latencies = []
        base = int(time.time())
        for k in range(runs):
            notice = json.dumps({"group": GROUP, "sequence": base + k, "sha256": "0" * 64})
            started = time.perf_counter()
            publisher.client.publish(f"{PREFIX}/{GROUP}/manifest", notice, qos=1, retain=True)
            try:
                arrived, _notice = got.get(timeout=RUN_TIMEOUT)
            except queue.Empty:
                raise BenchError(f"notice {k} never reached the callback") from None
            latencies.append((arrived - started) * 1000.0)
        return latencies
    finally:
        publisher.close()
        stop.set()
        thread.join(10)


def app_missing() -> str | None:
    """Why the full player cannot run here, or None when it can."""
    for module in ("player.app", "player.render.loop", "player.sync.loop"):
        if importlib.util.find_spec(module) is None:
            return f"{module} is not written yet"
    return None


def frame_item(entry: dict) -> str | None:
    """The id of the item on a frame-log line (accepts a few spellings)."""
    for key in ("item", "item_id"):
        if isinstance(entry.get(key), str):
            return entry[key]
    current = entry.get("current")
    if isinstance(current, dict):
        return current.get("item_id") or current.get("id")
    return current if isinstance(current, str) else None


def frame_seconds(entry: dict, seen_mono: float, seen_wall: float) -> float:
    """When the frame was presented, on the monotonic clock (shared by all processes)."""
    for key in ("mono", "monotonic", "t_mono"):
        if isinstance(entry.get(key), int | float):
            return float(entry[key])
    for key in ("t", "ts", "time", "wall"):
        value = entry.get(key)
        if isinstance(value, int | float) and value > 1e9:  # epoch seconds
            return seen_mono - (seen_wall - float(value))
    return seen_mono  # when we read the line: late by at most one poll interval


class FrameLog:
    """Follows the player's --frame-log file (one JSON object per presented frame)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._offset = 0
        self._partial = b""

    def read_new(self) -> list[tuple[float, str | None]]:
        try:
            with self.path.open("rb") as fh:
                fh.seek(self._offset)
                chunk = fh.read()
        except FileNotFoundError:
            return []
        seen_mono, seen_wall = time.monotonic(), time.time()
        self._offset += len(chunk)
        lines = (self._partial + chunk).split(b"\n")
        self._partial = lines.pop()
        frames = []
        for line in lines:
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if isinstance(entry, dict):
                frames.append((frame_seconds(entry, seen_mono, seen_wall), frame_item(entry)))
        return frames

    def first_of(self, wanted: set[str]) -> float | None:
        """Monotonic time of the first new frame showing an item in `wanted`, if logged yet."""
        for presented, item in self.read_new():
            if item in wanted:
                return presented
        return None


def status_shows(status_path: Path, wanted: set[str]) -> float | None:
    """Monotonic time the status file says an item in `wanted` went on screen, if it does."""
    try:
        render = json.loads(status_path.read_bytes()).get("render", {})
    except (OSError, ValueError):
        return None  # not written yet
    if render.get("item") not in wanted or not render.get("since"):
        return None
    since = dt.datetime.fromisoformat(render["since"]).timestamp()
    return time.monotonic() - (time.time() - since)


def wait_on_screen(
    frames: FrameLog, status_path: Path, wanted: set[str], timeout: float, player
) -> float:
    """When an item in `wanted` was first presented (monotonic seconds).

    The frame log gives the exact presentation time but is flushed in blocks, so a still
    image may sit in its buffer; the status file (written within ~0.5 s of a change)
    gives the switch time, which the render loop presents in the same iteration.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        presented = frames.first_of(wanted)
        if presented is not None:
            return presented
        switched = status_shows(status_path, wanted)
        if switched is not None:
            presented = frames.first_of(wanted)
            return switched if presented is None else presented
        if player.poll() is not None:
            raise BenchError(f"the player exited with status {player.returncode}")
        time.sleep(0.002)
    raise BenchError(f"none of {sorted(wanted)} reached the screen within {timeout:.0f} s")


def _player_config(work: Path, site: Path, public_key: str, port: int) -> Path:
    path = work / "player.yaml"
    path.write_text(
        f"player:\n  id: {PLAYER}\n  group: {GROUP}\n"
        f"source:\n  url: {site}\n  public_key: {public_key}\n  poll_interval: 86400\n"
        f"cache:\n  dir: {work / 'cache'}\n"
        f"runtime:\n  dir: {work / 'run'}\n"
        "display:\n  size: 320x180\n  driver: dummy\n  fps: 30\n"
        f"mqtt:\n  url: mqtt://127.0.0.1:{port}\n  topic_prefix: {PREFIX}\n",
        encoding="utf-8",
    )
    return path


def bench_screen(work: Path, port: int, runs: int) -> list[float]:
    """Milliseconds from publishing a notice to the first frame of the new manifest."""
    from central.broker import manifest_notice
    from tests.fixtures.content import publish_tree, write_key
    from tests.fixtures.media import make_image

    key_path, public_key = write_key(work / "keys" / "publisher.key")
    src, site = work / "src", work / "site"
    images = [make_image(src / f"{n}.png", size=(320, 180), color=c) for n, c in
              enumerate([(200, 30, 30), (30, 200, 30)])]  # fmt: skip

    def publish(ids: tuple[str, str]) -> bytes:
        items = [
            {"id": ids[0], "type": "image", "file": str(images[0]), "duration": 600},
            {"id": ids[1], "type": "image", "file": str(images[1]), "duration": 600},
        ]
        path = publish_tree(site, items, key_path, group=GROUP, media_dir=src)
        return path.read_bytes()

    publish(("warm-a", "warm-b"))
    config = _player_config(work, site, public_key, port)
    frames_path = work / "frames.jsonl"
    env = {**os.environ, "SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy"}
    log_path = work / "player.log"
    with log_path.open("wb") as log_file:
        player = subprocess.Popen(
            [sys.executable, "-m", "videotron", "--config", str(config), "--log-level", "WARNING",
             "run", "--headless", "--frame-log", str(frames_path)],
            cwd=ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT,
        )  # fmt: skip
    publisher = Publisher(port)
    frames = FrameLog(frames_path)
    try:
        status_path = work / "run" / "status.json"
        wait_on_screen(frames, status_path, {"warm-a", "warm-b"}, START_TIMEOUT, player)
        publisher.wait_online(PLAYER, 30)
        latencies = []
        for k in range(runs):
            # Alternate which cached image comes first so every run changes the picture.
            ids = (f"run-{k}", f"keep-{k}") if k % 2 else (f"keep-{k}", f"run-{k}")
            notice = manifest_notice(publish(ids))
            started = time.monotonic()
            publisher.publish(f"{PREFIX}/{GROUP}/manifest", json.dumps(notice).encode())
            shown = wait_on_screen(frames, status_path, set(ids), RUN_TIMEOUT, player)
            latencies.append((shown - started) * 1000.0)
            time.sleep(0.2)  # let the sync loop go idle, as between real publications
        return latencies
    except BenchError as exc:
        tail = log_path.read_text(errors="replace")[-1500:]
        raise BenchError(f"{exc}; player log tail:\n{tail}") from None
    finally:
        publisher.close()
        player.send_signal(signal.SIGTERM)
        try:
            player.wait(15)
        except subprocess.TimeoutExpired:
            player.kill()
            player.wait(5)


def _rows(name: str, latencies: list[float], goal_p95: float) -> list[dict]:
    p50, p95 = percentile(latencies, 50), percentile(latencies, 95)
    return [
        {"name": f"{name} p50 ({len(latencies)} runs)", "value": round(p50, 1), "unit": "ms",
         "goal": "", "ok": True},
        {"name": f"{name} p95 ({len(latencies)} runs)", "value": round(p95, 1), "unit": "ms",
         "goal": f"< {goal_p95:.0f}", "ok": p95 < goal_p95},
        {"name": f"{name} max", "value": round(max(latencies), 1), "unit": "ms", "goal": "",
         "ok": True},
    ]  # fmt: skip


def run(quick: bool = False, runs: int | None = None, smoke: bool = False) -> list[dict]:
    from tests.fixtures.mosquitto import Mosquitto

    runs = runs or (2 if smoke else 5 if quick else 20)
    rows: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="bench-push-") as tmp:
        work = Path(tmp)
        (work / "broker").mkdir()
        broker = Mosquitto(work / "broker")
        broker.start()
        try:
            rows += _rows("notice → push callback", bench_callback(broker.port, runs * 2),
                          GOAL_CALLBACK_P95_MS)  # fmt: skip
            missing = app_missing()
            if missing:
                rows.append({"name": "notice → new item on screen", "value": f"not run: {missing}",
                             "unit": "", "goal": f"p95 < {GOAL_SCREEN_P95_MS:.0f} ms",
                             "ok": False})  # fmt: skip
            else:
                try:
                    latencies = bench_screen(work / "screen", broker.port, runs)
                except BenchError as exc:
                    rows.append({"name": "notice → new item on screen", "value": f"error: {exc}",
                                 "unit": "", "goal": f"p95 < {GOAL_SCREEN_P95_MS:.0f} ms",
                                 "ok": False})  # fmt: skip
                else:
                    rows += _rows("notice → new item on screen", latencies, GOAL_SCREEN_P95_MS)
        finally:
            broker.stop()
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_push", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="5 screen runs instead of 20")
    parser.add_argument("--runs", type=int, help="screen runs (callback runs are twice this)")
    args = parser.parse_args(argv)
    started = dt.datetime.now(dt.UTC)
    rows = run(quick=args.quick, runs=args.runs)
    print(f"bench_push at {started:%Y-%m-%d %H:%M:%S} UTC")
    width = max(len(row["name"]) for row in rows)
    for row in rows:
        flag = "ok" if row["ok"] else "NOT MET"
        goal = f"(goal {row['goal']})" if row["goal"] else ""
        print(f"{row['name']:<{width}}  {row['value']!s:>10} {row['unit']:<3} {goal} {flag}")
    return 0 if all(row["ok"] for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
