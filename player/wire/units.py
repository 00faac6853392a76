"""Byte sizes as people read them, spelled one way on both ends: 512 B, 1.5 kB, 3.2 MB, 8.0 GB."""

from __future__ import annotations

_UNITS = ("B", "kB", "MB", "GB", "TB")


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
