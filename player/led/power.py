"""The wall's power: switched off while the screen is off (operating hours), as the device confirms.

The render loop decides what is on screen: outside operating hours, or after a display-off
command, it shows "off" (black); an emergency alert is shown even then. The wall follows
that: off exactly while the render loop's `kind` is "off". The switch is the sending card
(`power.switch: controller`) or the display's HDMI-CEC (`cec`); its answer, not the command
sent, is what the status's `power` section reports. Run by the brightness keeper's thread,
which owns the sending card's port.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from typing import Protocol

from player.config.model import PowerConfig
from player.led.cec import CecDisplay
from player.led.controller import Controller, ControllerError
from player.service.board import StatusBoard
from player.wire.isotime import format_utc

log = logging.getLogger(__name__)

RETRY_EVERY = 30.0  # seconds between attempts while the device does not do as asked
CONFIRM_EVERY = 300.0  # seconds: asked again, so a wall switched by hand is put right


class PowerSwitch(Protocol):
    """What switches the wall: a sending card, or the display's HDMI-CEC."""

    name: str

    def set_power(self, on: bool) -> bool:
        """Switch; the state the device then reports. ControllerError when it cannot tell."""


def wall_wanted(render: Mapping) -> bool:
    """On unless the render loop shows "off" (outside operating hours, or display off)."""
    return render.get("kind") != "off"


def open_switch(config: PowerConfig, controller: Controller | None) -> PowerSwitch | None:
    """The switch `config` names: the sending card, a CEC display, or None (not switched)."""
    if config.switch == "cec":
        return CecDisplay(config.cec_device)
    if config.switch == "controller":
        if controller is None:
            raise ControllerError(
                "power.switch is controller but brightness.controller is none: name the "
                "sending card there, or use power.switch: cec"
            )
        return controller
    return None


class WallPower:
    """Keeps the wall on or off as wanted; `tick` says how long until it needs to look again."""

    def __init__(self, status: StatusBoard, retry_every: float = RETRY_EVERY) -> None:
        self.status = status
        self.retry_every = retry_every
        self._confirmed: bool | None = None  # what the device said last
        self._asked: bool | None = None
        self._next_at = 0.0
        self._shown: tuple | None = None

    def tick(self, now: float, switch: PowerSwitch | None, want_on: bool) -> None:
        """Switch when the wanted state changed, every CONFIRM_EVERY, or to retry."""
        if switch is None:
            self._report(now, want_on, None, "none", None)
            self._confirmed = self._asked = None
            return
        if want_on == self._asked and now < self._next_at:
            return
        self._asked = want_on
        try:
            state = switch.set_power(want_on)
        except ControllerError as exc:
            self._confirmed, self._next_at = None, now + self.retry_every
            self._report(now, want_on, None, switch.name, str(exc))
            return
        self._confirmed = state
        if state == want_on:
            self._next_at = now + CONFIRM_EVERY
            self._report(now, want_on, state, switch.name, None)
            return
        self._next_at = now + self.retry_every
        asked, said = ("on", "off") if want_on else ("off", "on")
        error = f"{switch.name} was asked to switch {asked} but reports {said}"
        self._report(now, want_on, state, switch.name, error)

    def _report(self, now: float, want_on: bool, state: bool | None, via: str,
                error: str | None) -> None:  # fmt: skip
        wanted = "on" if want_on else "off"
        said = "unknown" if state is None else ("on" if state else "off")
        shown = (wanted, said, via, error)
        if shown == self._shown:
            return
        if via != "none":
            level = logging.INFO if error is None else logging.WARNING
            log.log(level, "wall power %s (asked %s) via %s%s", said, wanted, via,
                    f": {error}" if error else "")  # fmt: skip
        self._shown = shown
        self.status.update(
            "power", wanted=wanted, state=said, via=via, error=error,
            changed_at=format_utc(dt.datetime.fromtimestamp(now, dt.UTC)),
        )  # fmt: skip
