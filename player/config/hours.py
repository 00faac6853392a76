"""Operating hours in the config: per-weekday on-windows, shorthands, midnight crossing."""

from __future__ import annotations

import datetime as dt
import difflib
import re
from types import MappingProxyType

from player.config import model
from player.wire.located import Context, Invalid, Located, shown

WEEKDAYS = model.WEEKDAYS


# Operating hours: per weekday key, or the shorthands; the most specific key wins.
_DAY_GROUPS = (("weekdays", range(5)), ("weekend", range(5, 7)), ("default", range(7)))
DAY_KEYS = (*WEEKDAYS, *(name for name, _ in _DAY_GROUPS))
_DAY_ALIASES = MappingProxyType(
    {"monday": "mon", "tuesday": "tue", "wednesday": "wed", "thursday": "thu", "friday": "fri",
     "saturday": "sat", "sunday": "sun", "senin": "mon", "selasa": "tue", "rabu": "wed",
     "kamis": "thu", "jumat": "fri", "sabtu": "sat", "minggu": "sun", "daily": "default",
     "weekday": "weekdays", "weekends": "weekend"}
)  # fmt: skip
ALL_DAY = (model.TimeWindow(dt.time(0), dt.time(0)),)
_WINDOW = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*[-\u2013]\s*(\d{1,2}):(\d{2})\s*$")


def _time_window(v: Located) -> model.TimeWindow:
    usage = 'expected a time window like "06:00-22:00"'
    if not isinstance(v.value, str):
        raise Invalid(f"{usage}, got {shown(v)}", v)
    m = _WINDOW.match(v.value)
    if not m:
        raise Invalid(f"{usage}, got {v.value!r}", v)
    h1, m1, h2, m2 = map(int, m.groups())
    if h1 > 23 or m1 > 59:
        raise Invalid(f"{v.value!r}: start {h1:02d}:{m1:02d} is not a time (00:00 to 23:59)", v)
    if (h2, m2) != (24, 0) and (h2 > 23 or m2 > 59):
        raise Invalid(f"{v.value!r}: end {h2:02d}:{m2:02d} is not a time (00:00 to 24:00)", v)
    if (h1, m1) == (h2, m2):
        raise Invalid(f"{v.value!r} is empty; write on (or 00:00-24:00) for all day", v)
    return model.TimeWindow(dt.time(h1, m1), dt.time(h2 % 24, m2))


def _day_windows(v: Located) -> tuple[model.TimeWindow, ...]:
    word = v.value.strip().lower() if isinstance(v.value, str) else v.value
    if word in (True, "on", "always"):
        return ALL_DAY
    if word in (False, "off") or word == []:
        return ()
    items = v.value if isinstance(v.value, list) else [v]
    windows, errors = [], []
    for item in items:
        try:
            windows.append(_time_window(item))
        except Invalid as exc:
            errors.append(exc)
    if errors:
        raise Invalid.joined(errors)
    return tuple(windows)


def operating_hours(v: Located, ctx: Context) -> model.OperatingHours:
    """`mon: ["06:00-22:00"]`, `weekend: off`, `default: on`; windows may cross midnight."""
    if not isinstance(v.value, dict):
        raise Invalid(f'expected days with on-times, e.g. mon: ["06:00-22:00"], got {shown(v)}')
    given: dict[str, tuple[model.TimeWindow, ...]] = {}
    errors = []
    for key, loc in v.value.items():
        if key not in DAY_KEYS:
            guess = _DAY_ALIASES.get(key.lower()) or next(
                iter(difflib.get_close_matches(key.lower(), DAY_KEYS, 1, 0.6)), None
            )
            tip = f"did you mean {guess}? " if guess else ""
            message = f"unknown day {key!r}; {tip}Use mon … sun, weekdays, weekend or default"
            errors.append(Invalid(message, loc.key_position(), key))
            continue
        try:
            given[key] = _day_windows(loc)
        except Invalid as exc:
            errors.append(Invalid.joined([exc], key))
    if errors:
        raise Invalid.joined(errors)
    days = {}
    for index, name in enumerate(WEEKDAYS):
        keys = [name] + [group for group, members in _DAY_GROUPS if index in members]
        days[index] = next((given[k] for k in keys if k in given), ALL_DAY)  # unlisted: on
    if all(windows == ALL_DAY for windows in days.values()):
        return model.OperatingHours()
    return model.OperatingHours(days)
