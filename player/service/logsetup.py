"""Logging to stdout/stderr for journald, with repeated warnings and errors folded into counts."""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import sys
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TextIO

from player.service.board import StatusBoard
from player.wire.isotime import format_utc

NOISY_LIBRARIES = ("watchdog", "PIL")
LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")

# syslog priorities that journald reads from a "<N>" line prefix (SyslogLevelPrefix=yes).
SYSLOG_PRIORITY = MappingProxyType(
    {
        logging.DEBUG: 7,
        logging.INFO: 6,
        logging.WARNING: 4,
        logging.ERROR: 3,
        logging.CRITICAL: 2,
    }
)


def parse_level(level: str) -> int:
    name = str(level).strip().upper()
    if name == "WARN":
        name = "WARNING"
    if name not in LEVELS:
        raise ValueError(f"unknown log level {level!r}; use one of {', '.join(LEVELS)}")
    return getattr(logging, name)


def journal_attached(stream: TextIO, environ: Mapping[str, str] | None = None) -> bool:
    """True when `stream` is the journald stream systemd gave us ($JOURNAL_STREAM).

    Comparing device:inode, as systemd documents, keeps a redirected stderr (a file,
    a pipe to less) from getting journal-style lines just because the variable was
    inherited.
    """
    env = os.environ if environ is None else environ
    value = env.get("JOURNAL_STREAM", "")
    if not value:
        return False
    try:
        dev, ino = (int(part) for part in value.split(":"))
        st = os.fstat(stream.fileno())
    except (ValueError, OSError, AttributeError):
        return False
    return (st.st_dev, st.st_ino) == (dev, ino)


class JournalFormatter(logging.Formatter):
    """`<6>player.sync: message`: journald adds the time and stores the priority."""

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        prefix = f"<{SYSLOG_PRIORITY.get(record.levelno, 6)}>"
        # A traceback spans lines; each line needs the prefix or journald logs it at INFO.
        return "\n".join(prefix + line for line in text.splitlines() or [""])


@dataclass
class _Seen:
    first: float
    suppressed: int = 0
    last_text: str = ""


class RepeatFilter(logging.Filter):
    """Logs a warning or error once per `window` seconds per (logger, level, template).

    The repeats are counted and reported as one "… repeated N times" line when the
    window ends (at the next log call, or at flush()), so a failure that recurs every
    second costs one line a minute instead of sixty: that is SD card wear and journal
    space saved, and the first occurrence keeps its full text and traceback.
    """

    def __init__(
        self,
        window: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
        emit: Callable[[logging.LogRecord], None] | None = None,
    ) -> None:
        super().__init__()
        self.window = window
        self.clock = clock
        self.emit = emit
        self._lock = threading.Lock()
        self._seen: dict[tuple[str, int, str], _Seen] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        # Only warnings and errors fold: below WARNING a line is a state change (an alert
        # received, a command, the display on, a manifest activated, a config applied),
        # and each one is a fact a technician looks for. extra={"fold": False} keeps a
        # warning per file or per item whole too.
        if (
            record.levelno < logging.WARNING
            or getattr(record, "repeat_summary", False)
            or getattr(record, "fold", True) is False
        ):
            return True
        now = self.clock()
        key = (record.name, record.levelno, str(record.msg))
        with self._lock:
            summaries = self._expired(now, keep=key)
            seen = self._seen.get(key)
            if seen is not None and now - seen.first < self.window:
                seen.suppressed += 1
                seen.last_text = record.getMessage()
                allow = False
            else:
                if seen is not None and seen.suppressed:
                    summaries.append(self._summary(key, seen, now))
                self._seen[key] = _Seen(first=now)
                allow = True
        for summary in summaries:
            self._emit(summary)
        return allow

    def _expired(self, now: float, keep: tuple[str, int, str]) -> list[logging.LogRecord]:
        out = []
        for key, seen in list(self._seen.items()):
            if key != keep and now - seen.first >= self.window:
                if seen.suppressed:
                    out.append(self._summary(key, seen, now))
                del self._seen[key]
        return out

    @staticmethod
    def _summary(key: tuple[str, int, str], seen: _Seen, now: float) -> logging.LogRecord:
        name, level, _template = key
        record = logging.LogRecord(
            name,
            level,
            __file__,
            0,
            "… repeated %d times in %.0f s (last: %s)",
            (seen.suppressed, now - seen.first, seen.last_text),
            None,
        )
        record.repeat_summary = True
        return record

    def flush(self) -> None:
        """Report pending repeat counts now (at shutdown)."""
        with self._lock:
            summaries = [
                self._summary(key, seen, self.clock())
                for key, seen in self._seen.items()
                if seen.suppressed
            ]
            self._seen.clear()
        for summary in summaries:
            self._emit(summary)

    def _emit(self, record: logging.LogRecord) -> None:
        if self.emit is not None:
            self.emit(record)


class PlayerHandler(logging.StreamHandler):
    """The one handler the player installs on the root logger."""


def setup_logging(
    level: str = "INFO",
    *,
    stream: TextIO | None = None,
    environ: Mapping[str, str] | None = None,
    repeat_window: float = 60.0,
) -> logging.Handler:
    """Send all logs to stderr; journal format when systemd captures it. Idempotent."""
    stream = sys.stderr if stream is None else stream
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, PlayerHandler)]:
        root.removeHandler(old)
        for f in old.filters:
            if isinstance(f, RepeatFilter):
                f.flush()
    handler = PlayerHandler(stream)
    if journal_attached(stream, environ):
        handler.setFormatter(JournalFormatter("%(name)s: %(message)s"))
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s"))
    handler.addFilter(RepeatFilter(window=repeat_window, emit=handler.handle))
    root.addHandler(handler)
    _apply_level(parse_level(level))
    return handler


def _apply_level(value: int) -> None:
    logging.getLogger().setLevel(value)
    # Libraries that chat at DEBUG about every inotify event or HTTP connection.
    for noisy in NOISY_LIBRARIES:
        logging.getLogger(noisy).setLevel(max(logging.INFO, value))
    # urllib3 warns about each retry in its own words; the player reports the failure
    # itself, once, with what to do, so only urllib3's errors get through.
    logging.getLogger("urllib3").setLevel(max(logging.ERROR, value))


def set_level(level: str) -> None:
    """Change the level live (config reload); raises ValueError for an unknown name."""
    value = parse_level(level)
    if logging.getLogger().level != value:
        _apply_level(value)
        logging.getLogger(__name__).info("log level is now %s", logging.getLevelName(value))


MAX_STATUS_MESSAGE = 300
_URL = re.compile(r"\b(https?|mqtts?)://([^/\s]+)(/[^\s?#]*)?(\?[^\s#]*)?(#\S*)?")


def readable(message: str, limit: int = MAX_STATUS_MESSAGE) -> str:
    """A message short enough for status, whole where it counts.

    Long URLs are shortened to their host and last path part (the reason after them is
    what a technician needs); if still too long, the message is cut at a word with "…".
    """
    if len(message) <= limit:
        return message

    def shorter(match: re.Match) -> str:
        scheme, host, path = match.group(1), match.group(2), match.group(3) or ""
        last = path.rstrip("/").rsplit("/", 1)[-1]
        return f"{scheme}://{host}/…/{last}" if last and path.count("/") > 1 else match[0]

    message = _URL.sub(shorter, message)
    if len(message) <= limit:
        return message
    cut = message[: limit - 1].rsplit(" ", 1)[0]
    return f"{cut}…"


class StatusErrorRecorder(logging.Handler):
    """Keeps the latest warnings and errors in the status board for `videotron status`.

    Messages are folded by logger and template, so an error that repeats every few
    seconds is one line with a count, not a scrolling list.
    """

    def __init__(self, status: StatusBoard, keep: int = 20) -> None:
        super().__init__(logging.WARNING)
        self.status = status
        self.keep = keep
        self._recent: dict[tuple[str, object], dict] = {}

    def emit(self, record: logging.LogRecord) -> None:
        try:
            key = (record.name, record.msg)
            entry = self._recent.pop(key, None) or {"count": 0}
            entry.update(
                level=record.levelname,
                where=record.name,
                message=readable(record.getMessage().splitlines()[0]),
                at=format_utc(dt.datetime.fromtimestamp(record.created, dt.UTC)),
                count=entry["count"] + 1,
            )
            self._recent[key] = entry  # most recent last
            while len(self._recent) > self.keep:
                self._recent.pop(next(iter(self._recent)))
            self.status.replace("errors", {"recent": [dict(e) for e in self._recent.values()]})
        except Exception:  # a status hiccup must never break logging
            self.handleError(record)
