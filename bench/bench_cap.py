"""CAP file on the server → warning on screen: p50/p95 over N runs, beside the poll interval.

`python -m bench.bench_cap [--quick] [--runs N] [--poll SECONDS]`

A real nginx serves a BMKG-shaped RSS index; `videotron cap-watch` polls it every
`--poll` seconds (±10 % jitter); a headless player of the group in the warning's area runs
on a real mosquitto. Each run writes a new CAP Alert and adds it to the index, then waits
until the player's status says the alert went on screen (its `since` stamp), then cancels
it and waits for the screen to clear. The wait is dominated by where in its poll interval
the watcher happens to be, so the goal is the interval plus its jitter plus one second.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.bench_push import BenchError, percentile

ROOT = Path(__file__).resolve().parents[1]
GROUP = "bogor"
RUN_TIMEOUT = 30.0


def _wait(status_path: Path, check, timeout: float, what: str, procs) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for proc in procs:
            if proc.poll() is not None:
                raise BenchError(f"{proc.args[-1]} exited with {proc.returncode}")
        try:
            render = json.loads(status_path.read_bytes()).get("render", {})
        except (OSError, ValueError):
            render = {}
        if check(render):
            return render
        time.sleep(0.005)
    raise BenchError(f"timed out after {timeout:.0f} s waiting for {what}")


def bench_cap(work: Path, runs: int, poll: int) -> list[float]:
    """Milliseconds from a CAP file appearing on nginx to its alert on the player's screen."""
    from central.cap.mapping import alert_id_for
    from tests.central.cap_files import BOGOR, SENDER, area, cap, info, rss, square
    from tests.central.cap_watch import central_yaml, put
    from tests.fixtures.content import publish_tree, write_key
    from tests.fixtures.mosquitto import Mosquitto
    from tests.fixtures.nginx import Nginx

    (work / "broker").mkdir()
    broker = Mosquitto(work / "broker")
    (work / "www").mkdir()
    nginx = Nginx(work / "nginx", work / "www")
    key_path, public_key = write_key(work / "keys" / "publisher.key")
    calm = {"id": "calm", "type": "image", "color": [0, 90, 40], "size": [64, 36],
            "duration": 600}  # fmt: skip
    publish_tree(work / "site", [calm], key_path, group=GROUP)
    player_yaml = work / "player.yaml"
    player_yaml.write_text(
        f"player:\n  id: bench-cap\n  group: {GROUP}\n"
        f"source:\n  url: {work / 'site'}\n  public_key: {public_key}\n  poll_interval: 86400\n"
        f"cache:\n  dir: {work / 'cache'}\nruntime:\n  dir: {work / 'run'}\n"
        "display:\n  size: 320x180\n  driver: dummy\n  fps: 30\n"
        f"mqtt:\n  url: mqtt://127.0.0.1:{broker.port}\n  topic_prefix: vt\n",
        encoding="utf-8",
    )
    status_path = work / "run" / "status.json"
    listed: list[str] = []

    def publish(name: str, data: bytes) -> float:
        put(work / "www" / name, data)
        listed.append(name)
        put(work / "www" / "rss.xml", rss(nginx.url, list(reversed(listed))))
        return time.time()

    broker.start()
    nginx.start()
    procs: list[subprocess.Popen] = []
    try:
        put(work / "www" / "rss.xml", rss(nginx.url, []))
        office = work / "office"
        office.mkdir()
        central = central_yaml(
            work / "central.yaml", broker=broker.url, key=key_path,
            sources=[f"url: {nginx.url}/rss.xml"], work=office, poll=poll,
            groups=f"    {GROUP}:\n      location: '{BOGOR[0]},{BOGOR[1]}'\n",
        )  # fmt: skip
        env = {**os.environ, "SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy"}
        for args, log in (
            (["--config", str(player_yaml), "--log-level", "WARNING", "run", "--headless"],
             "player.log"),
            (["--config", str(central), "--log-level", "WARNING", "cap-watch"], "cap.log"),
        ):  # fmt: skip
            with (work / log).open("wb") as out:
                procs.append(subprocess.Popen([sys.executable, "-m", "videotron", *args],
                             cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT))  # fmt: skip
        _wait(status_path, lambda r: r.get("item") == "calm", 90, "the player's first item", procs)
        time.sleep(2)  # MQTT subscribed
        polygon = [area("Kota Bogor", polygon=square(*BOGOR))]
        latencies = []
        rng = random.Random(19)
        for k in range(runs):
            now = dt.datetime.now(dt.UTC)
            ident = f"BENCH{k:03d}"
            alert_id = alert_id_for(SENDER, ident)
            written = publish(f"{ident}_alert.xml", cap(ident, [info(f"Uji {k}", polygon)],
                                                        sent=now))  # fmt: skip
            render = _wait(status_path, lambda r, a=alert_id: r.get("alert") == a, RUN_TIMEOUT,
                           f"alert {ident} on screen", procs)  # fmt: skip
            shown = dt.datetime.fromisoformat(render["since"]).timestamp()
            latencies.append((shown - written) * 1000.0)
            publish(f"{ident}_cancel.xml", cap(f"{ident}C", [], sent=now, msg_type="Cancel",
                                               references=((ident, now),)))  # fmt: skip
            _wait(status_path, lambda r: r.get("alert") is None, RUN_TIMEOUT,
                  f"alert {ident} cancelled", procs)  # fmt: skip
            # The cancel was seen just after a poll: without a random pause every file
            # would appear at the same point of the watcher's interval.
            time.sleep(rng.uniform(0, poll))
        return latencies
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
        nginx.stop()
        broker.stop()


def run(
    quick: bool = False, runs: int | None = None, poll: int = 2, smoke: bool = False
) -> list[dict]:
    from central.cap.watcher import JITTER

    runs = runs or (1 if smoke else 5 if quick else 20)
    goal = (poll * (1 + JITTER) + 1) * 1000.0
    name = f"CAP file → warning on screen, poll {poll} s"
    with tempfile.TemporaryDirectory(prefix="bench-cap-") as tmp:
        try:
            latencies = bench_cap(Path(tmp), runs, poll)
        except BenchError as exc:
            return [{"name": name, "value": f"error: {exc}", "unit": "", "goal": "",
                     "ok": False}]  # fmt: skip
    p50, p95 = percentile(latencies, 50), percentile(latencies, 95)
    return [
        {"name": f"{name}: p50 ({runs} runs)", "value": round(p50), "unit": "ms", "goal": "",
         "ok": True},
        {"name": f"{name}: p95 ({runs} runs)", "value": round(p95), "unit": "ms",
         "goal": f"< {goal:.0f}", "ok": p95 < goal},
        {"name": f"{name}: max", "value": round(max(latencies)), "unit": "ms", "goal": "",
         "ok": True},
    ]  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_cap", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="5 runs instead of 20")
    parser.add_argument("--runs", type=int, help="runs (default 20)")
    parser.add_argument("--poll", type=int, default=2, help="cap.poll_interval in seconds")
    args = parser.parse_args(argv)
    started = dt.datetime.now(dt.UTC)
    rows = run(quick=args.quick, runs=args.runs, poll=args.poll)
    print(f"bench_cap at {started:%Y-%m-%d %H:%M:%S} UTC")
    for row in rows:
        goal = f"(goal {row['goal']})" if row["goal"] else ""
        print(f"{row['name']}  {row['value']} {row['unit']} {goal} "
              f"{'ok' if row['ok'] else 'NOT MET'}")  # fmt: skip
    return 0 if all(row["ok"] for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
