"""`publish()`: an authoring file checked whole, then written as a signed tree under the lock."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from nacl.signing import SigningKey

from central import publishlock
from central.publish.authoring import Authoring, PublishError
from central.publish.builder import Builder, impossible_campaigns
from central.publish.tree import PublishSummary, check, stamped, write_tree
from player.wire.signing import KeyFileError, load_private_key


def publish(
    playlist_yaml: Path,
    out_dir: Path,
    private_key: SigningKey | Path | None,
    now: dt.datetime,
    *,
    holder: str | None = None,
    lock_wait: float = publishlock.DEFAULT_WAIT,
) -> PublishSummary:
    """Build and write the tree; raise PublishError listing every problem (file:line),
    PublishBusy when another publisher holds `out_dir` longer than `lock_wait` seconds.

    Probing and hashing happen first, unlocked; reading the previous sequence, writing
    the media and replacing the manifest happen under the folder's publish lock (`holder`
    says who is publishing to whoever must wait), so a racing publisher's manifest is
    always a complete step before or after this one, with a higher sequence.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    doc = Authoring(Path(playlist_yaml))
    builder = Builder(doc, now)
    manifest = builder.build()
    # Checked before the lock too (with the sequence it would get now): a refused file
    # must not make other publishers wait, and its problems come before a key's.
    _, parsed = check(doc, builder, stamped(manifest, out_dir, now))
    if problems := impossible_campaigns(doc, parsed, now):
        raise PublishError(problems)
    if isinstance(private_key, Path | str):
        try:
            private_key = load_private_key(Path(private_key))
        except KeyFileError as exc:
            raise PublishError([str(exc)]) from None
    with publishlock.publish_lock(out_dir, holder or publishlock.who(), wait=lock_wait):
        return write_tree(doc, builder, manifest, out_dir=out_dir, private_key=private_key, now=now)
