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
from player.wire.atomicfile import atomic_write
from player.wire.units import format_size

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
            "written_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
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
        self.write({"stopped_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")})


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
    from player.config.lastgood import cache_dir_named_in, last_good_path, named_in

    first, note = runtime_dir_from_config(config_path)
    if note is None:
        return [first], None  # a valid config names the one place; never show another's
    candidates = []
    named = named_in(config_path, "runtime", "dir")
    if named:
        candidates.append(Path(named))
    good = named_in(last_good_path(cache_dir_named_in(config_path)), "runtime", "dir")
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


def liveness(doc: dict, now_boot: float, current_boot_id: str | None) -> str | None:
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


def parse_time(value: object) -> dt.datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


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
    health = doc.get("health") or {}
    if health.get("healthy") is False:
        return EXIT_UNHEALTHY
    return EXIT_OK


# -- the technician's view ----------------------------------------------------------------


def _ago(when: object, now: dt.datetime) -> str:
    parsed = parse_time(when)
    if parsed is None:
        return str(when) if when else "?"
    seconds = (now - parsed).total_seconds()
    local = parsed.astimezone().strftime("%Y-%m-%d %H:%M:%S %Z")
    if seconds >= 0:
        return f"{local} ({_duration(seconds)} ago)"
    return f"{local} (in {_duration(-seconds)})"


def _duration(seconds: float) -> str:
    seconds = round(seconds)
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    if seconds < 172800:
        return f"{seconds // 3600} h {seconds % 3600 // 60} min"
    return f"{seconds // 86400} days"


def _item(value: object) -> str:
    if isinstance(value, dict):
        label = value.get("title") or value.get("id") or value.get("name") or "?"
        kind = value.get("type") or value.get("kind")
        return f"{label} ({kind})" if kind else str(label)
    return str(value) if value not in (None, "") else "nothing"


def _playing(render: dict, now: dt.datetime | None = None) -> str:
    if render.get("screen") == "off":
        return "nothing: display turned off by a display-off command (display-on brings it back)"
    if render.get("kind") == "off":
        text = f"nothing: screen black, {render.get('reason') or 'outside operating hours'}"
        if render.get("until"):
            text += f"; on again {_ago(render['until'], now) if now else render['until']}"
        return text
    if render.get("alert"):
        text = f"ALERT {render['alert']}"
    elif render.get("item") or render.get("current"):
        text = _item(render.get("item") or render.get("current"))
        if render.get("type"):
            text += f" ({render['type']})"
        if render.get("playlist"):
            text += f" from playlist {render['playlist']}"
    elif render.get("kind") == "idle":
        text = (
            f"splash screen ({render.get('splash') or render.get('reason') or 'nothing to play'})"
        )
    else:
        text = "nothing"
    return text


def _first(section: dict, *keys: str) -> object:
    for key in keys:
        if section.get(key) not in (None, ""):
            return section[key]
    return None


def render_summary(doc: dict, now: dt.datetime, not_running: str | None = None) -> str:
    """A few lines a technician can read at a glance, problems first."""
    lines: list[str] = []
    player = doc.get("player") or {}
    health = doc.get("health") or {}
    render = doc.get("render") or {}
    sync = doc.get("sync") or {}
    cache = doc.get("cache") or {}
    mqtt = doc.get("mqtt") or {}
    config = doc.get("config") or {}
    report = doc.get("report") or {}

    ident = player.get("id") or "?"
    version = player.get("version") or doc.get("version") or "?"
    if not_running:
        verdict = f"NOT RUNNING: {not_running}"
    elif health.get("healthy") is False:
        verdict = f"UNHEALTHY: {health.get('reason') or 'see threads below'}"
    else:
        verdict = "running, healthy"
    lines.append(f"videotron {ident} (v{version}, pid {doc.get('pid', '?')}): {verdict}")
    started = player.get("started_at")
    lines.append(f"  status written  {_ago(doc.get('written_at'), now)}")
    if started:
        lines.append(f"  started         {_ago(started, now)}")

    playing = _playing(render, now)
    since = _first(render, "since", "current_since")
    if since:
        playing += f", since {_ago(since, now)}"
    lines.append(f"  playing         {playing}")
    screen = render.get("screen")
    if screen is not None:
        shown = screen if isinstance(screen, str) else ("on" if screen else "off")
        lines.append(f"  screen          {shown}")
    if render.get("driver"):
        output = render.get("output")
        size = f" {output[0]}x{output[1]}" if isinstance(output, list) and len(output) == 2 else ""
        fps = f", {render['fps']} fps" if render.get("fps") is not None else ""
        lines.append(f"  display         {render['driver']}{size}{fps}")
        if render.get("decoder"):
            lines.append(f"  video decoder   {render['decoder']}")
        region = render.get("region")
        if isinstance(region, list) and len(region) == 4:
            x, y, w, h = region
            rotation = render.get("rotation", 0)
            lines.append(f"  picture         {w}x{h} at x={x}, y={y}, rotation {rotation}")
    if render and not render.get("first_frame"):
        lines.append("  display         no frame shown yet")
    for failure in render.get("failures") or []:
        if isinstance(failure, dict):
            lines.append(f"  cannot play     {failure.get('item')}: {failure.get('error')}")

    seq = sync.get("manifest_sequence")
    published = sync.get("manifest_published_at")
    if seq is not None or published:
        manifest = f"sequence {seq if seq is not None else '?'}"
        if published:
            manifest += f", published {_ago(published, now)}"
        lines.append(f"  manifest        {manifest}")
    else:
        lines.append("  manifest        none active")
    if sync:
        result = _first(sync, "last_result", "state") or "?"
        text = f"{sync.get('state', '?')}; last result: {result}"
        if sync.get("last_ok_at"):
            text += f"; last success {_ago(sync['last_ok_at'], now)}"
        lines.append(f"  sync            {text}")
        if sync.get("next_attempt_at"):
            lines.append(f"  next sync       {_ago(sync['next_attempt_at'], now)}")
        progress = sync.get("progress") or {}
        if progress.get("total_bytes"):
            done, total = progress.get("done_bytes", 0), progress["total_bytes"]
            pct = 100.0 * done / total if total else 0.0
            text = f"{format_size(done)} of {format_size(total)} ({pct:.0f}%)"
            if progress.get("rate"):
                text += f" at {format_size(progress['rate'])}/s"
            if progress.get("eta") is not None:
                text += f", about {_duration(float(progress['eta']))} left"
            lines.append(f"  downloading     {text}")
    if cache:
        text = f"{format_size(cache.get('used_bytes'))} of {format_size(cache.get('max_bytes'))}"
        if cache.get("files") is not None:
            text += f", {cache['files']} files"
        if cache.get("error"):
            text += f"; ERROR: {cache['error']}"
        lines.append(f"  cache           {text}")
        if cache.get("check"):
            lines.append(f"  cache check     {cache['check']}")
    for line in cache.get("manifest_refused") or []:
        lines.append(f"  MANIFEST REFUSED {line}")
    for damage in cache.get("damaged") or []:
        if isinstance(damage, dict):
            media = str(damage.get("media", "?"))[:12]
            then = "downloaded again" if damage.get("restored") else "removed, downloading it again"
            lines.append(f"  DAMAGED MEDIA   {media}…: {damage.get('reason')}; {then}")
    if mqtt:
        text = str(mqtt.get("state", "?"))
        if mqtt.get("broker"):
            text += f" ({mqtt['broker']})"
        if mqtt.get("last_error"):
            text += f"; last error: {mqtt['last_error']}"
        lines.append(f"  mqtt            {text}")
    else:
        lines.append("  mqtt            not configured")
    if report:
        lines.append(
            f"  proof of play   {report.get('pending', '?')} waiting to upload,"
            f" {report.get('dropped', 0)} dropped"
        )

    errors = config.get("errors") or []
    if errors:
        lines.append(
            f"  CONFIG REFUSED  {len(errors)} error(s) in {config.get('path', 'the config')};"
            " the last good config stays in force:"
        )
        lines.extend(f"    {e}" for e in errors[:10])
    threads = health.get("threads") or {}
    if threads:
        # A stopped or hung player's threads are only what it last wrote, not their state.
        lines.append("  threads (as last written):" if not_running else "  threads:")
        for name, info in sorted(threads.items()):
            text = f"    {name:<14} {info.get('state', '?')}"
            if info.get("restarts"):
                text += f", restarted {info['restarts']}x"
                if info.get("last_error"):
                    text += f" (last: {info['last_error']})"
            lines.append(text)
    recent = _recent_errors(doc.get("errors"))
    if recent:
        lines.append("  recent errors:")
        lines.extend(f"    {e}" for e in recent[-10:])
    return "\n".join(lines)


def _recent_errors(section: object) -> list[str]:
    if isinstance(section, dict):
        section = section.get("recent") or []
    if not isinstance(section, list):
        return []
    out = []
    for entry in section:
        if isinstance(entry, dict):
            text = str(entry.get("message") or entry.get("text") or entry)
            if entry.get("where") or entry.get("source"):
                text = f"{entry.get('where') or entry.get('source')}: {text}"
            if (entry.get("count") or 1) > 1:
                text += f" (x{entry['count']})"
            when = entry.get("at") or entry.get("last_at")
            if when:
                text = f"{when}  {text}"
            out.append(text)
        else:
            out.append(str(entry))
    return out


def one_line_summary(snapshot: dict) -> str:
    """The STATUS= line systemctl shows: what plays and how sync/push are doing."""
    render = snapshot.get("render") or {}
    sync = snapshot.get("sync") or {}
    mqtt = snapshot.get("mqtt") or {}
    parts = [f"playing {_playing(render)}"]
    if sync.get("manifest_sequence") is not None:
        parts.append(f"manifest #{sync['manifest_sequence']}")
    if sync.get("state"):
        parts.append(f"sync {sync['state']}")
    if mqtt.get("state"):
        parts.append(f"mqtt {mqtt['state']}")
    if (snapshot.get("config") or {}).get("errors"):
        parts.append("config refused")
    return ", ".join(parts)
