"""Prayer times by the ministry's method: against adhanpy for a year, ihtiyat, the notice."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from adhanpy.calculation.CalculationParameters import CalculationParameters
from adhanpy.PrayerTimes import PrayerTimes

from player.localinfo import prayer

# (latitude, longitude, zone): a city in each of Indonesia's three zones, Bogor beside
# Jakarta, and Banda Aceh, whose Dhuha falls at 00:00 UTC (where astral's own solver skips).
CITIES = {
    "jakarta": (-6.2088, 106.8456, "Asia/Jakarta"),
    "bogor": (-6.5971, 106.8060, "Asia/Jakarta"),
    "makassar": (-5.1477, 119.4327, "Asia/Makassar"),
    "jayapura": (-2.5337, 140.7181, "Asia/Jayapura"),
    "banda_aceh": (5.5483, 95.3238, "Asia/Jakarta"),
}
ADHAN_NAMES = {
    "subuh": "fajr",
    "terbit": "sunrise",
    "dzuhur": "dhuhr",
    "ashar": "asr",
    "maghrib": "maghrib",
    "isya": "isha",
}
# adhanpy's sunrise and sunset are the textbook sea-level horizon (50' below); the
# ministry's published times sit on a lower one (Method.horizon, test_kemenag_schedule.py).
SEA_LEVEL = prayer.Method(horizon=-50 / 60)
# Every fourth day of a year: each season, both solstices and equinoxes within two days.
DAYS = [dt.date(2026, 1, 1) + dt.timedelta(days=n) for n in range(0, 365, 4)]


def adhan(date: dt.date, latitude: float, longitude: float, tz: ZoneInfo) -> PrayerTimes:
    """adhanpy (a port of the Adhan library, Meeus's algorithms) with the ministry's angles."""
    parameters = CalculationParameters(fajr_angle=20.0, isha_angle=18.0)  # Shafi'i by default
    moment = dt.datetime(date.year, date.month, date.day)
    return PrayerTimes((latitude, longitude), moment, calculation_parameters=parameters,
                       time_zone=tz)  # fmt: skip


@pytest.mark.parametrize("city", CITIES)
def test_the_sun_agrees_with_adhanpy_within_a_minute_all_year(city):
    latitude, longitude, zone = CITIES[city]
    tz = ZoneInfo(zone)
    worst = dt.timedelta(0)
    for day in DAYS:
        ours = prayer.astronomical_times(day, latitude, longitude, tz, SEA_LEVEL)
        theirs = adhan(day, latitude, longitude, tz)
        for key, name in ADHAN_NAMES.items():
            ours_at = getattr(ours, key)
            assert ours_at.date() == day, (city, day, key, ours_at)
            # adhanpy rounds to the nearest minute, so up to 30 s of this is its rounding.
            worst = max(worst, abs(ours_at - getattr(theirs, name).astimezone(tz)))
    assert worst <= dt.timedelta(minutes=1), (city, worst)


def test_ihtiyat_adds_two_minutes_rounded_up_and_takes_two_off_sunrise():
    """And Dzuhur comes a minute after the transit before its ihtiyat, as published."""
    latitude, longitude, zone = CITIES["jakarta"]
    tz = ZoneInfo(zone)
    for day in DAYS[::10]:
        sun = prayer.astronomical_times(day, latitude, longitude, tz)
        published = prayer.prayer_times(day, latitude, longitude, tz)
        for key in ("subuh", "dhuha", "dzuhur", "ashar", "maghrib", "isya"):
            at = getattr(published, key)
            assert at.second == 0 and at.microsecond == 0
            least = dt.timedelta(minutes=3 if key == "dzuhur" else 2)
            assert least <= at - getattr(sun, key) < least + prayer.MINUTE, (day, key)
        before = sun.terbit - published.terbit
        assert dt.timedelta(minutes=2) <= before < dt.timedelta(minutes=3)
        assert published.subuh - published.imsak == dt.timedelta(minutes=10)


def test_jakarta_times_fall_where_its_schedules_put_them_through_the_year():
    """Bounds any Jakarta schedule (WIB) satisfies; a wrong zone or sign fails them by hours."""
    latitude, longitude, zone = CITIES["jakarta"]
    tz = ZoneInfo(zone)
    bounds = {
        "subuh": ("04:00", "04:45"),
        "dzuhur": ("11:35", "12:10"),
        "ashar": ("14:35", "15:35"),
        "maghrib": ("17:40", "18:25"),
        "isya": ("18:50", "19:40"),
    }
    for day in DAYS:
        times = prayer.prayer_times(day, latitude, longitude, tz)
        for key, (low, high) in bounds.items():
            assert low <= getattr(times, key).strftime("%H:%M") <= high, (day, key)


def test_later_east_earlier_by_the_clock_across_zones():
    """Jayapura's clock runs two hours ahead of Jakarta's; its sun is 34 degrees further east."""
    day = dt.date(2026, 6, 21)
    jakarta = prayer.prayer_times(day, *CITIES["jakarta"][:2], ZoneInfo("Asia/Jakarta"))
    jayapura = prayer.prayer_times(day, *CITIES["jayapura"][:2], ZoneInfo("Asia/Jayapura"))
    assert jakarta.dzuhur.utcoffset() == dt.timedelta(hours=7)
    assert jayapura.dzuhur.utcoffset() == dt.timedelta(hours=9)
    shift = jakarta.dzuhur.astimezone(dt.UTC) - jayapura.dzuhur.astimezone(dt.UTC)
    # 33.87 degrees of longitude at 4 minutes a degree
    assert abs(shift - dt.timedelta(minutes=33.87 * 4)) < dt.timedelta(minutes=1.5)


def test_the_notice_shows_from_n_minutes_before_until_the_time():
    latitude, longitude, zone = CITIES["makassar"]
    tz = ZoneInfo(zone)
    day = dt.date(2026, 12, 7)
    today = prayer.prayer_times(day, latitude, longitude, tz)
    tomorrow = prayer.prayer_times(day + dt.timedelta(days=1), latitude, longitude, tz)
    dzuhur = today.dzuhur
    minute = dt.timedelta(minutes=1)

    def at(moment):
        return prayer.notice(moment, today, tomorrow, 10)

    assert at(dzuhur - 10 * minute - dt.timedelta(seconds=1)) is None
    assert at(dzuhur - 10 * minute) == prayer.Notice("dzuhur", dzuhur, 10)
    assert at(dzuhur - dt.timedelta(minutes=4, seconds=30)).minutes_left == 5
    assert at(dzuhur - dt.timedelta(seconds=1)).minutes_left == 1
    assert at(dzuhur) is None  # the time itself: the adhan, no longer "menjelang"
    assert at(dzuhur + minute) is None
    assert prayer.notice(dzuhur - minute, today, tomorrow, 0) is None  # 0 turns it off
    # After Isya the next is tomorrow's Subuh.
    late = tomorrow.subuh - 3 * minute
    assert at(late) == prayer.Notice("subuh", tomorrow.subuh, 3)
    assert prayer.next_prayer(today.isya + minute, today, tomorrow) == ("subuh", tomorrow.subuh)


def test_a_place_off_the_earth_is_refused_with_its_values():
    with pytest.raises(ValueError, match="latitude 95"):
        prayer.prayer_times(dt.date(2026, 1, 1), 95, 106, ZoneInfo("Asia/Jakarta"))
