"""The Hijri date of a day (Umm al-Qura tables, hijridate), moved by the office's correction.

Indonesia fixes the start of each month by the ministry's sighting session (sidang isbat),
which can fall a day before or after the Umm al-Qura calendar; the office then publishes
`defaults.hijri_adjust` (-1, 0 or 1; +-2 allowed) and every screen of the group follows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from hijridate import Gregorian

MAX_ADJUST = 2  # days; the ministry's corrections are one day, two leaves room for a mistake
MONTHS = (  # as the ministry's calendar spells them
    "Muharram",
    "Safar",
    "Rabiul Awal",
    "Rabiul Akhir",
    "Jumadil Awal",
    "Jumadil Akhir",
    "Rajab",
    "Syakban",
    "Ramadan",
    "Syawal",
    "Zulkaidah",
    "Zulhijah",
)


@dataclass(frozen=True)
class HijriDate:
    year: int
    month: int  # 1 = Muharram
    day: int

    def text(self) -> str:
        """As Indonesian calendars write it: "17 Jumadil Akhir 1448 H"."""
        return f"{self.day} {MONTHS[self.month - 1]} {self.year} H"


def hijri_date(date: dt.date, adjust: int = 0) -> HijriDate:
    """The Hijri date of a Gregorian day, `adjust` days later (negative: earlier).

    Raises ValueError outside the tables (1343-1500 H, 1924-2077) or for a correction
    beyond MAX_ADJUST days.
    """
    if not -MAX_ADJUST <= adjust <= MAX_ADJUST:
        raise ValueError(f"hijri_adjust {adjust}: must be from -{MAX_ADJUST} to {MAX_ADJUST}")
    shifted = date + dt.timedelta(days=adjust)
    h = Gregorian(shifted.year, shifted.month, shifted.day).to_hijri()
    return HijriDate(h.year, h.month, h.day)


def adjust_from(defaults: Mapping) -> int:
    """The office's correction from a manifest's `defaults` (0 when absent or not an int)."""
    value = defaults.get("hijri_adjust", 0)
    if isinstance(value, bool) or not isinstance(value, int) or abs(value) > MAX_ADJUST:
        return 0
    return value
