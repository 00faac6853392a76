"""The render loop: owns the display on the main thread, draws what the Switcher shows, paces."""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pygame

from player import __version__
from player.config.model import Config
from player.events import (
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
from player.localinfo.adhan import QuietWindows, pause_from
from player.render.capture import FrameLog, Screenshotter, save_png
from player.render.clockwatch import ClockWatch
from player.render.dimming import FrameDimmer
from player.render.display import Output, close_output, open_output, reconfigure
from player.render.feeds import FeedReader, resolve_feed_url
from player.render.fonts import FontBook
from player.render.images import ImageDecoder
from player.render.layout import Rect
from player.render.noticeband import NoticeBand, minutes_from
from player.render.prepare import VisualFactory
from player.render.scene import Fade, Scene
from player.render.slides import SlideWorker
from player.render.splash import Addresses, splash_lines
from player.render.stats import FrameReport, Pacer
from player.render.switcher import Switched, Switcher, to_datetime
from player.schedule.plan import Scheduler
from player.service.board import StatusBoard
from player.service.memory import HeapTrimmer
from player.wire.manifest import Manifest
from player.wire.proofofplay import AlertPlayRecord, PlayRecord
from player.wire.status import SyncSection

log = logging.getLogger(__name__)

HEARTBEAT = 1.0  # on_tick at least this often, whatever is on screen
ADDRESSES_EVERY = 30.0


class RenderLoop:
    """Plays the schedule on the display. Build on any thread; run() on the main thread."""

    def __init__(
        self,
        config: Config,
        media_path: Callable[[str], Path],
        status: StatusBoard,
        inbox: queue.Queue,
        *,
        media_check: Callable[[str], object] | None = None,
        clock: Callable[[], float] = time.time,
        on_play: Callable[[PlayRecord], None] = lambda r: None,
        on_alert: Callable[[AlertPlayRecord], None] = lambda r: None,
        on_tick: Callable[[], None] = lambda: None,
        on_first_frame: Callable[[], None] = lambda: None,
        headless: bool = False,
        screenshot_dir: Path | None = None,
        screenshot_every: float = 5.0,
        screenshot_keep: int | None = None,
        frame_log: Path | None = None,
        windowed: bool = False,
        dimmer: SoftwareDimmer | None = None,
    ) -> None:
        self.config = config
        self.media_path = media_path
        self.media_check = media_check
        self.status = status
        self.inbox = inbox
        self.clock = clock
        self.on_play = on_play
        self.on_tick = on_tick
        self.on_first_frame = on_first_frame
        self.headless = headless
        self.windowed = windowed
        self.screenshot_dir = screenshot_dir
        self.screenshot_every = screenshot_every
        self.screenshot_keep = screenshot_keep
        self.frame_log_path = frame_log
        self.dimmer = dimmer or SoftwareDimmer()
        self._dimmed = 100  # the percent the frame on screen is dimmed to
        self.frame_dimmer = FrameDimmer()

        self.manifest: Manifest | None = None
        self.switcher = Switcher(
            # The factory and scene are rebuilt when the display changes: looked up per call.
            lambda slot, zone, offset: self.factory.make(slot, self.manifest, zone, offset=offset),
            lambda kind: self.scene.zone_for(kind),  # noqa: PLW0108
            status,
            on_play=on_play,
            on_alert=on_alert,
            scheduler=Scheduler(None, self.tz),
        )
        self.switcher.hours = config.operating_hours
        self.switcher.aligned = config.schedule.aligned
        self.fade: Fade | None = None
        self.frames = 0
        self.pacer = Pacer()
        self.report = FrameReport(status)
        self._force = True
        self._first_frame_done = False
        self.addresses = Addresses(ADDRESSES_EVERY)
        self._stop_reason = ""
        # Built in run(): they need the display.
        self.output: Output | None = None
        self.scene: Scene | None = None
        self.factory: VisualFactory | None = None
        self.book: FontBook | None = None
        self._font_lock = threading.Lock()  # one for every book: FreeType is process-wide
        self.images: ImageDecoder | None = None
        self.slides: SlideWorker | None = None
        self.feeds: FeedReader | None = None
        self._feeds_version = -1
        self.shots: Screenshotter | None = None
        self.frame_log: FrameLog | None = None
        # An accelerated clock (soak runs, benchmarks) says how much faster it runs.
        self.clock_watch = ClockWatch(rate=getattr(clock, "rate", 1.0))
        self.trimmer = HeapTrimmer()

    # -- public -----------------------------------------------------------------------

    @property
    def tz(self) -> ZoneInfo:
        try:
            return ZoneInfo(self.config.player.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            log.error("player.timezone %r unknown; using UTC", self.config.player.timezone)
            return ZoneInfo("UTC")

    def run(self, stop: threading.Event, exit_after: float | None = None) -> None:
        """Open the display, play until `stop` (or a Stop message, or exit_after), close it."""
        deadline = time.monotonic() + exit_after if exit_after is not None else None
        self._open()
        try:
            self._loop(stop, deadline)
        finally:
            self._close()

    def current_surface_png(self, path: Path) -> None:
        """Save the presented frame (the whole output) as PNG."""
        if self.output is None:
            raise RuntimeError("the display is not open")
        save_png(self.output.screen, Path(path))

    # -- setup and teardown -------------------------------------------------------------

    def _open(self) -> None:
        display = self.config.display
        self.output = open_output(display, headless=self.headless, windowed=self.windowed)
        pygame.font.init()
        self.images = ImageDecoder()
        self.slides = SlideWorker()
        self.feeds = FeedReader(self.config.cache.dir / "feeds", on_change=self._wake)
        if self.screenshot_dir is not None:
            self.shots = Screenshotter(
                self.screenshot_dir, self.screenshot_every, self.screenshot_keep
            )
        if self.frame_log_path is not None:
            self.frame_log = FrameLog(self.frame_log_path)
        self._build_scene()
        self._report_output()
        self.status.update("render", screen="starting")

    def _report_output(self) -> None:
        """The geometry in force, for `videotron status` (also after a live edit)."""
        self.status.update(
            "render",
            driver=self.output.driver,
            output=list(self.output.size),
            region=list(self.output.geometry.region.astuple()),
            rotation=self.output.geometry.rotation,
            content=list(self.output.geometry.content_size),
        )

    def _build_scene(self) -> None:
        display = self.config.display
        if self.book is None or self.book.configured != display.font:
            self.book = FontBook(display.font, self._font_lock)
        self.scene = Scene(self.output, self.book, display.background)
        self.scene.set_layout(self.manifest.layout if self.manifest else None, self.tz)
        self.scene.set_notice(self._notice_band())
        if self.feeds is not None:
            self.scene.set_feed_headlines(self.feeds.headlines())
        self.factory = VisualFactory(
            media_path=self.media_path,
            media_check=self.media_check,
            images=self.images,
            slides=self.slides,
            book=self.book,
            content=self.output.content,
            background=display.background,
            fit=display.fit,
            fps=max(1, display.fps),
            video_decoder=self.config.video.decoder,
            alert_language=display.alert_language,
            place=_place(self.config.location),
            clock=self.clock,
            tz=self.tz,
            splash_lines=self._splash_lines,
            headlines=self._headlines,
        )
        self.scene.clear()
        self._force = True

    def _close(self) -> None:
        now = self.clock()
        self._report_stats(now)
        self.switcher.close(now)
        self._close_retired()
        for part in (self.feeds, self.images, self.slides, self.shots, self.frame_log):
            if part is not None:
                try:
                    part.close()
                except Exception:  # closing must go on for the others
                    log.exception("error while closing %s", part)
        self.status.update("render", screen="stopped", stop_reason=self._stop_reason)
        close_output()

    # -- the loop ---------------------------------------------------------------------

    def _loop(self, stop: threading.Event, deadline: float | None) -> None:
        # A manifest already waiting (the cached one at boot) plays without a splash first.
        if not self._wait(0.0, stop):
            return
        while not stop.is_set():
            if deadline is not None and time.monotonic() >= deadline:
                self._stop_reason = "exit-after elapsed"
                break
            if not self._pump_events():
                break
            now = self.clock()
            if self.clock_watch.jumped(now, time.monotonic()) is not None:
                self.switcher.replan(now, "clock jumped")
            self.clock_watch.check_trust(self.manifest, now)
            switched = self.switcher.advance(now)
            if switched is not None:
                self._switched(switched, now)
            self._frame(now)
            self._close_retired()
            if self.switcher.pending is None:
                self.switcher.plan_next(self.clock())  # after the switch's frame, not before it
            self.on_tick()
            now = self.clock()
            self._periodic(now)
            if not self._wait(self._timeout(now), stop):
                break

    def _pump_events(self) -> bool:
        for event in pygame.event.get():
            if event.type == pygame.QUIT:
                self._stop_reason = "window closed"
                return False
        return True

    def _wake(self) -> None:
        self.inbox.put(_Wake())

    def _wait(self, timeout: float, stop: threading.Event) -> bool:
        """Sleep on the inbox; handle what arrives. False when told to stop."""
        try:
            message = self.inbox.get(timeout=timeout) if timeout > 0 else self.inbox.get_nowait()
        except queue.Empty:
            return True
        for _ in range(1000):
            if not self._handle(message, stop):
                return False
            try:
                message = self.inbox.get_nowait()
            except queue.Empty:
                return True
        return True

    def _timeout(self, now: float) -> float:
        wake = now + HEARTBEAT
        cur = self.switcher.showing
        kind = cur.slot.kind if cur else "idle"
        if self._moving():
            tick = self.pacer.next_tick
            wake = min(wake, tick if tick is not None else now)
        elif cur is not None and cur.visual is not None:
            for change in (cur.visual.next_change(now), self.scene.next_change(kind, now)):
                if change is not None:
                    wake = min(wake, change)
        switch = self.switcher.wake_at(now)
        if switch is not None:
            wake = min(wake, switch)
        if self.shots is not None and self.shots.next_at is not None:
            wake = min(wake, self.shots.next_at)
        return max(0.0, wake - now)

    def _moving(self) -> bool:
        cur = self.switcher.showing
        if cur is None or cur.visual is None:
            return False
        return cur.visual.moving or self.fade is not None or self.scene.moving(cur.slot.kind)

    def _switched(self, switched: Switched, now: float) -> None:
        """A new visual is on screen: draw it whole, from its own first frame."""
        if not switched.redraw:
            zone = switched.showing.zone
            seconds = switched.crossfade
            self.fade = Fade(self.scene.snapshot(zone), now, seconds) if seconds else None
        self._force = True
        self.pacer.reset()
        self.report.decoder(switched.showing.visual)

    def _close_retired(self) -> None:
        retired = self.switcher.take_retired()
        for visual in retired:
            try:
                visual.close()
            except Exception:  # a visual that fails to let go must not stop the screen
                log.exception("closing %s failed", visual)
        if retired:
            self.trimmer.released()
        self.trimmer.maybe_trim()

    # -- messages ---------------------------------------------------------------------

    def _handle(self, message, stop: threading.Event) -> bool:
        now = self.clock()
        if isinstance(message, Stop):
            self._stop_reason = message.reason or "stop requested"
            stop.set()
            return False
        if isinstance(message, ManifestActivated):
            self._manifest(message.manifest, now)
        elif isinstance(message, MediaDamaged):
            # The words of the cache's own error, whichever of the two reaches the loop first.
            reason = (
                f"media {message.sha[:12]}… is damaged on disk ({message.reason}): removed from "
                "the cache, downloading it again"
            )
            self.switcher.media_damaged(message.sha, reason, now)
        elif isinstance(message, MediaRestored):
            self.switcher.media_restored(message.shas, now)
        elif isinstance(message, AlertsChanged):
            self.switcher.set_alerts(message.alerts, now)
        elif isinstance(message, ConfigChanged):
            self._config(message.config, now)
        elif isinstance(message, DisplayPower):
            self.switcher.set_power(message.on, now)
        elif isinstance(message, ScreenshotRequest):
            try:
                self.current_surface_png(message.path)
            except (OSError, RuntimeError, pygame.error) as exc:
                message.error = f"cannot write {message.path}: {exc}"
                log.error("%s", message.error)
            message.done.set()
        elif not isinstance(message, _Wake):
            log.warning("render inbox: ignoring unknown message %r", message)
        return True

    def _manifest(self, manifest: Manifest, now: float) -> None:
        self.manifest = manifest
        self.scene.set_layout(manifest.layout, self.tz)
        self.scene.set_notice(self._notice_band())
        ticker = manifest.layout.ticker
        source = self.config.source.url
        # Sync refuses a manifest naming unsigned feeds; one activated before that rule (or
        # with it switched off since) still reads none unless player.yaml allows them.
        unsigned_ok = self.config.source.allow_unsigned_feeds
        feeds = [f for f in (ticker.feeds if ticker else ()) if f.sha256 or unsigned_ok]
        self.feeds.set_feeds(tuple(replace(f, url=resolve_feed_url(f.url, source)) for f in feeds))
        self._force = True
        log.info("manifest sequence %d active", manifest.sequence)
        self.switcher.quiet = self._quiet_windows()
        self.switcher.new_manifest(self._scheduler(manifest), now)

    def _scheduler(self, manifest: Manifest | None) -> Scheduler:
        """The schedule of this screen: its zone, and its id for campaigns meant for some."""
        return Scheduler(manifest, self.tz, screen=self.config.player.id)

    def _config(self, config: Config, now: float) -> None:
        old = self.config
        self.config = config
        d_old, d_new = old.display, config.display
        if d_old != d_new:
            self.output = reconfigure(
                self.output, d_old, d_new, headless=self.headless, windowed=self.windowed
            )
            self._report_output()
        self.switcher.hours = config.operating_hours
        self.switcher.aligned = config.schedule.aligned
        tz_changed = old.player.timezone != config.player.timezone
        if tz_changed or old.player.id != config.player.id:
            self.switcher.scheduler = self._scheduler(self.manifest)
        if tz_changed or old.location != config.location:
            self.switcher.quiet = self._quiet_windows()
        if (
            d_old != d_new
            or tz_changed
            or old.video != config.video
            or old.location != config.location
        ):
            self._build_scene()
            self.switcher.redo_current(now)
        rules = (config.operating_hours, config.schedule, config.location)
        if tz_changed or (old.operating_hours, old.schedule, old.location) != rules:
            self.switcher.replan(now, "config changed")

    # -- drawing ----------------------------------------------------------------------

    def _frame(self, now: float) -> None:
        cur = self.switcher.showing
        if cur is None or cur.visual is None:
            return
        moving = self._moving()
        if moving and not self._force and self.pacer.early(now):
            return
        at = self.pacer.draw_time(now, self._fps()) if moving else now
        self._update_feeds()
        dim_to = self.dimmer.percent
        if dim_to != self._dimmed:  # every pixel is drawn again at the new level
            self._dimmed = dim_to
            self._force = True
        if self.fade is not None and self.fade.progress(at) >= 1.0:
            self.fade = None
            self._force = True
        force = self._force
        if force:
            self.scene.clear()
        try:
            dirty = self.scene.compose(cur.visual, cur.slot.kind, at, force=force, fade=self.fade)
        except Exception as exc:
            # A bug or bad input in one visual must not take the screen down: skip it.
            if not cur.failed:
                log.exception("drawing %s failed", cur.visual.key)
                cur.failed = True
                self.switcher.fail(cur.slot, f"drawing failed: {exc}")
                self.switcher.replan(now, "drawing failed")
            return
        self._force = False
        if moving:
            self.pacer.step(now, self._fps())
        if not dirty:
            return
        if dim_to < 100:
            self.frame_dimmer.dim(
                self.output.content,
                [Rect(0, 0, *self.output.content_size)] if force else dirty,
                dim_to,
            )
        self.output.present(None if force else dirty)
        presented = self.clock()
        self.frames += 1
        if cur.shown_at is None:
            cur.shown_at = presented
        if self.frame_log is not None:
            screen, points = self.output.screen, self.scene.sample_points(cur.slot.kind)
            pixels = [list(screen.get_at(p))[:3] for p in points]
            self.frame_log.frame(presented, cur, self.fade is not None, pixels)
        if not self._first_frame_done:
            self._first_frame_done = True
            self.status.update("render", first_frame=to_datetime(presented).isoformat())
            self.on_first_frame()

    def _fps(self) -> int:
        return max(1, self.config.display.fps)

    def _update_feeds(self) -> None:
        version = self.feeds.version
        if version != self._feeds_version:
            self._feeds_version = version
            self.scene.set_feed_headlines(self.feeds.headlines())

    # -- status and side jobs ---------------------------------------------------------

    def _periodic(self, now: float) -> None:
        if self.shots is not None and self.shots.due(now) and self.frames:
            stamp = to_datetime(now).strftime("%Y%m%dT%H%M%S")
            self.shots.take(self.output.screen, now, stamp)
        if self.report.due(now):
            self._report_stats(now)
            if self.factory is not None and self.factory.video_pool.release_idle():
                self.trimmer.released()

    def _report_stats(self, now: float) -> None:
        cur = self.switcher.showing
        video_dropped = getattr(cur.visual, "dropped", 0) if cur is not None else 0
        dropped = self.pacer.dropped + self.switcher.dropped_frames + video_dropped
        self.report.counters(now, self.frames, dropped)
        if cur is not None:
            self.report.decoder(cur.visual)

    def _notice_band(self) -> NoticeBand | None:
        """The prayer notice over items when the manifest asks and player.yaml has a place."""
        minutes = minutes_from(self.manifest.defaults) if self.manifest else 0
        place = _place(self.config.location)
        if minutes and place is None:
            log.warning(
                "defaults.prayer_notice_minutes is set but this screen has no place: set "
                "location.latitude and location.longitude in player.yaml"
            )
        return NoticeBand(*place, self.tz, minutes) if minutes and place else None

    def _quiet_windows(self):
        """The windows around each adhan in which ads are held back, as the manifest asks."""
        pause = pause_from(self.manifest.defaults) if self.manifest else None
        place = _place(self.config.location)
        if pause is None or place is None:
            if pause is not None:
                log.warning(
                    "defaults.adhan_pause is set but this screen has no place: set "
                    "location.latitude and location.longitude in player.yaml"
                )
            return lambda now: ()
        return QuietWindows(*place, self.tz, *pause)

    def _headlines(self) -> list[str]:
        ticker = self.manifest.layout.ticker if self.manifest else None
        return [*(ticker.signed_lines() if ticker else ()), *self.feeds.headlines()]

    def _splash_lines(self, reason: str) -> list[tuple[str, str]]:
        addresses = self.addresses.get()
        sync: SyncSection = self.status.get("sync")
        return splash_lines(self.config.player.id, __version__, addresses, sync, reason)


@dataclass(frozen=True)
class _Wake:
    """Internal: something a worker finished (a feed update) wants the loop to look."""


def _place(location) -> tuple[float, float] | None:
    """(latitude, longitude) when player.yaml gives both, else None (no prayer items)."""
    if location.latitude is None or location.longitude is None:
        return None
    return (location.latitude, location.longitude)
