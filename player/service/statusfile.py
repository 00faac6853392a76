"""Live status file (runtime.dir/status.json), written atomically; `videotron status`."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import os
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from player import __version__
from player.config.model import RuntimeConfig
from player.service.board import StatusBoard
from player.service.statusview import attention, parse_time, render_summary
from player.wire.atomicfile import atomic_write
from player.wire.isotime import format_utc
from player.wire.status import StatusDocument

log = logging.getLogger(__name__)

STALE_AFTER = 30.0  # seconds without a rewrite before `videotron status` says "not running"
EXIT_OK, EXIT_UNHEALTHY, EXIT_NOT_RUNNING = 0, 1, 3


def boot_clock() -> float:
    """Seconds since boot: shared by all processes and immune to wall-clock jumps.

    A Pi without an RTC boots with a stale clock and jumps when NTP answers; comparing
    wall-clock stamps across that jump would call a healthy player stale.
    """
    try:
        return time.clock_gettime(time.CLOCK_BOOTTIME)
    except (AttributeError, OSError):
        return time.monotonic()


def boot_id() -> str | None:
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return None


class StatusWriter:
    """Writes the status board to `path` on change (at most every `min_interval` s) and
    at least every `refresh` s, so readers can tell a live player from a dead file."""

    def __init__(
        self,
        path: Path,
        status: StatusBoard,
        *,
        min_interval: float = 0.5,
        refresh: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.path = Path(path)
        self.status = status
        self.min_interval = min_interval
        self.refresh = refresh
        self.clock = clock
        self.writes = 0
        self._dirty = threading.Event()
        self._failing = False
        self._boot_id = boot_id()
        status.subscribe(lambda _section: self._dirty.set())

    def document(self) -> dict:
        doc = {
            "written_at": format_utc(dt.datetime.now(dt.UTC)),
            "written_at_boot": round(boot_clock(), 3),
            "boot_id": self._boot_id,
            "pid": os.getpid(),
            "version": __version__,
        }
        doc.update(self.status.snapshot())
        return doc

    def write(self, extra: dict | None = None) -> bool:
        """Replace the file atomically; a reader sees the old or the new one, never half.

        No fsync: the file lives on tmpfs (/run) and is rewritten every few seconds, so
        durability buys nothing and would cost SD card writes where /run is not tmpfs.
        """
        doc = self.document()
        if extra:
            doc.update(extra)
        data = json.dumps(doc, indent=1, sort_keys=True, default=str).encode()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(self.path, data, durable=False, mode=0o644)
        except OSError as exc:
            if not self._failing:
                log.warning("cannot write status file %s: %s", self.path, exc)
            self._failing = True
            return False
        if self._failing:
            log.info("status file %s is written again", self.path)
            self._failing = False
        self.writes += 1
        return True

    def run(self, stop: threading.Event, beat: Callable[[], None]) -> None:
        """Supervised worker: write on change (debounced) and every `refresh` seconds."""
        last_write = None
        while not stop.is_set():
            beat()
            now = self.clock()
            due_refresh = last_write is None or now - last_write >= self.refresh
            if self._dirty.is_set() or due_refresh:
                wait_more = 0.0 if last_write is None else self.min_interval - (now - last_write)
                if wait_more > 0 and not due_refresh:
                    stop.wait(wait_more)  # debounce: gather a burst of changes into one write
                    continue
                self._dirty.clear()
                self.write()
                last_write = self.clock()
            remaining = self.refresh - (self.clock() - last_write) if last_write else 0.0
            self._dirty.wait(max(0.05, min(remaining, 1.0)))
        self.write({"stopped_at": format_utc(dt.datetime.now(dt.UTC))})


# -- reading it: `videotron status` ----------------------------------------------------------


def runtime_dir_from_config(config_path: Path) -> tuple[Path, str | None]:
    """runtime.dir from the config, or the default with a note saying why."""
    default = RuntimeConfig().dir
    try:
        from player.config.loader import load_config

        config = load_config(config_path)
    except Exception as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return default, f"could not read config {config_path} ({first}); using {default}"
    runtime = getattr(config, "runtime", None)
    if runtime is None:
        return default, f"config {config_path} gave no runtime section; using {default}"
    return Path(runtime.dir), None


def runtime_dir_candidates(config_path: Path) -> tuple[list[Path], str | None]:
    """Where the running player may write its status, most likely first, and a note.

    A refused edit must not hide the running player: it keeps the runtime dir of its last
    good config, so besides the file's own runtime.dir (read leniently when the file is
    broken) the last good copy's and the default are tried too.
    """
    from player.config.lastgood import last_good_copies, named_in

    first, note = runtime_dir_from_config(config_path)
    if note is None:
        return [first], None  # a valid config names the one place; never show another's
    candidates = []
    named = named_in(config_path, "runtime", "dir")
    if named:
        candidates.append(Path(named))
    for copy in last_good_copies(config_path):
        good = named_in(copy, "runtime", "dir")
        if good:
            candidates.append(Path(good))
    candidates.append(first)  # the default
    unique = list(dict.fromkeys(candidates))
    note = f"config {config_path} does not load; looking for the running player"
    return unique, note


def read_status(path: Path) -> tuple[dict | None, str | None]:
    """The status document at `path`, or None and why it could not be read."""
    try:
        raw = path.read_text()
    except FileNotFoundError:
        return None, f"no status file at {path}"
    except OSError as exc:
        return None, f"cannot read {path}: {exc}"
    try:
        doc = json.loads(raw)
        if not isinstance(doc, dict):
            raise ValueError("not a JSON object")
    except ValueError as exc:
        return None, f"status file {path} is not valid JSON ({exc})"
    return doc, None


def find_status(candidates: list[Path]) -> tuple[Path | None, dict | None, list[str]]:
    """The first live status among the candidates' status.json, else the first readable one."""
    found: tuple[Path, dict] | None = None
    problems = []
    for directory in candidates:
        path = directory / "status.json"
        doc, problem = read_status(path)
        if doc is None:
            problems.append(str(problem))
            continue
        if liveness(doc, boot_clock(), boot_id()) is None:
            return path, doc, problems
        if found is None:
            found = (path, doc)
    if found is not None:
        return found[0], found[1], problems
    return None, None, problems


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # alive, owned by another user (the service user)
    except OSError:
        return False
    return True


def liveness(doc: StatusDocument, now_boot: float, current_boot_id: str | None) -> str | None:
    """None when the writer looks alive, else why `status` should say "not running"."""
    if doc.get("stopped_at"):
        return f"the player stopped at {doc['stopped_at']}"
    pid = doc.get("pid")
    if isinstance(pid, int) and not pid_alive(pid):
        return f"process {pid} that wrote the status is gone"
    same_boot = doc.get("boot_id") and doc.get("boot_id") == current_boot_id
    written = doc.get("written_at_boot")
    if same_boot and isinstance(written, int | float):
        age = now_boot - written
    else:
        written_at = parse_time(doc.get("written_at"))
        if written_at is None:
            return "the status file has no written_at time"
        age = (dt.datetime.now(dt.UTC) - written_at).total_seconds()
    if age > STALE_AFTER:
        return f"the status file was last written {age:.0f} s ago (hung or killed player)"
    return None


def cmd_status(args: argparse.Namespace) -> int:
    candidates, note = runtime_dir_candidates(args.config_path)
    if note:
        print(f"note: {note}", file=sys.stderr)
    path, doc, problems = find_status(candidates)
    if doc is None:
        print(
            f"videotron is not running: {'; '.join(problems)}.\n"
            "  Check: systemctl status videotron; journalctl -u videotron -n 50",
            file=sys.stderr,
        )
        return EXIT_NOT_RUNNING
    if path is not None and path.parent != candidates[0]:
        print(f"note: the running player writes its status to {path}", file=sys.stderr)
    dead = liveness(doc, boot_clock(), boot_id())
    if getattr(args, "json", False):
        print(json.dumps(doc, indent=2, sort_keys=True))
    else:
        print(render_summary(doc, dt.datetime.now(dt.UTC), not_running=dead))
    if dead:
        if getattr(args, "json", False):
            print(f"videotron is not running: {dead}", file=sys.stderr)
        return EXIT_NOT_RUNNING
    if attention(doc):  # unhealthy, or its config refused: as the console flags it
        return EXIT_UNHEALTHY
    return EXIT_OK
