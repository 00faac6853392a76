"""The database as the console sees it: one log line when an outage starts, one when it ends."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from central.db.database import first_line, on_writes, refuses_writes, unavailable

log = logging.getLogger(__name__)

T = TypeVar("T")
UNREACHABLE = "unreachable"
WRITES_REFUSED = "writes refused"


class DatabaseUnavailable(Exception):
    """The database cannot be reached, or cannot write, right now: the page answers 503
    and nothing it was asked to do took effect (its transaction was rolled back)."""

    def __init__(self, kind: str, detail: str) -> None:
        super().__init__(f"database {kind} ({detail})")
        self.kind = kind
        self.detail = detail
        # The words key of what did happen outside the database before it failed (an
        # alert sent, then its record refused); None: nothing did.
        self.done_outside: str | None = None


@dataclass(frozen=True)
class Outage:
    kind: str
    since: float  # monotonic seconds


class DatabaseWatch:
    """Runs every database call of the console and keeps whether the database answers.

    An unreachable database is back at the first call that succeeds; one that refused
    writes (a full disk) only at the first call that wrote, since reads go on working.
    Calls run on many worker threads at once, so the state is under a lock.
    """

    def __init__(self, engine: Engine, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._outage: Outage | None = None
        self._call = threading.local()  # whether this thread's current call wrote
        on_writes(engine, self._wrote)

    def _wrote(self) -> None:
        self._call.wrote = True

    def run(self, call: Callable[[], T]) -> T:
        """`call()`, its database refusals turned into DatabaseUnavailable (other errors
        pass: they are bugs and deserve their traceback)."""
        self._call.wrote = False
        try:
            result = call()
        except SQLAlchemyError as exc:
            if not unavailable(exc):
                raise
            kind = WRITES_REFUSED if refuses_writes(exc) else UNREACHABLE
            detail = first_line(exc)
            self._failed(kind, detail)
            raise DatabaseUnavailable(kind, detail) from None
        self._answered(wrote=self._call.wrote)
        return result

    def outage(self) -> Outage | None:
        with self._lock:
            return self._outage

    def _failed(self, kind: str, detail: str) -> None:
        with self._lock:
            if self._outage is not None:
                return  # said once per outage, not once per request
            self._outage = Outage(kind, self._clock())
        if kind == UNREACHABLE:
            log.error("console: database unreachable (%s); answering 503 until it is back", detail)
        else:
            log.error("console: database refuses writes (%s); answering 503 to what writes "
                      "until it can write again", detail)  # fmt: skip

    def _answered(self, *, wrote: bool) -> None:
        with self._lock:
            ended = self._outage
            if ended is None or (ended.kind == WRITES_REFUSED and not wrote):
                return
            self._outage = None
        seconds = self._clock() - ended.since
        again = "reachable" if ended.kind == UNREACHABLE else "writable"
        log.info("console: database %s again after %.1f s", again, seconds)
