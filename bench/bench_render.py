"""Render benchmark: player CPU per video frame vs bare decoding, drops, idle CPU, switch lateness.

Everything is measured side by side in one run on the same 1080p30 H.264 clip with real
detail and motion (sliding noise over moving gradients, about 6 Mbit/s) made here.
"""

from __future__ import annotations

import datetime as dt
import json
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
CPU_RATIO_GOAL = 1.25
IDLE_GOAL = 1.0  # percent of one core


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


def publish(tree: Path, items: list[dict], extra: dict | None = None) -> Path:
    """A published folder made by the real publisher (unsigned)."""
    from central.publish import publish as publish_folder

    tree.parent.mkdir(parents=True, exist_ok=True)
    source = tree.with_name(tree.name + "-src.yaml")
    playlist = {"name": "main", "priority": 0, "items": items}
    source.write_text(yaml.safe_dump({"group": "bench", "playlists": [playlist], **(extra or {})}))
    publish_folder(source, tree, None, dt.datetime.now(dt.UTC))
    return tree


def play(tree: Path, seconds: float, work: Path, *, frame_log: bool = False) -> dict:
    """Run the player process headless at 1080p on `tree`; its report (CPU, frames, drops)."""
    report = work / f"{tree.name}-report.json"
    log = work / f"{tree.name}-frames.jsonl"
    args = [sys.executable, "-m", "player.render", str(tree), "--headless", "--size",
            f"{SIZE[0]}x{SIZE[1]}", "--fps", str(FPS), "--seconds", str(seconds),
            "--report", str(report)]  # fmt: skip
    if frame_log:
        args += ["--frame-log", str(log)]
    subprocess.run(args, check=True, capture_output=True, timeout=seconds + 60)
    result = json.loads(report.read_text())
    if frame_log:
        result["rows"] = [json.loads(line) for line in log.read_text().splitlines()]
    return result


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


def run(quick: bool = False) -> list[dict]:
    seconds = 3.0 if quick else 10.0
    with tempfile.TemporaryDirectory(prefix="bench-render-") as tmp:
        work = Path(tmp)
        clip = make_clip(work / "clip.mp4", seconds)
        mbits = clip.stat().st_size * 8 / seconds / 1e6
        decode = decode_cpu_per_frame(clip)

        video = publish(work / "video", [{"id": "clip", "type": "video", "file": str(clip)}])
        played = play(video, seconds, work)
        frames = played["frames"] - 1
        player = (played["end_cpu"] - played["first_frame_cpu"]) / max(1, frames)

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
        idle = play(still, 4.0 if quick else 10.0, work)
        idle_pct = (
            100
            * (idle["end_cpu"] - idle["first_frame_cpu"])
            / (idle["end_wall"] - idle["first_frame_wall"])
        )
    ratio = player / decode
    return [
        {"name": "render: clip bit rate (1080p30 H.264)", "value": round(mbits, 2),
         "unit": "Mbit/s", "goal": "about 6", "ok": 4 <= mbits <= 8},
        {"name": "render: PyAV decode alone, CPU per frame", "value": round(decode * 1000, 2),
         "unit": "ms", "goal": "baseline", "ok": True},
        {"name": "render: player process, CPU per presented frame",
         "value": round(player * 1000, 2), "unit": "ms", "goal": "baseline x1.25", "ok": True},
        {"name": "render: player CPU / decode CPU per frame", "value": round(ratio, 3),
         "unit": "x", "goal": f"<= {CPU_RATIO_GOAL}", "ok": ratio <= CPU_RATIO_GOAL},
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
