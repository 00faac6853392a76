"""An alert, or the cancel of one, as the player keeps it once its sealed message is checked."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class Alert:
    """An emergency or public alert that overrides the schedule until it expires."""

    id: str
    text: str
    expires_at: dt.datetime  # aware
    issued_at: dt.datetime | None = None
    level: str = "warning"  # info | warning | emergency
    group: str | None = None
    # The parts a screen lays out on its own (docs/PROTOCOL.md, "Alert payload"); empty
    # when the sender gave only `text`, which then stands for all of them.
    headline: str = ""
    description: str = ""
    instruction: str = ""
    sender: str = ""  # who issued it, as the public knows it ("BMKG")
    area: str = ""  # where it applies, in words
    valid_until: dt.datetime | None = None  # aware; the warning's own end, when it names one
    status: str = "actual"  # actual | exercise | test

    @property
    def structured(self) -> bool:
        """Whether the sender gave the parts (headline, description, instruction) apart."""
        return bool(self.headline or self.description or self.instruction)


@dataclass(frozen=True)
class AlertCancel:
    """Takes alert `id` off the screens of `group`: a version of that alert with no text."""

    id: str
    group: str
    issued_at: dt.datetime  # aware; newer than the alert's to take it off
    expires_at: dt.datetime  # aware; the cancel is remembered (and retained) until then
