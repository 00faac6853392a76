"""`videotron publish` and `videotron keygen`: the publisher and its key on the command line."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from pathlib import Path

from central import publishlock
from central.publish.authoring import PublishError
from central.publish.publisher import publish
from central.publish.tree import PublishSummary
from player.wire.atomicfile import atomic_write
from player.wire.signing import (
    KeyFileError,
    generate_keypair,
    load_private_key,
    private_key_text,
    public_key_text,
)
from player.wire.units import format_size


def cmd_publish(args: argparse.Namespace) -> int:
    if args.unsigned == (args.key is not None):
        print("error: give --key KEYFILE, or --unsigned for a demo", file=sys.stderr)
        return 2
    try:
        key = None if args.unsigned else load_private_key(args.key)
        now = dt.datetime.now(dt.UTC)
        holder = f"videotron publish, command line ({publishlock.who()})"
        summary = publish(args.playlist, args.out, key, now, holder=holder)
    except (PublishError, KeyFileError, publishlock.PublishBusy) as exc:
        print(f"error: {exc}".replace("\n", "\nerror: "), file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"error: cannot write to {args.out}: {exc}", file=sys.stderr)
        return 1
    for warning in summary.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    signed = "signed" if summary.signed else "UNSIGNED (players need source.allow_unsigned)"
    print(f"published {summary.group} sequence {summary.sequence} to {summary.manifest_path}")
    print(f"  {signed}, sha256 {summary.sha256}")
    print(f"  playlists: {summary.playlists}  items: {summary.items}  media: {summary.media}")
    print(
        f"  new: {summary.new_files} files, {format_size(summary.new_bytes)}  "
        f"reused: {summary.reused_files} files, {format_size(summary.reused_bytes)}"
    )
    print(f"  {_record(args, summary, now)}")
    return 0


def _record(args: argparse.Namespace, summary: PublishSummary, now: dt.datetime) -> str:
    """Record the publish in the office's history (where the console shows it); what happened."""
    try:  # the database packages are the office's; a publishing-only install lacks them
        from central.db.publishlog import record_command_line_publish
    except ModuleNotFoundError as exc:
        return (
            f"not recorded in the office's publish history: no module {exc.name!r} "
            "(install videotron-player[office] to record command-line publishes)"
        )
    return record_command_line_publish(
        getattr(args, "config_path", None), group=summary.group, sequence=summary.sequence,
        folder=args.out.resolve(), sha256=summary.sha256, now=now,
        campaigns=summary.campaigns,
    )  # fmt: skip


def cmd_keygen(args: argparse.Namespace) -> int:
    keyfile = Path(args.keyfile)
    pubfile = keyfile.with_name(keyfile.name + ".pub")
    existing = [path for path in (keyfile, pubfile) if path.exists()]
    if existing and not args.force:
        print(f"error: {existing[0]} exists; use --force to replace it", file=sys.stderr)
        return 1
    key, public = generate_keypair()
    try:
        atomic_write(keyfile, private_key_text(key).encode("ascii"), durable=True, mode=0o600)
        os.chmod(keyfile, 0o600)  # also when the umask or an old file said otherwise
        atomic_write(pubfile, public_key_text(key).encode("ascii"), durable=True, mode=0o644)
    except OSError as exc:
        print(f"error: cannot write {keyfile}: {exc}", file=sys.stderr)
        return 1
    print(f"public_key: {public}")
    print(
        f"wrote {keyfile} (secret, mode 600) and {pubfile}; paste the public_key line under "
        "`source:` in /etc/videotron/player.yaml",
        file=sys.stderr,
    )
    return 0
