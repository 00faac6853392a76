"""`videotron check-config`: validate a config file and show the effective values."""

from __future__ import annotations

import argparse
from pathlib import Path

from videotron.commands import options

SUMMARY = "validate a config file and show the effective values"
DETAILS = (
    "Prints every problem as FILE:LINE:COL: key: message, or a summary of the settings\n"
    "in force (secrets masked)."
)
EXIT_NOTE = "0 valid; 1 errors (each printed as FILE:LINE:COL: key: message)"
CONFIG = options.PLAYER


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "path", nargs="?", type=Path, metavar="FILE", help="default: the --config one"
    )


def run(args: argparse.Namespace) -> int:
    from player.config.loader import cmd_check_config

    return cmd_check_config(args)
