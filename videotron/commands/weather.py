"""`videotron weather`: fetch BMKG's forecast for each group and publish it with the content."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from videotron.commands import options

SUMMARY = "fetch BMKG's forecast for each group and publish it, signed, with the content"
DETAILS = (
    "For each group of weather.groups in central.yaml: one request to BMKG for its village\n"
    "code (within weather.requests_per_minute), the forecast written into the group's\n"
    "published folder (publish.groups) and the manifest signed again with publish.key.\n"
    "Items and their approvals are untouched. Run it from a timer every few hours;\n"
    "see docs/LOCALINFO.md."
)
EXIT_NOTE = "0 every group published; 1 some group failed (each is printed); 2 bad config or key"
CONFIG = options.OFFICE


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--group", action="append", metavar="GROUP", help="only this group (repeatable)"
    )
    parser.add_argument(
        "--unsigned", action="store_true", help="no signature (demos; players need allow_unsigned)"
    )


def run(args: argparse.Namespace) -> int:
    from central.broker import SendError, load_publisher_key
    from central.config import CentralConfigError, load_central_config
    from central.weather.refresh import refresh

    try:
        config = load_central_config(Path(args.config_path))
    except CentralConfigError as exc:
        print(f"videotron weather: {exc}", file=sys.stderr)
        return 2
    if not config.weather.groups:
        print(f"videotron weather: no weather.groups in {config.path}", file=sys.stderr)
        return 2
    key = None
    if not args.unsigned:
        if config.publish.key is None:
            print(
                f"videotron weather: no publish.key in {config.path} (or pass --unsigned)",
                file=sys.stderr,
            )
            return 2
        try:
            key = load_publisher_key(config.publish.key, config.path)
        except SendError as exc:
            print(f"videotron weather: {exc}", file=sys.stderr)
            return 2
    failed = 0
    for result in refresh(config, key, groups=args.group):
        if result.error:
            failed += 1
            print(f"{result.group}: {result.error}", file=sys.stderr)
            continue
        print(
            f"{result.group} ({result.adm4}): {result.periods} periods issued "
            f"{result.issued_at:%Y-%m-%d %H:%M} UTC, sequence {result.sequence}, "
            f"sha256 {result.sha256[:12]}…"
        )
    return 1 if failed else 0
