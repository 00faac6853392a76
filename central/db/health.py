"""The screens' health history: samples stored from status, pruned, read back for charts.

Each status message carries the screen's latest `machine` sample (player/wire/status.py);
the store keeps one row per sample here (`health_row`), the collector prunes rows older
than `collector.health_kept`, and the screen page draws the last 24 h (`chart`). What is
a warning is `player.wire.machinehealth.health_warnings`, one rule for all.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, delete, select

from central.db.schema import health_samples
from player.wire.isotime import parse_utc
from player.wire.machinehealth import HOT_C, WARM_C
from player.wire.status import MachineSection

COLUMNS = (
    "temp_c", "throttled", "under_voltage", "load_1m", "mem_available_bytes",
    "mem_total_bytes", "disk_free_bytes", "disk_total_bytes", "sd_read_only", "io_errors",
    "uptime_s", "wifi_signal_dbm", "modem_signal_percent",
)  # fmt: skip
_KINDS = {
    "throttled": bool,
    "under_voltage": bool,
    "sd_read_only": bool,
    "mem_available_bytes": int,
    "mem_total_bytes": int,
    "disk_free_bytes": int,
    "disk_total_bytes": int,
    "io_errors": int,
    "modem_signal_percent": int,
}  # fmt: skip  (the rest are floats)
CHART_WIDTH, CHART_HEIGHT = 600, 180  # the SVG's own units; the page scales it to fit


def sampled_at(machine: object) -> dt.datetime | None:
    """When a `machine` section was sampled, as naive UTC; None when it says not."""
    if not isinstance(machine, dict):
        return None
    try:
        return parse_utc(machine.get("sampled_at")).replace(tzinfo=None)
    except ValueError:
        return None


def health_row(player: str, machine: MachineSection) -> dict | None:
    """The health_samples row of one sample, or None when it has no time. A value of the
    wrong kind is stored as NULL (bounds are checked before, by the store)."""
    at = sampled_at(machine)
    if at is None:
        return None
    row: dict = {"player": player, "at": at}
    for column in COLUMNS:
        value = machine.get(column)
        kind = _KINDS.get(column, float)
        if kind is bool:
            row[column] = value if isinstance(value, bool) else None
        elif kind is int:
            row[column] = value if type(value) is int else None
        else:
            row[column] = float(value) if type(value) in (int, float) else None
    return row


def prune(connection: Connection, *, before: dt.datetime) -> int:
    """Delete samples older than `before` (naive UTC); how many went."""
    return connection.execute(delete(health_samples).where(health_samples.c.at < before)).rowcount


def history(connection: Connection, player: str, *, since: dt.datetime) -> list[dict]:
    """A screen's samples since `since` (naive UTC), oldest first."""
    rows = connection.execute(
        select(health_samples)
        .where(health_samples.c.player == player, health_samples.c.at >= since)
        .order_by(health_samples.c.at)
    )
    return [dict(row._mapping) for row in rows]


def chart(samples: list[dict], *, start: dt.datetime, end: dt.datetime) -> dict:
    """The temperature line of `samples` over `start`..`end`, in the SVG's units.

    Returns `{"lines": ["x,y x,y …", …] (one polyline per run without gaps), "dots":
    [[x, y], …] (a sample alone between gaps),
    "hot_y", "warm_y", "low", "high" (°C at the bottom and top), "flags": [x of samples
    under-voltage or throttled], "width", "height", "count"}`. A gap of more than
    10 minutes (screen off, collector down) breaks the line rather than bridging it.
    """
    temps = [s for s in samples if s.get("temp_c") is not None]
    values = [s["temp_c"] for s in temps]
    low = min([30.0, *values]) // 10 * 10
    high = max([90.0, *values]) // 10 * 10 + 10
    span = max((end - start).total_seconds(), 1.0)

    def x(at: dt.datetime) -> float:
        return round(CHART_WIDTH * (at - start).total_seconds() / span, 1)

    def y(celsius: float) -> float:
        return round(CHART_HEIGHT * (high - celsius) / (high - low), 1)

    lines: list[list[str]] = []
    previous: dt.datetime | None = None
    for sample in temps:
        if previous is None or sample["at"] - previous > dt.timedelta(minutes=10):
            lines.append([])
        lines[-1].append(f"{x(sample['at'])},{y(sample['temp_c'])}")
        previous = sample["at"]
    flags = [x(s["at"]) for s in samples if s.get("under_voltage") or s.get("throttled")]
    return {
        "lines": [" ".join(points) for points in lines if len(points) > 1],
        # A sample alone between gaps draws no line: a dot shows it.
        "dots": [points[0].split(",") for points in lines if len(points) == 1],
        "hot_y": y(HOT_C),
        "warm_y": y(WARM_C),
        "low": low,
        "high": high,
        "flags": flags,
        "width": CHART_WIDTH,
        "height": CHART_HEIGHT,
        "count": len(temps),
    }
