"""The health sampler: one supervised thread that reads the machine every minute.

Each sample (player/machine/readings.py) replaces the status board's `machine` section,
with the sending card's link as the brightness keeper last saw it. The push client sends
the section with the next status; the office keeps each sample as history. A problem that
appears (too hot, under-voltage, the SD card read-only) is logged once when it appears.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

from player.machine.readings import Disk, Run, disk_of, read_machine, run_command
from player.service.board import StatusBoard
from player.wire.isotime import format_utc
from player.wire.machinehealth import HOT_C

log = logging.getLogger(__name__)

SAMPLE_EVERY = 60.0  # seconds between samples


# (flag, what the log says when it appears)
LOGGED_FLAGS = (
    ("under_voltage", "under-voltage: the power supply sags; check the supply and its cable"),
    ("throttled", "the CPU is throttled: check the cabinet's cooling"),
    ("sd_read_only", "the cache's file system is read-only: the SD card is failing"),
)


class HealthSampler:
    """Samples the machine's health into the status board's `machine` section."""

    def __init__(
        self,
        status: StatusBoard,
        cache_dir: Path,
        *,
        root: Path = Path("/"),
        clock: Callable[[], float] = time.time,
        every: float = SAMPLE_EVERY,
        run: Run = run_command,
        disk: Callable[[Path], Disk] = disk_of,
    ) -> None:
        self.status = status
        self.cache_dir = cache_dir
        self.root = root
        self.clock = clock
        self.every = every
        self.run_command = run
        self.disk = disk
        self._seen: set[str] = set()  # problems logged and not yet gone

    def run(self, stop: threading.Event, beat: Callable[[], None]) -> None:
        """Sample until `stop`; the supervisor restarts it should it raise."""
        while not stop.is_set():
            beat()
            self.sample()
            stop.wait(self.every)

    def sample(self) -> dict:
        """Read the machine once, write the `machine` section, and return it."""
        reading = read_machine(self.root, self.cache_dir, run=self.run_command, disk=self.disk)
        link = self.status.get("brightness").get("link")
        reading["controller_link"] = link
        reading["sampled_at"] = format_utc(dt.datetime.fromtimestamp(self.clock(), dt.UTC))
        self._log_changes(reading)
        self.status.replace("machine", reading)
        return reading

    def _log_changes(self, reading: dict) -> None:
        problems = {flag: text for flag, text in LOGGED_FLAGS if reading.get(flag)}
        temp = reading.get("temp_c")
        if temp is not None and temp >= HOT_C:
            problems["hot"] = f"the SoC is at {temp:.1f} °C: check the cabinet's cooling"
        for flag, text in problems.items():
            if flag not in self._seen:
                log.warning("health: %s", text)
        for flag in self._seen - problems.keys():
            log.info("health: %s is over", flag.replace("_", " "))
        self._seen = set(problems)
