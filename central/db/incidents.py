"""Incidents the office is told of, kept so a restart tells nothing twice; screens' health read.

The notifications' screen watch (central/notifications/watch.py) reads what is still open or
owes its recovery notice, and writes each change in the same transaction that decides it;
the messages are posted only after that commit, so a crash can lose a message but never
send one twice. Times are naive UTC, as everywhere in the database.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from sqlalchemy import Connection, and_, false, func, insert, or_, select, update

from central.db.schema import incidents, screens


@dataclass(frozen=True)
class Incident:
    """One kept incident: a condition of one subject (a screen, or an alert in a group)."""

    kind: str
    subject: str
    group: str
    started_at: dt.datetime
    facts: Mapping[str, str | int | float] = field(default_factory=dict)
    told_at: dt.datetime | None = None
    ended_at: dt.datetime | None = None
    id: int | None = None  # None until it is kept

    @property
    def key(self) -> tuple[str, str]:
        return (self.kind, self.subject)


WATCH_LOCK = 0x76740028  # PostgreSQL advisory lock key of the screen watch ("vt", issue 28)


def claim(connection: Connection) -> None:
    """Hold the watch's lock until this transaction ends, so that two collectors sharing the
    database look in turn (neither tells what the other just told), and on SQLite take the
    write lock before reading (a read turned write later may find the snapshot stale)."""
    if connection.dialect.name == "postgresql":
        connection.execute(select(func.pg_advisory_xact_lock(WATCH_LOCK)))
    else:
        connection.execute(update(incidents).where(false()).values(kind=incidents.c.kind))


def pending(connection: Connection) -> list[Incident]:
    """Incidents still open, and those that ended after being told whose recovery is not told."""
    query = (
        select(incidents)
        .where(
            or_(
                incidents.c.ended_at.is_(None),
                and_(incidents.c.told_at.is_not(None), incidents.c.told_end_at.is_(None)),
            )
        )
        .order_by(incidents.c.id)
    )
    return [
        Incident(
            row.kind,
            row.subject,
            row.group,
            row.started_at,
            _facts(row.facts),
            row.told_at,
            row.ended_at,
            row.id,
        )
        for row in connection.execute(query)
    ]


def open_incidents(connection: Connection, found: Iterable[Incident]) -> None:
    """Keep newly found incidents (with `told_at` when they were told at once)."""
    rows = [
        {
            "kind": i.kind,
            "subject": i.subject,
            "group": i.group,
            "started_at": i.started_at,
            "facts": json.dumps(dict(i.facts), sort_keys=True),
            "told_at": i.told_at,
        }
        for i in found
    ]
    if rows:
        connection.execute(insert(incidents), rows)


def mark_told(connection: Connection, ids: Iterable[int], at: dt.datetime) -> None:
    """The office was told these incidents began."""
    _set(connection, ids, told_at=at)


def mark_ended(connection: Connection, ids: Iterable[int], at: dt.datetime) -> None:
    """These incidents' conditions are gone."""
    _set(connection, ids, ended_at=at)


def mark_told_end(connection: Connection, ids: Iterable[int], at: dt.datetime) -> None:
    """The office was told these incidents ended."""
    _set(connection, ids, told_end_at=at)


def _set(connection: Connection, ids: Iterable[int], **values: dt.datetime) -> None:
    ids = list(ids)
    if ids:
        connection.execute(update(incidents).where(incidents.c.id.in_(ids)).values(**values))


def incident_log(connection: Connection, *, limit: int = 100) -> list[dict]:
    """The latest incidents, newest first, as dicts of their columns (facts parsed)."""
    query = select(incidents).order_by(incidents.c.id.desc()).limit(limit)
    return [{**row._asdict(), "facts": _facts(row.facts)} for row in connection.execute(query)]


def health_readings(connection: Connection) -> dict[str, Mapping]:
    """Player id -> the `machine` section of its latest status (temp_c, under_voltage,
    throttled, disk_free_bytes, disk_total_bytes, sd_read_only, ...); {} when it sent none."""
    readings = {}
    for player, text in connection.execute(select(screens.c.player, screens.c.status)):
        try:
            status = json.loads(text) if text else {}
        except ValueError:
            status = {}
        health = status.get("machine") if isinstance(status, dict) else None
        readings[player] = health if isinstance(health, dict) else {}
    return readings


def _facts(text: str | None) -> dict:
    try:
        value = json.loads(text) if text else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
