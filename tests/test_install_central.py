"""install-central.sh and the collector unit: a dry run of every step, a unit systemd accepts."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.fixtures.systemd import systemd_accepts

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "scripts" / "install-central.sh"
UNIT = REPO / "systemd" / "videotron-collector.service"


def test_dry_run_lists_every_step_and_changes_nothing():
    existed = Path("/opt/videotron/central-venv").exists()
    result = subprocess.run(
        ["bash", str(SCRIPT), "--dry-run", "--no-start"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    steps = "\n".join(line[2:] for line in result.stdout.splitlines() if line.startswith("+ "))
    assert "python3 -m venv /opt/videotron/central-venv" in steps
    assert "/opt/videotron/central-src\\[office\\]" in steps
    assert (
        "install -d -m 0750 -o videotron-central -g videotron-central "
        "/var/lib/videotron-central" in steps
    )
    assert "/etc/videotron/central.yaml" in steps
    assert "systemctl enable videotron-collector.service" in steps
    # The CAP watcher's unit is installed, but it sends to screens: enabled by hand only.
    assert "/etc/systemd/system/videotron-cap.service" in steps
    assert "enable videotron-cap" not in steps
    # So is the console's: a web page goes behind nginx with TLS, with accounts, first.
    assert "/etc/systemd/system/videotron-console.service" in steps
    assert "enable videotron-console" not in steps
    assert "systemctl restart" not in steps
    assert Path("/opt/videotron/central-venv").exists() == existed


def test_the_cap_watcher_unit_is_a_notify_servicesystemd_accepts():
    unit = REPO / "systemd" / "videotron-cap.service"
    text = unit.read_text(encoding="utf-8")
    assert "Type=notify" in text and "WatchdogSec=" in text
    assert "videotron --config /etc/videotron/central.yaml cap-watch" in text
    assert "RuntimeDirectory=videotron-cap" in text  # cap.status_file's default folder
    systemd_accepts(unit)


def test_the_unit_runs_the_collector_as_a_notify_service_with_a_watchdog():
    text = UNIT.read_text(encoding="utf-8")
    assert "Type=notify" in text and "WatchdogSec=" in text
    assert "videotron --config /etc/videotron/central.yaml collect" in text
    assert "StateDirectory=videotron-central" in text
    systemd_accepts(UNIT)
