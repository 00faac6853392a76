"""Preview frames of a playlist's items, drawn by the screens' own renderer in a process of its own.

What an approver approves must be what the wall shows, so each item is drawn by the
player's render code (`python -m player.render.stills`: the compositor with its ticker
bar and clock overlay, the image decoder, a video's first frame as shown at the switch)
at the output size, region and rotation the group's screens report in their status
(the office keeps no display settings of its own), or DEFAULT_OUTPUT when none has
reported yet. The drawing runs in a child process, one batch at a time, killed after
`timeout` seconds, so a hostile or broken file can cost a preview but never the console.
Frames are kept under the library folder by (item content hash, display, layout):
`frames/<key>.png`, or `frames/<key>.error` with the renderer's reason.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import hashlib
import json
import logging
import os
import shutil
import sys
import tempfile
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from central.content import playlist
from central.content.library import media_path
from player.wire.approval import content_hash
from player.wire.atomicfile import atomic_write, replace_file
from player.wire.isotime import format_utc
from player.wire.manifest import FORMAT_VERSION

log = logging.getLogger(__name__)

# A group none of whose screens has reported its output yet is drawn at full HD, the
# input most LED sending cards (NovaStar, Colorlight) take over HDMI.
DEFAULT_OUTPUT = (1920, 1080)
TIMEOUT = 60.0  # seconds for one batch, all items of a playlist
ITEM_WAIT = 15.0  # seconds one item may take to decode before it counts as failed
_KEY_LENGTH = 40


class FrameError(Exception):
    """The frames could not be drawn (the renderer failed, or took too long): try again."""


@dataclass(frozen=True)
class Display:
    """The output a preview is drawn at, and how many of the group's screens reported it."""

    output: tuple[int, int]
    region: tuple[int, int, int, int] | None = None  # None: the whole output
    rotation: int = 0
    screens: int = 0  # 0: no screen of the group reported one; DEFAULT_OUTPUT is assumed

    @property
    def content(self) -> tuple[int, int]:
        """The picture as its viewers see it: the region, turned by the rotation."""
        w, h = self.region[2:] if self.region else self.output
        return (h, w) if self.rotation in (90, 270) else (w, h)


@dataclass(frozen=True)
class Frame:
    """One item's preview: the key of its PNG, or why it could not be drawn."""

    item_id: str
    name: str
    key: str
    error: str | None = None


def group_display(screens: Iterable[Mapping], group: str) -> Display:
    """The display most of `group`'s screens report (`display` of
    `central.db.fleet.fleet_now` rows); DEFAULT_OUTPUT when none reported one."""
    reported = Counter(
        screen["display"]
        for screen in screens
        if screen.get("group") == group and screen.get("display") is not None
    )
    if not reported:
        return Display(DEFAULT_OUTPUT)
    (output, region, rotation), count = reported.most_common(1)[0]
    return Display(tuple(output), tuple(region) if region else None, rotation, count)


def wire_manifest(group: str, items: list[dict], sizes: Mapping[str, int],
                  now: dt.datetime, layout: Mapping | None = None) -> dict:  # fmt: skip
    """The unsigned manifest the screens would be given for `items` (media sizes from
    `sizes`), with the ticker's typed lines and the clock of `layout` as approval publishes
    them (the feeds' headlines are left out: which are approved changes by the hour)."""
    entries = []
    for item in items:
        entry = {"id": item["id"], "type": item["type"], "media": item["media"]}
        if item.get("duration") is not None:
            entry["duration"] = item["duration"]
        entries.append(entry)
    media = {
        sha: {"size": size, "type": next(i["type"] for i in items if i["media"] == sha)}
        for sha, size in sizes.items()
    }
    manifest = {
        "version": FORMAT_VERSION, "group": group, "published_at": format_utc(now),
        "sequence": 1, "media": media,
        "playlists": [{"name": "main", "default": True, "items": entries}],
    }  # fmt: skip
    authored = playlist.authoring(group, items, layout)
    shown = {}
    ticker = authored.get("ticker") or {}
    if ticker.get("lines"):
        shown["ticker"] = {"lines": ticker["lines"], "position": ticker["position"]}
    if authored.get("clock"):
        shown["clock"] = authored["clock"]
    if shown:
        manifest["layout"] = shown
    return manifest


def frame_key(entry: Mapping, layout: object, display: Display) -> str:
    """The cache key of one item's frame: what it shows, where and beside what."""
    text = json.dumps(
        [content_hash(entry), display.output, display.region, display.rotation, layout],
        sort_keys=True,
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:_KEY_LENGTH]


def is_key(text: str) -> bool:
    return len(text) == _KEY_LENGTH and all(c in "0123456789abcdef" for c in text)


class FrameRenderer:
    """Draws preview frames in a child process, one batch at a time, and keeps them."""

    def __init__(self, library: Path, timezone: str, *, timeout: float = TIMEOUT) -> None:
        self.folder = library / "frames"
        self.library = library
        self.timezone = timezone
        self.timeout = timeout
        self._one_at_a_time = asyncio.Lock()  # two cores: a second batch waits its turn

    def path(self, key: str) -> Path | None:
        """The PNG of a kept frame; None for a key not drawn (or not a key)."""
        found = self.folder / f"{key}.png" if is_key(key) else None
        return found if found is not None and found.is_file() else None

    async def frames(self, group: str, items: list[dict], display: Display,
                     now: dt.datetime, layout: Mapping | None = None) -> list[Frame]:  # fmt: skip
        """Each item's frame, drawing those not kept yet; raises FrameError when the
        renderer fails or takes longer than the timeout."""
        if now.tzinfo is None:  # the console's clock: naive UTC, as the database
            now = now.replace(tzinfo=dt.UTC)
        sizes = {}
        for sha in {item["media"] for item in items}:
            with contextlib.suppress(OSError):  # a missing file: its frame says so
                sizes[sha] = media_path(self.library, sha).stat().st_size
        manifest = wire_manifest(group, items, sizes, now, layout)
        entries = manifest["playlists"][0]["items"]
        layout = manifest.get("layout")
        keys = [frame_key(entry, layout, display) for entry in entries]
        passing: dict[str, str] = {}  # reasons of this attempt only (a busy machine)
        if any(self._kept(key) is None for key in keys):
            async with self._one_at_a_time:
                wanted = {
                    entry["id"]: key
                    for entry, key in zip(entries, keys, strict=True)
                    if self._kept(key) is None and entry["media"] in sizes
                }
                if wanted:
                    passing = await self._draw(manifest, display, wanted, now)
        frames = []
        for item, key in zip(items, keys, strict=True):
            if item["media"] not in sizes:
                error = "the media is no longer in the library"
            else:
                error = self._kept(key) or passing.get(key)
            frames.append(Frame(item["id"], item.get("name") or item["id"], key, error))
        return frames

    def _kept(self, key: str) -> str | None:
        """ "" for a kept frame, the reason for one that could not be drawn, None: not drawn."""
        if (self.folder / f"{key}.png").is_file():
            return ""
        try:
            return (self.folder / f"{key}.error").read_text("utf-8")
        except OSError:
            return None

    async def _draw(self, manifest: dict, display: Display, wanted: dict[str, str],
                    now: dt.datetime) -> dict[str, str]:  # fmt: skip
        """Draw and keep the `wanted` frames (item id → key); the reasons of those that
        failed for a passing cause (not ready in time), which are not kept."""
        self.folder.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix="draw-", dir=self.folder))
        try:
            job = {
                "manifest": manifest, "media_dir": str(self.library), "out_dir": str(work),
                "output": list(display.output), "region": display.region,
                "rotation": display.rotation, "timezone": self.timezone,
                "frames": {item_id: f"{key}.png" for item_id, key in wanted.items()},
                "wait": min(ITEM_WAIT, self.timeout), "at": now.timestamp(),
                "result": str(work / "result.json"),
            }  # fmt: skip
            (work / "job.json").write_text(json.dumps(job), "utf-8")
            result = await self._run(work)
            passing = {}
            for item_id, key in wanted.items():
                drawn = result["frames"].get(item_id, {"error": "not drawn", "passing": True})
                if "file" in drawn:
                    replace_file(work / drawn["file"], self.folder / f"{key}.png", durable=False)
                    continue
                # The library's place on the server means nothing to the reader; the reason does.
                reason = str(drawn["error"]).replace(f"{self.library}/", "")[:500]
                if drawn.get("passing"):
                    passing[key] = reason
                else:  # the same bytes fail the same way: not drawn again
                    atomic_write(self.folder / f"{key}.error", reason.encode(), durable=False)
            return passing
        finally:
            shutil.rmtree(work, ignore_errors=True)

    async def _run(self, work: Path) -> dict:
        env = {**os.environ, "SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy",
               "PYGAME_HIDE_SUPPORT_PROMPT": "1"}  # fmt: skip
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "player.render.stills", str(work / "job.json"),
            stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE, env=env,
        )  # fmt: skip
        try:
            _, stderr = await asyncio.wait_for(process.communicate(), self.timeout)
        except TimeoutError:
            process.kill()
            await process.wait()
            raise FrameError(f"the preview frames took longer than {self.timeout:g} s") from None
        finally:
            if process.returncode is None:  # the page request was cancelled
                process.kill()
        if process.returncode != 0:
            reason = stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no reason"]
            log.warning("preview frames failed (exit %s): %s", process.returncode, reason[0])
            raise FrameError(f"the player's renderer failed: {reason[0][:300]}")
        return json.loads((work / "result.json").read_text("utf-8"))
