"""The screen watch: the collector's thread that tells the office when screens need someone.

Every `notifications.check_every` it reads the fleet (the one stale rule), each screen's
health readings and the alerts in force through central/db, decides with the pure
incident logic and keeps the decision in the same transaction; only after the commit are
the messages handed to the notifier. A crash between the two loses a message rather than
sending one twice, and a restarted collector goes on from the kept incidents.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import replace
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from central.db import alerts as alert_queries
from central.db import fleet
from central.db import incidents as kept
from central.notifications.delivery import Notifier
from central.notifications.events import SCREEN_ALERT_MISSED, SCREEN_HOT, Event
from central.notifications.incidents import Notice, step
from central.notifications.screenrules import conditions, hold
from central.notifications.settings import ScreenRules

log = logging.getLogger(__name__)

NAMES_SHOWN = 20  # screens named in one message; the rest are counted


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def event_of(notice: Notice, at: dt.datetime, zone: ZoneInfo) -> Event:
    """The message of one notice: how many screens, which, since when, one line each."""
    members = notice.incidents
    names = [str(i.facts.get("name") or i.subject) for i in members]
    more = len(names) - NAMES_SHOWN
    shown = ", ".join(names[:NAMES_SHOWN]) + (f" (+{more})" if more > 0 else "")
    lines = [f"- {n}: {i.facts.get('detail', '')}" for n, i in zip(names, members, strict=True)]
    details = "\n".join(lines[:NAMES_SHOWN]) + (f"\n- (+{more})" if more > 0 else "")
    first = min(i.started_at for i in members).replace(tzinfo=dt.UTC).astimezone(zone)
    facts = {
        "outcome": notice.outcome, "count": len(members), "screens": shown,
        "details": details, "since": first.strftime("%Y-%m-%d %H:%M %Z"),
        "subject": names[0] if len(names) == 1 else f"{len(names)} screens",
    }  # fmt: skip
    single = len(members) == 1 and notice.kind != SCREEN_ALERT_MISSED
    link = f"/screen/{members[0].subject}" if single else "/"
    if notice.kind == SCREEN_ALERT_MISSED:
        link = "/alerts"
    return Event(notice.kind, at.replace(tzinfo=dt.UTC), facts, notice.group or None,
                 link=link)  # fmt: skip


class ScreenWatch:
    """Looks at the screens, keeps incidents, posts their messages; `check(now)` is one look."""

    def __init__(
        self,
        engine: Engine,
        notifier: Notifier,
        rules: ScreenRules,
        latest_sequences: Callable[[], Mapping[str, int]],
        zone: ZoneInfo,
    ) -> None:
        self.engine, self.notifier, self.rules = engine, notifier, rules
        self.latest_sequences = latest_sequences
        self.zone = zone

    def check(self, now: dt.datetime, listening_since: dt.datetime | None = None) -> list[Event]:
        """One look at `now` (naive UTC): incidents kept and changed, their messages posted;
        `listening_since` when the collector began to hear the screens."""
        latest = self.latest_sequences()
        with self.engine.begin() as connection:
            kept.claim(connection)
            pending = kept.pending(connection)
            summary = fleet.fleet_summary(connection, now=now, latest_sequences=latest)
            health = kept.health_readings(connection)
            in_force = alert_queries.active_alerts(connection, now=now)
            hot = frozenset(i.subject for i in pending if i.kind == SCREEN_HOT and not i.ended_at)
            found, unknown = conditions(summary["screens"], health, in_force, self.rules,
                                        hot_now=hot, listening_since=listening_since)  # fmt: skip
            result = step(pending, found, now, hold=hold(self.rules), window=self.rules.window,
                          unknown=unknown)  # fmt: skip
            told = {id(i) for i in result.told()}
            kept.open_incidents(connection, [
                replace(i, told_at=now) if id(i) in told else i for i in result.found])  # fmt: skip
            kept.mark_told(connection, [i.id for i in result.told() if i.id is not None], now)
            kept.mark_ended(connection, [i.id for i in result.ended], now)
            kept.mark_told_end(connection, [i.id for i in result.told_end()], now)
        events = [event_of(notice, now, self.zone) for notice in result.notices]
        for event in events:  # committed: now they may go out
            wanted = self.notifier.post(event)
            log.info("told %s (%d targets)", event.summary, wanted)
        return events

    def run(self, stop: threading.Event, ready: Callable[[], bool],
            clock: Callable[[], dt.datetime] = utcnow) -> None:  # fmt: skip
        """Look every check_every until `stop`, while `ready()` (the collector connected and
        its backlog stored: a screen's news still queued must not look like its silence)."""
        listening_since = None
        while not stop.wait(self.rules.check_every):
            if not ready():
                listening_since = None  # the broker lost: silence from the next start on
                continue
            if listening_since is None:
                listening_since = clock()
            try:
                self.check(clock(), listening_since)
            except Exception:  # the database away for a moment must not end the watch
                log.exception("screen watch: this look failed; trying again in %.0f s",
                              self.rules.check_every)  # fmt: skip
