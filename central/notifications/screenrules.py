"""What is wrong with the screens now: offline, behind, hot, under-voltage, disk, alerts (pure).

Each rule reads plain data: a fleet row (`central.db.fleet.fleet_summary`), a screen's health
readings (its status's `machine` section: `temp_c`, `under_voltage`, `disk_free_bytes`, …)
judged by the one set of thresholds in `player.wire.machinehealth`, an alert in force
(`central.db.alerts.active_alerts`). `conditions` turns them all into Conditions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

from central.notifications.events import (
    SCREEN_ALERT_MISSED,
    SCREEN_BEHIND,
    SCREEN_DISK_FULL,
    SCREEN_HOT,
    SCREEN_OFFLINE,
    SCREEN_SD_FAILING,
    SCREEN_UNDER_VOLTAGE,
)
from central.notifications.incidents import Condition
from central.notifications.settings import ScreenRules
from player.wire.machinehealth import DISK_LOW, HOT_C, disk_free_share
from player.wire.units import format_size

HOT_HYSTERESIS = 5.0  # °C below the limit before "too hot" is over: no message per degree


def hold(rules: ScreenRules) -> dict[str, dt.timedelta]:
    """How long each kind lasts before the office is told of it (health kinds: at once)."""
    return {SCREEN_OFFLINE: rules.offline_after, SCREEN_BEHIND: rules.behind_after,
            SCREEN_ALERT_MISSED: rules.alert_after}  # fmt: skip


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def too_hot(health: Mapping, already: bool = False) -> dict | None:
    """Facts when the SoC is at or over HOT_C (once hot: until HOT_HYSTERESIS below)."""
    temp = _number(health.get("temp_c"))
    if temp is None or temp < (HOT_C - HOT_HYSTERESIS if already else HOT_C):
        return None
    throttled = " throttled" if health.get("throttled") is True else ""
    return {"detail": f"{temp:.1f} °C{throttled}"}


def under_voltage(health: Mapping) -> dict | None:
    """Facts when the firmware reports under-voltage now."""
    return {"detail": "under-voltage"} if health.get("under_voltage") is True else None


def disk_nearly_full(health: Mapping) -> dict | None:
    """Facts when less than DISK_LOW of the cache's disk is free."""
    share = disk_free_share(health)
    if share is None or share >= DISK_LOW:
        return None
    return {"detail": f"{share * 100:.0f}% free ({format_size(int(health['disk_free_bytes']))})"}


def sd_read_only(health: Mapping) -> dict | None:
    """Facts when the SD card was remounted read-only (the kernel's sign of a failing card)."""
    return {"detail": "read-only"} if health.get("sd_read_only") is True else None


def conditions(
    fleet: Iterable[Mapping],
    health: Mapping[str, Mapping],
    alerts: Iterable[Mapping],
    rules: ScreenRules,
    *,
    hot_now: frozenset[str] = frozenset(),
    listening_since: dt.datetime | None = None,
) -> tuple[list[Condition], frozenset[str]]:
    """The conditions of the screens now, and the screens nothing is known of now (offline).

    `fleet` are `fleet_summary` rows, `health` each player's readings, `alerts`
    `active_alerts` entries, `hot_now` the screens with a "too hot" incident open.
    A screen "not reporting" counts as silent only from `listening_since` on (the
    collector's start): while the collector was away, the screens' silence is its own.
    """
    found: list[Condition] = []
    unknown = set()
    for screen in fleet:
        player, group = screen["player"], screen["group"] or ""
        if screen["state"] != "online":
            unknown.add(player)
            since = screen["state_since"] or screen["last_seen"]
            if screen["state"] == "not reporting" and listening_since is not None:
                since = max(since, listening_since)
            reason = screen.get("offline_reason") or screen["state"]
            found.append(Condition(SCREEN_OFFLINE, player, group, {"detail": str(reason)}, since))
            continue
        if screen["behind"]:
            detail = f"#{screen['manifest_sequence']} < #{screen['latest_sequence']}"
            found.append(Condition(SCREEN_BEHIND, player, group, {"detail": detail}))
        readings = health.get(player) or {}
        checks = (
            (SCREEN_HOT, too_hot(readings, player in hot_now)),
            (SCREEN_UNDER_VOLTAGE, under_voltage(readings)),
            (SCREEN_DISK_FULL, disk_nearly_full(readings)),
            (SCREEN_SD_FAILING, sd_read_only(readings)),
        )
        found += [Condition(kind, player, group, facts) for kind, facts in checks if facts]
    for alert in alerts:
        if not alert.get("in_force") or not alert.get("not_showing"):
            continue
        title = alert.get("headline") or alert.get("text") or alert["id"]
        missing = ", ".join(alert["not_showing"])
        facts = {"name": str(title)[:120], "detail": missing}  # "- title: the screens"
        subject, group = f"{alert['id']}@{alert['group']}", alert["group"]
        found.append(Condition(SCREEN_ALERT_MISSED, subject, group, facts, alert["sent_at"]))
    return found, frozenset(unknown)
