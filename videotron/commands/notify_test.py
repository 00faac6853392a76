"""`videotron notify-test`: send a test message to each notification target of central.yaml."""

from __future__ import annotations

import argparse
import datetime as dt
import socket
import sys
from pathlib import Path

from videotron.commands import options

SUMMARY = "send a test message to each notification target of central.yaml"
DETAILS = (
    "Each target of notifications.targets gets one message, in its language, whatever\n"
    "events it asks for; one attempt each, bounded by notifications.timeout. Prints each\n"
    "target's name and whether it took the message; URLs are never printed (they hold\n"
    'passwords and tokens). See docs/CONSOLE.md, "Notifications".'
)
EXIT_NOTE = "0 every target took it; 1 some target failed (each is printed); 2 bad config"
CONFIG = options.OFFICE


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--target", action="append", metavar="NAME", help="only this target (repeatable)"
    )


def run(args: argparse.Namespace) -> int:
    from central.config import CentralConfigError, load_central_config
    from central.notifications.delivery import check_targets

    try:
        config = load_central_config(Path(args.config_path))
    except CentralConfigError as exc:
        print(f"videotron notify-test: {exc}", file=sys.stderr)
        return 2
    settings = config.notifications
    known = [target.name for target in settings.targets]
    unknown = [name for name in args.target or () if name not in known]
    if not known or unknown:
        what = f"no target named {', '.join(unknown)}" if unknown else "no notifications.targets"
        print(f"videotron notify-test: {what} in {config.path} (targets: "
              f"{', '.join(known) or 'none'})", file=sys.stderr)  # fmt: skip
        return 2
    now = dt.datetime.now(dt.UTC)
    results = check_targets(settings, args.target, socket.gethostname(), now)
    for target, error in results:
        if error:
            print(f"{target.name}: FAILED: {error}", file=sys.stderr)
        else:
            print(f"{target.name}: sent")
    return 1 if any(error for _, error in results) else 0
