"""An alert as the player keeps it once its sealed message is opened and checked."""

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
