"""The brightness keeper: the plan's level applied through the sending card, or in software.

One supervised thread owns the controller. Each tick it works out the level for `now`
(player/led/plan.py), and writes it to the sending card when it changed, every
REASSERT_EVERY (a card power-cycled with the wall forgets it), or, once the card stopped
answering, the failsafe level every `retry_every` until it answers again; then the plan's
level follows at once. Without a sending card it sets the software dimmer the render loop
applies. Changes of level are logged, written to the status board's `brightness` section
and recorded as spans for proof of play (player/led/spans.py).
The same thread switches the wall's power (player/led/power.py), as it owns the card's port.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable
from zoneinfo import ZoneInfo

from player.config.model import BrightnessConfig, Config
from player.led.controller import Controller, ControllerError
from player.led.novastar import NovaStar
from player.led.plan import Level, SunTimes, clamp, wanted
from player.led.power import PowerSwitch, WallPower, open_switch, wall_wanted
from player.led.software import SoftwareDimmer
from player.led.spans import BrightnessSpans
from player.led.sun import sun_times
from player.service.board import StatusBoard
from player.wire.isotime import format_utc
from player.wire.manifest import Brightness, Manifest
from player.wire.proofofplay import BrightnessSpanRecord

log = logging.getLogger(__name__)

RETRY_EVERY = 15.0  # seconds between attempts while the sending card does not answer
REASSERT_EVERY = 600.0  # seconds: the level is written again even when it did not change
LONGEST_WAIT = 1.0  # seconds between ticks at most: stop and new plans are seen this soon
SOFTWARE = "software"


def open_controller(config: BrightnessConfig) -> Controller | None:
    """The sending card `config` names, or None: the picture is then dimmed in software.

    Nothing is opened here; the controller opens its port at its first command, so a card
    switched off or unplugged at start is an error of the first command, retried later.
    """
    if config.controller == "none":
        return None
    if config.port is None:
        raise ControllerError(
            f"brightness.controller is {config.controller} but brightness.port is not set: "
            "name the sending card's serial port, e.g. /dev/ttyUSB0 (see `ls /dev/serial/by-id`)"
        )
    if config.controller == "novastar":
        return NovaStar(config.port)
    raise ControllerError(f"unknown brightness.controller {config.controller!r}")


class BrightnessKeeper:
    """Keeps the wall at the level the plan, the sensor and the site's limits say."""

    def __init__(
        self,
        config: Config,
        status: StatusBoard,
        dimmer: SoftwareDimmer,
        *,
        clock: Callable[[], float] = time.time,
        retry_every: float = RETRY_EVERY,
        opener: Callable[[BrightnessConfig], Controller | None] = open_controller,
        record_span: Callable[[BrightnessSpanRecord], object] = lambda span: None,
    ) -> None:
        self.status = status
        self.dimmer = dimmer
        self.clock = clock
        self.retry_every = retry_every
        self.opener = opener
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._config = config
        self._brightness = Brightness()
        self._controller: Controller | None = None
        self._opened_for: BrightnessConfig | None = None
        self._open_error: str | None = None
        self._sent: int | None = None  # the level the card confirmed last
        self._sent_at = 0.0
        self._lost = False
        self._retry_at = 0.0
        self._shown: tuple[int, str, str] | None = None  # the level last logged
        self._record_span = record_span
        self.spans = BrightnessSpans(self._record)  # the proof-of-play record of the level
        self._suns: dict[tuple, SunTimes] = {}
        self.power = WallPower(status)
        self._switch: PowerSwitch | None = None
        self._switch_for: tuple | None = None  # (power config, controller) it was made for

    # -- from other threads -----------------------------------------------------------

    def set_manifest(self, manifest: Manifest) -> None:
        with self._lock:
            self._brightness = manifest.brightness
        self._wake.set()

    def update_config(self, config: Config) -> None:
        with self._lock:
            self._config = config
        self._wake.set()

    # -- the thread -------------------------------------------------------------------

    def run(self, stop: threading.Event, beat: Callable[[], None]) -> None:
        """Tick until `stop`; the supervisor restarts it should it raise."""
        try:
            while not stop.is_set():
                beat()
                wait = self.tick(self.clock())
                if self._wake.wait(max(0.0, min(wait, LONGEST_WAIT))):
                    self._wake.clear()
        finally:
            self._close()
            self.spans.end(dt.datetime.fromtimestamp(self.clock(), dt.UTC))

    def tick(self, now: float) -> float:
        """Apply the level for `now`; returns the seconds until the next tick is needed."""
        with self._lock:
            config, brightness = self._config, self._brightness
        self.spans.passed(dt.datetime.fromtimestamp(now, dt.UTC))
        controller = self._controller_for(config.brightness)
        tz = ZoneInfo(config.player.timezone)
        local = dt.datetime.fromtimestamp(now, tz)

        def sun(day: dt.date) -> SunTimes:
            return self._sun(day, tz, config)

        plan = brightness.for_screen(config.player.id)
        has_sensor = controller is not None and controller.has_sensor
        lux = controller.ambient_lux() if has_sensor and plan and plan.sensor else None
        level = wanted(plan, local, sun, config.brightness, has_sensor=has_sensor, lux=lux)
        today = sun(local.date())
        facts = {
            "next_change_at": format_utc(level.until) if level.until else None,
            "sunrise": format_utc(today.sunrise),
            "sunset": format_utc(today.sunset),
            "sun_assumed": today.assumed,
        }
        self.power.tick(now, self._switch_of(config, controller),
                        wall_wanted(self.status.get("render")))  # fmt: skip
        if controller is None:
            self.dimmer.set(level.percent)
            link = "none" if self._open_error is None else "not configured"
            self._report(now, level, SOFTWARE, link=link, error=self._open_error, facts=facts)
            return self._until(level, now, LONGEST_WAIT)
        self.dimmer.set(100)  # the card dims the wall; dimming the picture too would double it
        return self._drive(controller, level, config.brightness, now, facts)

    def _switch_of(self, config: Config, controller: Controller | None) -> PowerSwitch | None:
        """The power switch config.power names, made again only when that or the card changed."""
        key = (config.power, id(controller))
        if key != self._switch_for:
            self._switch_for = key
            try:
                self._switch = open_switch(config.power, controller)
            except ControllerError as exc:
                log.error("wall power: %s; the wall is not switched meanwhile", exc)
                self._switch = None
        return self._switch

    # -- the sending card -------------------------------------------------------------

    def _drive(
        self, controller: Controller, level: Level, limits: BrightnessConfig, now: float, facts
    ) -> float:
        if self._lost:
            level = Level(clamp(limits.failsafe, limits), "failsafe", "sending card not answering")
            if now < self._retry_at:
                return self._retry_at - now
        elif level.percent == self._sent and now - self._sent_at < REASSERT_EVERY:
            return self._until(level, now, REASSERT_EVERY - (now - self._sent_at))
        try:
            controller.set_brightness(level.percent)
        except ControllerError as exc:
            if not self._lost:
                log.warning("brightness: %s; the failsafe level is tried every %gs", exc,
                            self.retry_every)  # fmt: skip
            self._lost, self._sent, self._retry_at = True, None, now + self.retry_every
            self._report(
                now, level, controller.name, link="not answering", error=str(exc), facts=facts
            )
            return self.retry_every
        was_lost, self._lost = self._lost, False
        self._sent, self._sent_at = level.percent, now
        if was_lost:
            log.info("brightness: %s answers again; back to the plan", controller.name)
        self._report(now, level, controller.name, link="ok", error=None, facts=facts)
        return 0.0 if was_lost else self._until(level, now, REASSERT_EVERY)

    def _controller_for(self, limits: BrightnessConfig) -> Controller | None:
        wanted_card = (limits.controller, limits.port)
        opened_card = None if self._opened_for is None else (
            self._opened_for.controller, self._opened_for.port)  # fmt: skip
        if wanted_card != opened_card:
            self._close()
            self._opened_for = limits
            try:
                self._controller = self.opener(limits)
                self._open_error = None
            except ControllerError as exc:
                log.error("brightness: %s; dimming the picture in software meanwhile", exc)
                self._controller, self._open_error = None, str(exc)
            self._sent, self._lost = None, False
        return self._controller

    def _close(self) -> None:
        if self._controller is not None:
            self._controller.close()
            self._controller = None

    # -- helpers ----------------------------------------------------------------------

    def _record(self, span: BrightnessSpanRecord) -> None:
        try:
            self._record_span(span)
        except Exception:  # the record must never cost the wall its level (a full disk)
            log.exception("brightness: could not record %d%% in proof of play", span.level)

    def _sun(self, day: dt.date, tz: ZoneInfo, config: Config) -> SunTimes:
        key = (day, str(tz), config.location.latitude, config.location.longitude)
        if key not in self._suns:
            if len(self._suns) > 16:
                self._suns.clear()
            self._suns[key] = sun_times(day, tz, *key[2:])
        return self._suns[key]

    @staticmethod
    def _until(level: Level, now: float, longest: float) -> float:
        if level.until is None:
            return longest
        return max(0.0, min(longest, level.until.timestamp() - now))

    def _report(
        self, now: float, level: Level, output: str, *, link: str, error: str | None, facts: dict
    ) -> None:
        # The kind of card (novastar), not its port: the record names how the wall was dimmed.
        via = output if output == SOFTWARE or self._opened_for is None else (
            self._opened_for.controller)  # fmt: skip
        self.spans.held(level.percent, level.source, via, dt.datetime.fromtimestamp(now, dt.UTC))
        shown = (level.percent, level.source, output)
        if shown != self._shown:
            log.info("brightness %d%% (%s: %s) via %s", level.percent, level.source,
                     level.reason, output)  # fmt: skip
            self._shown = shown
            self.status.update(
                "brightness", changed_at=format_utc(dt.datetime.fromtimestamp(now, dt.UTC))
            )
        self.status.update(
            "brightness",
            level=level.percent,
            source=level.source,
            reason=level.reason,
            output=output,
            link=link,
            last_error=error,
            **facts,
        )
