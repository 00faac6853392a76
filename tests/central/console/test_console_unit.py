"""The console's systemd unit: serves from central.yaml as the collector's user; systemd agrees."""

from __future__ import annotations

from pathlib import Path

from tests.fixtures.systemd import systemd_accepts

UNIT = Path(__file__).resolve().parents[3] / "systemd" / "videotron-console.service"


def test_the_unit_serves_the_console_and_systemd_accepts_it():
    text = UNIT.read_text(encoding="utf-8")
    assert "videotron --config /etc/videotron/central.yaml console" in text
    assert "User=videotron-central" in text and "NoNewPrivileges=yes" in text
    systemd_accepts(UNIT)
