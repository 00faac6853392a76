"""Approve → first frame on a screen: the content workflow end to end on loopback.

`python -m bench.bench_approve [--quick] [--runs N]`

Real parts, as the workflow's browser test has them: a console process (`videotron
console`) that signs and publishes into the tree a real nginx serves and tells the screens
over a real mosquitto, and a headless player (`videotron run --headless --frame-log F`) of
group A that polls once a day, so only the console's notice brings new content in time.
Each run a contributor uploads a new picture and submits group A's playlist holding only
it; an approver then approves over HTTP (session cookie and the form's CSRF token). The
time runs from sending the approve POST to the first frame the player presents with the
new item (its frame log, or its status file where a still frame sits in the log's buffer;
see bench_push.wait_on_screen): the signing, publishing, notice, manifest and picture
download and switch all fall inside it.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image

from bench.bench_push import BenchError, FrameLog, percentile, wait_on_screen
from bench.bench_upload import log_in

GOAL_P95_S = 2.0
PASSWORDS = {"kontri": "contrib-password-1", "ana": "approve-password-1"}
RUN_TIMEOUT = 30.0  # seconds one run may take before the bench gives up
START_TIMEOUT = 90.0  # the player's first sync and frame
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def picture(index: int) -> bytes:
    """A 320x180 PNG in a colour of its own."""
    buffer = io.BytesIO()
    color = ((index * 67) % 256, (index * 131 + 80) % 256, (index * 29 + 160) % 256)
    Image.new("RGB", (320, 180), color).save(buffer, "PNG")
    return buffer.getvalue()


def submit(url: str, contributor, csrf: str, data: bytes, item_id: str) -> int:
    """Upload `data` and submit group A's playlist with only it; the submission's number."""
    page = contributor.post(url + "/library/upload", data={"csrf": csrf}, timeout=60,
                            files={"file": (f"{item_id}.png", data)})  # fmt: skip
    if page.status_code != 200 or 'id="notice"' not in page.text:
        raise BenchError(f"the upload of {item_id} was refused ({page.status_code})")
    form = {"csrf": csrf, "action": "submit", "media_0": hashlib.sha256(data).hexdigest(),
            "id_0": item_id, "duration_0": "600", "order_0": "1", "days_0": list(DAYS)}  # fmt: skip
    page = contributor.post(url + "/library/playlists/A", data=form, timeout=60)
    if "/library/submissions/" not in page.url:
        raise BenchError(f"the submission of {item_id} was refused: {page.text[-500:]}")
    return int(page.url.rsplit("/", 1)[1])


def player_config(work: Path, url: str, public_key: str, broker: str) -> Path:
    from tests.fixtures.collector import PREFIX

    path = work / "player.yaml"
    path.write_text(
        "player:\n  id: bench-approve\n  group: A\n"
        f"source:\n  url: {url}/A/manifest.json\n  public_key: {public_key}\n"
        "  poll_interval: 86400\n"  # only the console's notice brings new content in time
        f"cache:\n  dir: {work / 'cache'}\nruntime:\n  dir: {work / 'run'}\n"
        "display:\n  size: 320x180\n  driver: dummy\n  fps: 30\n"
        f"mqtt:\n  url: {broker}\n  topic_prefix: {PREFIX}\n",
        encoding="utf-8",
    )
    return path


def bench(work: Path, runs: int) -> tuple[list[float], list[float]]:
    """(seconds approve → first frame, seconds of the approve request) for each run."""
    from tests.fixtures.collector import PREFIX
    from tests.fixtures.console import ConsoleProcess
    from tests.fixtures.content import publish_tree, write_key
    from tests.fixtures.mosquitto import Mosquitto
    from tests.fixtures.nginx import Nginx
    from tests.fixtures.player import PlayerProcess

    key_path, public_key = write_key(work / "keys" / "publisher.key")
    site = work / "www"
    publish_tree(site / "A", [{"id": "old-a", "type": "image", "size": [64, 36],
                               "duration": 600}], key_path, group="A")  # fmt: skip
    for name in ("nginx", "broker", "screen"):
        (work / name).mkdir()
    web, broker = Nginx(work / "nginx", site), Mosquitto(work / "broker")
    stops = []
    try:
        web.start()
        stops.append(web.stop)
        broker.start()
        stops.append(broker.stop)
        frames_path = work / "screen" / "frames.jsonl"
        screen = PlayerProcess(
            player_config(work / "screen", web.url, public_key, broker.url),
            work / "screen" / "run", work / "screen" / "player.log",
            "--frame-log", str(frames_path),
        )  # fmt: skip
        screen.start()
        stops.append(screen.stop)
        console = ConsoleProcess(
            work / "console",
            f"mqtt:\n  url: {broker.url}\n  topic_prefix: {PREFIX}\n"
            f"collector:\n  database: sqlite:///{work / 'central.sqlite3'}\n"
            f"publish:\n  key: {key_path}\n  groups:\n    A: {site / 'A'}\n"
            f"console:\n  library: {work / 'library'}\n",
        )
        console.add_user("kontri", "contributor", PASSWORDS["kontri"], groups="A")
        console.add_user("ana", "approver", PASSWORDS["ana"])
        console.start()
        stops.append(console.stop)
        frames = FrameLog(frames_path)
        status = screen.status_path
        wait_on_screen(frames, status, {"old-a"}, START_TIMEOUT, screen.proc)
        contributor, kcsrf = log_in(console.url, "kontri", PASSWORDS["kontri"])
        approver, acsrf = log_in(console.url, "ana", PASSWORDS["ana"])
        latencies, requests_s = [], []
        for k in range(runs):
            item_id = f"run-{k}"
            number = submit(console.url, contributor, kcsrf, picture(k), item_id)
            started = time.monotonic()
            page = approver.post(console.url + f"/library/submissions/{number}/approve",
                                 data={"csrf": acsrf}, timeout=60)  # fmt: skip
            answered = time.monotonic()
            if 'data-state="approved"' not in page.text:
                raise BenchError(f"#{number} was not approved ({page.status_code})")
            shown = wait_on_screen(frames, status, {item_id}, RUN_TIMEOUT, screen.proc)
            latencies.append(shown - started)
            requests_s.append(answered - started)
        return latencies, requests_s
    except BenchError as exc:
        tail = (work / "screen" / "player.log").read_text(errors="replace")[-1500:]
        raise BenchError(f"{exc}; player log tail:\n{tail}") from None
    finally:
        for stop in reversed(stops):
            try:
                stop()
            except Exception as exc:  # the others must still stop
                print(f"bench_approve cleanup: {exc}", file=sys.stderr)


def run(quick: bool = False, runs: int | None = None, smoke: bool = False) -> list[dict]:
    runs = runs or (2 if smoke else 5 if quick else 20)
    with tempfile.TemporaryDirectory(prefix="bench-approve-") as tmp:
        latencies, requests_s = bench(Path(tmp), runs)
    p50, p95 = percentile(latencies, 50), percentile(latencies, 95)
    name = f"approve → first frame on a screen ({runs} runs)"
    return [
        {"name": f"{name} p50", "value": round(p50, 2), "unit": "s", "goal": "-", "ok": True},
        {"name": f"{name} p95", "value": round(p95, 2), "unit": "s",
         "goal": f"< {GOAL_P95_S:g}", "ok": p95 < GOAL_P95_S},
        {"name": f"{name} max", "value": round(max(latencies), 2), "unit": "s", "goal": "-",
         "ok": True},
        {"name": "  of which the approve request (sign, publish, notify) p95",
         "value": round(percentile(requests_s, 95), 2), "unit": "s", "goal": "-", "ok": True},
    ]  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_approve", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="5 runs instead of 20")
    parser.add_argument("--runs", type=int, help="how many approvals to time")
    args = parser.parse_args(argv)
    rows = run(quick=args.quick, runs=args.runs)
    for row in rows:
        print(f"{row['name']:<64} {row['value']!s:>7} {row['unit']:<2} {row['goal']}")
    return 0 if all(row["ok"] for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
