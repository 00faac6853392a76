"""A display switched through HDMI-CEC with `cec-ctl` (v4l-utils): on, standby, and its answer.

Each command is one `cec-ctl` run, bounded in time. The player claims a playback device's
logical address (`--playback`) and talks to the display at logical address 0 (`--to 0`):
`--image-view-on` wakes it, `--standby` puts it in standby, and `--give-device-power-status`
asks it, answered by a REPORT_POWER_STATUS line `pwr-state: on (0x00)`, `standby (0x01)`,
`to-on (0x02)` or `to-standby (0x03)`. The state reported is that answer, never the
command sent: a display that ignores standby is reported on.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from player.led.controller import ControllerError

CEC_CTL = "cec-ctl"
RUN_TIMEOUT = 10.0  # seconds one cec-ctl run may take; a hung bus must not hold the keeper
_POWER_STATE = re.compile(r"pwr-state:\s*(on|standby|to-on|to-standby)\b")
ON_STATES = ("on", "to-on")  # a display waking up is on: some stay "to-on" for hours


def power_state(output: str) -> bool | None:
    """True (on), False (standby) from cec-ctl's answer; None when the display did not say."""
    found = _POWER_STATE.search(output)
    return None if found is None else found.group(1) in ON_STATES


class CecDisplay:
    """The display on the HDMI port's CEC adapter `device` (e.g. /dev/cec0)."""

    def __init__(self, device: Path, timeout: float = RUN_TIMEOUT) -> None:
        self.device = device
        self.timeout = timeout
        self.name = f"hdmi-cec {device}"

    def set_power(self, on: bool) -> bool:
        """Wake the display or put it in standby; the state it then reports."""
        self._run("--image-view-on" if on else "--standby")
        output = self._run("--give-device-power-status")
        state = power_state(output)
        if state is None:
            last = (output.strip().splitlines() or ["nothing"])[-1].strip()
            raise ControllerError(
                f"{self.device}: the display did not report its power state ({last}); check "
                "that HDMI-CEC is enabled in the display's menu (Anynet+, Bravia Sync, SimpLink)"
            )
        return state

    def close(self) -> None:
        """Nothing is held between runs."""

    def _run(self, command: str) -> str:
        program = shutil.which(CEC_CTL)
        if program is None:
            raise ControllerError(
                "cec-ctl is not installed: `sudo apt install v4l-utils`, or set power.switch "
                "to none or controller in player.yaml"
            )
        args = [program, "-d", str(self.device), "--playback", "--to", "0", command]
        try:
            done = subprocess.run(
                args, capture_output=True, text=True, timeout=self.timeout, check=False
            )
        except subprocess.TimeoutExpired:
            raise ControllerError(
                f"{self.device}: cec-ctl {command} did not finish within {self.timeout:g} s"
            ) from None
        except OSError as exc:
            raise ControllerError(f"{self.device}: cannot run cec-ctl: {exc}") from None
        if done.returncode != 0:
            said = (done.stderr.strip() or done.stdout.strip()).splitlines()
            why = said[-1] if said else f"exit code {done.returncode}"
            raise ControllerError(
                f"{self.device}: cec-ctl {command} failed ({why}); check power.cec_device "
                "(`ls /dev/cec*`) and that the HDMI cable is in"
            )
        return done.stdout
