"""A 200 MB H.264 upload through nginx to the console's library, against a disk copy.

`python -m bench.bench_upload [--quick] [--code NAME=DIR ...] [--steps]`

A real nginx proxies to a real console process (`videotron console`) with the
`location = /library/upload` block of docs/CONSOLE.md (plain HTTP on loopback: TLS is
nginx's cost, not the upload path's). A logged-in contributor posts one valid H.264 file
(made here: 1280x720 noise at 10 frames a second and 30 Mbit/s, so it stays inside the
Pi 4 profile the library checks, and as long as it takes to reach the size) as the upload
form does, streamed from disk in 1 MiB writes. The time runs from the first byte sent to
the console's answer, so it holds the probe, the poster frame and the fsync the library
does before it keeps a file.

The reference is the copy that makes each upload's file (the clip plus a trailing MP4
`free` box, so the library does not find the bytes already kept), on the same file system,
just before the upload: `shutil.copyfile` plus an fsync of the copy (the library fsyncs
what it keeps), after an `os.sync()`. The source is in the page cache for both (the client
reads it from there too), so both compare writing 200 MB to this disk, not reading it. The
copy without the fsync is reported beside it.

Memory: the console process's RSS is sampled every 10 ms from before the request to its
answer; the growth is the peak over the RSS just before. The designs (DESIGNS) take turns,
ROUNDS uploads each, and each figure is the median of its rounds; the goal is judged on the
documented design. The time of each upload is split at the client's last byte: what comes
after it is the console's own work once the body is whole (the last write, probe, poster,
fsync, database and answer).

`--code NAME=DIR` (repeatable) compares versions of the console's code instead of nginx
designs: one console per source tree (DIR on its PYTHONPATH, e.g. `git archive COMMIT`
unpacked), each behind the documented nginx block, taking turns within each round.
`--steps` times the console's steps after the last byte one by one, in this process, on the
same clip (five rounds, medians): the probe, the poster, and the fsync of a freshly written
file with and without the upload's write-behind.
"""

from __future__ import annotations

import http.client
import itertools
import os
import re
import secrets
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import av
import numpy as np
import psutil
import requests

ROOT = Path(__file__).resolve().parents[1]
MB = 1_000_000
FILE_MB = 200
ROUNDS = 3  # uploads per design; the machine is shared, so medians
GOAL_SHARE = 0.5  # of the disk-copy rate
GOAL_GROWTH_MB = 32.0  # "flat": far below the file, whatever its size
SEND_CHUNK = 1 << 20
VIDEO_SIZE = (1280, 720)
VIDEO_FPS = 10
VIDEO_BIT_RATE = 30_000_000  # well under the Pi 4 profile's 40 Mbit/s, also over a short clip
PASSWORD = "contrib-password-1"
# nginx designs for the upload location: directives replacing the documented ones; None: no
# nginx, the client posts to the console itself (what nginx's part costs).
DESIGNS: dict[str, dict[str, str] | None] = {
    "via nginx as documented (request buffering off, 1 MiB body buffer)": {},
    "via nginx, request buffering off, nginx's default 16k body buffer": {
        "client_body_buffer_size 1m;": "client_body_buffer_size 16k;"
    },
    "via nginx, request buffering on (nginx spools to disk first)": {
        "proxy_request_buffering off;": "proxy_request_buffering on;"
    },
    "no nginx: straight to the console (reference)": None,
}


class BenchError(RuntimeError):
    """The measurement could not be made; the message says why."""


def make_video(path: Path, size_bytes: int) -> Path:
    """An H.264 MP4 of at least `size_bytes` the library accepts: noise, so it cannot shrink."""
    width, height = VIDEO_SIZE
    generator = np.random.default_rng(27)
    planes = [
        generator.integers(0, 256, (height * 3 // 2, width), dtype=np.uint8) for _ in range(16)
    ]
    written = 0
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=VIDEO_FPS)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.bit_rate = VIDEO_BIT_RATE
        # Level and a rate cap as the library asks (no burst over 40 Mbit/s in a short clip).
        cap = f"vbv-maxrate={VIDEO_BIT_RATE // 1000}:vbv-bufsize={VIDEO_BIT_RATE // 1000}"
        stream.options = {"preset": "ultrafast", "level": "4.1", "x264-params": cap}
        index = 0
        # At least 5 s: the library reads no bit rate under 2 s, and the first key frame
        # would weigh too much in a smoke run's clip of 2 s.
        while written < size_bytes or index < 5 * VIDEO_FPS:
            frame = av.VideoFrame.from_ndarray(planes[index % len(planes)], format="yuv420p")
            for packet in stream.encode(frame):
                written += packet.size
                container.mux(packet)
            index += 1
        for packet in stream.encode():
            container.mux(packet)
    return path


def unique_copy(source: Path, target: Path, mark: int) -> tuple[float, float]:
    """Copy `source` to `target` and fsync it, then make it a file of its own (a trailing MP4
    `free` box the players skip, so the library does not find it already kept); MB/s of the
    copy (with its fsync, without it). Dirty pages of earlier work are flushed first."""
    os.sync()
    started = time.perf_counter()
    shutil.copyfile(source, target)
    copied = time.perf_counter()
    with target.open("rb+") as handle:
        os.fsync(handle.fileno())
        synced = time.perf_counter()
        handle.seek(0, os.SEEK_END)
        handle.write(struct.pack(">I4sQ", 16, b"free", mark))
    size = source.stat().st_size / MB
    return size / (synced - started), size / (copied - started)


def log_in(url: str, name: str, password: str) -> tuple[requests.Session, str]:
    """A logged-in session at the console and its CSRF token, as a browser gets them."""
    http = requests.Session()
    http.trust_env = False
    form = http.get(url + "/login", timeout=30).text
    token = re.search(r'name="csrf" value="([^"]+)"', form).group(1)
    page = http.post(url + "/login", timeout=30, data={
        "csrf": token, "next": "/", "user": name, "password": password})  # fmt: skip
    if 'id="logout"' not in page.text:
        raise BenchError(f"{name} could not log in to the console: {page.text[-500:]}")
    return http, re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)


def post_file(port: int, cookie: str, csrf: str, path: Path) -> tuple[int, str, float, float]:
    """POST `path` as the upload form does, streamed; (status, where it leads or why it was
    refused, seconds to send the body, seconds to the answer)."""
    boundary = "bench" + secrets.token_hex(12)
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="csrf"\r\n\r\n{csrf}\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
        f'filename="{path.name}"\r\nContent-Type: video/mp4\r\n\r\n'
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    length = len(head) + path.stat().st_size + len(tail)
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    try:
        connection.putrequest("POST", "/library/upload")
        connection.putheader("Content-Type", f"multipart/form-data; boundary={boundary}")
        connection.putheader("Content-Length", str(length))
        connection.putheader("Cookie", cookie)
        started = time.perf_counter()
        connection.endheaders(head)
        with path.open("rb") as source:
            while chunk := source.read(SEND_CHUNK):
                connection.send(chunk)
        connection.send(tail)
        sent = time.perf_counter()
        response = connection.getresponse()
        page = response.read().decode("utf-8", "replace")
        answered = time.perf_counter()
        refusal = re.search(r'id="upload-error"[^>]*>([^<]*)<', page)
        answer = response.getheader("Location") or (refusal.group(1) if refusal else page[-300:])
        return response.status, answer, sent - started, answered - started
    finally:
        connection.close()


class RssSampler:
    """Samples a process's RSS every 10 ms in a thread: the highest seen while running."""

    def __init__(self, pid: int) -> None:
        self.process = psutil.Process(pid)
        self.before = self.process.memory_info().rss
        self.peak = self.before
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.process.memory_info().rss)
            self._stop.wait(0.01)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self._stop.set()
        self._thread.join(5)
        self.peak = max(self.peak, self.process.memory_info().rss)


def documented_upload_block(port: int) -> str:
    """The `location = /library/upload { ... }` block of docs/CONSOLE.md, to this port."""
    text = (ROOT / "docs" / "CONSOLE.md").read_text(encoding="utf-8")
    block = re.search(r"\n    location = /library/upload \{[^\n]*\n.*?\n    \}\n", text, re.S)
    if block is None:
        raise BenchError("docs/CONSOLE.md has no `location = /library/upload {` block")
    return block.group(0).replace("127.0.0.1:8080", f"127.0.0.1:{port}")


class ProxyNginx:
    """nginx on a free loopback port proxying to the console with one upload design."""

    def __init__(self, workdir: Path, console_port: int, design: dict[str, str]) -> None:
        from tests.fixtures.nginx import free_port

        self.workdir = workdir
        self.port = free_port()
        block = documented_upload_block(console_port)
        for old, new in design.items():
            if old not in block:
                raise BenchError(f"the documented upload block has no {old!r} to replace")
            block = block.replace(old, new)
        (workdir / "tmp").mkdir(parents=True, exist_ok=True)
        self.conf = workdir / "nginx.conf"
        self.conf.write_text(
            ("user root;\n" if os.geteuid() == 0 else "")
            + f"worker_processes 1;\npid {workdir}/nginx.pid;\nerror_log {workdir}/error.log;\n"
            "events { worker_connections 64; }\nhttp {\n"
            f"  client_body_temp_path {workdir}/tmp/body; proxy_temp_path {workdir}/tmp/proxy;\n"
            f"  fastcgi_temp_path {workdir}/tmp/f; uwsgi_temp_path {workdir}/tmp/u;\n"
            f"  scgi_temp_path {workdir}/tmp/s; access_log off;\n"
            f"  server {{\n    listen 127.0.0.1:{self.port};\n    client_max_body_size 64k;\n"
            + block
            + f"    location / {{ proxy_pass http://127.0.0.1:{console_port}; }}\n  }}\n}}\n"
        )
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        from tests.fixtures.nginx import NGINX, wait_for_port

        self.process = subprocess.Popen(
            [NGINX, "-p", str(self.workdir), "-c", str(self.conf), "-g", "daemon off;"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        wait_for_port(self.port, up=True)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)


def start_console(work: Path, upload_limit: int, code: Path | None = None):
    """A console with a library and a contributor, started (tests.fixtures.console); `code`:
    the source tree it runs from (default: this one)."""
    from tests.fixtures.console import ConsoleProcess
    from tests.fixtures.content import write_key

    key_path, _public = write_key(work / "keys" / "publisher.key")
    console = ConsoleProcess(
        work / "console",
        f"collector:\n  database: sqlite:///{work / 'central.sqlite3'}\n"
        f"publish:\n  key: {key_path}\n  groups:\n    A: {work / 'site' / 'A'}\n"
        f"console:\n  library: {work / 'library'}\n  upload_limit: {upload_limit}\n",
    )
    console.add_user("kontri", "contributor", PASSWORD, groups="A")
    console.start(env=None if code is None else {**os.environ, "PYTHONPATH": str(code)})
    return console


def measure(work: Path, console, design: str, changes: dict[str, str] | None, video: Path, *,
            mark: int) -> dict:  # fmt: skip
    """One upload of a fresh copy of `video` through nginx with `changes` (None: straight to
    the console); the copy's rate."""
    proxy = None if changes is None else ProxyNginx(work / f"nginx-{mark}", console.port, changes)
    if proxy is not None:
        proxy.start()
    port = console.port if proxy is None else proxy.port
    clip = work / f"clip-{mark}.mp4"
    try:
        http, csrf = log_in(f"http://127.0.0.1:{port}", "kontri", PASSWORD)
        cookie = "; ".join(f"{c.name}={c.value}" for c in http.cookies)
        copy_synced, copy_cached = unique_copy(video, clip, mark)
        os.sync()  # the copy's last bytes are not the upload's to write
        with RssSampler(console.proc.pid) as rss:
            status, answer, sent_s, total_s = post_file(port, cookie, csrf, clip)
        if status != 303 or "notice=added" not in answer:
            raise BenchError(f"{design}: the upload was not kept ({status}: {answer})")
    finally:
        if proxy is not None:
            proxy.stop()
        clip.unlink(missing_ok=True)
    size_mb = video.stat().st_size / MB
    return {
        "design": design, "size_mb": size_mb, "rate": size_mb / total_s,
        "send_rate": size_mb / sent_s, "copy_synced": copy_synced, "copy_cached": copy_cached,
        "sent_s": sent_s, "after_s": total_s - sent_s,
        "growth_mb": (rss.peak - rss.before) / MB, "before_mb": rss.before / MB,
        "share": size_mb / total_s / copy_synced,
    }  # fmt: skip


def median_of(results: list[dict]) -> dict:
    """Per figure, the median over the rounds of one design."""
    keys = [key for key in results[0] if key != "design"]
    return {"design": results[0]["design"], "rounds": len(results),
            **{key: statistics.median(r[key] for r in results) for key in keys}}  # fmt: skip


def rows_for(result: dict, judged: bool) -> list[dict]:
    name = f"upload {result['size_mb']:.0f} MB, {result['design']}"
    rounds = f"median of {result['rounds']}"
    return [
        {"name": f"{name} ({rounds})", "value": round(result["rate"], 1), "unit": "MB/s",
         "goal": "-", "ok": True},
        {"name": "  body sent (to the last byte, before the probe)",
         "value": round(result["send_rate"], 1), "unit": "MB/s", "goal": "-", "ok": True},
        {"name": "  time to the last byte / after it (console's work once the body is whole)",
         "value": f"{result['sent_s']:.2f} / {result['after_s']:.2f}", "unit": "s",
         "goal": "-", "ok": True},
        {"name": "  disk copy + fsync just before (copy alone: "
         f"{result['copy_cached']:.0f} MB/s)", "value": round(result["copy_synced"], 1),
         "unit": "MB/s", "goal": "-", "ok": True},
        {"name": "  upload / disk copy", "value": round(result["share"] * 100), "unit": "%",
         "goal": f">= {GOAL_SHARE * 100:.0f}" if judged else "-",
         "ok": result["share"] >= GOAL_SHARE or not judged},
        {"name": f"  console RSS growth (before: {result['before_mb']:.0f} MB)",
         "value": round(result["growth_mb"], 1), "unit": "MB", "goal": f"< {GOAL_GROWTH_MB:g}",
         "ok": result["growth_mb"] < GOAL_GROWTH_MB},
    ]  # fmt: skip


def run(quick: bool = False, smoke: bool = False, codes: dict[str, Path] | None = None
        ) -> list[dict]:  # fmt: skip
    """The designs (or, with `codes`, the source trees behind the documented block) in turn."""
    from tests.fixtures.nginx import NGINX

    if not Path(NGINX).exists():
        return [{"name": "upload via nginx", "value": "not run: nginx is not installed",
                 "unit": "", "goal": "", "ok": False}]  # fmt: skip
    size_mb, rounds = (4, 1) if smoke else (50, 1) if quick else (FILE_MB, ROUNDS)
    documented = next(iter(DESIGNS.items()))
    if codes:
        designs = {f"{documented[0]}, code {name}": (code, documented[1])
                   for name, code in codes.items()}  # fmt: skip
    else:
        chosen = list(DESIGNS.items())[:1] if smoke else DESIGNS.items()
        designs = {design: (None, changes) for design, changes in chosen}
    # The clip, its copies and the library in one folder: one file system for all.
    with tempfile.TemporaryDirectory(prefix="bench-upload-") as tmp:
        work = Path(tmp)
        video = make_video(work / "clip.mp4", size_mb * MB)
        consoles: dict[Path | None, object] = {}
        try:
            for index, (code, _changes) in enumerate(designs.values()):
                if code not in consoles:
                    consoles[code] = start_console(work / f"console-{index}",
                                                   (size_mb + 50) * MB, code)  # fmt: skip
            results: dict[str, list[dict]] = {design: [] for design in designs}
            for round_ in range(rounds):  # the designs in turn: a busy spell hits all alike
                for index, (design, (code, changes)) in enumerate(designs.items()):
                    mark = round_ * len(designs) + index
                    result = measure(work, consoles[code], design, changes, video, mark=mark)
                    results[design].append(result)
        finally:
            for console in consoles.values():
                console.stop()
    # The goal is judged on the documented design (each code tree's, when comparing code).
    return [row for index, runs in enumerate(results.values())
            for row in rows_for(median_of(runs), judged=index == 0 or bool(codes))]  # fmt: skip


def after_steps(rounds: int = 5) -> list[dict]:
    """The steps after the last byte, each timed alone on a 200 MB clip (medians of `rounds`)."""
    from central.content import library, upload
    from central.probe import probe_media

    def poster_decoded_again(path: Path) -> None:  # the poster as it was made before
        with av.open(str(path)) as container:
            next(container.decode(video=0)).to_image()

    def written(path: Path, behind: int) -> None:
        data = video.read_bytes()
        writer = upload._HashingWriter(path.open("wb"), write_behind=behind)
        for start in range(0, len(data), 256 << 10):  # as the server reads
            writer.write(memoryview(data)[start : start + (256 << 10)])
        writer.close()

    times: dict[str, list[float]] = {}

    def timed(name: str, step) -> object:
        started = time.perf_counter()
        result = step()
        times.setdefault(name, []).append(time.perf_counter() - started)
        return result

    with tempfile.TemporaryDirectory(prefix="bench-upload-") as tmp:
        video = make_video(Path(tmp) / "clip.mp4", FILE_MB * MB)
        kept = Path(tmp) / "kept.tmp"
        for _ in range(rounds):
            timed("probe", lambda: probe_media(video))
            info = timed("probe keeping the first frame", lambda: probe_media(video, poster=True))
            timed("poster decoded a second time (before)", lambda: poster_decoded_again(video))
            timed(
                "thumbnail from the probe's frame", lambda i=info: library.make_thumbnail(video, i)
            )
            for label, behind in (("no write-behind", 1 << 60),
                                  ("write-behind", upload.WRITE_BEHIND_BYTES)):  # fmt: skip
                os.sync()
                timed(f"hash + write 200 MB, {label}", lambda b=behind: written(kept, b))
                timed(f"fsync after it, {label}", lambda: library._sync_data(kept))
                kept.unlink()
    return [{"name": f"  {name} (median of {rounds})",
             "value": round(statistics.median(values) * 1000, 1), "unit": "ms", "goal": "-",
             "ok": True} for name, values in times.items()]  # fmt: skip


def main() -> int:
    arguments = sys.argv[1:]
    codes = {}
    for flag, value in itertools.pairwise(arguments):
        if flag == "--code":
            name, _, folder = value.partition("=")
            codes[name] = Path(folder).resolve()
    if "--steps" in arguments:
        rows = after_steps()
    else:
        rows = run(quick="--quick" in arguments, codes=codes or None)
    for row in rows:
        print(f"{row['name']:<72} {row['value']!s:>8} {row['unit']:<4} {row['goal']}")
    return 0 if all(row["ok"] for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
