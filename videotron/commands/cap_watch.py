"""`videotron cap-watch`: turn official CAP 1.2 warnings into signed alerts on the screens."""

from __future__ import annotations

import argparse

from videotron.commands import options

SUMMARY = "turn official CAP 1.2 warnings (BMKG) into signed alerts on the screens"
DETAILS = (
    "Polls the cap.sources of central.yaml (a CAP file, an RSS/Atom index of CAP files,\n"
    "or a folder) and sends each warning to the groups whose cap.groups place lies in\n"
    "its area. What the systemd unit videotron-cap runs; see docs/ALERTS.md."
)
EXIT_NOTE = (
    "0 stopped cleanly (or --status printed); 1 no status file to print; "
    "2 bad central.yaml, key or missing cap settings"
)
CONFIG = options.OFFICE


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--status", action="store_true", help="print the running watcher's status and exit"
    )


def run(args: argparse.Namespace) -> int:
    from central.cap.cli import cmd_cap_watch

    return cmd_cap_watch(args)
