"""Render benchmark: player CPU per video frame vs bare decoding and vs mpv, drops, idle CPU.

Everything is measured side by side in one run on the same 1080p30 H.264 clip with real
detail and motion (sliding noise over moving gradients, about 6 Mbit/s) made here.

- P1a: the player headless (SDL's dummy driver) against PyAV decoding the clip alone, with
  the floor beside it: decoding plus converting each frame into a 1080p surface with the
  player's own converter, and nothing else, flat out and paced at the clip's rate. Both
  decoding scripts open the clip as PyAV does by default; the player's own open skips the
  probe's decode of the first frame (player/render/video.py).
- P1b: the player in a real fullscreen X11 window under Xvfb against mpv (`--vo=x11
  --hwdec=no`, software decoding into X11 shared memory, the path most Pi signage players
  build on) on the same clip and the same 1920x1080 Xvfb screen, both to the clip's end.

The sides of each ratio run in turns, round after round, and the ratio is the median of
the rounds' ratios, so load from other processes on a shared machine hits both alike.
"""

from __future__ import annotations

import datetime as dt
import json
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from itertools import pairwise
from pathlib import Path

import av
import numpy as np
import yaml
from PIL import Image

SIZE = (1920, 1080)
FPS = 30
BIT_RATE = 6_000_000
CPU_RATIO_GOAL = 1.35
MPV_RATIO_GOAL = 0.8
IDLE_GOAL = 1.0  # percent of one core
MPV = ["mpv", "--no-config", "--no-audio", "--vo=x11", "--hwdec=no", "--fs"]


def make_clip(path: Path, seconds: float) -> Path:
    """A 1080p30 H.264 clip that is expensive to decode: fine noise moving over gradients."""
    width, height = SIZE
    rng = np.random.default_rng(2024)
    texture = rng.integers(0, 256, (height + 2 * 300, width + 3 * 300, 3), dtype=np.uint8)
    ys, xs = np.mgrid[0:height, 0:width]
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=FPS)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.bit_rate = BIT_RATE
        stream.options = {"preset": "veryfast"}
        for i in range(round(seconds * FPS)):
            frame = texture[i * 2 % 600 : i * 2 % 600 + height, i * 3 % 900 : i * 3 % 900 + width]
            frame = frame // 2
            frame[..., 0] += ((xs + i * 8) % 256 // 2).astype(np.uint8)
            frame[..., 1] += ((ys + i * 4) % 256 // 2).astype(np.uint8)
            for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def decode_cpu_per_frame(path: Path) -> float:
    """CPU seconds per frame of PyAV decoding the clip alone (same threading as the player)."""
    started = time.process_time()
    frames = 0
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        for _ in container.decode(stream):
            frames += 1
    return (time.process_time() - started) / frames


def decode_convert_cpu_per_frame(path: Path, *, paced: bool = False) -> float:
    """CPU seconds per frame of decoding plus converting into a 1080p surface: the floor.

    Flat out by default. `paced` converts each frame when it is due, sleeping in between,
    as any player must: the same work, at the clip's own rate (a waking thread finds its
    caches cold, so on a shared machine the same conversion costs more).
    """
    import pygame

    from player.render.convert import XRGB_MASKS, FrameConverter

    surface = pygame.Surface(SIZE, 0, 32, XRGB_MASKS)
    converter = FrameConverter()
    started = time.process_time()
    begun = time.monotonic()
    frames = 0
    try:
        with av.open(str(path)) as container:
            stream = container.streams.video[0]
            stream.thread_type = "AUTO"
            for frame in container.decode(stream):
                if paced:
                    time.sleep(max(0.0, begun + frames / FPS - time.monotonic()))
                converter.convert(frame, surface, SIZE, "bgr0")
                frames += 1
    finally:
        converter.close()
    return (time.process_time() - started) / frames


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def mpv_cpu_per_frame(clip: Path, frames: int, env: dict) -> float:
    """CPU seconds per frame of mpv playing the whole clip fullscreen on the X server."""
    before = children_cpu()
    subprocess.run([*MPV, str(clip)], env=env, check=True, capture_output=True, timeout=120)
    return (children_cpu() - before) / frames


def publish(tree: Path, items: list[dict], extra: dict | None = None) -> Path:
    """A published folder made by the real publisher (unsigned)."""
    from central.publish import publish as publish_folder

    tree.parent.mkdir(parents=True, exist_ok=True)
    source = tree.with_name(tree.name + "-src.yaml")
    playlist = {"name": "main", "priority": 0, "items": items}
    source.write_text(yaml.safe_dump({"group": "bench", "playlists": [playlist], **(extra or {})}))
    publish_folder(source, tree, None, dt.datetime.now(dt.UTC))
    return tree


def play(
    tree: Path, seconds: float, work: Path, *, frame_log: bool = False, env: dict | None = None
) -> dict:
    """Run the player process on `tree`; its report (CPU, frames, drops).

    Headless at 1080p, or with `env` (an X server's) fullscreen in a real window.
    """
    report = work / f"{tree.name}-report.json"
    log = work / f"{tree.name}-frames.jsonl"
    args = [sys.executable, "-m", "player.render", str(tree), "--fps", str(FPS),
            "--seconds", str(seconds), "--report", str(report)]  # fmt: skip
    if env is None:
        args += ["--headless", "--size", f"{SIZE[0]}x{SIZE[1]}"]
    if frame_log:
        args += ["--frame-log", str(log)]
    subprocess.run(args, check=True, capture_output=True, timeout=seconds + 60, env=env)
    result = json.loads(report.read_text())
    if frame_log:
        result["rows"] = [json.loads(line) for line in log.read_text().splitlines()]
    return result


def cpu_per_frame(report: dict) -> float:
    """CPU seconds per presented frame, from the first frame to the end."""
    return (report["end_cpu"] - report["first_frame_cpu"]) / max(1, report["frames"] - 1)


def against_mpv(clip: Path, tree: Path, seconds: float, work: Path, rounds: int) -> dict:
    """P1b: the player and mpv in turns on one 1920x1080 Xvfb screen; medians of the rounds."""
    from tests.fixtures.xvfb import start_xvfb, stop_xvfb

    frames = round(seconds * FPS)
    server = start_xvfb(SIZE)
    ours, theirs, dropped = [], [], 0
    try:
        env = server.env()
        for _ in range(rounds):
            theirs.append(mpv_cpu_per_frame(clip, frames, env))
            # The player starts in about a second; it stops about when the clip ends.
            report = play(tree, seconds + 1.0, work, env=env)
            ours.append(cpu_per_frame(report))
            dropped += report["dropped"]
    finally:
        stop_xvfb(server)
    return {
        "player": statistics.median(ours),
        "mpv": statistics.median(theirs),
        "ratio": statistics.median(a / b for a, b in zip(ours, theirs, strict=True)),
        "dropped": dropped,
    }


def worst_switch_lateness(rows: list[dict]) -> float:
    late = [b["t"] - b["switch_at"] for a, b in pairwise(rows) if b["item"] != a["item"]]
    return max(late, default=0.0)


def skipped_video_frames(rows: list[dict]) -> int:
    """Decoded frames never presented, per play of each video in the frame log."""
    missing = 0
    plays: dict[float, set[int]] = {}
    for row in rows:
        if "#" in row["content"]:
            plays.setdefault(row["switch_at"], set()).add(int(row["content"].split("#")[1]))
    for shown in plays.values():
        shown.discard(-1)
        if shown:
            missing += max(shown) - min(shown) + 1 - len(shown)
    return missing


def run(quick: bool = False, smoke: bool = False) -> list[dict]:
    seconds = 1.0 if smoke else 3.0 if quick else 10.0
    rounds = 1 if quick or smoke else 3
    with tempfile.TemporaryDirectory(prefix="bench-render-") as tmp:
        work = Path(tmp)
        clip = make_clip(work / "clip.mp4", seconds)
        mbits = clip.stat().st_size * 8 / seconds / 1e6

        video = publish(work / "video", [{"id": "clip", "type": "video", "file": str(clip)}])
        decode, floor, paced, player = [], [], [], []
        for _ in range(rounds):  # in turns, so the machine's load hits all four alike
            decode.append(decode_cpu_per_frame(clip))
            floor.append(decode_convert_cpu_per_frame(clip))
            paced.append(decode_convert_cpu_per_frame(clip, paced=True))
            player.append(cpu_per_frame(play(video, seconds, work)))
        ratio = statistics.median(p / d for p, d in zip(player, decode, strict=True))
        floor_ratio = statistics.median(f / d for f, d in zip(floor, decode, strict=True))
        paced_ratio = statistics.median(f / d for f, d in zip(paced, decode, strict=True))
        mpv = against_mpv(clip, video, seconds, work, rounds) if shutil.which("mpv") else None

        ticker = {"lines": ["Pemeliharaan jaringan air bersih hari Sabtu",
                            "Waspada cuaca ekstrem sore ini"], "speed": 160}  # fmt: skip
        poster = work / "poster.png"
        Image.effect_noise(SIZE, 60).convert("RGB").save(poster)
        mixed = publish(
            work / "mixed",
            [{"id": "clip", "type": "video", "file": str(clip)},
             {"id": "poster", "type": "image", "file": str(poster), "duration": 1.5}],
            {"ticker": ticker},
        )  # fmt: skip
        scrolling = play(mixed, seconds + 2.5, work, frame_log=True)
        dropped = max(scrolling["dropped"], skipped_video_frames(scrolling["rows"]))
        lateness = worst_switch_lateness(scrolling["rows"])
        switches = sum(1 for a, b in pairwise(scrolling["rows"]) if a["item"] != b["item"])

        still = publish(work / "still", [{"id": "poster", "type": "image", "file": str(poster),
                                          "duration": 3600}])  # fmt: skip
        idle = play(still, 1.0 if smoke else 4.0 if quick else 10.0, work)
        idle_pct = (
            100
            * (idle["end_cpu"] - idle["first_frame_cpu"])
            / (idle["end_wall"] - idle["first_frame_wall"])
        )
    ms = 1000
    rows = [
        {
            "name": "render: clip bit rate (1080p30 H.264)",
            "value": round(mbits, 2),
            "unit": "Mbit/s",
            "goal": "about 6",
            "ok": 4 <= mbits <= 8,
        },
        {
            "name": f"render: PyAV decode alone, CPU per frame (median of {rounds})",
            "value": round(statistics.median(decode) * ms, 2),
            "unit": "ms",
            "goal": "baseline",
            "ok": True,
        },
        {
            "name": "render: decode + convert into a surface, CPU per frame (floor)",
            "value": round(statistics.median(floor) * ms, 2),
            "unit": "ms",
            "goal": "-",
            "ok": True,
        },
        {
            "name": f"render: the same, paced at {FPS} fps (floor of a player)",
            "value": round(statistics.median(paced) * ms, 2),
            "unit": "ms",
            "goal": "-",
            "ok": True,
        },
        {
            "name": "render: player headless, CPU per presented frame",
            "value": round(statistics.median(player) * ms, 2),
            "unit": "ms",
            "goal": "-",
            "ok": True,
        },
        {
            "name": "render: floor / decode CPU per frame (reference)",
            "value": round(floor_ratio, 3),
            "unit": "x",
            "goal": "-",
            "ok": True,
        },
        {
            "name": "render: paced floor / decode CPU per frame (reference)",
            "value": round(paced_ratio, 3),
            "unit": "x",
            "goal": "-",
            "ok": True,
        },
        {
            "name": "render: P1a player CPU / decode CPU per frame",
            "value": round(ratio, 3),
            "unit": "x",
            "goal": f"<= {CPU_RATIO_GOAL}",
            "ok": ratio <= CPU_RATIO_GOAL,
        },
    ]
    if mpv is None:
        rows.append(
            {
                "name": "render: P1b player / mpv in an X11 window",
                "value": "no mpv",
                "unit": "",
                "goal": f"<= {MPV_RATIO_GOAL}",
                "ok": False,
            }
        )
    else:
        rows += [
            {
                "name": "render: mpv --vo=x11 under Xvfb, CPU per frame",
                "value": round(mpv["mpv"] * ms, 2),
                "unit": "ms",
                "goal": "-",
                "ok": True,
            },
            {
                "name": "render: player in an X11 window under Xvfb, CPU per frame",
                "value": round(mpv["player"] * ms, 2),
                "unit": "ms",
                "goal": "-",
                "ok": True,
            },
            {
                "name": "render: P1b player / mpv CPU per frame, X11 window",
                "value": round(mpv["ratio"], 3),
                "unit": "x",
                "goal": f"<= {MPV_RATIO_GOAL}",
                "ok": mpv["ratio"] <= MPV_RATIO_GOAL,
            },
            {
                "name": f"render: frames dropped in the X11 window ({rounds} plays)",
                "value": mpv["dropped"],
                "unit": "frames",
                "goal": "0",
                "ok": mpv["dropped"] == 0,
            },
        ]
    return [*rows,
        {"name": "render: frames dropped, video + scrolling ticker", "value": dropped,
         "unit": "frames", "goal": "0", "ok": dropped == 0},
        {"name": "render: worst switch lateness (frame log)", "value": round(lateness * 1000, 1),
         "unit": f"ms over {switches} switches", "goal": f"< {1000 / FPS:.1f}",
         "ok": switches > 0 and lateness < 1 / FPS},
        {"name": "render: CPU on a static slide, no ticker", "value": round(idle_pct, 2),
         "unit": "% of a core", "goal": f"< {IDLE_GOAL}", "ok": idle_pct < IDLE_GOAL},
    ]  # fmt: skip


if __name__ == "__main__":
    from bench.__main__ import format_table

    print(format_table(run(quick="--quick" in sys.argv)))
