"""Every publish of a group's content, from the console or the command line, in the audit log.

One writer, `record_publish`, for both: the console's approvals and restores (actor: the
approver) and `videotron publish` (actor "command line (USER)", with the host it ran on).
Each row is action "content-published", target the group, detail `PublishDetail`. The
console's content page reads them back with `publish_history` to say where each publish
came from.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Literal, NotRequired, TypedDict

from sqlalchemy import Connection, select

from central.db.audit import detail_of, record
from central.db.schema import audit
from central.publishlock import user_and_host

PUBLISHED = "content-published"  # the audit action
Source = Literal["console", "command line"]
CONSOLE, COMMAND_LINE = "console", "command line"

# "from" is a keyword in Python, hence the functional form; rows written before this
# module carry only sequence and from.
PublishDetail = TypedDict(
    "PublishDetail",
    {
        "sequence": int,
        "from": Source,
        "submission": NotRequired[int],  # console: the submission it published
        "user": NotRequired[str],  # command line: the login that ran it
        "host": NotRequired[str],  # command line: the machine it ran on
        "folder": NotRequired[str],  # command line: where it wrote the tree
        "sha256": NotRequired[str],  # of the manifest bytes
        "campaigns": NotRequired[list[str]],  # the ids of the campaigns the manifest carries
    },
)


class PublishRecord(TypedDict):
    """One publish as `publish_history` returns it."""

    at: dt.datetime  # naive UTC, as the database keeps times
    group: str
    sequence: int | None
    source: str  # "console", "command line", or "" for a row that does not say
    actor: str  # console: the approver; command line: "command line (USER)"
    user: str | None  # command line: the login
    host: str | None  # command line: the machine
    submission: int | None  # console: the submission published


def record_publish(
    connection: Connection,
    *,
    group: str,
    sequence: int,
    source: Source,
    actor: str,
    now: dt.datetime,
    submission: int | None = None,
    user: str | None = None,
    host: str | None = None,
    folder: str | None = None,
    sha256: str | None = None,
    campaigns: Sequence[str] = (),
) -> int:
    """Write one publish of `group` to the audit log; returns its row id."""
    detail: dict = {"sequence": sequence, "from": source}
    optional = {"submission": submission, "user": user, "host": host, "folder": folder,
                "sha256": sha256, "campaigns": sorted(campaigns) or None}  # fmt: skip
    detail.update({key: value for key, value in optional.items() if value is not None})
    return record(connection, now, actor, PUBLISHED, group, detail=PublishDetail(**detail))


def record_command_line_publish(
    config_path: Path | None, *, group: str, sequence: int, folder: Path, sha256: str,
    now: dt.datetime, campaigns: Sequence[str] = (),
) -> str:  # fmt: skip
    """Record a `videotron publish` in the database central.yaml names; what to tell the user.

    Publishing never depends on this: when central.yaml cannot be read, its SQLite file
    does not exist (no collector or console runs here) or the database cannot be written,
    the message says the publish was not recorded and why.
    """
    from sqlalchemy.exc import SQLAlchemyError

    from central.config import CentralConfigError, load_central_config
    from central.db.database import display, exists, open_engine

    try:
        url = load_central_config(Path(config_path or "")).collector.database
    except CentralConfigError as exc:
        first = str(exc).strip().splitlines()[0]
        return (
            f"not recorded in the office's publish history: {first}; pass --config "
            "central.yaml to record command-line publishes where the console shows them"
        )
    if not exists(url):
        return (
            f"not recorded in the office's publish history: no database at {display(url)} "
            f"(collector.database in {config_path})"
        )
    user, host = user_and_host()
    engine = open_engine(url)
    try:
        with engine.begin() as connection:
            record_publish(connection, group=group, sequence=sequence, source=COMMAND_LINE,
                           actor=f"command line ({user})", now=now, user=user, host=host,
                           folder=str(folder), sha256=sha256, campaigns=campaigns)  # fmt: skip
    except (SQLAlchemyError, OSError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else repr(exc)
        return (
            f"not recorded in the office's publish history at {display(url)} ({first}); "
            "check collector.database in central.yaml and that the database is reachable"
        )
    finally:
        engine.dispose()
    return f"recorded in the office's publish history ({display(url)}) as {user}@{host}"


def publish_history(
    connection: Connection, *, group: str | None = None, limit: int = 50
) -> list[PublishRecord]:
    """Publishes newest first, of one group when given, from every source."""
    query = (
        select(audit)
        .where(audit.c.action == PUBLISHED)
        .order_by(audit.c.at.desc(), audit.c.id.desc())
        .limit(limit)
    )
    if group is not None:
        query = query.where(audit.c.target == group)
    found: list[PublishRecord] = []
    for row in connection.execute(query):
        detail = detail_of(row.detail)
        sequence, submission = detail.get("sequence"), detail.get("submission")
        found.append(PublishRecord(
            at=row.at, group=row.target or "", actor=row.actor,
            sequence=sequence if isinstance(sequence, int) else None,
            source=str(detail.get("from") or ""),
            user=detail.get("user"), host=detail.get("host"),
            submission=submission if isinstance(submission, int) else None,
        ))  # fmt: skip
    return found


def first_published(connection: Connection, campaign_id: str) -> dt.datetime | None:
    """When a manifest first carried campaign `campaign_id` (naive UTC), by the publishes
    recorded with their campaigns; None when none says so (publishes recorded before they
    named their campaigns)."""
    query = (
        select(audit.c.at, audit.c.detail)
        .where(audit.c.action == PUBLISHED)
        .order_by(audit.c.at, audit.c.id)
    )
    for row in connection.execute(query):
        if campaign_id in (detail_of(row.detail).get("campaigns") or ()):
            return row.at
    return None
