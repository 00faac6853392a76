"""`videotron notify`: announce a published manifest to its group's players over MQTT."""

from __future__ import annotations

import argparse
from pathlib import Path

from videotron.commands import options

SUMMARY = "announce a published manifest to players over MQTT"
DETAILS = "Players of the manifest's group sync within a second instead of at their next poll."
EXIT_NOTE = "0 the broker acknowledged; 1 bad manifest, config or broker"
CONFIG = options.OFFICE


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--manifest", type=Path, metavar="FILE", required=True, help="manifest.json"
    )
    options.add_mqtt_option(parser)


def run(args: argparse.Namespace) -> int:
    """Publish the retained "manifest changed" notice for a published manifest."""
    from central.broker import SendError, manifest_notice, send_notice
    from player.wire.manifest import ManifestError
    from videotron.commands import sending

    try:
        try:
            data = Path(args.manifest).read_bytes()
        except OSError as exc:
            raise SendError(
                f"cannot read manifest {args.manifest}: {exc.strerror or exc}"
            ) from None
        try:
            notice = manifest_notice(data)
        except ManifestError as exc:
            raise SendError(f"{args.manifest}: {exc}") from None
        target = sending.broker_target(args)
        topic = send_notice(target, notice)
    except SendError as exc:
        return sending.failed("notify", exc)
    print(
        f"notified {topic} on {target.broker.display}: "
        f"sequence {notice['sequence']}, sha256 {notice['sha256'][:12]}…"
    )
    return 0
