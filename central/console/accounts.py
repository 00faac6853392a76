"""Console accounts: argon2 passwords, roles, sessions, login limits; stored by central.db."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import re
import secrets
import threading
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, Engine

from central.db import accounts as stored
from central.db import limits
from central.db.audit import record
from central.db.limits import Limit

log = logging.getLogger(__name__)

# Each may do what the ones before it may. A contributor uploads and submits content for its
# groups (central.content.review); an approver also approves it, but not its own. A partner
# comes first: it may open only the pages open to "partner" (its campaigns and reports),
# and sees there only the campaigns of the partner its account names.
ROLES = ("partner", "viewer", "contributor", "approver", "operator", "admin")
SESSION_LIFETIME = dt.timedelta(hours=12)  # one working day; then log in again
FAILURE_WINDOW = dt.timedelta(minutes=15)
MAX_FAILURES_PER_USER = 5  # in FAILURE_WINDOW: slows guessing one account's password
MAX_FAILURES_PER_ADDRESS = 20  # in FAILURE_WINDOW: slows trying many accounts from one place
# Each password check takes a slot of both; a good login gives them back (central.db.limits).
USER_LOGINS = Limit("login-user", MAX_FAILURES_PER_USER, FAILURE_WINDOW)
ADDRESS_LOGINS = Limit("login-address", MAX_FAILURES_PER_ADDRESS, FAILURE_WINDOW)
MIN_PASSWORD = 10
_NAME = re.compile(r"^[A-Za-z0-9._@-]{1,64}$")
# A hash to verify against when the account does not exist: the answer takes as long
# as for a real account, so timing does not tell which names exist.
_NO_ACCOUNT_HASH = (
    "$argon2id$v=19$m=65536,t=3,p=4$XJkF9kbY5iX2KEAh287oYg$"
    "zSHlNmWZWpKa1zVQBvJXLur0N9TFNv0yatzVYJaHSQ8"
)
_HASHER = PasswordHasher()
DISABLED_HASH = "!disabled"  # not an argon2 hash: verifying any password against it fails


class AccountError(ValueError):
    """A name, role or password that cannot be used; the message says why."""


@dataclass(frozen=True)
class Session:
    user: str
    role: str
    csrf: str
    expires_at: dt.datetime
    partner: str | None = None  # a partner account's partner: whose campaigns it sees

    def sees_campaigns_of(self, partner: str) -> bool:
        """Whether this account may see a campaign of `partner`: the office's all, a
        partner's only its own."""
        return self.role != "partner" or self.partner == partner


def may(role: str, needed: str) -> bool:
    """Whether `role` may do what `needed` may (in the order of ROLES)."""
    return role in ROLES and ROLES.index(role) >= ROLES.index(needed)


def check_new_account(name: str, role: str, password: str, partner: str | None = None) -> None:
    if not _NAME.match(name):
        raise AccountError(f"user name {name!r}: 1 to 64 letters, digits, '.', '_', '@' or '-'")
    if role not in ROLES:
        raise AccountError(f"role {role!r}: use one of {', '.join(ROLES)}")
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"the password has {len(password)} characters; use {MIN_PASSWORD}+")
    if (role == "partner") != bool(partner and partner.strip()):
        raise AccountError(
            "a partner account needs --partner NAME (as its campaigns name the partner), "
            "and only a partner account takes one"
        )
    if partner is not None and len(partner) > 128:
        raise AccountError(f"partner name of {len(partner)} characters; at most 128")


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def add_user(
    connection: Connection,
    name: str,
    role: str,
    password: str,
    now: dt.datetime,
    *,
    partner: str | None = None,
) -> bool:
    """Create or update (new role, partner and password) an account; True when it is new."""
    check_new_account(name, role, password, partner)
    partner = partner.strip() if partner else None
    new = stored.save_user(connection, name, role, hash_password(password), now, partner=partner)
    action = "user-added" if new else "user-changed"
    detail = {"role": role, **({"partner": partner} if partner else {})}
    record(connection, now, "console", action, name, detail=detail)
    return new


def list_accounts(connection: Connection) -> list[dict]:
    """Every account with its role, when it was made and whether it is disabled."""
    return [
        {"name": row["name"], "role": row["role"], "partner": row["partner"],
         "created_at": row["created_at"],
         "last_login": row["last_login"], "disabled": row["password_hash"] == DISABLED_HASH}
        for row in stored.users(connection)
    ]  # fmt: skip


def disable_account(connection: Connection, name: str, actor: str, now: dt.datetime) -> bool:
    """Lock an account out and end its sessions; False when there is no such account.

    Its password hash is replaced by a value no password matches (as `passwd -l` does);
    `add-user` on the server with a new password opens it again.
    """
    if name == actor:
        raise AccountError("an admin cannot disable their own account")
    if not stored.set_password_hash(connection, name, DISABLED_HASH):
        return False
    stored.end_sessions(connection, name)
    record(connection, now, actor, "user-disabled", name)
    log.info("console: %s disabled the account %s", actor, name)
    return True


class PasswordChecks:
    """argon2 verifications, `at_once` at a time. Each takes 64 MiB and a few cores for a
    moment: a burst of logins waits here instead of filling the memory and starving the
    database writes (a limit's reservation among them) of the processor."""

    def __init__(self, at_once: int) -> None:
        self._turns = threading.BoundedSemaphore(at_once)

    def role(self, found: tuple[str, str] | None, password: str) -> str | None:
        """The account's role when `password` is right for its (role, hash), else None;
        the same work when there is no such account."""
        with self._turns:
            try:
                _HASHER.verify(found[1] if found else _NO_ACCOUNT_HASH, password)
            except (VerificationError, InvalidHashError):
                return None
        return found[0] if found else None


def log_in(
    engine: Engine,
    name: str,
    password: str,
    address: str,
    now: dt.datetime,
    *,
    checks: PasswordChecks,
) -> tuple[str | None, str]:
    """(session token or None, outcome): "ok", "bad password" or "rate limited"; all audited.

    A slot of both login limits is reserved (and committed) before the password is
    checked, so guesses sent at once are counted before any is checked; a good login gives
    its slots back. The password is verified outside any transaction: no lock or pooled
    connection waits for argon2.
    """
    name = name.strip()[:64]
    with engine.begin() as connection:  # committed before the check: the slots count
        slots = limits.reserve(connection, [(USER_LOGINS, name), (ADDRESS_LOGINS, address)], now)
        if slots is None:
            detail = {"address": address, "reason": "too many failed logins"}
            record(connection, now, name or "-", "login-refused", name, detail=detail)
            return None, "rate limited"
    with engine.connect() as connection:
        found = stored.credentials(connection, name)
    role = checks.role(found, password)
    with engine.begin() as connection:
        if role is None:
            record(connection, now, name or "-", "login-failed", name, detail={"address": address})
            log.warning("console: failed login for %r from %s", name, address)
            return None, "bad password"
        limits.release(connection, slots)
        token = secrets.token_urlsafe(32)
        stored.add_session(
            connection, _token_hash(token), name, secrets.token_urlsafe(32), now=now,
            expires_at=now + SESSION_LIFETIME,
        )  # fmt: skip
        record(connection, now, name, "login", name, detail={"address": address, "role": role})
    log.info("console: %s logged in from %s", name, address)
    return token, "ok"


def session_for(connection: Connection, token: str | None, now: dt.datetime) -> Session | None:
    """The live session a cookie names, with the account's current role; None if none."""
    if not token or len(token) > 128:
        return None
    row = stored.session(connection, _token_hash(token))
    if row is None or row["expires_at"] <= now:
        return None
    return Session(row["user"], row["role"], row["csrf"], row["expires_at"], row["partner"])


def log_out(connection: Connection, token: str | None, user: str, now: dt.datetime) -> None:
    if token:
        stored.delete_session(connection, _token_hash(token))
    record(connection, now, user, "logout", user)


def same_token(expected: str, given: str | None) -> bool:
    """Constant-time comparison of a CSRF token."""
    return bool(given) and hmac.compare_digest(expected.encode(), str(given).encode())


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
