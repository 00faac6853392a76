"""The CAP watcher's loop: poll each source when due, judge each new file, send, record.

One thread owns everything here. A source that fails is retried with exponential backoff
and jitter; so is each file an index lists, on its own: a file that is missing or failing
is backed off alone (and tried after the others) and never delays the rest of its feed. A
refused file is judged once (by its bytes) and never stops the loop.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import random
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from central.cap.fetch import FetchError, fetch_url, read_capped_file
from central.cap.mapping import Plan, plan
from central.cap.parse import CapError, CapSchema, index_links, is_cap, parse_cap_root, safe_root
from central.cap.settings import CapSettings, CapSource
from central.cap.state import CapState, load_state, save_state
from central.cap.status import CapStatusFile, Decision
from player.wire.backoff import backoff_delay
from player.wire.isotime import format_utc

log = logging.getLogger(__name__)

MAX_BACKOFF = 900.0  # seconds: a failing source is still tried every 15 minutes
JITTER = 0.1  # ± this share of each wait, so many offices do not poll BMKG in step
MAX_JUDGED = 2000  # file digests remembered, so a refused file is reported once

# (payload, lifetime) -> sealed and published to the payload's group, or raises
Send = Callable[[dict, dt.timedelta], None]
Audit = Callable[[Decision], None]


class CapDeliveryError(Exception):
    """A CAP file's alerts did not all reach the broker; the file is tried again."""


@dataclass
class FileFailure:
    """One file of a source that failed its last try(s): it alone waits for `due`."""

    failures: int
    due: float  # monotonic time before which the file is not tried again
    last_error: str
    since: str  # when the current run of failures began


@dataclass
class SourceProgress:
    """How one source is doing, owned by the watcher's thread. `failures` count the
    source's own failures (its URL, its index, its folder listing); a file it lists that
    fails is kept in `failing` instead and backs off alone."""

    due: float = 0.0  # monotonic time of the next poll
    failures: int = 0
    last_poll: str | None = None
    last_ok: str | None = None
    last_error: str | None = None
    validators: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)
    files: dict[str, tuple[int, int]] = field(default_factory=dict)  # folder: (mtime, size)
    links: list[str] | None = None  # what the index listed last time; None: not an index
    failing: dict[str, FileFailure] = field(default_factory=dict)  # by URL or path

    def in_turn(self, names: list[str], mono: float) -> list[str]:
        """The files of `names` to try now: the healthy first, then the failing whose wait
        is over, so that a slow failing file never holds up a new warning."""
        healthy = [n for n in names if n not in self.failing]
        retried = [n for n in names if n in self.failing and self.failing[n].due <= mono]
        return healthy + retried

    def forget_unlisted(self, names: list[str]) -> None:
        """Drop what is kept for files no longer listed, so a feed that lists new files
        every hour for months keeps only what it lists now."""
        listed = set(names)
        for kept in (self.validators, self.files, self.failing):
            for name in [n for n in kept if n not in listed]:
                del kept[name]


def next_wait(poll_interval: float, failures: int, rng: random.Random) -> float:
    """Seconds until a source's next poll: the interval, doubled per failure up to
    MAX_BACKOFF (never below the interval), each varied by ±JITTER."""
    ceiling = max(poll_interval, MAX_BACKOFF)
    spread = (1 - JITTER, 1 + JITTER)
    return backoff_delay(failures, base=poll_interval, cap=ceiling, rng=rng, spread=spread)


class CapWatcher:
    """Polls `settings.sources`, turns CAP files into signed alerts through `send`."""

    def __init__(
        self,
        settings: CapSettings,
        send: Send,
        audit: Audit | None = None,
        *,
        schema: CapSchema | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.settings = settings
        self._send = send
        self._audit = audit
        self._schema = schema or CapSchema()
        self._rng = rng or random.Random()
        self._judged: OrderedDict[str, str] = OrderedDict()
        self.progress = {source.name: SourceProgress() for source in settings.sources}
        self.state: CapState = load_state(settings.state_file)
        self.status_file = CapStatusFile(settings.status_file, settings.poll_interval)
        self._tick: Callable[[], None] = lambda: None
        self._stop = threading.Event()

    # -- the loop ---------------------------------------------------------------------------

    def run(self, stop: threading.Event, tick: Callable[[], None] = lambda: None) -> None:
        """Poll until `stop` is set; `tick` (the watchdog) is called at least every 5 s while
        idle and before each request, so it is late by at most one cap.deadline."""
        self._tick, self._stop = tick, stop
        self.status_file.write(self.progress, self.state)
        while not stop.is_set():
            self.poll_due(dt.datetime.now(dt.UTC), time.monotonic())
            tick()
            due = min((p.due for p in self.progress.values()), default=time.monotonic() + 5)
            stop.wait(min(max(due - time.monotonic(), 0.05), 5.0))

    def poll_due(self, now: dt.datetime, mono: float) -> None:
        """Poll every source whose time has come, then write the status."""
        polled = False
        for source in self.settings.sources:
            progress = self.progress[source.name]
            if progress.due > mono:
                continue
            polled = True
            progress.last_poll = format_utc(now)
            try:
                if source.url:
                    self._poll_url(source, progress, now, mono)
                else:
                    self._poll_folder(source, progress, now, mono)
            except (FetchError, CapError, CapDeliveryError) as exc:
                self._failed(source, progress, str(exc))
            else:
                if progress.failures:
                    log.info("CAP source %s answers again", source.name)
                progress.failures, progress.last_error = 0, None
                progress.last_ok = format_utc(now)
            progress.due = mono + self._wait(progress.failures)
        expired = self.state.expired(now)
        if expired is not self.state:
            self._keep(expired)
        if polled:
            self.status_file.write(self.progress, self.state)

    def _wait(self, failures: int) -> float:
        return next_wait(self.settings.poll_interval, failures, self._rng)

    def _failed(self, source: CapSource, progress: SourceProgress, reason: str) -> None:
        progress.failures += 1
        if reason != progress.last_error:
            log.warning("CAP source %s: %s", source.name, reason)
        progress.last_error = reason

    def _try_file(
        self,
        name: str,
        progress: SourceProgress,
        now: dt.datetime,
        mono: float,
        attempt: Callable[[], None],
    ) -> bool:
        """Run `attempt()` for one listed file; its FetchError or CapDeliveryError backs off that
        file alone. True when it succeeded."""
        try:
            attempt()
        except (FetchError, CapDeliveryError) as exc:
            reason = str(exc)
            failure = progress.failing.get(name)
            if failure is None:
                failure = progress.failing[name] = FileFailure(0, 0.0, "", format_utc(now))
            if reason != failure.last_error:
                log.warning("CAP file %s: %s", name, reason)
            failure.failures += 1
            failure.last_error = reason
            failure.due = mono + self._wait(failure.failures)
            return False
        if progress.failing.pop(name, None) is not None:
            log.info("CAP file %s answers again", name)
        return True

    # -- sources ----------------------------------------------------------------------------

    def _get(self, url: str, progress: SourceProgress) -> bytes | None:
        self._tick()
        etag, modified = progress.validators.get(url, (None, None))
        try:
            fetched = fetch_url(
                url,
                etag=etag,
                last_modified=modified,
                max_bytes=self.settings.max_bytes,
                deadline=self.settings.deadline,
            )
        except FetchError as exc:
            if not exc.content:
                raise
            self.judge_refusal(url, str(exc))
            return None
        if fetched.body is not None:
            progress.validators[url] = (fetched.etag, fetched.last_modified)
        return fetched.body

    def _poll_url(
        self, source: CapSource, progress: SourceProgress, now: dt.datetime, mono: float
    ) -> None:
        url = source.url or ""
        body = self._get(url, progress)
        if body is not None:
            digest = hashlib.sha256(body).hexdigest()
            try:
                root = safe_root(body)
                progress.links = None if is_cap(root) else index_links(root, url)
            except CapError as exc:
                if digest not in self._judged:
                    self._record(Decision.refusal(url, str(exc)), digest)
                progress.links = []
                progress.forget_unlisted([url])
                return
            progress.forget_unlisted([url, *(progress.links or ())])
            if progress.links is None:
                try:
                    self.handle(url, body, now)
                except CapDeliveryError:
                    progress.validators.pop(url, None)  # fetch it whole next time
                    raise
                return
        # An index is walked on every poll, unchanged or not: each listed file is asked for
        # with its own validators, so a file changed in place is seen too (304s are cheap).
        for link in progress.in_turn(progress.links or [], mono):
            if self._stop.is_set():
                break
            taken = self._try_file(
                link, progress, now, mono, partial(self._take_link, link, progress, now)
            )
            if not taken:
                progress.validators.pop(link, None)  # fetch it whole next time

    def _take_link(self, link: str, progress: SourceProgress, now: dt.datetime) -> None:
        data = self._get(link, progress)
        if data is not None:
            self.handle(link, data, now)

    def _poll_folder(
        self, source: CapSource, progress: SourceProgress, now: dt.datetime, mono: float
    ) -> None:
        folder = source.folder or Path(".")
        try:
            names = sorted(str(p) for p in folder.iterdir() if p.suffix.lower() == ".xml")
        except OSError as exc:
            raise FetchError(f"{folder}: cannot list ({exc.strerror or exc})") from None
        progress.forget_unlisted(names)
        for name in progress.in_turn(names, mono):
            if self._stop.is_set():
                break
            self._tick()
            path = Path(name)
            try:
                info = path.stat()
            except OSError:
                continue  # removed meanwhile
            mark = (info.st_mtime_ns, info.st_size)
            if progress.files.get(name) == mark:
                continue
            if self._try_file(name, progress, now, mono, partial(self._take_file, path, now)):
                progress.files[name] = mark

    def _take_file(self, path: Path, now: dt.datetime) -> None:
        try:
            data = read_capped_file(path, self.settings.max_bytes)
        except FetchError as exc:
            if not exc.content:
                raise
            self.judge_refusal(str(path), str(exc))
        except OSError as exc:
            raise FetchError(f"{path}: unreadable ({exc.strerror or exc})") from None
        else:
            self.handle(str(path), data, now)

    # -- judging ----------------------------------------------------------------------------

    def judge_refusal(self, where: str, reason: str) -> None:
        key = f"{where}\n{reason}"
        if key not in self._judged:
            self._record(Decision.refusal(where, reason), key)

    def handle(self, where: str, data: bytes, now: dt.datetime) -> Plan | None:
        """Judge one CAP file and send what it asks for; CapDeliveryError leaves it to try again."""
        digest = hashlib.sha256(data).hexdigest()
        if digest in self._judged:
            return None
        try:
            root = safe_root(data)
            if not is_cap(root):
                raise CapError(f"not a CAP 1.2 alert (root <{root.tag}>)")
            message = parse_cap_root(root, self._schema)
            outcome = plan(
                message,
                self.state,
                self.settings.groups,
                now,
                dt.timedelta(seconds=self.settings.lifetime),
            )
        except CapError as exc:
            self._record(Decision.refusal(where, str(exc)), digest)
            return None
        except Exception as exc:  # a fault of ours: a crash would read the same file again
            log.exception("CAP file %s could not be judged", where)
            reason = f"could not be judged ({exc.__class__.__name__}: {exc}); please report it"
            self._record(Decision.refusal(where, reason), digest)
            return None
        if outcome.verdict == "duplicate":
            self._remember(digest, outcome.verdict)
            return outcome
        for group, payload, lifetime in outcome.sends:
            try:
                self._send(payload, lifetime)
            except Exception as exc:
                raise CapDeliveryError(
                    f"{message.identifier}: not sent to {group}: {exc}"
                ) from None
        if outcome.state is not None:
            self._keep(outcome.state)
        self._record(Decision.of(where, message, outcome, now), digest)
        return outcome

    def _keep(self, state: CapState) -> None:
        self.state = state
        try:
            save_state(self.settings.state_file, state)
        except OSError as exc:
            log.error("cannot save CAP state %s: %s", self.settings.state_file, exc)

    def _remember(self, key: str, verdict: str) -> None:
        self._judged[key] = verdict
        while len(self._judged) > MAX_JUDGED:
            self._judged.popitem(last=False)

    def _record(self, decision: Decision, key: str) -> None:
        self._remember(key, decision.verdict)
        level = logging.WARNING if decision.verdict in ("refused", "unmatched") else logging.INFO
        log.log(level, "%s", decision.line())
        self.status_file.note(decision)
        if self._audit is not None:
            try:
                self._audit(decision)
            except Exception as exc:  # the audit log must not stop warnings reaching screens
                first = str(exc).strip().splitlines()[0] if str(exc).strip() else repr(exc)
                log.error("CAP audit record not written (%s); the line above has it", first)
