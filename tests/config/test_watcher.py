"""Live reload with a real watchdog observer on a temp config file."""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
from pathlib import Path

import pytest

from player.config.model import Config
from player.config.watcher import ConfigWatcher

WAIT = 8.0  # seconds; generous because the test machine is shared


def _config(fps: int, comment: str = "") -> str:
    return f"player:\n  id: layar-01\ndisplay:\n  fps: {fps}\n{comment}"


PROBE_FPS = 59  # no test sets it otherwise


class Recorder:
    """Collects the watcher's callbacks so tests can wait on them with a deadline."""

    def __init__(self) -> None:
        self.changes: queue.Queue[Config] = queue.Queue()
        self.errors: queue.Queue[list[str]] = queue.Queue()

    def next_change(self) -> Config:
        return self.changes.get(timeout=WAIT)

    def next_errors(self) -> list[str]:
        return self.errors.get(timeout=WAIT)

    def assert_quiet(self, config_file: Path) -> None:
        """Nothing more was called back: a probe edit saved now is the very next callback."""
        _write_in_place(config_file, _config(PROBE_FPS))
        change = self.next_change()
        assert change.display.fps == PROBE_FPS, f"unexpected change before the probe: {change}"
        assert self.errors.empty(), f"unexpected errors: {self.errors.get_nowait()}"


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "etc" / "player.yaml"
    path.parent.mkdir()
    path.write_text(_config(30))
    return path


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def watcher(config_file: Path, recorder: Recorder):
    w = ConfigWatcher(config_file, recorder.changes.put, recorder.errors.put)  # default debounce
    w.start()
    yield w
    w.stop()


def _write_in_place(path: Path, text: str) -> None:
    with path.open("r+") as f:  # same inode, truncated and rewritten
        f.truncate(0)
        f.write(text)


def _write_and_rename(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.swp")
    tmp.write_text(text)
    os.replace(tmp, path)


def _write_vim_backup_style(path: Path, text: str) -> None:
    backup = path.with_name(path.name + "~")
    os.rename(path, backup)  # vim with `backupcopy=no`: move the original away
    path.write_text(text)
    backup.unlink()


@pytest.mark.parametrize(
    "save", [_write_in_place, _write_and_rename, _write_vim_backup_style],
    ids=["in-place", "temp-then-rename", "vim-backup-rename"],
)  # fmt: skip
def test_a_valid_edit_is_applied(config_file, recorder, watcher, save):
    assert watcher.current is not None and watcher.current.display.fps == 30
    inode = config_file.stat().st_ino
    save(config_file, _config(25))
    changed = recorder.next_change()
    assert changed.display.fps == 25
    assert watcher.current == changed
    assert watcher.errors == []
    if save is _write_in_place:
        assert config_file.stat().st_ino == inode
    else:
        assert config_file.stat().st_ino != inode
    recorder.assert_quiet(config_file)  # one edit, one change


def test_a_burst_of_writes_is_one_reload(config_file, recorder, tmp_path):
    reloads = []

    class CountingWatcher(ConfigWatcher):
        def reload(self, *, baseline: bool = False):
            reloads.append(baseline)
            return super().reload(baseline=baseline)

    with CountingWatcher(config_file, recorder.changes.put, recorder.errors.put, debounce=0.5):
        for fps in range(31, 41):
            _write_in_place(config_file, _config(fps))
            time.sleep(0.02)
        assert recorder.next_change().display.fps == 40
        recorder.assert_quiet(config_file)
    assert reloads == [True, False, False]  # the start-up load, one for the burst, the probe


def test_a_bad_edit_is_refused_then_a_good_one_applies(config_file, recorder, watcher, caplog):
    good = watcher.current
    with caplog.at_level(logging.WARNING, logger="player.config.watcher"):
        _write_and_rename(config_file, "player:\n  id: layar-01\ndisplay:\n  fps: 500\n  fsp: 3\n")
        lines = recorder.next_errors()
    assert len(lines) == 2
    assert lines[0].startswith(f"{config_file}:4:8: display.fps: 500 is out of range")
    assert lines[1].startswith(f"{config_file}:5:3: display.fsp:")
    assert watcher.current is good  # the last good config stays in force
    assert watcher.errors == lines
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any(lines[0] in w for w in warnings) and any(lines[1] in w for w in warnings)
    assert recorder.changes.empty()

    _write_in_place(config_file, _config(24))
    assert recorder.next_change().display.fps == 24
    assert recorder.next_errors() == []  # errors cleared for the status display
    assert watcher.errors == []
    assert watcher.current.display.fps == 24


def test_a_yaml_syntax_error_keeps_the_config(config_file, recorder, watcher):
    _write_in_place(config_file, 'player:\n  id: "layar-01\ndisplay:\n  fps: 12\n')
    (line,) = recorder.next_errors()
    assert line.startswith(f"{config_file}:2:7: player.id: YAML syntax error")
    assert watcher.current.display.fps == 30


def test_reverting_a_bad_edit_clears_errors_without_a_change(config_file, recorder, watcher):
    _write_in_place(config_file, _config(0))
    assert recorder.next_errors()
    _write_in_place(config_file, _config(30, "# back to what it was\n"))
    assert recorder.next_errors() == []
    recorder.assert_quiet(config_file)  # same effective config: nothing to apply


def test_deleting_the_file_keeps_the_config(config_file, recorder, watcher):
    config_file.unlink()
    (line,) = recorder.next_errors()
    assert "config file not found" in line
    assert watcher.current.display.fps == 30
    config_file.write_text(_config(20))
    assert recorder.next_change().display.fps == 20


def test_other_files_in_the_folder_are_ignored(config_file, recorder, watcher):
    (config_file.parent / "other.yaml").write_text("display:\n  fps: 500\n")
    _write_and_rename(config_file.parent / "notes.txt", "hello")
    recorder.assert_quiet(config_file)


def test_initial_config_differs_from_file(config_file, recorder):
    loaded_earlier = Config()
    w = ConfigWatcher(
        config_file, recorder.changes.put, recorder.errors.put, initial=loaded_earlier
    )
    with w:
        assert recorder.next_change().player.id == "layar-01"


def test_no_callbacks_after_stop(config_file, recorder, watcher):
    watcher.stop()
    # The thread that calls back is gone, so nothing written now can reach a callback.
    assert "config-watcher" not in {t.name for t in threading.enumerate()}
    _write_in_place(config_file, _config(10))
    assert recorder.changes.empty() and recorder.errors.empty()
    assert watcher.current.display.fps == 30


def test_a_failing_callback_does_not_stop_reloads(config_file, recorder):
    calls = []

    def explode(config):
        calls.append(config)
        raise RuntimeError("consumer bug")

    with ConfigWatcher(config_file, explode, recorder.errors.put, debounce=0.1):
        _write_in_place(config_file, _config(11))
        deadline = time.monotonic() + WAIT
        while len(calls) < 1 and time.monotonic() < deadline:
            time.sleep(0.02)
        _write_in_place(config_file, _config(12))
        while len(calls) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
    assert [c.display.fps for c in calls] == [11, 12]


def test_a_symlinked_config_is_followed_to_its_target(tmp_path, recorder):
    target = tmp_path / "real" / "player.yaml"
    target.parent.mkdir()
    target.write_text(_config(30))
    link = tmp_path / "etc" / "player.yaml"
    link.parent.mkdir()
    link.symlink_to(target)
    with ConfigWatcher(link, recorder.changes.put, recorder.errors.put, debounce=0.1):
        _write_and_rename(target, _config(15))
        assert recorder.next_change().display.fps == 15


def test_every_applied_edit_is_logged_at_once_with_what_changed(
    config_file, recorder, watcher, caplog
):
    from player.service.logsetup import RepeatFilter

    # The journal handler folds repeated messages; a config change must never be held back.
    folding = RepeatFilter(window=60.0)
    caplog.handler.addFilter(folding)
    try:
        with caplog.at_level(logging.INFO, logger="player.config.watcher"):
            _write_and_rename(
                config_file,
                _config(30) + "mqtt:\n  url: mqtt://b\n  username: u\n  password: s3cret\n",
            )
            recorder.next_change()
            _write_and_rename(
                config_file,
                _config(25) + "mqtt:\n  url: mqtt://b\n  username: u\n  password: other\n",
            )
            recorder.next_change()
    finally:
        caplog.handler.removeFilter(folding)
    lines = [r.getMessage() for r in caplog.records if "changed; applying it" in r.getMessage()]
    assert len(lines) == 2, lines
    assert lines[0].endswith(
        "applying it: mqtt.url: (not set) → mqtt://b; mqtt.username: (not set) → u; "
        "mqtt.password: changed (secret, not shown)"
    )
    assert lines[1].endswith(
        "applying it: display.fps: 30 → 25; mqtt.password: changed (secret, not shown)"
    )
    assert "s3cret" not in " ".join(lines) and "other" not in " ".join(lines)


def test_an_edit_to_something_that_is_no_config_keeps_the_last_good_one(
    config_file, recorder, watcher
):
    """Each is refused in one line naming the file, and the watcher keeps watching."""
    extremes = [
        (lambda: _write_and_rename(config_file, "a: " + "[" * 5000 + "]" * 5000), "nested"),
        (lambda: os.mkfifo(config_file), "named pipe (FIFO)"),
        (lambda: config_file.symlink_to("/dev/zero"), "is a device"),
    ]
    for make, reason in extremes:
        config_file.unlink()
        make()
        errors = recorder.next_errors()
        if any("not found" in e for e in errors):  # the unlink, seen alone on a slow machine
            errors = recorder.next_errors()
        (error,) = errors
        assert error.startswith(str(config_file)) and reason in error
        assert watcher.current.display.fps == 30
    config_file.unlink()
    config_file.write_text(_config(25))
    assert recorder.next_change().display.fps == 25
