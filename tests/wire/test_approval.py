"""Approvals on the wire: the content hash both ends compute, and the parser's checks."""

from __future__ import annotations

import pytest

from player.wire.approval import content_hash
from player.wire.manifest import ManifestError
from player.wire.parse import manifest_from_raw

ITEM = {"id": "a", "type": "text", "text": "Halo", "duration": 5, "style": {"color": "#ffffff"}}


def _manifest(item: dict) -> dict:
    return {
        "version": 1,
        "group": "g",
        "published_at": "2026-01-05T10:00:00Z",
        "sequence": 1,
        "playlists": [{"name": "main", "items": [item]}],
    }


def _approved(item: dict, **approval) -> dict:
    fields = {"approver": "sari", "approved_at": "2026-01-05T09:00:00Z"}
    return {**item, "approval": {**fields, "content_hash": content_hash(item), **approval}}


def test_the_hash_covers_what_shows_and_nothing_else():
    same = {**ITEM, "id": "b", "schedule": {"days": ["mon"]}, "approval": {"x": 1}}
    assert content_hash(same) == content_hash(ITEM)
    assert content_hash({**ITEM, "fit": None}) == content_hash(ITEM)  # null is absent
    changes = [
        ("text", "Halo!"), ("duration", 6), ("style", {}), ("fit", "cover"),
        ("transition", "crossfade"), ("type", "ticker"), ("media", "0" * 64),
    ]  # fmt: skip
    for key, value in changes:
        assert content_hash({**ITEM, key: value}) != content_hash(ITEM), key


def test_the_parser_reads_an_approval_and_checks_its_hash():
    (item,) = manifest_from_raw(_manifest(_approved(ITEM))).items()
    assert item.approval.approver == "sari" and item.approval.matches
    changed = {**_approved(ITEM), "text": "Diubah"}  # edited after the approval
    (item,) = manifest_from_raw(_manifest(changed)).items()
    assert item.approval is not None and not item.approval.matches


@pytest.mark.parametrize(
    ("approval", "path", "reason"),
    [
        ({"approver": ""}, "approval.approver", "must be a non-empty string"),
        ({"approver": "x" * 129}, "approval.approver", "128"),
        ({"approved_at": "2026-01-05T09:00:00"}, "approval.approved_at", "UTC offset"),
        ({"approved_at": "9999-01-01T00:00:00Z"}, "approval.approved_at", "year 9999"),
        ({"content_hash": "ABC"}, "approval.content_hash", "must be a sha256"),
    ],
)
def test_a_bad_approval_names_its_field(approval, path, reason):
    raw = _manifest(_approved(ITEM, **approval))
    with pytest.raises(ManifestError) as caught:
        manifest_from_raw(raw, strict=True)
    assert f"playlists[0].items[0].{path}" in str(caught.value)
    assert reason in str(caught.value)
    # A player leaves the item out (the playlist then has nothing): the manifest is refused.
    with pytest.raises(ManifestError, match=path):
        manifest_from_raw(raw)
