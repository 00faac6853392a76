"""Every bound the report shapes declare names a field the shape has: a renamed key fails here."""

from __future__ import annotations

import typing

from player.wire import proofofplay, status
from player.wire.status import keys_of


def _declared(shape: type | None, path: str) -> bool:
    """`path` (`report.dropped`, `errors[].count`) walks declared keys of `shape`."""
    for part in path.replace("[]", "").split("."):
        if shape is None or part not in keys_of(shape):
            return False
        hint = typing.get_type_hints(shape)[part]
        inner = [hint, *typing.get_args(hint)]
        shape = next((t for t in inner if hasattr(t, "__required_keys__")), None)
    return True


def test_every_status_bound_names_a_field_of_the_status_message():
    for path in status.STATUS_BOUNDS:
        assert _declared(status.StatusMessage, path), path


def test_every_proof_of_play_bound_names_a_field_of_the_batch():
    for path in proofofplay.POP_BOUNDS:
        assert _declared(proofofplay.PopBatch, path), path


def test_the_check_notices_an_undeclared_field():
    assert not _declared(status.StatusMessage, "report.droped")
    assert not _declared(proofofplay.PopBatch, "records[].duraton")
