"""Sunrise and sunset at the screen's location (astral, NOAA's equations), or a stated guess.

Imported by the brightness keeper only, which starts after the first frame: astral stays
off the start path (tests/test_start_path.py).
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from player.led.plan import SunTimes

# Indonesia lies within 11 degrees of the equator: sunrise and sunset stay within about
# half an hour of these all year. Used only while location.latitude/longitude are not set.
ASSUMED_SUNRISE = dt.time(6, 0)
ASSUMED_SUNSET = dt.time(18, 0)


def sun_times(day: dt.date, tz: ZoneInfo, latitude: float | None, longitude: float | None):
    """The sun's times for the local `day`; without a place, 06:00 and 18:00 marked assumed."""
    if latitude is None or longitude is None:
        return SunTimes(
            dt.datetime.combine(day, ASSUMED_SUNRISE, tz),
            dt.datetime.combine(day, ASSUMED_SUNSET, tz),
            assumed=True,
        )
    from astral import Observer
    from astral.sun import sunrise, sunset

    observer = Observer(latitude=latitude, longitude=longitude)
    return SunTimes(sunrise(observer, day, tzinfo=tz), sunset(observer, day, tzinfo=tz))
