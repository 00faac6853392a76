"""Authoring YAML → signed `manifest.json` + content-addressed `media/<sha256>` tree.

Callers import from here; the modules behind it: `authoring` (the YAML with its lines),
`builder` (items, playlists, campaigns, layout, brightness), `approvals`, `ticker` (lines
approved, feeds signed), `media` (files hashed, probed, held against the target), `tree`
(the folder written), `publisher` (`publish()`, under the lock), `cli` (the commands).
"""

from central.publish.authoring import PublishError
from central.publish.builder import plan_problems
from central.publish.cli import cmd_keygen, cmd_publish
from central.publish.media import sha256_file, verify_media_file
from central.publish.publisher import publish
from central.publish.ticker import authored_feeds
from central.publish.tree import PublishSummary, carried_localinfo, next_sequence, write_manifest

__all__ = [
    "PublishError",
    "PublishSummary",
    "authored_feeds",
    "carried_localinfo",
    "cmd_keygen",
    "cmd_publish",
    "next_sequence",
    "plan_problems",
    "publish",
    "sha256_file",
    "verify_media_file",
    "write_manifest",
]
