"""`videotron collect`: keep what the screens report in the office database."""

from __future__ import annotations

import argparse

from videotron.commands import options

SUMMARY = "keep what the screens report in the office database"
DETAILS = (
    "Status history, proof of play (acknowledged to each player once committed) and\n"
    "screenshots, into collector.database from central.yaml. What the systemd unit\n"
    "videotron-collector runs."
)
EXIT_NOTE = "0 stopped cleanly; 1 the database cannot be opened; 2 bad central.yaml"
CONFIG = options.OFFICE


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """No options of its own: central.yaml says it all."""


def run(args: argparse.Namespace) -> int:
    from central.collector.cli import cmd_collect

    return cmd_collect(args)
