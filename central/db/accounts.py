"""Console accounts and sessions as stored; the rules are the console's."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, delete, func, insert, select, update

from central.db.schema import audit, console_sessions, console_users


def save_user(
    connection: Connection,
    name: str,
    role: str,
    password_hash: str,
    now: dt.datetime,
    *,
    partner: str | None = None,
) -> bool:
    """Create an account, or give an existing one a new role, partner and password (which
    ends its sessions: they were opened with the old one); True when it is new."""
    values = {"role": role, "password_hash": password_hash, "partner": partner}
    exists = connection.scalar(select(console_users.c.name).where(console_users.c.name == name))
    if exists:
        connection.execute(update(console_users).where(console_users.c.name == name).values(values))
        end_sessions(connection, name)
    else:
        connection.execute(insert(console_users).values(name=name, created_at=now, **values))
    return not exists


def users(connection: Connection) -> list[dict]:
    """Every account by name: `[{"name", "role", "partner", "created_at", "password_hash",
    "last_login"}]`; `last_login` from the audit log's logins, None when never."""
    logins = (
        select(audit.c.actor, func.max(audit.c.at).label("last_login"))
        .where(audit.c.action == "login")
        .group_by(audit.c.actor)
        .subquery()
    )
    rows = connection.execute(
        select(console_users.c.name, console_users.c.role, console_users.c.partner,
               console_users.c.created_at,
               console_users.c.password_hash, logins.c.last_login)
        .outerjoin(logins, logins.c.actor == console_users.c.name)
        .order_by(console_users.c.name)
    )  # fmt: skip
    return [dict(row._mapping) for row in rows]


def credentials(connection: Connection, name: str) -> tuple[str, str] | None:
    """(role, password hash) of an account, or None when there is no such account."""
    row = connection.execute(
        select(console_users.c.role, console_users.c.password_hash).where(
            console_users.c.name == name
        )
    ).first()
    return (row.role, row.password_hash) if row else None


def set_password_hash(connection: Connection, name: str, password_hash: str) -> bool:
    """Replace an account's password hash; False when there is no such account."""
    changed = connection.execute(
        update(console_users)
        .where(console_users.c.name == name)
        .values(password_hash=password_hash)
    ).rowcount
    return bool(changed)


def end_sessions(connection: Connection, name: str) -> None:
    """End every session of an account."""
    connection.execute(delete(console_sessions).where(console_sessions.c.user == name))


def add_session(
    connection: Connection,
    token_hash: str,
    user: str,
    csrf: str,
    *,
    now: dt.datetime,
    expires_at: dt.datetime,
) -> None:
    """Store a new session, and drop the sessions that expired before `now`."""
    connection.execute(
        insert(console_sessions).values(
            token_hash=token_hash, user=user, csrf=csrf, created_at=now, expires_at=expires_at
        )
    )
    connection.execute(delete(console_sessions).where(console_sessions.c.expires_at < now))


def session(connection: Connection, token_hash: str) -> dict | None:
    """The session stored under `token_hash` with its account's current role and partner:
    `{"user", "csrf", "expires_at", "role", "partner"}`, or None (no such session or account)."""
    row = connection.execute(
        select(
            console_sessions.c.user,
            console_sessions.c.csrf,
            console_sessions.c.expires_at,
            console_users.c.role,
            console_users.c.partner,
        )
        .join(console_users, console_users.c.name == console_sessions.c.user)
        .where(console_sessions.c.token_hash == token_hash)
    ).first()
    return dict(row._mapping) if row else None


def delete_session(connection: Connection, token_hash: str) -> None:
    connection.execute(delete(console_sessions).where(console_sessions.c.token_hash == token_hash))
