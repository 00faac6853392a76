"""Options several `videotron` commands share: --config, --log-level, dates, render options."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
PLAYER = "player"  # --config names player.yaml
OFFICE = "office"  # --config names central.yaml
_CONFIG_HELP = {
    PLAYER: "player config (default $VIDEOTRON_CONFIG or /etc/videotron/player.yaml)",
    OFFICE: "central.yaml (default $VIDEOTRON_CENTRAL_CONFIG or /etc/videotron/central.yaml)",
}


def log_level(text: str) -> str:
    """A --log-level value: a level name in any case, WARN for WARNING."""
    name = text.strip().upper()
    if name == "WARN":
        name = "WARNING"
    if name not in LOG_LEVELS:
        raise argparse.ArgumentTypeError(
            f"unknown log level {text!r}; use one of {', '.join(LOG_LEVELS)}"
        )
    return name


def date(text: str) -> dt.date:
    """A day given as 2024-05-31."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: use a date like 2024-05-31") from None


def clock_time(text: str) -> dt.time:
    """A time of day given as 14:00 (or 14:00:30)."""
    try:
        return dt.time.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: use a time of day like 14:00") from None


def common_options(config: str | None) -> argparse.ArgumentParser:
    """The parent parser of a command's --config (`config`: PLAYER, OFFICE or None) and
    --log-level, accepted after the command name too (`videotron notify --config F ...`).

    SUPPRESS keeps a value given before the command name when none is given after it.
    """
    parent = argparse.ArgumentParser(add_help=False)
    if config is None:
        parent.add_argument(
            "--log-level", metavar="LEVEL", type=log_level, default=argparse.SUPPRESS,
            help=argparse.SUPPRESS,
        )  # fmt: skip
        return parent
    parent.add_argument(
        "--config", metavar="FILE", default=argparse.SUPPRESS, help=_CONFIG_HELP[config]
    )
    parent.add_argument(
        "--log-level",
        metavar="LEVEL",
        type=log_level,
        default=argparse.SUPPRESS,
        help=f"one of {', '.join(LOG_LEVELS)}",
    )
    return parent


def add_mqtt_option(parser: argparse.ArgumentParser) -> None:
    """--mqtt of the commands that send through the broker."""
    parser.add_argument(
        "--mqtt", metavar="URL", help="broker URL (default: mqtt.url in central.yaml)"
    )


def add_render_options(parser: argparse.ArgumentParser, shot_every: float | None) -> None:
    """What `run` and `demo` share: offscreen rendering, screenshots, a time limit."""
    parser.add_argument(
        "--headless", action="store_true", help="render offscreen (SDL dummy driver)"
    )
    parser.add_argument("--screenshot-dir", type=Path, metavar="DIR", help="save PNGs into DIR")
    parser.add_argument(
        "--screenshot-every",
        type=float,
        metavar="SECONDS",
        default=shot_every,
        help="seconds between screenshots in --screenshot-dir"
        + ("" if shot_every else " (default: 3 offscreen, 5 in a window)"),
    )
    parser.add_argument(
        "--exit-after",
        type=float,
        metavar="SECONDS",
        help="stop after SECONDS (0: run until stopped)",
    )
    parser.add_argument(
        "--frame-log",
        type=Path,
        metavar="FILE",
        help="append one JSON line per presented frame to FILE (diagnostics)",
    )
