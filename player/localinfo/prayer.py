"""Daily prayer times from date, place and time zone by the Indonesian ministry's (Kemenag) method.

Pure: no I/O, no clock; the sun's position comes from astral (NOAA's solar equations).

The Ministry of Religious Affairs' criteria (Kemenag RI, as its published schedules state
them), with two conventions read off the schedules themselves (docs/LOCALINFO.md):
  Imsak   10 minutes before Subuh.
  Subuh   the sun 20 degrees below the eastern horizon, + ihtiyat 2 minutes.
  Terbit  sunrise, the sun's centre 1 degree below the horizon, - ihtiyat 2 minutes.
  Dhuha   the sun 4.5 degrees above the horizon after sunrise, + ihtiyat 2 minutes.
  Dzuhur  the sun's transit of the meridian + 1 minute, + ihtiyat 2 minutes.
  Ashar   a shadow as long as the object plus its noon shadow (Shafi'i), + 2 minutes.
  Maghrib sunset (as Terbit), + ihtiyat 2 minutes.
  Isya    the sun 18 degrees below the western horizon, + ihtiyat 2 minutes.
Ihtiyat ("caution") makes a published time never early anywhere in the area a schedule
serves (about 25 km); seconds are then rounded up (down for Terbit, the end of Subuh).
The 1-degree horizon and Dzuhur's extra minute are what the ministry's 2024 tables for
Jakarta, Makassar and Jayapura fit day by day (tests/localinfo/test_kemenag_schedule.py);
the stated criteria alone (50' of semidiameter and refraction, transit + 2) put Terbit a
minute late and Maghrib and Dzuhur a minute early on most days.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from astral import SunDirection
from astral.julian import julianday, julianday_to_juliancentury
from astral.sun import eq_of_time, hour_angle, sun_declination

PRAYERS = ("subuh", "dzuhur", "ashar", "maghrib", "isya")  # the five, in the day's order
NAMES = {  # as Indonesian screens and mosque clocks write them
    "imsak": "Imsak",
    "subuh": "Subuh",
    "terbit": "Terbit",
    "dhuha": "Dhuha",
    "dzuhur": "Dzuhur",
    "ashar": "Ashar",
    "maghrib": "Maghrib",
    "isya": "Isya",
}
MINUTE = dt.timedelta(minutes=1)


@dataclass(frozen=True)
class Method:
    """The parameters of a prayer-time convention; `KEMENAG` is Indonesia's."""

    fajr_angle: float = 20.0  # degrees below the horizon
    isha_angle: float = 18.0
    dhuha_angle: float = 4.5  # degrees above the horizon
    # Sunrise and sunset: the sun's centre this far below the horizon. Hisab texts write it
    # -(16' semidiameter + 34' refraction + dip); the ministry's published times fit -1
    # degree for lowland cities (dip ~10'). -50/60 is the textbook sea-level horizon.
    horizon: float = -1.0
    transit_minutes: int = 1  # Dzuhur after the transit, before ihtiyat, as published
    asr_shadow: float = 1.0  # 1 Shafi'i, 2 Hanafi
    ihtiyat_minutes: int = 2  # added to each time, taken off sunrise
    imsak_minutes: int = 10  # before Subuh


KEMENAG = Method()


@dataclass(frozen=True)
class DayTimes:
    """One day's times as aware datetimes in the place's zone (Kemenag: whole minutes)."""

    date: dt.date
    imsak: dt.datetime
    subuh: dt.datetime
    terbit: dt.datetime
    dhuha: dt.datetime
    dzuhur: dt.datetime
    ashar: dt.datetime
    maghrib: dt.datetime
    isya: dt.datetime

    def prayers(self) -> list[tuple[str, dt.datetime]]:
        """The five prayers in order, as (key, time)."""
        return [(key, getattr(self, key)) for key in PRAYERS]

    def rows(self) -> list[tuple[str, dt.datetime]]:
        """Every time of the day in order, as (key, time): what a schedule board lists."""
        return [(key, getattr(self, key)) for key in NAMES]


def astronomical_times(
    date: dt.date, latitude: float, longitude: float, tz: ZoneInfo, method: Method = KEMENAG
) -> DayTimes:
    """The times as the sun gives them, to the second: no ihtiyat, no rounding.

    Raises ValueError where the sun never reaches an angle on that day (far from the
    equator; all of Indonesia lies within 11 degrees of it).
    """
    if not (-90.0 <= latitude <= 90.0 and -180.0 <= longitude <= 180.0):
        raise ValueError(f"latitude {latitude}, longitude {longitude}: not a place on Earth")
    place = _Place(date, latitude, longitude, tz)
    transit = place.transit()
    # The noon shadow of a vertical stick is tan(zenith at transit) = tan|phi - delta|;
    # Ashar begins when the shadow is `asr_shadow` times the stick plus that:
    # cot h = asr_shadow + tan|phi - delta| (geometric altitude, as the ministry writes it).
    noon_zenith = abs(latitude - sun_declination(place.century(transit)))
    asr_altitude = math.degrees(
        math.atan(1.0 / (method.asr_shadow + math.tan(math.radians(noon_zenith))))
    )
    subuh = place.at(-method.fajr_angle, rising=True)
    return DayTimes(
        date=date,
        imsak=subuh - method.imsak_minutes * MINUTE,
        subuh=subuh,
        terbit=place.at(method.horizon, rising=True),
        dhuha=place.at(method.dhuha_angle, rising=True),
        dzuhur=transit,
        ashar=place.at(asr_altitude, rising=False),
        maghrib=place.at(method.horizon, rising=False),
        isya=place.at(-method.isha_angle, rising=False),
    )


class _Place:
    """NOAA's solution for one place and local day, with astral's solar equations.

    astral's own `time_at_elevation` solves for a UTC day and wraps the result around
    midnight UTC, which skips a day for times near 00:00 UTC (07:00 WIB: Dhuha in Aceh).
    Counting from the UTC midnight that starts the local date and letting the minutes go
    negative or past 1440 keeps every time on the local day it belongs to.
    """

    def __init__(self, date: dt.date, latitude: float, longitude: float, tz: ZoneInfo) -> None:
        self.midnight = dt.datetime(date.year, date.month, date.day, tzinfo=dt.UTC)
        self.jd = julianday(date)
        self.latitude = latitude
        self.longitude = longitude
        self.tz = tz

    def century(self, moment: dt.datetime) -> float:
        days = (moment - self.midnight) / dt.timedelta(days=1)
        return julianday_to_juliancentury(self.jd + days)

    def transit(self) -> dt.datetime:
        return self._solve(lambda jc: 0.0)

    def at(self, altitude: float, *, rising: bool) -> dt.datetime:
        direction = SunDirection.RISING if rising else SunDirection.SETTING

        def hour_angle_of(jc: float) -> float:
            return math.degrees(
                hour_angle(self.latitude, sun_declination(jc), 90.0 - altitude, direction)
            )

        try:
            return self._solve(hour_angle_of)
        except ValueError:  # acos out of range: the sun never gets there that day
            raise ValueError(
                f"the sun does not reach {altitude:.2f} degrees on "
                f"{self.midnight.date().isoformat()} at latitude {self.latitude}"
            ) from None

    def _solve(self, hour_angle_of) -> dt.datetime:
        minutes = 720.0 - 4.0 * self.longitude  # first guess: mean solar time
        for _ in range(3):  # the sun moves little in a few hours: three rounds settle it
            jc = julianday_to_juliancentury(self.jd + minutes / 1440.0)
            minutes = 720.0 - 4.0 * (self.longitude + hour_angle_of(jc)) - eq_of_time(jc)
        return (self.midnight + dt.timedelta(minutes=minutes)).astimezone(self.tz)


def prayer_times(
    date: dt.date, latitude: float, longitude: float, tz: ZoneInfo, method: Method = KEMENAG
) -> DayTimes:
    """The day's times as the ministry publishes them: ihtiyat added, whole minutes."""
    sun = astronomical_times(date, latitude, longitude, tz, method)
    safety = method.ihtiyat_minutes * MINUTE
    subuh = _ceil_minute(sun.subuh + safety)
    return DayTimes(
        date=date,
        # Imsak is counted from the published Subuh, so the two always differ by 10 minutes.
        imsak=subuh - method.imsak_minutes * MINUTE,
        subuh=subuh,
        terbit=_floor_minute(sun.terbit - safety),
        dhuha=_ceil_minute(sun.dhuha + safety),
        dzuhur=_ceil_minute(sun.dzuhur + method.transit_minutes * MINUTE + safety),
        ashar=_ceil_minute(sun.ashar + safety),
        maghrib=_ceil_minute(sun.maghrib + safety),
        isya=_ceil_minute(sun.isya + safety),
    )


def _ceil_minute(moment: dt.datetime) -> dt.datetime:
    floor = _floor_minute(moment)
    return floor if floor == moment else floor + MINUTE


def _floor_minute(moment: dt.datetime) -> dt.datetime:
    return moment.replace(second=0, microsecond=0)


@dataclass(frozen=True)
class Notice:
    """ "Menjelang waktu sholat": a prayer is `minutes_left` minutes away (rounded up)."""

    prayer: str  # a key of PRAYERS
    at: dt.datetime
    minutes_left: int


def next_prayer(now: dt.datetime, today: DayTimes, tomorrow: DayTimes) -> tuple[str, dt.datetime]:
    """The first of the five at or after `now` (an aware time); after Isya, tomorrow's Subuh."""
    for key, at in [*today.prayers(), *tomorrow.prayers()]:
        if at >= now:
            return key, at
    raise ValueError(f"{now.isoformat()} is after {tomorrow.date.isoformat()}'s Isya")


def notice(now: dt.datetime, today: DayTimes, tomorrow: DayTimes, minutes: int) -> Notice | None:
    """The notice to show at `now`: from `minutes` before a prayer until its time, else None."""
    key, at = next_prayer(now, today, tomorrow)
    left = at - now
    if minutes <= 0 or left <= dt.timedelta(0) or left > minutes * MINUTE:
        return None
    return Notice(key, at, math.ceil(left / MINUTE))
