"""`videotron screenshot`: save the running player's current frame as PNG."""

from __future__ import annotations

import argparse
from pathlib import Path

from videotron.commands import options

SUMMARY = "save the running player's current frame as PNG"
DETAILS = "Asks the running player over its control socket in runtime.dir."
EXIT_NOTE = "0 written; 1 failed or timed out; 3 the player is not running"
CONFIG = options.PLAYER


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("out", type=Path, metavar="FILE", help="PNG file to write")
    parser.add_argument("--timeout", type=float, default=5.0, help="seconds to wait")


def run(args: argparse.Namespace) -> int:
    from player.service.control import cmd_screenshot

    return cmd_screenshot(args)
