"""systemd integration: a thread supervisor that feeds the watchdog only while all is well."""

from __future__ import annotations

import logging
import random
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field

from player.service.board import StatusBoard
from player.service.statusview import one_line_summary
from player.wire.backoff import backoff_delay
from player.wire.sdnotify import Notifier, watchdog_interval

log = logging.getLogger(__name__)

WorkerTarget = Callable[[threading.Event, Callable[[], None]], None]


@dataclass
class _Worker:
    name: str
    target: WorkerTarget
    stuck_after: float
    last_beat: float
    state: str = "starting"  # starting, running, restarting, stopped, dead
    restarts: int = 0
    last_error: str | None = None
    thread: threading.Thread | None = field(default=None, repr=False)


class Supervisor:
    """Runs worker threads, restarts crashed ones, and feeds the watchdog only when all is well.

    Healthy means: every worker thread is alive and has called beat() within its
    stuck_after, and (once the player said ready, or the render loop beat once) the
    render loop has called main_beat() within main_stuck_after. A hung thread cannot be
    killed from Python, so the remedy for one is to stop pinging and let systemd
    restart the whole process.
    """

    def __init__(
        self,
        notifier: Notifier,
        status: StatusBoard,
        clock: Callable[[], float] = time.monotonic,
        *,
        main_stuck_after: float = 15.0,
        interval: float | None = None,
        backoff_base: float = 1.0,
        backoff_max: float = 60.0,
        check_every: float = 1.0,
        rng: random.Random | None = None,
        summary: Callable[[dict], str] | None = None,
    ) -> None:
        self.notifier = notifier
        self.status = status
        self.clock = clock
        self.main_stuck_after = main_stuck_after
        self.interval = watchdog_interval() if interval is None else interval
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self.check_every = check_every
        self._rng = rng or random.Random()
        self._summary = summary or one_line_summary
        self._lock = threading.Lock()
        self._workers: dict[str, _Worker] = {}
        self._stop = threading.Event()
        self._pinger: threading.Thread | None = None
        self._main_last_beat: float | None = None
        self._ready = False
        self._last_reason: str | None = None
        self._last_status_line: str | None = None

    # -- workers --------------------------------------------------------------------------

    def add_worker(self, name: str, target: WorkerTarget, stuck_after: float) -> None:
        """Start `target(stop, beat)` in a daemon thread, restarted whenever it raises."""
        with self._lock:
            if name in self._workers:
                raise ValueError(f"worker {name!r} is already supervised")
            worker = _Worker(name, target, stuck_after, last_beat=self.clock())
            self._workers[name] = worker
            worker.thread = threading.Thread(
                target=self._run_worker, args=(worker,), name=f"videotron-{name}", daemon=True
            )
        worker.thread.start()
        self._publish_health()
        self._ensure_pinger()

    def _backoff(self, failures: int) -> float:
        return backoff_delay(
            failures - 1, base=self.backoff_base, cap=self.backoff_max, rng=self._rng
        )

    def _run_worker(self, worker: _Worker) -> None:
        failures = 0

        def beat() -> None:
            worker.last_beat = self.clock()

        while not self._stop.is_set():
            worker.last_beat = self.clock()
            self._set_state(worker, "running")
            started = self.clock()
            try:
                worker.target(self._stop, beat)
            except Exception as exc:
                if self._stop.is_set():
                    break
                if self.clock() - started > self.backoff_max:
                    failures = 0  # it ran fine for a good while: start the backoff over
                failures += 1
                worker.last_error = f"{type(exc).__name__}: {exc}"
                delay = self._backoff(failures)
                log.error(
                    "worker %s crashed (restart %d in %.1f s):\n%s",
                    worker.name,
                    worker.restarts + 1,
                    delay,
                    "".join(traceback.format_exception(exc)).rstrip(),
                )
            else:
                if self._stop.is_set():
                    break
                failures += 1
                worker.last_error = "returned without being asked to stop"
                delay = self._backoff(failures)
                log.error(
                    "worker %s returned unexpectedly; restarting in %.1f s", worker.name, delay
                )
            worker.restarts += 1
            self._set_state(worker, "restarting")
            if self._stop.wait(delay):
                break
        self._set_state(worker, "stopped")

    def _set_state(self, worker: _Worker, state: str) -> None:
        with self._lock:
            worker.state = state
        self._publish_health()

    # -- render loop and readiness --------------------------------------------------------

    def main_beat(self) -> None:
        """Called by the render loop once per iteration; cheap (one float store)."""
        self._main_last_beat = self.clock()

    def ready(self) -> None:
        """The first frame is on screen: tell systemd, and watch the render loop from now on."""
        if self._main_last_beat is None:
            self._main_last_beat = self.clock()
        self._ready = True
        self.notifier.ready()
        log.info("ready: first frame on screen")
        self._ensure_pinger()

    # -- health and the watchdog ----------------------------------------------------------

    def healthy(self) -> tuple[bool, str]:
        """(True, "ok") or (False, what is wrong, in words a technician can act on)."""
        now = self.clock()
        problems: list[str] = []
        with self._lock:
            workers = list(self._workers.values())
        for w in workers:
            if w.thread is not None and not w.thread.is_alive() and w.state != "stopped":
                problems.append(f"worker {w.name} is dead")
            elif w.state == "running" and now - w.last_beat > w.stuck_after:
                problems.append(
                    f"worker {w.name} is stuck (no beat for {now - w.last_beat:.0f} s,"
                    f" limit {w.stuck_after:g} s)"
                )
        main = self._main_last_beat
        if main is not None:
            age = now - main
            if age > self.main_stuck_after:
                problems.append(
                    f"render loop is stuck (no frame for {age:.0f} s,"
                    f" limit {self.main_stuck_after:g} s)"
                )
        if problems:
            return False, "; ".join(problems)
        return True, "ok"

    def _worker_health(self) -> dict:
        now = self.clock()
        threads = {}
        with self._lock:
            workers = list(self._workers.values())
        for w in workers:
            state = w.state
            if w.thread is not None and not w.thread.is_alive() and state != "stopped":
                state = "dead"
            elif state == "running" and now - w.last_beat > w.stuck_after:
                state = "stuck"
            threads[w.name] = {
                "state": state,
                "restarts": w.restarts,
                "last_error": w.last_error,
                "stuck_after": w.stuck_after,
            }
        return threads

    def _publish_health(self, healthy: tuple[bool, str] | None = None) -> None:
        ok, reason = healthy or self.healthy()
        # Only states, never beat times: the section changes on events, not every tick,
        # so the status file is not rewritten for nothing.
        self.status.replace(
            "health",
            {
                "healthy": ok,
                "reason": reason,
                "threads": self._worker_health(),
                "ready": self._ready,
                "watchdog": {"enabled": bool(self.interval), "interval": self.interval},
            },
        )

    def _ensure_pinger(self) -> None:
        with self._lock:
            if self._pinger is not None or self._stop.is_set():
                return
            self._pinger = threading.Thread(
                target=self._ping_loop, name="videotron-watchdog", daemon=True
            )
            pinger = self._pinger
        pinger.start()

    def _ping_period(self) -> float:
        # At most half the watchdog interval, so one late round is not fatal; checking
        # often also shows a stuck thread in the status file within a second or so.
        if self.interval:
            return min(self.interval / 2, self.check_every)
        return self.check_every

    def check(self) -> bool:
        """One watchdog round: evaluate health, publish it, ping when healthy."""
        ok, reason = self.healthy()
        self._publish_health((ok, reason))
        if ok:
            if self._last_reason is not None:
                log.warning("healthy again; watchdog pings resume")
                self._last_reason = None
            if self.interval:
                self.notifier.watchdog()
        elif reason != self._last_reason:
            log.error(
                "unhealthy: %s; %s",
                reason,
                "watchdog pings stopped, systemd will restart the player"
                if self.interval
                else "no systemd watchdog to restart the player",
            )
            self._last_reason = reason
        self._send_status_line(ok, reason)
        return ok

    def _send_status_line(self, ok: bool, reason: str) -> None:
        if not self.notifier.enabled:
            return
        line = reason if not ok else "running"
        if ok:
            try:
                line = self._summary(self.status.snapshot())
            except Exception:
                log.exception("status summary failed")
        if not ok:
            line = "UNHEALTHY: " + line
        if line != self._last_status_line:
            self.notifier.status(line)
            self._last_status_line = line

    def _ping_loop(self) -> None:
        period = self._ping_period()
        while not self._stop.is_set():
            self.check()
            self._stop.wait(period)

    def stop(self, timeout: float = 5.0) -> None:
        """Ask every worker to stop and wait for them, `timeout` seconds in all."""
        self.notifier.stopping()
        self._stop.set()
        deadline = time.monotonic() + timeout
        with self._lock:
            threads = [w.thread for w in self._workers.values() if w.thread is not None]
            pinger = self._pinger
        for thread in [*threads, pinger]:
            if thread is None:
                continue
            thread.join(max(0.0, deadline - time.monotonic()))
            if thread.is_alive():
                log.warning("thread %s did not stop within %.0f s", thread.name, timeout)
