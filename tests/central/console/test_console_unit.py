"""The console's systemd unit: serves from central.yaml as the collector's user; systemd agrees."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

UNIT = Path(__file__).resolve().parents[3] / "systemd" / "videotron-console.service"


def test_the_unit_serves_the_console_and_systemd_accepts_it():
    text = UNIT.read_text(encoding="utf-8")
    assert "videotron --config /etc/videotron/central.yaml console" in text
    assert "User=videotron-central" in text and "NoNewPrivileges=yes" in text
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed")
    result = subprocess.run(
        ["systemd-analyze", "verify", str(UNIT)], capture_output=True, text=True, timeout=60,
        check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
