"""Play a published folder (manifest.json + media/) directly: `python -m player.render DIR`.

A diagnostic for technicians and the benchmark: no sync, no signature check, no
config file; only the display options given here.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import queue
import resource
import sys
import tempfile
import threading
import time
from pathlib import Path

from player.config.model import (
    CacheConfig,
    Config,
    DisplayConfig,
    PlayerConfig,
    Region,
    SourceConfig,
)
from player.events import ManifestActivated
from player.render.display import DisplayError
from player.render.loop import RenderLoop
from player.service.board import StatusBoard
from player.wire.manifest import ManifestError
from player.wire.parse import parse
from player.wire.status import RenderSection

log = logging.getLogger(__name__)


def _size(text: str) -> tuple[int, int]:
    width, _, height = text.lower().partition("x")
    return int(width), int(height)


def _region(text: str) -> Region:
    x, y, w, h = (int(v) for v in text.split(","))
    return Region(x, y, w, h)


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m player.render", description=__doc__)
    parser.add_argument("tree", type=Path, help="folder with manifest.json and media/")
    parser.add_argument("--seconds", type=float, default=None, help="stop after S seconds")
    parser.add_argument("--headless", action="store_true", help="SDL dummy driver")
    parser.add_argument("--windowed", action="store_true", help="a window, not fullscreen")
    parser.add_argument("--size", type=_size, help="output WxH (default: auto)")
    parser.add_argument("--region", type=_region, help="x,y,w,h inside the output")
    parser.add_argument("--rotation", type=int, default=0, choices=(0, 90, 180, 270))
    parser.add_argument("--fit", default="contain", choices=("contain", "cover", "stretch"))
    parser.add_argument("--fps", type=int, default=30)
    parser.add_argument("--driver", default="auto")
    parser.add_argument("--timezone", default="UTC")
    parser.add_argument("--frame-log", type=Path)
    parser.add_argument("--screenshot-dir", type=Path)
    parser.add_argument("--screenshot-every", type=float, default=5.0)
    parser.add_argument(
        "--report", type=Path, help="write JSON: CPU seconds at first frame and at the end"
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    manifest_path = args.tree / "manifest.json"
    try:
        manifest = parse(manifest_path.read_bytes())
    except (OSError, ManifestError) as exc:
        print(f"{manifest_path}: {exc}", file=sys.stderr)
        return 2
    cache = Path(tempfile.mkdtemp(prefix="videotron-render-"))
    config = Config(
        player=PlayerConfig(id="render-check", timezone=args.timezone),
        # Feeds published with the content are read from the folder, as a USB source does.
        source=SourceConfig(url=str(manifest_path.parent)),
        cache=CacheConfig(dir=cache),
        display=DisplayConfig(
            size=args.size, region=args.region, rotation=args.rotation, fit=args.fit,
            fps=args.fps, driver=args.driver,
        ),
    )  # fmt: skip
    inbox: queue.Queue = queue.Queue()
    inbox.put(ManifestActivated(manifest))
    marks: dict[str, float] = {}

    def first_frame() -> None:
        marks["first_frame_cpu"] = _cpu_seconds()
        marks["first_frame_wall"] = time.monotonic()
        print("first frame", flush=True)

    status = StatusBoard()
    loop = RenderLoop(
        config,
        lambda sha: args.tree / "media" / sha,
        status,
        inbox,
        on_first_frame=first_frame,
        headless=args.headless,
        windowed=args.windowed,
        screenshot_dir=args.screenshot_dir,
        screenshot_every=args.screenshot_every,
        frame_log=args.frame_log,
    )
    try:
        loop.run(threading.Event(), exit_after=args.seconds)
    except DisplayError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if args.report is not None:
        render: RenderSection = status.get("render")
        report = {
            **marks,
            "end_cpu": _cpu_seconds(),
            "end_wall": time.monotonic(),
            "frames": loop.frames,
            "dropped": render.get("dropped", 0),
            "pid": os.getpid(),
        }
        args.report.write_text(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
