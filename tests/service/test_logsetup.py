"""Log format for journald vs a terminal, repeat folding, and live level changes."""

from __future__ import annotations

import io
import logging
import os
import re
import time

import pytest

from player.service.board import StatusBoard
from player.service.logsetup import (
    PlayerHandler,
    RepeatFilter,
    StatusErrorRecorder,
    set_level,
    setup_logging,
)


@pytest.fixture(autouse=True)
def restore_root_logger():
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    yield
    for handler in list(root.handlers):
        if isinstance(handler, PlayerHandler):
            root.removeHandler(handler)
    root.handlers[:] = handlers
    root.setLevel(level)


def journal_file(tmp_path):
    stream = open(tmp_path / "journal", "w+")  # noqa: SIM115 - closed by the test
    st = os.fstat(stream.fileno())
    return stream, {"JOURNAL_STREAM": f"{st.st_dev}:{st.st_ino}"}


def test_terminal_format_has_time_level_and_logger():
    stream = io.StringIO()
    setup_logging("INFO", stream=stream, environ={})
    logging.getLogger("player.sync").warning("manifest %s refused", "#41")
    line = stream.getvalue().strip()
    assert re.fullmatch(
        r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} WARNING player.sync: manifest #41 refused", line
    ), line


def test_journal_format_has_priority_prefix_and_no_timestamp(tmp_path):
    stream, env = journal_file(tmp_path)
    with stream:
        setup_logging("DEBUG", stream=stream, environ=env)
        log = logging.getLogger("player.push.client")
        log.info("connected to %s", "broker")
        log.debug("ping")
        try:
            raise OSError("network unreachable")
        except OSError:
            log.exception("publish failed")
        stream.flush()
        lines = (tmp_path / "journal").read_text().splitlines()
    assert lines[0] == "<6>player.push.client: connected to broker"
    assert lines[1] == "<7>player.push.client: ping"
    assert lines[2] == "<3>player.push.client: publish failed"
    # Every traceback line keeps the error priority, so `journalctl -p err` shows it whole.
    assert all(line.startswith("<3>") for line in lines[2:])
    assert lines[-1] == "<3>OSError: network unreachable"
    assert not any(re.search(r"\d\d:\d\d:\d\d", line) for line in lines)


def test_inherited_journal_stream_on_a_redirected_stderr_is_ignored(tmp_path):
    stream, env = journal_file(tmp_path)
    other = open(tmp_path / "redirected", "w+")  # noqa: SIM115
    with stream, other:
        setup_logging("INFO", stream=other, environ=env)
        logging.getLogger("player").info("hello")
        other.flush()
        text = (tmp_path / "redirected").read_text()
    assert text.startswith("20") and " INFO    player: hello" in text


def test_a_repeating_error_is_logged_once_then_counted():
    stream = io.StringIO()
    setup_logging("INFO", stream=stream, environ={}, repeat_window=0.4)
    log = logging.getLogger("player.sync")
    for i in range(50):
        log.error("download of %s failed: timed out", f"media/{i}")
    log.error("disk full")  # another template is not folded into the first
    assert stream.getvalue().count("failed: timed out") == 1
    assert "disk full" in stream.getvalue()
    time.sleep(0.45)
    log.error("download of %s failed: timed out", "media/99")
    lines = stream.getvalue().splitlines()
    summary = [line for line in lines if "repeated" in line]
    assert len(summary) == 1
    assert "ERROR   player.sync: … repeated 49 times in" in summary[0]
    assert "(last: download of media/49 failed: timed out)" in summary[0]
    assert lines[-1].endswith("download of media/99 failed: timed out")
    assert len(lines) == 4


def test_pending_repeat_counts_are_reported_by_other_messages_and_at_flush():
    now = [0.0]
    records: list[logging.LogRecord] = []
    folder = RepeatFilter(window=60, clock=lambda: now[0], emit=records.append)

    def rec(msg: str, name: str = "player.push.client") -> logging.LogRecord:
        return logging.LogRecord(name, logging.WARNING, __file__, 1, msg, None, None)

    assert folder.filter(rec("broker down"))
    assert not folder.filter(rec("broker down"))
    assert not folder.filter(rec("broker down"))
    now[0] = 61.0
    # The window ended and the message stopped: the next unrelated line flushes the count.
    assert folder.filter(rec("connected", name="player.sync"))
    assert [r.getMessage() for r in records] == ["… repeated 2 times in 61 s (last: broker down)"]
    assert not folder.filter(rec("connected", name="player.sync"))
    folder.flush()
    assert records[-1].getMessage() == "… repeated 1 times in 0 s (last: connected)"


def test_level_changes_live_and_bad_names_are_refused():
    stream = io.StringIO()
    setup_logging("warning", stream=stream, environ={})
    log = logging.getLogger("player.render")
    log.info("hidden")
    set_level("debug")
    log.debug("shown")
    assert "hidden" not in stream.getvalue()
    assert "player.render: shown" in stream.getvalue()
    with pytest.raises(ValueError, match="unknown log level 'LOUD'; use one of DEBUG, INFO"):
        set_level("LOUD")


def test_setting_up_twice_keeps_one_handler():
    setup_logging("INFO", stream=io.StringIO(), environ={})
    setup_logging("INFO", stream=io.StringIO(), environ={})
    handlers = [h for h in logging.getLogger().handlers if isinstance(h, PlayerHandler)]
    assert len(handlers) == 1


def test_warnings_reach_status_folded_by_template_with_counts():
    from player.service.board import StatusBoard
    from player.service.logsetup import StatusErrorRecorder

    status = StatusBoard()
    logger = logging.getLogger("player.test.recorder")
    logger.propagate = False
    recorder = StatusErrorRecorder(status, keep=3)
    logger.addHandler(recorder)
    try:
        logger.info("not an error")
        for attempt in range(5):
            logger.error("sync failed: %s (attempt %d)", "network", attempt)
        for name in ("a", "b", "c"):
            logger.warning("feed %s unreachable", name)
        recent = status.get("errors")["recent"]
        assert [(e["message"], e["count"], e["level"]) for e in recent] == [
            ("sync failed: network (attempt 4)", 5, "ERROR"),
            ("feed c unreachable", 3, "WARNING"),
        ]
        logger.warning("disk almost full")
        logger.error("cannot decode %s", "x.mp4")
    finally:
        logger.removeHandler(recorder)
    recent = status.get("errors")["recent"]
    # Capped at 3 templates: the one not seen for longest went first.
    assert [e["message"] for e in recent] == [
        "feed c unreachable",
        "disk almost full",
        "cannot decode x.mp4",
    ]


def test_status_errors_stay_whole_a_long_url_is_shortened_not_the_reason():
    from player.service.logsetup import readable

    url = "https://cdn.example.go.id/" + "/".join(["bogor-city"] * 30) + "/manifest.json"
    message = f"sync failed: network: {url}: connection refused (is the server up?)"
    shown = readable(message)
    assert len(shown) <= 300
    assert shown.endswith("connection refused (is the server up?)")
    assert "https://cdn.example.go.id/…/manifest.json" in shown
    words = "the server answered with something that is not a manifest " * 10
    cut = readable(words.strip())
    assert len(cut) <= 300 and cut.endswith("…")
    assert words.startswith(cut[:-1] + " ")  # cut between words, not inside one


def test_urllib3_retry_chatter_stays_out_of_the_log_and_status():
    status = StatusBoard()
    stream = io.StringIO()
    handler = setup_logging("INFO", stream=stream)
    recorder = StatusErrorRecorder(status)
    logging.getLogger().addHandler(recorder)
    try:
        logging.getLogger("urllib3.connectionpool").warning(
            "Retrying (Retry(total=2)) after connection broken by 'NewConnectionError'"
        )
        logging.getLogger("urllib3.connectionpool").error("a real urllib3 error")
    finally:
        logging.getLogger().removeHandler(recorder)
        logging.getLogger().removeHandler(handler)
    assert "Retrying" not in stream.getvalue() and "a real urllib3 error" in stream.getvalue()
    recent = status.get("errors")["recent"]
    assert [e["message"] for e in recent] == ["a real urllib3 error"]


def test_five_alerts_and_five_commands_in_a_minute_are_ten_receipt_lines():
    """State changes are never folded: each alert and command received is its own line."""
    import datetime as dt

    from player.config.model import Config, MqttConfig, PlayerConfig
    from player.push.client import PushClient
    from player.wire import signing

    key, public = signing.generate_keypair()
    config = Config(
        player=PlayerConfig(id="screen-1", group="bogor"),
        mqtt=MqttConfig(url="mqtt://127.0.0.1:1", topic_prefix="vt"),
    )
    received = []
    client = PushClient(
        config, StatusBoard(), public_key=public,
        on_manifest_notice=received.append, on_alert=received.append,
        on_command=lambda name, payload: received.append(name),
    )  # fmt: skip
    stream = io.StringIO()
    setup_logging("INFO", stream=stream, environ={}, repeat_window=60)
    now = dt.datetime.now(dt.UTC)
    life = dt.timedelta(minutes=5)
    for i in range(5):
        alert = signing.make_alert(f"Banjir {i}", "bogor", now=now, lifetime=life, alert_id=f"a{i}")
        client._handle("vt/bogor/alert", signing.seal(alert, key))
        command = signing.make_command("screen-1", "display-on", now=now, lifetime=life)
        client._handle("vt/player/screen-1/command", signing.seal(command, key))
    lines = stream.getvalue().splitlines()
    assert len(received) == 10
    assert len([line for line in lines if "player.push.client: alert a" in line]) == 5
    assert len([line for line in lines if "player.push.client: command display-on" in line]) == 5
    assert not any("repeated" in line for line in lines)
