"""The sending card behind the wall, as the brightness keeper drives it: one small interface.

A controller family is added by writing a class with these methods (player/led/novastar.py
is one) and naming it in `player.led.keeper.open_controller` and in the schema's
`brightness.controller` choice.
"""

from __future__ import annotations

from typing import Protocol


class ControllerError(OSError):
    """The sending card did not answer, answered wrongly, or its port cannot be opened."""


class Controller(Protocol):
    """A sending card that sets the wall's brightness."""

    name: str  # shown in the status: "novastar /dev/ttyUSB0"
    has_sensor: bool  # whether it reports ambient light

    def set_brightness(self, percent: int) -> None:
        """Set the whole wall to `percent` (0-100); raise ControllerError unless confirmed."""

    def set_power(self, on: bool) -> bool:
        """Switch the wall on or off; the state the card then reports (True: on), which may
        differ from the one asked for. Raise ControllerError when it cannot tell."""

    def ambient_lux(self) -> float | None:
        """The light sensor's reading in lux; None when it does not answer."""

    def close(self) -> None:
        """Let go of the port; the next call opens it again."""
