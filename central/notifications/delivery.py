"""Delivery off the request path: a bounded queue and a worker thread per target, retried.

A slow or dead target backs up only its own queue: `post` never waits, each attempt is
bounded by notifications.timeout, retries are bounded by notifications.attempts, and
every outcome (sent, failed, dropped) reaches `record`: a log line, and in the console an
audit row.
"""

from __future__ import annotations

import datetime as dt
import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass

from central.db.audit import record as audit_record
from central.notifications.events import CHECK, Event, render
from central.notifications.settings import NotificationSettings, Target
from player.wire.backoff import Backoff

log = logging.getLogger(__name__)

RETRY_CAP_FACTOR = 8  # the longest wait between attempts, in first waits
CLOSE_WAIT = 2.0  # seconds close() waits for each worker; a hung attempt is left behind


class DeliveryFailed(Exception):
    """A target that did not take a message; the text says why, never the URL."""


@dataclass(frozen=True)
class Outcome:
    """What became of one event at one target."""

    target: str
    event: Event
    state: str  # "sent", "failed" or "dropped"
    attempts: int
    reason: str = ""


def send(target: Target, title: str, body: str, timeout: float) -> None:
    """Send one message through apprise, each connect and read bounded by `timeout`."""
    import apprise  # the office's extra, loaded by the notifier only

    plugin = apprise.Apprise.instantiate(target.url.reveal(), suppress_exceptions=True)
    if plugin is None:
        raise DeliveryFailed("apprise cannot use the target's URL; check it in central.yaml")
    plugin.socket_connect_timeout = plugin.socket_read_timeout = timeout
    try:
        accepted = plugin.notify(body=body, title=title)
    except Exception as exc:  # a plugin's own bug must not end the worker
        raise DeliveryFailed(f"apprise failed: {type(exc).__name__}") from None
    if not accepted:
        raise DeliveryFailed("the target refused the message or did not answer in time "
                             "(apprise's log line above says which)")  # fmt: skip


def check_targets(settings: NotificationSettings, names: list[str] | None, host: str,
                  at: dt.datetime) -> list[tuple[Target, str | None]]:  # fmt: skip
    """A test message sent once to each target (or those named), in turn; each with the
    reason it failed, or None when it was taken."""
    results = []
    for target in settings.targets:
        if names and target.name not in names:
            continue
        event = Event(CHECK, at, {"host": host, "target": target.name})
        title, body = render(event, target.language, settings.console_url)
        try:
            send(target, title, body, settings.timeout)
        except DeliveryFailed as exc:
            results.append((target, str(exc)))
        else:
            results.append((target, None))
    return results


def log_outcome(outcome: Outcome) -> None:
    """The log line every outcome gets."""
    if outcome.state == "sent":
        log.info("notification sent to %s: %s (attempt %d)", outcome.target,
                 outcome.event.summary, outcome.attempts)  # fmt: skip
    else:
        log.warning("notification %s for %s: %s after %d attempts: %s", outcome.state,
                    outcome.target, outcome.event.summary, outcome.attempts,
                    outcome.reason)  # fmt: skip


class TargetWorker:
    """One target's queue and the thread that empties it, one message at a time."""

    def __init__(self, target: Target, settings: NotificationSettings,
                 record: Callable[[Outcome], None]) -> None:  # fmt: skip
        self.target, self.settings, self.record = target, settings, record
        self.queue: queue.Queue[Event] = queue.Queue(maxsize=settings.queue)
        self.stopping = threading.Event()
        self.thread = threading.Thread(
            target=self._run, name=f"notify {target.name}", daemon=True
        )  # daemon: an attempt hung past its timeout must not hold the process at exit

    def post(self, event: Event) -> bool:
        try:
            self.queue.put_nowait(event)
        except queue.Full:
            reason = f"{self.settings.queue} messages already wait for this target"
            self.record(Outcome(self.target.name, event, "dropped", 0, reason))
            return False
        return True

    def _run(self) -> None:
        while not self.stopping.is_set():
            try:
                event = self.queue.get(timeout=0.5)
            except queue.Empty:
                continue
            self.record(self._deliver(event))

    def _deliver(self, event: Event) -> Outcome:
        title, body = render(event, self.target.language, self.settings.console_url)
        retry_after = self.settings.retry_after
        backoff = Backoff(retry_after, retry_after * RETRY_CAP_FACTOR)
        reason = ""
        for attempt in range(1, self.settings.attempts + 1):
            try:
                send(self.target, title, body, self.settings.timeout)
            except DeliveryFailed as exc:
                reason = str(exc)
            else:
                return Outcome(self.target.name, event, "sent", attempt)
            if attempt < self.settings.attempts and self.stopping.wait(backoff.next_delay()):
                return Outcome(self.target.name, event, "failed", attempt, "the console stopped")
        return Outcome(self.target.name, event, "failed", self.settings.attempts, reason)


class Notifier:
    """Every configured target's worker; `post(event)` hands an event to those that want it.

    `record` is told of every outcome after the log line (the console writes an audit row);
    it must not raise, and is called on the workers' threads.
    """

    def __init__(self, settings: NotificationSettings,
                 record: Callable[[Outcome], None] | None = None) -> None:  # fmt: skip
        self.settings = settings
        self._record = record
        self.workers = [TargetWorker(t, settings, self._outcome) for t in settings.targets]
        for worker in self.workers:
            worker.thread.start()

    def post(self, event: Event) -> int:
        """Queue `event` for each target that wants it, without waiting; how many took it."""
        wanted = [w for w in self.workers
                  if any(w.target.wants(event.kind, group, event.concerns)
                         for group in event.reach)]  # fmt: skip
        return sum(worker.post(event) for worker in wanted)

    def close(self) -> None:
        """Stop the workers; what still waits is logged as dropped."""
        for worker in self.workers:
            worker.stopping.set()
        for worker in self.workers:
            worker.thread.join(CLOSE_WAIT)
            left = worker.queue.qsize()
            if left:
                log.warning("notifications: %d messages for %s were not sent before the stop",
                            left, worker.target.name)  # fmt: skip

    def _outcome(self, outcome: Outcome) -> None:
        log_outcome(outcome)
        if self._record is None:
            return
        try:
            self._record(outcome)
        except Exception:  # the record (a database) away must not end the worker
            log.exception("notifications: could not record the outcome for %s", outcome.target)


def audit_writer(engine, clock: Callable[[], dt.datetime],
                 actor: str = "console") -> Callable[[Outcome], None]:  # fmt: skip
    """`record` for the console (or the collector, as `actor`): one audit row per outcome,
    "notification-sent|failed|dropped"."""

    def write(outcome: Outcome) -> None:
        detail = {"event": outcome.event.summary, "attempts": outcome.attempts}
        if outcome.reason:
            detail["reason"] = outcome.reason
        with engine.begin() as connection:
            audit_record(connection, clock(), actor, f"notification-{outcome.state}",
                   outcome.target, detail=detail)  # fmt: skip

    return write
