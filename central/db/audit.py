"""The audit log: one writer and one row shape for everything the office does, by anyone."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable

from sqlalchemy import Connection, insert, select

from central.db.schema import audit


def naive(moment: dt.datetime) -> dt.datetime:
    """`moment` as naive UTC, as the database keeps times."""
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(dt.UTC).replace(tzinfo=None)


def record(
    connection: Connection,
    now: dt.datetime,
    actor: str,
    action: str,
    target: str | None,
    *,
    detail: dict | None = None,
) -> int:
    """One line in the audit log: who did what to what, when; returns its row id.

    `actor` is a console login, "command line (USER)", "cap-watch" or "console" (the
    server itself); `detail` is stored as JSON. Every writer of the audit table calls this.
    """
    result = connection.execute(
        insert(audit).values(
            at=naive(now),
            actor=actor[:128],
            action=action[:64],
            target=(target or "")[:256] or None,
            detail=json.dumps(detail, ensure_ascii=False, sort_keys=True)
            if detail is not None
            else None,
        )
    )
    return int(result.inserted_primary_key[0])


def detail_of(text: str | None) -> dict:
    """A row's detail JSON as a dict ({} when missing or not an object)."""
    try:
        value = json.loads(text) if text else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def recent_audit(
    connection: Connection, limit: int = 100, *, actions: Iterable[str] | None = None
) -> list[dict]:
    """The newest audit rows first: `[{"at", "actor", "action", "target", "detail": dict}]`."""
    query = select(audit).order_by(audit.c.id.desc()).limit(limit)
    if actions:
        query = query.where(audit.c.action.in_(tuple(actions)))
    return [
        {"at": row.at, "actor": row.actor, "action": row.action, "target": row.target,
         "detail": detail_of(row.detail)}
        for row in connection.execute(query)
    ]  # fmt: skip
