"""`videotron schedule`: print what will play from a moment on, and why."""

from __future__ import annotations

import argparse
from pathlib import Path

from videotron.commands import options

SUMMARY = "print what will play from a moment on, and why"
DETAILS = "Uses the same scheduler as the player, on the active manifest or --manifest."
EXIT_NOTE = "0 printed; 1 config errors; 2 bad option or no usable manifest"
CONFIG = options.PLAYER


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--at", metavar="DATETIME", help="ISO start time, player time (default: now)"
    )
    parser.add_argument("--hours", type=float, default=2.0, help="how far ahead to list")
    parser.add_argument(
        "--manifest", type=Path, metavar="FILE", help="manifest.json to use instead"
    )
    parser.add_argument(
        "--every-item",
        action="store_true",
        help="list every play (default: one line per run of the same loop)",
    )


def run(args: argparse.Namespace) -> int:
    from player.schedule.cli import cmd_schedule

    return cmd_schedule(args)
