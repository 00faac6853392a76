"""The content workflow as stored: library media, contributors' groups, submissions, campaigns."""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import Connection, delete, insert, select, update

from central.db.schema import campaign_submissions, library_media, submissions, submit_scopes

PENDING, APPROVED, SENT_BACK = "pending", "approved", "sent_back"
_MEDIA_LIST = [c for c in library_media.c if c.name != "thumbnail"]


def media_by_sha(connection: Connection, sha256: str) -> dict | None:
    """One library entry without its thumbnail, or None."""
    row = connection.execute(select(*_MEDIA_LIST).where(library_media.c.sha256 == sha256)).first()
    return _media(row._mapping) if row else None


def all_media(connection: Connection) -> list[dict]:
    """Every library entry, newest first, without thumbnails."""
    query = select(*_MEDIA_LIST).order_by(library_media.c.uploaded_at.desc(),
                                          library_media.c.name)  # fmt: skip
    return [_media(row._mapping) for row in connection.execute(query)]


def _media(row) -> dict:
    entry = dict(row)
    entry["warnings"] = json.loads(entry["warnings"]) if entry["warnings"] else []
    return entry


def add_media(connection: Connection, entry: dict, thumbnail: bytes | None) -> None:
    values = {**entry, "warnings": json.dumps(entry.get("warnings") or []), "thumbnail": thumbnail}
    connection.execute(insert(library_media).values(values))


def thumbnail(connection: Connection, sha256: str) -> bytes | None:
    return connection.scalar(
        select(library_media.c.thumbnail).where(library_media.c.sha256 == sha256)
    )


def scopes(connection: Connection, user: str) -> list[str]:
    """The groups a contributor may submit for, by name."""
    query = select(submit_scopes.c.group).where(submit_scopes.c.user == user)
    return sorted(connection.scalars(query))


def set_scopes(connection: Connection, user: str, groups: list[str]) -> None:
    connection.execute(delete(submit_scopes).where(submit_scopes.c.user == user))
    for group in sorted(set(groups)):
        connection.execute(insert(submit_scopes).values(user=user, group=group))


def add_submission(connection: Connection, values: dict) -> int:
    values = {**values, "items": json.dumps(values["items"], ensure_ascii=False)}
    if values.get("layout") is not None:
        values["layout"] = json.dumps(values["layout"], ensure_ascii=False)
    result = connection.execute(insert(submissions).values(values))
    return int(result.inserted_primary_key[0])


def submission(connection: Connection, number: int) -> dict | None:
    row = connection.execute(select(submissions).where(submissions.c.id == number)).first()
    return _submission(row._mapping) if row else None


def _submission(row) -> dict:
    entry = dict(row)
    entry["items"] = json.loads(entry["items"])
    entry["layout"] = json.loads(entry["layout"]) if entry.get("layout") else None
    return entry


def recent_submissions(
    connection: Connection, *, group: str | None = None, state: str | None = None, limit: int = 100
) -> list[dict]:
    """Submissions newest first, of one group and state when given."""
    query = select(submissions).order_by(submissions.c.id.desc()).limit(limit)
    if group is not None:
        query = query.where(submissions.c.group == group)
    if state is not None:
        query = query.where(submissions.c.state == state)
    return [_submission(row._mapping) for row in connection.execute(query)]


def latest_approved(connection: Connection, group: str) -> dict | None:
    """The group's newest approved submission: what its screens were last given."""
    found = recent_submissions(connection, group=group, state=APPROVED, limit=1)
    return found[0] if found else None


def decide(
    connection: Connection,
    number: int,
    state: str,
    *,
    by: str,
    at: dt.datetime,
    reason: str | None = None,
    items: list[dict] | None = None,
    layout: dict | None = None,
) -> bool:
    """Move a pending submission to `state`; False when it was no longer pending (someone
    else decided first: the second decision must not count)."""
    kept = {"items": items, "layout": layout}
    return _decide_pending(
        connection, submissions, number, state=state, by=by, at=at, reason=reason, kept=kept
    )


def pending_count(connection: Connection) -> int:
    return len(connection.scalars(select(submissions.c.id).where(
        submissions.c.state == PENDING)).all())  # fmt: skip


def decide_sequence(connection: Connection, number: int, sequence: int) -> None:
    """The publish sequence a decided submission went out as."""
    connection.execute(
        update(submissions).where(submissions.c.id == number).values(sequence=sequence)
    )


# -- campaigns edited in the console ----------------------------------------------------------


def add_campaign_submission(connection: Connection, values: dict) -> int:
    values = {**values, "body": json.dumps(values["body"], ensure_ascii=False)}
    result = connection.execute(insert(campaign_submissions).values(values))
    return int(result.inserted_primary_key[0])


def campaign_submission(connection: Connection, number: int) -> dict | None:
    query = select(campaign_submissions).where(campaign_submissions.c.id == number)
    row = connection.execute(query).first()
    return _campaign_row(row._mapping) if row else None


def _campaign_row(row) -> dict:
    entry = dict(row)
    entry["body"] = json.loads(entry["body"])
    return entry


def campaign_submissions_of(
    connection: Connection, *, campaign: str | None = None, state: str | None = None,
    limit: int = 200,
) -> list[dict]:  # fmt: skip
    """Campaign change sets newest first, of one campaign and state when given."""
    query = select(campaign_submissions).order_by(campaign_submissions.c.id.desc()).limit(limit)
    if campaign is not None:
        query = query.where(campaign_submissions.c.campaign == campaign)
    if state is not None:
        query = query.where(campaign_submissions.c.state == state)
    return [_campaign_row(row._mapping) for row in connection.execute(query)]


def approved_campaigns(connection: Connection) -> list[dict]:
    """Each campaign's newest approved change set: what its groups were last given, by id."""
    latest: dict[str, dict] = {}
    for row in campaign_submissions_of(connection, state=APPROVED, limit=100_000):
        latest.setdefault(row["campaign"], row)
    return [latest[key] for key in sorted(latest)]


def decide_campaign(connection: Connection, number: int, state: str, *, by: str,
                    at: dt.datetime, reason: str | None = None,
                    body: dict | None = None) -> bool:  # fmt: skip
    """Move a pending campaign change set to `state` (with its approved `body` when given);
    False when it was no longer pending."""
    kept = {"body": body}
    return _decide_pending(
        connection, campaign_submissions, number, state=state, by=by, at=at, reason=reason,
        kept=kept,
    )  # fmt: skip


def _decide_pending(connection: Connection, table, number: int, *, state: str, by: str,
                    at: dt.datetime, reason: str | None, kept: dict) -> bool:  # fmt: skip
    """One decision on a pending row of `table` (playlist or campaign change sets), with the
    JSON columns in `kept` that are not None; only the first decision counts."""
    values: dict = {"state": state, "decided_by": by, "decided_at": at, "reason": reason}
    for column, value in kept.items():
        if value is not None:
            values[column] = json.dumps(value, ensure_ascii=False)
    result = connection.execute(
        update(table).where(table.c.id == number, table.c.state == PENDING).values(values)
    )
    return result.rowcount == 1
