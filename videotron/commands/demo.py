"""`videotron demo`: make sample content, publish it signed and play it."""

from __future__ import annotations

import argparse
from pathlib import Path

from videotron.commands import options

SUMMARY = "make sample content, publish it signed and play it"
DETAILS = (
    "Everything in one folder (--out). With no display it renders offscreen for 60 s and\n"
    "saves a screenshot every 3 s (the newest 20 and latest.png); Ctrl-C stops it. It\n"
    "writes its own player config (--out/player.yaml), so it takes no --config. With the\n"
    "office parts installed (pip install -e '.[office]', apt install mosquitto) it also\n"
    "runs a broker, the collector and the console, prints the console's address and a\n"
    "login, and stays up until Ctrl-C (--exit-after SECONDS ends it by itself)."
)
EXIT_NOTE = "0 stopped cleanly; 1 could not start"
CONFIG = None


def add_arguments(parser: argparse.ArgumentParser) -> None:
    options.add_render_options(parser, shot_every=None)
    parser.add_argument(
        "--out", type=Path, metavar="DIR", default=Path("demo-out"), help="work folder"
    )
    parser.add_argument(
        "--console-port", type=int, metavar="PORT", help="the office console's port (default: free)"
    )
    parser.add_argument(
        "--no-console", action="store_true", help="the player alone: no broker, collector, console"
    )


def run(args: argparse.Namespace) -> int:
    from videotron.demo import cmd_demo

    return cmd_demo(args)
