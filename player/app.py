"""Player lifecycle: build the parts, start supervised threads, render, stop in finally."""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import queue
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from player import __version__
from player.cache import PLAYER_HOLDER, SYNC_HOLDER, Cache, CacheLock
from player.config.lastgood import last_good_copies, last_good_places
from player.config.loader import ConfigError, load_config
from player.config.model import Config
from player.events import (
    Alert,
    AlertsChanged,
    ConfigChanged,
    DisplayPower,
    ManifestActivated,
    MediaDamaged,
    MediaRestored,
    ScreenshotRequest,
    Stop,
)
from player.led.software import SoftwareDimmer
from player.push.alerts import AlertBook
from player.service.board import StatusBoard
from player.service.logsetup import StatusErrorRecorder, set_level, setup_logging
from player.service.memory import tune_malloc
from player.service.systemd import Supervisor
from player.sync.policy import refused_reason
from player.sync.store import ManifestStore
from player.trust import Damage
from player.wire.alert import AlertCancel
from player.wire.atomicfile import atomic_write
from player.wire.isotime import format_utc
from player.wire.manifest import Manifest
from player.wire.proofofplay import AlertPlayRecord, PlayRecord
from player.wire.sdnotify import Notifier
from player.wire.status import RenderSection

if TYPE_CHECKING:
    from player.config.watcher import ConfigWatcher
    from player.led.keeper import BrightnessKeeper
    from player.push.client import PushClient
    from player.push.popstore import PopStore
    from player.sync.loop import SyncLoop

log = logging.getLogger(__name__)

# A worker that has not beaten for this long is stuck (the watchdog stops being fed).
SYNC_STUCK_AFTER = 120.0
PUSH_STUCK_AFTER = 60.0
SMALL_STUCK_AFTER = 60.0
SAMPLER_STUCK_AFTER = 180.0  # a sample waits on vcgencmd, journalctl and mmcli (5 s each at most)
SCRUB_STUCK_AFTER = 120.0  # it beats per chunk read; a very slow SD card still beats
FIRST_FRAME_PATIENCE = 10.0  # seconds before sync starts anyway
SCREENSHOT_PATIENCE = 10.0  # seconds the render loop has to hand over a frame for the office


class AlreadyRunning(RuntimeError):
    """A player already plays from this cache: a second would share it and its socket."""

    def __init__(self, cache: Path, pid: int | None, what: str) -> None:
        who = f"pid {pid}" if pid else "pid unknown"
        running = f"{what} ({who})" if what else f"another videotron process ({who})"
        super().__init__(
            f"not starting: {running} already plays from cache {cache}. Two players on one "
            "cache would share its files, and the tools could reach only one. See it with "
            "`videotron status`; stop it first (systemctl stop videotron, or Ctrl-C where it "
            "was started by hand)"
        )


@dataclass(frozen=True)
class RunOptions:
    headless: bool = False
    screenshot_dir: Path | None = None
    screenshot_every: float = 5.0
    screenshot_keep: int | None = None  # the newest N only (the demo); None keeps all
    exit_after: float | None = None
    frame_log: Path | None = None
    windowed: bool = False  # a window instead of fullscreen (demo on a desktop)
    # Wall clock for scheduling (seconds since the epoch); soak tests run it faster.
    clock: Callable[[], float] = time.time


def remember_good_config(config: Config) -> None:
    """Keep a copy of a valid config file (only when it changed: SD writes are scarce).

    In the first of `last_good_places` that can be written: a copy a broken edit, a
    power cut later, can be found from the config's path alone.
    """
    if config.path is None:
        return
    try:
        data = config.path.read_bytes()
    except OSError as exc:
        log.warning("could not keep a copy of the good config %s: %s", config.path, exc)
        return
    problems = []
    for target in last_good_places(config.path, config.cache.dir):
        try:
            if target.is_file() and target.read_bytes() == data:
                return
            target.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(target, data, durable=True)
            return
        except OSError as exc:
            problems.append(f"{target}: {exc.strerror or exc}")
    log.warning("could not keep a copy of the good config: %s", "; ".join(problems))


def usable_cache_dir(wanted: Path) -> Path:
    """`cache.dir`, or a temporary folder when it cannot be used, so the screen still plays.

    Content then lives in /tmp until the folder is fixed and is fetched again after a
    reboot; better than a black screen over a permissions mistake.
    """
    try:
        (wanted / "media").mkdir(parents=True, exist_ok=True)
        probe = wanted / ".write-test"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        import tempfile  # only here, and for screenshots: not on the way to the first frame

        fallback = Path(tempfile.gettempdir()) / f"videotron-cache-{os.getuid()}"
        log.error(
            "cache.dir %s cannot be used (%s): caching in %s until it is fixed; create it "
            "writable for this user (scripts/install.sh does) and restart",
            wanted,
            exc.strerror or exc,
            fallback,
        )
        (fallback / "media").mkdir(parents=True, exist_ok=True)
        return fallback
    return wanted


def load_startup_config(path: Path) -> tuple[Config, list[str], Path | None]:
    """The config to start with, its errors and the last good copy in force (or None).

    The file, else the newest last good copy, else defaults. A player that refuses to
    start over a typo leaves the street screen black; this one plays what it played
    before and reports the errors instead.
    """
    try:
        config = load_config(path)
    except ConfigError as exc:
        errors = [str(issue) for issue in exc.issues]
    else:
        remember_good_config(config)
        return config, [], None
    for line in errors:
        log.error("%s", line)
    for fallback in last_good_copies(path):
        try:
            config = load_config(fallback)
        except (ConfigError, OSError):
            continue
        log.warning("config %s has errors: playing with the last good copy %s", path, fallback)
        return config, errors, fallback
    log.error("no usable config: running with defaults until %s is fixed", path)
    return Config(path=path), errors, None


class Player:
    """All the parts of one running player, wired together."""

    def __init__(
        self, config_path: Path, options: RunOptions, status: StatusBoard | None = None
    ) -> None:
        self.config_path = config_path
        self.options = options
        self.status = status or StatusBoard()
        self.inbox: queue.Queue = queue.Queue()
        self.stop = threading.Event()
        self.alerts = AlertBook()
        self.config, errors, last_good = load_startup_config(config_path)
        self.status.update(
            "player",
            id=self.config.player.id,
            group=self.config.player.group,
            version=__version__,
            pid=os.getpid(),
            started_at=format_utc(dt.datetime.now(dt.UTC)),
            timezone=self.config.player.timezone,
        )
        self.status.update(
            "config", path=str(config_path), errors=errors, on_last_good=last_good is not None
        )
        cache_root = usable_cache_dir(self.config.cache.dir)
        self.cache_lock = CacheLock(cache_root)
        control = self.config.runtime.dir / "control.sock"
        if not self.cache_lock.acquire(f"{PLAYER_HOLDER}, control socket {control}"):
            pid, what = self.cache_lock.holder()
            if not what.startswith(SYNC_HOLDER):
                raise AlreadyRunning(cache_root, pid, what)
            log.warning(
                "`videotron sync` (pid %s) is syncing %s; this player plays on and syncs too",
                pid,
                cache_root,
            )
        self.cache = Cache(cache_root, self.config.cache.max_size, on_damage=self._media_damaged)
        self.store = ManifestStore(cache_root)
        self.supervisor = Supervisor(Notifier(), self.status)
        # Opened at the first play recorded or once the first frame is on screen (see
        # pop_store): SQLite is not needed to light the screen.
        self._pop: PopStore | None = None
        self._pop_opening = threading.Lock()
        # Built once the first frame is on screen (see _start_network): their libraries
        # (requests, paho, watchdog, PyNaCl) are not needed to light the screen.
        self.sync: SyncLoop | None = None
        self.push: PushClient | None = None
        self.watcher: ConfigWatcher | None = None
        # The render loop dims the picture by it when no sending card takes the brightness.
        self.dimmer = SoftwareDimmer()
        self.brightness: BrightnessKeeper | None = None  # started with the network parts
        self._active: Manifest | None = None
        self._local_started = threading.Lock()
        self._network_started = threading.Lock()
        self._shooting = threading.Lock()
        self._plays_first: list[str] = []  # media of the manifest played at start
        self.status.subscribe(self._status_changed)

    def pop_store(self) -> PopStore:
        """The proof-of-play store, opened at its first use (from any thread)."""
        with self._pop_opening:
            if self._pop is None:
                # sqlite3 and uuid would cost a screen coming back after a power cut some
                # milliseconds before its picture; a play is recorded when its item leaves
                # the screen, normally after the starter thread has opened the store.
                from player.push.popstore import PopStore

                self._pop = PopStore(
                    self.cache.root / "pop.sqlite3", self.config.report.max_records
                )
            return self._pop

    # ----- callbacks from other threads: post and return -----------------------------

    def _activated(self, manifest: Manifest) -> None:
        self._active = manifest
        if self.brightness is not None:
            self.brightness.set_manifest(manifest)
        self.inbox.put(ManifestActivated(manifest))

    def _media_damaged(self, damage: Damage) -> None:
        """A cached file failed its check (any thread): off screen, and fetched again."""
        self.inbox.put(MediaDamaged(damage.sha, damage.reason))
        self._report_damage()
        if self.sync is not None:
            self.sync.wake()

    def _media_restored(self, shas: list[str]) -> None:
        self.inbox.put(MediaRestored(tuple(shas)))
        self._report_damage()

    def _report_damage(self) -> None:
        self.status.update("cache", damaged=[d.as_status() for d in self.cache.damage()])

    def _check_cache(self) -> Manifest | None:
        """Before anything plays: the stored manifest's signature, the media's sizes and
        mtimes. What fails is set aside or removed; the sync started next fetches it."""
        source = self.config.source
        trusted = self.store.load_trusted(
            source.public_key, source.allow_unsigned, refused_reason(source)
        )
        manifest = trusted.manifest
        sizes = {sha: m.size for sha, m in manifest.media.items()} if manifest else {}
        try:
            self.cache.check_at_start(sizes)
        except OSError as exc:
            log.error("cannot check the cache %s: %s", self.cache.root, exc)
        self.status.update("cache", manifest_refused=trusted.refused)
        self._report_damage()
        if manifest is not None:
            self._plays_first = [i.media for i in manifest.items() if i.media]
        return manifest

    def _manifest_notice(self, notice: dict) -> None:
        log.info("manifest notice (sequence %s): syncing now", notice.get("sequence"))
        self.sync.wake(digest=notice.get("sha256"))

    def _alert(self, message: Alert | AlertCancel) -> None:
        now = dt.datetime.fromtimestamp(self.options.clock(), dt.UTC)
        live = self.alerts.offer(message, now)
        if live is not None:  # None: an older version, a replay or a repeat was dropped
            self.inbox.put(AlertsChanged(live))

    def _command(self, name: str, payload: dict) -> None:
        log.info("command %r received", name)
        if name == "sync":
            self.sync.wake()
        elif name == "reload":
            if self.watcher is not None:
                self.watcher.reload()
            self.sync.wake()
        elif name in ("display-on", "display-off"):
            self.inbox.put(DisplayPower(on=name == "display-on"))
        elif name == "screenshot":
            self._screenshot_for_office()

    def _screenshot_for_office(self) -> None:
        """Send the frame on screen to the office; the work runs off the calling thread."""
        if not self._shooting.acquire(blocking=False):
            log.info("a screenshot for the office is already on its way")
            return
        threading.Thread(target=self._send_screenshot, name="screenshot", daemon=True).start()

    def _send_screenshot(self) -> None:
        import tempfile

        from player.push.snapshot import screenshot_message

        try:
            fd, name = tempfile.mkstemp(
                prefix=".office-", suffix=".png", dir=self.config.runtime.dir
            )
            os.close(fd)
            path = Path(name)
            try:
                shot = ScreenshotRequest(path)
                self.inbox.put(shot)
                if not shot.done.wait(SCREENSHOT_PATIENCE):
                    log.warning("screenshot for the office: no frame in %gs", SCREENSHOT_PATIENCE)
                    return
                if shot.error:
                    return  # the render loop logged why
                render: RenderSection = self.status.get("render")
                taken_at = dt.datetime.fromtimestamp(self.options.clock(), dt.UTC)
                message = screenshot_message(
                    path.read_bytes(),
                    taken_at=format_utc(taken_at),
                    item=render.get("item"),
                    playlist=render.get("playlist"),
                )
            finally:
                path.unlink(missing_ok=True)
            if self.push is not None:
                self.push.publish_screenshot(message)
        except (OSError, ValueError) as exc:
            log.error("screenshot for the office failed: %s", exc)
        finally:
            self._shooting.release()

    def _played(self, record: PlayRecord) -> None:
        self.pop_store().record(record)
        if record.media:
            self.cache.mark_played(record.media)

    def _alert_shown(self, record: AlertPlayRecord) -> None:
        self.pop_store().record_alert(record)

    def _status_changed(self, section: str) -> None:
        if self.push is not None and section in ("render", "sync", "config", "cache", "brightness"):
            self.push.publish_status()

    def _config_changed(self, config: Config) -> None:
        log.info("config reloaded from %s", self.config_path)
        old = self.config
        self.config = config
        remember_good_config(config)
        self.status.update("config", errors=[], on_last_good=False)
        set_level(config.log.level)
        for part in (self.sync, self.push, self.brightness):
            if part is not None:
                part.update_config(config)
        self.inbox.put(ConfigChanged(config))
        if old.cache.dir != config.cache.dir or old.runtime.dir != config.runtime.dir:
            log.warning("cache.dir and runtime.dir changes take effect at the next restart")

    def _config_errors(self, errors: list[str]) -> None:
        self.status.update("config", errors=list(errors))

    # ----- lifecycle -----------------------------------------------------------------

    def _start_local(self) -> None:
        """Status file and control socket, started once: at the first frame, not before it.

        Their imports and threads would cost a screen coming back after a power cut time
        before its picture (issue 32).
        """
        if not self._local_started.acquire(blocking=False) or self.stop.is_set():
            return
        from player.service.control import ControlServer
        from player.service.statusfile import StatusWriter

        runtime = self.config.runtime.dir
        try:
            runtime.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            log.error(
                "runtime dir %s unusable (%s): no status file or control socket", runtime, exc
            )
            return
        writer = StatusWriter(runtime / "status.json", self.status)
        self.supervisor.add_worker("status", writer.run, SMALL_STUCK_AFTER)
        control = ControlServer(runtime / "control.sock", self.inbox, self.status)
        self.supervisor.add_worker("control", control.run, SMALL_STUCK_AFTER)

    def _first_frame(self) -> None:
        # The status file and control socket before READY: systemd's "started" means the
        # picture is up and `videotron status` and `screenshot` answer.
        self._start_local()
        self.supervisor.ready()
        starter = threading.Thread(target=self._start_network, name="starter", daemon=True)
        starter.start()

    def _start_anyway(self) -> None:
        """Should the first frame never come: the local parts and the network all the same."""
        self._start_local()
        self._start_network()

    def _open_pop_store(self) -> None:
        try:
            self.pop_store()
        except Exception:  # the screen plays on; its plays are not recorded
            log.exception("opening the proof-of-play store failed")

    def _start_network(self) -> None:
        """The proof-of-play store, sync, push, brightness, machine health and the config
        watcher, started once (normally after the first frame)."""
        if not self._network_started.acquire(blocking=False) or self.stop.is_set():
            return
        from player.config.watcher import ConfigWatcher
        from player.led.keeper import BrightnessKeeper
        from player.machine.sampler import HealthSampler
        from player.push.client import PushClient
        from player.sync.loop import SyncLoop
        from player.sync.scrub import Scrubber

        self._open_pop_store()

        try:
            self.sync = SyncLoop(
                self.config,
                self.cache,
                self.store,
                self.status,
                on_activated=self._activated,
                on_restored=self._media_restored,
            )
            self.push = PushClient(
                self.config,
                self.status,
                public_key=self.config.source.public_key,
                on_manifest_notice=self._manifest_notice,
                on_alert=self._alert,
                on_command=self._command,
                pop=self.pop_store(),
                on_thumbnail=self._screenshot_for_office,
            )
            self.supervisor.add_worker("sync", self.sync.run, SYNC_STUCK_AFTER)
            self.supervisor.add_worker("push", self.push.run, PUSH_STUCK_AFTER)
            scrubber = Scrubber(
                self.cache,
                lambda: list(self._plays_first),
                lambda text: self.status.update("cache", check=text),
            )
            self.supervisor.add_worker("cache-check", scrubber.run, SCRUB_STUCK_AFTER)
        except Exception:  # a bug here must not take the screen down with it
            log.exception("starting sync or push failed")
        try:
            self.brightness = BrightnessKeeper(
                self.config,
                self.status,
                self.dimmer,
                record_span=self.pop_store().record_brightness,
            )
            if self._active is not None:
                self.brightness.set_manifest(self._active)
            self.supervisor.add_worker("brightness", self.brightness.run, SMALL_STUCK_AFTER)
        except Exception:  # the picture plays on at the card's own brightness
            log.exception("starting the brightness keeper failed")
        try:
            sampler = HealthSampler(self.status, self.config.cache.dir)
            self.supervisor.add_worker("machine", sampler.run, SAMPLER_STUCK_AFTER)
        except Exception:  # the screen plays on; the office sees no health values
            log.exception("starting the health sampler failed")
        try:
            # `initial`: an edit made while the screen came up is applied, not swallowed.
            self.watcher = ConfigWatcher(
                self.config_path, self._config_changed, self._config_errors, initial=self.config
            )
            self.watcher.start()
        except OSError as exc:
            log.error(
                "cannot watch %s for changes (%s): edits need a restart", self.config_path, exc
            )

    def run(self) -> int:
        # pygame is imported only to play, not for `videotron status` and friends, and
        # without numpy and pkg_resources, which playing never uses (issue 32).
        from player.render.pygameload import import_pygame

        import_pygame()
        from player.render.display import DisplayError
        from player.render.loop import RenderLoop

        tune_malloc()
        active = self._check_cache()
        if active is not None:
            self._active = active
            log.info("playing cached manifest sequence %d", active.sequence)
            self.inbox.put(ManifestActivated(active))
        render = RenderLoop(
            self.config,
            self.cache.path,
            self.status,
            self.inbox,
            media_check=self.cache.check_before_use,
            clock=self.options.clock,
            on_play=self._played,
            on_alert=self._alert_shown,
            on_tick=self.supervisor.main_beat,
            on_first_frame=self._first_frame,
            headless=self.options.headless,
            screenshot_dir=self.options.screenshot_dir,
            screenshot_every=self.options.screenshot_every,
            screenshot_keep=self.options.screenshot_keep,
            frame_log=self.options.frame_log,
            windowed=self.options.windowed,
            dimmer=self.dimmer,
        )
        # Should the first frame never come, sync must still run to fetch what can play.
        fallback = threading.Timer(FIRST_FRAME_PATIENCE, self._start_anyway)
        fallback.daemon = True
        fallback.start()
        try:
            render.run(self.stop, exit_after=self.options.exit_after)
        except DisplayError as exc:
            # Said plainly, once: systemd restarts us, and the journal shows why.
            log.error("%s", exc)
            return 1
        finally:
            fallback.cancel()
            self.shutdown()
        return 0

    def request_stop(self, reason: str) -> None:
        log.info("stopping: %s", reason)
        self.stop.set()
        self.inbox.put(Stop(reason))

    def shutdown(self) -> None:
        self.stop.set()
        self._local_started.acquire(blocking=False)  # none may start from now on
        self._network_started.acquire(blocking=False)
        self.supervisor.notifier.stopping()
        if self.watcher is not None:
            self.watcher.stop()
        self.supervisor.stop()
        with self._pop_opening:
            if self._pop is not None:
                self._pop.close()
        self.cache.save_index()
        self.cache_lock.release()


def run_player(
    config_path: Path,
    options: RunOptions,
    log_level: str | None = None,
    status: StatusBoard | None = None,
) -> int:
    """Run a player until stopped by a signal, a window close or `exit_after`."""
    setup_logging(log_level or "INFO")
    status = status if status is not None else StatusBoard()
    recorder = StatusErrorRecorder(status)
    logging.getLogger().addHandler(recorder)
    try:
        try:
            player = Player(config_path, options, status)
        except AlreadyRunning as exc:
            log.error("%s", exc)
            return 1
        set_level(log_level or player.config.log.level)

        def on_signal(signum: int, _frame: object) -> None:
            player.request_stop(signal.Signals(signum).name)

        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
        return player.run()
    finally:
        logging.getLogger().removeHandler(recorder)


def cmd_run(args: argparse.Namespace) -> int:
    options = RunOptions(
        headless=args.headless,
        screenshot_dir=args.screenshot_dir,
        screenshot_every=args.screenshot_every or RunOptions.screenshot_every,
        exit_after=args.exit_after or None,  # 0: until stopped, as for `videotron demo`
        frame_log=args.frame_log,
    )
    return run_player(args.config_path, options, args.log_level)
