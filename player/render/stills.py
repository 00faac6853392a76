"""Still frames of a manifest's items, drawn headless by the screens' own render code.

The office runs it as `python -m player.render.stills JOB.json` (one process per batch, so
a file that crashes a decoder takes only this process down) to show approvers what a
screen will show: each item as the render loop draws it (a video's first frame, as it
appears at the switch), with the manifest's ticker bar and clock overlay, at a screen's
output size, region and rotation, seen the way the wall's viewers see it (upright).

The job (JSON): {"manifest": the manifest as JSON, "media_dir": folder of media by sha256,
"out_dir": folder for the PNGs, "output": [w, h], "region": [x, y, w, h] | null,
"rotation": 0 | 90 | 180 | 270, "timezone": name, "frames": {item id: file name},
"wait": seconds an item may take to prepare, "at": epoch seconds of the clock shown,
"result": where to write {"content": [w, h], "frames": {item id: {"file": name} |
{"error": why, "passing": true when another try may draw it}}} as JSON}. The output is
SDL's dummy driver: no display opens.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import pygame

from player.config.model import DisplayConfig, Region
from player.render.capture import save_png
from player.render.display import Output, close_output, open_output
from player.render.fonts import FontBook
from player.render.images import ImageDecoder
from player.render.prepare import VisualFactory
from player.render.scene import Scene
from player.render.slides import SlideWorker
from player.schedule.plan import Slot
from player.wire.atomicfile import atomic_write
from player.wire.manifest import Manifest
from player.wire.parse import manifest_from_raw

MAX_SAVED_PIXELS = 1920 * 1080  # a larger wall's frame is saved scaled down to this
POLL = 0.01  # seconds between looks at an item still preparing


def _saved(surface: pygame.Surface) -> pygame.Surface:
    w, h = surface.get_size()
    if w * h <= MAX_SAVED_PIXELS:
        return surface
    scale = (MAX_SAVED_PIXELS / (w * h)) ** 0.5
    return pygame.transform.smoothscale(surface, (max(1, int(w * scale)), max(1, int(h * scale))))


def render_stills(manifest: Manifest, media_dir: Path, output: Output, out_dir: Path,
                  frames: dict[str, str], *, tz: ZoneInfo, wait: float,
                  at: float) -> dict[str, dict]:  # fmt: skip
    """Draw each item named in `frames` (item id → PNG name in `out_dir`) as a screen would
    at wall-clock `at`; {item id: {"file": name} or {"error": why}}."""
    book = FontBook(None)  # the players' default font, DejaVu Sans
    images, slides = ImageDecoder(), SlideWorker()
    background = (0, 0, 0)  # the players' default display.background
    scene = Scene(output, book, background)
    scene.set_layout(manifest.layout, tz)
    factory = VisualFactory(
        media_path=lambda sha: media_dir / sha, images=images, slides=slides, book=book,
        content=output.content, background=background, fit="contain", fps=30, tz=tz,
        splash_lines=lambda reason: [], headlines=lambda: [], clock=lambda: at,
    )  # fmt: skip
    items = {item.id: item for playlist in manifest.playlists for item in playlist.items}
    start = dt.datetime.fromtimestamp(at, dt.UTC)
    results: dict[str, dict] = {}
    try:
        for item_id, name in frames.items():
            item = items.get(item_id)
            if item is None:
                results[item_id] = {"error": "not in the manifest (left out as unplayable?)"}
                continue
            slot = Slot("item", start, start + dt.timedelta(seconds=1), item=item)
            visual = factory.make(slot, manifest, scene.zone_for("item"))
            try:
                results[item_id] = _draw(visual, scene, output.content, out_dir / name,
                                         wait=wait, at=at)  # fmt: skip
            finally:
                visual.close()
    finally:
        images.close()
        slides.close()
    return results


def _draw(visual, scene: Scene, content: pygame.Surface, path: Path, *, wait: float,
          at: float) -> dict:  # fmt: skip
    deadline = time.monotonic() + wait
    while not visual.ready() and visual.error is None:
        if time.monotonic() > deadline:
            return {"error": f"not ready to show within {wait:g} s", "passing": True}
        time.sleep(POLL)
    if visual.error is not None:
        return {"error": visual.error}
    visual.finish()
    if visual.error is not None:
        return {"error": visual.error}
    visual.start(at)  # the switch: a video shows its first frame
    scene.clear()
    scene.compose(visual, "item", at, force=True)
    bar = scene.zones.ticker
    if scene.strip is not None and bar is not None:
        # The ticker enters from the right edge: drawn as it is once its text has crossed
        # the whole bar, as a passer-by sees it, not the empty bar of the switch's instant.
        scene.strip.draw(scene.surface(bar), at + bar.w / scene.strip.speed)
    save_png(_saved(content), path)
    return {"file": path.name}


def run_job(job: dict) -> dict:
    """Open a headless output as the job says, draw its frames, close the output."""
    region = Region(*job["region"]) if job.get("region") else None
    display = DisplayConfig(size=tuple(job["output"]), region=region,
                            rotation=int(job.get("rotation", 0)), driver="dummy")  # fmt: skip
    manifest = manifest_from_raw(job["manifest"])
    output = open_output(display, headless=True)
    try:
        pygame.font.init()
        out_dir = Path(job["out_dir"])
        out_dir.mkdir(parents=True, exist_ok=True)
        frames = render_stills(
            manifest, Path(job["media_dir"]), output, out_dir, dict(job["frames"]),
            tz=ZoneInfo(job.get("timezone", "UTC")), wait=float(job.get("wait", 10.0)),
            at=float(job.get("at", time.time())),
        )  # fmt: skip
    finally:
        close_output()
    return {"content": list(output.content_size), "frames": frames}


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m player.render.stills JOB.json", file=sys.stderr)
        return 2
    try:
        job = json.loads(Path(args[0]).read_text("utf-8"))
        result = run_job(job)
        atomic_write(Path(job["result"]), json.dumps(result).encode("utf-8"), durable=False)
    except Exception as exc:  # the office shows the reason beside the items
        print(f"{args[0]}: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
