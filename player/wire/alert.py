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


@dataclass(frozen=True)
class AlertCancel:
    """Takes alert `id` off the screens of `group`: a version of that alert with no text."""

    id: str
    group: str
    issued_at: dt.datetime  # aware; newer than the alert's to take it off
    expires_at: dt.datetime  # aware; the cancel is remembered (and retained) until then
