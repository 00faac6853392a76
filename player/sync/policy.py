"""What this screen may play of a signed manifest: approvals required, unsigned ticker feeds."""

from __future__ import annotations

from collections.abc import Callable

from player.config.model import SourceConfig
from player.sync.failure import Failed, SyncFailure
from player.wire.manifest import Manifest

SHOWN = 3  # items named in the one-line reason; the count says how many more


def _unapproved(manifest: Manifest) -> list[str]:
    found = []
    # Campaign items reach the screen like any other: they need approval just the same.
    owners = [(f"playlist {p.name!r}", p.items) for p in manifest.playlists]
    owners += [(f"campaign {c.id!r}", c.items) for c in manifest.campaigns]
    for owner, items in owners:
        for item in items:
            where = f"item {item.id!r} of {owner}"
            if item.approval is None:
                found.append(f"{where} has no approval")
            elif not item.approval.matches:
                found.append(
                    f"{where} changed after {item.approval.approver} approved it "
                    "(its content_hash does not match)"
                )
    ticker = manifest.layout.ticker
    if ticker is not None and ticker.lines:  # typed text is content too
        if ticker.approval is None:
            found.append("the ticker's lines have no approval")
        elif not ticker.approval.matches:
            found.append(
                f"the ticker's lines changed after {ticker.approval.approver} approved them "
                "(their content_hash does not match)"
            )
    return found


def refusal(manifest: Manifest, source: SourceConfig) -> Failed | None:
    """Why this screen refuses a manifest whose signature is good, or None to play it.

    Checked before anything of it is downloaded: a refused manifest never becomes active,
    so the screen keeps the last one it accepted.
    """
    if source.require_approval:
        found = _unapproved(manifest)
        if found:
            more = f" and {len(found) - SHOWN} more" if len(found) > SHOWN else ""
            return Failed(
                SyncFailure.APPROVAL,
                f"sequence {manifest.sequence} refused: {'; '.join(found[:SHOWN])}{more} "
                "(source.require_approval is on)",
            )
    ticker = manifest.layout.ticker
    unsigned = [feed.url for feed in ticker.feeds if feed.sha256 is None] if ticker else []
    if unsigned and not source.allow_unsigned_feeds:
        return Failed(
            SyncFailure.FEED,
            f"sequence {manifest.sequence} refused: layout.ticker.feeds names {unsigned[0]}"
            + (f" and {len(unsigned) - 1} more" if len(unsigned) > 1 else "")
            + ", a feed the screen would read unsigned from the internet "
            "(source.allow_unsigned_feeds is off)",
        )
    return None


def refused_reason(source: SourceConfig) -> Callable[[Manifest], str | None]:
    """`refusal` for `ManifestStore.load_trusted`: the reason a stored manifest may not play
    after a start (the config may have changed since it was accepted), or None."""

    def reason(manifest: Manifest) -> str | None:
        failed = refusal(manifest, source)
        return None if failed is None else f"{failed.kind}: {failed.reason}"

    return reason
