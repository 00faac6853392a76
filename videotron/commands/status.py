"""`videotron status`: show what the running player is doing and what is wrong."""

from __future__ import annotations

import argparse

from videotron.commands import options

SUMMARY = "show what the running player is doing and what is wrong"
DETAILS = (
    "Reads the running player's status file in runtime.dir (found even when the config\n"
    "file was refused)."
)
EXIT_NOTE = "0 running and healthy; 1 running but unhealthy or its config refused; 3 not running"
CONFIG = options.PLAYER


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print the raw status JSON")


def run(args: argparse.Namespace) -> int:
    from player.service.statusfile import cmd_status

    return cmd_status(args)
