"""Soak harness: the real player on an accelerated clock in a subprocess, and ways to watch it.

The child is `python -m tests.soak_harness --config C --rate R --origin T --frame-log F`:
`videotron run --headless` with a scheduling clock that runs R times faster than real
time from the epoch second T on. The test computes the same clock (`AcceleratedClock`),
so it can seal alerts whose expiry lies in the real future (the push client checks
expiry against real time) yet passes on the player's schedule a second or so later.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


class AcceleratedClock:
    """Epoch seconds that run `rate` times faster than real time from `origin` on."""

    def __init__(self, rate: float, origin: float) -> None:
        self.rate = rate
        self.origin = origin

    def __call__(self) -> float:
        return self.origin + (time.time() - self.origin) * self.rate

    def now(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self(), dt.UTC)

    def span(self, real_seconds: float) -> dt.timedelta:
        """How much schedule time passes in `real_seconds` of real time."""
        return dt.timedelta(seconds=real_seconds * self.rate)


class FrameTail:
    """Reads a growing frame log; counts item switches; waits for frames with a deadline."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.switches = 0
        self.frames = 0
        self.last: dict | None = None
        self._offset = 0
        self._partial = b""
        self._showing: tuple | None = None

    def read(self) -> list[dict]:
        """The records written since the last call."""
        try:
            with self.path.open("rb") as handle:
                handle.seek(self._offset)
                data = handle.read()
        except FileNotFoundError:
            return []
        self._offset += len(data)
        lines = (self._partial + data).split(b"\n")
        self._partial = lines.pop()
        records = [json.loads(line) for line in lines if line.strip()]
        for record in records:
            self.frames += 1
            self.last = record
            if record["kind"] != "item":
                self._showing = None
                continue
            showing = (record["item"], record["slot_start"])
            if showing != self._showing:
                self.switches += 1
                self._showing = showing
        return records

    def wait_for(
        self,
        what: str,
        match: Callable[[dict], bool],
        timeout: float,
        alive: Callable[[], None] = lambda: None,
    ) -> dict:
        """The first new frame that matches, read within `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            for record in self.read():
                if match(record):
                    return record
            alive()
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"no frame showing {what} within {timeout} s; last frame: {self.last}"
                )
            time.sleep(0.02)


class RssSampler:
    """Samples a process's resident memory in a thread, each sample tagged with a phase."""

    def __init__(self, pid: int, every: float = 0.2) -> None:
        import psutil

        self._process = psutil.Process(pid)
        self.every = every
        self.phase = 0
        self.samples: list[tuple[int, int]] = []  # (phase, rss bytes)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            try:
                self.samples.append((self.phase, self._process.memory_info().rss))
            except Exception:  # the process ended: nothing more to sample
                return

    def in_phase(self, phase: int) -> list[int]:
        return [rss for p, rss in self.samples if p == phase]

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


class SoakPlayer:
    """The child player process, observed through its status file, frame log and RSS."""

    def __init__(self, config: Path, runtime: Path, frame_log: Path, log: Path, rate: float):
        self.config = config
        self.status_path = runtime / "status.json"
        self.log_path = log
        self.clock = AcceleratedClock(rate, time.time())
        self.frames = FrameTail(frame_log)
        self.frame_log = frame_log
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        env = {**os.environ, "SDL_VIDEODRIVER": "dummy", "PYGAME_HIDE_SUPPORT_PROMPT": "1"}
        command = [sys.executable, "-m", "tests.soak_harness", "--config", str(self.config)]
        command += ["--rate", repr(self.clock.rate), "--origin", repr(self.clock.origin)]
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(
                [*command, "--frame-log", str(self.frame_log)],
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                cwd=REPO,
            )

    def log_tail(self, chars: int = 3000) -> str:
        return self.log_path.read_text(errors="replace")[-chars:]

    def alive(self) -> None:
        """Fail at once, with the log, if the player has exited."""
        assert self.proc is not None
        if self.proc.poll() is not None:
            raise AssertionError(f"player exited with {self.proc.returncode}:\n{self.log_tail()}")

    def status(self) -> dict:
        try:
            return json.loads(self.status_path.read_text())
        except (OSError, ValueError):
            return {}

    def wait_status(self, what: str, check: Callable[[dict], bool], timeout: float) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            self.alive()
            status = self.status()
            if check(status):
                return status
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"timed out after {timeout} s waiting for {what}; status: "
                    f"{json.dumps({k: status.get(k) for k in ('render', 'sync', 'mqtt')})}"
                )
            time.sleep(0.05)

    def wait_frame(self, what: str, match: Callable[[dict], bool], timeout: float) -> dict:
        return self.frames.wait_for(what, match, timeout, self.alive)

    def stop(self, timeout: float = 20.0) -> int:
        """SIGTERM and the exit code; kills and fails if it does not stop in time."""
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)
            raise AssertionError(f"player did not stop within {timeout} s of SIGTERM") from None


def main(argv: list[str] | None = None) -> int:
    from player.app import RunOptions, run_player

    parser = argparse.ArgumentParser(prog="python -m tests.soak_harness", description=__doc__)
    parser.add_argument("--config", type=Path, required=True)
    parser.add_argument("--rate", type=float, required=True, help="clock speed-up factor")
    parser.add_argument("--origin", type=float, required=True, help="epoch s where both agree")
    parser.add_argument("--frame-log", type=Path, required=True)
    args = parser.parse_args(argv)
    options = RunOptions(
        headless=True,
        frame_log=args.frame_log,
        clock=AcceleratedClock(args.rate, args.origin),
    )
    return run_player(args.config, options)


if __name__ == "__main__":
    sys.exit(main())
