"""`videotron command`: send a signed command (screenshot, sync, reload, …) to one player."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

from videotron.commands import options

SUMMARY = "send a signed command to one player"
DETAILS = (
    "The player checks the signature and the expiry, then acts: a screenshot lands in the\n"
    "office database (videotron report screenshot), sync and reload run at once."
)
EXIT_NOTE = "0 the broker acknowledged; 1 bad key, config or broker"
CONFIG = options.OFFICE


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("player", metavar="PLAYER", help="player id")
    parser.add_argument(
        "name",
        metavar="COMMAND",
        choices=["screenshot", "sync", "reload", "display-off", "display-on"],
        help="screenshot, sync, reload, display-off or display-on",
    )
    parser.add_argument(
        "--key", type=Path, metavar="KEYFILE", help="default: publish.key in central.yaml"
    )
    parser.add_argument("--expires", default="5m", help="lifetime: 90s, 5m, 1h")
    options.add_mqtt_option(parser)


def run(args: argparse.Namespace) -> int:
    """Seal the command with the publisher key and send it to the player's command topic."""
    from central.broker import SendError, send_command
    from player.wire import signing
    from videotron.commands import sending

    try:
        lifetime = sending.lifetime(args.expires)
        key = sending.publisher_key(args)
        target = sending.broker_target(args)
        payload = signing.make_command(
            args.player,
            args.name,
            now=dt.datetime.now(dt.UTC).replace(microsecond=0),
            lifetime=lifetime,
        )
        send_command(target, key, payload)
    except SendError as exc:
        return sending.failed("command", exc)
    print(f"sent {args.name} to {args.player} on {target.broker.display}")
    return 0
