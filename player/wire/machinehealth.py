"""Health thresholds: which of a screen's machine values are a warning and which critical.

One rule for `videotron status`, the console's fleet and screen pages and the office's
notifications, so they never disagree on what "too hot" is.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

HOT_C = 80.0  # °C: the firmware's soft limit begins at 80 (throttling down to 85)
WARM_C = 70.0  # °C: still plays, but the cabinet's cooling is not keeping up
DISK_LOW = 0.10  # share of the cache's file system free under which the disk is low
DISK_CRITICAL = 0.05
WARNING, CRITICAL = "warning", "critical"


@dataclass(frozen=True)
class HealthWarning:
    """One threshold crossed: `code` names it (hot, warm, under_voltage, …), `level` is
    warning or critical, `value` what was read."""

    code: str
    level: str
    value: object


def health_warnings(machine: Mapping) -> list[HealthWarning]:
    """The thresholds `machine` (a status message's `machine` section) crosses, worst first."""
    found: list[HealthWarning] = []
    temp = _number(machine.get("temp_c"))
    if temp is not None and temp >= HOT_C:
        found.append(HealthWarning("hot", CRITICAL, temp))
    elif temp is not None and temp >= WARM_C:
        found.append(HealthWarning("warm", WARNING, temp))
    if machine.get("under_voltage") is True:
        found.append(HealthWarning("under_voltage", CRITICAL, True))
    elif machine.get("under_voltage_since_boot") is True:
        found.append(HealthWarning("under_voltage_since_boot", WARNING, True))
    if machine.get("throttled") is True:
        found.append(HealthWarning("throttled", WARNING, True))
    if machine.get("sd_read_only") is True:
        found.append(HealthWarning("sd_read_only", CRITICAL, True))
    share = disk_free_share(machine)
    if share is not None and share < DISK_LOW:
        level = CRITICAL if share < DISK_CRITICAL else WARNING
        found.append(HealthWarning("disk_low", level, round(100 * share, 1)))
    errors = _number(machine.get("io_errors"))
    if errors:
        found.append(HealthWarning("io_errors", WARNING, int(errors)))
    return sorted(found, key=lambda w: w.level != CRITICAL)


def disk_free_share(machine: Mapping) -> float | None:
    """Free over total of the cache's file system (0..1), or None when not reported."""
    free, total = _number(machine.get("disk_free_bytes")), _number(machine.get("disk_total_bytes"))
    if free is None or not total:
        return None
    return free / total


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return value
