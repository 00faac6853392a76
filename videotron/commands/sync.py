"""`videotron sync`: fetch the manifest and media into the cache."""

from __future__ import annotations

import argparse

from player.sync.failure import exit_notes
from videotron.commands import options

SUMMARY = "fetch the manifest and media into the cache"
DETAILS = "Refused while a player runs on the same cache: it syncs by itself."
EXIT_NOTE = exit_notes()  # one code per failure kind, from the kinds themselves
CONFIG = options.PLAYER


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--once",
        action="store_true",
        help="one full sync, then exit; without it, sync until Ctrl-C",
    )


def run(args: argparse.Namespace) -> int:
    from player.sync.loop import cmd_sync

    return cmd_sync(args)
