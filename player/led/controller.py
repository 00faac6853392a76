"""The sending card behind the wall, as the brightness keeper drives it: one small interface.

A controller family is added by writing a class with these methods and naming it in
`open_controller` (and in the schema's `brightness.controller` choice).
"""

from __future__ import annotations

from typing import Protocol

from player.config.model import BrightnessConfig


class ControllerError(OSError):
    """The sending card did not answer, answered wrongly, or its port cannot be opened."""


class Controller(Protocol):
    """A sending card that sets the wall's brightness."""

    name: str  # shown in the status: "novastar /dev/ttyUSB0"
    has_sensor: bool  # whether it reports ambient light

    def set_brightness(self, percent: int) -> None:
        """Set the whole wall to `percent` (0-100); raise ControllerError unless confirmed."""

    def ambient_lux(self) -> float | None:
        """The light sensor's reading in lux; None when it does not answer."""

    def close(self) -> None:
        """Let go of the port; the next call opens it again."""


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
        from player.led.novastar import NovaStar

        return NovaStar(config.port)
    raise ControllerError(f"unknown brightness.controller {config.controller!r}")
