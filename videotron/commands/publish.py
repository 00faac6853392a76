"""`videotron publish`: build a signed manifest and media tree from a playlist."""

from __future__ import annotations

import argparse
from pathlib import Path

from videotron.commands import options

SUMMARY = "build a signed manifest and media tree from a playlist"
DETAILS = (
    "Writes manifest.json, manifest.json.sig and media/<sha256> into --out, ready for any\n"
    "static server or a USB stick. The publish is recorded in the office's publish history\n"
    "(collector.database of central.yaml, as the console's publishes are) when that\n"
    "database exists; it says so when it could not be recorded."
)
EXIT_NOTE = "0 published; 1 refused (every problem is printed); 2 bad options"
CONFIG = options.OFFICE


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("playlist", type=Path, metavar="PLAYLIST", help="authoring YAML")
    parser.add_argument(
        "--out", type=Path, metavar="DIR", required=True, help="folder to publish into"
    )
    signing = parser.add_mutually_exclusive_group(required=True)
    signing.add_argument("--key", type=Path, metavar="KEYFILE", help="from `videotron keygen`")
    signing.add_argument(
        "--unsigned", action="store_true", help="no signature (demos; players need allow_unsigned)"
    )


def run(args: argparse.Namespace) -> int:
    from central.publish import cmd_publish

    return cmd_publish(args)
