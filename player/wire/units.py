"""Sizes and durations spelled one way on both ends: 512 B, 1.5 kB, 8.0 GB; 90s, 5m, 2h."""

from __future__ import annotations

import re
from types import MappingProxyType

_UNITS = ("B", "kB", "MB", "GB", "TB")
_NUMBER_UNIT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$", re.IGNORECASE)
_SECONDS_PER = MappingProxyType(
    {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "hr": 3600, "d": 86400}
)


def format_size(n: object) -> str:
    """`n` bytes in SI units (k = 1000), one decimal from kB up; "?" for a non-number."""
    if isinstance(n, bool) or not isinstance(n, int | float):
        return "?"
    value, step = float(n), 0
    while abs(value) >= 1000 and step < len(_UNITS) - 1:
        value /= 1000
        step += 1
    return f"{value:.0f} B" if step == 0 else f"{value:.1f} {_UNITS[step]}"


def compact_size(n: int) -> str:
    """A size as a config value is written (`8GB`, `500MB`, `4kB`), exact where it can be."""
    for unit, factor in (("TB", 1000**4), ("GB", 1000**3), ("MB", 1000**2), ("kB", 1000)):
        if n >= factor:
            return f"{n / factor:g}{unit}"
    return f"{n}B"


def parse_duration(text: str, *, unit_required: bool = False) -> float:
    """Seconds in "90", "90s", "5m", "1.5h", "7d" (units case-blind: s/sec, m/min, h/hr, d).

    `unit_required` refuses a bare number: on a command line "2" may mean two hours.
    ValueError says what is accepted; callers add which setting or option it was.
    """
    match = _NUMBER_UNIT.match(text)
    unit = match.group(2).lower() if match else None
    if unit is None or (unit and unit not in _SECONDS_PER) or (unit_required and not unit):
        usage = "a number with its unit" if unit_required else "seconds, or a duration"
        raise ValueError(f"expected {usage} like 90s, 5m, 2h or 1d, got {text!r}")
    return float(match.group(1)) * _SECONDS_PER.get(unit, 1)


def format_duration(seconds: float) -> str:
    """Seconds for people: 12.5s, 3m00s, 1h05m, 2h00m30s."""
    seconds = round(seconds, 1)
    if seconds < 60:
        return f"{seconds:g}s"
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return f"{hours}h{minutes:02d}m" + (f"{secs:02d}s" if secs else "")
    return f"{minutes}m{secs:02d}s"
