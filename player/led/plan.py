"""The level a wall should have now: the plan's step or the sensor's curve, within the limits.

Pure: no I/O and no clock. The caller passes `now` (aware, in the screen's time zone), the
sun's times for a local day and the sensor's reading, and gets the level and why.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass

from player.config.model import BrightnessConfig
from player.wire.manifest import BrightnessPlan, BrightnessStep, SensorCurve

NO_PLAN_LEVEL = 100  # percent: without a plan the wall is as bright as the site allows


@dataclass(frozen=True)
class SunTimes:
    """Sunrise and sunset of one local day (aware); `assumed` when the location is not set."""

    sunrise: dt.datetime
    sunset: dt.datetime
    assumed: bool = False


SunFor = Callable[[dt.date], SunTimes]


@dataclass(frozen=True)
class Level:
    """What the wall should show, in percent, where that came from and until when."""

    percent: int
    source: str  # plan, sensor, failsafe, none (no plan)
    reason: str  # for the log and the status: "sunset -15 min step", "sensor 340 lux"
    until: dt.datetime | None = None  # the next step's moment (None: sensor or no plan)


def clamp(percent: int, limits: BrightnessConfig) -> int:
    """Within the technician's floor and ceiling; a floor above the ceiling loses."""
    return max(0, min(limits.ceiling, max(limits.floor, percent)))


def step_moment(step: BrightnessStep, day: dt.date, tz: dt.tzinfo, sun: SunFor) -> dt.datetime:
    """When `step` starts on the local `day`."""
    if step.sun is None:
        return dt.datetime.combine(day, step.at, tz)
    times = sun(day)
    event = times.sunrise if step.sun == "sunrise" else times.sunset
    return event.astimezone(tz) + dt.timedelta(minutes=step.offset_minutes)


def _describe(step: BrightnessStep) -> str:
    if step.sun is None:
        return f"{step.at:%H:%M} step"
    offset = f" {step.offset_minutes:+d} min" if step.offset_minutes else ""
    return f"{step.sun}{offset} step"


def scheduled(plan: BrightnessPlan, now: dt.datetime, sun: SunFor) -> Level:
    """The step in force at `now`: the latest one started, yesterday's last before today's first."""
    tz = now.tzinfo
    today = now.date()
    moments = []
    for day in (today - dt.timedelta(days=1), today, today + dt.timedelta(days=1)):
        moments += [(step_moment(step, day, tz, sun), i, step) for i, step in enumerate(plan.steps)]
    moments.sort(key=lambda m: (m[0], m[1]))
    current = moments[0]
    following = None
    for entry in moments:
        if entry[0] <= now:
            current = entry
        elif following is None:
            following = entry
    step = current[2]
    return Level(step.level, "plan", _describe(step), following[0] if following else None)


def from_sensor(curve: SensorCurve, lux: float) -> int:
    """The curve's level for `lux`: straight on a log scale between its dark and bright ends."""
    if lux <= curve.dark_lux:
        return curve.dark_level
    if lux >= curve.bright_lux:
        return curve.bright_level
    part = math.log(lux / curve.dark_lux) / math.log(curve.bright_lux / curve.dark_lux)
    return round(curve.dark_level + part * (curve.bright_level - curve.dark_level))


def wanted(
    plan: BrightnessPlan | None,
    now: dt.datetime,
    sun: SunFor,
    limits: BrightnessConfig,
    *,
    has_sensor: bool = False,
    lux: float | None = None,
) -> Level:
    """The level for `now`, clamped to the site's limits.

    A plan with a sensor curve follows the sensor where the sending card has one; a sensor
    that stops answering (`lux` None) gives the failsafe level. Without a sensor on the card
    the plan's steps are followed.
    """
    if plan is None:
        return Level(clamp(NO_PLAN_LEVEL, limits), "none", "no brightness plan")
    if plan.sensor is not None and has_sensor:
        if lux is None:
            return Level(clamp(limits.failsafe, limits), "failsafe", "light sensor not answering")
        level = from_sensor(plan.sensor, lux)
        return Level(clamp(level, limits), "sensor", f"sensor {lux:g} lux")
    level = scheduled(plan, now, sun)
    return Level(clamp(level.percent, limits), level.source, level.reason, level.until)
