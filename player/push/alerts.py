"""Alert versions per id: the newest `issued_at` wins, a cancel is a version too; bounded."""

from __future__ import annotations

import datetime as dt
import logging
import threading
from dataclasses import dataclass

from player.wire.alert import Alert, AlertCancel

log = logging.getLogger(__name__)

EARLIEST = dt.datetime.min.replace(tzinfo=dt.UTC)  # an alert without issued_at loses to any
MAX_REMEMBERED = 1024  # alert ids (live, or cancelled and still remembered)


@dataclass(frozen=True)
class _Version:
    issued_at: dt.datetime
    alert: Alert | None  # None: cancelled
    keep_until: dt.datetime


class AlertBook:
    """The alerts to show, by id, and the version of each id seen last.

    A message for an id is taken only when its `issued_at` is newer than the version on
    record: an older version, or a replay of a known one with other content, is dropped
    with a log line (an exact repeat, as a retained message after a reconnect, quietly).
    A cancel is remembered until the later of its own expiry and the cancelled alert's,
    so a replay of the cancelled alert stays off for as long as it could be valid.
    Entries are forgotten when they expire; at most MAX_REMEMBERED are kept. Called from
    the push thread; the lock lets any thread read `live`.
    """

    def __init__(self, limit: int = MAX_REMEMBERED) -> None:
        self.limit = limit
        self._lock = threading.Lock()
        self._versions: dict[str, _Version] = {}

    def offer(self, message: Alert | AlertCancel, now: dt.datetime) -> tuple[Alert, ...] | None:
        """The alerts live after `message`; None when it changes nothing (dropped)."""
        with self._lock:
            self._forget(now)
            known = self._versions.get(message.id)
            issued = message.issued_at or EARLIEST
            if known is not None and not self._newer(message, issued, known):
                return None
            if isinstance(message, AlertCancel):
                until = message.expires_at
                if known is not None and known.alert is not None:
                    until = max(until, known.alert.expires_at)
                self._versions[message.id] = _Version(issued, None, until)
                log.info(
                    "alert %s cancelled (cancel issued %s)%s",
                    message.id,
                    issued.isoformat(),
                    "" if known is not None and known.alert is not None else "; it was not shown",
                )
            else:
                # Remembered as long as any version seen could be replayed: an older one that
                # outlives this one must not come back once this one expires.
                until = message.expires_at
                if known is not None:
                    until = max(until, known.keep_until)
                self._versions[message.id] = _Version(issued, message, until)
                if known is not None and known.alert is not None:
                    log.info(
                        "alert %s replaced by its version issued %s", message.id, issued.isoformat()
                    )
            self._bound()
            return self._live(now)

    def live(self, now: dt.datetime) -> tuple[Alert, ...]:
        with self._lock:
            return self._live(now)

    def _newer(self, message: Alert | AlertCancel, issued: dt.datetime, known: _Version) -> bool:
        what = "cancel of alert" if isinstance(message, AlertCancel) else "alert"
        if issued > known.issued_at:
            return True
        if issued == known.issued_at:
            same = (
                known.alert is None
                if isinstance(message, AlertCancel)
                else known.alert is not None and known.alert == message
            )
            if same:
                log.debug("%s %s: already have this version", what, message.id)
            else:
                log.warning(
                    "dropped %s %s: issued_at %s is the version on record but the content "
                    "differs (a replay); send a new version with a later issued_at",
                    what,
                    message.id,
                    issued.isoformat(),
                )
            return False
        log.warning(
            "dropped %s %s issued %s: a newer version (issued %s%s) is on record",
            what,
            message.id,
            issued.isoformat(),
            known.issued_at.isoformat(),
            ", a cancel" if known.alert is None else "",
        )
        return False

    def _live(self, now: dt.datetime) -> tuple[Alert, ...]:
        return tuple(
            v.alert
            for v in self._versions.values()
            if v.alert is not None and v.alert.expires_at > now
        )

    def _forget(self, now: dt.datetime) -> None:
        for key in [k for k, v in self._versions.items() if v.keep_until <= now]:
            del self._versions[key]

    def _bound(self) -> None:
        if len(self._versions) <= self.limit:
            return
        # Over the limit (a flood of ids): forget those that expire soonest.
        ordered = sorted(self._versions, key=lambda k: self._versions[k].keep_until)
        for key in ordered[: len(self._versions) - self.limit]:
            del self._versions[key]
