"""Evidence of what was on screen: PNG screenshots and a per-frame JSON log."""

from __future__ import annotations

import json
import logging
import queue
import threading
from pathlib import Path
from typing import IO

import pygame
from PIL import Image

from player.wire.atomicfile import atomic_writer, replace_file

log = logging.getLogger(__name__)

FLUSH_EVERY = 1.0  # seconds between frame log flushes: cheap, and a crash loses little


def rgb_bytes(surface: pygame.Surface) -> bytes:
    """The surface's pixels as packed RGB bytes, on every pygame a Pi may have.

    `pygame.image.tobytes` came in pygame 2.1.3; Debian bookworm ships 2.1.2, where only
    the older name `tostring` exists (later versions keep it as an alias).
    """
    to_bytes = getattr(pygame.image, "tobytes", None) or pygame.image.tostring
    return to_bytes(surface, "RGB")


def save_png(surface: pygame.Surface, path: Path) -> None:
    """Write `surface` as PNG atomically (temp file beside it, then rename)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    image = Image.frombytes("RGB", surface.get_size(), rgb_bytes(surface))
    with atomic_writer(path, durable=False) as handle:
        image.save(handle, format="PNG", compress_level=1)


LATEST_NAME = "latest.png"


class Screenshotter:
    """Periodic screenshots: the frame is copied on the main thread, encoded in a worker.

    With `keep`, only the newest `keep` shots stay (an overnight run would fill the disk)
    and `latest.png` is always the newest one.
    """

    def __init__(self, directory: Path, every: float, keep: int | None = None) -> None:
        self.directory = Path(directory)
        self.every = max(0.1, every)
        self.keep = keep
        self.next_at: float | None = None
        self.count = 0
        self._jobs: queue.Queue[tuple[bytes, tuple[int, int], Path] | None] = queue.Queue(2)
        self._thread = threading.Thread(target=self._run, name="screenshots", daemon=True)
        self._thread.start()

    def due(self, now: float) -> bool:
        return self.next_at is None or now >= self.next_at

    def take(self, screen: pygame.Surface, now: float, stamp: str) -> None:
        self.next_at = now + self.every
        path = self.directory / f"screen-{stamp}-{self.count:05d}.png"
        self.count += 1
        try:
            self._jobs.put_nowait((rgb_bytes(screen), screen.get_size(), path))
        except queue.Full:
            log.warning("screenshot %s skipped: the previous ones are still being written", path)

    def _run(self) -> None:
        while True:
            job = self._jobs.get()
            if job is None:
                return
            data, size, path = job
            try:
                self.directory.mkdir(parents=True, exist_ok=True)
                image = Image.frombytes("RGB", size, data)
                with atomic_writer(path, durable=False) as handle:
                    image.save(handle, format="PNG", compress_level=1)
                if self.keep is not None:
                    self._prune(path)
            except OSError as exc:
                log.error("cannot write screenshot %s: %s", path, exc)

    def _prune(self, newest: Path) -> None:
        """Keep the newest `keep` shots and point `latest.png` at the newest (a hard link)."""
        for old in sorted(self.directory.glob("screen-*.png"))[: -self.keep or None]:
            old.unlink(missing_ok=True)
        latest = self.directory / LATEST_NAME
        staged = latest.with_name(f".{LATEST_NAME}.tmp")
        staged.unlink(missing_ok=True)
        staged.hardlink_to(newest)
        replace_file(staged, latest, durable=False)

    def close(self) -> None:
        self._jobs.put(None)
        self._thread.join(timeout=10.0)


class RunQueueWait:
    """Seconds this process's threads have waited, runnable, for a CPU (0.0 where unknown).

    Linux counts it per thread in /proc (schedstat's second field, ns); it grows only when
    the machine is too busy to run us, never for our own work, so a frame log can tell a
    late frame the machine caused from one the player caused. Threads that ended keep
    their last count, so the total never goes back.
    """

    def __init__(self) -> None:
        self._seen: dict[str, int] = {}

    def __call__(self) -> float:
        try:
            tasks = list(Path("/proc/self/task").iterdir())
        except OSError:
            return 0.0
        for task in tasks:
            try:
                self._seen[task.name] = int((task / "schedstat").read_text().split()[1])
            except (OSError, IndexError, ValueError):
                continue  # a thread that ended meanwhile
        return sum(self._seen.values()) / 1e9


class FrameLog:
    """One JSON line per presented frame: when, what, scheduled switch, sampled pixels.

    `wait` is the process's CPU wait so far (RunQueueWait): a diagnostic log, so its
    cost (a few /proc reads a frame) is paid only when the log is on.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._file: IO[str] = open(self.path, "a", encoding="utf-8", buffering=1 << 16)  # noqa: SIM115
        self._flushed = 0.0
        self._wait = RunQueueWait()

    def write(self, record: dict, now: float) -> None:
        self._file.write(json.dumps(record, separators=(",", ":")) + "\n")
        if now - self._flushed >= FLUSH_EVERY:
            self._file.flush()
            self._flushed = now

    def frame(self, presented: float, showing, fade: bool, pixels: list) -> None:
        """The frame just presented: `showing` is the switcher's Showing on screen."""
        slot = showing.slot
        record = {
            "t": round(presented, 4),
            "kind": slot.kind,
            "item": slot.item.id if slot.item else None,
            "slot_start": round(slot.start.timestamp(), 4),
            "switch_at": round(showing.switch_at, 4),
            "content": showing.visual.frame_id(),
            "fade": fade,
            "px": pixels,
            "wait": round(self._wait(), 4),
        }
        self.write(record, presented)

    def close(self) -> None:
        self._file.close()
