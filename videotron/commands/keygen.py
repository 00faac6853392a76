"""`videotron keygen`: create an Ed25519 publisher key pair."""

from __future__ import annotations

import argparse
from pathlib import Path

SUMMARY = "create an Ed25519 publisher key pair"
DETAILS = (
    "Writes KEYFILE (secret, mode 600) and KEYFILE.pub, and prints the public_key line for\n"
    "player.yaml."
)
EXIT_NOTE = "0 written; 1 the key exists (use --force) or cannot be written"
CONFIG = None


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("keyfile", type=Path, metavar="KEYFILE", help="private key file to write")
    parser.add_argument("--force", action="store_true", help="overwrite an existing key")


def run(args: argparse.Namespace) -> int:
    from central.publish import cmd_keygen

    return cmd_keygen(args)
