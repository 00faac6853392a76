"""`videotron check-config` run as a technician would: exit codes, messages, masked secrets."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
VIDEOTRON = Path(sys.executable).parent / "videotron"

GOOD_WITH_SECRETS = """\
player:
  id: layar-balaikota
source:
  url: https://cms.example.go.id/m.json
  allow_unsigned: true
  token: s3cret-token-123
mqtt:
  url: mqtt://127.0.0.1:1883
  username: layar
  password: hunter2-rahasia
display:
  fps: 25
"""

BAD_THREE = """\
player:
  timezone: Jakarta
display:
  fps: 0
  fsp: 30
"""


def _run(*args: str, env_config: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "VIDEOTRON_CONFIG"}
    if env_config is not None:
        env["VIDEOTRON_CONFIG"] = env_config
    return subprocess.run(
        [str(VIDEOTRON), *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        cwd=REPO,
        check=False,
    )


def test_shipped_config_checks_ok():
    result = _run("check-config", "config/player.yaml")
    assert result.returncode == 0, result.stderr
    assert "config/player.yaml: OK" in result.stdout
    assert "player.timezone" in result.stdout and "Asia/Jakarta" in result.stdout
    assert result.stderr == ""


def test_good_config_shows_changes_and_masks_secrets(tmp_path):
    path = tmp_path / "player.yaml"
    path.write_text(GOOD_WITH_SECRETS)
    result = _run("check-config", str(path))
    assert result.returncode == 0, result.stderr
    assert "s3cret-token-123" not in result.stdout
    assert "hunter2-rahasia" not in result.stdout
    assert "********" in result.stdout
    fps_line = next(line for line in result.stdout.splitlines() if "display.fps" in line)
    assert fps_line.split() == ["*", "display.fps", "25"]
    rotation_line = next(ln for ln in result.stdout.splitlines() if "display.rotation" in ln)
    assert rotation_line.split() == ["display.rotation", "0"]


def test_bad_config_prints_every_problem_and_exits_1(tmp_path):
    path = tmp_path / "player.yaml"
    path.write_text(BAD_THREE)
    result = _run("check-config", str(path))
    assert result.returncode == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines[0].startswith(f"{path}:2:13: player.timezone: unknown time zone 'Jakarta'")
    assert lines[1].startswith(f"{path}:4:8: display.fps: 0 is out of range")
    assert lines[2].startswith(f"{path}:5:3: display.fsp: unknown key 'fsp'")
    assert "did you mean display.fps?" in lines[2]
    assert "3 problems" in lines[3]


def test_videotron_config_env_is_used_when_no_path_is_given(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("display:\n  fps: 500\n")
    result = _run("check-config", env_config=str(bad))
    assert result.returncode == 1
    assert result.stderr.startswith(f"{bad}:2:8: display.fps:")

    good = tmp_path / "good.yaml"
    good.write_text("player:\n  id: from-env\n")
    result = _run("check-config", env_config=str(good))
    assert result.returncode == 0, result.stderr
    assert f"{good}: OK" in result.stdout and "from-env" in result.stdout


def test_config_option_and_explicit_path_win_over_env(tmp_path):
    good = tmp_path / "good.yaml"
    good.write_text("player:\n  id: from-option\n")
    missing = str(tmp_path / "nope.yaml")
    assert _run("--config", str(good), "check-config", env_config=missing).returncode == 0
    assert _run("check-config", str(good), env_config=missing).returncode == 0


def test_missing_config_says_where_it_looked_and_how_to_create_it(tmp_path):
    missing = tmp_path / "etc" / "videotron" / "player.yaml"
    result = _run("check-config", env_config=str(missing))
    assert result.returncode == 1
    assert f"looked for {missing}" in result.stderr
    assert f"install -D -m 0640 -g videotron config/player.yaml {missing}" in result.stderr


# -- files at the extremes: refused at once, in one line, never a traceback or a hang ------


def _extreme(kind: str, tmp_path: Path) -> tuple[Path, str]:
    """(config path, the reason check-config must give) for one kind of non-config."""
    path = tmp_path / "player.yaml"
    if kind == "fifo":
        os.mkfifo(path)  # nobody writes: opening it to read used to wait forever
        return path, "(file): is a named pipe (FIFO), not a regular file"
    if kind == "folder":
        path.mkdir()
        return path, "(file): is a folder"
    if kind == "dev-zero":
        return Path("/dev/zero"), "(file): is a device, not a regular file"
    if kind == "deep":
        path.write_text("player:\n  id: " + "[" * 5000 + "]" * 5000 + "\n")
        return path, ":2:21: (file): nested more than 16 levels deep"
    if kind == "deep-block":
        path.write_text("".join("  " * i + f"k{i}:\n" for i in range(400)))
        return path, ":17:33: (file): nested more than 16 levels deep"
    assert kind == "huge"
    path.write_bytes(b"player:\n  id: x\n" + b"# padding\n" * 3_000_000)
    return path, "(file): is over 256 KiB; is this really the player config?"


@pytest.mark.parametrize("kind", ["fifo", "folder", "dev-zero", "deep", "deep-block", "huge"])
def test_a_config_that_is_no_config_is_refused_in_one_line(tmp_path, kind):
    path, reason = _extreme(kind, tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "videotron", "check-config", str(path)],
        capture_output=True, text=True, timeout=30, cwd=REPO, check=False,
    )  # fmt: skip
    assert result.returncode == 1
    first, summary = result.stderr.splitlines()
    assert first.startswith(str(path)) and reason in first
    assert summary.startswith(f"{path}: 1 problem")
    assert result.stdout == ""
