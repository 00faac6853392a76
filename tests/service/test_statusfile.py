"""The status file: atomic, debounced, refreshed; `videotron status` output and exit codes."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from player.service.board import StatusBoard
from player.service.statusfile import StatusWriter, boot_clock, boot_id, render_summary

HEALTHY = {"healthy": True, "reason": "ok", "threads": {"sync": {"state": "running"}}}


@pytest.fixture
def runtime(tmp_path):
    """A config whose runtime.dir is a temp folder, as `videotron --config` would read it."""
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    config = tmp_path / "player.yaml"
    config.write_text(f"runtime:\n  dir: {run_dir}\n")
    return config, run_dir


def videotron(config: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "videotron", "--config", str(config), *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def board(**sections) -> StatusBoard:
    status = StatusBoard()
    for name, values in sections.items():
        status.replace(name, values)
    return status


def full_board() -> StatusBoard:
    now = dt.datetime.now(dt.UTC)
    return board(
        player={"id": "alun-alun-1", "version": "0.1.0", "started_at": now.isoformat()},
        render={
            "item": "psa-flood",
            "type": "video",
            "since": now.isoformat(),
            "first_frame": now.isoformat(),
        },
        sync={
            "state": "downloading",
            "last_result": "ok",
            "last_ok_at": (now - dt.timedelta(minutes=5)).isoformat(),
            # Half a minute of slack: "in 4 min" still holds when `videotron status` starts
            # slowly on a busy machine.
            "next_attempt_at": (now + dt.timedelta(minutes=4, seconds=30)).isoformat(),
            "manifest_sequence": 42,
            "manifest_published_at": (now - dt.timedelta(hours=3)).isoformat(),
            "progress": {"done_bytes": 250_000_000, "total_bytes": 1_000_000_000, "rate": 2e6},
        },
        cache={"used_bytes": 3_200_000_000, "max_bytes": 8_000_000_000, "files": 57},
        mqtt={"state": "connected", "broker": "mqtts://broker.example:8883"},
        config={"path": "/etc/videotron/player.yaml", "errors": []},
        health=HEALTHY,
    )


def test_write_is_atomic_for_a_concurrent_reader(tmp_path):
    path = tmp_path / "status.json"
    status = board(render={"reason": "x" * 20000})  # big enough to need several writes
    writer = StatusWriter(path, status)
    writer.write()
    bad: list[str] = []
    stop = threading.Event()

    def reader() -> None:
        while not stop.is_set():
            try:
                json.loads(path.read_text())
            except ValueError as exc:
                bad.append(str(exc))

    thread = threading.Thread(target=reader)
    thread.start()
    for i in range(200):
        status.update("render", frames=i)
        writer.write()
    stop.set()
    thread.join(5)
    assert bad == []
    doc = json.loads(path.read_text())
    assert doc["render"]["frames"] == 199
    assert doc["pid"] == os.getpid()
    assert oct(path.stat().st_mode & 0o777) == "0o644"
    assert [p.name for p in tmp_path.iterdir()] == ["status.json"]  # no temp files left


class _TimedWriter(StatusWriter):
    """The real writer, noting on its own clock when each write starts."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.started: list[float] = []

    def write(self, extra: dict | None = None) -> bool:
        self.started.append(self.clock())
        return super().write(extra)


def _wait(condition, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out after {seconds} s waiting for {what}"
        time.sleep(0.01)


def _document(path):
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def test_worker_debounces_bursts_and_refreshes_when_idle(tmp_path):
    path = tmp_path / "status.json"
    status = board(sync={"state": "idle"})
    writer = _TimedWriter(path, status, min_interval=0.3, refresh=0.5)
    stop = threading.Event()
    beats = []
    thread = threading.Thread(target=writer.run, args=(stop, lambda: beats.append(1)))
    thread.start()
    try:
        _wait(path.exists, 10, "the first write")
        for i in range(100):  # a burst of 100 changes
            status.update("sync", progress=i)
            time.sleep(0.001)
        # The last change is written, however long the burst took ...
        _wait(lambda: _document(path).get("sync", {}).get("progress") == 99, 10, "the last")
        # ... and never two writes closer than min_interval: a burst is gathered, not echoed.
        gaps = [b - a for a, b in itertools.pairwise(writer.started)]
        assert len(writer.started) < 100 and min(gaps, default=1.0) >= 0.3, gaps
        # Idle: rewritten every `refresh` seconds so readers see the player is alive.
        stamp = _document(path)["written_at_boot"]
        _wait(lambda: _document(path).get("written_at_boot", 0) > stamp, 10, "a refresh")
        assert beats, "the worker must beat for the supervisor"
    finally:
        stop.set()
        thread.join(5)
    assert "stopped_at" in json.loads(path.read_text())


def test_write_failure_is_reported_not_raised(tmp_path, caplog):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    writer = StatusWriter(blocker / "status.json", board())
    assert writer.write() is False
    assert writer.write() is False
    assert caplog.text.count("cannot write status file") == 1


def test_status_of_a_healthy_player(runtime):
    config, run_dir = runtime
    StatusWriter(run_dir / "status.json", full_board()).write()
    result = videotron(config, "status")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "alun-alun-1" in out and "running, healthy" in out
    assert "psa-flood (video)" in out
    assert "sequence 42, published" in out and "3 h 0 min ago" in out
    assert "250.0 MB of 1.0 GB (25%) at 2.0 MB/s" in out
    assert "3.2 GB of 8.0 GB, 57 files" in out
    assert "connected (mqtts://broker.example:8883)" in out
    assert "next sync" in out and "(in 4 min)" in out


def test_status_json_is_the_raw_file(runtime):
    config, run_dir = runtime
    StatusWriter(run_dir / "status.json", full_board()).write()
    result = videotron(config, "status", "--json")
    assert result.returncode == 0
    doc = json.loads(result.stdout)
    assert doc["sync"]["manifest_sequence"] == 42
    assert doc["pid"] == os.getpid()


def test_status_of_an_unhealthy_player_exits_1(runtime):
    config, run_dir = runtime
    status = full_board()
    status.replace(
        "health",
        {
            "healthy": False,
            "reason": "worker sync is stuck (no beat for 95 s, limit 60 s)",
            "threads": {
                "sync": {"state": "stuck", "restarts": 0},
                "push": {"state": "running", "restarts": 4, "last_error": "OSError: boom"},
            },
        },
    )
    status.replace(
        "config",
        {
            "path": "/etc/videotron/player.yaml",
            "errors": ["/etc/videotron/player.yaml:7:9: display.rotation: must be 0, 90, 180"],
        },
    )
    StatusWriter(run_dir / "status.json", status).write()
    result = videotron(config, "status")
    assert result.returncode == 1
    assert "UNHEALTHY: worker sync is stuck" in result.stdout
    assert "push           running, restarted 4x (last: OSError: boom)" in result.stdout
    assert "CONFIG REFUSED  1 error(s)" in result.stdout
    assert "player.yaml:7:9: display.rotation" in result.stdout


def test_config_errors_alone_are_not_unhealthy_but_not_healthy_either(runtime):
    config, run_dir = runtime
    status = full_board()
    status.replace("config", {"errors": ["player.yaml:3:1: mqtt.url: not a URL"]})
    StatusWriter(run_dir / "status.json", status).write()
    result = videotron(config, "status")
    assert result.returncode == 1  # a technician's attention, as the console flags it
    assert "CONFIG REFUSED" in result.stdout
    assert "UNHEALTHY" not in result.stdout and "healthy" not in result.stdout


def test_status_when_not_running(runtime):
    config, _ = runtime
    result = videotron(config, "status")
    assert result.returncode == 3
    assert "not running" in result.stderr and "journalctl -u videotron" in result.stderr


def test_status_file_from_a_dead_process_means_not_running(runtime):
    config, run_dir = runtime
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait(10)
    path = run_dir / "status.json"
    StatusWriter(path, full_board()).write({"pid": gone.pid})
    result = videotron(config, "status")
    assert result.returncode == 3
    assert f"process {gone.pid} that wrote the status is gone" in result.stdout


def test_stale_status_file_means_not_running(runtime):
    config, run_dir = runtime
    path = run_dir / "status.json"
    StatusWriter(path, full_board()).write({"written_at_boot": boot_clock() - 45})
    result = videotron(config, "status")
    assert result.returncode == 3
    # 45 s, or a little more when the command itself started slowly on a busy machine.
    written = re.search(r"last written (\d+) s ago", result.stdout)
    assert written and 45 <= int(written.group(1)) < 75, result.stdout


def test_staleness_ignores_a_wall_clock_jump(runtime):
    # A Pi without RTC: the wall clock jumped a year forward after the file was written.
    config, run_dir = runtime
    year_ago = (dt.datetime.now(dt.UTC) - dt.timedelta(days=365)).isoformat()
    StatusWriter(run_dir / "status.json", full_board()).write({"written_at": year_ago})
    assert boot_id() is not None
    assert videotron(config, "status").returncode == 0


def test_stopped_player_is_not_running(runtime):
    config, run_dir = runtime
    StatusWriter(run_dir / "status.json", full_board()).write(
        {"stopped_at": "2025-01-01T00:00:00+00:00"}
    )
    result = videotron(config, "status")
    assert result.returncode == 3
    assert "NOT RUNNING: the player stopped at 2025-01-01" in result.stdout


def test_unreadable_config_falls_back_to_the_default_runtime_dir(tmp_path):
    result = videotron(tmp_path / "missing.yaml", "status")
    assert "does not load; looking for the running player" in result.stderr
    if not Path("/run/videotron/status.json").exists():
        assert result.returncode == 3
        assert "/run/videotron/status.json" in result.stderr


def test_a_broken_config_still_leads_to_the_running_players_status(runtime):
    config, run_dir = runtime
    status = full_board()
    status.update("config", errors=["player.yaml:3:8: display.rotation: must be 0, 90, 180 or 270"])
    StatusWriter(run_dir / "status.json", status).write()
    config.write_text(f"runtime:\n  dir: {run_dir}\ndisplay:\n  rotation: 45\n")
    result = videotron(config, "status")
    # Not "healthy" while an edit is refused (the console flags the screen too): exit 1.
    assert result.returncode == 1, result.stderr
    assert "running, CONFIG REFUSED: 1 error(s) in /etc/videotron/player.yaml" in result.stdout
    assert "healthy" not in result.stdout
    assert "CONFIG REFUSED  1 error(s)" in result.stdout
    assert "display.rotation: must be 0, 90, 180 or 270" in result.stdout


def test_times_are_on_the_screens_clock_with_the_zone_named():
    now = dt.datetime(2026, 12, 7, 5, 30, tzinfo=dt.UTC)
    doc = {
        "player": {"id": "p", "timezone": "Asia/Jakarta", "started_at": "2026-12-07T05:00:00Z"},
        "sync": {"manifest_sequence": 3, "last_ok_at": "2026-12-07T05:29:00Z"},
        "errors": {"recent": [{"at": "2026-12-07T05:10:00Z", "message": "boom", "count": 1}]},
    }
    text = render_summary(doc, now)
    assert "started         2026-12-07 12:00:00 WIB (30 min ago)" in text
    assert "last success 2026-12-07 12:29:00 WIB (60 s ago)" in text
    assert "    2026-12-07 12:10:00 WIB  boom" in text
    assert "UTC" not in text and "05:" not in text
    doc["player"]["timezone"] = "Asia/Makassar"
    makassar = render_summary(doc, now)
    assert "started         2026-12-07 13:00:00 WITA" in makassar


def test_summary_of_an_empty_status_is_still_readable():
    text = render_summary({"pid": 1}, dt.datetime.now(dt.UTC))
    assert "playing         nothing" in text
    assert "manifest        none active" in text
    assert "mqtt            not configured" in text
