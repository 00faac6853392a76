"""Watch the config file and apply valid edits live; a bad edit keeps the last good config."""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

from player.config.loader import ConfigError, changed_settings, load_config
from player.config.model import Config

log = logging.getLogger(__name__)

# Events that can change the file's content. Opens and no-write closes are left out: our
# own reads cause them, and reacting would reload forever.
_CHANGE_EVENTS = frozenset({"modified", "created", "moved", "deleted", "closed"})
_IDLE_WAIT = 1.0  # seconds; bounds each wait of the worker so stop() is noticed promptly
_JOIN_TIMEOUT = 5.0


class _ConfigFileEvents(FileSystemEventHandler):
    """Pokes the watcher when an event touches the config file (by name, in its folder)."""

    def __init__(self, targets: set[tuple[str, str]], poke: Callable[[], None]) -> None:
        super().__init__()
        self._targets = targets
        self._poke = poke

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.is_directory or event.event_type not in _CHANGE_EVENTS:
            return
        paths = [event.src_path, getattr(event, "dest_path", "") or ""]
        for raw in paths:
            name = os.fsdecode(raw)
            if (os.path.dirname(name), os.path.basename(name)) in self._targets:
                self._poke()
                return


class ConfigWatcher:
    """Reloads `path` after it changes and hands each new valid config to `on_change`.

    The folder is watched rather than the file, so both in-place writes and editors that
    write a new file and rename it over the old one are seen. Bursts of events within
    `debounce` seconds cause one reload. `on_change(config)` runs only when the effective
    config differs from the last good one. A bad edit keeps the last good config, logs each
    problem at WARNING and calls `on_error(lines)`; once the file is valid again
    `on_error([])` is called so a status display can clear the errors. Callbacks run on the
    watcher's thread.
    """

    def __init__(
        self,
        path: Path,
        on_change: Callable[[Config], None],
        on_error: Callable[[list[str]], None],
        debounce: float = 0.3,
        *,
        initial: Config | None = None,
    ) -> None:
        self.path = Path(path)
        self._on_change = on_change
        self._on_error = on_error
        self._debounce = debounce
        self._lock = threading.Lock()
        self._reloading = threading.Lock()  # one reload at a time, so callbacks stay in order
        self._wake = threading.Condition(self._lock)
        self._current = initial
        self._errors: list[str] = []
        self._dirty_since: float | None = None  # monotonic time of the latest unhandled event
        self._stopping = False
        self._observer: Observer | None = None
        self._thread: threading.Thread | None = None

    @property
    def current(self) -> Config | None:
        """The last good config (None until one has loaded)."""
        with self._lock:
            return self._current

    @property
    def errors(self) -> list[str]:
        """Problems of the latest load, one `PATH:LINE:COL: key: message` each; [] when fine."""
        with self._lock:
            return list(self._errors)

    def start(self) -> None:
        """Start watching, then load the file once to settle the baseline."""
        if self._thread is not None:
            return
        absolute = self.path.absolute()
        targets = {(str(absolute.parent), absolute.name)}
        real = absolute.resolve()
        targets.add((str(real.parent), real.name))  # a symlinked config: watch the target too
        handler = _ConfigFileEvents(targets, self._poke)
        observer = Observer()
        for folder in sorted({folder for folder, _ in targets}):
            observer.schedule(handler, folder, recursive=False)
        observer.daemon = True
        observer.start()
        self._observer = observer
        self._thread = threading.Thread(target=self._run, name="config-watcher", daemon=True)
        self._thread.start()
        log.info("watching %s for changes", self.path)
        self.reload(baseline=True)

    def stop(self) -> None:
        """Stop watching; waits a bounded time for the threads to end."""
        with self._wake:
            self._stopping = True
            self._wake.notify_all()
        if self._observer is not None:
            self._observer.stop()
            self._observer.join(timeout=_JOIN_TIMEOUT)
        if self._thread is not None:
            self._thread.join(timeout=_JOIN_TIMEOUT)
        self._observer = self._thread = None

    def __enter__(self) -> ConfigWatcher:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def reload(self, *, baseline: bool = False) -> Config | None:
        """Load the file now; returns the new config, or None if it was refused."""
        with self._reloading:
            return self._reload(baseline)

    def _reload(self, baseline: bool) -> Config | None:
        try:
            config = load_config(self.path)
        except ConfigError as exc:
            lines = [str(issue) for issue in exc.issues]
            with self._lock:
                self._errors = lines
                kept = self._current is not None
            for line in lines:
                log.warning("config problem: %s", line)
            log.warning(
                "config %s not applied (%d problem%s); %s",
                self.path,
                len(lines),
                "" if len(lines) == 1 else "s",
                "the last good config stays in force" if kept else "no good config yet",
            )
            self._call(self._on_error, lines)
            return None
        with self._lock:
            previous, had_errors = self._current, bool(self._errors)
            self._current, self._errors = config, []
        if had_errors:
            log.info("config %s is valid again", self.path)
            self._call(self._on_error, [])
        if config != previous and not (baseline and previous is None):
            changes = changed_settings(previous, config) if previous is not None else []
            # A state change: logged every time, never folded with the previous edit's line.
            log.info(
                "config %s changed; applying it: %s",
                self.path,
                "; ".join(changes) or "no setting differs (re-read)",
                extra={"fold": False},
            )
            self._call(self._on_change, config)
        return config

    def _poke(self) -> None:
        with self._wake:
            self._dirty_since = time.monotonic()
            self._wake.notify_all()

    def _run(self) -> None:
        while True:
            with self._wake:
                if self._stopping:
                    return
                if self._dirty_since is None:
                    self._wake.wait(_IDLE_WAIT)
                    continue
                quiet_left = self._dirty_since + self._debounce - time.monotonic()
                if quiet_left > 0:
                    self._wake.wait(quiet_left)
                    continue
                self._dirty_since = None
            self.reload()

    def _call(self, callback: Callable[..., None], argument: object) -> None:
        try:
            callback(argument)
        except Exception:
            # A failing consumer must not stop later reloads.
            log.exception("config watcher callback %r failed", callback)
