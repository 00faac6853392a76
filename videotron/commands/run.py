"""`videotron run`: play fullscreen from the cache, syncing in the background."""

from __future__ import annotations

import argparse

from videotron.commands import options

SUMMARY = "play fullscreen from the cache, syncing in the background"
DETAILS = (
    "What the systemd service runs. Plays the last good manifest at once, syncs, listens\n"
    "for pushes and alerts, reloads the config when it is saved."
)
EXIT_NOTE = "0 stopped cleanly; 1 could not start (no display, unusable config or cache)"
CONFIG = options.PLAYER


def add_arguments(parser: argparse.ArgumentParser) -> None:
    options.add_render_options(parser, shot_every=5.0)


def run(args: argparse.Namespace) -> int:
    from player.app import cmd_run

    return cmd_run(args)
