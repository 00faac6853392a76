"""What `notify`, `alert` and `command` share: the broker and key they name, lifetimes, errors."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from nacl.signing import SigningKey

from central.broker import BrokerTarget, SendError, load_publisher_key
from central.config import CentralConfigError, load_central_config
from player.wire.manifest import MAX_ALERT_LIFETIME
from player.wire.units import parse_duration


def lifetime(text: str) -> dt.timedelta:
    """An --expires value: "90s", "30m", "2h", "1d"; a bare number is refused (which unit?)."""
    try:
        # A unit is required: a technician typing "2" for two hours must not send a 2 s alert.
        seconds = parse_duration(text, unit_required=True)
    except ValueError:
        seconds = 0.0
    if seconds <= 0:
        raise SendError(
            f"--expires {text!r}: use a positive number with its unit s, m, h or d (90s, 30m, 2h)"
        )
    if seconds > MAX_ALERT_LIFETIME.total_seconds():  # also keeps the expiry date computable
        raise SendError(
            f"--expires {text!r}: at most {MAX_ALERT_LIFETIME.days}d; a notice that runs longer "
            "belongs in a playlist"
        )
    return dt.timedelta(seconds=seconds)


def broker_target(args: argparse.Namespace) -> BrokerTarget:
    """The broker of --mqtt or mqtt.url; the rest of the mqtt section (prefix, login, CA)
    from central.yaml when it loads, else the defaults (prefix "videotron")."""
    try:
        config = load_central_config(Path(args.config_path))
    except CentralConfigError as exc:
        if not args.mqtt:
            raise SendError(f"{exc}\nfix it, or pass --mqtt mqtt://HOST:PORT") from None
        return BrokerTarget.from_url(args.mqtt)
    if not (args.mqtt or config.mqtt.url):
        raise SendError(
            f"no broker: set mqtt.url in {args.config_path} or pass --mqtt mqtt://HOST:PORT"
        )
    return BrokerTarget.from_config(config, url=args.mqtt)


def publisher_key(args: argparse.Namespace) -> SigningKey:
    """The key of --key, else publish.key in central.yaml."""
    path = args.key
    if path is None:
        try:
            path = load_central_config(Path(args.config_path)).publish.key
        except CentralConfigError as exc:
            raise SendError(f"{exc}; or pass --key KEYFILE") from None
        if path is None:
            raise SendError(f"no --key and no publish.key in {args.config_path}")
    return load_publisher_key(path, Path(args.config_path))


def failed(command: str, exc: SendError) -> int:
    """Say on stderr why `videotron COMMAND` sent nothing; its exit status."""
    print(f"videotron {command}: {exc}", file=sys.stderr)
    return 1
