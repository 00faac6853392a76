"""Which forecast periods a screen shows at a moment, and when a forecast is too old to show.

Pure: a `Forecast` (player/wire/weather.py) and `now` in, a decision out. A screen cut off
from the office keeps showing the last forecast it has, with its time, for MAX_AGE; after
that stale weather would mislead more than no weather, so the item is hidden instead.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from player.wire.weather import Forecast, Period

MAX_AGE = dt.timedelta(hours=24)  # from BMKG's analysis time; it issues twice a day
PERIOD = dt.timedelta(hours=3)  # BMKG's step: a period covers the three hours after its time
UPCOMING = 3  # periods shown after the current one


@dataclass(frozen=True)
class Outlook:
    """What to show at one moment: the period now and the next few."""

    current: Period
    upcoming: tuple[Period, ...]
    issued_at: dt.datetime


def hidden_because(forecast: Forecast, now: dt.datetime) -> str | None:
    """Why the forecast must not show at `now` (aware), or None when it may."""
    age = now - forecast.issued_at
    if age > MAX_AGE:
        hours = int(age / dt.timedelta(hours=1))
        return (
            f"the weather forecast is {hours} h old (issued {forecast.issued_at:%Y-%m-%d %H:%M} "
            f"UTC, shown for {int(MAX_AGE / dt.timedelta(hours=1))} h at most); hidden until "
            "the office sends a newer one (`videotron weather`)"
        )
    if not forecast.periods or forecast.periods[-1].at + PERIOD <= now:
        return "the weather forecast has no period for now or later; hidden until a newer one"
    if age < -PERIOD:  # the screen's clock is far behind, or the office's ahead
        return (
            f"the weather forecast is issued {forecast.issued_at:%Y-%m-%d %H:%M} UTC, after "
            "this screen's clock; check the clock (NTP)"
        )
    return None


def outlook_at(forecast: Forecast, now: dt.datetime) -> Outlook | None:
    """The period covering `now` (else the first to come) and the ones after it, or None
    when the forecast is hidden (see `hidden_because`)."""
    if hidden_because(forecast, now) is not None:
        return None
    periods = forecast.periods
    index = 0
    for i, period in enumerate(periods):
        if period.at <= now:
            index = i
    if now - periods[index].at >= PERIOD and index + 1 < len(periods):
        index += 1  # a gap in the forecast: the next one rather than an old one
    return Outlook(
        current=periods[index],
        upcoming=tuple(periods[index + 1 : index + 1 + UPCOMING]),
        issued_at=forecast.issued_at,
    )
