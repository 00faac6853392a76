"""The "menjelang waktu sholat" band: a small amber notice over whatever plays before a prayer.

Switched on per group by the manifest's `defaults.prayer_notice_minutes` (1-120) on
screens whose player.yaml gives `location`. Which words show is a pure function of the
minute (`NoticeBand.text_at`, from player/localinfo/prayer.py's `notice`); the band is
the prayer board's notice footer (black on amber) laid over the foot of the main zone.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import pygame

from player.render.fonts import FontBook

if TYPE_CHECKING:
    from player.localinfo import prayer

HEIGHT = 0.14  # of the main zone's height: above the alert card's 10 % text floor
SETTING = "prayer_notice_minutes"
MAX_NOTICE_MINUTES = 120  # also the most a prayer item's style.notice_minutes may ask


def minutes_from(defaults: Mapping) -> int:
    """`defaults.prayer_notice_minutes` of a manifest: 0 (off) when absent or not 1-120."""
    value = defaults.get(SETTING, 0)
    if isinstance(value, bool) or not isinstance(value, int):
        return 0
    return value if 0 < value <= MAX_NOTICE_MINUTES else 0


class NoticeBand:
    """The notice for one place; keeps the two days' times it last computed."""

    def __init__(self, latitude: float, longitude: float, tz: ZoneInfo, minutes: int) -> None:
        self.place = (latitude, longitude)
        self.tz = tz
        self.minutes = minutes
        self._days: tuple[dt.date, prayer.DayTimes, prayer.DayTimes] | None = None

    def text_at(self, now: float) -> str | None:
        """ "Menjelang Dzuhur · 5 menit lagi" from `minutes` before a prayer to its time."""
        # Imported here: the prayer times (astral) are needed only once a screen with a
        # place shows the notice, not to light the screen after a power cut (issue 32).
        from player.localinfo import prayer

        local = dt.datetime.fromtimestamp(now, self.tz)
        if self._days is None or self._days[0] != local.date():
            today = prayer.prayer_times(local.date(), *self.place, self.tz)
            tomorrow = prayer.prayer_times(
                local.date() + dt.timedelta(days=1), *self.place, self.tz
            )
            self._days = (local.date(), today, tomorrow)
        warning = prayer.notice(local, self._days[1], self._days[2], self.minutes)
        if warning is None:
            return None
        return f"Menjelang {prayer.NAMES[warning.prayer]} · {warning.minutes_left} menit lagi"

    def next_change(self, now: float) -> float:
        """The next minute: when the words may change."""
        return (math.floor(now / 60.0) + 1) * 60.0

    def draw(self, zone: pygame.Surface, book: FontBook, text: str) -> pygame.Rect:
        """Lay the band over the foot of `zone`; returns its rectangle in the zone."""
        from player.render.prayerboard import AMBER, BLACK, draw_text  # as in text_at

        w, h = zone.get_size()
        band = pygame.Rect(0, h - max(8, round(h * HEIGHT)), w, max(8, round(h * HEIGHT)))
        zone.fill(AMBER, band)
        margin = max(2, round(min(w, h) * 0.02))
        draw_text(zone, book, text, band.inflate(-2 * margin, -margin), BLACK, bold=True)
        return band
