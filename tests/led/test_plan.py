"""The brightness plan, pure: steps by the clock and the sun, the sensor's curve, the limits."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from adhanpy.calculation.CalculationParameters import CalculationParameters
from adhanpy.PrayerTimes import PrayerTimes

from player.config.model import BrightnessConfig
from player.led.plan import from_sensor, wanted
from player.led.sun import sun_times
from player.wire.brightness import plan_from_raw
from player.wire.manifest import SensorCurve

WIB = ZoneInfo("Asia/Jakarta")
JAKARTA = (-6.2088, 106.8456)
BOGOR = (-6.5971, 106.8060)
LIMITS = BrightnessConfig()
PLAN = plan_from_raw(
    {
        "steps": [
            {"at": "05:00", "level": 40},
            {"at": "sunrise", "offset": 30, "level": 100},
            {"at": "sunset", "offset": -15, "level": 70},
            {"at": "22:00", "level": 30},
        ]
    },
    "brightness",
)


def at(day: dt.date, hh: int, mm: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hh, mm), WIB)


def sun_at(place):
    return lambda day: sun_times(day, WIB, *place)


def test_clock_steps_hold_until_the_next_and_before_the_first_yesterdays_last_holds():
    day = dt.date(2026, 12, 7)
    sun = sun_at(JAKARTA)
    assert wanted(PLAN, at(day, 4, 59), sun, LIMITS).percent == 30  # yesterday's 22:00 step
    level = wanted(PLAN, at(day, 5, 0), sun, LIMITS)
    assert (level.percent, level.source, level.reason) == (40, "plan", "05:00 step")
    assert level.until == sun(day).sunrise + dt.timedelta(minutes=30)
    assert wanted(PLAN, at(day, 23, 0), sun, LIMITS).percent == 30


@pytest.mark.parametrize("place", [JAKARTA, BOGOR], ids=["jakarta", "bogor"])
def test_sun_steps_start_at_the_computed_sunrise_and_sunset(place):
    for day in (dt.date(2026, 6, 21), dt.date(2026, 12, 21)):
        times = sun_at(place)(day)
        # An independent implementation (adhanpy, Meeus's algorithms) agrees within a minute.
        angles = CalculationParameters(fajr_angle=20.0, isha_angle=18.0)
        moment = dt.datetime(day.year, day.month, day.day)
        theirs = PrayerTimes(place, moment, calculation_parameters=angles, time_zone=WIB)
        assert abs(times.sunrise - theirs.sunrise) <= dt.timedelta(minutes=1)
        assert abs(times.sunset - theirs.maghrib) <= dt.timedelta(minutes=1)
        bright = times.sunrise + dt.timedelta(minutes=30)
        dusk = times.sunset - dt.timedelta(minutes=15)
        second = dt.timedelta(seconds=1)
        assert wanted(PLAN, bright - second, sun_at(place), LIMITS).percent == 40
        assert wanted(PLAN, bright, sun_at(place), LIMITS).percent == 100
        assert wanted(PLAN, dusk - second, sun_at(place), LIMITS).percent == 100
        level = wanted(PLAN, dusk, sun_at(place), LIMITS)
        assert (level.percent, level.reason) == (70, "sunset -15 min step")


def test_without_a_location_the_sun_is_assumed_at_six_and_eighteen():
    times = sun_times(dt.date(2026, 12, 7), WIB, None, None)
    assert times.assumed
    assert (times.sunrise.time(), times.sunset.time()) == (dt.time(6), dt.time(18))


def test_the_technicians_ceiling_and_floor_bound_every_level():
    sun = sun_at(JAKARTA)
    day = dt.date(2026, 12, 7)
    limits = BrightnessConfig(ceiling=80, floor=35)
    assert wanted(PLAN, at(day, 12), sun, limits).percent == 80
    assert wanted(PLAN, at(day, 23), sun, limits).percent == 35
    assert wanted(None, at(day, 12), sun, limits).source == "none"
    assert wanted(None, at(day, 12), sun, limits).percent == 80
    # A floor set above the ceiling: the ceiling wins (a wall never brighter than allowed).
    assert wanted(PLAN, at(day, 23), sun, BrightnessConfig(ceiling=50, floor=90)).percent == 50


def test_the_sensor_curve_and_its_failsafe():
    curve = SensorCurve(dark_lux=10, bright_lux=10_000, dark_level=20, bright_level=100)
    assert [from_sensor(curve, lux) for lux in (1, 10, 100, 1000, 10_000, 99_999)] == [
        20, 20, 47, 73, 100, 100,
    ]  # fmt: skip
    plan = plan_from_raw(
        {"steps": [{"at": "00:00", "level": 50}], "sensor": {
            "dark_lux": 10, "bright_lux": 10000, "dark_level": 20, "bright_level": 100}},
        "brightness",
    )  # fmt: skip
    now, sun = at(dt.date(2026, 12, 7), 12), sun_at(JAKARTA)
    limits = BrightnessConfig(failsafe=55)
    assert wanted(plan, now, sun, limits, has_sensor=True, lux=100).percent == 47
    failsafe = wanted(plan, now, sun, limits, has_sensor=True, lux=None)
    assert (failsafe.percent, failsafe.source) == (55, "failsafe")
    # A card without a sensor: the plan's steps.
    assert wanted(plan, now, sun, limits, has_sensor=False).percent == 50
